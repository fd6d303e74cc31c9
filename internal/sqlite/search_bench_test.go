package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/sqlite"
	"github.com/bottletrail/bottletrail/internal/storetest"
)

// BenchmarkSearch measures the console's order search on 10,000 and
// 1,000,000 seeded orders; see docs/BENCHMARKS-console.md:
//
//	go test ./internal/sqlite -run '^$' -bench BenchmarkSearch -benchtime 400x -timeout 180m
func BenchmarkSearch(b *testing.B) {
	storetest.BenchmarkSearch(b, openSearchBench)
}

// openSearchBench opens a database file in a temporary directory removed
// at the end of the run or, to keep, bottletrail-search-<orders>.db in the
// system's temporary directory, created if absent.
func openSearchBench(b, owner *testing.B, orders int, keep bool) *storetest.SearchTarget {
	b.Helper()
	sealer := storetest.MustSealer(b)
	path := filepath.Join(os.TempDir(), fmt.Sprintf("bottletrail-search-%d.db", orders))
	if !keep {
		path = filepath.Join(owner.TempDir(), "search.db")
	}
	db, err := sqlite.Open(context.Background(), path, sealer)
	if err != nil {
		b.Fatal(err)
	}
	owner.Cleanup(func() { db.Close() })
	return &storetest.SearchTarget{Store: db, DB: db.Writer(), Dialect: sqlite.Dialect, Sealer: sealer,
		SetNow: func(now func() time.Time) { db.Now = now }, Where: path}
}
