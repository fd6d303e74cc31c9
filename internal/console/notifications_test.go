package console_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// TestOrderNotifications checks the order page's 通知记录: the messages
// sent about the order, from the delivery log, for every role that may
// see the order, and nothing of another brand's.
func TestOrderNotifications(t *testing.T) {
	t.Parallel()
	f := setupSettings(t)
	ctx := context.Background()
	// brand A's endpoint takes order.updated: a new order makes a delivery.
	o := &trail.Order{OrderNo: "NOTE-1", Customer: trail.Contact{Name: "周杰", Phone: "13600001234"},
		Address: trail.Address{Province: "浙江", City: "杭州市", Detail: "文三路1号"}, Items: []trail.Item{{SKU: "RICE-500", Quantity: 1}}}
	o.Normalize()
	if _, err := f.db.CreateOrder(ctx, f.brandA.ID, o); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{adminA, agentA, viewerA} {
		br := f.browser(t).mustLogin(who)
		p := br.get("/console/orders/NOTE-1")
		if p.status != http.StatusOK {
			t.Fatalf("%s: order page %d", who, p.status)
		}
		got := p.doc.Find("#notifications").Text()
		if !strings.Contains(got, "Webhook") || !strings.Contains(got, "订单更新") || !strings.Contains(got, "发送中") {
			t.Errorf("%s: 通知记录 %q", who, got)
		}
	}
	// Brand B's order page lists no message of brand A's.
	br := f.browser(t).mustLogin(adminB)
	if got := br.get("/console/orders/" + orderB).doc.Find("#notifications").Text(); strings.Contains(got, "订单更新") {
		t.Errorf("brand B sees brand A's deliveries: %q", got)
	}
}
