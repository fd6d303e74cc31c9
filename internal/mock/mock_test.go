package mock_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

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
		ApplyFunc: func(_ context.Context, id int64, updates []trail.TrackUpdate) ([]trail.Applied, error) {
			record("Apply", id == 9 && len(updates) == 1 && updates[0].TrackingNo == "T1")
			return []trail.Applied{{TrackingNo: "T1"}}, errWant
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
	if a, err := shipments.Apply(ctx, 9, []trail.TrackUpdate{{Carrier: "jd", TrackingNo: "T1"}}); len(a) != 1 || a[0].TrackingNo != "T1" || err != errWant {
		t.Errorf("Apply: got %v %v, want one result and %v", a, err, errWant)
	}
	if len(calls) != 12 {
		t.Errorf("calls: got %d, want 12: %v", len(calls), calls)
	}
}

// TestCarrierDelegation is TestDelegation for the carrier, tracking and
// provider fakes.
func TestCarrierDelegation(t *testing.T) {
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
	acct := &trail.CarrierAccount{Provider: trail.ProviderSF}
	accounts := []*trail.CarrierAccount{acct}
	compliance := &trail.Compliance{Carrier: "shunfeng"}
	carriers := &mock.CarrierService{
		PutCarrierAccountFunc: func(_ context.Context, id int64, a *trail.CarrierAccount) (bool, error) {
			record("PutCarrierAccount", id == 9 && a == acct)
			return true, errWant
		},
		CarrierAccountsFunc: func(_ context.Context, id int64) ([]*trail.CarrierAccount, error) {
			record("CarrierAccounts", id == 9)
			return accounts, errWant
		},
		CarrierAccountFunc: func(_ context.Context, id int64, provider string) (*trail.CarrierAccount, error) {
			record("CarrierAccount", id == 9 && provider == "sf")
			return acct, errWant
		},
		PutComplianceFunc: func(_ context.Context, id int64, c *trail.Compliance) (bool, error) {
			record("PutCompliance", id == 9 && c == compliance)
			return true, errWant
		},
		CorrectCarrierFunc: func(_ context.Context, id int64, oldCarrier, trackingNo, newCarrier, reason string) error {
			record("CorrectCarrier", id == 9 && oldCarrier == "yunda" && trackingNo == "T1" && newCarrier == "zhongtong" && reason == "autoCheck")
			return errWant
		},
	}
	at := time.Date(2026, 12, 1, 4, 0, 0, 0, time.UTC)
	task := &trail.TrackingTask{ShipmentID: 5}
	tasks := []*trail.TrackingTask{task}
	tracking := &mock.TrackingService{
		TrackingTaskFunc: func(_ context.Context, id int64) (*trail.TrackingTask, error) {
			record("TrackingTask", id == 5)
			return task, errWant
		},
		RecordSubscriptionFunc: func(_ context.Context, id int64, failure string) error {
			record("RecordSubscription", id == 5 && failure == "down")
			return errWant
		},
		ClaimDuePollsFunc: func(_ context.Context, now time.Time, n int, lease time.Duration) ([]*trail.TrackingTask, error) {
			record("ClaimDuePolls", now.Equal(at) && n == 10 && lease == time.Minute)
			return tasks, errWant
		},
		SchedulePollFunc: func(_ context.Context, id int64, next *time.Time) error {
			record("SchedulePoll", id == 5 && next != nil && next.Equal(at))
			return errWant
		},
		StopTrackingFunc: func(_ context.Context, id int64, carrier, trackingNo, reason string) error {
			record("StopTracking", id == 9 && carrier == "yunda" && trackingNo == "T1" && reason == "shutdown")
			return errWant
		},
		ResubscribeFunc: func(_ context.Context, id int64, carrier, trackingNo string, when time.Time) error {
			record("Resubscribe", id == 9 && carrier == "yunda" && trackingNo == "T1" && when.Equal(at))
			return errWant
		},
	}
	req := trail.TrackRequest{Carrier: "shunfeng", TrackingNo: "SF1040245060669"}
	update := &trail.TrackUpdate{Carrier: "shunfeng"}
	updates := []trail.TrackUpdate{*update}
	provider := &mock.Provider{
		NameFunc: func() string {
			record("Name", true)
			return trail.ProviderSF
		},
		SubscribeFunc: func(_ context.Context, a *trail.CarrierAccount, r trail.TrackRequest) error {
			record("Subscribe", a == acct && r == req)
			return errWant
		},
		QueryFunc: func(_ context.Context, a *trail.CarrierAccount, r trail.TrackRequest) (*trail.TrackUpdate, error) {
			record("Query", a == acct && r == req)
			return update, errWant
		},
		ParsePushFunc: func(a *trail.CarrierAccount, contentType string, body []byte) ([]trail.TrackUpdate, error) {
			record("ParsePush", a == acct && contentType == "application/json" && string(body) == "{}")
			return updates, errWant
		},
		ReplyFunc: func(a *trail.CarrierAccount, err error) (int, string, []byte) {
			record("Reply", a == acct && err == errWant)
			return 400, "application/json", []byte(`{"return_code":"1000"}`)
		},
	}

	if created, err := carriers.PutCarrierAccount(ctx, 9, acct); !created || err != errWant {
		t.Errorf("PutCarrierAccount: got %v %v, want true %v", created, err, errWant)
	}
	if got, err := carriers.CarrierAccounts(ctx, 9); len(got) != 1 || got[0] != acct || err != errWant {
		t.Errorf("CarrierAccounts: got %v %v, want %v %v", got, err, accounts, errWant)
	}
	if got, err := carriers.CarrierAccount(ctx, 9, "sf"); got != acct || err != errWant {
		t.Errorf("CarrierAccount: got %v %v, want %v %v", got, err, acct, errWant)
	}
	if created, err := carriers.PutCompliance(ctx, 9, compliance); !created || err != errWant {
		t.Errorf("PutCompliance: got %v %v, want true %v", created, err, errWant)
	}
	if err := carriers.CorrectCarrier(ctx, 9, "yunda", "T1", "zhongtong", "autoCheck"); err != errWant {
		t.Errorf("CorrectCarrier: got %v, want %v", err, errWant)
	}
	if got, err := tracking.TrackingTask(ctx, 5); got != task || err != errWant {
		t.Errorf("TrackingTask: got %v %v, want %v %v", got, err, task, errWant)
	}
	if err := tracking.RecordSubscription(ctx, 5, "down"); err != errWant {
		t.Errorf("RecordSubscription: got %v, want %v", err, errWant)
	}
	if got, err := tracking.ClaimDuePolls(ctx, at, 10, time.Minute); len(got) != 1 || got[0] != task || err != errWant {
		t.Errorf("ClaimDuePolls: got %v %v, want %v %v", got, err, tasks, errWant)
	}
	if err := tracking.SchedulePoll(ctx, 5, &at); err != errWant {
		t.Errorf("SchedulePoll: got %v, want %v", err, errWant)
	}
	if err := tracking.StopTracking(ctx, 9, "yunda", "T1", "shutdown"); err != errWant {
		t.Errorf("StopTracking: got %v, want %v", err, errWant)
	}
	if err := tracking.Resubscribe(ctx, 9, "yunda", "T1", at); err != errWant {
		t.Errorf("Resubscribe: got %v, want %v", err, errWant)
	}
	if got := provider.Name(); got != trail.ProviderSF {
		t.Errorf("Name: got %q, want %q", got, trail.ProviderSF)
	}
	if err := provider.Subscribe(ctx, acct, req); err != errWant {
		t.Errorf("Subscribe: got %v, want %v", err, errWant)
	}
	if got, err := provider.Query(ctx, acct, req); got != update || err != errWant {
		t.Errorf("Query: got %v %v, want %v %v", got, err, update, errWant)
	}
	if got, err := provider.ParsePush(acct, "application/json", []byte("{}")); len(got) != 1 || got[0].Carrier != "shunfeng" || err != errWant {
		t.Errorf("ParsePush: got %v %v, want %v %v", got, err, updates, errWant)
	}
	if status, ct, body := provider.Reply(acct, errWant); status != 400 || ct != "application/json" || string(body) != `{"return_code":"1000"}` {
		t.Errorf("Reply: got %d %q %s", status, ct, body)
	}
	want := []string{
		"PutCarrierAccount", "CarrierAccounts", "CarrierAccount", "PutCompliance", "CorrectCarrier",
		"TrackingTask", "RecordSubscription", "ClaimDuePolls", "SchedulePoll", "StopTracking", "Resubscribe",
		"Name", "Subscribe", "Query", "ParsePush", "Reply",
	}
	if !slices.Equal(calls, want) {
		t.Errorf("calls:\ngot  %v\nwant %v", calls, want)
	}
}

// TestNilFuncPanics shows that a call through a field left nil panics, so a
// missing set-up cannot pass unnoticed.
func TestNilFuncPanics(t *testing.T) {
	t.Parallel()
	calls := map[string]func(){
		"CarrierService.CorrectCarrier": func() {
			_ = (&mock.CarrierService{}).CorrectCarrier(context.Background(), 1, "a", "b", "c", "d")
		},
		"TrackingService.StopTracking": func() {
			_ = (&mock.TrackingService{}).StopTracking(context.Background(), 1, "a", "b", "c")
		},
		"Provider.ParsePush": func() { _, _ = (&mock.Provider{}).ParsePush(nil, "", nil) },
	}
	for name, call := range calls {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s with a nil func did not panic", name)
				}
			}()
			call()
		}()
	}
}
