package sqlite_test

import (
	"bytes"
	"context"
	"fmt"
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

func TestWebhookErrorMigration(t *testing.T) {
	db := MustOpen(t, filepath.Join(t.TempDir(), "bt.db"), storetest.MustSealer(t))
	storetest.ExerciseWebhookErrorMigration(t, db, db.Writer(), sqlite.Dialect, db.Migrate)
}

// TestNoPlaintextPII writes an order and then reads the raw database files:
// the phone number, the name and the street must appear nowhere, nor the
// name and phone number a carrier wrote into its scan text.
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
	// A carrier writes personal data into its scan text.
	if _, err := db.PutCompliance(ctx, brand.ID, &trail.Compliance{Carrier: "zhongtong", Alcohol: true, Fragile: true}); err != nil {
		t.Fatal(err)
	}
	s := &trail.Shipment{Carrier: "zhongtong", TrackingNo: "ZT7000000001", Items: []trail.ShipmentItem{{SKU: "PLUM-330", Quantity: 1}}}
	s.Normalize()
	if _, err := db.CreateShipment(ctx, brand.ID, o.OrderNo, s); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Ingest(ctx, brand.ID, s.Carrier, s.TrackingNo, []trail.CarrierEvent{{Time: time.Now(), Status: trail.StatusDelivered,
		Description: "已签收，签收人：司马相如，派件员电话 137-0013-9999", Source: trail.SourcePush}}); err != nil {
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
		for _, secret := range []string{"13912345678", "13800138000", "欧阳娜娜", "李四喜", "文三路", "梅园小区",
			"司马相如", "137-0013-9999", "13700139999"} {
			if bytes.Contains(raw, []byte(secret)) {
				t.Errorf("%s holds %q in clear", filepath.Base(f), secret)
			}
		}
		if f == path && !bytes.Contains(raw, []byte("杭州市")) {
			t.Errorf("%s lacks the city: the test is not reading the data", filepath.Base(f))
		}
	}
}

// TestUpgrade checks migration 0014 on data stored before held alerts
// and shipped batches.
func TestUpgrade(t *testing.T) {
	storetest.Upgrade(t, func(t *testing.T, sealer trail.Sealer, now func() time.Time) *storetest.MigrationTarget {
		db := MustOpen(t, filepath.Join(t.TempDir(), "bt.db"), sealer)
		db.Now = now
		return &storetest.MigrationTarget{Store: db, Raw: db.Writer(), Dialect: sqlite.Dialect, Migrate: db.Migrate}
	})
}

func TestScanBacklog(t *testing.T) {
	storetest.ScanBacklog(t, func(t *testing.T, sealer trail.Sealer) *storetest.MigrationTarget {
		db := MustOpen(t, filepath.Join(t.TempDir(), "bt.db"), sealer)
		return &storetest.MigrationTarget{Store: db, Raw: db.Writer(), Dialect: sqlite.Dialect, Migrate: db.Migrate}
	})
}

// TestFileModes: the database and its -wal and -shm files are the owner's
// alone (0600), whatever the umask, when created and when an existing
// file was looser.
func TestFileModes(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bt.db")
	brands := 0
	write := func(db *sqlite.DB) {
		t.Helper()
		brands++
		if _, err := db.CreateBrand(context.Background(), &trail.Brand{Slug: fmt.Sprintf("brand-%d", brands), Name: "梅子酒坊"}); err != nil {
			t.Fatal(err)
		}
	}
	mustModes := func(when string) {
		t.Helper()
		for _, name := range []string{path, path + "-wal", path + "-shm"} {
			info, err := os.Stat(name)
			if err != nil {
				t.Fatalf("%s: %v", when, err)
			}
			if perm := info.Mode().Perm(); perm != 0o600 {
				t.Errorf("%s: %s has mode %04o, want 0600", when, filepath.Base(name), perm)
			}
		}
	}
	db, err := sqlite.Open(context.Background(), path, storetest.MustSealer(t))
	if err != nil {
		t.Fatal(err)
	}
	write(db)
	mustModes("created")
	db.Close()

	// Files made by an older version, or copied in, with the usual 0644
	// (a clean close removed the -wal and -shm; empty ones are valid).
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{path + "-wal", path + "-shm"} {
		if err := os.WriteFile(name, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(name, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	db = MustOpen(t, path, storetest.MustSealer(t))
	write(db)
	mustModes("reopened")
}

// TestMigrateDashedTrackingNumbers stores tracking numbers with dashes, as
// earlier versions did, and applies migration 0013 again: they lose their
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
	if _, err := w.ExecContext(ctx, `DELETE FROM schema_migrations WHERE name = '0013_typed_numbers'; DROP INDEX orders_order_no_upper`); err != nil {
		t.Fatal(err)
	}
	if applied, err := db.Migrate(ctx); err != nil || len(applied) != 1 {
		t.Fatalf("migrate: got %v, %v, want 0013 applied again", applied, err)
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
