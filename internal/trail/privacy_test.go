package trail_test

import (
	"testing"

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
