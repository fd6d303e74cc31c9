package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/bottletrail/bottletrail/internal/demo"
	"github.com/bottletrail/bottletrail/internal/httpapi"
	"github.com/bottletrail/bottletrail/internal/ratelimit"
	"github.com/bottletrail/bottletrail/internal/sqlite"
	"github.com/bottletrail/bottletrail/internal/storetest"
	"github.com/bottletrail/bottletrail/internal/trail"
	"github.com/bottletrail/bottletrail/internal/web"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// testNow is the clock of every test: 2026-12-01 12:00 China time.
var testNow = time.Date(2026, 12, 1, 4, 0, 0, 0, time.UTC)

// demoOrders is how many demo orders the tests seed: two rounds of the
// scenarios, so that the second round's birthday orders are gifts with
// their own recipient.
const demoOrders = 30

// Demo orders by scenario (see internal/demo): DEMO-0001 is scenario 0.
const (
	orderSplitWedding  = "DEMO-0001" // partially shipped, one batch delayed
	orderDelivered     = "DEMO-0002"
	orderException     = "DEMO-0003" // a damaged parcel
	orderPending       = "DEMO-0004"
	orderInProduction  = "DEMO-0005"
	orderReady         = "DEMO-0006"
	orderSplitCarriers = "DEMO-0007" // two carriers, both moving
	orderPartDelivered = "DEMO-0008"
	orderGiftWithRecip = "DEMO-0021" // a birthday gift sent to someone else
)

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

// syncBuffer is a log sink safe for concurrent handlers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string { b.mu.Lock(); defer b.mu.Unlock(); return b.buf.String() }

// testBundle is the JSON API and the tracking pages on one mux, as
// cmd/bottletrail composes them, over a seeded SQLite store.
type testBundle struct {
	db      *sqlite.DB
	brand   *trail.Brand
	apiKey  string
	clock   *clock
	handler http.Handler
	logs    *syncBuffer
}

func setup(t *testing.T) *testBundle { t.Helper(); return setupProxied(t, "") }

// setupProxied is setup behind a proxy that puts the client's address in
// the header clientIPHeader ("" for no proxy).
func setupProxied(t *testing.T, clientIPHeader string) *testBundle {
	t.Helper()
	ctx := context.Background()
	sealer := storetest.MustSealer(t)
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "web.db"), sealer)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.Now = func() time.Time { return testNow }
	b := &testBundle{db: db, brand: &trail.Brand{Slug: "demo", Name: "瓶迹演示酒坊"}, clock: &clock{now: testNow}, logs: &syncBuffer{}}
	if b.apiKey, err = db.CreateBrand(ctx, b.brand); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Seed(ctx, db, b.brand.ID, testNow, demoOrders, nil); err != nil {
		t.Fatal(err)
	}
	// Logs without their time, so that a test can search them for digits.
	logger := slog.New(slog.NewJSONHandler(b.logs, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}))
	tracker := &trail.Tracker{Brands: db, Links: db, Limiter: ratelimit.New(), Now: b.clock.Now}
	api := httpapi.New(httpapi.Config{
		Brands: db, Catalog: db, Orders: db, Production: db, Shipments: db, Carriers: db,
		Links: db, Sealer: sealer, Tracker: tracker, ClientIPHeader: clientIPHeader,
		PublicURL: "https://track.example.com", Logger: logger, Now: b.clock.Now,
	})
	pages := web.New(web.Config{Tracker: tracker, Links: db, Sealer: sealer, ClientIPHeader: clientIPHeader, Logger: logger, Now: b.clock.Now})
	mux := http.NewServeMux()
	pages.Register(mux)
	mux.Handle("/", api)
	b.handler = mux
	return b
}

// graph reads an order of the demo brand with its personal data in clear.
func (b *testBundle) graph(t *testing.T, orderNo string) *trail.OrderGraph {
	t.Helper()
	g, err := b.db.OrderGraph(context.Background(), b.brand.ID, orderNo)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// buyerDigits returns the last four digits of an order's buyer's phone.
func (b *testBundle) buyerDigits(t *testing.T, orderNo string) string {
	t.Helper()
	return trail.Last4(b.graph(t, orderNo).Order.Customer.Phone)
}

// wrongDigits returns four digits that are neither the buyer's nor the
// recipient's.
func (b *testBundle) wrongDigits(t *testing.T, orderNo string) string {
	t.Helper()
	o := b.graph(t, orderNo).Order
	for _, d := range []string{"0000", "1111", "2222"} {
		if d != trail.Last4(o.Customer.Phone) && d != trail.Last4(o.RecipientContact().Phone) {
			return d
		}
	}
	panic("no wrong digits")
}

// serve sends one request from a client address; header holds further
// name, value pairs.
func (b *testBundle) serve(t *testing.T, client, method, path, contentType, body string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.RemoteAddr = client + ":40000"
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	b.handler.ServeHTTP(rec, req)
	return rec
}

// get fetches a page.
func (b *testBundle) get(t *testing.T, path string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	return b.serve(t, "192.0.2.1", "GET", path, "", "", header...)
}

// lookup posts the look-up form of the demo brand by order number.
func (b *testBundle) lookup(t *testing.T, client, orderNo, digits string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	form := url.Values{"by": {"order"}, "number": {orderNo}, "phone_last4": {digits}}
	return b.serve(t, client, "POST", "/b/demo/track", "application/x-www-form-urlencoded", form.Encode(), header...)
}

// lookupAPI posts a look-up to the public JSON API of the demo brand.
func (b *testBundle) lookupAPI(t *testing.T, client, orderNo, digits string) *httptest.ResponseRecorder {
	t.Helper()
	body, _ := json.Marshal(trail.TrackQuery{OrderNo: orderNo, PhoneLast4: digits})
	return b.serve(t, client, "POST", "/api/v1/public/demo/track", "application/json", string(body))
}

// link issues a tracking link through the brand API and returns its path
// and id.
func (b *testBundle) link(t *testing.T, orderNo, body string) (path string, id int64) {
	t.Helper()
	rec := b.serve(t, "192.0.2.9", "POST", "/api/v1/orders/"+orderNo+"/links", "application/json", body, "Authorization", "Bearer "+b.apiKey)
	mustStatus(t, rec, http.StatusCreated)
	var l struct {
		ID  int64  `json:"id"`
		URL string `json:"url"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &l); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(l.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Path, l.ID
}

func mustStatus(t *testing.T, rec *httptest.ResponseRecorder, want int) {
	t.Helper()
	if rec.Code != want {
		t.Fatalf("status: got %d, want %d; body: %.2000s", rec.Code, want, rec.Body)
	}
}

// mustDoc parses an HTML answer.
func mustDoc(t *testing.T, rec *httptest.ResponseRecorder) *goquery.Document {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Fatalf("Content-Type: got %q, want text/html; charset=utf-8", ct)
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// text returns the white-space-folded text of the selection.
func text(s *goquery.Selection) string { return strings.Join(strings.Fields(s.Text()), " ") }

// mustContain fails unless the selection's text holds every part.
func mustContain(t *testing.T, what string, s *goquery.Selection, parts ...string) {
	t.Helper()
	got := text(s)
	for _, p := range parts {
		if !strings.Contains(got, p) {
			t.Errorf("%s: %q lacks %q", what, got, p)
		}
	}
}

// checkPrivate fails if a page shows personal data of the order in clear.
func checkPrivate(t *testing.T, body string, o *trail.Order) {
	t.Helper()
	secrets := []string{o.Customer.Phone, o.Address.Detail}
	if o.Recipient != nil {
		secrets = append(secrets, o.Recipient.Phone, o.Recipient.Name)
	}
	// The buyer's name may be printed on the label (the customisation).
	if !strings.Contains(strings.Join(itemTexts(o), " "), o.Customer.Name) {
		secrets = append(secrets, o.Customer.Name)
	}
	for _, s := range secrets {
		if strings.Contains(body, s) {
			t.Errorf("the page shows %q", s)
		}
	}
}

func itemTexts(o *trail.Order) []string {
	var out []string
	for _, it := range o.Items {
		out = append(out, it.Customization)
	}
	return out
}

// checkTimelines fails unless every timeline runs newest first.
func checkTimelines(t *testing.T, doc *goquery.Document) {
	t.Helper()
	doc.Find("ol.timeline").Each(func(_ int, ol *goquery.Selection) {
		var last string
		ol.Find("li time").Each(func(i int, tm *goquery.Selection) {
			dt, _ := tm.Attr("datetime")
			if i > 0 && dt > last {
				t.Errorf("timeline not newest first: %s after %s", dt, last)
			}
			last = dt
		})
	})
}

func TestOrderPages(t *testing.T) {
	t.Parallel()
	b := setup(t)
	giftPath, _ := b.link(t, orderSplitWedding, `{"kind":"gift"}`)
	tests := []struct {
		name    string
		orderNo string
		gift    bool
		check   func(t *testing.T, doc *goquery.Document)
	}{
		{"partially shipped wedding, one batch delayed", orderSplitWedding, false, func(t *testing.T, doc *goquery.Document) {
			mustContain(t, "status", doc.Find(".summary .status"), "部分发货")
			mustContain(t, "messages", doc.Find(".notes"), "定制产品包含手工环节，发货周期约 5–10 天", "您的订单包含 2 个生产批次，将分为 2 个包裹发出")
			mustContain(t, "occasion", doc.Find(".occasion"), "婚礼", "距婚礼还有", "天")
			if !strings.Contains(text(doc.Find(".occasion")), "婚礼前送达") && !strings.Contains(text(doc.Find(".occasion")), "晚于婚礼送达") {
				t.Errorf("the countdown does not say whether the order arrives in time: %q", text(doc.Find(".occasion")))
			}
			mustContain(t, "delay", doc.Find(".stages .delayed .delay"), "灌装环节延迟：原料到货晚 2 天")
			mustContain(t, "done stage", doc.Find(".stages .done").First(), "备料", "已完成", "完成于")
			mustContain(t, "items", doc.Find(".items"), "青梅酒 330ml（定制酒标）", "×24", "尚未发货 ×24", "预计发货", "桂花米酒 500ml", "包裹 1 ×12")
			mustContain(t, "customisation", doc.Find(".custom"), "定制内容", "百年好合")
			mustContain(t, "parcel", doc.Find("#p1"), "包裹 1 · 顺丰速运", "运输中", "预计送达", "内含：桂花米酒 500ml ×12")
			if doc.Find("#p1 code.copy").Text() == "" {
				t.Error("no copyable tracking number")
			}
			if n := doc.Find("#p1 ol.timeline li").Length(); n != 3 {
				t.Errorf("timeline: got %d scans, want 3", n)
			}
			mustContain(t, "newest scan", doc.Find("#p1 ol.timeline li").First(), "快件已到达")
			mustContain(t, "eta", doc.Find(".summary .eta"), "预计送达")
			mustContain(t, "delivery details", doc.Find(".kv"), "收件人", "****", "（详细地址已隐藏）")
			if strings.Contains(text(doc.Find(".kv")), "订购人") {
				t.Error("the buyer who is the recipient is shown twice")
			}
			if doc.Find(".price").Length() == 0 {
				t.Error("the buyer's page shows no prices")
			}
		}},
		{"delivered", orderDelivered, false, func(t *testing.T, doc *goquery.Document) {
			mustContain(t, "status", doc.Find(".summary .status"), "已签收")
			mustContain(t, "delivered", doc.Find(".summary .eta"), "签收于")
			mustContain(t, "parcel", doc.Find("#p1"), "已签收", "签收于")
			mustContain(t, "newest scan", doc.Find("#p1 ol.timeline li").First(), "已签收")
			mustContain(t, "occasion", doc.Find(".occasion"), "生日", "订单已全部送达")
			if doc.Find(".notes").Length() != 0 {
				t.Errorf("a delivered order in one parcel has expectation messages: %q", text(doc.Find(".notes")))
			}
		}},
		{"exception", orderException, false, func(t *testing.T, doc *goquery.Document) {
			mustContain(t, "status", doc.Find(".summary .status"), "运输异常")
			mustContain(t, "parcel", doc.Find("#p1 .status"), "异常 · 外包装破损")
			mustContain(t, "newest scan", doc.Find("#p1 ol.timeline li").First(), "破损")
			mustContain(t, "carrier", doc.Find("#p1 h3"), "圆通速递")
		}},
		{"pending", orderPending, false, func(t *testing.T, doc *goquery.Document) {
			mustContain(t, "status", doc.Find(".summary .status"), "待生产")
			mustContain(t, "messages", doc.Find(".notes"), "发货周期约 5–10 天")
			mustContain(t, "stages", doc.Find(".stages li").First(), "备料", "待进行", "计划")
			mustContain(t, "items", doc.Find(".items"), "婚礼伴手礼盒", "尚未发货 ×36")
			if doc.Find("#h-parcels").Length() != 0 {
				t.Error("an order without parcels shows a parcels section")
			}
		}},
		{"in production", orderInProduction, false, func(t *testing.T, doc *goquery.Document) {
			mustContain(t, "status", doc.Find(".summary .status"), "生产中")
			mustContain(t, "stages", doc.Find(".stages"), "已完成", "待进行")
			mustContain(t, "messages", doc.Find(".notes"), "发货周期约 3–7 天")
			mustContain(t, "eta", doc.Find(".summary"), "预计送达", "多数情况下在")
		}},
		{"ready to ship", orderReady, false, func(t *testing.T, doc *goquery.Document) {
			mustContain(t, "status", doc.Find(".summary .status"), "待发货")
			if doc.Find("details.batch[open]").Length() != 0 {
				t.Error("a finished batch is expanded")
			}
		}},
		{"split across carriers", orderSplitCarriers, false, func(t *testing.T, doc *goquery.Document) {
			mustContain(t, "status", doc.Find(".summary .status"), "已发货")
			mustContain(t, "messages", doc.Find(".notes"), "您的订单分为 2 个包裹发出")
			mustContain(t, "parcel 1", doc.Find("#p1 h3"), "中通快递")
			mustContain(t, "parcel 2", doc.Find("#p2"), "京东物流", "派送中")
			mustContain(t, "items", doc.Find(".items"), "包裹 1 ×6", "包裹 2 ×4")
			if got := doc.Find("code.copy").Length(); got != 2 {
				t.Errorf("tracking numbers: got %d, want 2", got)
			}
		}},
		{"partially delivered", orderPartDelivered, false, func(t *testing.T, doc *goquery.Document) {
			mustContain(t, "status", doc.Find(".summary .status"), "部分签收")
			mustContain(t, "parcels", doc.Find(".parcel"), "已签收", "派送中")
		}},
		{"gift link", orderSplitWedding, true, func(t *testing.T, doc *goquery.Document) {
			mustContain(t, "gift", doc.Find(".summary"), "这是一份礼物：价格和订购人信息已隐藏。")
			if doc.Find(".price").Length() != 0 || strings.Contains(doc.Text(), "¥") {
				t.Error("the gift page shows prices")
			}
			if strings.Contains(doc.Find(".kv").Text(), "订购人") {
				t.Error("the gift page shows the buyer")
			}
			mustContain(t, "items", doc.Find(".items"), "青梅酒 330ml（定制酒标）", "百年好合")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec *httptest.ResponseRecorder
			if tt.gift {
				rec = b.get(t, giftPath)
			} else {
				rec = b.lookup(t, "192.0.2.10", tt.orderNo, b.buyerDigits(t, tt.orderNo))
			}
			mustStatus(t, rec, http.StatusOK)
			doc := mustDoc(t, rec)
			mustContain(t, "heading", doc.Find("h1"), tt.orderNo)
			mustContain(t, "header", doc.Find("header.top .brand"), "瓶迹演示酒坊")
			if lang, _ := doc.Find("html").Attr("lang"); lang != "zh-CN" {
				t.Errorf("lang: got %q, want zh-CN", lang)
			}
			if doc.Find("time[datetime]").Length() == 0 {
				t.Error("no <time datetime>")
			}
			checkTimelines(t, doc)
			checkPrivate(t, rec.Body.String(), b.graph(t, tt.orderNo).Order)
			tt.check(t, doc)
		})
	}
}

// TestGiftLookup: the recipient of a gift who looks it up with their own
// phone digits sees the gift page; the buyer sees prices.
func TestGiftLookup(t *testing.T) {
	t.Parallel()
	b := setup(t)
	o := b.graph(t, orderGiftWithRecip).Order
	if o.Recipient == nil {
		t.Fatalf("%s has no recipient; the demo scenarios changed", orderGiftWithRecip)
	}
	rec := b.lookup(t, "192.0.2.20", o.OrderNo, trail.Last4(o.Recipient.Phone))
	mustStatus(t, rec, http.StatusOK)
	doc := mustDoc(t, rec)
	if doc.Find(".price").Length() != 0 || strings.Contains(doc.Find(".kv").Text(), "订购人") {
		t.Error("the recipient's look-up shows prices or the buyer")
	}
	mustContain(t, "recipient", doc.Find(".kv"), trail.MaskName(o.Recipient.Name), trail.MaskPhone(o.Recipient.Phone))

	rec = b.lookup(t, "192.0.2.20", o.OrderNo, trail.Last4(o.Customer.Phone))
	mustStatus(t, rec, http.StatusOK)
	doc = mustDoc(t, rec)
	if doc.Find(".price").Length() == 0 {
		t.Error("the buyer's look-up shows no prices")
	}
	mustContain(t, "buyer", doc.Find(".kv"), "订购人", trail.MaskPhone(o.Customer.Phone))
	checkPrivate(t, rec.Body.String(), o)
}

func TestForm(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rec := b.get(t, "/b/demo/track")
	mustStatus(t, rec, http.StatusOK)
	doc := mustDoc(t, rec)
	f := doc.Find("form.lookup")
	if m, _ := f.Attr("method"); m != "post" {
		t.Errorf("form method: got %q, want post (digits never in a URL)", m)
	}
	if a, _ := f.Attr("action"); a != "/b/demo/track" {
		t.Errorf("form action: got %q", a)
	}
	for _, id := range []string{"number", "last4"} {
		in := f.Find("input#" + id)
		if in.Length() != 1 || f.Find(`label[for="`+id+`"]`).Length() != 1 {
			t.Errorf("input %s has no label", id)
		}
		if ac, _ := in.Attr("autocomplete"); ac != "off" {
			t.Errorf("input %s: autocomplete %q, want off", id, ac)
		}
	}
	if im, _ := f.Find("#last4").Attr("inputmode"); im != "numeric" {
		t.Errorf("last four digits: inputmode %q, want numeric", im)
	}
	if f.Find(`input[type=radio][name=by]`).Length() != 2 || f.Find("fieldset legend").Length() != 1 {
		t.Error("no labelled choice between order and tracking number")
	}
	mustContain(t, "header", doc.Find("header .brand"), "瓶迹演示酒坊")

	mustStatus(t, b.get(t, "/b/nobody/track"), http.StatusNotFound)

	// Malformed input is shown again with the reason; nothing was looked
	// up, so the number may be echoed.
	form := url.Values{"by": {"order"}, "number": {orderDelivered}, "phone_last4": {"12a4"}}
	rec = b.serve(t, "192.0.2.30", "POST", "/b/demo/track", "application/x-www-form-urlencoded", form.Encode())
	mustStatus(t, rec, http.StatusUnprocessableEntity)
	doc = mustDoc(t, rec)
	mustContain(t, "error", doc.Find(".error"), "请输入手机号后四位数字")
	if v, _ := doc.Find("#number").Attr("value"); v != orderDelivered {
		t.Errorf("number: got %q, want it kept", v)
	}

	// Look-up by tracking number.
	g := b.graph(t, orderSplitCarriers)
	form = url.Values{"by": {"tracking"}, "number": {strings.ToLower(g.Shipments[1].TrackingNo)}, "phone_last4": {b.buyerDigits(t, orderSplitCarriers)}}
	rec = b.serve(t, "192.0.2.30", "POST", "/b/demo/track", "application/x-www-form-urlencoded", form.Encode())
	mustStatus(t, rec, http.StatusOK)
	mustContain(t, "heading", mustDoc(t, rec).Find("h1"), orderSplitCarriers)

	// A body past the limit is refused.
	rec = b.serve(t, "192.0.2.30", "POST", "/b/demo/track", "application/x-www-form-urlencoded", "number="+strings.Repeat("9", 8<<10))
	mustStatus(t, rec, http.StatusBadRequest)
}

// TestLookupUniform: a wrong answer and an order that does not exist give
// byte-identical answers with the same status, on the page and the API.
func TestLookupUniform(t *testing.T) {
	t.Parallel()
	b := setup(t)
	digits := b.wrongDigits(t, orderDelivered)
	tracking := b.graph(t, orderDelivered).Shipments[0].TrackingNo

	wrong := b.lookup(t, "192.0.2.40", orderDelivered, digits)
	unknown := b.lookup(t, "192.0.2.41", "DEMO-9999", digits)
	mustStatus(t, wrong, http.StatusNotFound)
	mustStatus(t, unknown, http.StatusNotFound)
	if !bytes.Equal(wrong.Body.Bytes(), unknown.Body.Bytes()) {
		t.Errorf("page: wrong digits and unknown order differ:\n%s\n---\n%s", wrong.Body, unknown.Body)
	}
	mustContain(t, "error", mustDoc(t, wrong).Find(".error"), "未找到订单，请核对单号和手机号后四位。")
	if strings.Contains(wrong.Body.String(), orderDelivered) {
		t.Error("the failed page echoes the order number")
	}
	byTracking := b.serve(t, "192.0.2.42", "POST", "/b/demo/track", "application/x-www-form-urlencoded",
		url.Values{"by": {"tracking"}, "number": {tracking}, "phone_last4": {digits}}.Encode())
	mustStatus(t, byTracking, http.StatusNotFound)
	if !bytes.Equal(wrong.Body.Bytes(), byTracking.Body.Bytes()) {
		t.Error("page: wrong digits by tracking number differ from by order number")
	}

	wrongAPI := b.lookupAPI(t, "192.0.2.43", orderDelivered, digits)
	unknownAPI := b.lookupAPI(t, "192.0.2.44", "DEMO-9999", digits)
	body, _ := json.Marshal(trail.TrackQuery{OrderNo: orderDelivered, PhoneLast4: digits})
	otherBrand := b.serve(t, "192.0.2.45", "POST", "/api/v1/public/nobody/track", "application/json", string(body))
	for _, rec := range []*httptest.ResponseRecorder{wrongAPI, unknownAPI, otherBrand} {
		mustStatus(t, rec, http.StatusNotFound)
		if !bytes.Equal(rec.Body.Bytes(), wrongAPI.Body.Bytes()) {
			t.Errorf("API: answers differ:\n%s\n---\n%s", rec.Body, wrongAPI.Body)
		}
	}
}

// TestLimitShared: failed look-ups on the page and the API count against
// one limit per client and number (and one per client); the sixth attempt
// within the window is 429 with Retry-After on both, even with the right
// digits, for that client only.
func TestLimitShared(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const client = "198.51.100.7"
	for range 3 {
		mustStatus(t, b.lookup(t, client, orderDelivered, "0000"), http.StatusNotFound)
	}
	for range 2 {
		mustStatus(t, b.lookupAPI(t, client, orderDelivered, "0000"), http.StatusNotFound)
	}
	b.clock.Add(time.Minute)
	good := b.buyerDigits(t, orderDelivered)
	for _, rec := range []*httptest.ResponseRecorder{
		b.lookupAPI(t, client, orderDelivered, "0000"),
		b.lookup(t, client, orderDelivered, "0000"),
		b.lookup(t, client, orderDelivered, good), // correct, but the client is blocked on this number
	} {
		mustStatus(t, rec, http.StatusTooManyRequests)
		if got := rec.Header().Get("Retry-After"); got != "840" {
			t.Errorf("Retry-After: got %q, want 840 (15 minutes after the first failure)", got)
		}
	}
	doc := mustDoc(t, b.lookup(t, client, orderDelivered, good))
	mustContain(t, "error", doc.Find(".error"), "尝试次数过多，请 14 分钟后再试。")

	// Another client with the right digits is not blocked; the blocked one
	// is again once the window has passed.
	mustStatus(t, b.lookup(t, "198.51.100.8", orderDelivered, good), http.StatusOK)
	b.clock.Add(14 * time.Minute)
	mustStatus(t, b.lookupAPI(t, client, orderDelivered, good), http.StatusOK)

	// Per number, a ceiling: many clients fail on one order, and then even
	// the right digits from another client wait.
	for i := range trail.MaxFailedLookupsPerNumber {
		mustStatus(t, b.lookup(t, fmt.Sprintf("203.0.113.%d", i/trail.MaxFailedLookups), orderException, "0000"), http.StatusNotFound)
	}
	rec := b.lookupAPI(t, "203.0.113.99", orderException, b.buyerDigits(t, orderException))
	mustStatus(t, rec, http.StatusTooManyRequests)
	if rec.Header().Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
}

// TestClientAddress: by default a client is its connection's address and
// X-Forwarded-For is ignored; behind a proxy, the configured header's last
// entry counts, on the page and the API alike.
func TestClientAddress(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for i := range 5 {
		mustStatus(t, b.lookup(t, "198.51.100.20", "DEMO-0800", "0000", "X-Forwarded-For", fmt.Sprintf("10.0.0.%d", i)), http.StatusNotFound)
	}
	mustStatus(t, b.lookup(t, "198.51.100.20", "DEMO-0800", "0000", "X-Forwarded-For", "10.0.0.99"), http.StatusTooManyRequests)

	b = setupProxied(t, "X-Real-IP")
	for i := range 3 {
		mustStatus(t, b.lookup(t, fmt.Sprintf("10.0.0.%d", i), "DEMO-0800", "0000", "X-Real-IP", "198.51.100.21"), http.StatusNotFound)
	}
	for range 2 {
		body, _ := json.Marshal(trail.TrackQuery{OrderNo: "DEMO-0800", PhoneLast4: "0000"})
		mustStatus(t, b.serve(t, "10.0.0.9", "POST", "/api/v1/public/demo/track", "application/json", string(body), "X-Real-IP", "198.51.100.21"), http.StatusNotFound)
	}
	mustStatus(t, b.lookup(t, "10.0.0.1", "DEMO-0800", "0000", "X-Real-IP", "198.51.100.21"), http.StatusTooManyRequests)
	mustStatus(t, b.lookup(t, "10.0.0.1", "DEMO-0800", "0000", "X-Real-IP", "198.51.100.22"), http.StatusNotFound)
}

// TestNoPIIInLogs drives every path, including store failures that are
// logged, and finds no phone digits, names or streets in the logs.
func TestNoPIIInLogs(t *testing.T) {
	t.Parallel()
	b := setup(t)
	o := b.graph(t, orderGiftWithRecip).Order
	buyer, recipient := trail.Last4(o.Customer.Phone), trail.Last4(o.Recipient.Phone)
	mustStatus(t, b.lookup(t, "192.0.2.50", o.OrderNo, buyer), http.StatusOK)
	mustStatus(t, b.lookupAPI(t, "192.0.2.50", o.OrderNo, recipient), http.StatusOK)
	mustStatus(t, b.lookup(t, "192.0.2.51", o.OrderNo, b.wrongDigits(t, o.OrderNo)), http.StatusNotFound)
	path, _ := b.link(t, o.OrderNo, `{"kind":"buyer"}`)
	mustStatus(t, b.get(t, path), http.StatusOK)
	for range 6 {
		b.lookupAPI(t, "192.0.2.52", "DEMO-0999", buyer)
	}

	// A store that fails: the errors are logged, without the look-up.
	b.db.Close()
	mustStatus(t, b.lookup(t, "192.0.2.53", o.OrderNo, buyer), http.StatusInternalServerError)
	mustStatus(t, b.lookupAPI(t, "192.0.2.53", o.OrderNo, recipient), http.StatusInternalServerError)
	mustStatus(t, b.get(t, path), http.StatusInternalServerError)

	logs := b.logs.String()
	for _, want := range []string{"tracking page failed", "http request failed"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
	for _, secret := range []string{o.Customer.Phone, o.Recipient.Phone, buyer, recipient, o.Customer.Name, o.Recipient.Name,
		o.Address.Detail, "phone", strings.TrimPrefix(path, "/t/")} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q:\n%s", secret, logs)
		}
	}
}

func TestLinks(t *testing.T) {
	t.Parallel()
	b := setup(t)
	buyerPath, _ := b.link(t, orderDelivered, `{"kind":"buyer","expires_in_days":1}`)
	revokedPath, revokedID := b.link(t, orderDelivered, `{"kind":"buyer"}`)
	for _, p := range []string{buyerPath, revokedPath} {
		rec := b.get(t, p)
		mustStatus(t, rec, http.StatusOK)
		mustContain(t, "heading", mustDoc(t, rec).Find("h1"), orderDelivered)
	}
	if strings.Contains(buyerPath, orderDelivered) {
		t.Errorf("the link %s names the order", buyerPath)
	}
	rec := b.serve(t, "192.0.2.9", "DELETE", fmt.Sprintf("/api/v1/links/%d", revokedID), "", "", "Authorization", "Bearer "+b.apiKey)
	mustStatus(t, rec, http.StatusNoContent)
	b.clock.Add(25 * time.Hour)

	invalid := []string{buyerPath, revokedPath, "/t/bm90LmEudG9rZW4.AAAA", "/t/" + strings.Repeat("x", 300)}
	var first []byte
	for _, p := range invalid {
		rec := b.get(t, p)
		mustStatus(t, rec, http.StatusNotFound)
		doc := mustDoc(t, rec)
		mustContain(t, "message", doc.Find("main h1"), "链接无效或已过期")
		if first == nil {
			first = rec.Body.Bytes()
		}
		// The language switch links to the path itself.
		if body := strings.ReplaceAll(rec.Body.String(), p+"?lang", "?lang"); body != strings.ReplaceAll(string(first), invalid[0]+"?lang", "?lang") {
			t.Errorf("%s: the invalid-link pages differ", p)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	b := setup(t)
	path, _ := b.link(t, orderSplitWedding, `{"kind":"buyer"}`)
	pages := map[string]*httptest.ResponseRecorder{
		"form":         b.get(t, "/b/demo/track"),
		"result":       b.lookup(t, "192.0.2.60", orderSplitWedding, b.buyerDigits(t, orderSplitWedding)),
		"not found":    b.lookup(t, "192.0.2.60", orderSplitWedding, b.wrongDigits(t, orderSplitWedding)),
		"link":         b.get(t, path),
		"invalid link": b.get(t, "/t/nope"),
		"no brand":     b.get(t, "/b/nobody/track"),
	}
	const csp = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
	var css string
	for name, rec := range pages {
		h := rec.Header()
		for k, want := range map[string]string{
			"Content-Security-Policy": csp,
			"X-Content-Type-Options":  "nosniff",
			"X-Frame-Options":         "DENY",
			"Referrer-Policy":         "no-referrer",
			"Cache-Control":           "private, no-store",
		} {
			if got := h.Get(k); got != want {
				t.Errorf("%s: %s: got %q, want %q", name, k, got, want)
			}
		}
		doc := mustDoc(t, rec)
		if n := doc.Find("script, style, [style], iframe, img[src^=http], link[href^=http]").Length(); n != 0 {
			t.Errorf("%s: %d scripts, inline styles or external assets", name, n)
		}
		doc.Find("[href], [action]").Each(func(_ int, s *goquery.Selection) {
			for _, attr := range []string{"href", "action"} {
				if v, ok := s.Attr(attr); ok && strings.HasPrefix(v, "http") {
					t.Errorf("%s: external %s %q", name, attr, v)
				}
			}
		})
		href, _ := doc.Find(`link[rel=stylesheet]`).Attr("href")
		if css != "" && href != css {
			t.Errorf("%s: stylesheet %q, others %q", name, href, css)
		}
		css = href
	}
	rec := b.get(t, css)
	mustStatus(t, rec, http.StatusOK)
	if ct := rec.Header().Get("Content-Type"); ct != "text/css; charset=utf-8" {
		t.Errorf("stylesheet Content-Type: got %q", ct)
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Errorf("stylesheet Cache-Control: got %q", cc)
	}
	if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Error("stylesheet without nosniff")
	}
	if !strings.Contains(css, ".") || strings.Count(css, ".") < 2 {
		t.Errorf("stylesheet URL %q has no version", css)
	}
	// The digits of a successful look-up never appear in a URL of its
	// page: switching language posts them again.
	doc := mustDoc(t, pages["result"])
	digits := b.buyerDigits(t, orderSplitWedding)
	doc.Find("[href], [action]").Each(func(_ int, s *goquery.Selection) {
		for _, attr := range []string{"href", "action"} {
			if v, _ := s.Attr(attr); strings.Contains(v, digits) {
				t.Errorf("a URL holds the phone digits: %s", v)
			}
		}
	})
	if m, _ := doc.Find("form.lang").Attr("method"); m != "post" {
		t.Errorf("language switch of a result page: method %q, want post", m)
	}
}

func TestLanguage(t *testing.T) {
	t.Parallel()
	b := setup(t)
	path, _ := b.link(t, orderSplitWedding, `{"kind":"buyer"}`)
	tests := []struct {
		name   string
		rec    *httptest.ResponseRecorder
		lang   string
		phrase string
	}{
		{"default", b.get(t, path), "zh-CN", "生产进度"},
		{"?lang=en", b.get(t, path+"?lang=en"), "en", "Production"},
		{"Accept-Language en", b.get(t, path, "Accept-Language", "en-GB,en;q=0.9"), "en", "Production"},
		{"Accept-Language prefers zh", b.get(t, path, "Accept-Language", "zh-CN,zh;q=0.9,en;q=0.8"), "zh-CN", "生产进度"},
		{"?lang=zh beats Accept-Language", b.get(t, path+"?lang=zh", "Accept-Language", "en"), "zh-CN", "生产进度"},
		{"form ?lang=en", b.get(t, "/b/demo/track?lang=en"), "en", "Track your order"},
		{"posted lang=en", b.serve(t, "192.0.2.70", "POST", "/b/demo/track", "application/x-www-form-urlencoded",
			url.Values{"number": {orderSplitWedding}, "phone_last4": {b.buyerDigits(t, orderSplitWedding)}, "lang": {"en"}}.Encode()), "en", "Production"},
		{"posted not found in English", b.serve(t, "192.0.2.71", "POST", "/b/demo/track", "application/x-www-form-urlencoded",
			url.Values{"number": {"DEMO-9999"}, "phone_last4": {"0000"}, "lang": {"en"}}.Encode()), "en", "No order matches this number and phone digits."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := mustDoc(t, tt.rec)
			if got, _ := doc.Find("html").Attr("lang"); got != tt.lang {
				t.Errorf("lang: got %q, want %q", got, tt.lang)
			}
			mustContain(t, "page", doc.Find("main"), tt.phrase)
		})
	}
	doc := mustDoc(t, b.get(t, path+"?lang=en"))
	mustContain(t, "English page", doc.Find("main"), "Partly shipped", "Made-to-order products include handcrafted steps", "Filling is delayed: 原料到货晚 2 天",
		"SF Express", "Wedding", "until the occasion", "Dec")
	if strings.Contains(text(doc.Find("main")), "月") {
		t.Errorf("the English page shows a Chinese date: %s", text(doc.Find("time").First()))
	}
	if href, _ := doc.Find("a.lang").Attr("href"); href != path+"?lang=zh" {
		t.Errorf("switch to Chinese: got %q", href)
	}
	mustContain(t, "Chinese time", mustDoc(t, b.get(t, path)).Find("#p1 time").First(), "月", "日", ":")
}

// TestPageSize: the largest demo page with its stylesheet stays under 60 KB
// before compression.
func TestPageSize(t *testing.T) {
	t.Parallel()
	b := setup(t)
	css := b.get(t, "/b/demo/track")
	href, _ := mustDoc(t, css).Find(`link[rel=stylesheet]`).Attr("href")
	cssSize := b.get(t, href).Body.Len()
	largest, which := 0, ""
	for i := 1; i <= demoOrders; i++ {
		for _, lang := range []string{"zh", "en"} {
			orderNo := fmt.Sprintf("DEMO-%04d", i)
			path, _ := b.link(t, orderNo, `{"kind":"buyer"}`)
			rec := b.get(t, path+"?lang="+lang)
			mustStatus(t, rec, http.StatusOK)
			if rec.Body.Len() > largest {
				largest, which = rec.Body.Len(), orderNo+" "+lang
			}
		}
	}
	if total := largest + cssSize; total >= 60<<10 {
		t.Errorf("largest page %s: %d bytes + stylesheet %d = %d, want under 60 KB", which, largest, cssSize, total)
	}
	t.Logf("largest page %s: %d bytes + stylesheet %d bytes", which, largest, cssSize)
}

// TestGolden compares the page of the split wedding order with its golden
// file; run with -update to rewrite it.
func TestGolden(t *testing.T) {
	t.Parallel()
	b := setup(t)
	path, _ := b.link(t, orderSplitWedding, `{"kind":"buyer"}`)
	for _, lang := range []string{"zh", "en"} {
		rec := b.get(t, path+"?lang="+lang)
		mustStatus(t, rec, http.StatusOK)
		got := strings.ReplaceAll(rec.Body.String(), path, "/t/TOKEN")
		file := filepath.Join("testdata", "order."+lang+".golden.html")
		if *update {
			if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if got != string(want) {
			t.Errorf("%s differs from the rendered page (run go test -update and review the diff):\n%s", file, firstDiff(got, string(want)))
		}
	}
}

// firstDiff shows the first line where two texts differ.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\ngot  %s\nwant %s", i+1, gl, wl)
		}
	}
	return ""
}

// TestScanTextMasked: a carrier wrote a name, a phone number and the pickup
// code into a scan. Every consumer view and the brand API show the name
// and phone masked; the pickup code is shown only to the buyer (their own
// link, or a look-up by order number with their digits), never on a gift
// link, to the recipient's digits or to a look-up by tracking number; the
// logs hold none of it.
func TestScanTextMasked(t *testing.T) {
	t.Parallel()
	b := setup(t)
	g := b.graph(t, orderGiftWithRecip)
	o, s := g.Order, g.Shipments[0]
	scan := "快件已放入丰巢智能柜，收件人：司马相如，派件员电话 137-0013-9999，请凭取件码 6-2-0815 取件"
	secrets := []string{"司马相如", "137-0013-9999", "13700139999"}
	first := s.Events[len(s.Events)-1].Time.Add(-time.Minute) // before the first scan: the status stays
	if _, err := b.db.Ingest(context.Background(), b.brand.ID, s.Carrier, s.TrackingNo, []trail.CarrierEvent{
		{Time: first, Status: trail.StatusPickedUp, Description: scan, Source: trail.SourcePush}}); err != nil {
		t.Fatal(err)
	}
	buyer, recipient := trail.Last4(o.Customer.Phone), trail.Last4(o.Recipient.Phone)
	buyerPath, _ := b.link(t, o.OrderNo, `{"kind":"buyer"}`)
	giftPath, _ := b.link(t, o.OrderNo, `{"kind":"gift"}`)
	byTracking := func(digits string) *httptest.ResponseRecorder {
		form := url.Values{"by": {"tracking"}, "number": {s.TrackingNo}, "phone_last4": {digits}}
		return b.serve(t, "192.0.2.60", "POST", "/b/demo/track", "application/x-www-form-urlencoded", form.Encode())
	}
	byTrackingAPI := func(digits string) *httptest.ResponseRecorder {
		body, _ := json.Marshal(trail.TrackQuery{TrackingNo: s.TrackingNo, PhoneLast4: digits})
		return b.serve(t, "192.0.2.60", "POST", "/api/v1/public/demo/track", "application/json", string(body))
	}
	views := []struct {
		name     string
		rec      *httptest.ResponseRecorder
		withCode bool
	}{
		{"buyer link", b.get(t, buyerPath), true},
		{"look-up by order number, buyer's digits", b.lookup(t, "192.0.2.60", o.OrderNo, buyer), true},
		{"public JSON by order number, buyer's digits", b.lookupAPI(t, "192.0.2.60", o.OrderNo, buyer), true},
		{"gift link", b.get(t, giftPath), false},
		{"look-up, recipient's digits", b.lookup(t, "192.0.2.60", o.OrderNo, recipient), false},
		{"public JSON, recipient's digits", b.lookupAPI(t, "192.0.2.60", o.OrderNo, recipient), false},
		{"look-up by tracking number, buyer's digits", byTracking(buyer), false},
		{"public JSON by tracking number, buyer's digits", byTrackingAPI(buyer), false},
		{"brand API order graph", b.serve(t, "192.0.2.9", "GET", "/api/v1/orders/"+o.OrderNo, "", "", "Authorization", "Bearer "+b.apiKey), false},
	}
	for _, v := range views {
		mustStatus(t, v.rec, http.StatusOK)
		body := v.rec.Body.String()
		for _, secret := range secrets {
			if strings.Contains(body, secret) {
				t.Errorf("%s shows %q", v.name, secret)
			}
		}
		if !strings.Contains(body, "收件人：司***") || !strings.Contains(body, "137****9999") {
			t.Errorf("%s lacks the masked scan", v.name)
		}
		if got := strings.Contains(body, "6-2-0815"); got != v.withCode {
			t.Errorf("%s: shows the pickup code %v, want %v", v.name, got, v.withCode)
		}
		if !v.withCode && !strings.Contains(body, "取件码 *-*-****") {
			t.Errorf("%s lacks the masked pickup code", v.name)
		}
	}
	logs := b.logs.String()
	for _, secret := range append(secrets, "6-2-0815") {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q", secret)
		}
	}
}

// TestLongTimeline: a parcel with many scans shows its newest
// trail.TimelineShown and a way to all of them, by link and, for a look-up,
// by posting the look-up again; the page stays small.
func TestLongTimeline(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const orderNo, n = "DEMO-0001", 300
	g := b.graph(t, orderNo)
	if len(g.Shipments) == 0 {
		t.Fatalf("%s has no parcel", orderNo)
	}
	s := g.Shipments[0]
	events := make([]trail.CarrierEvent, n)
	for i := range events {
		events[i] = trail.CarrierEvent{Time: testNow.Add(-time.Duration(n-i) * time.Minute), Status: trail.StatusInTransit,
			Description: fmt.Sprintf("【杭州转运中心】第 %d 次扫描，快件在途中，请耐心等待", i), Source: trail.SourcePoll}
	}
	if _, err := b.db.Ingest(context.Background(), b.brand.ID, s.Carrier, s.TrackingNo, events); err != nil {
		t.Fatal(err)
	}
	total := len(b.graph(t, orderNo).Shipments[0].Events)
	parcel := func(doc *goquery.Document) *goquery.Selection { return doc.Find("article.parcel#p1") }
	more := fmt.Sprintf("查看全部 %d 条", total)

	path, _ := b.link(t, orderNo, `{"kind":"buyer"}`)
	rec := b.get(t, path)
	mustStatus(t, rec, http.StatusOK)
	doc := mustDoc(t, rec)
	if got := parcel(doc).Find("ol.timeline li").Length(); got != trail.TimelineShown {
		t.Errorf("link page: got %d events, want the newest %d", got, trail.TimelineShown)
	}
	if got := text(parcel(doc).Find("ol.timeline li").First()); !strings.Contains(got, fmt.Sprintf("第 %d 次扫描", n-1)) {
		t.Errorf("first event shown: got %q, want the newest", got)
	}
	a := parcel(doc).Find("p.more a")
	if href, _ := a.Attr("href"); text(a) != more || href != path+"?events=all#p1" {
		t.Fatalf("show-all link: got %q → %q, want %q → %s?events=all#p1", text(a), href, more, path)
	}
	if rec.Body.Len() > 40<<10 {
		t.Errorf("link page with %d events: %d bytes, want under 40 KB", total, rec.Body.Len())
	}
	all := mustDoc(t, b.get(t, path+"?events=all"))
	if got := parcel(all).Find("ol.timeline li").Length(); got != total {
		t.Errorf("all events by link: got %d, want %d", got, total)
	}
	if parcel(all).Find(".more").Length() != 0 {
		t.Error("the show-all link remains when all events are shown")
	}

	doc = mustDoc(t, b.lookup(t, "192.0.2.30", orderNo, b.buyerDigits(t, orderNo)))
	form := parcel(doc).Find("form.more")
	if got := parcel(doc).Find("ol.timeline li").Length(); got != trail.TimelineShown || text(form.Find("button")) != more {
		t.Fatalf("look-up page: got %d events and button %q, want %d and %q", got, text(form.Find("button")), trail.TimelineShown, more)
	}
	values := url.Values{}
	form.Find("input[type=hidden]").Each(func(_ int, in *goquery.Selection) {
		name, _ := in.Attr("name")
		value, _ := in.Attr("value")
		values.Set(name, value)
	})
	if values.Get("events") != "all" || values.Get("phone_last4") == "" || values.Get("lang") != "zh" {
		t.Fatalf("show-all form: got %v, want the look-up again with events=all in this language", values)
	}
	rec = b.serve(t, "192.0.2.30", "POST", "/b/demo/track", "application/x-www-form-urlencoded", values.Encode())
	mustStatus(t, rec, http.StatusOK)
	if got := parcel(mustDoc(t, rec)).Find("ol.timeline li").Length(); got != total {
		t.Errorf("all events by look-up: got %d, want %d", got, total)
	}
}
