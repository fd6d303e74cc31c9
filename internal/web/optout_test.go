package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/bottletrail/bottletrail/internal/storetest"
	"github.com/bottletrail/bottletrail/internal/trail"
	"github.com/bottletrail/bottletrail/internal/web"
)

// optOutRecorder records opt-outs; order 404 does not exist.
type optOutRecorder struct{ got [][2]int64 }

func (o *optOutRecorder) OptOut(_ context.Context, brandID, orderID int64) error {
	if orderID == 404 {
		return trail.Errorf(trail.ENOTFOUND, "no order")
	}
	o.got = append(o.got, [2]int64{brandID, orderID})
	return nil
}

// TestOptOut follows a message's opt-out link: the GET only asks (a link
// preview opts nobody out), the POST records it, and forged or unknown
// links are 404.
func TestOptOut(t *testing.T) {
	t.Parallel()
	sealer := storetest.MustSealer(t)
	rec := &optOutRecorder{}
	mux := http.NewServeMux()
	web.New(web.Config{Sealer: sealer, OptOuts: rec}).Register(mux)
	token := trail.OptOutToken(sealer, 3, 42)

	res := httptest.NewRecorder()
	mux.ServeHTTP(res, httptest.NewRequest("GET", "/n/optout/"+token, nil))
	if res.Code != http.StatusOK || len(rec.got) != 0 {
		t.Fatalf("GET: %d, recorded %v", res.Code, rec.got)
	}
	doc, err := goquery.NewDocumentFromReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if action, _ := doc.Find("form").Attr("action"); action != "/n/optout/"+token || !strings.Contains(doc.Find("button").Text(), "确认退订") {
		t.Errorf("form: action %q, button %q", action, doc.Find("button").Text())
	}
	if csp := res.Header().Get("Content-Security-Policy"); csp == "" {
		t.Error("no CSP")
	}

	post := func(path string) *httptest.ResponseRecorder {
		res := httptest.NewRecorder()
		req := httptest.NewRequest("POST", path, strings.NewReader(url.Values{"lang": {"en"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		mux.ServeHTTP(res, req)
		return res
	}
	if res := post("/n/optout/" + token); res.Code != http.StatusOK || !strings.Contains(res.Body.String(), "unsubscribed") {
		t.Fatalf("POST: %d %s", res.Code, res.Body.String())
	}
	if len(rec.got) != 1 || rec.got[0] != [2]int64{3, 42} {
		t.Errorf("recorded %v, want brand 3 order 42", rec.got)
	}
	forged := strings.Replace(token, ".", "x.", 1)
	for _, path := range []string{"/n/optout/" + forged, "/n/optout/" + trail.OptOutToken(sealer, 3, 404)} {
		if res := post(path); res.Code != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404", path, res.Code)
		}
	}
	if len(rec.got) != 1 {
		t.Errorf("forged links recorded: %v", rec.got)
	}
}
