package trail

// Carrier is an express company, named by its Kuaidi100 company code, the
// de-facto standard in China.
type Carrier struct {
	Code string
	Name string
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
