package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// More demo orders by scenario (see internal/demo).
const (
	orderRefused         = "DEMO-0010"
	orderReturning       = "DEMO-0011" // delivered, then sent back
	orderStalled         = "DEMO-0012"
	orderDamagedSigned   = "DEMO-0018" // scanned damaged, then signed for
	orderReturnedToBrand = "DEMO-0019" // refused, back at the warehouse
)

// TestProblemPages checks that each kind of parcel problem is told at the
// top of the page with what happens next and how to reach the brand, and
// that a damaged parcel signed for is not shown as a plain delivery.
func TestProblemPages(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	if err := b.db.PutServiceContact(ctx, b.brand.ID, trail.ServiceContact{Phone: "400-820-1234", WeChat: "pingji_kefu", Hours: "每天 9:00–21:00"}); err != nil {
		t.Fatal(err)
	}
	// Judge the orders once, as the demo does at start: the stalled
	// parcel gets its alert.
	if _, err := b.db.EvaluateDue(ctx, testNow, 100); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, orderNo, status, kind string
		what, next                  []string
	}{
		{"damaged on the way", orderException, "运输异常", "damaged", []string{"包裹 1 在运输中破损"}, []string{"请拍照保留外包装和破损商品", "联系客服登记破损"}},
		{"damaged, then signed for", orderDamagedSigned, "已签收", "damaged", []string{"包裹 1 已签收，但商品在运输中破损"}, []string{"请拍照保留外包装和破损商品", "补发或退款"}},
		{"refused", orderRefused, "运输异常", "refused", []string{"包裹 1 已被拒收"}, []string{"将退回发货仓库", "请尽快联系客服"}},
		{"returning", orderReturning, "运输异常", "returning", []string{"包裹 1 正在退回发货仓库"}, []string{"重新发货或退款"}},
		{"returned", orderReturnedToBrand, "已退回", "returned", []string{"包裹 1 已退回发货仓库"}, []string{"客服会与您确认"}},
		{"stalled", orderStalled, "已发货", "stalled", []string{"包裹 1 的物流信息已有一段时间没有更新"}, []string{"我们正在向快递公司核实"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := b.lookup(t, "192.0.2.20", tt.orderNo, b.buyerDigits(t, tt.orderNo))
			mustStatus(t, rec, http.StatusOK)
			doc := mustDoc(t, rec)
			status := doc.Find(".summary .status")
			mustContain(t, "status", status, tt.status)
			if !status.HasClass("problem") {
				t.Errorf("status %q is not marked as a problem", text(status))
			}
			li := doc.Find(".problems .problem-list li.pr-" + tt.kind)
			if li.Length() != 1 {
				t.Fatalf("problem %s: got %d entries; section %q", tt.kind, li.Length(), text(doc.Find(".problems")))
			}
			if href, _ := li.Find("a").Attr("href"); href != "#p1" {
				t.Errorf("problem links to %q, want #p1", href)
			}
			mustContain(t, "what", li, tt.what...)
			mustContain(t, "next", li.Find(".next"), tt.next...)
			service := doc.Find(".problems .service")
			mustContain(t, "service", service, "联系客服", "客服电话", "400-820-1234", "客服微信", "pingji_kefu", "服务时间", "每天 9:00–21:00")
			if href, _ := service.Find("a").Attr("href"); href != "tel:4008201234" {
				t.Errorf("phone link: got %q, want tel:4008201234", href)
			}
		})
	}

	// The damaged parcel that was signed for says both.
	doc := mustDoc(t, b.lookup(t, "192.0.2.21", orderDamagedSigned, b.buyerDigits(t, orderDamagedSigned)))
	parcel := doc.Find("#p1 .status")
	mustContain(t, "parcel", parcel, "已签收 · 异常后签收 · 外包装破损")
	if !parcel.HasClass("problem") {
		t.Errorf("the damaged parcel's badge is not marked: %q", text(parcel))
	}

	// In English, the same problem in English.
	rec := b.serve(t, "192.0.2.22", "POST", "/b/demo/track", "application/x-www-form-urlencoded",
		"by=order&lang=en&number="+orderDamagedSigned+"&phone_last4="+b.buyerDigits(t, orderDamagedSigned))
	mustStatus(t, rec, http.StatusOK)
	en := mustDoc(t, rec)
	mustContain(t, "english", en.Find(".problems"), "A problem with your order", "Parcel 1 was delivered, but the goods were damaged in transit.", "photograph the outer packaging", "Customer service", "Phone")

	// Orders without a problem have no problem section.
	for _, no := range []string{orderDelivered, orderSplitCarriers} {
		doc := mustDoc(t, b.lookup(t, "192.0.2.23", no, b.buyerDigits(t, no)))
		if doc.Find(".problems").Length() != 0 || doc.Find(".summary .status.problem").Length() != 0 {
			t.Errorf("%s: a problem section on an order without problems", no)
		}
	}
}

// TestProblemWithoutContact checks the page of a brand that has set no
// service contact: it still says what happens next, and where to turn.
func TestProblemWithoutContact(t *testing.T) {
	t.Parallel()
	b := setup(t)
	doc := mustDoc(t, b.lookup(t, "192.0.2.24", orderRefused, b.buyerDigits(t, orderRefused)))
	mustContain(t, "next", doc.Find(".problems"), "包裹 1 将退回发货仓库", "如需帮助，请联系您下单店铺的客服。")
	if doc.Find(".problems .service").Length() != 0 {
		t.Error("a service block without a contact")
	}
	var body strings.Builder
	doc.Find(".problems").Each(func(_ int, s *goquery.Selection) { body.WriteString(s.Text()) })
	if strings.Contains(body.String(), "客服电话") {
		t.Error("a phone label without a phone")
	}
}
