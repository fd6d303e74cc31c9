package trail

import (
	"fmt"
	"strings"
)

// Carrier is an express company, named by its Kuaidi100 company code, the
// de-facto standard in China.
type Carrier struct {
	Code string `json:"carrier"`
	Name string `json:"name"`
}

var carriers = []Carrier{
	{"shunfeng", "顺丰速运"}, {"zhongtong", "中通快递"}, {"yuantong", "圆通速递"},
	{"shentong", "申通快递"}, {"yunda", "韵达快递"}, {"jd", "京东物流"}, {"ems", "EMS"},
	{"youzhengguonei", "邮政快递包裹"}, {"youzhengbk", "邮政标准快递"}, {"jtexpress", "极兔速递"},
	{"debangkuaidi", "德邦快递"}, {"debangwuliu", "德邦物流"}, {"huitongkuaidi", "百世快递"},
	{"zhaijisong", "宅急送"}, {"shunfengkuaiyun", "顺丰快运"}, {"jingdongkuaiyun", "京东快运"},
	{"zhongtongkuaiyun", "中通快运"}, {"danniao", "丹鸟"}, {"fengwang", "丰网速运"},
	{"shansong", "闪送"}, {"yundakuaiyun", "韵达快运"},
}

// carrierAliases are the other names people and systems type for a
// carrier: the abbreviations printed on waybills and used by Kuaidiniao
// (SF, YTO, ZTO, STO, YD, JTSD, ...), English names, and the short Chinese
// names (顺丰, 圆通, ...). Every carrier's code and full Chinese name (the
// carriers table) are accepted too. Keys are folded with foldCarrier.
var carrierAliases = map[string]string{
	"sf": "shunfeng", "sfexpress": "shunfeng", "顺丰": "shunfeng", "顺丰快递": "shunfeng", "顺丰速递": "shunfeng",
	"zto": "zhongtong", "中通": "zhongtong", "中通速递": "zhongtong",
	"yto": "yuantong", "yt": "yuantong", "圆通": "yuantong", "圆通快递": "yuantong",
	"sto": "shentong", "申通": "shentong", "申通速递": "shentong",
	"yd": "yunda", "韵达": "yunda", "韵达速递": "yunda",
	"jdl": "jd", "jingdong": "jd", "京东": "jd", "京东快递": "jd",
	"emsexpress": "ems", "中国邮政ems": "ems", "邮政ems": "ems", "ems快递": "ems",
	"yzpy": "youzhengguonei", "chinapost": "youzhengguonei", "邮政": "youzhengguonei",
	"中国邮政": "youzhengguonei", "邮政包裹": "youzhengguonei", "邮政快递": "youzhengguonei",
	"yzbk": "youzhengbk", "邮政国内标快": "youzhengbk",
	"jt": "jtexpress", "jtsd": "jtexpress", "j&t": "jtexpress", "j&texpress": "jtexpress",
	"极兔": "jtexpress", "极兔快递": "jtexpress",
	"dbl": "debangkuaidi", "deppon": "debangkuaidi", "德邦": "debangkuaidi",
	"dblky": "debangwuliu", "德邦快运": "debangwuliu",
	"htky": "huitongkuaidi", "best": "huitongkuaidi", "百世": "huitongkuaidi", "百世汇通": "huitongkuaidi",
	"zjs":  "zhaijisong",
	"sfky": "shunfengkuaiyun", "jdky": "jingdongkuaiyun", "ztoky": "zhongtongkuaiyun",
	"ydky": "yundakuaiyun", "dnwl": "danniao", "丹鸟物流": "danniao",
	"fwx": "fengwang", "丰网": "fengwang",
}

// carrierByName is carrierAliases with every carrier's code and Chinese
// name added.
var carrierByName = func() map[string]string {
	m := make(map[string]string, len(carrierAliases)+2*len(carriers))
	for k, v := range carrierAliases {
		m[k] = v
	}
	for _, c := range carriers {
		m[c.Code] = c.Code
		m[foldCarrier(c.Name)] = c.Code
	}
	return m
}()

// foldCarrier brings a typed carrier name to the form carrierAliases is
// keyed by: full-width characters to ASCII, no spaces, lower case.
func foldCarrier(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(foldWidth(s)), ""))
}

// LookupCarrier finds a carrier by its code.
func LookupCarrier(code string) (Carrier, bool) {
	for _, c := range carriers {
		if c.Code == code {
			return c, true
		}
	}
	return Carrier{}, false
}

// carrierFamilies groups the codes of carriers that one provider reports
// under a single code, by the code that provider uses: SF's own API serves
// 顺丰快运 (shunfengkuaiyun) parcels and pushes them as shunfeng. A parcel's
// code within its family is the brand's choice and is never "corrected"
// to another code of the same family.
var carrierFamilies = [][]string{
	{"shunfeng", "shunfengkuaiyun"},
}

// CarrierFamily returns the codes a parcel reported under code may be
// stored under: code first, then the other codes of its family.
func CarrierFamily(code string) []string {
	for _, f := range carrierFamilies {
		for _, c := range f {
			if c == code {
				out := []string{code}
				for _, o := range f {
					if o != code {
						out = append(out, o)
					}
				}
				return out
			}
		}
	}
	return []string{code}
}

// SameCarrierFamily reports whether a and b name the same carrier or two
// carriers of one family.
func SameCarrierFamily(a, b string) bool {
	for _, c := range CarrierFamily(a) {
		if c == b {
			return true
		}
	}
	return false
}

// Carriers lists every carrier the service knows, in a fixed order.
func Carriers() []Carrier { return append([]Carrier(nil), carriers...) }

// NormalizeCarrier returns the code of the carrier that input names: a code
// in any case (SHUNFENG), a common abbreviation or Kuaidiniao code (SF,
// YTO, JTSD), or a Chinese name (顺丰, 圆通速递), with spaces and full-width
// letters ignored. Input that names no carrier comes back trimmed and
// lower-cased, for Validate to refuse with UnknownCarrier.
func NormalizeCarrier(input string) string {
	folded := foldCarrier(input)
	if code, ok := carrierByName[folded]; ok {
		return code
	}
	return folded
}

// UnknownCarrier is the EINVALID error for a carrier input that names no
// carrier: its Details list every valid code with its name, and the message
// says that names and abbreviations are accepted too.
func UnknownCarrier(field, input string) *Error {
	return &Error{
		Code:  EINVALID,
		Field: field,
		Message: fmt.Sprintf("未知的承运商 %s，请使用 details 中的代码（也可写 SF、YTO 或“顺丰”“圆通”等常用名） / unknown carrier %s: "+
			"use one of the codes in details (Kuaidi100 codes such as shunfeng, yuantong, zhongtong), or a common name such as SF, YTO or 顺丰", Quote(input), Quote(input)),
		Details: Carriers(),
	}
}
