package trail

import (
	"cmp"
	"math"
	"regexp"
	"slices"
	"strings"
)

// Candidate is a carrier a tracking number may belong to. Confidence is in
// (0, 1]; the candidates of one number never add up to more than 1.
type Candidate struct {
	Carrier    string  `json:"carrier"`
	Confidence float64 `json:"confidence"`
}

// detectRule is one row of the tracking-number pattern table (单号识别,
// docs/CARRIER-PROTOCOLS.md §5). Confidence is how sure the row is when
// it is the only one that matches; check, when set, must also accept the
// number (the UPU S10 check digit).
type detectRule struct {
	carrier    string
	pattern    string
	confidence float64
	note       string
	check      func(string) bool
}

// ambiguousFloor is the weight given to each carrier the reference names as
// sharing the numeric 12–15 digit space (ZTO, STO, Yunda, China Post, Best),
// so every such number lists them all and no single one reads as certain.
const ambiguousFloor = 0.15

// detectRules is the pattern table, most specific rows first: among equal
// confidences the earlier row ranks higher. Rows whose carrier LookupCarrier
// does not know are dropped when the table is compiled (see detectors).
var detectRules = []detectRule{
	// Prefixed formats: confirmed, and no other row can match them.
	{"shunfeng", `^SF\d{13}$`, 0.98, "SF Express, SF + 13 digits [C]", nil},
	{"shunfeng", `^SF[A-Z0-9]\d{12}$`, 0.85, "SF Express, BF-zh variant SF + letter or digit + 12 digits [M]", nil},
	{"yuantong", `^YT\d{13}$`, 0.98, "YTO, YT + 13 digits [C]", nil},
	{"jtexpress", `^JT\d{13}$`, 0.98, "J&T, JT + 13 digits [C]", nil},
	{"jd", `^JD[A-Z0-9]{2}\d{11}$`, 0.95, "JD Logistics, JD00…/JDVA…/JDX…/JDK…, 15 characters [M-C]", nil},
	{"debangkuaidi", `^DPK\d{12}$`, 0.95, "Deppon, DPK + 12 digits [M]", nil},

	// UPU S10: 2 letters, 8-digit serial, check digit, ISO country. Service
	// indicator E is EMS; the other S10 indicators (R registered, L, C, V, U,
	// M, H, Q, domestic ranges) are China Post. Chinese origin (CN) is what a
	// brand shipping from China prints; another country is less likely.
	{"ems", `^E[A-Z]\d{9}CN$`, 0.9, "EMS, UPU S10 with valid check digit, China origin [C]", validS10},
	{"ems", `^E[A-Z]\d{9}[A-Z]{2}$`, 0.7, "EMS, UPU S10 with valid check digit, foreign origin [C]", validS10},
	{"youzhengguonei", `^(?:[CHLMRUV][A-Z]|Q[A-M]|[BDNPZ][A-Z]|A[V-Z]|G[AD])\d{9}CN$`, 0.9, "China Post, UPU S10 postal item with valid check digit, China origin [C]", validS10},
	{"youzhengguonei", `^(?:[CHLMRUV][A-Z]|Q[A-M]|[BDNPZ][A-Z]|A[V-Z]|G[AD])\d{9}[A-Z]{2}$`, 0.7, "China Post, UPU S10 postal item with valid check digit, foreign origin [C]", validS10},
	{"youzhengguonei", `^(?:GA|KQ|PH)\d{11}$`, 0.5, "China Post, UDF letter-prefixed domestic forms [L]", nil},

	// Numeric formats: they overlap, so a number usually matches several.
	{"zhongtong", `^7[3-68]\d{12}$`, 0.8, "ZTO, 14 digits, prefixes 73–76, 78 [M]", nil},
	{"shentong", `^(?:77|88|99)\d{13}$`, 0.8, "STO, 15 digits, prefixes 77, 88, 99 [M]", nil},
	{"shentong", `^(?:77|43)\d{12,15}$`, 0.3, "STO, BF-zh form; prefix 43 collides with Yunda [L]", nil},
	{"yunda", `^(?:3[1-49]|4[36])(?:\d{11}|\d{13})$`, 0.6, "Yunda, 13 or 15 digits, prefixes 31–34, 39, 43, 46 [L-M]", nil},
	{"yunda", `^(?:[34]\d{14}|5\d{12})$`, 0.3, "Yunda, BF-zh form [L]", nil},
	{"yunda", `^(?:\d{13}|\d{15})$`, 0.2, "Yunda, any 13 or 15 digits [L]", nil},
	{"ems", `^(?:10|11|12|50|51|52|95|97|98|99)\d{11}$`, 0.6, "EMS domestic, 13 digits, UDF prefixes [L-M]", nil},
	{"ems", `^[981]\d{12}$`, 0.3, "EMS domestic, BF-zh form [L]", nil},
	{"youzhengguonei", `^[19]\d{12}$`, 0.5, "China Post parcel 邮政快递包裹, 13 digits starting 9 or 1 [L]", nil},
	{"youzhengbk", `^[19]\d{12}$`, 0.4, "China Post standard express 邮政标准快递, 13 digits starting 9 or 1 [L]", nil},
	{"shunfeng", `^\d{12}$`, 0.3, "SF Express legacy 12 digits; collides with others [M]", nil},
	{"debangkuaidi", `^\d{8,10}$`, 0.3, "Deppon legacy 8–10 digits [M]", nil},
	{"cainiao", `^621\d{12}$`, 0.3, "Cainiao-issued, BF-zh [L]; no such carrier code, so dropped", nil},

	// The ambiguity floor: §5 names these five for any 12–15 digit number.
	{"zhongtong", `^\d{12,15}$`, ambiguousFloor, "ZTO, UDF allows other 12–15 digit forms", nil},
	{"shentong", `^\d{12,15}$`, ambiguousFloor, "STO, numeric 12–15 digits are ambiguous (§5)", nil},
	{"yunda", `^\d{12,15}$`, ambiguousFloor, "Yunda, numeric 12–15 digits are ambiguous (§5)", nil},
	{"youzhengguonei", `^\d{12,15}$`, ambiguousFloor, "China Post, numeric 12–15 digits are ambiguous (§5)", nil},
	{"huitongkuaidi", `^\d{12,15}$`, ambiguousFloor, "Best Express, numeric 12–15 digits, no published prefix (§5)", nil},
}

// detector is a compiled row of the table.
type detector struct {
	detectRule
	re *regexp.Regexp
}

// detectors is detectRules compiled, without the rows of unknown carriers:
// a suggestion must always be a carrier the shipment API accepts.
var detectors = compileDetectRules(detectRules)

func compileDetectRules(rules []detectRule) []detector {
	out := make([]detector, 0, len(rules))
	for _, r := range rules {
		if _, ok := LookupCarrier(r.carrier); !ok {
			continue
		}
		out = append(out, detector{detectRule: r, re: regexp.MustCompile(r.pattern)})
	}
	return out
}

// DetectCarrier suggests the carriers a tracking number may belong to, from
// the number's format alone (docs/ARCHITECTURE.md §6), ranked by confidence, highest
// first. The number is normalised with NormalizeTrackingNo, so letters may be
// lower case and outer spaces are ignored; inner spaces are not removed, and a
// number holding them matches nothing, as it would fail Shipment.Validate.
//
// Each carrier appears once, with the confidence of its best matching row.
// The candidates are rival explanations of one number, so when their
// confidences add up to more than 1 (numeric 12–15 digit numbers match
// several rows) each is divided by the sum: an ambiguous number shows its
// ambiguity, with no candidate near certainty, rather than one silent guess.
// Confidences are rounded to three decimals. The result is never nil; it is
// empty when no format matches.
func DetectCarrier(trackingNo string) []Candidate {
	no := NormalizeTrackingNo(trackingNo)
	type hit struct {
		weight float64
		row    int // the best row, for a stable order among equal weights
	}
	hits := map[string]hit{}
	var order []string
	for i, d := range detectors {
		if !d.re.MatchString(no) || (d.check != nil && !d.check(no)) {
			continue
		}
		h, seen := hits[d.carrier]
		if !seen {
			order = append(order, d.carrier)
		}
		if !seen || d.confidence > h.weight {
			hits[d.carrier] = hit{d.confidence, i}
		}
	}

	total := 0.0
	for _, c := range order { // a fixed order: float sums depend on it
		total += hits[c].weight
	}
	scale := max(total, 1)

	out := make([]Candidate, 0, len(hits))
	for _, c := range order {
		out = append(out, Candidate{Carrier: c, Confidence: roundConfidence(hits[c].weight / scale)})
	}
	slices.SortStableFunc(out, func(a, b Candidate) int {
		if c := cmp.Compare(b.Confidence, a.Confidence); c != 0 {
			return c
		}
		return cmp.Compare(hits[a.Carrier].row, hits[b.Carrier].row)
	})
	return out
}

// roundConfidence keeps three decimals, never rounding a match down to zero.
func roundConfidence(c float64) float64 {
	return min(max(math.Round(c*1000)/1000, 0.001), 1)
}

// Thresholds for ResolveCarrier: the top candidate must be at least
// resolveMin and lead the next one by resolveMargin.
const (
	resolveMin    = 0.9
	resolveMargin = 0.3
)

// ResolveCarrier returns the one carrier a tracking number's format points
// to, for a shipment created without a carrier. It answers only when the top
// candidate of DetectCarrier is confident (at least 0.9, and 0.3 above the
// next). Otherwise it returns an EINVALID error on field "carrier" whose
// Details is the []Candidate list (empty when no format matches), so the API
// can answer 422 with the candidates and the caller can name the carrier.
func ResolveCarrier(trackingNo string) (string, error) {
	cands := DetectCarrier(trackingNo)
	if len(cands) == 0 {
		return "", &Error{
			Code:    EINVALID,
			Field:   "carrier",
			Message: "单号不符合任何已知承运商的格式，请指定 carrier / the tracking number matches no known carrier's format; give carrier",
			Details: cands,
		}
	}
	next := 0.0
	if len(cands) > 1 {
		next = cands[1].Confidence
	}
	if top := cands[0].Confidence; top >= resolveMin && top-next >= resolveMargin {
		return cands[0].Carrier, nil
	}
	return "", &Error{
		Code:    EINVALID,
		Field:   "carrier",
		Message: "无法确定承运商，请指定 carrier / cannot tell the carrier from the number; give carrier",
		Details: cands,
	}
}

// s10Weights are the UPU S10 weights of the eight serial digits.
var s10Weights = [8]int{8, 6, 4, 2, 3, 5, 9, 7}

// s10CheckDigit computes the UPU S10 check digit of an 8-digit serial
// (docs/CARRIER-PROTOCOLS.md §5.1): r = Σ digit×weight mod 11, check =
// 11 − r, except r = 1 gives 0 and r = 0 gives 5. ok is false unless serial
// is exactly eight ASCII digits.
func s10CheckDigit(serial string) (check int, ok bool) {
	if len(serial) != len(s10Weights) {
		return 0, false
	}
	sum := 0
	for i := range len(serial) {
		d := serial[i]
		if d < '0' || d > '9' {
			return 0, false
		}
		sum += int(d-'0') * s10Weights[i]
	}
	switch r := sum % 11; r {
	case 0:
		return 5, true
	case 1:
		return 0, true
	default:
		return 11 - r, true
	}
}

// validS10 reports whether s is a UPU S10 identifier: two service letters,
// an 8-digit serial, its check digit and an ISO 3166-1 alpha-2 country.
func validS10(s string) bool {
	if len(s) != 13 {
		return false
	}
	for i := range 13 {
		c := s[i]
		letter := i < 2 || i > 10
		if letter && (c < 'A' || c > 'Z') || !letter && (c < '0' || c > '9') {
			return false
		}
	}
	check, ok := s10CheckDigit(s[2:10])
	return ok && int(s[10]-'0') == check && isISOCountry(s[11:])
}

// isoCountries lists the officially assigned ISO 3166-1 alpha-2 codes.
const isoCountries = "" +
	"AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ " +
	"BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
	"CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ " +
	"DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR " +
	"GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY " +
	"HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP " +
	"KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY " +
	"MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ " +
	"NA NC NE NF NG NI NL NO NP NR NU NZ OM " +
	"PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW " +
	"SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ " +
	"TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ " +
	"UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"

// isoCountrySet is isoCountries as a set.
var isoCountrySet = func() map[string]bool {
	set := map[string]bool{}
	for _, c := range strings.Fields(isoCountries) {
		set[c] = true
	}
	return set
}()

// isISOCountry reports whether code is an assigned ISO 3166-1 alpha-2 code.
func isISOCountry(code string) bool { return isoCountrySet[code] }
