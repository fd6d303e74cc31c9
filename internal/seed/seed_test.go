package seed_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/carrier/kuaidi100"
	"github.com/bottletrail/bottletrail/internal/pii"
	"github.com/bottletrail/bottletrail/internal/postgres"
	"github.com/bottletrail/bottletrail/internal/seed"
	"github.com/bottletrail/bottletrail/internal/sqlite"
	"github.com/bottletrail/bottletrail/internal/sqlstore"
	"github.com/bottletrail/bottletrail/internal/storetest"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// store is an opened engine with what the seeder and the test need of it.
type store struct {
	target seed.Target
	db     *sqlstore.DB
}

func sealer(t *testing.T) *pii.Keyring {
	t.Helper()
	k, err := pii.New([]byte(rand.Text() + rand.Text())[:pii.KeySize])
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func openSQLite(t *testing.T) store {
	s := sealer(t)
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "bt.db"), s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return store{seed.Target{Store: db, DB: db.Writer(), Dialect: sqlite.Dialect, Sealer: s}, db.DB}
}

// openPostgres opens a fresh schema on the test server, or skips (fails
// under BOTTLETRAIL_REQUIRE_POSTGRES) when none answers, as the store
// suites do.
func openPostgres(t *testing.T) store {
	ctx := context.Background()
	dsn := storetest.PostgresSchema(t, t, "bt_seed_", nil)
	s := sealer(t)
	db, err := postgres.Open(ctx, dsn, s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return store{seed.Target{Store: db, DB: db.SQL(), Dialect: postgres.Dialect, Sealer: s}, db.DB}
}

// TestFastPathMatchesServices seeds the same 50 parcels twice, through the
// trail services and through the fast path, and checks that every row of
// every table they write is the same (IDs aside; ciphertexts compared
// opened), that the order graphs read back the same, that the seeded
// history is what a push of the journey stores (re-ingesting it adds
// nothing) and that the due parcels are the ones a claim takes.
func TestFastPathMatchesServices(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testFastPath(t, openSQLite(t)) })
	t.Run("postgres", func(t *testing.T) { testFastPath(t, openPostgres(t)) })
}

func testFastPath(t *testing.T, s store) {
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 6, 30, 15, 123456000, time.UTC)
	s.db.Now = func() time.Time { return now }
	events := func(i int) int { return []int{0, 1, 18, 19, 7}[i%5] }
	results := map[string][]*seed.Result{}
	for _, slow := range []bool{true, false} {
		brand := map[bool]string{true: "slow", false: "fast"}[slow]
		// 40 parcels polled, then 10 more subscribed, to the same brand.
		for _, o := range []seed.Options{
			{Parcels: 40, DueShare: 0.25, Events: events, Batch: 16},
			{Parcels: 10, DueShare: 0.2, Events: events, Subscribed: true, Batch: 16},
		} {
			o.Brand, o.Now, o.Slow = brand, now, slow
			var progress bytes.Buffer
			o.Progress = &progress
			res, err := seed.Seed(ctx, s.target, o)
			if err != nil {
				t.Fatalf("%s: %v", brand, err)
			}
			if !strings.Contains(progress.String(), fmt.Sprintf("%d/%d parcels (100%%)", o.Parcels, o.Parcels)) {
				t.Errorf("%s: progress %q", brand, progress.String())
			}
			results[brand] = append(results[brand], res)
		}
	}
	slow, fast := results["slow"], results["fast"]
	if fast[0].First != 0 || fast[1].First != 40 || fast[0].Due != 10 || fast[1].Due != 2 || fast[0].APIKey == "" || fast[1].APIKey != "" {
		t.Fatalf("fast results: %+v %+v", fast[0], fast[1])
	}
	for k := range fast {
		if fast[k].Due != slow[k].Due {
			t.Errorf("due: fast %d, slow %d", fast[k].Due, slow[k].Due)
		}
	}

	// Every row, column by column.
	for _, table := range tables {
		a := dump(t, s, table, slow[0].Brand.ID)
		b := dump(t, s, table, fast[0].Brand.ID)
		if len(a.rows) == 0 {
			t.Fatalf("%s: no rows", table.name)
		}
		if len(a.cols) < table.minCols {
			t.Fatalf("%s: compared only %v", table.name, a.cols)
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s differs:\nservices:  %v\nfast path: %v", table.name, a, b)
		}
	}

	// The order graphs, through the API.
	for i := range 50 {
		no := seed.ParcelOf(i).OrderNo
		ga, err := s.target.Store.OrderGraph(ctx, slow[0].Brand.ID, no)
		if err != nil {
			t.Fatal(err)
		}
		gb, err := s.target.Store.OrderGraph(ctx, fast[0].Brand.ID, no)
		if err != nil {
			t.Fatal(err)
		}
		clearIDs(ga)
		clearIDs(gb)
		if !reflect.DeepEqual(ga, gb) {
			t.Errorf("order graph %s differs:\nservices:  %+v\nfast path: %+v", no, ga, gb)
		}
		if len(gb.Shipments) != 1 || len(gb.Shipments[0].Events) != events(i) {
			t.Fatalf("order %s: %+v", no, gb.Shipments)
		}
		if events(i) > 0 && gb.Shipments[0].Status != trail.StatusInTransit && gb.Shipments[0].Status != trail.StatusPickedUp && gb.Shipments[0].Status != trail.StatusCreated {
			t.Errorf("order %s: status %s", no, gb.Shipments[0].Status)
		}
	}

	// The seeded history is what the journey's push stores: sending it
	// again adds nothing, and the rest of the journey adds what is new.
	p := seed.ParcelOf(3)
	r, err := s.target.Store.Ingest(ctx, fast[0].Brand.ID, p.Carrier, p.TrackingNo, seed.Journey(3, events(3), now))
	if err != nil || r.New != 0 || r.Duplicates != events(3) {
		t.Fatalf("re-ingest: %+v, %v", r, err)
	}
	r, err = s.target.Store.Ingest(ctx, fast[0].Brand.ID, p.Carrier, p.TrackingNo, seed.Journey(3, 20, now))
	if err != nil || r.New != 20-events(3) {
		t.Fatalf("ingest the rest: %+v, %v", r, err)
	}

	// A claim takes exactly the due parcels of both brands, with their
	// accounts and phones.
	tasks, err := s.target.Store.ClaimDuePolls(ctx, now, 1000, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if want := slow[0].Due + slow[1].Due + fast[0].Due + fast[1].Due; len(tasks) != want {
		t.Fatalf("claimed %d parcels, want %d", len(tasks), want)
	}
	for _, task := range tasks {
		if task.Account == nil || task.Account.Provider != trail.ProviderKuaidi100 || len(task.PhoneLast4) != 4 {
			t.Fatalf("task %+v", task)
		}
	}
}

// TestPushMatchesJourney checks that a Kuaidi100Push body passes the
// provider's own signature check and parses to exactly the journey's
// events.
func TestPushMatchesJourney(t *testing.T) {
	now := time.Now()
	acct := &trail.CarrierAccount{Provider: trail.ProviderKuaidi100, Credentials: map[string]string{"customer": "c", "key": "k", "salt": "pepper"}}
	for _, i := range []int{0, 1, 2, 3, 4097} {
		body := seed.Kuaidi100Push(i, 20, now, "pepper")
		updates, err := (&kuaidi100.Client{}).ParsePush(acct, "application/x-www-form-urlencoded", []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		p := seed.ParcelOf(i)
		if len(updates) != 1 || updates[0].Carrier != p.Carrier || updates[0].TrackingNo != p.TrackingNo || updates[0].Stopped != "" {
			t.Fatalf("parcel %d: %+v", i, updates)
		}
		got, want := updates[0].Events, seed.Journey(i, 20, now)
		for k := range got {
			got[k].Normalize()
			want[k].Normalize()
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("parcel %d:\npush:    %+v\njourney: %+v", i, got, want)
		}
		if !want[0].Time.Before(now) {
			t.Errorf("parcel %d: the 20th scan is not in the past", i)
		}
	}
	if _, err := (&kuaidi100.Client{}).ParsePush(acct, "", []byte(seed.Kuaidi100Push(0, 20, now, "salt"))); trail.ErrorCode(err) != trail.EUNAUTHORIZED {
		t.Errorf("a push signed with another salt: %v", err)
	}
}

func clearIDs(g *trail.OrderGraph) {
	g.Order.ID = 0
	for i := range g.Order.Items {
		g.Order.Items[i].ID = 0
	}
	for _, s := range g.Shipments {
		s.ID = 0
		for i := range s.Items {
			s.Items[i].ItemID = 0
		}
		for i := range s.Events {
			s.Events[i].ID = 0
		}
	}
}

// table is one table the seeder writes, read with natural keys in place of
// IDs.
type table struct {
	name    string
	query   string
	minCols int
}

var tables = []table{
	{"orders", `SELECT o.* FROM orders o WHERE o.brand_id = ? ORDER BY o.order_no`, 22},
	{"order_items", `SELECT o.order_no, i.* FROM order_items i JOIN orders o ON o.id = i.order_id
		WHERE o.brand_id = ? ORDER BY o.order_no, i.line`, 7},
	{"shipments", `SELECT o.order_no, s.* FROM shipments s JOIN orders o ON o.id = s.order_id
		WHERE s.brand_id = ? ORDER BY s.tracking_no`, 14},
	{"shipment_items", `SELECT s.tracking_no, i.line, si.* FROM shipment_items si JOIN shipments s ON s.id = si.shipment_id
		JOIN order_items i ON i.id = si.order_item_id WHERE s.brand_id = ? ORDER BY s.tracking_no, i.line`, 3},
	{"tracking_events", `SELECT s.tracking_no, e.* FROM tracking_events e JOIN shipments s ON s.id = e.shipment_id
		WHERE s.brand_id = ? ORDER BY s.tracking_no, e.fingerprint`, 12},
}

// skipped are the columns that hold IDs, which differ between brands.
var skipped = map[string]bool{"id": true, "brand_id": true, "order_id": true, "shipment_id": true, "order_item_id": true}

// sealed are the columns that hold ciphertexts, compared opened.
var sealed = map[string]bool{"customer_name": true, "customer_phone": true, "recipient_name": true, "recipient_phone": true, "address_detail": true}

type rows struct {
	cols []string
	rows [][]string
}

func dump(t *testing.T, s store, tb table, brandID int64) rows {
	t.Helper()
	q := tb.query
	if s.target.Dialect.NumberedParams {
		q = strings.Replace(q, "?", "$1", 1)
	}
	rs, err := s.target.DB.QueryContext(context.Background(), q, brandID)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	names, err := rs.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out rows
	for _, n := range names {
		if !skipped[n] {
			out.cols = append(out.cols, n)
		}
	}
	for rs.Next() {
		vals := make([]any, len(names))
		ptrs := make([]any, len(names))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var row []string
		for i, n := range names {
			if skipped[n] {
				continue
			}
			row = append(row, render(t, s.target.Sealer, n, vals[i]))
		}
		out.rows = append(out.rows, row)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func render(t *testing.T, s trail.Sealer, col string, v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		if sealed[col] {
			plain, err := s.Open(v)
			if err != nil {
				t.Fatalf("%s: %v", col, err)
			}
			return "sealed:" + plain
		}
		return fmt.Sprintf("%x", v)
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano)
	case sql.RawBytes:
		return string(v)
	}
	return fmt.Sprint(v)
}
