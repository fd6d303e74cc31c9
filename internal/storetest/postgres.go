package storetest

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// The PostgreSQL server of the tests and benchmarks, and the flag that
// turns its absence into a failure (CI sets it, so that no PostgreSQL suite
// skips silently there).
const (
	EnvPostgres        = "BOTTLETRAIL_TEST_POSTGRES"
	EnvRequirePostgres = "BOTTLETRAIL_REQUIRE_POSTGRES"
	DefaultPostgres    = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
)

// PostgresSchema creates a schema on the test server, named prefix and a
// random suffix, and returns the server's DSN with search_path set to it
// and params added (pool_max_conns, ...). The schema is dropped when owner
// ends: t itself, or the top-level benchmark whose sub-benchmarks share
// the store. Without a server t skips with a loud line, or fails when
// EnvRequirePostgres is set.
func PostgresSchema(t, owner testing.TB, prefix string, params url.Values) string {
	t.Helper()
	schema := prefix + strings.ToLower(rand.Text()[:12])
	dsn := postgresSchema(t, schema, params)
	owner.Cleanup(func() {
		ctx := context.Background()
		if c, err := pgx.Connect(ctx, postgresBase()); err == nil {
			if _, err := c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
				t.Logf("drop schema %s: %v", schema, err)
			}
			c.Close(ctx)
		}
	})
	return dsn
}

// PostgresKeptSchema is PostgresSchema for the schema of the given name,
// created if absent and kept after the run, for benchmarks that reuse a
// seeded store.
func PostgresKeptSchema(t testing.TB, schema string) string {
	t.Helper()
	return postgresSchema(t, schema, nil)
}

func postgresSchema(t testing.TB, schema string, params url.Values) string {
	t.Helper()
	base := postgresBase()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		msg := fmt.Sprintf("PostgreSQL at %s is not reachable (%v): set %s to a server, or start one", base, err, EnvPostgres)
		if os.Getenv(EnvRequirePostgres) != "" {
			t.Fatal(msg + " (" + EnvRequirePostgres + " is set)")
		}
		t.Skip("SKIPPING POSTGRES TESTS: " + msg)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+schema); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	for k, v := range params {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func postgresBase() string {
	if base := os.Getenv(EnvPostgres); base != "" {
		return base
	}
	return DefaultPostgres
}
