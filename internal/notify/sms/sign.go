package sms

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/url"
	"sort"
	"strings"
)

// PercentEncode encodes s with Aliyun's POP rule: the RFC 3986 unreserved
// characters A–Z a–z 0–9 - _ . ~ stay, every other byte of the UTF-8
// becomes %XX with upper-case hex.
func PercentEncode(s string) string {
	e := url.QueryEscape(s)
	e = strings.ReplaceAll(e, "+", "%20")
	e = strings.ReplaceAll(e, "*", "%2A")
	return strings.ReplaceAll(e, "%7E", "~")
}

// StringToSign returns the text that signature v1 signs for a request with
// the given method and parameters (every parameter sent, query and form,
// except Signature): the method, "%2F" and the percent-encoded canonical
// query string, joined by "&" (docs/NOTIFY-PROTOCOLS.md §1.3).
func StringToSign(method string, params url.Values) string {
	pairs := make([]string, 0, len(params))
	for k, vs := range params {
		if k == "Signature" {
			continue
		}
		v := ""
		if len(vs) > 0 {
			v = vs[0]
		}
		pairs = append(pairs, PercentEncode(k)+"="+PercentEncode(v))
	}
	sort.Slice(pairs, func(i, j int) bool {
		ki, _, _ := strings.Cut(pairs[i], "=")
		kj, _, _ := strings.Cut(pairs[j], "=")
		return ki < kj
	})
	return method + "&" + PercentEncode("/") + "&" + PercentEncode(strings.Join(pairs, "&"))
}

// Sign returns the v1 signature of a request: the standard base64 of
// HMAC-SHA1 over StringToSign, keyed with the AccessKey secret and "&".
func Sign(method string, params url.Values, accessKeySecret string) string {
	h := hmac.New(sha1.New, []byte(accessKeySecret+"&"))
	h.Write([]byte(StringToSign(method, params)))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}
