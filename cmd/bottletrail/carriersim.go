package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/bottletrail/bottletrail/internal/carriersim"
	"github.com/bottletrail/bottletrail/internal/demo"
)

// simAccounts are the simulator's accounts: the demo credentials, or those
// of a JSON file (an array of {"provider","credentials","callback_url"}).
func simAccounts(file string) ([]carriersim.Account, error) {
	if file == "" {
		var out []carriersim.Account
		for _, p := range []string{"kuaidi100", "kdniao", "sf"} {
			out = append(out, carriersim.Account{Provider: p, Credentials: maps.Clone(demo.SimCredentials[p])})
		}
		return out, nil
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	var out []carriersim.Account
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("accounts %s: %w", file, err)
	}
	return out, nil
}

// newSim builds a simulator with the built-in scenarios, plus those of dir.
func newSim(accounts []carriersim.Account, dir string, speed float64, logger *slog.Logger) (*carriersim.Sim, error) {
	scenarios := carriersim.DefaultScenarios()
	if dir != "" {
		extra, err := carriersim.LoadScenarios(dir)
		if err != nil {
			return nil, err
		}
		maps.Copy(scenarios, extra)
	}
	return carriersim.New(carriersim.Config{
		Accounts: accounts, Scenarios: scenarios, Rules: carriersim.DefaultRules(), Speed: speed, Logger: logger,
	})
}

// carriersimCmd runs the carrier simulator on its own.
func (m *Main) carriersimCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("carriersim", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	addr := fs.String("addr", "127.0.0.1:7070", "listen address (keep it on loopback: the /sim control endpoints have no authentication)")
	speed := fs.Float64("speed", 3600, "time compression: 3600 plays an hour of a scenario per second")
	dir := fs.String("scenarios", "", "directory of scenario JSON files that add to or override the built-in ones")
	accountsFile := fs.String("accounts", "", "JSON file of accounts [{provider, credentials, callback_url}] (default: the demo credentials)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	logger := m.logger()
	accounts, err := simAccounts(*accountsFile)
	if err != nil {
		return err
	}
	sim, err := newSim(accounts, *dir, *speed, logger)
	if err != nil {
		return err
	}
	defer sim.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(m.Stdout, "carrier simulator at %s (speed ×%g)\n", base, *speed)
	for _, a := range accounts {
		creds, _ := json.Marshal(a.Credentials)
		fmt.Fprintf(m.Stdout, "  %-9s base_url %s/%s  credentials %s\n", a.Provider, base, a.Provider, creds)
	}
	fmt.Fprintf(m.Stdout, "  scenarios: %s/sim/scenarios   parcels and push log: %s/sim/parcels\n", base, base)
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if m.Ready != nil {
		m.Ready(base)
	}
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}
