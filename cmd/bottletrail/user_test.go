package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestUserCreate creates a brand's first admin from the command line, then
// signs in with it on the running server's console.
func TestUserCreate(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "bt.db")
	env := func(string) string { return "" }
	run := func(args ...string) (string, error) {
		t.Helper()
		var out, errOut bytes.Buffer
		m := &Main{Stdout: &out, Stderr: &errOut, Getenv: env}
		err := m.Run(context.Background(), args)
		return out.String(), err
	}
	for _, b := range [][]string{{"plum-house", "梅子酒坊"}, {"rival-brew", "竹林酒业"}} {
		if _, err := run("brand", "create", "--db", dsn, "--slug", b[0], "--name", b[1]); err != nil {
			t.Fatal(err)
		}
	}
	out, err := run("user", "create", "--db", dsn, "--brand", "plum-house", "--email", "Boss@Plum.example", "--role", "admin", "--password", "first admin password")
	if err != nil {
		t.Fatalf("user create: %v", err)
	}
	var created map[string]string
	if err := json.Unmarshal([]byte(out), &created); err != nil || created["email"] != "boss@plum.example" || created["role"] != "admin" || created["brand"] != "plum-house" {
		t.Fatalf("user create printed %q: %v", out, err)
	}

	// The password from standard input, when --password is left out.
	old := stdin
	t.Cleanup(func() { stdin = old })
	stdin = strings.NewReader("viewer password 1\n")
	if _, err := run("user", "create", "--db", dsn, "--brand", "plum-house", "--email", "look@plum.example", "--role", "viewer"); err != nil {
		t.Fatalf("user create from stdin: %v", err)
	}

	for _, tt := range []struct {
		name string
		args []string
		want string // in the error
	}{
		{"taken address", []string{"--brand", "plum-house", "--email", "boss@plum.example", "--role", "agent", "--password", "another password"}, "user grant"},
		{"unknown role", []string{"--brand", "plum-house", "--email", "x@plum.example", "--role", "owner", "--password", "another password"}, "admin, agent or viewer"},
		{"short password", []string{"--brand", "plum-house", "--email", "x@plum.example", "--role", "agent", "--password", "short"}, "密码"},
		{"unknown brand", []string{"--brand", "nobody", "--email", "x@plum.example", "--role", "agent", "--password", "another password"}, "no brand"},
		{"bad address", []string{"--brand", "plum-house", "--email", "not-an-address", "--role", "agent", "--password", "another password"}, "--email"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stdin = strings.NewReader("")
			_, err := run(append([]string{"user", "create", "--db", dsn}, tt.args...)...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
	stdin = strings.NewReader("")
	if _, err := run("user", "create", "--db", dsn, "--brand", "plum-house", "--email", "x@plum.example", "--role", "agent"); err == nil {
		t.Fatal("user create without any password: got no error")
	}
	if _, err := run("user", "grant", "--db", dsn, "--brand", "rival-brew", "--email", "boss@plum.example", "--role", "viewer"); err != nil {
		t.Fatalf("user grant: %v", err)
	}
	if _, err := run("user", "grant", "--db", dsn, "--brand", "rival-brew", "--email", "ghost@plum.example", "--role", "viewer"); err == nil {
		t.Fatal("user grant of an unknown user: got no error")
	}
	if _, err := run("user", "delete"); err == nil {
		t.Fatal("an unknown user subcommand: got no error")
	}

	// Serve, and sign in on the console as the new admin.
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
	defer func() {
		cancel()
		<-done
	}()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := c.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(raw)
	}
	status, body := get("/console/orders")
	if status != http.StatusOK || !strings.Contains(body, `name="password"`) {
		t.Fatalf("without a session: got %d, want the sign-in page", status)
	}
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(body)
	if csrf == nil {
		t.Fatal("the sign-in page has no CSRF token")
	}
	form := url.Values{"email": {"boss@plum.example"}, "password": {"first admin password"}, "csrf": {csrf[1]}, "next": {"/console/orders"}}
	req, _ := http.NewRequest("POST", base+"/console/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(raw), "订单查询") || !strings.Contains(string(raw), "竹林酒业") {
		t.Fatalf("after sign-in: got %d\n%s", resp.StatusCode, raw)
	}
	if status, body := get("/console/audit"); status != http.StatusOK || !strings.Contains(body, "创建账号") {
		t.Fatalf("audit page: got %d, want the user creation logged", status)
	}
	// The API keeps its JSON 404 next to the console.
	if status, body := get("/api/v1/nothing"); status != http.StatusNotFound || !strings.Contains(body, `"not_found"`) {
		t.Fatalf("API 404: got %d %s", status, body)
	}
}
