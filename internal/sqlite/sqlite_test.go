package sqlite_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/sqlite"
	"github.com/bottletrail/bottletrail/internal/storetest"
	"github.com/bottletrail/bottletrail/internal/trail"
)

func open(t *testing.T, sealer trail.Sealer, now func() time.Time) storetest.Store {
	db := MustOpen(t, filepath.Join(t.TempDir(), "bt.db"), sealer)
	db.Now = now
	return db
}

// MustOpen opens a database file that is closed when the test ends.
func MustOpen(t *testing.T, path string, sealer trail.Sealer) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path, sealer)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestConformance(t *testing.T) {
	storetest.Exercise(t, open)
}

func TestMigrateTwice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bt.db")
	db := MustOpen(t, path, storetest.MustSealer(t))
	applied, err := db.Migrate(context.Background())
	if err != nil || len(applied) != 0 {
		t.Fatalf("second migrate: got %v, %v, want nothing applied", applied, err)
	}
}

// TestNoPlaintextPII writes an order and then reads the raw database files:
// the phone number, the name and the street must appear nowhere.
func TestNoPlaintextPII(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bt.db")
	db := MustOpen(t, path, storetest.MustSealer(t))
	ctx := context.Background()
	brand := &trail.Brand{Slug: "plum-house", Name: "梅子酒坊"}
	if _, err := db.CreateBrand(ctx, brand); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutSKU(ctx, brand.ID, &trail.SKU{Code: "PLUM-330", Name: "青梅酒"}); err != nil {
		t.Fatal(err)
	}
	o := &trail.Order{OrderNo: "WX1", Customer: trail.Contact{Name: "欧阳娜娜", Phone: "139 1234 5678"},
		Recipient: &trail.Contact{Name: "李四喜", Phone: "+8613800138000"},
		Address:   trail.Address{Province: "浙江省", City: "杭州市", District: "西湖区", Detail: "文三路188号梅园小区"},
		Items:     []trail.Item{{SKU: "PLUM-330", Quantity: 1}}}
	o.Normalize()
	if _, err := db.CreateOrder(ctx, brand.ID, o); err != nil {
		t.Fatal(err)
	}
	db.Close()
	files, _ := filepath.Glob(path + "*")
	if len(files) == 0 {
		t.Fatal("no database files")
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{"13912345678", "13800138000", "欧阳娜娜", "李四喜", "文三路", "梅园小区"} {
			if bytes.Contains(raw, []byte(secret)) {
				t.Errorf("%s holds %q in clear", filepath.Base(f), secret)
			}
		}
		if f == path && !bytes.Contains(raw, []byte("杭州市")) {
			t.Errorf("%s lacks the city: the test is not reading the data", filepath.Base(f))
		}
	}
}

// TestMigrateDashedTrackingNumbers stores tracking numbers with dashes, as
// earlier versions did, and applies migration 0010 again: they lose their
// dashes and are found by the numbers carriers push, except one whose
// dashless form another parcel has.
func TestMigrateDashedTrackingNumbers(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t, filepath.Join(t.TempDir(), "bt.db"), storetest.MustSealer(t))
	brand := &trail.Brand{Slug: "plum-house", Name: "梅子酒坊"}
	if _, err := db.CreateBrand(ctx, brand); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutSKU(ctx, brand.ID, &trail.SKU{Code: "PLUM-330", Name: "青梅酒"}); err != nil {
		t.Fatal(err)
	}
	o := &trail.Order{OrderNo: "WX1", Customer: trail.Contact{Name: "张三", Phone: "13912345678"},
		Address: trail.Address{Province: "浙江省", City: "杭州市", District: "西湖区", Detail: "文三路188号"},
		Items:   []trail.Item{{SKU: "PLUM-330", Quantity: 4}}}
	o.Normalize()
	if _, err := db.CreateOrder(ctx, brand.ID, o); err != nil {
		t.Fatal(err)
	}
	old := map[string]string{"JD00123456": "JD-0012-3456", "YT12345678": "YT-1234-5678", "YT123456789": "YT123456789"}
	for _, no := range []string{"JD00123456", "YT12345678", "YT123456789", "YT123456780"} {
		s := &trail.Shipment{Carrier: "yuantong", TrackingNo: no, Items: []trail.ShipmentItem{{SKU: "PLUM-330", Quantity: 1}}}
		if no == "JD00123456" {
			s.Carrier = "jd"
		}
		if _, err := db.CreateShipment(ctx, brand.ID, "WX1", s); err != nil {
			t.Fatal(err)
		}
	}
	w := db.Writer()
	for no, dashed := range old {
		if _, err := w.ExecContext(ctx, `UPDATE shipments SET tracking_no = ? WHERE tracking_no = ?`, dashed, no); err != nil {
			t.Fatal(err)
		}
	}
	// A parcel of the same carrier whose dashless number is taken.
	if _, err := w.ExecContext(ctx, `UPDATE shipments SET tracking_no = 'YT12345-6789' WHERE tracking_no = 'YT123456780'`); err != nil {
		t.Fatal(err)
	}
	if _, err := w.ExecContext(ctx, `DELETE FROM schema_migrations WHERE name = '0010_typed_numbers'; DROP INDEX orders_order_no_upper`); err != nil {
		t.Fatal(err)
	}
	if applied, err := db.Migrate(ctx); err != nil || len(applied) != 1 {
		t.Fatalf("migrate: got %v, %v, want 0010 applied again", applied, err)
	}
	rows, err := w.QueryContext(ctx, `SELECT tracking_no FROM shipments ORDER BY tracking_no`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var no string
		if err := rows.Scan(&no); err != nil {
			t.Fatal(err)
		}
		got = append(got, no)
	}
	want := []string{"JD00123456", "YT12345-6789", "YT12345678", "YT123456789"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("tracking numbers: got %v, want %v", got, want)
	}
}
