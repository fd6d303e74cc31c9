package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/bottletrail/bottletrail/internal/pii"
	"github.com/bottletrail/bottletrail/internal/postgres"
	"github.com/bottletrail/bottletrail/internal/seed"
	"github.com/bottletrail/bottletrail/internal/sqlite"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// seedUsage describes the seed command, which is for benchmarks and load
// tests and never runs in CI.
const seedUsage = `bottletrail seed --parcels N [--db DSN] [--due-share 0.1] [--brand seed]
                [--events N|A-B] [--subscribed] [--kuaidi100-url URL]
                [--pushes FILE --push-events 20]

Adds N orders, each with one parcel tracked by the brand's Kuaidi100 account,
to a brand (created with a SKU, alcohol compliance and the account if it
does not exist), through the project's seeder (internal/seed). A share of
the parcels is due for polling now; the others are polled later, or with
--subscribed are pushed by the provider. --events gives every parcel that
many scans of its journey already received (A-B: A, A+1, ..., B in turn).
--pushes writes, one line per parcel, the form body of a signed Kuaidi100
push of the first --push-events scans of its journey, for load tests
(docs/BENCHMARKS.md). Progress goes to stderr; the brand, its API key (when
created) and the callback path to stdout, as JSON.
`

// seedCmd runs `bottletrail seed`.
func (m *Main) seedCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.Usage = func() { fmt.Fprint(m.Stderr, seedUsage); fs.PrintDefaults() }
	var sf storeFlags
	sf.register(fs)
	parcels := fs.Int("parcels", 0, "orders to add, one parcel each")
	dueShare := fs.Float64("due-share", 0.1, "share of the parcels due for polling now (0-1)")
	brand := fs.String("brand", "seed", "the brand's slug; an existing brand is added to")
	events := fs.String("events", "0", "scans each parcel has received: N, or A-B in turn")
	subscribed := fs.Bool("subscribed", false, "parcels not due are subscribed (pushed) rather than polled later")
	baseURL := fs.String("kuaidi100-url", "", "base URL of the Kuaidi100 account (default: production; e.g. the simulator)")
	pushes := fs.String("pushes", "", "write a signed Kuaidi100 push per parcel to this file, one form body a line")
	pushEvents := fs.Int("push-events", 20, "scans of the journey each push in --pushes carries")
	batch := fs.Int("batch", 500, "orders per transaction")
	slow := fs.Bool("slow", false, "write every order through the trail services (slow; for checking the fast path)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *parcels < 1 {
		fs.Usage()
		return errors.New("seed: --parcels must be at least 1")
	}
	evLo, evHi, err := parseRange(*events)
	if err != nil {
		return fmt.Errorf("seed: --events: %w", err)
	}
	if *pushes != "" && *pushEvents < evHi+1 {
		return fmt.Errorf("seed: --push-events %d carries no new scan for parcels with %d", *pushEvents, evHi)
	}

	logger := m.logger()
	b, err := m.open(ctx, sf, logger)
	if err != nil {
		return err
	}
	defer b.Close()
	sealer, err := m.sealer(sf)
	if err != nil {
		return err
	}
	target, err := seedTarget(b, sealer)
	if err != nil {
		return err
	}
	opts := seed.Options{
		Brand: *brand, Parcels: *parcels, DueShare: *dueShare, Subscribed: *subscribed,
		Events:   func(i int) int { return evLo + i%(evHi-evLo+1) },
		Progress: m.Stderr, Batch: *batch, Slow: *slow,
		Now: time.Now(), // the journeys of --pushes are timed from it too
	}
	if *baseURL != "" {
		opts.Account = &trail.CarrierAccount{Provider: trail.ProviderKuaidi100, BaseURL: *baseURL,
			Credentials: map[string]string{"customer": "SEEDCUSTOMER", "key": "seed-key"}}
	}
	res, err := seed.Seed(ctx, target, opts)
	if err != nil {
		return err
	}
	if *pushes != "" {
		if err := writePushes(*pushes, res, *pushEvents, opts); err != nil {
			return err
		}
	}
	out, _ := json.Marshal(map[string]any{
		"slug": res.Brand.Slug, "api_key": res.APIKey, "first": res.First, "parcels": res.Parcels, "due": res.Due,
		"callback_path": trail.CallbackURL("", res.Brand.Slug, res.Account),
		"seconds":       res.Elapsed.Seconds(),
	})
	fmt.Fprintln(m.Stdout, string(out))
	return nil
}

// sealer loads the personal-data key exactly as open does (open has
// created it if it was missing) and returns the sealer the store uses.
func (m *Main) sealer(sf storeFlags) (*pii.Keyring, error) {
	keyFile := sf.keyFile
	if keyFile == "" {
		dataDir := "./data"
		if path, ok := strings.CutPrefix(sf.dsn, "sqlite:"); ok {
			dataDir = filepath.Dir(path)
		}
		keyFile = filepath.Join(dataDir, "secret.key")
	}
	key, _, err := pii.LoadKey(m.Getenv(pii.EnvKey), keyFile)
	if err != nil {
		return nil, fmt.Errorf("personal-data key: %w", err)
	}
	return pii.New(key)
}

// seedTarget is the opened store as the seeder needs it: the pool the store
// writes through, its dialect and its sealer.
func seedTarget(b *backend, sealer trail.Sealer) (seed.Target, error) {
	target := seed.Target{Store: b.store, Sealer: sealer}
	switch db := b.store.(type) {
	case *sqlite.DB:
		target.DB, target.Dialect = db.Writer(), sqlite.Dialect
	case *postgres.DB:
		target.DB, target.Dialect = db.SQL(), postgres.Dialect
	default:
		return target, fmt.Errorf("seed: cannot seed a %T", b.store)
	}
	return target, nil
}

// parseRange reads N or A-B.
func parseRange(s string) (lo, hi int, err error) {
	a, b, isRange := strings.Cut(s, "-")
	if lo, err = strconv.Atoi(a); err != nil {
		return 0, 0, err
	}
	hi = lo
	if isRange {
		if hi, err = strconv.Atoi(b); err != nil {
			return 0, 0, err
		}
	}
	if lo < 0 || hi < lo {
		return 0, 0, fmt.Errorf("want N or A-B with 0 ≤ A ≤ B, not %q", s)
	}
	return lo, hi, nil
}

// writePushes writes a signed push of the first n scans of every seeded
// parcel's journey, one form body a line.
func writePushes(path string, res *seed.Result, n int, opts seed.Options) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	salt := res.Account.Credentials["salt"]
	for i := res.First; i < res.First+res.Parcels; i++ {
		w.WriteString(seed.Kuaidi100Push(i, n, opts.Now, salt))
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
