package sqlstore

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"
)

// TestEachRowReturnsErrorHalfWay reads a query whose third row fails on the
// server (SQLite: integer overflow in abs; PostgreSQL: division by zero),
// after two good rows: eachRow must return that error, not the two rows as
// a complete result.
func TestEachRowReturnsErrorHalfWay(t *testing.T) {
	t.Parallel()
	engines := map[string]struct{ driver, dsn, query string }{
		"sqlite": {"sqlite", "file::memory:",
			`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5)
			SELECT abs(-9223372036854775805 - x) FROM c`},
		"postgres": {"pgx", os.Getenv("BOTTLETRAIL_TEST_POSTGRES"),
			`SELECT 10 / (3 - x) FROM generate_series(1, 5) x`},
	}
	for name, e := range engines {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if e.dsn == "" {
				if os.Getenv("BOTTLETRAIL_REQUIRE_POSTGRES") != "" {
					t.Fatal("BOTTLETRAIL_TEST_POSTGRES is not set")
				}
				t.Skip("BOTTLETRAIL_TEST_POSTGRES is not set: the PostgreSQL half is skipped")
			}
			db, err := sql.Open(e.driver, e.dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			rows, err := db.QueryContext(context.Background(), e.query)
			if err != nil {
				t.Fatalf("the query failed before its rows: %v", err)
			}
			var got []int64
			err = eachRow(rows, func() error {
				var v int64
				err := rows.Scan(&v)
				got = append(got, v)
				return err
			})
			if err == nil {
				t.Fatalf("got rows %v and no error, want the third row's error", got)
			}
			if len(got) != 2 {
				t.Errorf("rows before the error: got %v, want 2", got)
			}
		})
	}
}

// TestNoRowLoopOutsideEachRow reads the package's source: every loop over
// query rows goes through eachRow, so that none forgets rows.Err.
func TestNoRowLoopOutsideEachRow(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	loop := regexp.MustCompile(`\.Next\(\)`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "rows.go" {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(src), "\n") {
			if loop.MatchString(line) {
				t.Errorf("%s:%d loops over rows itself; use eachRow: %s", f, i+1, strings.TrimSpace(line))
			}
		}
	}
}
