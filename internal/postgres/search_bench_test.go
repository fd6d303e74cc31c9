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
)

// BenchmarkSearch measures the console's order search on 10,000 and
// 1,000,000 seeded orders; see docs/BENCHMARKS-console.md. It skips
// without a server:
//
//	go test ./internal/postgres -run '^$' -bench BenchmarkSearch -benchtime 400x -timeout 180m
func BenchmarkSearch(b *testing.B) {
	storetest.BenchmarkSearch(b, openSearchBench)
}

// openSearchBench opens a fresh schema on the test server, dropped at the
// end of the run or, to keep, the schema bt_search_<orders>, created if
// absent.
func openSearchBench(b, owner *testing.B, orders int, keep bool) *storetest.SearchTarget {
	b.Helper()
	base := os.Getenv(envURL)
	if base == "" {
		base = defaultURL
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		b.Skipf("SKIPPING POSTGRES BENCHMARK: PostgreSQL at %s is not reachable: %v", base, err)
	}
	defer conn.Close(ctx)
	schema := fmt.Sprintf("bt_search_%d", orders)
	if !keep {
		schema = "bt_search_" + strings.ToLower(rand.Text()[:12])
		owner.Cleanup(func() {
			if c, err := pgx.Connect(context.Background(), base); err == nil {
				c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
				c.Close(context.Background())
			}
		})
	}
	if _, err := conn.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+schema); err != nil {
		b.Fatal(err)
	}
	u, err := url.Parse(base)
	if err != nil {
		b.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	sealer := storetest.MustSealer(b)
	db, err := postgres.Open(ctx, u.String(), sealer)
	if err != nil {
		b.Fatal(err)
	}
	owner.Cleanup(func() { db.Close() })
	return &storetest.SearchTarget{Store: db, DB: db.SQL(), Dialect: postgres.Dialect, Sealer: sealer,
		SetNow: func(now func() time.Time) { db.Now = now }, Where: "schema " + schema}
}
