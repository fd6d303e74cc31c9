package demo_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/carriersim"
	"github.com/bottletrail/bottletrail/internal/demo"
	"github.com/bottletrail/bottletrail/internal/sqlite"
	"github.com/bottletrail/bottletrail/internal/storetest"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// TestSeed seeds a real store and checks that the demo shows every order
// status the product knows but cancelled.
func TestSeed(t *testing.T) {
	ctx := context.Background()
	db, brand := mustDemoStore(t)
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

// TestLiveParcelsScannedWhereTheyGo seeds the live orders with the
// simulator's own scenarios, moved as SeedLive asks: every parcel is picked
// up in the demo warehouse's city, and its last-mile scans (out for
// delivery, locker, delivered) are in its order's address city.
func TestLiveParcelsScannedWhereTheyGo(t *testing.T) {
	ctx := context.Background()
	db, brand := mustDemoStore(t)
	if _, err := demo.Seed(ctx, db, brand.ID, time.Now(), 0, nil); err != nil { // the catalogue
		t.Fatal(err)
	}
	scenarios := carriersim.DefaultScenarios()
	played := map[string]carriersim.Scenario{} // by tracking number
	assign := func(carrier, trackingNo, scenario, from, to string) error {
		sc, ok := scenarios[scenario]
		if !ok {
			return fmt.Errorf("unknown scenario %q", scenario)
		}
		played[trackingNo] = sc.Relocated(carriersim.Route{From: from, To: to})
		return nil
	}
	show, err := demo.SeedLive(ctx, db, brand.ID, time.Now(), 50, assign)
	if err != nil {
		t.Fatal(err)
	}
	cities := map[string]bool{}
	for _, s := range show {
		g, err := db.OrderGraph(ctx, brand.ID, s.OrderNo)
		if err != nil {
			t.Fatal(err)
		}
		city := g.Order.Address.City
		cities[city] = true
		for _, sh := range g.Shipments {
			sc, ok := played[sh.TrackingNo]
			if !ok {
				t.Fatalf("%s: parcel %s was not assigned a scenario", s.OrderNo, sh.TrackingNo)
			}
			if sc.Steps[0].Location != demo.WarehouseCity {
				t.Errorf("%s (%s): picked up in %s, want the warehouse's %s", s.OrderNo, sc.Name, sc.Steps[0].Location, demo.WarehouseCity)
			}
			lastMile := 0
			for _, st := range sc.Steps {
				switch st.Status {
				case trail.StatusOutForDelivery, trail.StatusAtPickupPoint, trail.StatusDelivered:
					lastMile++
					if st.Location != city {
						t.Errorf("%s (%s) to %s: %s scan in %s (%s)", s.OrderNo, sc.Name, city, st.Status, st.Location, st.Description)
					}
				}
			}
			if lastMile == 0 {
				t.Errorf("%s (%s): no last-mile scan", s.OrderNo, sc.Name)
			}
		}
	}
	if len(cities) < 3 {
		t.Errorf("live orders go to %d cities, want several: %v", len(cities), cities)
	}
}

// mustDemoStore opens a fresh SQLite store, closed when the test ends,
// with the demo brand.
func mustDemoStore(t *testing.T) (*sqlite.DB, *trail.Brand) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "demo.db"), storetest.MustSealer(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	brand := &trail.Brand{Slug: "demo", Name: "演示酒坊"}
	if _, err := db.CreateBrand(context.Background(), brand); err != nil {
		t.Fatal(err)
	}
	return db, brand
}
