package trail_test

import (
	"strings"
	"testing"

	"github.com/bottletrail/bottletrail/internal/trail"
)

func TestServiceContactValidate(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		c     trail.ServiceContact
		field string // "" for valid
	}{
		{"empty: no contact", trail.ServiceContact{}, ""},
		{"hotline, WeChat and hours", trail.ServiceContact{Phone: " 400-820-1234 ", WeChat: "meizi_kefu", Hours: "每天 9:00–21:00"}, ""},
		{"mobile", trail.ServiceContact{Phone: "13812348000"}, ""},
		{"landline with country code", trail.ServiceContact{Phone: "+86 571 8888 8888"}, ""},
		{"letters in the phone", trail.ServiceContact{Phone: "400-CALL-NOW"}, "phone"},
		{"phone too short", trail.ServiceContact{Phone: "110"}, "phone"},
		{"WeChat ID starting with a digit", trail.ServiceContact{WeChat: "1meizi"}, "wechat"},
		{"WeChat ID too short", trail.ServiceContact{WeChat: "mz"}, "wechat"},
		{"hours too long", trail.ServiceContact{Phone: "400-820-1234", Hours: strings.Repeat("时", 51)}, "hours"},
		{"hours without a way to call", trail.ServiceContact{Hours: "每天 9:00–21:00"}, "hours"},
	} {
		c := tt.c
		c.Normalize()
		err := c.Validate()
		got := ""
		if e, ok := err.(*trail.Error); ok {
			got = e.Field
		}
		if (err == nil) != (tt.field == "") || got != tt.field {
			t.Errorf("%s: got %v (field %q), want field %q", tt.name, err, got, tt.field)
		}
	}
}
