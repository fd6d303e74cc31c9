package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

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
	var dsn string
	if keep {
		dsn = storetest.PostgresKeptSchema(b, fmt.Sprintf("bt_search_%d", orders))
	} else {
		dsn = storetest.PostgresSchema(b, owner, "bt_search_", nil)
	}
	sealer := storetest.MustSealer(b)
	db, err := postgres.Open(context.Background(), dsn, sealer)
	if err != nil {
		b.Fatal(err)
	}
	owner.Cleanup(func() { db.Close() })
	return &storetest.SearchTarget{Store: db, DB: db.SQL(), Dialect: postgres.Dialect, Sealer: sealer,
		SetNow: func(now func() time.Time) { db.Now = now }, Where: dsn}
}
