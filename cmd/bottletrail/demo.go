package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/bottletrail/bottletrail/internal/demo"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// demo starts the server on a fresh SQLite file with a seeded demo brand and
// prints what to open.
func (m *Main) demo(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	dir := fs.String("dir", "./data/demo", "directory of the demo database (its old demo.db is replaced)")
	orders := fs.Int("orders", 50, "how many demo orders to create")
	if err := fs.Parse(args); err != nil {
		return err
	}
	start := time.Now()
	path := filepath.Join(*dir, "demo.db")
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(path + suffix); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("reset demo database: %w", err)
		}
	}
	logger := m.logger()
	s, err := m.open(ctx, storeFlags{dsn: "sqlite:" + path}, logger)
	if err != nil {
		return err
	}
	defer s.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	a, err := newApp(ctx, s, "http://"+ln.Addr().String(), logger)
	if err != nil {
		ln.Close()
		return err
	}
	brand := &trail.Brand{Slug: "demo", Name: "瓶迹演示酒坊"}
	key, err := s.CreateBrand(ctx, brand)
	if err != nil {
		return err
	}
	show, err := demo.Seed(ctx, s, brand.ID, time.Now(), *orders)
	if err != nil {
		return err
	}
	return m.run(ctx, ln, a, logger, func(base string) {
		w := m.Stdout
		fmt.Fprintf(w, "\n瓶迹 Bottletrail demo — %d orders ready in %.1fs (database %s)\n\n", *orders, time.Since(start).Seconds(), path)
		fmt.Fprintf(w, "  API         %s/api/v1/   (OpenAPI: %s/api/v1/openapi.yaml)\n", base, base)
		fmt.Fprintf(w, "  Health      %s/readyz    Metrics: %s/metrics\n", base, base)
		fmt.Fprintf(w, "  API key     %s\n\n", key)
		fmt.Fprintf(w, "  export BT_KEY=%s\n\n", key)
		fmt.Fprintln(w, "Orders worth opening (names, phones and streets come back masked):")
		for _, o := range show {
			fmt.Fprintf(w, "  %s  %s\n      curl -s -H \"Authorization: Bearer $BT_KEY\" %s/api/v1/orders/%s\n", o.OrderNo, o.What, base, o.OrderNo)
		}
		fmt.Fprintln(w, "\nStop with Ctrl-C.")
	})
}
