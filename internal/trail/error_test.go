package trail

import (
	"strings"
	"testing"
)

func TestQuote(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, clip, quote string }{
		{"", "", `""`},
		{"wedding", "wedding", `"wedding"`},
		{strings.Repeat("x", MaxQuoted), strings.Repeat("x", MaxQuoted), `"` + strings.Repeat("x", MaxQuoted) + `"`},
		{strings.Repeat("酒", 300_000), strings.Repeat("酒", MaxQuoted) + "…", `"` + strings.Repeat("酒", MaxQuoted) + `…"`},
		{"a\"b\n" + strings.Repeat("y", 40), "a\"b\n" + strings.Repeat("y", MaxQuoted-4) + "…", `"a\"b\n` + strings.Repeat("y", MaxQuoted-4) + `…"`},
	} {
		if got := Clip(tt.in); got != tt.clip {
			t.Errorf("Clip(%.40q): got %q, want %q", tt.in, got, tt.clip)
		}
		if got := Quote(tt.in); got != tt.quote {
			t.Errorf("Quote(%.40q): got %s, want %s", tt.in, got, tt.quote)
		}
	}
}
