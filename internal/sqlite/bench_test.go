package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/bottletrail/bottletrail/internal/sqlite"
	"github.com/bottletrail/bottletrail/internal/storetest"
)

// The benchmarks run only with -bench; see docs/BENCHMARKS.md. Keep the
// baselines first: BenchmarkIngest divides by the batched baselines measured
// earlier in the same run.

func BenchmarkBaselineInsert(b *testing.B) {
	storetest.BenchmarkBaselineInsert(b, openBench)
}

func BenchmarkBaselineInsertByParcel(b *testing.B) {
	storetest.BenchmarkBaselineInsertByParcel(b, openBench)
}

func BenchmarkBaselinePerPush(b *testing.B) {
	storetest.BenchmarkBaselinePerPush(b, openBench)
}

func BenchmarkIngest(b *testing.B) {
	storetest.BenchmarkIngest(b, openBench)
}

// openBench opens a fresh database file. The baseline writes through the
// store's own writer pool (WAL, synchronous=NORMAL, foreign keys on, BEGIN
// IMMEDIATE, one connection), which it checks.
func openBench(b *testing.B) *storetest.BenchTarget {
	b.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bt.db"), storetest.MustSealer(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	raw := db.Writer()
	var mode string
	var sync, fk int
	if err := raw.QueryRowContext(ctx, `SELECT journal_mode, synchronous, foreign_keys FROM pragma_journal_mode, pragma_synchronous, pragma_foreign_keys`).Scan(&mode, &sync, &fk); err != nil {
		b.Fatal(err)
	}
	if mode != "wal" || sync != 1 || fk != 1 {
		b.Logf("WARNING: writer runs journal_mode=%s synchronous=%d foreign_keys=%d, not wal, 1 (NORMAL), 1 as documented", mode, sync, fk)
	}
	return &storetest.BenchTarget{Store: db, Raw: raw, Dialect: sqlite.Dialect}
}
