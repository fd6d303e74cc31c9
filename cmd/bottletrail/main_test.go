package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMainEndToEnd runs the real binary's Main: brand create, then serve on
// a free port, then the contract's example calls over HTTP, then a graceful
// shutdown.
func TestMainEndToEnd(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "bt.db")
	env := func(string) string { return "" }
	var out, errOut bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errOut, Getenv: env}
	if err := m.Run(context.Background(), []string{"brand", "create", "--db", dsn, "--slug", "plum-house", "--name", "梅子酒坊"}); err != nil {
		t.Fatalf("brand create: %v\n%s", err, errOut.String())
	}
	var created struct {
		Slug   string `json:"slug"`
		APIKey string `json:"api_key"`
	}
	if err := json.Unmarshal(out.Bytes(), &created); err != nil || created.APIKey == "" {
		t.Fatalf("brand create printed %q: %v", out.String(), err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "secret.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("secret.key: got %v, %v, want mode 0600", fi, err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	srv := &Main{Stdout: io.Discard, Stderr: &bytes.Buffer{}, Getenv: env, Ready: func(u string) { ready <- u }}
	go func() { done <- srv.Run(ctx, []string{"serve", "--db", dsn, "--addr", "127.0.0.1:0"}) }()
	var base string
	select {
	case base = <-ready:
	case err := <-done:
		t.Fatalf("serve stopped: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not start")
	}

	call := func(method, path, body string, want int) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+created.APIKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("%s %s: got %d %s, want %d", method, path, resp.StatusCode, raw, want)
		}
		var v map[string]any
		json.Unmarshal(raw, &v)
		return v
	}
	call("PUT", "/api/v1/skus/PLUM-330", `{"name":"青梅酒 330ml","fragile":true,"alcohol":true,"temperature_sensitive":true,"max_temp_c":30,"lead_time_days":{"min":5,"max":10}}`, 201)
	call("PUT", "/api/v1/skus/RICE-500", `{"name":"米酒 500ml","fragile":true,"alcohol":true,"lead_time_days":{"min":3,"max":7}}`, 201)
	order := `{"order_no":"WX20261125001","customer":{"name":"张三","phone":"13912345678"},
		"address":{"province":"浙江省","city":"杭州市","district":"西湖区","detail":"文三路188号"},
		"occasion":{"kind":"wedding","date":"2026-12-20"},"promised_ship_by":"2026-12-05",
		"items":[{"sku":"PLUM-330","quantity":12,"customization":"囍 张三&李四","batch_no":"B20261125-01"},
		         {"sku":"RICE-500","quantity":6,"batch_no":"B20261125-02"}]}`
	call("POST", "/api/v1/orders", order, 201)
	call("POST", "/api/v1/orders", order, 200)
	call("POST", "/api/v1/orders", strings.Replace(order, `"quantity":6`, `"quantity":7`, 1), 409)
	call("POST", "/api/v1/batches", `{"batch_no":"B20261125-01","sku":"PLUM-330","plan":{"ingredients":"2026-11-26","brewing":"2026-11-27","filling":"2026-11-29","packaging":"2026-11-30","qc":"2026-12-01","warehoused":"2026-12-01","ready":"2026-12-02"}}`, 201)
	call("POST", "/api/v1/batches/B20261125-01/events", `{"stage":"filling","state":"delayed","at":"2026-11-29T10:00:00+08:00","reason":"原料到货晚 2 天"}`, 200)
	call("POST", "/api/v1/orders/WX20261125001/shipments", `{"carrier":"yuantong","tracking_no":"YT1234567890123","items":[{"sku":"PLUM-330","quantity":12}]}`, 422)
	call("PUT", "/api/v1/carriers/yuantong", `{"alcohol":true,"fragile":true,"cold_chain":false,"qualification_expires":"2027-06-30"}`, 201)
	call("POST", "/api/v1/orders/WX20261125001/shipments", `{"carrier":"yuantong","tracking_no":"YT1234567890123","items":[{"sku":"PLUM-330","quantity":12}]}`, 201)
	call("POST", "/api/v1/orders/WX20261125001/shipments", `{"carrier":"yuantong","tracking_no":"YT1234567890124","items":[{"sku":"PLUM-330","quantity":1}]}`, 422)
	call("POST", "/api/v1/shipments/yuantong/YT1234567890123/events", `{"events":[{"time":"2026-11-20T09:00:00+08:00","status":"picked_up","description":"已揽收"},{"time":"2026-11-21T09:00:00+08:00","status":"delivered","description":"已签收"}]}`, 200)

	g := call("GET", "/api/v1/orders/WX20261125001", "", 200)
	if g["status"] != "partially_delivered" {
		t.Errorf("status: got %v, want partially_delivered", g["status"])
	}
	raw, _ := json.Marshal(g)
	for _, secret := range []string{"13912345678", "张三\"", "文三路"} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("order graph holds %q in clear: %s", secret, raw)
		}
	}
	if !bytes.Contains(raw, []byte("灌装环节延迟：原料到货晚 2 天")) {
		t.Errorf("order graph lacks the delay explanation: %s", raw)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve after shutdown: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not shut down")
	}
}

func TestUnknownCommand(t *testing.T) {
	m := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	if err := m.Run(context.Background(), []string{"frobnicate"}); err == nil {
		t.Fatal("got nil, want an error for an unknown command")
	}
	if err := m.Run(context.Background(), []string{"serve", "--db", "mysql://x"}); err == nil || !strings.Contains(err.Error(), "postgres://") {
		t.Fatalf("got %v, want an error naming the accepted DSNs", err)
	}
}
