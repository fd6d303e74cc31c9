package trail

import "strings"

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
