package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// TestOrderStatesThroughAPI checks issue 12's states through the API on a
// real store: shipping the goods of a batch still in production finishes
// the batch; a damaged parcel signed for is delivered and flagged damaged;
// a returned parcel makes the order returned and its items may ship again.
func TestOrderStatesThroughAPI(t *testing.T) {
	t.Parallel()
	sb := storeSetup(t)
	type graph struct {
		Status  trail.OrderStatus `json:"status"`
		Damaged bool              `json:"damaged"`
		Batches []struct {
			Done   bool `json:"done"`
			Stages []struct {
				Stage       trail.Stage `json:"stage"`
				CompletedAt string      `json:"completed_at"`
			} `json:"stages"`
		} `json:"batches"`
		Shipments []struct {
			TrackingNo string `json:"tracking_no"`
			Damaged    bool   `json:"damaged"`
		} `json:"shipments"`
	}
	get := func(orderNo string) graph {
		t.Helper()
		rec := sb.call(t, "192.0.2.1", "GET", "/api/v1/orders/"+orderNo, sb.key, "")
		mustStatus(t, rec, http.StatusOK)
		var g graph
		if err := json.Unmarshal(rec.Body.Bytes(), &g); err != nil {
			t.Fatal(err)
		}
		return g
	}

	// DEMO-0005: rice wine still brewing. Its parcel is accepted and
	// finishes the batch.
	if g := get("DEMO-0005"); g.Status != trail.OrderInProduction || g.Batches[0].Done {
		t.Fatalf("before: got %+v", g)
	}
	rec := sb.call(t, "192.0.2.1", "POST", "/api/v1/orders/DEMO-0005/shipments", sb.key,
		`{"carrier":"zhongtong","tracking_no":"ZT7788000000001","items":[{"sku":"RICE-500","quantity":6}]}`)
	mustStatus(t, rec, http.StatusCreated)
	g := get("DEMO-0005")
	last := g.Batches[0].Stages[len(g.Batches[0].Stages)-1]
	if g.Status != trail.OrderShipped || !g.Batches[0].Done || last.Stage != trail.StageReady || last.CompletedAt == "" {
		t.Errorf("after shipping: got %+v", g)
	}

	// DEMO-0018: scanned damaged, then signed for.
	if g := get("DEMO-0018"); g.Status != trail.OrderDelivered || !g.Damaged || !g.Shipments[0].Damaged {
		t.Errorf("damaged, signed for: got %+v", g)
	}
	if g := get("DEMO-0002"); g.Damaged || g.Shipments[0].Damaged {
		t.Errorf("delivered in one piece: got %+v", g)
	}
	var pub trail.ConsumerView
	o := sb.order(t, "DEMO-0018").Order
	rec = sb.call(t, "192.0.2.2", "POST", "/api/v1/public/demo/track", "", `{"order_no":"DEMO-0018","phone_last4":"`+trail.Last4(o.Customer.Phone)+`"}`)
	mustStatus(t, rec, http.StatusOK)
	if err := json.Unmarshal(rec.Body.Bytes(), &pub); err != nil {
		t.Fatal(err)
	}
	if len(pub.Problems) != 1 || pub.Problems[0].Kind != trail.ProblemDamaged || !strings.Contains(pub.Problems[0].Next.ZH, "请拍照保留外包装") {
		t.Errorf("public problems: got %+v", pub.Problems)
	}

	// DEMO-0019: refused and back at the warehouse; its items go out again.
	if g := get("DEMO-0019"); g.Status != trail.OrderReturned {
		t.Errorf("returned: got %s", g.Status)
	}
	rec = sb.call(t, "192.0.2.1", "POST", "/api/v1/orders/DEMO-0019/shipments", sb.key,
		`{"carrier":"yuantong","tracking_no":"YT7788000000001","items":[{"sku":"COCKTAIL-4","quantity":2}]}`)
	mustStatus(t, rec, http.StatusCreated)
	if g := get("DEMO-0019"); g.Status != trail.OrderShipped {
		t.Errorf("sent again: got %s", g.Status)
	}
	// Nothing more is left to ship.
	rec = sb.call(t, "192.0.2.1", "POST", "/api/v1/orders/DEMO-0019/shipments", sb.key,
		`{"carrier":"yuantong","tracking_no":"YT7788000000002","items":[{"sku":"COCKTAIL-4","quantity":1}]}`)
	mustStatus(t, rec, http.StatusUnprocessableEntity)
	if e := mustError(t, rec); e.Field != "items[0].quantity" {
		t.Errorf("over-shipping: got %+v", e)
	}
}
