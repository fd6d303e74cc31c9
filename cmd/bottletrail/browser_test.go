package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/bottletrail/bottletrail/internal/demo"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// Viewports the tracking pages are looked at in: a phone, as in WeChat's
// browser, and a desktop window.
const (
	phoneWidth, phoneHeight     = 390, 844
	desktopWidth, desktopHeight = 1280, 800
)

// screenshotDir is the folder the browser test saves its screenshots in:
// $BOTTLETRAIL_SCREENSHOTS, or bottletrail-screenshots in the temporary
// directory.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("BOTTLETRAIL_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "bottletrail-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// chromiumPath returns Debian's Chromium, or skips the test loudly when it
// is missing (fails under BOTTLETRAIL_REQUIRE_BROWSER, as in CI).
func chromiumPath(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	msg := "no Chromium at /usr/bin/chromium or on PATH (apt-get install chromium fonts-noto-cjk)"
	if os.Getenv("BOTTLETRAIL_REQUIRE_BROWSER") != "" {
		t.Fatal(msg)
	}
	t.Skip("SKIPPING BROWSER TESTS: " + msg)
	return ""
}

// pageFacts is what a person sees of a rendered page, read from the DOM.
type pageFacts struct {
	Lang        string   `json:"lang"`
	Title       string   `json:"title"`
	Text        string   `json:"text"` // document.body.innerText: rendered text only
	HTML        string   `json:"html"` // the whole document, to prove what is absent
	H1          string   `json:"h1"`
	Status      string   `json:"status"`   // the order's status badge
	Occasion    string   `json:"occasion"` // the countdown
	Error       string   `json:"error"`    // the form's error message
	Delivery    string   `json:"delivery"` // the delivery details: recipient, address, buyer
	ScrollWidth int      `json:"scrollWidth"`
	InnerWidth  int      `json:"innerWidth"`
	Codes       []box    `json:"codes"`    // the copyable tracking numbers
	Overflow    []string `json:"overflow"` // elements reaching past the sides of the intended width
}

// box is an element's text and horizontal extent.
type box struct {
	Text   string  `json:"text"`
	Left   float64 `json:"left"`
	Right  float64 `json:"right"`
	Height float64 `json:"height"`
}

// readPage reads pageFacts; it is called with the width the page is meant
// to fit.
const readPage = `((width) => {
	const q = s => document.querySelector(s);
	const txt = s => { const e = q(s); return e ? e.innerText.trim() : ""; };
	const boxOf = e => { const r = e.getBoundingClientRect(); return {text: e.innerText.trim(), left: r.left, right: r.right, height: r.height}; };
	const name = e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (typeof e.className === "string" && e.className ? "." + e.className.trim().split(/\s+/).join(".") : "");
	return {
		lang: document.documentElement.lang,
		title: document.title,
		text: document.body.innerText,
		html: document.documentElement.outerHTML,
		h1: txt("h1"),
		status: txt(".summary > .status"),
		occasion: txt(".occasion"),
		error: txt(".error"),
		delivery: txt(".kv"),
		scrollWidth: document.documentElement.scrollWidth,
		innerWidth: window.innerWidth,
		codes: [...document.querySelectorAll("code.copy")].map(boxOf),
		overflow: [...document.querySelectorAll("body *")].filter(e => {
			const r = e.getBoundingClientRect();
			return r.width > 0 && (r.right > width + 0.5 || r.left < -0.5);
		}).slice(0, 12).map(e => { const r = e.getBoundingClientRect(); return name(e) + " [" + Math.round(r.left) + "," + Math.round(r.right) + "]"; }),
	};
})(%d)`

// viewport is one way of looking at a page.
type viewport struct {
	name  string
	width int
	set   chromedp.Action[chromedp.Void]
}

// demoBackend opens a SQLite store in a temporary directory with the demo
// brand and 15 demo orders, as the browser tests' server uses it. The
// server's warnings are logged if the test fails; the store closes when it
// ends.
func demoBackend(t *testing.T, ctx context.Context) (*Main, *backend, *trail.Brand, []demo.Showcase, *slog.Logger) {
	t.Helper()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	t.Cleanup(func() {
		if t.Failed() && logs.Len() > 0 {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	m := &Main{Stdout: &logs, Stderr: &logs, Getenv: func(string) string { return "" }}
	dir := t.TempDir()
	b, err := m.open(ctx, storeFlags{dsn: "sqlite:" + filepath.Join(dir, "bt.db"), keyFile: filepath.Join(dir, "secret.key")}, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	brand := &trail.Brand{Slug: "demo", Name: "瓶迹演示酒坊"}
	if _, err := b.CreateBrand(ctx, brand); err != nil {
		t.Fatal(err)
	}
	show, err := demo.Seed(ctx, b, brand.ID, time.Now(), 15, demo.ClockOf(&b.sql.Now))
	if err != nil {
		t.Fatal(err)
	}
	return m, b, brand, show, logger
}

// TestBrowserTrackingPages opens the demo's tracking links in headless
// Chromium at phone and desktop width, checks what a person looks for on
// each page, saves full-page screenshots, and drives the look-up form.
func TestBrowserTrackingPages(t *testing.T) {
	chrome := chromiumPath(t)
	if out, err := exec.Command("fc-list", ":lang=zh").Output(); err != nil || len(bytes.TrimSpace(out)) == 0 {
		t.Log("WARNING: no Chinese font (fc-list :lang=zh is empty): screenshots will show boxes; apt-get install fonts-noto-cjk")
	}
	began := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	// The server, wired as `bottletrail serve` wires it, on the demo data.
	m, b, brand, show, logger := demoBackend(t, ctx)
	if len(show) < 3 {
		t.Fatalf("demo.Seed showcases %d orders, want at least 3", len(show))
	}
	wedding, delivered, exception := show[0], show[1], show[2]

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	a, err := newApp(ctx, b, base, logger, appOptions{})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stopServer := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- m.run(runCtx, ln, a, logger, nil) }()
	defer func() {
		stopServer()
		if err := <-served; err != nil {
			t.Errorf("server: %v", err)
		}
	}()

	link := func(orderNo string, kind trail.LinkKind) string {
		t.Helper()
		l, err := b.CreateLink(ctx, brand.ID, orderNo, kind, trail.DefaultLinkTTL)
		if err != nil {
			t.Fatal(err)
		}
		return base + "/t/" + trail.LinkToken(b.sealer, l)
	}
	graph := func(orderNo string) *trail.OrderGraph {
		t.Helper()
		g, err := b.OrderGraph(ctx, brand.ID, orderNo)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}

	// The browser: Debian's Chromium, headless, quiet on this closed
	// network, in a fresh profile (chromedp makes and removes it), asking
	// for Chinese.
	allocCtx, stopAlloc := chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("accept-lang", "zh-CN,zh"),
	)...)
	defer stopAlloc()
	browserCtx, closeBrowser := chromedp.NewContext(allocCtx)
	defer closeBrowser()
	if err := chromedp.Do(browserCtx); err != nil { // starts the browser
		t.Fatalf("start %s: %v", chrome, err)
	}

	shots := screenshotDir(t)
	t.Logf("screenshots: %s", shots)
	phone := viewport{"phone", phoneWidth, chromedp.EmulateViewport(phoneWidth, phoneHeight,
		chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)}
	desktop := viewport{"desktop", desktopWidth, chromedp.EmulateViewport(desktopWidth, desktopHeight)}

	// open loads url in a new tab at the viewport, reads the page, saves its
	// screenshot as name-viewport.png and checks what every page must get
	// right; it returns the tab to go on with.
	open := func(t *testing.T, vp viewport, name, url string, wantStatus int64) (context.Context, pageFacts) {
		t.Helper()
		tab, closeTab := chromedp.NewContext(browserCtx)
		t.Cleanup(closeTab)
		if err := chromedp.Do(tab, vp.set); err != nil {
			t.Fatal(err)
		}
		resp, err := chromedp.Run(tab, chromedp.NavigateResponse(url))
		if err != nil {
			t.Fatalf("open %s: %v", name, err)
		}
		if resp.Status != wantStatus {
			t.Errorf("%s: HTTP %d, want %d", name, resp.Status, wantStatus)
		}
		return tab, look(t, tab, vp, name)
	}

	checkPrivate := func(t *testing.T, f pageFacts, o *trail.Order) {
		t.Helper()
		for _, c := range []*trail.Contact{&o.Customer, o.Recipient} {
			if c == nil {
				continue
			}
			if strings.Contains(f.HTML, c.Phone) {
				t.Errorf("the page shows the full phone %s", c.Phone)
			}
		}
		if strings.Contains(f.HTML, o.Address.Detail) {
			t.Errorf("the page shows the street %q", o.Address.Detail)
		}
		masked := trail.MaskPhone(o.RecipientContact().Phone)
		if !strings.Contains(f.Text, masked) {
			t.Errorf("the masked phone %s is not on the page", masked)
		}
	}
	checkParcels := func(t *testing.T, f pageFacts, g *trail.OrderGraph) {
		t.Helper()
		for _, s := range g.Shipments {
			found := false
			for _, c := range f.Codes {
				if c.Text != s.TrackingNo {
					continue
				}
				found = true
				if c.Height == 0 || c.Left < 0 || c.Right > float64(f.InnerWidth)+0.5 {
					t.Errorf("tracking number %s is not fully in view: %+v in a %d px viewport", s.TrackingNo, c, f.InnerWidth)
				}
			}
			if !found {
				t.Errorf("tracking number %s is not shown; copyable numbers: %+v", s.TrackingNo, f.Codes)
			}
		}
	}

	weddingGraph, deliveredGraph, exceptionGraph := graph(wedding.OrderNo), graph(delivered.OrderNo), graph(exception.OrderNo)
	pages := []struct {
		name  string
		url   string
		g     *trail.OrderGraph
		check func(t *testing.T, f pageFacts)
	}{
		{"wedding", link(wedding.OrderNo, trail.LinkBuyer), weddingGraph, func(t *testing.T, f pageFacts) {
			mustSee(t, "status", f.Status, "部分发货")
			mustSee(t, "page", f.Text, "灌装环节延迟：原料到货晚 2 天", "您的订单包含 2 个生产批次", "定制产品包含手工环节", "¥")
			mustSee(t, "countdown", f.Occasion, "距婚礼还有")
			if !strings.Contains(f.Occasion, "婚礼前送达") && !strings.Contains(f.Occasion, "晚于婚礼送达") {
				t.Errorf("the countdown does not say whether the order arrives in time: %q", f.Occasion)
			}
		}},
		{"gift", link(wedding.OrderNo, trail.LinkGift), weddingGraph, func(t *testing.T, f pageFacts) {
			mustSee(t, "status", f.Status, "部分发货")
			mustSee(t, "page", f.Text, "这是一份礼物", "灌装环节延迟：原料到货晚 2 天", "您的订单包含 2 个生产批次")
			mustSee(t, "countdown", f.Occasion, "距婚礼还有")
			if strings.Contains(f.HTML, "¥") || strings.Contains(f.HTML, `class="price"`) {
				t.Error("the gift page shows prices")
			}
			mustSee(t, "delivery details", f.Delivery, "收件人")
			if strings.Contains(f.Delivery, "订购人") {
				t.Errorf("the gift page shows the buyer: %q", f.Delivery)
			}
		}},
		{"delivered", link(delivered.OrderNo, trail.LinkBuyer), deliveredGraph, func(t *testing.T, f pageFacts) {
			mustSee(t, "status", f.Status, "已签收")
			mustSee(t, "page", f.Text, "签收于")
			mustSee(t, "countdown", f.Occasion, "生日", "订单已全部送达")
		}},
		{"exception", link(exception.OrderNo, trail.LinkBuyer), exceptionGraph, func(t *testing.T, f pageFacts) {
			mustSee(t, "status", f.Status, "运输异常")
			mustSee(t, "page", f.Text, "异常 · 外包装破损", "破碎")
		}},
	}
	for _, p := range pages {
		for _, vp := range []viewport{phone, desktop} {
			t.Run(p.name+"/"+vp.name, func(t *testing.T) {
				_, f := open(t, vp, p.name, p.url, 200)
				mustSee(t, "heading", f.H1, p.g.Order.OrderNo)
				mustSee(t, "header", f.Text, brand.Name)
				checkParcels(t, f, p.g)
				checkPrivate(t, f, p.g.Order)
				p.check(t, f)
			})
		}
	}

	// The look-up form at phone width: wrong digits, then the right ones.
	t.Run("lookup/phone", func(t *testing.T) {
		o := weddingGraph.Order
		right := trail.Last4(o.Customer.Phone)
		wrong, n := right, 0
		for wrong == right || (o.Recipient != nil && wrong == trail.Last4(o.Recipient.Phone)) {
			n++
			wrong = fmt.Sprintf("%04d", (n*1111+int(right[0]-'0'))%10000)
		}
		tab, f := open(t, phone, "lookup-form", base+"/b/"+brand.Slug+"/track", 200)
		mustSee(t, "form", f.Text, "查询订单", "订单号", "手机号后四位")

		submit := func(name, number, digits string, want int64) pageFacts {
			t.Helper()
			var steps []chromedp.Action[chromedp.Void]
			if number != "" {
				steps = append(steps, chromedp.Clear(`#number`), chromedp.SendKeys(`#number`, number))
			}
			steps = append(steps, chromedp.Clear(`#last4`), chromedp.SendKeys(`#last4`, digits))
			if err := chromedp.Do(tab, steps...); err != nil {
				t.Fatalf("%s: fill in the form: %v", name, err)
			}
			resp, err := chromedp.RunResponse(tab, chromedp.Click(`form.lookup button[type=submit]`))
			if err != nil {
				t.Fatalf("%s: submit: %v", name, err)
			}
			if resp.Status != want {
				t.Errorf("%s: HTTP %d, want %d", name, resp.Status, want)
			}
			return look(t, tab, phone, name)
		}

		f = submit("lookup-notfound", o.OrderNo, wrong, 404)
		mustSee(t, "error", f.Error, "未找到订单，请核对单号和手机号后四位。")
		if f.H1 == o.OrderNo || strings.Contains(f.Text, o.OrderNo) {
			t.Error("a wrong answer echoes the order number")
		}

		f = submit("lookup-result", o.OrderNo, right, 200)
		mustSee(t, "heading", f.H1, o.OrderNo)
		mustSee(t, "status", f.Status, "部分发货")
		mustSee(t, "page", f.Text, "灌装环节延迟：原料到货晚 2 天", "您的订单包含 2 个生产批次")
		checkParcels(t, f, weddingGraph)
		checkPrivate(t, f, o)
	})
	t.Logf("browser test took %s", time.Since(began).Round(time.Millisecond))
}

// look reads the page in tab, saves its full-page screenshot as
// name-viewport.png, and checks what every page must get right: Chinese,
// and at phone width no sideways scrolling.
func look(t *testing.T, tab context.Context, vp viewport, name string) pageFacts {
	t.Helper()
	if err := chromedp.Do(tab, chromedp.WaitVisible(chromedp.CSS(`main`))); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	f, err := chromedp.Run(tab, chromedp.Evaluate[pageFacts](fmt.Sprintf(readPage, vp.width)))
	if err != nil {
		t.Fatalf("%s: read the page: %v", name, err)
	}
	png, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("%s: screenshot: %v", name, err)
	}
	file := filepath.Join(screenshotDir(t), name+"-"+vp.name+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %s (laid out %d px wide, scrollWidth %d)", name, file, f.InnerWidth, f.ScrollWidth)

	if f.Lang != "zh-CN" {
		t.Errorf("%s: page language %q, want zh-CN (is Accept-Language zh-CN?)", name, f.Lang)
	}
	if f.InnerWidth != vp.width {
		t.Errorf("%s: the page is laid out %d px wide at %d px (content too wide makes a mobile browser zoom out); past the edge: %v", name, f.InnerWidth, vp.width, f.Overflow)
	}
	if f.ScrollWidth > vp.width {
		t.Errorf("%s: scrolls sideways at %d px: scrollWidth %d; past the edge: %v", name, vp.width, f.ScrollWidth, f.Overflow)
	}
	return f
}

// mustSee reports each of wants missing from got, the text of what.
func mustSee(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s: %q not in %q", what, w, abbreviate(got, 400))
		}
	}
}

func abbreviate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
