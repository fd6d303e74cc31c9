package postgres_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bottletrail/bottletrail/internal/postgres"
	"github.com/bottletrail/bottletrail/internal/storetest"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// The server the tests use, and the flag that turns its absence into a
// failure (CI sets it, so this suite never skips silently there).
const (
	envURL     = "BOTTLETRAIL_TEST_POSTGRES"
	envRequire = "BOTTLETRAIL_REQUIRE_POSTGRES"
	defaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
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
	base := os.Getenv(envURL)
	if base == "" {
		base = defaultURL
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		msg := fmt.Sprintf("PostgreSQL at %s is not reachable (%v): set %s to a server, or start one", base, err, envURL)
		if os.Getenv(envRequire) != "" {
			t.Fatal(msg + " (" + envRequire + " is set)")
		}
		t.Skip("SKIPPING POSTGRES TESTS: " + msg)
	}
	defer conn.Close(ctx)
	schema := "bt_test_" + strings.ToLower(rand.Text()[:12])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err == nil {
			c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			c.Close(context.Background())
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	if conns > 0 {
		q.Set("pool_max_conns", fmt.Sprint(conns))
	}
	u.RawQuery = q.Encode()
	db, err := postgres.Open(ctx, u.String(), sealer)
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

func TestMigrateTwice(t *testing.T) {
	db := MustOpen(t, storetest.MustSealer(t))
	applied, err := db.Migrate(context.Background())
	if err != nil || len(applied) != 0 {
		t.Fatalf("second migrate: got %v, %v, want nothing applied", applied, err)
	}
}
