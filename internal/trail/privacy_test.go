package trail_test

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bottletrail/bottletrail/internal/trail"
)

func TestMaskPhone(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"13812348000", "138****8000"},
		{"19900001111", "199****1111"},
		{"057188888888", "057****8888"},
		{"01012345678", "010****5678"},
		{"12345678", "123****5678"},
		{"8888888", "***8888"},
		{"12345", "*2345"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := trail.MaskPhone(tt.in); got != tt.want {
			t.Errorf("MaskPhone(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMaskName(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"张三", "张*"},
		{"欧阳娜娜", "欧***"},
		{"李小龙", "李**"},
		{"Alice", "A****"},
		{"张", "*"},
		{"", "*"},
	}
	for _, tt := range tests {
		if got := trail.MaskName(tt.in); got != tt.want {
			t.Errorf("MaskName(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLast4(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"13812348000", "8000"},
		{"057188888888", "8888"},
		{"1234", "1234"},
		{"123", "123"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := trail.Last4(tt.in); got != tt.want {
			t.Errorf("Last4(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestHashKeyName(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"张三", "张三"},
		{" 张 三 ", "张三"},
		{"Alice  Smith", "alicesmith"},
		{"\tALICE\nsmith", "alicesmith"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := trail.HashKeyName(tt.in); got != tt.want {
			t.Errorf("HashKeyName(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

// scanCases are carrier scan texts and what MaskScanText and
// MaskScanTextForBuyer make of them. They also seed FuzzMaskScanText.
var scanCases = []struct{ in, masked, buyer string }{
	// Names after a label, with the separators carriers use.
	{"已签收，签收人：张三", "已签收，签收人：张*", ""},
	{"已签收,签收人:李小龙", "已签收,签收人:李**", ""},
	{"您的快件已签收，签收人是【欧阳娜娜】", "您的快件已签收，签收人是【欧***】", ""},
	{"签收人 王五 已签收", "签收人 王* 已签收", ""},
	{"签收人张三已签收，感谢使用", "签收人张*已签收，感谢使用", ""},
	{"签收人张三取货码 A12B", "签收人张*取货码 ****", "签收人张*取货码 A12B"},
	// A masked number's kept digits start no new number.
	{"电话 0571888866 6677889", "电话 057****8866 6677889", ""},
	{"收件人：阿依古丽·买买提", "收件人：阿*******", ""},
	{"代收人：赵六", "代收人：赵*", ""},
	{"收货人: Alice", "收货人: A****", ""},
	{"已签收(本人签收：孙七)", "已签收(本人签收：孙*)", ""},
	{"签收：周八", "签收：周*", ""},
	{"签收人：于洋", "签收人：于*", ""}, // 于 starts no continuation at the front
	{"快件已由 张三 代签收", "快件已由 张* 代签收", ""},
	{"您的订单已由【李四】签收", "您的订单已由【李*】签收", ""},
	{"签收人：家人张三", "签收人：家人张*", ""},
	// Roles, places and sentences are not names.
	{"签收人：本人", "签收人：本人", ""},
	{"您的订单已由本人签收", "您的订单已由本人签收", ""},
	{"已签收，签收人：前台", "已签收，签收人：前台", ""},
	{"快件已由丰巢智能柜代收", "快件已由丰巢智能柜代收", ""},
	{"签收人：菜鸟驿站", "签收人：菜鸟驿站", ""},
	{"收件人已签收", "收件人已签收", ""},
	{"签收人凭取货码签收", "签收人凭取货码签收", ""},
	{"收件人电话无人接听", "收件人电话无人接听", ""},
	{"收件人不在家，改约明天派送", "收件人不在家，改约明天派送", ""},
	// A courier is a person too.
	{"派件员：李四 13987654321 正在为您派件", "派件员：李* 139****4321 正在为您派件", ""},
	{"【杭州西湖】快递员王五正在派件", "【杭州西湖】快递员王*正在派件", ""},
	{"【萧山公司】已收取快件，揽收员：赵四，电话：13700001111", "【萧山公司】已收取快件，揽收员：赵*，电话：137****1111", ""},
	{"商家已下单，等待快递员揽收", "商家已下单，等待快递员揽收", ""},
	{"签收人：门卫代收", "签收人：门卫代收", ""},
	// Mobile numbers in every spelling.
	{"电话13987654321", "电话139****4321", ""},
	{"联系电话：139 8765 4321", "联系电话：139****4321", ""},
	{"联系电话：139-8765-4321。", "联系电话：139****4321。", ""},
	{"手机+86 13987654321", "手机+86 139****4321", ""},
	{"手机8613987654321", "手机86 139****4321", ""},
	{"Tel13987654321", "Tel139****4321", ""},
	{"已有掩码 139****4321", "已有掩码 139****4321", ""},
	// Landlines; service numbers stay.
	{"请联系驿站 0571-88886666", "请联系驿站 057****6666", ""},
	{"网点电话(010)12345678", "网点电话010****5678", ""},
	{"客服热线 95338 或 400-811-1111", "客服热线 95338 或 400-811-1111", ""},
	// Digits that are no phone number.
	{"运单 SF1340245060669 已揽收", "运单 SF1340245060669 已揽收", ""},
	{"重量 13987654321999 克", "重量 13987654321999 克", ""},
	{"2026-11-25 13:02 到达", "2026-11-25 13:02 到达", ""},
	// Pickup codes: hidden except for the buyer.
	{"请凭取件码 6-2-0815 取件", "请凭取件码 *-*-**** 取件", "请凭取件码 6-2-0815 取件"},
	{"快件已存放至丰巢，取件码：123456", "快件已存放至丰巢，取件码：******", "快件已存放至丰巢，取件码：123456"},
	{"提货码【A8K2】请及时领取", "提货码【****】请及时领取", "提货码【A8K2】请及时领取"},
	{"取货码13987654321", "取货码***********", "取货码13987654321"}, // a code, not a phone
	{"验证码是 4821", "验证码是 ****", "验证码是 4821"},
	// Everything at once, white space folded.
	{"已签收，签收人：张三，  电话13987654321，\n取件码 123456", "已签收，签收人：张*， 电话139****4321， 取件码 ******",
		"已签收，签收人：张*， 电话139****4321， 取件码 123456"},
	{"签收人：张三取件码ABC123", "签收人：张*取件码******", "签收人：张*取件码ABC123"},
	// Nothing to mask.
	{"快件已发车，下一站【杭州转运中心】", "快件已发车，下一站【杭州转运中心】", ""},
	{"", "", ""},
	{"签收人", "签收人", ""},
	{"取件码", "取件码", ""},
}

func TestMaskScanText(t *testing.T) {
	t.Parallel()
	for _, tt := range scanCases {
		buyer := tt.buyer
		if buyer == "" {
			buyer = tt.masked
		}
		if got := trail.MaskScanText(tt.in); got != tt.masked {
			t.Errorf("MaskScanText(%q):\n got %q\nwant %q", tt.in, got, tt.masked)
		}
		if got := trail.MaskScanTextForBuyer(tt.in); got != buyer {
			t.Errorf("MaskScanTextForBuyer(%q):\n got %q\nwant %q", tt.in, got, buyer)
		}
	}
}

// TestMaskScanTextSeeds runs the fuzz target's properties on its seeds as
// an ordinary test.
func TestMaskScanTextSeeds(t *testing.T) {
	t.Parallel()
	for _, tt := range scanCases {
		checkScanMasking(t, tt.in)
	}
}

// FuzzMaskScanText checks on any text: no panic, valid UTF-8 stays valid,
// masking twice is masking once, the gift masking of the buyer's text is
// the gift masking, and no mobile number survives. Inputs it found are
// kept in testdata/fuzz and run as ordinary tests.
func FuzzMaskScanText(f *testing.F) {
	for _, tt := range scanCases {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, s string) { checkScanMasking(t, s) })
}

var mobileLeft = regexp.MustCompile(`(^|[^0-9])1[3-9][0-9]{9}([^0-9]|$)`)

func checkScanMasking(t *testing.T, s string) {
	t.Helper()
	masked, buyer := trail.MaskScanText(s), trail.MaskScanTextForBuyer(s)
	if utf8.ValidString(s) && (!utf8.ValidString(masked) || !utf8.ValidString(buyer)) {
		t.Fatalf("%q: masking broke UTF-8: %q, %q", s, masked, buyer)
	}
	if again := trail.MaskScanText(masked); again != masked {
		t.Fatalf("%q: not idempotent: %q then %q", s, masked, again)
	}
	if again := trail.MaskScanTextForBuyer(buyer); again != buyer {
		t.Fatalf("%q: buyer masking not idempotent: %q then %q", s, buyer, again)
	}
	if gift := trail.MaskScanText(buyer); gift != masked {
		t.Fatalf("%q: masking the buyer's text gave %q, want %q", s, gift, masked)
	}
	// Text that holds stars or a code's label may hold what looks like a
	// masked number or a code, which stays.
	if mobileLeft.MatchString(masked) && !strings.ContainsAny(s, "码*") {
		t.Fatalf("%q: a mobile number survived: %q", s, masked)
	}
}

func TestPickupCodeAfterMasking(t *testing.T) {
	t.Parallel()
	raw := "已签收，签收人：张三，取件码 6-2-0815，派件员电话13987654321"
	if got := trail.PickupCode(trail.MaskScanTextForBuyer(raw)); got != "6-2-0815" {
		t.Errorf("buyer's text: got %q, want 6-2-0815", got)
	}
	if got := trail.PickupCode(trail.MaskScanText(raw)); got != "" {
		t.Errorf("masked text: got %q, want none", got)
	}
}
