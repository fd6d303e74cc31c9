package storetest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// lockerScan is a carrier's scan full of personal data: the recipient's
// name, the courier's phone number and the pickup code.
const lockerScan = "快件已放入丰巢智能柜，收件人：欧阳娜娜，派件员电话13987654321，请凭取件码 6-2-0815 取件"

// lockerScanMasked is lockerScan as stored and shown outside the buyer's
// own views.
const lockerScanMasked = "快件已放入丰巢智能柜，收件人：欧***，派件员电话139****4321，请凭取件码 *-*-**** 取件"

// testScanText: scan text is stored masked, the carrier's own text comes
// back opened for the buyer and the console, the same scan pushed again is
// a duplicate, and the pickup notice still carries the code.
func testScanText(t *testing.T, open OpenFunc) {
	b := setup(t, open)
	if err := b.s.PutNotifyChannel(b.ctx, b.brand.ID, smsAccount); err != nil {
		t.Fatal(err)
	}
	o := b.mustOrder(t, b.brand.ID, "WED-SCAN")
	s := b.mustShipment(t, b.brand.ID, o.OrderNo, "zhongtong", "ZT7000000001", trail.ShipmentItem{SKU: "PLUM-330", Quantity: 12})
	locker := ev(at(1, 9, 0), trail.StatusAtPickupPoint, lockerScan)
	res, err := b.s.Ingest(b.ctx, b.brand.ID, s.Carrier, s.TrackingNo, []trail.CarrierEvent{ev(at(0, 18, 0), trail.StatusPickedUp, "已揽收"), locker})
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 2 {
		t.Fatalf("first push: got new=%d, want 2", res.New)
	}
	events := b.mustGraph(t, o.OrderNo).Shipments[0].Events
	if e := events[0]; e.Description != lockerScanMasked || e.Unmasked != lockerScan || e.ScanText() != lockerScan {
		t.Errorf("stored scan: got description %q, unmasked %q; want %q, %q", e.Description, e.Unmasked, lockerScanMasked, lockerScan)
	}
	if e := events[1]; e.Description != "已揽收" || e.Unmasked != "" {
		t.Errorf("scan without personal data: got %q, unmasked %q", e.Description, e.Unmasked)
	}

	// The carrier pushes the history again, once re-spaced: nothing new.
	again := ev(at(1, 9, 0), trail.StatusAtPickupPoint, "  快件已放入丰巢智能柜，收件人：欧阳娜娜，派件员电话13987654321，请凭取件码  6-2-0815 取件 ")
	res, err = b.s.Ingest(b.ctx, b.brand.ID, s.Carrier, s.TrackingNo, []trail.CarrierEvent{ev(at(0, 18, 0), trail.StatusPickedUp, "已揽收"),
		ev(at(1, 9, 0), trail.StatusAtPickupPoint, lockerScan), again})
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 0 || res.Duplicates != 3 {
		t.Fatalf("re-pushed history: got new=%d dup=%d, want 0 and 3", res.New, res.Duplicates)
	}
	// Another recipient name is another scan.
	res, err = b.s.Ingest(b.ctx, b.brand.ID, s.Carrier, s.TrackingNo, []trail.CarrierEvent{
		ev(at(1, 9, 0), trail.StatusAtPickupPoint, "快件已放入丰巢智能柜，收件人：欧阳菲菲，派件员电话13987654321，请凭取件码 6-2-0815 取件")})
	if err != nil || res.New != 1 {
		t.Fatalf("a different scan: got %+v, %v, want one new", res, err)
	}

	// The buyer's message carries the pickup code.
	b.dispatch(t, o.ID, at(1, 10, 0))
	ds := b.deliveries(t, b.brand.ID, trail.DeliveryFilter{Channel: trail.ChannelSMS})
	if len(ds) == 0 {
		t.Fatal("no SMS delivery")
	}
	task, err := b.s.DeliveryTask(b.ctx, ds[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	code := ""
	for _, n := range task.Notices {
		if n.Kind == trail.NoticeAtPickupPoint {
			code = n.Detail
		}
	}
	if code != "6-2-0815" {
		t.Errorf("pickup notice: got detail %q, want 6-2-0815 (notices %+v)", code, task.Notices)
	}
}

// ScanBacklog checks the upgrade of stored scan text (migration 0011 and
// the store's start): events stored in clear before it are masked, their
// own text sealed, and the carrier's next push of the same history is
// still a duplicate; an event without personal data is left as it was.
func ScanBacklog(t *testing.T, open func(t *testing.T, sealer trail.Sealer) *MigrationTarget) {
	sealer := MustSealer(t)
	target := open(t, sealer)
	c := &clock{t: time.Date(2026, 11, 25, 2, 0, 0, 0, time.UTC)}
	b := &bundle{ctx: context.Background(), s: target.Store, clock: c}
	b.brand = b.mustBrand(t, "plum-house")
	b.mustSKU(t, b.brand.ID, "PLUM-330", true)
	b.mustSKU(t, b.brand.ID, "RICE-500", false)
	if _, err := b.s.PutCompliance(b.ctx, b.brand.ID, &trail.Compliance{Carrier: "zhongtong", Alcohol: true, Fragile: true}); err != nil {
		t.Fatal(err)
	}
	o := b.mustOrder(t, b.brand.ID, "WED-OLD")
	s := b.mustShipment(t, b.brand.ID, o.OrderNo, "zhongtong", "ZT7000000002", trail.ShipmentItem{SKU: "PLUM-330", Quantity: 12})
	var shipmentID int64
	if err := target.Raw.QueryRow(target.Dialect.Rebind(`SELECT id FROM shipments WHERE tracking_no = ?`), s.TrackingNo).Scan(&shipmentID); err != nil {
		t.Fatal(err)
	}
	// Two events as the store wrote them before: text in clear, plain
	// fingerprints.
	history := []trail.CarrierEvent{ev(at(0, 18, 0), trail.StatusPickedUp, "已揽收"), ev(at(1, 9, 0), trail.StatusAtPickupPoint, lockerScan)}
	for _, e := range history {
		e.Normalize()
		if _, err := target.Raw.Exec(target.Dialect.Rebind(`INSERT INTO tracking_events (shipment_id, fingerprint, received_at, time, status,
			sub_status, raw_code, description, location, area_code, external_id, source) VALUES (?, ?, ?, ?, ?, '', '', ?, '', '', '', ?)`),
			shipmentID, e.Fingerprint(), target.Dialect.TimeArg(c.Now()), target.Dialect.TimeArg(e.Time), string(e.Status), e.Description, e.Source); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := target.Raw.Exec(`DELETE FROM scan_mask_backlog`); err != nil {
		t.Fatal(err)
	}
	if _, err := target.Raw.Exec(`INSERT INTO scan_mask_backlog (after_id, upto_id) SELECT 0, MAX(id) FROM tracking_events`); err != nil {
		t.Fatal(err)
	}

	if _, err := target.Migrate(b.ctx); err != nil {
		t.Fatal(err)
	}
	rows, err := target.Raw.Query(target.Dialect.Rebind(`SELECT description, description_sealed FROM tracking_events WHERE shipment_id = ? ORDER BY time`), shipmentID)
	if err != nil {
		t.Fatal(err)
	}
	var stored []string
	var sealed [][]byte
	for rows.Next() {
		var d string
		var sl []byte
		if err := rows.Scan(&d, &sl); err != nil {
			t.Fatal(err)
		}
		stored, sealed = append(stored, d), append(sealed, sl)
	}
	rows.Close()
	if len(stored) != 2 || stored[0] != "已揽收" || sealed[0] != nil || stored[1] != lockerScanMasked {
		t.Fatalf("after the upgrade: got %q, want 已揽收 untouched and %q", stored, lockerScanMasked)
	}
	if len(sealed[1]) == 0 || bytes.Contains(sealed[1], []byte("13987654321")) {
		t.Fatalf("sealed original: got %q", sealed[1])
	}
	if e := b.mustGraph(t, o.OrderNo).Shipments[0].Events[0]; e.Unmasked != lockerScan {
		t.Errorf("opened original: got %q, want %q", e.Unmasked, lockerScan)
	}
	var left int
	if err := target.Raw.QueryRow(`SELECT COUNT(*) FROM scan_mask_backlog`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("backlog: %d rows left, %v", left, err)
	}

	res, err := b.s.Ingest(b.ctx, b.brand.ID, s.Carrier, s.TrackingNo, history)
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 0 || res.Duplicates != 2 {
		t.Fatalf("history pushed again after the upgrade: got new=%d dup=%d, want 0 and 2", res.New, res.Duplicates)
	}
	if _, err := target.Migrate(b.ctx); err != nil {
		t.Fatalf("migrating again: %v", err)
	}
}
