// Package httpedge holds what every HTTP surface of Bottletrail (the JSON
// API in httpapi, the consumer pages in web, the operator console in
// console) does at its edge, the same way on each: which address a client
// is counted by, which security headers every answer carries, and how an
// embedded stylesheet or script is served under a fingerprinted path.
//
// It is named after that place, the edge of the server where a request
// comes in and an answer goes out; it knows nothing of the domain and
// imports only the standard library.
package httpedge

import (
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/http"
	"strings"
)

// ClientAddr returns the address a client is counted by (look-up and
// sign-in limits): with header naming a header a trusted reverse proxy
// sets, such as X-Real-IP or X-Forwarded-For, the last entry of its last
// occurrence, which that proxy appended and a client cannot forge; else,
// or when it is absent or empty, the IP of the connection. Without a
// trusted proxy, header must be empty: any client could write it.
func ClientAddr(r *http.Request, header string) string {
	if header != "" {
		if v := r.Header.Values(header); len(v) > 0 {
			list := strings.Split(v[len(v)-1], ",")
			if ip := strings.TrimSpace(list[len(list)-1]); ip != "" {
				return ip
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// SetSecurityHeaders sets the headers every answer carries: csp as the
// Content-Security-Policy (each surface has its own), no MIME sniffing,
// no framing, and no Referer sent onwards (paths may hold a tracking
// link's token or an order number).
func SetSecurityHeaders(h http.Header, csp string) {
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
}

// Secure returns next with the security headers of SetSecurityHeaders set
// on every answer, csp its Content-Security-Policy.
func Secure(csp string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		SetSecurityHeaders(w.Header(), csp)
		next.ServeHTTP(w, r)
	})
}

// Asset is an embedded file served under a path that holds a hash of its
// content, so a browser may keep it for a year: a changed file has a new
// path.
type Asset struct {
	// Path is where the asset is served, such as
	// /static/track.0123456789ab.css.
	Path        string
	contentType string
	content     []byte
}

// NewAsset returns the asset of content served at prefix + "." + the
// first 12 hex digits of its SHA-256 + ext, with contentType.
func NewAsset(prefix, ext, contentType string, content []byte) *Asset {
	sum := sha256.Sum256(content)
	return &Asset{Path: prefix + "." + hex.EncodeToString(sum[:6]) + ext, contentType: contentType, content: content}
}

// ServeHTTP answers with the asset, cacheable by anyone for a year.
func (a *Asset) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(a.content)
}
