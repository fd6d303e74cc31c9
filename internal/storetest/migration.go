package storetest

import (
	"context"
	"database/sql"
	"slices"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/sqlstore"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// ExerciseWebhookErrorMigration checks migration 0010 on a migrated
// store: failed webhook deliveries written before it kept the endpoint's
// reply in last_error, and after it keep only the status line; other
// channels' errors are left alone. raw is the store's database, d its
// dialect, and migrate applies the migrations not yet recorded.
func ExerciseWebhookErrorMigration(t *testing.T, s Store, raw *sql.DB, d sqlstore.Dialect, migrate func(context.Context) ([]string, error)) {
	t.Helper()
	ctx := context.Background()
	const version = "0010_webhook_last_error"
	brand := &trail.Brand{Slug: "legacy", Name: "legacy"}
	if _, err := s.CreateBrand(ctx, brand); err != nil {
		t.Fatal(err)
	}
	rows := []struct{ channel, stored, want string }{
		{"webhook", "transient: transient send failure: HTTP 500: db password hunter2 <html>", "transient: transient send failure: HTTP 500"},
		{"webhook", "permanent: permanent send failure: HTTP 410: the endpoint is gone: bye hunter2", "permanent: permanent send failure: HTTP 410"},
		{"webhook", `transient: transient send failure: post webhook: Post "http://10.0.0.1/h": net/http: HTTP/1.x transport connection broken: malformed HTTP response "SSH-2.0 hunter2"`,
			"transient: transient send failure: no valid HTTP answer"},
		{"webhook", "transient: transient send failure: cannot connect: connect: connection refused", "transient: transient send failure: cannot connect: connect: connection refused"},
		{"sms", "permanent: permanent send failure: isv.MOBILE_NUMBER_ILLEGAL: HTTP 400: bad number", "permanent: permanent send failure: isv.MOBILE_NUMBER_ILLEGAL: HTTP 400: bad number"},
	}
	now := d.TimeArg(time.Date(2026, 12, 1, 4, 0, 0, 0, time.UTC))
	for i, r := range rows {
		if _, err := raw.ExecContext(ctx, d.Rebind(`INSERT INTO deliveries (brand_id, channel, event, recipient, idempotency_key, state, attempts, last_error, created_at, updated_at)
			VALUES (?, ?, 'order.updated', 'x', ?, 'dead', 1, ?, ?, ?)`), brand.ID, r.channel, "legacy-"+string(rune('a'+i)), r.stored, now, now); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := raw.ExecContext(ctx, d.Rebind(`DELETE FROM schema_migrations WHERE name = ?`), version); err != nil {
		t.Fatal(err)
	}
	applied, err := migrate(ctx)
	if err != nil || !slices.Equal(applied, []string{version}) {
		t.Fatalf("migrate: got %v, %v, want %s applied", applied, err, version)
	}
	got, err := s.Deliveries(ctx, brand.ID, trail.DeliveryFilter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(got) // oldest first, as inserted
	if len(got) != len(rows) {
		t.Fatalf("got %d deliveries, want %d", len(got), len(rows))
	}
	for i, r := range rows {
		if got[i].LastError != r.want {
			t.Errorf("last_error of %q: got %q, want %q", r.stored, got[i].LastError, r.want)
		}
	}
}
