package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/bottletrail/bottletrail/internal/carriersim"
	"github.com/bottletrail/bottletrail/internal/demo"
	"github.com/bottletrail/bottletrail/internal/notifysim"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// demo starts the server on a fresh SQLite file with a seeded demo brand,
// and the carrier simulator in-process so that live parcels move by
// themselves, and prints what to open.
func (m *Main) demo(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	simAddr := fs.String("sim-addr", "127.0.0.1:0", "listen address of the in-process carrier simulator")
	speed := fs.Float64("speed", 1200, "simulator time compression: 1200 plays a two-day delivery in under three minutes")
	dir := fs.String("dir", "./data/demo", "directory of the demo database (its old demo.db is replaced)")
	orders := fs.Int("orders", 50, "how many demo orders with history to create")
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
	b, err := m.open(ctx, storeFlags{dsn: "sqlite:" + path}, logger)
	if err != nil {
		return err
	}
	defer b.Close()
	brand := &trail.Brand{Slug: "demo", Name: "瓶迹演示酒坊"}
	key, err := b.CreateBrand(ctx, brand)
	if err != nil {
		return err
	}
	// The consumer pages offer it beside every problem with a parcel.
	if err := b.PutServiceContact(ctx, brand.ID, demo.ServiceContact); err != nil {
		return err
	}
	// Orders with history first: their parcels have no carrier account yet,
	// so the simulator leaves them alone.
	show, err := demo.Seed(ctx, b, brand.ID, time.Now(), *orders, demo.ClockOf(&b.sql.Now))
	if err != nil {
		return err
	}

	accounts, err := simAccounts("")
	if err != nil {
		return err
	}
	sim, err := newSim(accounts, "", *speed, logger.With("component", "carriersim"))
	if err != nil {
		return err
	}
	defer sim.Close()
	simLn, err := net.Listen("tcp", *simAddr)
	if err != nil {
		return fmt.Errorf("listen simulator: %w", err)
	}
	simSrv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	go simSrv.Serve(simLn)
	defer simSrv.Close()
	simURL := "http://" + simLn.Addr().String()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	publicURL := "http://" + ln.Addr().String()
	// The simulators and a brand's test receivers are on loopback.
	a, err := newApp(ctx, b, publicURL, logger, appOptions{allowPrivateWebhooks: true})
	if err != nil {
		ln.Close()
		return err
	}
	if err := connectSimulator(ctx, b, sim, brand, simURL, publicURL); err != nil {
		ln.Close()
		return err
	}
	notifyURL, notifySim, err := startNotifySim(logger.With("component", "notifysim"))
	if err != nil {
		ln.Close()
		return err
	}
	defer notifySim.close()
	if err := connectNotify(ctx, b, brand, notifyURL, notifySim.smtpAddr); err != nil {
		ln.Close()
		return err
	}
	live, err := demo.SeedLive(ctx, b, brand.ID, time.Now(), *orders, func(carrier, trackingNo, scenario, from, to string) error {
		return sim.AssignRoute(carrier, trackingNo, scenario, carriersim.Route{From: from, To: to})
	})
	if err != nil {
		ln.Close()
		return err
	}
	// Judge every order once now, so that the alert inbox is full from the
	// first request; from here on the evaluator follows the events.
	for {
		n, err := b.EvaluateDue(ctx, time.Now(), 500)
		if err != nil {
			ln.Close()
			return err
		}
		if n == 0 {
			break
		}
	}
	open, err := b.Alerts(ctx, brand.ID, trail.AlertFilter{Status: trail.AlertOpen, Limit: trail.MaxAlertPage})
	if err != nil {
		ln.Close()
		return err
	}
	alertCounts := map[trail.AlertType]int{}
	for _, a := range open {
		alertCounts[a.Type]++
	}
	type pageLink struct{ what, url string }
	var links []pageLink
	for _, l := range []struct {
		i    int
		kind trail.LinkKind
		what string
	}{
		{0, trail.LinkBuyer, "婚礼订单：分批生产、分包裹发出，灌装延迟"},
		{0, trail.LinkGift, "同一订单的礼品链接（隐藏价格和下单人）"},
		{1, trail.LinkBuyer, "已签收的订单"},
		{2, trail.LinkBuyer, "包裹破损异常"},
	} {
		if l.i >= len(show) {
			continue
		}
		link, err := b.CreateLink(ctx, brand.ID, show[l.i].OrderNo, l.kind, trail.DefaultLinkTTL)
		if err != nil {
			ln.Close()
			return err
		}
		links = append(links, pageLink{l.what + " (" + show[l.i].OrderNo + ")", publicURL + "/t/" + trail.LinkToken(b.sealer, link)})
	}
	return m.run(ctx, ln, a, logger, func(base string) {
		w := m.Stdout
		fmt.Fprintf(w, "\n瓶迹 Bottletrail demo — %d orders ready in %.1fs (database %s)\n\n", *orders+len(live), time.Since(start).Seconds(), path)
		fmt.Fprintf(w, "  API         %s/api/v1/   (OpenAPI: %s/api/v1/openapi.yaml)\n", base, base)
		fmt.Fprintf(w, "  Health      %s/readyz    Metrics: %s/metrics\n", base, base)
		fmt.Fprintf(w, "  Carriers    simulator at %s (×%g): its push log is %s/sim/parcels\n", simURL, *speed, simURL)
		fmt.Fprintf(w, "  API key     %s\n\n", key)
		fmt.Fprintf(w, "  Paste into your shell for the README's tour:\n  export BT=%s/api/v1 BT_KEY=%s\n\n", base, key)
		fmt.Fprintln(w, "Tracking pages for consumers (open on a phone or at 390 px wide):")
		fmt.Fprintf(w, "  %-40s %s/b/%s/track   (e.g. %s + phone digits %s)\n", "查询页 / look-up form", base, brand.Slug, show[0].OrderNo, show[0].PhoneLast4)
		for _, l := range links {
			fmt.Fprintf(w, "  %s\n      %s\n", l.what, l.url)
		}
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Orders worth opening (names, phones and streets come back masked):")
		for _, o := range append(show, live...) {
			fmt.Fprintf(w, "  %s  %s\n      curl -s -H \"Authorization: Bearer $BT_KEY\" %s/api/v1/orders/%s\n", o.OrderNo, o.What, base, o.OrderNo)
		}
		fmt.Fprintf(w, "\nOpen alerts (告警), %d:", len(open))
		for _, t := range trail.AlertTypes {
			if n := alertCounts[t]; n > 0 {
				fmt.Fprintf(w, "  %s %d", trail.AlertTypeNames[t], n)
			}
		}
		fmt.Fprintf(w, "\n      curl -s -H \"Authorization: Bearer $BT_KEY\" '%s/api/v1/alerts?status=open'\n", base)
		fmt.Fprintf(w, "\nMessages (通知): the live orders' buyers get SMS, WeChat and e-mail as their parcels move, sent to the built-in\n")
		fmt.Fprintf(w, "simulators (Aliyun SMS, WeChat, an SMTP sink at %s); the last ones received:\n", notifySim.smtpAddr)
		fmt.Fprintf(w, "      curl -s %s/sim/messages\n", notifyURL)
		fmt.Fprintf(w, "      curl -s -H \"Authorization: Bearer $BT_KEY\" '%s/api/v1/deliveries'   (the delivery log, webhooks included)\n", base)
		fmt.Fprintln(w, "\nThe live parcels (实时) are subscribed with the simulator and move by themselves; open them again in a minute.")
		fmt.Fprintln(w, "Stop with Ctrl-C.")
	})
}

// connectSimulator gives the demo brand an account with each provider at
// the simulator, and tells the simulator where Kuaidiniao and SF push (the
// step a brand does in those providers' consoles).
func connectSimulator(ctx context.Context, b *backend, sim *carriersim.Sim, brand *trail.Brand, simURL, publicURL string) error {
	for _, p := range []string{trail.ProviderKuaidi100, trail.ProviderKdniao, trail.ProviderSF} {
		acct := &trail.CarrierAccount{Provider: p, Credentials: maps.Clone(demo.SimCredentials[p]), BaseURL: simURL + "/" + p}
		acct.Normalize()
		if _, err := b.PutCarrierAccount(ctx, brand.ID, acct); err != nil {
			return fmt.Errorf("demo %s account: %w", p, err)
		}
		if p == trail.ProviderKuaidi100 {
			continue // each subscription names its callback
		}
		if err := sim.PutAccount(carriersim.Account{Provider: p, Credentials: demo.SimCredentials[p],
			CallbackURL: trail.CallbackURL(publicURL, brand.Slug, acct)}); err != nil {
			return err
		}
	}
	return nil
}

// notifySim is the in-process notification simulator of the demo: SMS and
// WeChat on an HTTP listener, e-mail on an SMTP one.
type notifySim struct {
	sim      *notifysim.Sim
	http     *http.Server
	smtp     *smtp.Server
	smtpAddr string
}

// startNotifySim serves the notification simulator on loopback and returns
// its URL.
func startNotifySim(logger *slog.Logger) (string, *notifySim, error) {
	ns := &notifySim{sim: notifysim.New(notifysim.Config{AliyunKeys: demo.SimAliyunKeys, WeChatApps: demo.SimWeChatApps, Logger: logger})}
	httpLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("listen notification simulator: %w", err)
	}
	smtpLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		httpLn.Close()
		return "", nil, fmt.Errorf("listen SMTP sink: %w", err)
	}
	ns.http = &http.Server{Handler: ns.sim, ReadHeaderTimeout: 10 * time.Second}
	ns.smtp = ns.sim.SMTPServer()
	ns.smtpAddr = smtpLn.Addr().String()
	go ns.http.Serve(httpLn)
	go ns.smtp.Serve(smtpLn)
	return "http://" + httpLn.Addr().String(), ns, nil
}

func (ns *notifySim) close() {
	ns.http.Close()
	ns.smtp.Close()
	ns.sim.Close()
}

// connectNotify gives the demo brand its notification policy and its
// accounts with the simulator's channels.
func connectNotify(ctx context.Context, b *backend, brand *trail.Brand, simURL, smtpAddr string) error {
	if err := b.PutNotifySettings(ctx, brand.ID, demo.NotifySettings()); err != nil {
		return fmt.Errorf("demo notification settings: %w", err)
	}
	host, portText, err := net.SplitHostPort(smtpAddr)
	if err != nil {
		return err
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return err
	}
	for _, c := range demo.NotifyAccounts(simURL, host, port) {
		if err := b.PutNotifyChannel(ctx, brand.ID, c); err != nil {
			return fmt.Errorf("demo %s account: %w", c.Channel, err)
		}
	}
	return nil
}
