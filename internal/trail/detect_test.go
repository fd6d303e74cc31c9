package trail

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// detectSamples are the sample numbers of docs/CARRIER-PROTOCOLS.md §5
// and a few edge cases; they seed FuzzDetect.
var detectSamples = []string{
	"SF1040245060669", "SF3297600239259", "JD0076810060555", "JDVA11408814483",
	"YT9383342193097", "YT6186594166532", "73190553102532", "773061132607004",
	"772004651594875", "4311159956248", "3914712788236", "462598779470531",
	"JT0006968326954", "JT3002232682242", "DPK364112047425", "EE123456785CN",
	"EE123456784CN", "1136281381675", "1178007591424", "1240921381750",
	"589707398027", "444003077898", "RR123456785CN", "sf 1040245060669",
	" sf1040245060669 ", "", "12345678", "621123456789012",
}

func TestS10CheckDigit(t *testing.T) {
	t.Parallel()

	tests := []struct {
		serial string
		want   int
		ok     bool
	}{
		{"12345678", 5, true}, // §5.1 worked example: 204 mod 11 = 6, 11 − 6 = 5
		{"00000000", 5, true}, // r = 0 → 5
		{"00100001", 5, true}, // 4 + 7 = 11, r = 0 → 5
		{"10100000", 0, true}, // 8 + 4 = 12, r = 1 → 0
		{"00010000", 9, true}, // 2, r = 2 → 9
		{"00000001", 4, true}, // 7 → 4
		{"99999999", 5, true}, // 9 × 44 = 396 = 36 × 11, r = 0 → 5
		{"1234567", 0, false},
		{"123456789", 0, false},
		{"1234567A", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, ok := s10CheckDigit(tt.serial)
		if got != tt.want || ok != tt.ok {
			t.Errorf("s10CheckDigit(%q) = %d, %v; want %d, %v", tt.serial, got, ok, tt.want, tt.ok)
		}
	}
}

func TestValidS10(t *testing.T) {
	t.Parallel()

	tests := []struct {
		in   string
		want bool
	}{
		{"EE123456785CN", true},
		{"RR123456785DE", true},
		{"CP000000005US", true},
		{"EE123456784CN", false}, // wrong check digit
		{"EE123456786CN", false},
		{"EE123456785XX", false}, // not an ISO country
		{"EE123456785UK", false}, // the United Kingdom is GB
		{"ee123456785cn", false}, // validS10 sees normalised input only
		{"E1123456785CN", false},
		{"EE12345678CN", false},
		{"EE1234567850CN", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := validS10(tt.in); got != tt.want {
			t.Errorf("validS10(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
	// Every serial has exactly one valid check digit.
	for _, serial := range []string{"12345678", "00000000", "98765432", "10100000"} {
		valid := 0
		for d := '0'; d <= '9'; d++ {
			if validS10("EA" + serial + string(d) + "CN") {
				valid++
			}
		}
		if valid != 1 {
			t.Errorf("serial %s: %d valid check digits, want 1", serial, valid)
		}
	}
}

func TestDetectRules(t *testing.T) {
	t.Parallel()

	seen := map[string]bool{}
	var skipped []string
	for _, r := range detectRules {
		if r.confidence <= 0 || r.confidence > 1 {
			t.Errorf("%s %s: confidence %v outside (0, 1]", r.carrier, r.pattern, r.confidence)
		}
		if !strings.HasPrefix(r.pattern, "^") || !strings.HasSuffix(r.pattern, "$") {
			t.Errorf("%s %s: pattern not anchored", r.carrier, r.pattern)
		}
		if _, err := regexp.Compile(r.pattern); err != nil {
			t.Errorf("%s %s: %v", r.carrier, r.pattern, err)
		}
		if r.note == "" {
			t.Errorf("%s %s: no note", r.carrier, r.pattern)
		}
		if key := r.carrier + " " + r.pattern; seen[key] {
			t.Errorf("duplicate row %s", key)
		} else {
			seen[key] = true
		}
		if _, ok := LookupCarrier(r.carrier); !ok {
			skipped = append(skipped, r.carrier)
		}
	}
	// Cainiao has no carrier code in carrier.go, so its row is inactive.
	if !slices.Equal(skipped, []string{"cainiao"}) {
		t.Errorf("rows of unknown carriers: %v, want [cainiao]", skipped)
	}
	if want := len(detectRules) - len(skipped); len(detectors) != want {
		t.Errorf("%d compiled rows, want %d", len(detectors), want)
	}
}

func TestDetectCarrier(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name      string
		in        string
		top       string   // the first candidate; "" for none
		contains  []string // carriers that must be among the candidates
		ambiguous bool     // ≥ 2 candidates, none above 0.6, ResolveCarrier refuses
		resolves  bool     // ResolveCarrier returns top
	}{
		{name: "SF", in: "SF1040245060669", top: "shunfeng", resolves: true},
		{name: "SF 2", in: "SF3297600239259", top: "shunfeng", resolves: true},
		{name: "SF lower case, outer spaces", in: "  sf1040245060669\t", top: "shunfeng", resolves: true},
		{name: "SF inner spaces are removed", in: "sf 1040 2450 6066 9", top: "shunfeng", resolves: true},
		{name: "SF BF-zh variant is not enough to resolve", in: "SFA104024506066", top: "shunfeng"},
		{name: "JD", in: "JD0076810060555", top: "jd", resolves: true},
		{name: "JD VA", in: "JDVA11408814483", top: "jd", resolves: true},
		{name: "JD lower case", in: "jdva11408814483", top: "jd", resolves: true},
		{name: "YTO", in: "YT9383342193097", top: "yuantong", resolves: true},
		{name: "YTO 2", in: "YT6186594166532", top: "yuantong", resolves: true},
		{name: "J&T", in: "JT0006968326954", top: "jtexpress", resolves: true},
		{name: "J&T 2", in: "JT3002232682242", top: "jtexpress", resolves: true},
		{name: "Deppon", in: "DPK364112047425", top: "debangkuaidi", resolves: true},
		{name: "EMS S10", in: "EE123456785CN", top: "ems", resolves: true},
		{name: "EMS S10 lower case", in: "ee123456785cn", top: "ems", resolves: true},
		{name: "EMS S10 bad check digit", in: "EE123456784CN"},
		{name: "EMS S10 unknown country", in: "EE123456785XX"},
		{name: "EMS S10 foreign origin does not resolve", in: "EE123456785US", top: "ems"},
		{name: "China Post registered S10", in: "RR123456785CN", top: "youzhengguonei", resolves: true},
		{name: "S10 unknown service indicator", in: "FF123456785CN"},
		{
			name: "ZTO", in: "73190553102532", top: "zhongtong", ambiguous: true,
			contains: []string{"shentong", "yunda", "youzhengguonei", "huitongkuaidi"},
		},
		{
			name: "STO", in: "773061132607004", top: "shentong", ambiguous: true,
			contains: []string{"zhongtong", "yunda", "youzhengguonei", "huitongkuaidi"},
		},
		{name: "STO 2", in: "772004651594875", top: "shentong", ambiguous: true},
		{
			name: "Yunda 43", in: "4311159956248", top: "yunda", ambiguous: true,
			contains: []string{"zhongtong", "shentong", "youzhengguonei", "huitongkuaidi"},
		},
		{name: "Yunda 39", in: "3914712788236", top: "yunda", ambiguous: true},
		{name: "Yunda 46, 15 digits", in: "462598779470531", top: "yunda", ambiguous: true},
		{
			name: "EMS domestic", in: "1136281381675", top: "ems", ambiguous: true,
			contains: []string{"youzhengguonei", "youzhengbk", "yunda", "zhongtong", "shentong", "huitongkuaidi"},
		},
		{
			// Kuaidi100 files it under youzhengbk; the format alone cannot tell.
			name: "China Post standard express", in: "1178007591424", top: "ems", ambiguous: true,
			contains: []string{"youzhengbk", "youzhengguonei"},
		},
		{name: "China Post 12-prefix", in: "1240921381750", top: "ems", ambiguous: true, contains: []string{"youzhengbk"}},
		{
			name: "SF legacy 12 digits", in: "589707398027", top: "shunfeng", ambiguous: true,
			contains: []string{"zhongtong", "shentong", "yunda", "youzhengguonei", "huitongkuaidi"},
		},
		{name: "SF legacy 12 digits 2", in: "444003077898", top: "shunfeng", ambiguous: true},
		{name: "Deppon legacy: one weak candidate", in: "12345678", top: "debangkuaidi"},
		{name: "Cainiao row is inactive", in: "621123456789012", top: "yunda", ambiguous: true},
		{name: "empty", in: ""},
		{name: "blank", in: "   "},
		{name: "too short", in: "12345"},
		{name: "16 digits", in: "1234567890123456"},
		{name: "unknown prefix", in: "XX1234567890123"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DetectCarrier(tt.in)
			checkCandidates(t, tt.in, got)
			if got == nil {
				t.Fatal("DetectCarrier returned nil, want a non-nil slice")
			}
			if tt.top == "" {
				if len(got) != 0 {
					t.Fatalf("got %v, want no candidates", got)
				}
			} else if len(got) == 0 || got[0].Carrier != tt.top {
				t.Fatalf("got %v, want %s first", got, tt.top)
			}
			for _, c := range tt.contains {
				if !slices.ContainsFunc(got, func(x Candidate) bool { return x.Carrier == c }) {
					t.Errorf("got %v, want %s among them", got, c)
				}
			}
			if tt.ambiguous {
				if len(got) < 2 {
					t.Errorf("got %v, want at least 2 candidates", got)
				}
				for _, c := range got {
					if c.Confidence > 0.6 {
						t.Errorf("%s: confidence %v above 0.6 for an ambiguous number", c.Carrier, c.Confidence)
					}
				}
			} else if tt.resolves && len(got) != 1 {
				t.Errorf("got %v, want exactly one candidate", got)
			}

			carrier, err := ResolveCarrier(tt.in)
			if tt.resolves {
				if err != nil || carrier != tt.top {
					t.Fatalf("ResolveCarrier = %q, %v; want %q", carrier, err, tt.top)
				}
				return
			}
			if carrier != "" {
				t.Errorf("ResolveCarrier = %q, want no carrier", carrier)
			}
			var e *Error
			if !errors.As(err, &e) || e.Code != EINVALID || e.Field != "carrier" {
				t.Fatalf("ResolveCarrier error = %#v, want EINVALID on carrier", err)
			}
			details, ok := e.Details.([]Candidate)
			if !ok || !slices.Equal(details, got) {
				t.Errorf("Details = %#v, want the candidates %v", e.Details, got)
			}
			want := "无法确定承运商"
			if len(got) == 0 {
				want = "matches no known carrier's format"
			}
			if !strings.Contains(e.Message, want) {
				t.Errorf("message %q, want it to hold %q", e.Message, want)
			}
		})
	}
}

// TestDetectCarrierExact pins whole answers, confidences included, for one
// number of each kind.
func TestDetectCarrierExact(t *testing.T) {
	t.Parallel()

	tests := []struct {
		in   string
		want []Candidate
	}{
		{"SF1040245060669", []Candidate{{"shunfeng", 0.98}}},
		{"EE123456785CN", []Candidate{{"ems", 0.9}}},
		{"EE123456785US", []Candidate{{"ems", 0.7}}},
		{"73190553102532", []Candidate{
			{"zhongtong", 0.571}, {"shentong", 0.107}, {"yunda", 0.107},
			{"youzhengguonei", 0.107}, {"huitongkuaidi", 0.107},
		}},
		{"1136281381675", []Candidate{
			{"ems", 0.279}, {"youzhengguonei", 0.233}, {"youzhengbk", 0.186}, {"yunda", 0.093},
			{"zhongtong", 0.07}, {"shentong", 0.07}, {"huitongkuaidi", 0.07},
		}},
		{"12345678", []Candidate{{"debangkuaidi", 0.3}}},
		{"EE123456784CN", []Candidate{}},
	}
	for _, tt := range tests {
		if got := DetectCarrier(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("DetectCarrier(%q)\n got %v\nwant %v", tt.in, got, tt.want)
		}
	}
}

// allDigits reports whether s is non-empty and only ASCII digits.
func allDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// checkCandidates checks what holds for every answer of DetectCarrier and
// ResolveCarrier: confidences in (0, 1] adding up to at most 1, highest
// first, carriers unique and known, numeric 12–15 digit numbers never
// resolved, and ResolveCarrier agreeing with DetectCarrier.
func checkCandidates(t *testing.T, in string, got []Candidate) {
	t.Helper()
	seen := map[string]bool{}
	sum := 0.0
	for i, c := range got {
		if c.Confidence <= 0 || c.Confidence > 1 {
			t.Fatalf("%q: %s confidence %v outside (0, 1]", in, c.Carrier, c.Confidence)
		}
		if i > 0 && c.Confidence > got[i-1].Confidence {
			t.Fatalf("%q: %v not sorted by confidence", in, got)
		}
		if seen[c.Carrier] {
			t.Fatalf("%q: %s listed twice in %v", in, c.Carrier, got)
		}
		seen[c.Carrier] = true
		if _, ok := LookupCarrier(c.Carrier); !ok {
			t.Fatalf("%q: unknown carrier %q", in, c.Carrier)
		}
		sum += c.Confidence
	}
	if sum > 1.01 { // three-decimal rounding may add 0.0005 per candidate
		t.Fatalf("%q: confidences add up to %v", in, sum)
	}

	no := NormalizeTrackingNo(in)
	if n := len(no); allDigits(no) && n >= 12 && n <= 15 && len(got) < 2 {
		t.Fatalf("%q: numeric %d-digit number got %v, want several candidates", in, n, got)
	}

	carrier, err := ResolveCarrier(in)
	if err == nil {
		if len(got) == 0 || carrier != got[0].Carrier || got[0].Confidence < resolveMin {
			t.Fatalf("%q: ResolveCarrier = %q for candidates %v", in, carrier, got)
		}
		if len(got) > 1 && got[0].Confidence-got[1].Confidence < resolveMargin {
			t.Fatalf("%q: ResolveCarrier = %q although %v are close", in, carrier, got)
		}
		return
	}
	var e *Error
	if !errors.As(err, &e) || e.Code != EINVALID || e.Field != "carrier" || carrier != "" {
		t.Fatalf("%q: ResolveCarrier = %q, %#v; want EINVALID on carrier", in, carrier, err)
	}
	if d, ok := e.Details.([]Candidate); !ok || !slices.Equal(d, got) {
		t.Fatalf("%q: Details %#v, want %v", in, e.Details, got)
	}
}

func FuzzDetect(f *testing.F) {
	for _, s := range detectSamples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := DetectCarrier(in)
		if got == nil {
			t.Fatalf("%q: nil result", in)
		}
		checkCandidates(t, in, got)
		if again := DetectCarrier(NormalizeTrackingNo(in)); !slices.Equal(again, got) {
			t.Fatalf("%q: normalised input gives %v, want %v", in, again, got)
		}
	})
}
