package sf

import (
	"crypto/md5"
	"encoding/base64"
	"strings"
)

// JavaURLEncode encodes s as Java's URLEncoder does with UTF-8, which SF's
// digest depends on: ASCII letters, digits and . - * _ stay as they are, a
// space becomes +, and every other byte of the UTF-8 encoding becomes %XX
// with upper-case hex. Go's url.QueryEscape differs on * and ~.
func JavaURLEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) * 3)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '.', c == '-', c == '*', c == '_':
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0x0f])
		}
	}
	return b.String()
}

// Digest returns SF's msgDigest of a message: the standard Base64 of the raw
// 16-byte MD5 of JavaURLEncode(msgData + timestamp + checkWord). msgData
// must be the exact string sent (or received), and timestamp the exact
// timestamp field.
func Digest(msgData, timestamp, checkWord string) string {
	sum := md5.Sum([]byte(JavaURLEncode(msgData + timestamp + checkWord)))
	return base64.StdEncoding.EncodeToString(sum[:])
}
