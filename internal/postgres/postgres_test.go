package postgres_test

import (
	"context"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/postgres"
	"github.com/bottletrail/bottletrail/internal/storetest"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// MustOpen opens the test server in a fresh schema that is dropped when the
// test ends. Without a server it skips loudly, or fails when required.
func MustOpen(t testing.TB, sealer trail.Sealer) *postgres.DB {
	t.Helper()
	return mustOpenPool(t, sealer, 0)
}

// mustOpenPool is MustOpen with a pool of at most conns connections
// (pgxpool's default if 0).
func mustOpenPool(t testing.TB, sealer trail.Sealer, conns int) *postgres.DB {
	t.Helper()
	var params url.Values
	if conns > 0 {
		params = url.Values{"pool_max_conns": {strconv.Itoa(conns)}}
	}
	db, err := postgres.Open(context.Background(), storetest.PostgresSchema(t, t, "bt_test_", params), sealer)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestConformance(t *testing.T) {
	storetest.Exercise(t, func(t *testing.T, sealer trail.Sealer, now func() time.Time) storetest.Store {
		db := MustOpen(t, sealer)
		db.Now = now
		return db
	})
}

// TestConformanceOneConnection runs the suite on a pool of one connection.
// On PostgreSQL the store reads and writes through one pool, so code that
// asks the pool for a second connection while its transaction holds one
// deadlocks once as many transactions as the pool has connections do it
// at the same time (River's eight workers did, on the default pool of
// four). With one connection the first such call hangs: if this test
// times out, its goroutine dump shows the call waiting in
// pgxpool.(*Pool).Acquire under a transaction.
func TestConformanceOneConnection(t *testing.T) {
	storetest.Exercise(t, func(t *testing.T, sealer trail.Sealer, now func() time.Time) storetest.Store {
		db := mustOpenPool(t, sealer, 1)
		db.Now = now
		return db
	})
}

func TestWebhookErrorMigration(t *testing.T) {
	db := MustOpen(t, storetest.MustSealer(t))
	storetest.ExerciseWebhookErrorMigration(t, db, db.SQL(), postgres.Dialect, db.Migrate)
}

func TestMigrateTwice(t *testing.T) {
	db := MustOpen(t, storetest.MustSealer(t))
	applied, err := db.Migrate(context.Background())
	if err != nil || len(applied) != 0 {
		t.Fatalf("second migrate: got %v, %v, want nothing applied", applied, err)
	}
}

// TestUpgrade checks migration 0014 on data stored before held alerts
// and shipped batches.
func TestUpgrade(t *testing.T) {
	storetest.Upgrade(t, func(t *testing.T, sealer trail.Sealer, now func() time.Time) *storetest.MigrationTarget {
		db := MustOpen(t, sealer)
		db.Now = now
		return &storetest.MigrationTarget{Store: db, Raw: db.SQL(), Dialect: postgres.Dialect, Migrate: db.Migrate}
	})
}

func TestScanBacklog(t *testing.T) {
	storetest.ScanBacklog(t, func(t *testing.T, sealer trail.Sealer) *storetest.MigrationTarget {
		db := MustOpen(t, sealer)
		return &storetest.MigrationTarget{Store: db, Raw: db.SQL(), Dialect: postgres.Dialect, Migrate: db.Migrate}
	})
}
