package web

import (
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

func TestChooseEnglish(t *testing.T) {
	t.Parallel()
	tests := []struct {
		explicit, header string
		want             bool
	}{
		{"", "", false},
		{"", "en", true},
		{"", "en-US,en;q=0.9", true},
		{"", "zh-CN,zh;q=0.9,en;q=0.8", false},
		{"", "en;q=0.5, zh-TW;q=0.8", false},
		{"", "fr-FR, en;q=0.7", true},
		{"", "fr-FR", false},
		{"", "en;q=bogus, zh;q=0.1", false},
		{"", "*", false},
		{"en", "zh-CN", true},
		{"zh", "en", false},
		{"de", "en", true}, // an unknown choice falls back to the header
	}
	for _, tt := range tests {
		if got := chooseEnglish(tt.explicit, tt.header); got != tt.want {
			t.Errorf("chooseEnglish(%q, %q): got %v, want %v", tt.explicit, tt.header, got, tt.want)
		}
	}
}

func TestTextsComplete(t *testing.T) {
	t.Parallel()
	for key, t2 := range texts {
		if t2[0] == "" || t2[1] == "" {
			t.Errorf("text %q lacks a language", key)
		}
	}
	for _, st := range trail.Stages {
		if stageEN[string(st)] == "" {
			t.Errorf("stage %s has no English name", st)
		}
	}
	for s := range trail.StatusNames {
		if parcelStatusEN[string(s)] == "" {
			t.Errorf("parcel status %s has no English name", s)
		}
	}
	for s := range trail.OrderStatusNames {
		if orderStatusEN[string(s)] == "" {
			t.Errorf("order status %s has no English name", s)
		}
	}
	for k := range trail.OccasionKinds {
		if occasionEN[k] == "" {
			t.Errorf("occasion %s has no English name", k)
		}
	}
}

func TestLocaleFormats(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 4, 0, 0, 0, time.UTC)
	zh, en := newLocale(false, now), newLocale(true, now)
	at := time.Date(2026, 11, 29, 2, 5, 0, 0, time.UTC) // 10:05 in China
	next := time.Date(2027, 1, 2, 16, 30, 0, 0, time.UTC)
	price := trail.Fen(6850)
	tests := []struct{ got, want string }{
		{zh.Time(at), "11月29日 10:05"},
		{en.Time(at), "29 Nov 10:05"},
		{zh.Time(next), "2027年1月3日 00:30"},
		{en.Time(next), "3 Jan 2027 00:30"},
		{zh.Date("2026-12-05"), "12月5日"},
		{zh.Window(&trail.ConsumerEstimate{P10: "2026-12-03", P90: "2026-12-06"}), "12月3日–12月6日"},
		{en.Window(&trail.ConsumerEstimate{P10: "2026-12-03", P90: "2026-12-06"}), "3–6 Dec"},
		{en.Window(&trail.ConsumerEstimate{P10: "2026-12-30", P90: "2027-01-02"}), "30 Dec–2 Jan 2027"},
		{en.Window(&trail.ConsumerEstimate{P10: "2026-12-03", P90: "2026-12-03"}), "3 Dec"},
		{zh.Price(&price), "¥68.50"},
		{zh.Place(trail.ConsumerAddress{Province: "上海市", City: "上海市", District: "浦东新区"}), "上海市 浦东新区"},
		{zh.SubStatus("damaged") + "|" + en.SubStatus("damaged") + "|" + zh.SubStatus(trail.SubUnknownCode), "外包装破损|damaged|"},
		{en.Carrier("shunfeng", "顺丰速运") + "|" + en.Carrier("danniao", "丹鸟") + "|" + zh.Carrier("shunfeng", "顺丰速运"), "SF Express|丹鸟|顺丰速运"},
		{en.Delay(trail.ConsumerStage{Stage: trail.StageFilling, Delay: "灌装环节延迟：原料到货晚 2 天", DelayReason: "原料到货晚 2 天"}), "Filling is delayed: 原料到货晚 2 天"},
		{zh.Confidence("low") + "|" + zh.Confidence("unheard-of"), "按标准生产和运输时效估算，仅供参考|"},
	}
	for i, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%d: got %q, want %q", i, tt.got, tt.want)
		}
	}
}
