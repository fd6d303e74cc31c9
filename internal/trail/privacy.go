package trail

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Sealer protects personal data at rest: it encrypts names, phone numbers and
// street details, and derives keyed hashes that serve look-ups without
// decrypting anything in bulk.
type Sealer interface {
	// Seal encrypts plaintext; the result names the key that sealed it.
	Seal(plaintext string) ([]byte, error)
	// Open decrypts what Seal produced, with whichever known key sealed it.
	Open(ciphertext []byte) (string, error)
	// Hash returns a keyed hash of value within a domain such as HashPhone,
	// so equal values can be found without storing them in clear.
	Hash(domain, value string) []byte
}

// Hash domains of the personal data kept for look-ups.
const (
	HashPhone      = "phone"       // the normalised phone number
	HashPhoneLast4 = "phone_last4" // its last four digits
	HashName       = "name"        // the name with white space removed
	HashScan       = "scan"        // a scan whose text holds personal data, for its fingerprint
)

// HashKeyName folds a name the way look-ups compare it.
func HashKeyName(name string) string {
	return strings.ToLower(strings.Join(strings.Fields(name), ""))
}

// Last4 returns the last four characters of a phone number.
func Last4(phone string) string {
	if len(phone) < 4 {
		return phone
	}
	return phone[len(phone)-4:]
}

// MaskPhone hides the middle of a phone number: 13812348000 → 138****8000.
func MaskPhone(phone string) string {
	if len(phone) <= 7 {
		return strings.Repeat("*", max(len(phone)-4, 0)) + Last4(phone)
	}
	return phone[:3] + "****" + Last4(phone)
}

// MaskName keeps the first character of a name: 张三 → 张*, 欧阳娜娜 → 欧***.
func MaskName(name string) string {
	r := []rune(name)
	if len(r) <= 1 {
		return "*"
	}
	return string(r[0]) + strings.Repeat("*", len(r)-1)
}

// Carrier scan descriptions are free text that carriers fill with personal
// data: "签收人：张三", "快件已由 张三 代签收", "派件员 李四 13987654321",
// "请凭取件码 6-2-0815 取件". MaskScanText hides it the way the rest of an
// order is masked, so that the text can be stored and shown:
//
//   - a name after a label (签收人, 收件人, 代收人, 收货人, a courier's
//     派件员 ...; 签收 and 本人签收 with a colon) or between 由 and
//     签收/代收 keeps its first character (MaskName). Roles (本人, 家人,
//     前台, ...) and places (快递柜, 驿站, ...) are not names and stay.
//   - mobile numbers (1[3-9] and nine digits, with spaces or dashes, with or
//     without +86) and landlines (0 and a 2–3 digit area code, 7–8 digits)
//     keep their first three and last four digits (MaskPhone). A courier's
//     or a station's number is masked like the recipient's: the text does
//     not say reliably whose a number is, a courier's mobile is a person's
//     number too, and the carrier's own service numbers (95338, 400 ...)
//     match neither pattern and stay visible.
//   - a pickup code after 取件码, 取货码, 提货码, 验证码 or 开箱码 has
//     every letter and digit replaced by *: it opens the locker.
//
// White space is folded to single spaces first. Masking is idempotent, and
// never panics on any input.
func MaskScanText(s string) string { return maskScan(s, false) }

// MaskScanTextForBuyer is MaskScanText that leaves pickup codes visible: the
// buyer needs theirs at the locker.
func MaskScanTextForBuyer(s string) string { return maskScan(s, true) }

// FoldSpace replaces every run of white space with one space and trims the
// ends.
func FoldSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// Patterns of personal data in scan text. Each match is checked by accept
// before it counts.
var (
	// scanLabel precedes a name: the people a parcel is handed to, and its
	// courier.
	scanLabel = regexp.MustCompile(`(?:签收人|收件人|代收人|收货人|取件人|寄件人|派件人|派件员|派送人|派送员|配送员|快递员|收派员|揽收员|揽件员|收件员|业务员|快递小哥|(?:本人|代)?签收[:：])(?:[\s:：]|是|为)*[【\[(（"“]?([\p{Han}A-Za-z·*]+)`)
	// scanBy is "由 张三 签收" and its kin.
	scanBy = regexp.MustCompile(`由[\s【\[(（"“]*([\p{Han}A-Za-z·*]{1,10}?)[\s】\])）"”]*(?:代为签收|代签收|签收|代收)`)
	// scanMobile is a mainland mobile number.
	scanMobile = regexp.MustCompile(`(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}`)
	// scanLandline is an area code and a local number.
	scanLandline = regexp.MustCompile(`[(（]?0\d{2,3}[)）]?[\s-]?\d{7,8}`)
	// scanCode is a pickup code with the word that names it.
	scanCode = regexp.MustCompile(`(?:取件码|取货码|提货码|验证码|开箱码|取件密码|提货密码)[\s:：是为【\[(（"“]*([0-9A-Za-z][0-9A-Za-z-]{2,15})`)
)

// Words around names in scan text. A role or a place at the start of a
// labelled name is kept (家人张三 keeps 家人 and masks 张三); a name never
// starts with a stop word (收件人已签收); a name ends where a continuation
// word starts (签收人张三已签收).
var (
	scanRoles = []string{"本人", "家人", "同事", "朋友", "前台", "门卫", "物业", "保安", "邻居", "他人", "快递柜",
		"丰巢", "菜鸟驿站", "驿站", "代收点", "超市", "便利店", "智能柜", "柜子"}
	scanPlaces = []string{"柜", "驿站", "代收点", "服务站", "网点", "超市", "便利店", "小卖部", "公司", "中心",
		"门卫", "物业", "前台", "收发室", "传达室", "营业部"}
	scanStops = []string{"已", "凭", "签收", "代收", "电话", "手机", "联系", "您", "请", "未", "不在", "拒", "要求",
		"因", "的", "地址", "取件", "正在", "为您", "感谢", "如有", "本人", "家人", "原因", "信息", "暂", "外出",
		"同意", "无法", "没有", "自取", "自提", "改", "预约", "姓名", "确认", "揽收", "揽件", "派件", "派送", "上门", "将", "会",
		"码", "取货", "提货"} // a code's label ends a name
)

// replacement is a part of a text to replace; rank orders replacements
// that overlap: the lower wins.
type replacement struct {
	start, end, rank int
	with             string
}

// Ranks of replacements: a pickup code wins over a phone number, which wins
// over a name.
const (
	rankCode = iota
	rankPhone
	rankName
)

func maskScan(s string, keepCodes bool) string {
	s = FoldSpace(s)
	// Each pattern runs only where the text holds what every match of it
	// must hold (a code's label has 码, a number ASCII digits, a label 人,
	// 员, 哥 or 签收, the passive 由): most scans hold none, and ingestion
	// masks every scan of every push.
	var reps []replacement
	if strings.Contains(s, "码") {
		for _, m := range findAll(scanCode, s, wholeCode) {
			code := s[m[2]:m[3]]
			if !keepCodes {
				code = strings.Map(func(r rune) rune {
					if r == '-' {
						return r
					}
					return '*'
				}, code)
			}
			// A kept code is replaced by itself, out of reach of the phone
			// patterns.
			reps = append(reps, replacement{m[2], m[3], rankCode, code})
		}
	}
	if strings.ContainsAny(s, "0123456789") {
		for _, re := range []*regexp.Regexp{scanMobile, scanLandline} {
			for _, m := range findAll(re, s, wholeNumber) {
				reps = append(reps, replacement{m[0], m[1], rankPhone, maskScanPhone(s[m[0]:m[1]])})
			}
		}
	}
	var names []*regexp.Regexp
	if strings.ContainsAny(s, "人员哥") || strings.Contains(s, "签收") {
		names = append(names, scanLabel)
	}
	if strings.Contains(s, "由") {
		names = append(names, scanBy)
	}
	for _, re := range names {
		for _, m := range findAll(re, s, nil) {
			if from, to, masked := maskScanName(s[m[2]:m[3]]); from < to {
				reps = append(reps, replacement{m[2] + from, m[2] + to, rankName, masked})
			}
		}
	}
	if len(reps) == 0 {
		return s
	}
	slices.SortStableFunc(reps, func(a, b replacement) int { return a.rank - b.rank })
	covered := make([]bool, len(s)) // bytes inside a replacement taken
	var taken []replacement
	for _, r := range reps {
		if slices.Contains(covered[r.start:r.end], true) {
			continue
		}
		for i := r.start; i < r.end; i++ {
			covered[i] = true
		}
		taken = append(taken, r)
	}
	slices.SortFunc(taken, func(a, b replacement) int { return a.start - b.start })
	var out strings.Builder
	at := 0
	for _, r := range taken {
		out.WriteString(s[at:r.start])
		out.WriteString(r.with)
		at = r.end
	}
	out.WriteString(s[at:])
	return out.String()
}

// findAll returns the submatch indexes of re's matches in s that accept
// takes (all if accept is nil). After a refused match the search goes on
// from the next character, so a number inside a refused one is still found.
func findAll(re *regexp.Regexp, s string, accept func(s string, start, end int) bool) [][]int {
	var out [][]int
	for pos := 0; pos < len(s); {
		m := re.FindStringSubmatchIndex(s[pos:])
		if m == nil {
			break
		}
		for i := range m {
			if m[i] >= 0 {
				m[i] += pos
			}
		}
		if accept == nil || accept(s, m[0], m[1]) {
			out = append(out, m)
			pos = max(m[1], m[0]+1)
			continue
		}
		_, size := utf8.DecodeRuneInString(s[m[0]:])
		pos = m[0] + size
	}
	return out
}

// wholeCode accepts a code that no code character or mask follows: a code
// longer than its pattern allows is no code, and neither are the digits a
// masked number keeps (取货码000****0000).
func wholeCode(s string, _, end int) bool {
	r, _ := utf8.DecodeRuneInString(s[end:])
	return end == len(s) || !(isDigit(r) || r == '*' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
}

// wholeNumber accepts a phone number that is not part of a longer run of
// digits (a tracking number) and is not the tail of a masked one (MaskPhone
// keeps three digits, four stars and four digits): in 000****0000 0000000
// the digits after the stars end the masked number, and masking masked
// text again must find nothing new.
func wholeNumber(s string, start, end int) bool {
	if r, _ := utf8.DecodeRuneInString(s[end:]); end < len(s) && isDigit(r) {
		return false
	}
	before := s[:start]
	if masked, ok := strings.CutSuffix(before, "****"); ok && masked != "" {
		before = masked
	}
	r, _ := utf8.DecodeLastRuneInString(before)
	return before == "" || !isDigit(r)
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// maskScanPhone masks a number as written: +86 stays, spaces, dashes and
// brackets go, the digits are masked by MaskPhone.
func maskScanPhone(number string) string {
	prefix := ""
	if rest, ok := strings.CutPrefix(number, "+86"); ok {
		prefix, number = "+86 ", rest
	} else if rest, ok := strings.CutPrefix(number, "86"); ok && len(number) > 11 && !strings.HasPrefix(number, "860") {
		prefix, number = "86 ", rest
	}
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, number)
	return prefix + MaskPhone(digits)
}

// maskScanName finds the name in word, the text after a label, and
// returns where it is in word and its masked form; from == to when word
// holds no name. A leading role is no name (家人张三 masks 张三), a word
// starting with a stop word holds none (收件人已签收), nor does one naming a
// place (签收人：丰巢智能柜), and the name ends where a stop word starts
// (签收人张三已签收).
func maskScanName(word string) (from, to int, masked string) {
	for _, r := range scanRoles {
		if strings.HasPrefix(word, r) {
			from = len(r)
			break
		}
	}
	rest := word[from:]
	if rest == "" || hasAnyPrefix(rest, scanStops) || containsAny(rest, scanPlaces) {
		return 0, 0, ""
	}
	_, first := utf8.DecodeRuneInString(rest)
	end := len(rest)
	for _, w := range scanStops {
		if i := strings.Index(rest[first:], w); i >= 0 && first+i < end {
			end = first + i
		}
	}
	return from, from + end, MaskName(rest[:end])
}

func hasAnyPrefix(s string, prefixes []string) bool {
	return slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(s, p) })
}

func containsAny(s string, words []string) bool {
	return slices.ContainsFunc(words, func(w string) bool { return strings.Contains(s, w) })
}
