package httpedge_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bottletrail/bottletrail/internal/httpedge"
)

func TestClientAddr(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		remoteAddr string
		header     string              // the trusted header, "" for none
		sent       map[string][]string // headers of the request
		want       string
	}{
		{"no trusted header: the peer", "198.51.100.4:5123", "", map[string][]string{"X-Forwarded-For": {"203.0.113.9"}}, "198.51.100.4"},
		{"IPv6 peer", "[2001:db8::7]:443", "", nil, "2001:db8::7"},
		{"peer without port", "198.51.100.4", "", nil, "198.51.100.4"},
		{"trusted header", "10.0.0.2:80", "X-Real-IP", map[string][]string{"X-Real-IP": {"203.0.113.9"}}, "203.0.113.9"},
		{"trusted list: the proxy's own last entry, not the client's forgery", "10.0.0.2:80", "X-Forwarded-For",
			map[string][]string{"X-Forwarded-For": {"1.2.3.4, 203.0.113.9"}}, "203.0.113.9"},
		{"trusted header repeated: the last one", "10.0.0.2:80", "X-Forwarded-For",
			map[string][]string{"X-Forwarded-For": {"1.2.3.4", "203.0.113.9 "}}, "203.0.113.9"},
		{"trusted header missing: the peer", "10.0.0.2:80", "X-Real-IP", nil, "10.0.0.2"},
		{"trusted header empty: the peer", "10.0.0.2:80", "X-Real-IP", map[string][]string{"X-Real-IP": {""}}, "10.0.0.2"},
		{"trusted list ending in a comma: the peer", "10.0.0.2:80", "X-Forwarded-For",
			map[string][]string{"X-Forwarded-For": {"203.0.113.9, "}}, "10.0.0.2"},
		{"another header than the trusted one is ignored", "10.0.0.2:80", "X-Real-IP",
			map[string][]string{"X-Forwarded-For": {"203.0.113.9"}}, "10.0.0.2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.remoteAddr
			for k, vs := range tc.sent {
				for _, v := range vs {
					r.Header.Add(k, v)
				}
			}
			if got := httpedge.ClientAddr(r, tc.header); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSecure(t *testing.T) {
	t.Parallel()
	const csp = "default-src 'none'; style-src 'self'"
	h := httpedge.Secure(csp, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "gone", http.StatusNotFound)
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/x", nil))
	if w.Code != http.StatusNotFound {
		t.Errorf("status: got %d, want the handler's 404", w.Code)
	}
	for name, want := range map[string]string{
		"Content-Security-Policy": csp,
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "no-referrer",
	} {
		if got := w.Header().Get(name); got != want {
			t.Errorf("%s: got %q, want %q", name, got, want)
		}
	}
}

func TestAsset(t *testing.T) {
	t.Parallel()
	a := httpedge.NewAsset("/static/track", ".css", "text/css; charset=utf-8", []byte("body{color:red}"))
	b := httpedge.NewAsset("/static/track", ".css", "text/css; charset=utf-8", []byte("body{color:blue}"))
	if !strings.HasPrefix(a.Path, "/static/track.") || !strings.HasSuffix(a.Path, ".css") || len(a.Path) != len("/static/track.")+12+len(".css") {
		t.Errorf("path: got %q, want /static/track.<12 hex digits>.css", a.Path)
	}
	if a.Path == b.Path {
		t.Errorf("two contents share the path %q", a.Path)
	}
	w := httptest.NewRecorder()
	a.ServeHTTP(w, httptest.NewRequest("GET", a.Path, nil))
	body, _ := io.ReadAll(w.Result().Body)
	if string(body) != "body{color:red}" {
		t.Errorf("body: got %q", body)
	}
	for name, want := range map[string]string{
		"Content-Type":  "text/css; charset=utf-8",
		"Cache-Control": "public, max-age=31536000, immutable",
	} {
		if got := w.Header().Get(name); got != want {
			t.Errorf("%s: got %q, want %q", name, got, want)
		}
	}
}
