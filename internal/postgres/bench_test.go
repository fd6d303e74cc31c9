package postgres_test

import (
	"context"
	"testing"

	"github.com/bottletrail/bottletrail/internal/postgres"
	"github.com/bottletrail/bottletrail/internal/storetest"
)

// The benchmarks run only with -bench; see docs/BENCHMARKS.md. Keep the
// baselines first: BenchmarkIngest divides by the batched baselines measured
// earlier in the same run. Without a server they skip, as the tests do.

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

// openBench opens a fresh schema on the test server. The baseline writes
// through the store's own database/sql pool: same driver, same connections,
// same server settings.
func openBench(b *testing.B) *storetest.BenchTarget {
	b.Helper()
	db := MustOpen(b, storetest.MustSealer(b))
	raw := db.SQL()
	var syncCommit, fsync string
	ctx := context.Background()
	if err := raw.QueryRowContext(ctx, `SELECT current_setting('synchronous_commit'), current_setting('fsync')`).Scan(&syncCommit, &fsync); err != nil {
		b.Fatal(err)
	}
	if syncCommit != "on" || fsync != "on" {
		b.Logf("WARNING: synchronous_commit=%s fsync=%s: commits are not durable, the figures are not comparable", syncCommit, fsync)
	}
	return &storetest.BenchTarget{Store: db, Raw: raw, Dialect: postgres.Dialect}
}
