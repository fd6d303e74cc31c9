package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/notifysim"
	"github.com/bottletrail/bottletrail/internal/storetest"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// envWorkerProcess carries the configuration of a worker process that
// TestDeliveryAfterKill starts: this test binary again, running only
// TestWorkerProcess.
const envWorkerProcess = "BOTTLETRAIL_TEST_WORKER_PROCESS"

// workerProcess is what a worker process is told.
type workerProcess struct {
	DSN, KeyFile string
	// KillBeforeSend: the process kills itself (SIGKILL) once the first
	// SMS attempt is committed, before the message leaves.
	KillBeforeSend bool
}

// TestDeliveryAfterKill kills a worker process for real (SIGKILL, no
// deferred code, no River shutdown) between the commit of an SMS attempt
// and its send, starts another, and shows the consumer gets the message
// exactly once: River's rescuer takes up the job the dead process left
// running, and the worker, finding an attempt whose outcome nobody
// recorded, looks in Aliyun's delivery report before it sends. On both
// stores.
func TestDeliveryAfterKill(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		playKill(t, "sqlite:"+filepath.Join(t.TempDir(), "bt.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		playKill(t, storetest.PostgresSchema(t, t, "bt_kill_", nil))
	})
}

// TestWorkerProcess is the worker process of TestDeliveryAfterKill: the
// application's background workers on the given store until SIGTERM, with
// River's job timeout and rescue time cut to seconds.
func TestWorkerProcess(t *testing.T) {
	raw := os.Getenv(envWorkerProcess)
	if raw == "" {
		t.Skip("a worker process of TestDeliveryAfterKill")
	}
	var c workerProcess
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		t.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	m := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	b, err := m.open(ctx, storeFlags{dsn: c.DSN, keyFile: c.KeyFile}, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	opts := killOptions()
	if c.KillBeforeSend {
		opts.beforeSend = func(task *trail.DeliveryTask) {
			if task.Delivery.Channel == trail.ChannelSMS {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {} // the signal is on its way
			}
		}
	}
	a, err := newApp(ctx, b, "http://127.0.0.1:1", logger, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.start(ctx); err != nil {
		t.Fatal(err)
	}
	<-ctx.Done()
	if err := a.stop(10 * time.Second); err != nil {
		t.Error(err)
	}
}

// killOptions are the workers' options in the kill test: quick polls and
// retries, a job running over two seconds taken for dead, and the
// notification simulator on loopback allowed.
func killOptions() appOptions {
	return appOptions{retryPolicy: fastRetry{}, pollInterval: 50 * time.Millisecond, allowPrivateWebhooks: true,
		deliveryBackoff: func(int) time.Duration { return 20 * time.Millisecond },
		jobTimeout:      time.Second, rescueAfter: 2 * time.Second}
}

func playKill(t *testing.T, dsn string) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	keyFile := filepath.Join(t.TempDir(), "secret.key")
	m := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	b, err := m.open(ctx, storeFlags{dsn: dsn, keyFile: keyFile}, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	// Wired but never started: this process only writes the order, whose
	// jobs the worker processes run.
	if _, err := newApp(ctx, b, "http://127.0.0.1:1", logger, killOptions()); err != nil {
		t.Fatal(err)
	}
	sim := notifysim.New(notifysim.Config{AliyunKeys: map[string]string{"SIMKEY": "sim-secret"}})
	simSrv := httptest.NewServer(sim)
	t.Cleanup(func() { simSrv.Close(); sim.Close() })

	brand := &trail.Brand{Slug: "kill", Name: "梅子酒坊"}
	if _, err := b.CreateBrand(ctx, brand); err != nil {
		t.Fatal(err)
	}
	if _, err := b.PutSKU(ctx, brand.ID, &trail.SKU{Code: "RICE-500", Name: "米酒 500ml"}); err != nil {
		t.Fatal(err)
	}
	settings := trail.DefaultNotifySettings()
	settings.QuietStart, settings.QuietEnd, settings.MergeMinutes, settings.DailyCap = "00:00", "00:00", 0, 20
	if err := b.PutNotifySettings(ctx, brand.ID, settings); err != nil {
		t.Fatal(err)
	}
	if err := b.PutNotifyChannel(ctx, brand.ID, trail.NotifyChannel{Channel: trail.ChannelSMS, BaseURL: simSrv.URL + "/aliyun",
		Credentials: map[string]string{"access_key_id": "SIMKEY", "access_key_secret": "sim-secret", "sign_name": "瓶迹", "template_code": "SMS_900001"}}); err != nil {
		t.Fatal(err)
	}
	o := &trail.Order{OrderNo: "KILL-1", Customer: trail.Contact{Name: "张三", Phone: "13912345678"},
		Address: trail.Address{Province: "浙江", City: "杭州市", Detail: "文三路188号"}, Items: []trail.Item{{SKU: "RICE-500", Quantity: 2}}}
	o.Normalize()
	if _, err := b.CreateOrder(ctx, brand.ID, o); err != nil {
		t.Fatal(err)
	}
	sms := func() []*trail.Delivery {
		ds, err := b.Deliveries(ctx, brand.ID, trail.DeliveryFilter{Channel: trail.ChannelSMS, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		return ds
	}

	// The first process dies by SIGKILL inside the SMS delivery.
	first, out := startWorkerProcess(t, workerProcess{DSN: dsn, KeyFile: keyFile, KillBeforeSend: true})
	waitErr := make(chan error, 1)
	go func() { waitErr <- first.Wait() }()
	select {
	case err := <-waitErr:
		var exit *exec.ExitError
		if !errors.As(err, &exit) || !exit.Sys().(syscall.WaitStatus).Signaled() || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("the first worker process ended with %v, want killed by SIGKILL; its output:\n%s", err, out)
		}
	case <-time.After(60 * time.Second):
		first.Process.Kill()
		<-waitErr
		t.Fatalf("the first worker process never reached the SMS; its output:\n%s", out)
	}
	ds := sms()
	if len(ds) != 1 || ds[0].State != trail.DeliveryPending || ds[0].Attempts != 1 {
		t.Fatalf("after the kill: SMS deliveries %s, want one pending after one attempt", describe(ds))
	}
	if n := len(sim.Messages(trail.ChannelSMS)); n != 0 {
		t.Fatalf("after the kill the peer has %d SMS, want none", n)
	}

	// The second process takes the job up once River's rescuer finds it
	// (after the dead process's leadership expires, some 15 s) and sends.
	second, out2 := startWorkerProcess(t, workerProcess{DSN: dsn, KeyFile: keyFile})
	deadline := time.Now().Add(90 * time.Second)
	for ds = sms(); len(ds) != 1 || ds[0].State != trail.DeliverySent; ds = sms() {
		if time.Now().After(deadline) {
			second.Process.Kill()
			second.Wait()
			t.Fatalf("the SMS was not sent after the restart: %s; the second process's output:\n%s", describe(ds), out2)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Give a duplicate the time to arrive before counting.
	time.Sleep(time.Second)
	if err := second.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := second.Wait(); err != nil {
		t.Errorf("the second worker process: %v; its output:\n%s", err, out2)
	}
	msgs := sim.Messages(trail.ChannelSMS)
	if len(msgs) != 1 || msgs[0].To != "13912345678" || msgs[0].OutID != ds[0].IdempotencyKey {
		t.Fatalf("the peer has %d SMS (%+v), want exactly one to 13912345678 with OutId %s", len(msgs), msgs, ds[0].IdempotencyKey)
	}
	if ds[0].Attempts != 2 {
		t.Errorf("delivery after the restart: %s, want sent at the second attempt", describe(ds))
	}
}

// startWorkerProcess starts this test binary as a worker process; the
// buffer collects its output.
func startWorkerProcess(t *testing.T, c workerProcess) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	raw, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestWorkerProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), envWorkerProcess+"="+string(raw))
	out := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd, out
}

// describe lists deliveries as state/attempts.
func describe(ds []*trail.Delivery) string {
	out := fmt.Sprintf("%d deliveries", len(ds))
	for _, d := range ds {
		out += fmt.Sprintf("; %d %s after %d attempts (%s)", d.ID, d.State, d.Attempts, d.LastError)
	}
	return out
}
