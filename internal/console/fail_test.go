package console_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/bottletrail/bottletrail/internal/console"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// brokenOrders is an order service whose order graphs fail.
type brokenOrders struct{ trail.OrderService }

func (brokenOrders) OrderGraph(context.Context, int64, string) (*trail.OrderGraph, error) {
	return nil, errors.New("read order graph: disk I/O error at /var/lib/bottletrail")
}

// A store failure behind a page is answered by the one mapper: a 500 page
// that names nothing of the failure, with the operator's navigation
// dropped, and one log line with the route, never the order number.
func TestConsoleServerErrorThroughRoute(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	b := setupWith(t, func(cfg *console.Config) {
		cfg.Orders = brokenOrders{cfg.Orders}
		cfg.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	})
	br := b.browser(t).mustLogin(agentA)
	p := br.get("/console/orders/" + orderSplit)
	wantStatus(t, p, http.StatusInternalServerError)
	if got := p.doc.Find("h1").Text(); got != "出错了" {
		t.Errorf("heading: got %q, want 出错了", got)
	}
	if strings.Contains(p.body, "disk I/O") || strings.Contains(p.body, orderSplit) {
		t.Errorf("the error page leaks the failure or the order:\n%s", p.body)
	}
	if n := strings.Count(logs.String(), "console request failed"); n != 1 {
		t.Fatalf("logged %d times, want once:\n%s", n, logs.String())
	}
	for _, want := range []string{`"route":"GET /console/orders/{order_no}"`, "disk I/O error", `"status":500`, `"brand_id":`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, logs.String())
		}
	}
	if strings.Contains(logs.String(), orderSplit) {
		t.Errorf("the log names the order:\n%s", logs.String())
	}
}
