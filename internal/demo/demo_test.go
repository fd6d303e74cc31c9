package demo_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/demo"
	"github.com/bottletrail/bottletrail/internal/sqlite"
	"github.com/bottletrail/bottletrail/internal/storetest"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// TestSeed seeds a real store and checks that the demo shows every order
// status the product knows but cancelled.
func TestSeed(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "demo.db"), storetest.MustSealer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	brand := &trail.Brand{Slug: "demo", Name: "演示酒坊"}
	if _, err := db.CreateBrand(ctx, brand); err != nil {
		t.Fatal(err)
	}
	show, err := demo.Seed(ctx, db, brand.ID, time.Now(), 50, demo.ClockOf(&db.Now))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[trail.OrderStatus]int{}
	damagedDelivered := 0
	for _, s := range show {
		g, err := db.OrderGraph(ctx, brand.ID, s.OrderNo)
		if err != nil {
			t.Fatal(err)
		}
		seen[g.Status]++
		if g.Status == trail.OrderDelivered && g.Damaged() {
			damagedDelivered++
		}
	}
	for _, want := range trail.OrderStatuses {
		if want == trail.OrderCancelled {
			continue
		}
		if seen[want] == 0 {
			t.Errorf("no showcase order is %s (got %v)", want, seen)
		}
	}
	if damagedDelivered == 0 {
		t.Error("no showcase order is delivered with a damaged parcel")
	}
}
