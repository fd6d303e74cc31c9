package mock_test

import (
	"context"
	"errors"
	"testing"

	"github.com/bottletrail/bottletrail/internal/mock"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// TestDelegation checks that every method passes its arguments to its
// function field and returns what the function returns.
func TestDelegation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	errWant := errors.New("from the func")
	var calls []string
	record := func(name string, ok bool) {
		if !ok {
			t.Errorf("%s: arguments not passed through", name)
		}
		calls = append(calls, name)
	}
	brand := &trail.Brand{ID: 9}
	brands := &mock.BrandService{
		CreateBrandFunc: func(_ context.Context, b *trail.Brand) (string, error) {
			record("CreateBrand", b == brand)
			return "bt_key", errWant
		},
		BrandByAPIKeyFunc: func(_ context.Context, key string) (*trail.Brand, error) {
			record("BrandByAPIKey", key == "bt_key")
			return brand, errWant
		},
		BrandBySlugFunc: func(_ context.Context, slug string) (*trail.Brand, error) {
			record("BrandBySlug", slug == "plum")
			return brand, errWant
		},
	}
	sku := &trail.SKU{Code: "S"}
	catalog := &mock.CatalogService{
		PutSKUFunc: func(_ context.Context, id int64, s *trail.SKU) (bool, error) {
			record("PutSKU", id == 9 && s == sku)
			return true, errWant
		},
		SKUFunc: func(_ context.Context, id int64, code string) (*trail.SKU, error) {
			record("SKU", id == 9 && code == "S")
			return sku, errWant
		},
	}
	order, graph := &trail.Order{OrderNo: "WX1"}, &trail.OrderGraph{}
	orders := &mock.OrderService{
		CreateOrderFunc: func(_ context.Context, id int64, o *trail.Order) (bool, error) {
			record("CreateOrder", id == 9 && o == order)
			return true, errWant
		},
		OrderGraphFunc: func(_ context.Context, id int64, no string) (*trail.OrderGraph, error) {
			record("OrderGraph", id == 9 && no == "WX1")
			return graph, errWant
		},
	}
	batch := &trail.Batch{BatchNo: "B1"}
	production := &mock.ProductionService{
		CreateBatchFunc: func(_ context.Context, id int64, b *trail.Batch) (bool, error) {
			record("CreateBatch", id == 9 && b == batch)
			return true, errWant
		},
		RecordBatchEventFunc: func(_ context.Context, id int64, no string, e trail.BatchEvent) (*trail.Batch, error) {
			record("RecordBatchEvent", id == 9 && no == "B1" && e.Stage == trail.StageQC)
			return batch, errWant
		},
	}
	shipment, result := &trail.Shipment{TrackingNo: "T1"}, &trail.IngestResult{New: 1}
	shipments := &mock.ShipmentService{
		CreateShipmentFunc: func(_ context.Context, id int64, no string, s *trail.Shipment) (bool, error) {
			record("CreateShipment", id == 9 && no == "WX1" && s == shipment)
			return true, errWant
		},
		IngestFunc: func(_ context.Context, id int64, carrier, trackingNo string, events []trail.CarrierEvent) (*trail.IngestResult, error) {
			record("Ingest", id == 9 && carrier == "jd" && trackingNo == "T1" && len(events) == 1)
			return result, errWant
		},
	}

	if key, err := brands.CreateBrand(ctx, brand); key != "bt_key" || err != errWant {
		t.Errorf("CreateBrand: got %q %v, want bt_key %v", key, err, errWant)
	}
	if b, err := brands.BrandByAPIKey(ctx, "bt_key"); b != brand || err != errWant {
		t.Errorf("BrandByAPIKey: got %v %v, want %v %v", b, err, brand, errWant)
	}
	if b, err := brands.BrandBySlug(ctx, "plum"); b != brand || err != errWant {
		t.Errorf("BrandBySlug: got %v %v, want %v %v", b, err, brand, errWant)
	}
	if created, err := catalog.PutSKU(ctx, 9, sku); !created || err != errWant {
		t.Errorf("PutSKU: got %v %v, want true %v", created, err, errWant)
	}
	if s, err := catalog.SKU(ctx, 9, "S"); s != sku || err != errWant {
		t.Errorf("SKU: got %v %v, want %v %v", s, err, sku, errWant)
	}
	if created, err := orders.CreateOrder(ctx, 9, order); !created || err != errWant {
		t.Errorf("CreateOrder: got %v %v, want true %v", created, err, errWant)
	}
	if g, err := orders.OrderGraph(ctx, 9, "WX1"); g != graph || err != errWant {
		t.Errorf("OrderGraph: got %v %v, want %v %v", g, err, graph, errWant)
	}
	if created, err := production.CreateBatch(ctx, 9, batch); !created || err != errWant {
		t.Errorf("CreateBatch: got %v %v, want true %v", created, err, errWant)
	}
	if b, err := production.RecordBatchEvent(ctx, 9, "B1", trail.BatchEvent{Stage: trail.StageQC}); b != batch || err != errWant {
		t.Errorf("RecordBatchEvent: got %v %v, want %v %v", b, err, batch, errWant)
	}
	if created, err := shipments.CreateShipment(ctx, 9, "WX1", shipment); !created || err != errWant {
		t.Errorf("CreateShipment: got %v %v, want true %v", created, err, errWant)
	}
	if r, err := shipments.Ingest(ctx, 9, "jd", "T1", []trail.CarrierEvent{{}}); r != result || err != errWant {
		t.Errorf("Ingest: got %v %v, want %v %v", r, err, result, errWant)
	}
	if len(calls) != 11 {
		t.Errorf("calls: got %d, want 11: %v", len(calls), calls)
	}
}
