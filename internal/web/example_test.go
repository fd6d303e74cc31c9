package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bottletrail/bottletrail/internal/demo"
	"github.com/bottletrail/bottletrail/internal/httpapi"
	"github.com/bottletrail/bottletrail/internal/pii"
	"github.com/bottletrail/bottletrail/internal/ratelimit"
	"github.com/bottletrail/bottletrail/internal/sqlite"
	"github.com/bottletrail/bottletrail/internal/trail"
	"github.com/bottletrail/bottletrail/internal/web"
)

// ExampleServer_Register serves the tracking pages beside the JSON API on
// one mux, the way cmd/bottletrail does, over a demo store. One Tracker
// serves both, so failed look-ups count across the page and the API.
func ExampleServer_Register() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "web-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	sealer, err := pii.New([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		panic(err)
	}
	db, err := sqlite.Open(ctx, filepath.Join(dir, "demo.db"), sealer)
	if err != nil {
		panic(err)
	}
	defer db.Close()
	brand := &trail.Brand{Slug: "demo", Name: "瓶迹演示酒坊"}
	if _, err := db.CreateBrand(ctx, brand); err != nil {
		panic(err)
	}
	if _, err := demo.Seed(ctx, db, brand.ID, time.Now(), 1, nil); err != nil {
		panic(err)
	}

	tracker := &trail.Tracker{Brands: db, Links: db, Limiter: ratelimit.New(), Now: time.Now}
	api := httpapi.New(httpapi.Config{
		Brands: db, Catalog: db, Orders: db, Production: db, Shipments: db, Carriers: db,
		Links: db, Sealer: sealer, Tracker: tracker, PublicURL: "https://track.example.com",
	})
	pages := web.New(web.Config{Tracker: tracker, Links: db, Sealer: sealer})
	mux := http.NewServeMux()
	pages.Register(mux)
	mux.Handle("/", api)

	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/b/demo/track", nil))
	fmt.Println("form:", rec.Code, rec.Header().Get("Cache-Control"))

	form := url.Values{"number": {"DEMO-0001"}, "phone_last4": {"9999"}}
	req := httptest.NewRequest("POST", "/b/demo/track", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	fmt.Println("wrong digits:", rec.Code)

	req = httptest.NewRequest("POST", "/api/v1/public/demo/track", strings.NewReader(`{"order_no":"DEMO-0001","phone_last4":"9999"}`))
	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	fmt.Print("the same by API: ", rec.Code, " ", rec.Body)
	// Output:
	// form: 200 private, no-store
	// wrong digits: 404
	// the same by API: 404 {"error":{"code":"not_found","message":"未找到订单，请核对单号和手机号后四位 / No order matches this number and phone digits."}}
}
