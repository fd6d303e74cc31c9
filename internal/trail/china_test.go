package trail_test

import (
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

func TestParseDate(t *testing.T) {
	t.Parallel()

	tests := []struct {
		in string
		ok bool
	}{
		{"2026-12-05", true},
		{"2026-01-01", true},
		{"2028-02-29", true},
		{"2026-12-31", true},
		{"2026-02-30", false},
		{"2026-02-29", false},
		{"2026-13-01", false},
		{"2026-00-10", false},
		{"2026-12-00", false},
		{"2026-1-5", false},
		{"2026-01-5", false},
		{"26-01-05", false},
		{"2026/01/05", false},
		{"2026-12-05T00:00:00+08:00", false},
		{" 2026-12-05", false},
		{"2026-12-05 ", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			d, err := trail.ParseDate(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("ParseDate(%q): got error %v, want ok %v", tt.in, err, tt.ok)
			}
			if tt.ok && string(d) != tt.in {
				t.Errorf("ParseDate(%q): got %q, want %q", tt.in, d, tt.in)
			}
			if !tt.ok && d != "" {
				t.Errorf("ParseDate(%q) with error: got %q, want \"\"", tt.in, d)
			}
		})
	}
}

func TestDateStartEnd(t *testing.T) {
	t.Parallel()

	tests := []struct {
		date       trail.Date
		start, end string // RFC 3339 in UTC
	}{
		{"2026-12-05", "2026-12-04T16:00:00Z", "2026-12-05T16:00:00Z"},
		{"2026-12-31", "2026-12-30T16:00:00Z", "2026-12-31T16:00:00Z"},
		{"2028-02-28", "2028-02-27T16:00:00Z", "2028-02-28T16:00:00Z"},
		{"2028-02-29", "2028-02-28T16:00:00Z", "2028-02-29T16:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(string(tt.date), func(t *testing.T) {
			t.Parallel()
			start, end := tt.date.Start(), tt.date.End()
			if want := MustParseTime(t, tt.start); !start.Equal(want) {
				t.Errorf("Start: got %s, want %s", start.UTC().Format(time.RFC3339), tt.start)
			}
			if want := MustParseTime(t, tt.end); !end.Equal(want) {
				t.Errorf("End: got %s, want %s", end.UTC().Format(time.RFC3339), tt.end)
			}
			if got := end.Sub(start); got != 24*time.Hour {
				t.Errorf("End - Start: got %v, want 24h", got)
			}
			if _, off := start.Zone(); off != 8*3600 {
				t.Errorf("Start zone offset: got %d s, want %d s (China time)", off, 8*3600)
			}
		})
	}

	t.Run("end of 2026-12-05 is midnight the next day in China", func(t *testing.T) {
		t.Parallel()
		end := trail.Date("2026-12-05").End()
		if want := MustParseTime(t, "2026-12-06T00:00:00+08:00"); !end.Equal(want) {
			t.Errorf("End: got %s, want %s", end.Format(time.RFC3339), want.Format(time.RFC3339))
		}
		if got, want := end.In(trail.ChinaTime).Format(time.RFC3339), "2026-12-06T00:00:00+08:00"; got != want {
			t.Errorf("End in China time: got %s, want %s", got, want)
		}
		// A plan done "on 2026-12-05" is still on time at 23:59:59 China time.
		lastSecond := MustParseTime(t, "2026-12-05T23:59:59+08:00")
		if !lastSecond.Before(end) {
			t.Errorf("%s before End %s: got false, want true", lastSecond, end)
		}
	})
}

// provinceTable is every provincial-level division with its GB/T 2260 code
// and short name.
var provinceTable = []struct{ code, name, short string }{
	{"110000", "北京市", "北京"}, {"120000", "天津市", "天津"}, {"130000", "河北省", "河北"}, {"140000", "山西省", "山西"},
	{"150000", "内蒙古自治区", "内蒙古"}, {"210000", "辽宁省", "辽宁"}, {"220000", "吉林省", "吉林"}, {"230000", "黑龙江省", "黑龙江"},
	{"310000", "上海市", "上海"}, {"320000", "江苏省", "江苏"}, {"330000", "浙江省", "浙江"}, {"340000", "安徽省", "安徽"},
	{"350000", "福建省", "福建"}, {"360000", "江西省", "江西"}, {"370000", "山东省", "山东"}, {"410000", "河南省", "河南"},
	{"420000", "湖北省", "湖北"}, {"430000", "湖南省", "湖南"}, {"440000", "广东省", "广东"}, {"450000", "广西壮族自治区", "广西"},
	{"460000", "海南省", "海南"}, {"500000", "重庆市", "重庆"}, {"510000", "四川省", "四川"}, {"520000", "贵州省", "贵州"},
	{"530000", "云南省", "云南"}, {"540000", "西藏自治区", "西藏"}, {"610000", "陕西省", "陕西"}, {"620000", "甘肃省", "甘肃"},
	{"630000", "青海省", "青海"}, {"640000", "宁夏回族自治区", "宁夏"}, {"650000", "新疆维吾尔自治区", "新疆"},
	{"710000", "台湾省", "台湾"}, {"810000", "香港特别行政区", "香港"}, {"820000", "澳门特别行政区", "澳门"},
}

func TestLookupProvince(t *testing.T) {
	t.Parallel()

	for _, p := range provinceTable {
		for _, in := range []string{p.code, p.name, p.short, " " + p.short + " "} {
			got, ok := trail.LookupProvince(in)
			if !ok || got.Code != p.code || got.Name != p.name {
				t.Errorf("LookupProvince(%q): got %+v, %v, want {%s %s}, true", in, got, ok, p.code, p.name)
			}
		}
	}

	for _, in := range []string{"", "火星", "浙", "33", "3300", "330100", "省", "市", "自治区", "特别行政区", "Zhejiang", "zhejiang"} {
		if got, ok := trail.LookupProvince(in); ok {
			t.Errorf("LookupProvince(%q): got %+v, true, want not found", in, got)
		}
	}
}
