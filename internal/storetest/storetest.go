// Package storetest is the conformance suite that every store passes. It is
// imported only by tests.
package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/pii"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// Store is everything a store implements.
type Store interface {
	trail.BrandService
	trail.CatalogService
	trail.OrderService
	trail.ProductionService
	trail.ShipmentService
	trail.CarrierService
	trail.TrackingService
	trail.LinkService
	trail.AlertService
	trail.EvaluationService
	trail.LaneService
	trail.NotificationService
	trail.WebhookService
	trail.APIKeyService
}

// OpenFunc opens a fresh, empty store whose clock is now.
type OpenFunc func(t *testing.T, sealer trail.Sealer, now func() time.Time) Store

// MustSealer returns a keyring with a fixed test key.
func MustSealer(t testing.TB) trail.Sealer {
	t.Helper()
	k, err := pii.New([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// Exercise runs the whole suite against the store that open returns.
func Exercise(t *testing.T, open OpenFunc) {
	t.Run("Brand", func(t *testing.T) { testBrand(t, open) })
	t.Run("SKU", func(t *testing.T) { testSKU(t, open) })
	t.Run("Order", func(t *testing.T) { testOrder(t, open) })
	t.Run("Batch", func(t *testing.T) { testBatch(t, open) })
	t.Run("Shipment", func(t *testing.T) { testShipment(t, open) })
	t.Run("Ingest", func(t *testing.T) { testIngest(t, open) })
	t.Run("ScanText", func(t *testing.T) { testScanText(t, open) })
	t.Run("IngestConcurrent", func(t *testing.T) { testIngestConcurrent(t, open) })
	t.Run("Apply", func(t *testing.T) { testApply(t, open) })
	t.Run("OrderStatus", func(t *testing.T) { testOrderStatus(t, open) })
	t.Run("Compliance", func(t *testing.T) { testCompliance(t, open) })
	t.Run("CarrierAccount", func(t *testing.T) { testCarrierAccount(t, open) })
	t.Run("Tracking", func(t *testing.T) { testTracking(t, open) })
	t.Run("Links", func(t *testing.T) { testLinks(t, open) })
	t.Run("Lookup", func(t *testing.T) { testLookup(t, open) })
	t.Run("Alerts", func(t *testing.T) { testAlerts(t, open) })
	t.Run("Notify", func(t *testing.T) { testNotify(t, open) })
	t.Run("Webhooks", func(t *testing.T) { testWebhooks(t, open) })
	t.Run("Console", func(t *testing.T) { testConsole(t, open) })
	t.Run("APIKeys", func(t *testing.T) { testAPIKeys(t, open) })
	t.Run("States", func(t *testing.T) { testStates(t, open) })
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Set moves the clock to t.
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// bundle is a store with a brand in it and its test clock.
type bundle struct {
	ctx   context.Context
	s     Store
	clock *clock
	brand *trail.Brand
	other *trail.Brand // a second tenant
}

func setup(t *testing.T, open OpenFunc) *bundle {
	t.Helper()
	c := &clock{t: time.Date(2026, 11, 25, 2, 0, 0, 0, time.UTC)}
	s := open(t, MustSealer(t), c.Now)
	b := &bundle{ctx: context.Background(), s: s, clock: c}
	b.brand = b.mustBrand(t, "plum-house")
	b.other = b.mustBrand(t, "rival-brew")
	for _, id := range []int64{b.brand.ID, b.other.ID} {
		b.mustSKU(t, id, "PLUM-330", true)
		b.mustSKU(t, id, "RICE-500", false)
		for _, carrier := range []string{"shunfeng", "yuantong", "zhongtong"} {
			if _, err := s.PutCompliance(b.ctx, id, &trail.Compliance{Carrier: carrier, Alcohol: true, Fragile: true}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return b
}

func (b *bundle) mustBrand(t *testing.T, slug string) *trail.Brand {
	t.Helper()
	br := &trail.Brand{Slug: slug, Name: slug + " 酒坊"}
	if _, err := b.s.CreateBrand(b.ctx, br); err != nil {
		t.Fatal(err)
	}
	return br
}

func (b *bundle) mustSKU(t *testing.T, brandID int64, code string, alcohol bool) {
	t.Helper()
	if _, err := b.s.PutSKU(b.ctx, brandID, &trail.SKU{Code: code, Name: code, Alcohol: alcohol, Fragile: true, LeadTime: trail.LeadTime{Min: 5, Max: 10}}); err != nil {
		t.Fatal(err)
	}
}

// newOrder returns the contract's example order under the given number.
func newOrder(no string) *trail.Order {
	d := trail.Date("2026-12-05")
	o := &trail.Order{
		OrderNo:        no,
		Customer:       trail.Contact{Name: "张三", Phone: "13912345678"},
		Address:        trail.Address{Province: "浙江", City: "杭州市", District: "西湖区", Detail: "文三路188号"},
		Occasion:       &trail.Occasion{Kind: "wedding", Date: "2026-12-20"},
		PromisedShipBy: &d,
		Items: []trail.Item{
			{SKU: "PLUM-330", Quantity: 12, Customization: "囍 张三&李四", BatchNo: "B20261125-01"},
			{SKU: "RICE-500", Quantity: 6, BatchNo: "B20261125-02"},
		},
	}
	o.Normalize()
	return o
}

func (b *bundle) mustOrder(t *testing.T, brandID int64, no string) *trail.Order {
	t.Helper()
	o := newOrder(no)
	if _, err := b.s.CreateOrder(b.ctx, brandID, o); err != nil {
		t.Fatal(err)
	}
	return o
}

func (b *bundle) mustShipment(t *testing.T, brandID int64, orderNo, carrier, trackingNo string, items ...trail.ShipmentItem) *trail.Shipment {
	t.Helper()
	s := &trail.Shipment{Carrier: carrier, TrackingNo: trackingNo, Items: items}
	s.Normalize()
	if _, err := b.s.CreateShipment(b.ctx, brandID, orderNo, s); err != nil {
		t.Fatal(err)
	}
	return s
}

func (b *bundle) mustGraph(t *testing.T, orderNo string) *trail.OrderGraph {
	t.Helper()
	g, err := b.s.OrderGraph(b.ctx, b.brand.ID, orderNo)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// wantCode fails unless err is an application error with the given code
// (and field, if one is given).
func wantCode(t *testing.T, err error, code string, field ...string) {
	t.Helper()
	if got := trail.ErrorCode(err); got != code {
		t.Fatalf("got error %v (code %q), want code %q", err, got, code)
	}
	var e *trail.Error
	if len(field) > 0 && (!errors.As(err, &e) || e.Field != field[0]) {
		t.Fatalf("got error %v, want field %q", err, field[0])
	}
}

// at returns an instant on 2026-11-25 + day, China time.
func at(day, hour, minute int) time.Time {
	return time.Date(2026, 11, 25+day, hour, minute, 0, 0, trail.ChinaTime)
}

func ev(ts time.Time, status trail.ShipmentStatus, desc string) trail.CarrierEvent {
	return trail.CarrierEvent{Time: ts, Status: status, Description: desc, Source: trail.SourcePush}
}
