package trail

import (
	"fmt"
	"strings"
	"time"
)

// ChinaTime is China Standard Time (UTC+8, no daylight saving). Dates shown to
// people and civil dates in the API are read in this zone.
var ChinaTime = time.FixedZone("Asia/Shanghai", 8*60*60)

// Date is a civil date in China time, "YYYY-MM-DD".
type Date string

// ParseDate validates s as a civil date.
func ParseDate(s string) (Date, error) {
	t, err := time.ParseInLocation(time.DateOnly, s, ChinaTime)
	if err != nil || t.Format(time.DateOnly) != s {
		return "", fmt.Errorf("%s is not a date (YYYY-MM-DD)", Quote(s))
	}
	return Date(s), nil
}

// Start returns the first instant of the date in China time.
func (d Date) Start() time.Time {
	t, _ := time.ParseInLocation(time.DateOnly, string(d), ChinaTime)
	return t
}

// End returns the first instant after the date in China time: a plan that says
// "done on d" is late from this instant on.
func (d Date) End() time.Time { return d.Start().AddDate(0, 0, 1) }

// Province is a provincial-level division of China with its GB/T 2260 code.
type Province struct {
	Code string // six digits, e.g. "330000"
	Name string // full name, e.g. "浙江省"
}

var provinces = []Province{
	{"110000", "北京市"}, {"120000", "天津市"}, {"130000", "河北省"}, {"140000", "山西省"},
	{"150000", "内蒙古自治区"}, {"210000", "辽宁省"}, {"220000", "吉林省"}, {"230000", "黑龙江省"},
	{"310000", "上海市"}, {"320000", "江苏省"}, {"330000", "浙江省"}, {"340000", "安徽省"},
	{"350000", "福建省"}, {"360000", "江西省"}, {"370000", "山东省"}, {"410000", "河南省"},
	{"420000", "湖北省"}, {"430000", "湖南省"}, {"440000", "广东省"}, {"450000", "广西壮族自治区"},
	{"460000", "海南省"}, {"500000", "重庆市"}, {"510000", "四川省"}, {"520000", "贵州省"},
	{"530000", "云南省"}, {"540000", "西藏自治区"}, {"610000", "陕西省"}, {"620000", "甘肃省"},
	{"630000", "青海省"}, {"640000", "宁夏回族自治区"}, {"650000", "新疆维吾尔自治区"},
	{"710000", "台湾省"}, {"810000", "香港特别行政区"}, {"820000", "澳门特别行政区"},
}

// shortProvince strips the administrative suffix: "浙江省" → "浙江",
// "广西壮族自治区" → "广西".
func shortProvince(name string) string {
	for _, suffix := range []string{"壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "特别行政区", "省", "市"} {
		if s, ok := strings.CutSuffix(name, suffix); ok && s != "" {
			return s
		}
	}
	return name
}

// LookupProvince finds a province by full name, short name ("浙江") or
// GB/T 2260 code, so that every spelling of a region becomes one.
func LookupProvince(s string) (Province, bool) {
	s = strings.TrimSpace(s)
	short := shortProvince(s)
	for _, p := range provinces {
		if s == p.Code || s == p.Name || short == shortProvince(p.Name) {
			return p, true
		}
	}
	return Province{}, false
}
