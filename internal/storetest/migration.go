package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/sqlstore"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// ExerciseWebhookErrorMigration checks migration 0010 on a migrated
// store: failed webhook deliveries written before it kept the endpoint's
// reply in last_error, and after it keep only the status line; other
// channels' errors are left alone. raw is the store's database, d its
// dialect, and migrate applies the migrations not yet recorded.
func ExerciseWebhookErrorMigration(t *testing.T, s Store, raw *sql.DB, d sqlstore.Dialect, migrate func(context.Context) ([]string, error)) {
	t.Helper()
	ctx := context.Background()
	const version = "0010_webhook_last_error"
	brand := &trail.Brand{Slug: "legacy", Name: "legacy"}
	if _, err := s.CreateBrand(ctx, brand); err != nil {
		t.Fatal(err)
	}
	rows := []struct{ channel, stored, want string }{
		{"webhook", "transient: transient send failure: HTTP 500: db password hunter2 <html>", "transient: transient send failure: HTTP 500"},
		{"webhook", "permanent: permanent send failure: HTTP 410: the endpoint is gone: bye hunter2", "permanent: permanent send failure: HTTP 410"},
		{"webhook", `transient: transient send failure: post webhook: Post "http://10.0.0.1/h": net/http: HTTP/1.x transport connection broken: malformed HTTP response "SSH-2.0 hunter2"`,
			"transient: transient send failure: no valid HTTP answer"},
		{"webhook", "transient: transient send failure: cannot connect: connect: connection refused", "transient: transient send failure: cannot connect: connect: connection refused"},
		{"sms", "permanent: permanent send failure: isv.MOBILE_NUMBER_ILLEGAL: HTTP 400: bad number", "permanent: permanent send failure: isv.MOBILE_NUMBER_ILLEGAL: HTTP 400: bad number"},
	}
	now := d.TimeArg(time.Date(2026, 12, 1, 4, 0, 0, 0, time.UTC))
	for i, r := range rows {
		if _, err := raw.ExecContext(ctx, d.Rebind(`INSERT INTO deliveries (brand_id, channel, event, recipient, idempotency_key, state, attempts, last_error, created_at, updated_at)
			VALUES (?, ?, 'order.updated', 'x', ?, 'dead', 1, ?, ?, ?)`), brand.ID, r.channel, "legacy-"+string(rune('a'+i)), r.stored, now, now); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := raw.ExecContext(ctx, d.Rebind(`DELETE FROM schema_migrations WHERE name = ?`), version); err != nil {
		t.Fatal(err)
	}
	applied, err := migrate(ctx)
	if err != nil || !slices.Equal(applied, []string{version}) {
		t.Fatalf("migrate: got %v, %v, want %s applied", applied, err, version)
	}
	got, err := s.Deliveries(ctx, brand.ID, trail.DeliveryFilter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(got) // oldest first, as inserted
	if len(got) != len(rows) {
		t.Fatalf("got %d deliveries, want %d", len(got), len(rows))
	}
	for i, r := range rows {
		if got[i].LastError != r.want {
			t.Errorf("last_error of %q: got %q, want %q", r.stored, got[i].LastError, r.want)
		}
	}
}

// MigrationTarget is a freshly migrated store with the pool it writes
// through, to plant rows as an earlier version stored them, and its
// migration, which applies what is not yet recorded.
type MigrationTarget struct {
	Store   Store
	Raw     *sql.DB
	Dialect sqlstore.Dialect
	Migrate func(context.Context) ([]string, error)
}

// upgradeMigration is the migration that brings data stored before held
// alerts and shipped batches (migration 0012's release) up to them.
const upgradeMigration = "0014_upgrade_held_alerts_shipped_batches"

// Upgrade checks migration 0014 on data as the release before migration
// 0012 left it: a damaged parcel's alert is kept, now held, with no
// webhook; an open risk of a promise that is then broken is kept, held,
// with no webhook; a batch goods shipped from is done and its overdue
// alert resolves.
func Upgrade(t *testing.T, open func(t *testing.T, sealer trail.Sealer, now func() time.Time) *MigrationTarget) {
	t.Run("DamageHeldInPlace", func(t *testing.T) { testUpgradeDamage(t, open) })
	t.Run("BrokenPromiseHeldInPlace", func(t *testing.T) { testUpgradeBrokenPromise(t, open) })
	t.Run("ShippedBatchDone", func(t *testing.T) { testUpgradeShippedBatch(t, open) })
}

// upgradeBundle is setup on the store of a migration target, with a
// webhook for the alert events so that the tests can count them.
func upgradeBundle(t *testing.T, open func(t *testing.T, sealer trail.Sealer, now func() time.Time) *MigrationTarget) (*bundle, *MigrationTarget) {
	t.Helper()
	var m *MigrationTarget
	b := setup(t, func(t *testing.T, sealer trail.Sealer, now func() time.Time) Store {
		m = open(t, sealer, now)
		return m.Store
	})
	if err := b.s.CreateWebhook(b.ctx, b.brand.ID, &trail.WebhookEndpoint{URL: "https://erp.plum.example/alerts",
		Events: []string{trail.EventAlertOpened, trail.EventAlertResolved}}); err != nil {
		t.Fatal(err)
	}
	return b, m
}

// exec runs a statement on the raw pool, written with ? placeholders.
func (m *MigrationTarget) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if _, err := m.Raw.Exec(m.Dialect.Rebind(q), args...); err != nil {
		t.Fatal(err)
	}
}

// remigrate applies the upgrade migration again, as the first start of
// the new release does.
func (m *MigrationTarget) remigrate(t *testing.T) {
	t.Helper()
	m.exec(t, `DELETE FROM schema_migrations WHERE name = ?`, upgradeMigration)
	applied, err := m.Migrate(context.Background())
	if err != nil || !slices.Equal(applied, []string{upgradeMigration}) {
		t.Fatalf("migrate: got %v, %v, want %s applied", applied, err, upgradeMigration)
	}
}

// alertRow reads what the API does not show of an alert.
func (m *MigrationTarget) alertRow(t *testing.T, id int64) (key string, held bool) {
	t.Helper()
	if err := m.Raw.QueryRow(m.Dialect.Rebind(`SELECT cause_key, held FROM alerts WHERE id = ?`), id).Scan(&key, &held); err != nil {
		t.Fatal(err)
	}
	return key, held
}

// alertWebhooks counts the brand's alert.opened and alert.resolved
// deliveries.
func (b *bundle) alertWebhooks(t *testing.T) (opened, resolved int) {
	t.Helper()
	for _, d := range b.deliveries(t, b.brand.ID, trail.DeliveryFilter{Channel: trail.ChannelWebhook}) {
		switch d.Event {
		case trail.EventAlertOpened:
			opened++
		case trail.EventAlertResolved:
			resolved++
		}
	}
	return opened, resolved
}

// testUpgradeDamage stores two damaged parcels' alerts as the exception
// rule left them (cause key exception:s<parcel>:<leg>, not held): one
// open, one a person resolved. After the upgrade the open one is the
// parcel's damage alert, same id, held through the parcel being signed
// for; the resolved one stays resolved; no alert webhook is sent.
func testUpgradeDamage(t *testing.T, open func(t *testing.T, sealer trail.Sealer, now func() time.Time) *MigrationTarget) {
	b, m := upgradeBundle(t, open)
	parcels := []string{"YT1234567890123", "YT1234567890456"}
	for i, no := range parcels {
		o := newOrder("WED-" + strconv.Itoa(i+1))
		o.Occasion, o.PromisedShipBy = nil, nil // damage alone
		if _, err := b.s.CreateOrder(b.ctx, b.brand.ID, o); err != nil {
			t.Fatal(err)
		}
		b.mustShipment(t, b.brand.ID, o.OrderNo, "yuantong", no, allItems...)
		damaged := ev(at(2, 10, 0), trail.StatusException, "外包装破损，内件玻璃瓶破碎")
		damaged.SubStatus = trail.SubDamaged
		if _, err := b.s.Ingest(b.ctx, b.brand.ID, "yuantong", no, []trail.CarrierEvent{damaged}); err != nil {
			t.Fatal(err)
		}
	}
	b.evaluate(t, at(2, 11, 0))
	var ids []int64
	for _, no := range parcels {
		a := b.alerts(t, b.brand.ID, trail.AlertOpen)["exception "+no]
		if a == nil {
			t.Fatalf("%s: got %+v", no, b.alerts(t, b.brand.ID, ""))
		}
		var shipmentID int64
		var leg int
		if err := m.Raw.QueryRow(m.Dialect.Rebind(`SELECT id, leg FROM shipments WHERE tracking_no = ?`), no).Scan(&shipmentID, &leg); err != nil {
			t.Fatal(err)
		}
		m.exec(t, `UPDATE alerts SET cause_key = ?, held = ?, explanation = ? WHERE id = ?`,
			fmt.Sprintf("exception:s%d:%d", shipmentID, leg), false, "包裹 圆通速递 "+no+" 状态为「运输异常」（破损）。请联系收件人核实破损情况，安排补发并向快递公司理赔。", a.ID)
		ids = append(ids, a.ID)
	}
	if _, err := b.s.ResolveAlert(b.ctx, b.brand.ID, ids[1], "agent@example.com", "已补发"); err != nil {
		t.Fatal(err)
	}
	opened, resolved := b.alertWebhooks(t)

	m.remigrate(t)
	signed := ev(at(3, 10, 0), trail.StatusDelivered, "异常后签收")
	signed.SubStatus = "signed_after_exception"
	for _, no := range parcels {
		if _, err := b.s.Ingest(b.ctx, b.brand.ID, "yuantong", no, []trail.CarrierEvent{signed}); err != nil {
			t.Fatal(err)
		}
	}
	if n := b.evaluate(t, at(3, 11, 0)); n != 2 {
		t.Fatalf("evaluations after the upgrade: got %d, want 2", n)
	}
	a := b.alerts(t, b.brand.ID, trail.AlertOpen)["exception "+parcels[0]]
	if a == nil || a.ID != ids[0] || !strings.Contains(a.Explanation, "手动关闭") {
		t.Fatalf("open damage alert after the upgrade: got %+v, want id %d kept", b.alerts(t, b.brand.ID, ""), ids[0])
	}
	if key, held := m.alertRow(t, a.ID); !strings.HasPrefix(key, "damage:s") || !held {
		t.Errorf("open damage alert: got key %s held %v, want damage:s… held", key, held)
	}
	if r := b.alerts(t, b.brand.ID, trail.AlertResolved)["exception "+parcels[1]]; r == nil || r.ID != ids[1] || r.ResolvedBy != "agent@example.com" {
		t.Fatalf("resolved damage alert after the upgrade: got %+v", b.alerts(t, b.brand.ID, ""))
	}
	if b.alerts(t, b.brand.ID, trail.AlertOpen)["exception "+parcels[1]] != nil {
		t.Fatalf("a damage a person resolved opened again: got %+v", b.alerts(t, b.brand.ID, trail.AlertOpen))
	}
	if o, r := b.alertWebhooks(t); o != opened || r != resolved {
		t.Errorf("alert webhooks after the upgrade: got %d opened and %d resolved more, want none", o-opened, r-resolved)
	}
}

// testUpgradeBrokenPromise opens the risk alert of a ship promise as the
// release before held alerts did (its key has not changed, and it is not
// held), then ships late after the upgrade: the same alert is now the
// broken promise, held, and no alert webhook is sent.
func testUpgradeBrokenPromise(t *testing.T, open func(t *testing.T, sealer trail.Sealer, now func() time.Time) *MigrationTarget) {
	b, m := upgradeBundle(t, open)
	o := newOrder("WED-1")
	o.Occasion = nil // the ship promise (5 December) alone
	if _, err := b.s.CreateOrder(b.ctx, b.brand.ID, o); err != nil {
		t.Fatal(err)
	}
	b.evaluate(t, at(11, 9, 0))
	risk := b.alerts(t, b.brand.ID, trail.AlertOpen)["eta_risk WED-1"]
	if risk == nil {
		t.Fatalf("risk: got %+v", b.alerts(t, b.brand.ID, ""))
	}
	if _, held := m.alertRow(t, risk.ID); held {
		t.Fatal("a risk is held before the promise is broken")
	}
	opened, resolved := b.alertWebhooks(t)

	m.remigrate(t)
	b.clock.Set(at(12, 10, 0))
	b.mustShipment(t, b.brand.ID, "WED-1", "zhongtong", "ZT1000000001", allItems...)
	b.evaluate(t, at(12, 11, 0))
	a := b.alerts(t, b.brand.ID, trail.AlertOpen)["eta_risk WED-1"]
	if a == nil || a.ID != risk.ID || !strings.Contains(a.Explanation, "承诺未能兑现") {
		t.Fatalf("broken promise after the upgrade: got %+v, want id %d kept", b.alerts(t, b.brand.ID, ""), risk.ID)
	}
	if _, held := m.alertRow(t, a.ID); !held {
		t.Error("broken promise not held")
	}
	if o, r := b.alertWebhooks(t); o != opened || r != resolved {
		t.Errorf("alert webhooks after the upgrade: got %d opened and %d resolved more, want none", o-opened, r-resolved)
	}
}

// testUpgradeShippedBatch ships part of a batch whose filling is overdue
// and delivers it as the release before did, recording nothing on the
// batch: the batch stays late and its alert open. The upgrade records the
// batch done at the parcel's creation, for every order waiting on it, and
// its alert resolves at the next evaluation; a batch nothing shipped from
// is left alone.
func testUpgradeShippedBatch(t *testing.T, open func(t *testing.T, sealer trail.Sealer, now func() time.Time) *MigrationTarget) {
	b, m := upgradeBundle(t, open)
	for _, no := range []string{"WED-1", "WED-2"} { // WED-2 waits on the same batches
		o := newOrder(no)
		o.Occasion, o.PromisedShipBy = nil, nil // the batches alone
		if _, err := b.s.CreateOrder(b.ctx, b.brand.ID, o); err != nil {
			t.Fatal(err)
		}
	}
	for _, batch := range []*trail.Batch{
		{BatchNo: "B20261125-01", SKU: "PLUM-330", Plan: map[trail.Stage]trail.Date{trail.StageFilling: "2026-11-27", trail.StageReady: "2026-12-01"}},
		{BatchNo: "B20261125-02", SKU: "RICE-500", Plan: map[trail.Stage]trail.Date{trail.StageReady: "2026-12-20"}},
	} {
		if _, err := b.s.CreateBatch(b.ctx, b.brand.ID, batch); err != nil {
			t.Fatal(err)
		}
	}
	b.evaluate(t, at(3, 0, 0))
	b.clock.Set(at(3, 10, 0))
	s := b.mustShipment(t, b.brand.ID, "WED-1", "zhongtong", "ZT1000000001", trail.ShipmentItem{SKU: "PLUM-330", Quantity: 12})
	m.exec(t, `DELETE FROM batch_events`) // the release before recorded nothing
	if _, err := b.s.Ingest(b.ctx, b.brand.ID, s.Carrier, s.TrackingNo, []trail.CarrierEvent{
		ev(at(3, 18, 0), trail.StatusPickedUp, "已揽收"), ev(at(5, 10, 0), trail.StatusDelivered, "已签收")}); err != nil {
		t.Fatal(err)
	}
	b.evaluate(t, at(6, 0, 0))
	overdue := b.alerts(t, b.brand.ID, trail.AlertOpen)["production_overdue B20261125-01"]
	if overdue == nil || b.mustGraph(t, "WED-1").Batches[0].Done() {
		t.Fatalf("before the upgrade: want the batch not done and its alert open, got %+v", b.alerts(t, b.brand.ID, ""))
	}

	m.remigrate(t)
	for _, no := range []string{"WED-1", "WED-2"} {
		g := b.mustGraph(t, no)
		for _, bt := range g.Batches {
			switch bt.BatchNo {
			case "B20261125-01":
				if !bt.Done() || len(bt.Events) != 1 {
					t.Fatalf("%s: shipped batch after the upgrade: got %+v", no, bt)
				}
				e := bt.Events[0]
				if e.Stage != trail.StageReady || e.State != trail.StateCompleted || !e.At.Equal(at(3, 10, 0)) || e.Reason != "随包裹 ZT1000000001 发出" {
					t.Errorf("%s: recorded event: got %+v", no, e)
				}
				for _, p := range bt.Progress() {
					if bt.Late(p, at(6, 0, 0)) {
						t.Errorf("%s: stage %s still late", no, p.Stage)
					}
				}
			case "B20261125-02":
				if bt.Done() || len(bt.Events) != 0 {
					t.Errorf("%s: batch nothing shipped from: got %+v", no, bt)
				}
			}
		}
	}
	b.evaluate(t, at(6, 0, 0)) // the same instant: only what the upgrade scheduled is due
	if a := b.alerts(t, b.brand.ID, trail.AlertResolved)["production_overdue B20261125-01"]; a == nil || a.ID != overdue.ID || a.ResolvedBy != trail.ResolvedAutomatically {
		t.Fatalf("overdue after the upgrade: got %+v", b.alerts(t, b.brand.ID, ""))
	}
}
