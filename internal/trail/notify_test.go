package trail

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
)

func TestQuietUntil(t *testing.T) {
	t.Parallel()
	s := DefaultNotifySettings() // 22:00–08:00 China time
	tests := []struct{ now, want string }{
		{"2026-12-01 21:59", ""},
		{"2026-12-01 22:00", "2026-12-02 08:00"},
		{"2026-12-01 23:59", "2026-12-02 08:00"},
		{"2026-12-02 00:00", "2026-12-02 08:00"}, // midnight in Shanghai: the same night
		{"2026-12-02 07:59", "2026-12-02 08:00"},
		{"2026-12-02 08:00", ""},
	}
	for _, tt := range tests {
		// The instant is given in UTC: the rule must read it in China time.
		got := s.QuietUntil(etaTime(tt.now).UTC())
		w := ""
		if !got.IsZero() {
			w = got.In(ChinaTime).Format("2006-01-02 15:04")
		}
		if w != tt.want {
			t.Errorf("QuietUntil(%s): got %q, want %q", tt.now, w, tt.want)
		}
	}
	day := NotifySettings{QuietStart: "13:00", QuietEnd: "14:00"}
	if got := day.QuietUntil(etaTime("2026-12-01 13:30")); got.In(ChinaTime).Format("15:04") != "14:00" {
		t.Errorf("daytime quiet: got %v", got)
	}
	none := NotifySettings{QuietStart: "00:00", QuietEnd: "00:00"}
	if got := none.QuietUntil(etaTime("2026-12-01 03:00")); !got.IsZero() {
		t.Errorf("no quiet hours: got %v", got)
	}
}

func TestPlanSend(t *testing.T) {
	t.Parallel()
	delivered := []Notice{{Kind: NoticeDelivered}}
	damaged := []Notice{{Kind: NoticeShipped}, {Kind: NoticeException}}
	urgentOK := DefaultNotifySettings()
	urgentOK.UrgentOverridesQuiet = true
	tests := []struct {
		name      string
		s         NotifySettings
		pending   []Notice
		sentToday int
		optedOut  bool
		now       string
		send      bool
		at        string
		reason    string
	}{
		{"daytime: send", DefaultNotifySettings(), delivered, 0, false, "2026-12-01 10:00", true, "", ""},
		{"nothing pending", DefaultNotifySettings(), nil, 0, false, "2026-12-01 10:00", false, "", "nothing_to_send"},
		{"opted out", DefaultNotifySettings(), delivered, 0, true, "2026-12-01 10:00", false, "", "opted_out"},
		{"quiet hours: wait for 08:00", DefaultNotifySettings(), delivered, 0, false, "2026-12-01 23:10", false, "2026-12-02 08:00", "quiet_hours"},
		{"urgent, brand keeps quiet hours", DefaultNotifySettings(), damaged, 0, false, "2026-12-01 23:10", false, "2026-12-02 08:00", "quiet_hours"},
		{"urgent, brand lets it through", urgentOK, damaged, 0, false, "2026-12-01 23:10", true, "", ""},
		{"cap reached: tomorrow after quiet hours", DefaultNotifySettings(), delivered, 3, false, "2026-12-01 15:00", false, "2026-12-02 08:00", "daily_cap"},
		{"under the cap", DefaultNotifySettings(), delivered, 2, false, "2026-12-01 15:00", true, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PlanSend(tt.s, tt.pending, tt.sentToday, tt.optedOut, etaTime(tt.now))
			at := ""
			if !got.At.IsZero() {
				at = got.At.In(ChinaTime).Format("2006-01-02 15:04")
			}
			if got.Send != tt.send || at != tt.at || got.Reason != tt.reason {
				t.Errorf("got %+v (at %s), want send %v at %q reason %q", got, at, tt.send, tt.at, tt.reason)
			}
		})
	}
}

func TestNoticeTemplates(t *testing.T) {
	t.Parallel()
	for kind, tpl := range DefaultNoticeTemplates() {
		if err := tpl.Validate(); err != nil {
			t.Errorf("default %s: %v", kind, err)
		}
	}
	d := NoticeData{Brand: "瓶迹酒坊", OrderNo: "WX1", Name: "张*", Lines: []string{"a", "b"}, Summary: "a；b", Link: "https://x/t/1", OptOut: "https://x/n/1"}
	tpl := DefaultNoticeTemplates()[NoticeDelivered]
	subject, text, err := tpl.Render(d)
	if err != nil || !strings.Contains(subject, "WX1") || !strings.Contains(text, "a；b") || !strings.Contains(text, "https://x/n/1") {
		t.Errorf("render: %q %q %v", subject, text, err)
	}
	for _, bad := range []NoticeTemplate{
		{Kind: "weather", Text: "{{.Link}}{{.OptOut}}"},
		{Kind: NoticeDelivered, Text: "已签收 {{.Link}}"},                   // no opt-out link
		{Kind: NoticeDelivered, Text: "{{.Phone}} {{.Link}}{{.OptOut}}"}, // no such field
		{Kind: NoticeDelivered, Text: "{{.Link {{.OptOut}}"},             // broken
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("Validate(%q): got no error", bad.Text)
		}
	}
}

func TestNoticeLineAndPickupCode(t *testing.T) {
	t.Parallel()
	if got := PickupCode("快件已投放至【丰巢智能柜】，请凭取件码 6-2-0815 取件"); got != "6-2-0815" {
		t.Errorf("pickup code: got %q", got)
	}
	if got := PickupCode("快件已签收"); got != "" {
		t.Errorf("no code: got %q", got)
	}
	n := Notice{Kind: NoticeAtPickupPoint, Carrier: "zhongtong", TrackingNo: "ZT1", Detail: "6-2-0815"}
	if got := n.Line(); got != "中通快递 ZT1 已到快递柜/驿站，取件码 6-2-0815" {
		t.Errorf("line: got %q", got)
	}
}

func TestOptOutToken(t *testing.T) {
	t.Parallel()
	s := testSealer(t)
	tok := OptOutToken(s, 3, 42)
	if b, o, err := ParseOptOutToken(s, tok); err != nil || b != 3 || o != 42 {
		t.Fatalf("parse: %d %d %v", b, o, err)
	}
	for _, bad := range []string{"", "x.y", tok + "x", strings.Replace(tok, ".", "A.", 1)} {
		if _, _, err := ParseOptOutToken(s, bad); ErrorCode(err) != ENOTFOUND {
			t.Errorf("ParseOptOutToken(%q): got %v", bad, err)
		}
	}
}

func TestNotifySettingsValidate(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		s     NotifySettings
		field string
	}{
		{DefaultNotifySettings(), ""},
		{NotifySettings{QuietStart: "25:00", QuietEnd: "08:00", DailyCap: 3}, "quiet_start"},
		{NotifySettings{QuietStart: "22:00", QuietEnd: "8:00", DailyCap: 3}, "quiet_end"},
		{NotifySettings{QuietStart: "22:00", QuietEnd: "08:00", DailyCap: 0}, "daily_cap"},
		{NotifySettings{QuietStart: "22:00", QuietEnd: "08:00", DailyCap: 3, Kinds: []NoticeKind{"spam"}}, "kinds[0]"},
	} {
		err := tt.s.Validate()
		got := ""
		if e, ok := err.(*Error); ok {
			got = e.Field
		}
		if got != tt.field {
			t.Errorf("%+v: got field %q (%v), want %q", tt.s, got, err, tt.field)
		}
	}
}

// hmacSealer signs with HMAC-SHA256; it seals nothing (the token tests need
// only Hash).
type hmacSealer struct{ key []byte }

func (hmacSealer) Seal(string) ([]byte, error) { return nil, errors.New("not for sealing") }
func (hmacSealer) Open([]byte) (string, error) { return "", errors.New("not for opening") }
func (s hmacSealer) Hash(domain, value string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(domain + "\x00" + value))
	return m.Sum(nil)
}

func testSealer(*testing.T) Sealer {
	return hmacSealer{key: []byte("0123456789abcdef0123456789abcdef")}
}

// TestDefaultNotifySettingsOwnKinds checks that a brand's settings never
// share their kinds with the package's list: decoding a stored policy into
// them must not rewrite NoticeKinds.
func TestDefaultNotifySettingsOwnKinds(t *testing.T) {
	t.Parallel()
	s := DefaultNotifySettings()
	s.Kinds[0] = NoticeDelivered
	if NoticeKinds[0] != NoticeOrderConfirmed || DefaultNotifySettings().Kinds[0] != NoticeOrderConfirmed {
		t.Fatalf("NoticeKinds changed through a brand's settings: %v", NoticeKinds)
	}
}

func TestNoticeTemplateLimits(t *testing.T) {
	t.Parallel()
	// The template: 1 KB of printf widths that rendered 80 MB.
	blowUp := strings.Repeat(`{{printf "%0999999d" 1}}`, 40) + "{{.Link}}{{.OptOut}}"
	d := NoticeData{Brand: "瓶迹", OrderNo: "WX1", Name: "张*", Lines: []string{"已签收", "已发货"}, Summary: "已签收；已发货",
		Link: "https://x/t/1", OptOut: "https://x/n/1"}
	for _, tt := range []struct {
		name, subject, text, want string
	}{
		{"printf widths", "S", blowUp, `function "printf" is not allowed`},
		{"print", "S", `{{print .Brand}} {{.Link}}{{.OptOut}}`, `function "print" is not allowed`},
		{"printf in the subject", `{{printf "%0999999d" 1}}`, "{{.Link}}{{.OptOut}}", `function "printf" is not allowed`},
		{"range over a number", "S", `{{range 1000000000}}{{end}}{{.Link}}{{.OptOut}}`, "{{range}} takes one field"},
		{"range over a variable", "S", `{{$n := 1000000000}}{{range $n}}{{end}}{{.Link}}{{.OptOut}}`, "{{range}} takes one field"},
		{"nested range", "S", `{{range .Lines}}{{range $.Lines}}{{end}}{{end}}{{.Link}}{{.OptOut}}`, "{{range}} inside {{range}}"},
		{"define", "S", `{{define "a"}}x{{end}}{{.Link}}{{.OptOut}}`, "{{define}}"},
		{"template", "S", `{{template "text" .}}{{.Link}}{{.OptOut}}`, "{{template}} is not allowed"},
		{"renders past the bound", "S", "{{$s := .Link}}{{range .Lines}}" + strings.Repeat("{{$s}}", 300) + "{{end}}{{.Link}}{{.OptOut}}",
			"renders more than 4000 characters"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tpl := NoticeTemplate{Kind: NoticeDelivered, Subject: tt.subject, Text: tt.text}
			subject, text, err := tpl.Render(d)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Render: got %v (%d bytes), want an error saying %q", err, len(subject)+len(text), tt.want)
			}
			if err := tpl.Validate(); ErrorCode(err) != EINVALID {
				t.Errorf("Validate: got %v, want invalid", err)
			}
		})
	}
	// Data longer than the bound stops at the bound.
	long := d
	long.Summary = strings.Repeat("长", 1<<20)
	tpl := NoticeTemplate{Kind: NoticeDelivered, Subject: "{{.Summary}}", Text: "{{.Link}}{{.OptOut}}"}
	if _, _, err := tpl.Render(long); err == nil || !strings.Contains(err.Error(), "template subject: renders more than 200 characters") {
		t.Errorf("long subject: got %v", err)
	}
	// What the console documents still renders.
	ok := NoticeTemplate{Kind: NoticeDelivered, Subject: `{{if .Name}}{{.Name}}{{else}}您{{end}}`,
		Text: `{{range $i, $l := .Lines}}{{if gt $i 0}}、{{end}}{{$l}}{{end}} {{with .Brand}}{{.}}{{end}} {{if and (eq (len .Lines) 2) (ne .OrderNo "")}}两条{{end}} {{range $.Lines}}[{{.}}]{{end}} {{.Link}} {{.OptOut}}`}
	subject, text, err := ok.Render(d)
	if want := "已签收、已发货 瓶迹 两条 [已签收][已发货] https://x/t/1 https://x/n/1"; err != nil || subject != "张*" || text != want {
		t.Errorf("render: got %q %q %v, want %q", subject, text, err, want)
	}
}

func TestCappedWriter(t *testing.T) {
	t.Parallel()
	w := &cappedWriter{left: 3}
	if n, err := w.Write([]byte("瓶")); n != 3 || err != nil {
		t.Fatalf("first write: got %d %v", n, err)
	}
	if n, err := w.Write([]byte("迹ab")); n != 4 || !errors.Is(err, errRenderedTooLong) {
		t.Fatalf("second write: got %d %v, want 4 and errRenderedTooLong", n, err)
	}
	if got := w.b.String(); got != "瓶迹a" {
		t.Errorf("kept %q, want %q", got, "瓶迹a")
	}
}

func TestNotifyChannelValidate(t *testing.T) {
	t.Parallel()
	sms := func(base string) NotifyChannel {
		return NotifyChannel{Channel: ChannelSMS, BaseURL: base, Credentials: map[string]string{
			"access_key_id": "K", "access_key_secret": "S", "sign_name": "瓶迹", "template_code": "SMS_1"}}
	}
	for _, tt := range []struct {
		c     NotifyChannel
		field string
	}{
		{sms(""), ""},
		{sms("https://dysmsapi.example.com"), ""},
		{sms("http://127.0.0.1:7071/aliyun"), ""},
		{sms("http://localhost:7071/aliyun"), ""},
		{sms("http://[::1]:7071/aliyun"), ""},
		{sms("http://dysmsapi.example.com"), "base_url"}, // the keys would travel in clear
		{sms("http://10.0.0.5:7071/aliyun"), "base_url"},
		{sms("ftp://dysmsapi.example.com"), "base_url"},
		{sms("https://"), "base_url"},
		{NotifyChannel{Channel: "fax"}, "channel"},
		{NotifyChannel{Channel: ChannelSMS, Credentials: map[string]string{"access_key_id": "K"}}, "credentials.access_key_secret"},
	} {
		err := tt.c.Validate()
		got := ""
		if e, ok := err.(*Error); ok {
			got = e.Field
		}
		if got != tt.field {
			t.Errorf("%s %q: got field %q (%v), want %q", tt.c.Channel, tt.c.BaseURL, got, err, tt.field)
		}
	}
}
