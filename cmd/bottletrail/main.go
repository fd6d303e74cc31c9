// Command bottletrail is the whole service in one binary: the HTTP API and
// pages (serve), schema migrations (migrate), tenant set-up (brand) and a
// one-command demo on embedded SQLite (demo).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/bottletrail/bottletrail/internal/pii"
	"github.com/bottletrail/bottletrail/internal/postgres"
	"github.com/bottletrail/bottletrail/internal/sqlite"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// DefaultDSN is the embedded database a newcomer gets without flags.
const DefaultDSN = "sqlite:./data/bottletrail.db"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := &Main{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	if err := m.Run(ctx, os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) { // no command: the usage went to stderr
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "bottletrail:", err)
		os.Exit(1)
	}
}

// Main is the program, with its outside world injected so that tests can
// run it whole.
type Main struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Ready, if set, is called with the base URL once the server listens.
	Ready func(baseURL string)
}

const usage = `bottletrail — order and parcel tracking for made-to-order goods

Usage:
  bottletrail version                                   print the version (also --version)
  bottletrail demo     [--addr HOST:PORT] [--dir DIR]   run the demo on embedded SQLite
  bottletrail serve    [--db DSN] [--addr HOST:PORT] [--allow-private-webhooks]
                                                       run the server
  bottletrail migrate  [--db DSN]                       bring the schema up to date
  bottletrail brand create --slug S --name N [--db DSN] create a brand, print its API key
  bottletrail user create --brand S --email E --role R [--password P] [--name N] [--db DSN]
                                                       create an operator account (admin, agent or viewer);
                                                       without --password, reads it from standard input
  bottletrail user grant --brand S --email E --role R [--db DSN]
                                                       give an existing operator a role in another brand
  bottletrail carriersim [--addr HOST:PORT] [--speed N] [--scenarios DIR]
                                                       run the Kuaidi100 / Kuaidiniao / SF simulator
  bottletrail seed --parcels N [--db DSN]              seed a large data set for benchmarks (not for CI)

DSN is sqlite:PATH (default ` + DefaultDSN + `) or a postgres:// URL.
The encryption key for personal data comes from BOTTLETRAIL_SECRET_KEY
(32 bytes, base64 or hex) or from --key-file (default: secret.key in the
data directory, created with mode 0600 if missing).
Every command takes -h for its flags.
`

// Run runs one subcommand. Without one it prints the usage to Stderr and
// returns flag.ErrHelp; a command's -h prints that command's flags and
// returns nil, as asking for help is no failure.
func (m *Main) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, usage)
		return flag.ErrHelp
	}
	if err := m.command(ctx, args[0], args[1:]); !errors.Is(err, flag.ErrHelp) {
		return err
	}
	return nil
}

// command dispatches one subcommand.
func (m *Main) command(ctx context.Context, cmd string, rest []string) error {
	if isHelp(cmd) {
		fmt.Fprint(m.Stdout, usage)
		return nil
	}
	switch cmd {
	case "serve":
		return m.serve(ctx, rest)
	case "migrate":
		return m.migrate(ctx, rest)
	case "brand":
		if len(rest) > 0 && isHelp(rest[0]) {
			fmt.Fprint(m.Stdout, usage)
			return nil
		}
		if len(rest) == 0 || rest[0] != "create" {
			fmt.Fprint(m.Stderr, usage)
			return errors.New("brand: the only subcommand is create")
		}
		return m.brandCreate(ctx, rest[1:])
	case "user":
		return m.userCmd(ctx, rest)
	case "demo":
		return m.demo(ctx, rest)
	case "carriersim":
		return m.carriersimCmd(ctx, rest)
	case "seed":
		return m.seedCmd(ctx, rest)
	case "version", "-version", "--version":
		fmt.Fprintln(m.Stdout, "bottletrail", version())
		return nil
	default:
		fmt.Fprint(m.Stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

// storeFlags are the flags of every command that opens the store.
type storeFlags struct {
	dsn, keyFile string
}

func (sf *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&sf.dsn, "db", DefaultDSN, "database: sqlite:PATH or postgres://...")
	fs.StringVar(&sf.keyFile, "key-file", "", "file with the 32-byte personal-data key (default: secret.key in the data directory)")
}

// store is what the commands need of either engine.
type store interface {
	trail.BrandService
	trail.CatalogService
	trail.OrderService
	trail.ProductionService
	trail.ShipmentService
	trail.CarrierService
	trail.TrackingService
	trail.LinkService
	trail.AlertService
	trail.EvaluationService
	trail.LaneService
	trail.WebhookService
	trail.NotificationService
	trail.APIKeyService
	trail.AuditService
	Ping(context.Context) error
	Close() error
}

// open loads the personal-data key and opens the store named by the DSN,
// applying pending migrations; it logs what it created or applied.
func (m *Main) open(ctx context.Context, sf storeFlags, logger *slog.Logger) (*backend, error) {
	dataDir := "./data"
	path, isSQLite := strings.CutPrefix(sf.dsn, "sqlite:")
	if isSQLite {
		if path == "" {
			return nil, errors.New("--db sqlite: needs a file path, e.g. sqlite:./data/bottletrail.db")
		}
		dataDir = filepath.Dir(path)
	} else if !strings.HasPrefix(sf.dsn, "postgres://") && !strings.HasPrefix(sf.dsn, "postgresql://") {
		return nil, fmt.Errorf("--db %q: want sqlite:PATH or a postgres:// URL", sf.dsn)
	}
	keyFile := sf.keyFile
	if keyFile == "" {
		keyFile = filepath.Join(dataDir, "secret.key")
	}
	key, created, err := pii.LoadKey(m.Getenv(pii.EnvKey), keyFile)
	if err != nil {
		return nil, fmt.Errorf("personal-data key: %w", err)
	}
	if created {
		logger.Warn("created a new personal-data key; back it up: without it customer names, phones and addresses cannot be read",
			"key_file", keyFile)
	}
	sealer, err := pii.New(key)
	if err != nil {
		return nil, err
	}
	var (
		b       *backend
		applied []string
	)
	if isSQLite {
		db, err := sqlite.Open(ctx, path, sealer)
		if err != nil {
			return nil, err
		}
		b, applied = &backend{store: db, sealer: sealer, sql: db.DB, riverDriver: riversqlite.New(db.Writer())}, db.Applied
	} else {
		db, err := postgres.Open(ctx, sf.dsn, sealer)
		if err != nil {
			return nil, err
		}
		b, applied = &backend{store: db, sealer: sealer, sql: db.DB, riverDriver: riverdatabasesql.New(db.SQL())}, db.Applied
	}
	for _, name := range applied {
		logger.Info("applied migration", "name", name)
	}
	return b, nil
}

func (m *Main) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(m.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

func (m *Main) migrate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	var sf storeFlags
	sf.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, err := m.open(ctx, sf, m.logger())
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Fprintln(m.Stdout, "schema is up to date")
	return nil
}

func (m *Main) brandCreate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("brand create", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	var sf storeFlags
	sf.register(fs)
	slug := fs.String("slug", "", "the brand's URL name: lowercase letters, digits, dashes")
	name := fs.String("name", "", "the brand's display name")
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, err := m.open(ctx, sf, m.logger())
	if err != nil {
		return err
	}
	defer s.Close()
	key, err := s.CreateBrand(ctx, &trail.Brand{Slug: *slug, Name: *name})
	if err != nil {
		if trail.ErrorCode(err) != trail.EINTERNAL {
			return errors.New(trail.ErrorMessage(err))
		}
		return err
	}
	fmt.Fprintf(m.Stdout, "{\"slug\":%q,\"api_key\":%q}\n", *slug, key)
	return nil
}

func (m *Main) serve(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	var sf storeFlags
	sf.register(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	publicURL := fs.String("public-url", "", "the server's public address, for carrier callback URLs and tracking links (default http://ADDR)")
	clientIPHeader := fs.String("client-ip-header", "", "header in which a trusted reverse proxy puts the client address (default: the peer address)")
	allowPrivate := fs.Bool("allow-private-webhooks", false, "let webhooks and carrier and notification-channel base URLs use plain http and reach loopback and private addresses, and SMTP servers be there (local receivers, simulators and mail sinks only)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	logger := m.logger()
	b, err := m.open(ctx, sf, logger)
	if err != nil {
		return err
	}
	defer b.Close()
	if *allowPrivate {
		logger.Warn("--allow-private-webhooks: webhooks and carrier and notification-channel base URLs may use plain http and reach loopback and private addresses, and SMTP servers may be there")
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if *publicURL == "" {
		*publicURL = "http://" + ln.Addr().String()
	}
	a, err := newApp(ctx, b, *publicURL, logger, appOptions{clientIPHeader: *clientIPHeader, allowPrivateWebhooks: *allowPrivate})
	if err != nil {
		ln.Close()
		return err
	}
	return m.run(ctx, ln, a, logger, nil)
}

// run serves the API on ln with the background workers until ctx ends,
// then shuts down in order: stop taking requests and finish those in
// flight, drain the workers, and let the caller close the store. started,
// if set, runs once everything is up.
func (m *Main) run(ctx context.Context, ln net.Listener, a *app, logger *slog.Logger, started func(baseURL string)) error {
	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	if err := a.start(ctx); err != nil {
		ln.Close()
		return err
	}
	baseURL := "http://" + ln.Addr().String()
	logger.Info("listening", "url", baseURL)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if started != nil {
		started(baseURL)
	}
	if m.Ready != nil {
		m.Ready(baseURL)
	}
	var serveErr error
	select {
	case err := <-errc:
		serveErr = fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := a.stop(15 * time.Second); err != nil {
		return fmt.Errorf("stop workers: %w", err)
	}
	logger.Info("stopped")
	return serveErr
}
