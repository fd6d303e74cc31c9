package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/bottletrail/bottletrail/internal/console"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// The viewports the console is used in: a laptop and a tablet held
// upright.
const (
	laptopWidth, laptopHeight = 1366, 900
	tabletWidth, tabletHeight = 820, 1180
)

// consoleStep is what a step of the console test reads of its page.
type consoleStep struct {
	Path  string `json:"path"`
	Text  string `json:"text"` // document.body.innerText
	Info  string `json:"info"` // the notices
	Error string `json:"error"`
}

const readConsole = `({
	path: location.pathname + location.search,
	text: document.body.innerText,
	info: [...document.querySelectorAll(".info")].map(e => e.innerText).join(" | "),
	error: [...document.querySelectorAll(".error:not([hidden])")].map(e => e.innerText).join(" | "),
})`

// TestBrowserConsole drives the operator console in headless Chromium, as
// a customer-service agent at a laptop and at a tablet: sign in, find an
// order by the buyer's phone, open a split order, acknowledge an alert in
// the inbox and watch a new one appear without a reload, reveal a phone
// with a reason and find the reveal in the audit log. Every step is saved
// as a screenshot, and no page may scroll sideways or log an error (such
// as a script the Content-Security-Policy refused).
func TestBrowserConsole(t *testing.T) {
	chrome := chromiumPath(t)
	began := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 180*time.Second)
	defer cancel()

	// The server, wired as `bottletrail serve` wires it, on the demo data.
	m, b, brand, show, logger := demoBackend(t, ctx)
	for {
		n, err := b.EvaluateDue(ctx, time.Now(), 100)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	// The split order: one order, several parcels.
	var split *trail.OrderGraph
	for _, s := range show {
		g, err := b.OrderGraph(ctx, brand.ID, s.OrderNo)
		if err != nil {
			t.Fatal(err)
		}
		if len(g.Shipments) >= 2 && split == nil {
			split = g
		}
	}
	if split == nil {
		t.Fatal("the demo has no order split into several parcels")
	}
	// An admin per viewport, made through the store as `bottletrail user
	// create` makes one: a reveal lasts, so each run reveals afresh.
	const password = "correct horse battery"
	user := func(email string) {
		t.Helper()
		hash, err := console.HashPasswordWith(password, console.PasswordParams{Memory: 64, Time: 1, Threads: 1})
		if err != nil {
			t.Fatal(err)
		}
		u := &trail.User{Email: email, Name: "客服小梅"}
		u.Normalize()
		if err := b.sql.CreateUser(ctx, u, hash); err != nil {
			t.Fatal(err)
		}
		if _, err := b.sql.PutMembership(ctx, u.ID, brand.ID, trail.RoleAdmin); err != nil {
			t.Fatal(err)
		}
	}

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
	if err := chromedp.Do(browserCtx); err != nil {
		t.Fatalf("start %s: %v", chrome, err)
	}
	t.Logf("screenshots: %s", screenshotDir(t))

	laptop := viewport{"laptop", laptopWidth, chromedp.EmulateViewport(laptopWidth, laptopHeight)}
	tablet := viewport{"tablet", tabletWidth, chromedp.EmulateViewport(tabletWidth, tabletHeight,
		chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)}

	for _, vp := range []viewport{laptop, tablet} {
		t.Run(vp.name, func(t *testing.T) {
			email := "kefu-" + vp.name + "@demo.example"
			user(email)
			// A browser context of its own: its own cookies.
			tab, closeTab := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
			defer closeTab()
			if err := chromedp.Do(tab, vp.set); err != nil {
				t.Fatal(err)
			}
			var (
				mu       sync.Mutex
				messages []chromedp.ConsoleMessage
			)
			consoleCtx, stopConsole := context.WithCancel(tab)
			defer stopConsole()
			msgs := chromedp.Console(consoleCtx)
			go func() {
				for msg, err := range msgs {
					if err != nil {
						return
					}
					mu.Lock()
					messages = append(messages, msg)
					mu.Unlock()
				}
			}()
			defer func() {
				mu.Lock()
				defer mu.Unlock()
				for _, msg := range messages {
					if msg.Type == chromedp.ConsoleError || msg.Type == chromedp.ConsoleException || strings.Contains(msg.Text, "Content Security Policy") {
						t.Errorf("browser console: %s %s (%s)", msg.Type, msg.Text, msg.URL)
					}
				}
			}()

			open := func(name, url string) consoleStep {
				t.Helper()
				resp, err := chromedp.Run(tab, chromedp.NavigateResponse(url))
				if err != nil {
					t.Fatalf("%s: open %s: %v", name, url, err)
				}
				if resp.Status != 200 {
					t.Errorf("%s: HTTP %d", name, resp.Status)
				}
				return step(t, tab, vp, name)
			}
			submit := func(name, button string, fill ...chromedp.Action[chromedp.Void]) consoleStep {
				t.Helper()
				if err := chromedp.Do(tab, fill...); err != nil {
					t.Fatalf("%s: fill in: %v", name, err)
				}
				resp, err := chromedp.RunResponse(tab, chromedp.Click(chromedp.CSS(button)))
				if err != nil {
					t.Fatalf("%s: submit: %v", name, err)
				}
				if resp.Status != 200 {
					t.Errorf("%s: HTTP %d", name, resp.Status)
				}
				return step(t, tab, vp, name)
			}

			// 1. Sign in.
			f := open("console-1-login", base+"/console/login")
			mustSee(t, "sign-in page", f.Text, "登录", "邮箱", "密码")
			f = submit("console-2-orders", `form[action="/console/login"] button[type=submit]`,
				chromedp.SendKeys(chromedp.CSS(`#email`), email), chromedp.SendKeys(chromedp.CSS(`#password`), password))
			if !strings.HasPrefix(f.Path, "/console/orders") {
				t.Fatalf("after sign-in: at %s: %s", f.Path, f.Error)
			}
			mustSee(t, "orders page", f.Text, "订单查询", brand.Name, "客服小梅", "预警")

			// 2. Search by the buyer's phone, as the customer reads it out.
			phone := split.Order.Customer.Phone
			f = submit("console-3-search", `form.search button[type=submit]`,
				chromedp.SendKeys(chromedp.CSS(`#q`), phone[:3]+" "+phone[3:7]+" "+phone[7:]))
			mustSee(t, "search results", f.Text, split.Order.OrderNo, trail.MaskPhone(phone))
			if strings.Contains(f.Text, phone) {
				t.Error("the search results show the phone in clear")
			}

			// 3. Open the split order: every parcel with its timeline and
			// estimate, the alerts, the history of estimates, the
			// notifications' place.
			clickCtx, cancelClick := context.WithTimeout(tab, 20*time.Second)
			resp, err := chromedp.RunResponse(clickCtx, chromedp.Click(chromedp.CSS(`a.order-link[href="/console/orders/`+split.Order.OrderNo+`"]`)))
			cancelClick()
			if err != nil || resp.Status != 200 {
				loc, _ := chromedp.Run(tab, chromedp.Location())
				t.Fatalf("open the order: %v (at %s)", err, loc)
			}
			f = step(t, tab, vp, "console-4-order")
			mustSee(t, "order page", f.Text, "订单 "+split.Order.OrderNo, "包裹与物流", "待处理预警", "预计送达记录", "通知记录", "备注与操作记录")
			for i, s := range split.Shipments {
				mustSee(t, "parcels", f.Text, fmt.Sprintf("包裹 %d", i+1), s.TrackingNo)
			}

			// 4. The inbox: acknowledge the most urgent alert nobody has.
			f = open("console-5-inbox", base+"/console/alerts")
			mustSee(t, "inbox", f.Text, "预警处理", "全部", "按紧急程度排列")
			id, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.querySelector('#inbox-list li.al form[action$="/ack"]').closest("li").dataset.id`))
			if err != nil {
				t.Fatalf("find an alert to acknowledge: %v", err)
			}
			f = submit("console-6-inbox-acknowledged", `#a`+id+` form[action$="/ack"] button`)
			mustSee(t, "notice", f.Info, "已确认 1 条预警")
			alertID, _ := strconv.ParseInt(id, 10, 64)
			as, err := b.Alerts(ctx, brand.ID, trail.AlertFilter{Status: trail.AlertAcknowledged, Limit: trail.MaxAlertPage})
			if err != nil {
				t.Fatal(err)
			}
			acked := false
			for _, a := range as {
				acked = acked || (a.ID == alertID && a.AcknowledgedBy == email)
			}
			if !acked {
				t.Errorf("alert %d is not acknowledged by %s", alertID, email)
			}
			if vp.name == laptop.name {
				newAlertAppears(t, ctx, b, brand, tab, vp)
			}

			// 5. Reveal the buyer's phone with a reason.
			open("console-8-order-masked", base+"/console/orders/"+split.Order.OrderNo)
			f = submit("console-9-revealed", `form.reveal button[type=submit]`, chromedp.SetValue(chromedp.CSS(`#reason`), "核对收件人电话（"+vp.name+"）"))
			mustSee(t, "revealed", f.Text, phone, "已显示完整信息")

			// 6. The reveal is in the audit log: who, what, when, why.
			f = open("console-10-audit", base+"/console/audit")
			mustSee(t, "audit log", f.Text, "操作日志", email, "查看完整个人信息", "核对收件人电话（"+vp.name+"）", "订单 "+split.Order.OrderNo, "确认预警")

			// 7. An admin sets the service contact consumers are shown.
			f = open("console-11-service-contact", base+"/console/settings/service")
			mustSee(t, "service contact", f.Text, "客服联系方式", "客服电话", "客服微信号", "服务时间")
			f = submit("console-12-service-contact-saved", `form[action="/console/settings/service"] button[type=submit]`,
				chromedp.SetValue(chromedp.CSS(`#service-phone`), "400-820-1234"), chromedp.SetValue(chromedp.CSS(`#service-wechat`), "meizi_kefu"),
				chromedp.SetValue(chromedp.CSS(`#service-hours`), "每天 9:00–21:00"))
			mustSee(t, "service contact saved", f.Info, "客服联系方式已保存")
			if got, err := b.BrandBySlug(ctx, brand.Slug); err != nil || got.Service.Phone != "400-820-1234" || got.Service.WeChat != "meizi_kefu" {
				t.Errorf("service contact after saving: %+v, %v", got, err)
			}
		})
	}
	t.Logf("console browser test took %s", time.Since(began).Round(time.Millisecond))
}

// newAlertAppears makes a new, urgent alert while the inbox is open and
// waits for the page to show it without a reload: an order whose
// promised day has passed and whose occasion is tomorrow.
func newAlertAppears(t *testing.T, ctx context.Context, b *backend, brand *trail.Brand, tab context.Context, vp viewport) {
	t.Helper()
	total := func() string {
		n, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.querySelector('#inbox-chips a.chip[data-type=""] .n').textContent`))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	// A mark that a reload would wipe out.
	if _, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.body.dataset.loaded = "1"`)); err != nil {
		t.Fatal(err)
	}
	before := total()
	now := time.Now().In(trail.ChinaTime)
	late := trail.Date(now.AddDate(0, 0, -1).Format(time.DateOnly))
	o := &trail.Order{OrderNo: "RUSH-0001", Customer: trail.Contact{Name: "赵敏", Phone: "13700001111"},
		Address:            trail.Address{Province: "浙江", City: "杭州市", District: "西湖区", Detail: "文三路1号"},
		Occasion:           &trail.Occasion{Kind: "wedding", Date: trail.Date(now.AddDate(0, 0, 1).Format(time.DateOnly))},
		PromisedDeliveryBy: &late,
		Items:              []trail.Item{{SKU: "RICE-500", Quantity: 2}}}
	o.Normalize()
	if _, err := b.CreateOrder(ctx, brand.ID, o); err != nil {
		t.Fatal(err)
	}
	// The server's evaluator opens the alert within a second or two; the
	// page asks for the list every 15 seconds.
	var id int64
	for deadline := time.Now().Add(10 * time.Second); id == 0 && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		as, err := b.Alerts(ctx, brand.ID, trail.AlertFilter{Status: trail.AlertOpen, OrderNo: o.OrderNo, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(as) > 0 {
			id = as[0].ID
		}
	}
	if id == 0 {
		t.Fatal("the evaluator opened no alert for the late order")
	}
	waited := time.Now()
	sel := fmt.Sprintf(`#inbox-list li.al.fresh[data-id="%d"]`, id)
	waitCtx, cancel := context.WithTimeout(tab, 25*time.Second)
	defer cancel()
	if err := chromedp.Do(waitCtx, chromedp.WaitVisible(chromedp.CSS(sel))); err != nil {
		t.Fatalf("the new alert did not appear: %v", err)
	}
	t.Logf("the new alert appeared %s after it opened", time.Since(waited).Round(100*time.Millisecond))
	if reloaded, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.body.dataset.loaded || ""`)); reloaded != "1" {
		t.Error("the page was reloaded to show the new alert")
	}
	if after := total(); after == before {
		t.Errorf("the count stayed %s after a new alert", after)
	}
	// Its occasion is tomorrow: only alerts of occasions as soon rank
	// before it.
	ahead, err := chromedp.Run(tab, chromedp.Evaluate[bool](fmt.Sprintf(`(() => {
		const rows = [...document.querySelectorAll("#inbox-list li.al")];
		const at = rows.findIndex(r => r.dataset.id === "%d");
		return at >= 0 && rows.slice(0, at).every(r => r.querySelector(".occ"));
	})()`, id)))
	if err != nil || !ahead {
		t.Errorf("the new alert ranks after an alert without an occasion (%v)", err)
	}
	f := step(t, tab, vp, "console-7-inbox-new-alert")
	mustSee(t, "inbox", f.Text, "RUSH-0001", "可能延误承诺或纪念日")
}

// step reads the page in tab, saves its full-page screenshot as
// name-viewport.png and checks what look checks: Chinese, and the page
// laid out at the viewport's width without scrolling sideways. (look's
// WaitVisible("main") is a search, which also matches the order page's
// div.col-main, a box-less display:contents at tablet width, and so waits
// for ever; step selects by CSS.)
func step(t *testing.T, tab context.Context, vp viewport, name string) consoleStep {
	t.Helper()
	if err := chromedp.Do(tab, chromedp.WaitVisible(chromedp.CSS(`main`))); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	facts, err := chromedp.Run(tab, chromedp.Evaluate[pageFacts](fmt.Sprintf(readPage, vp.width)))
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
	t.Logf("%s: %s", name, file)
	if facts.Lang != "zh-CN" {
		t.Errorf("%s: page language %q, want zh-CN", name, facts.Lang)
	}
	if facts.InnerWidth != vp.width || facts.ScrollWidth > vp.width {
		t.Errorf("%s: laid out %d px wide, scrollWidth %d, at %d px; past the edge: %v", name, facts.InnerWidth, facts.ScrollWidth, vp.width, facts.Overflow)
	}
	f, err := chromedp.Run(tab, chromedp.Evaluate[consoleStep](readConsole))
	if err != nil {
		t.Fatalf("%s: read the page: %v", name, err)
	}
	return f
}
