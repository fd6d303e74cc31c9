package trail

import (
	"strings"
	"unicode"
)

// foldWidth turns the full-width forms of ASCII characters that Chinese
// input methods produce (ＳＦ１２３, the ideographic space) into ASCII.
func foldWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '！' && r <= '～':
			return r - '！' + '!'
		case r == '\u3000':
			return ' '
		}
		return r
	}, s)
}

// isNumberSeparator reports whether r is what a person types inside a
// number to group its digits: a space of any kind or a dash.
func isNumberSeparator(r rune) bool {
	switch r {
	case '-', '‐', '‑', '‒', '–', '—', '―':
		return true
	}
	return unicode.IsSpace(r)
}

// NormalizeTrackingNo brings a tracking number as a person types or pastes
// it to its canonical form: full-width characters to ASCII, spaces and
// dashes removed (SF 1040 2450 6066 9, 7700-1234-5678), letters upper-cased
// (sf…, jd…). Carriers print and push their numbers in this form.
func NormalizeTrackingNo(s string) string {
	s = strings.Map(func(r rune) rune {
		if isNumberSeparator(r) {
			return -1
		}
		return r
	}, foldWidth(s))
	return strings.ToUpper(s)
}

// NormalizeLookupOrderNo is an order number as a consumer types it, trimmed
// and with full-width characters in ASCII; consumers' look-ups compare it
// with the brand's order numbers ignoring case (OrderNoKey).
func NormalizeLookupOrderNo(s string) string { return strings.TrimSpace(foldWidth(s)) }

// OrderNoKey is the case-insensitive form of an order number under which a
// consumer's look-up finds the order and counts failed attempts: "wx2026a"
// and "WX2026A" are one number to a person reading it off a receipt.
func OrderNoKey(s string) string { return strings.ToUpper(NormalizeLookupOrderNo(s)) }
