package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/demo"
)

// lockedBuffer is an io.Writer that a test may read while a command writes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// shBlocks returns the ```sh blocks of one "## " section of a Markdown
// document, verbatim.
func shBlocks(t *testing.T, doc, section string) []string {
	t.Helper()
	start := strings.Index(doc, "\n## "+section+"\n")
	if start < 0 {
		t.Fatalf("README has no section %q", section)
	}
	body := doc[start+1:]
	if end := strings.Index(body[3:], "\n## "); end >= 0 {
		body = body[:end+3]
	}
	var blocks []string
	for _, m := range regexp.MustCompile("(?s)\n```sh\n(.*?)\n```\n").FindAllStringSubmatch(body, -1) {
		blocks = append(blocks, m[1])
	}
	return blocks
}

// curlCheck stands in for curl in the README's commands: it runs the real
// curl and fails the script unless the answer is 2xx, echoing the body.
const curlCheck = `curl() {
  local out status
  out=$(command curl -w '\n%{http_code}' "$@") || return
  status=${out##*$'\n'}
  printf '%s\n' "${out%$'\n'*}"
  case $status in 2??) ;; *) echo "HTTP $status from: curl $*" >&2; return 1 ;; esac
}
set -euo pipefail
`

// TestReadmeTour runs the commands of the README's tour, copied verbatim
// from README.md, against a fresh demo: the export line the demo prints,
// then every shell block of the tour, each curl required to answer 2xx.
func TestReadmeTour(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := shBlocks(t, string(readme), "A quick tour")
	if len(blocks) < 2 {
		t.Fatalf("the tour has %d shell blocks, want the alert inbox and the API walk-through", len(blocks))
	}

	ctx, stdout := startDemo(t)
	export := awaitLine(t, stdout, regexp.MustCompile(`(?m)^\s*(export BT=\S+ BT_KEY=\S+)$`))

	for i, block := range blocks {
		script := curlCheck + export + "\n" + block + "\n"
		cmd := exec.CommandContext(ctx, "bash", "-c", script)
		cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("README tour block %d failed: %v\n--- block\n%s\n--- output\n%s", i+1, err, block, out)
			continue
		}
		if i == len(blocks)-1 && !strings.Contains(string(out), `"order_no":"WX20261125001"`) {
			t.Errorf("the tour's last answer lacks its order:\n%s", out)
		}
	}

	// The tour's order is dated from today: once the evaluator (every
	// second) has judged it, it has no alert.
	time.Sleep(2500 * time.Millisecond)
	cmd := exec.CommandContext(ctx, "bash", "-c", export+"\n"+`curl -sf "$BT/orders/WX20261125001" -H "Authorization: Bearer $BT_KEY"`)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("read the tour's order: %v", err)
	}
	var g struct {
		Alerts []struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"alerts"`
	}
	if err := json.Unmarshal(out, &g); err != nil {
		t.Fatalf("the tour's order: %v\n%s", err, out)
	}
	if len(g.Alerts) != 0 {
		t.Errorf("the tour's new order opened alerts at once: %+v", g.Alerts)
	}
}

// TestDemoServiceContact: the demo brand has a customer-service contact,
// so the consumer pages of its problem parcels say how to reach it.
func TestDemoServiceContact(t *testing.T) {
	_, stdout := startDemo(t)
	link := awaitLine(t, stdout, regexp.MustCompile(`包裹破损异常 \(DEMO-0003\)\s+(http://\S+)`))
	res, err := http.Get(link + "?lang=zh")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{demo.ServiceContact.Phone, demo.ServiceContact.WeChat, demo.ServiceContact.Hours} {
		if !strings.Contains(string(body), want) {
			t.Errorf("the damaged parcel's page lacks the service contact's %q", want)
		}
	}
}

// startDemo runs a fresh demo of 12 orders on free ports until the test
// ends; the context ends with it, and the demo's output is in stdout.
func startDemo(t *testing.T) (context.Context, *lockedBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout := &lockedBuffer{}
	m := &Main{Stdout: stdout, Stderr: &lockedBuffer{}, Getenv: func(string) string { return "" }}
	done := make(chan error, 1)
	go func() {
		done <- m.Run(ctx, []string{"demo", "--addr", "127.0.0.1:0", "--sim-addr", "127.0.0.1:0", "--dir", t.TempDir(), "--orders", "12"})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("the demo did not stop")
		}
	})
	return ctx, stdout
}

// awaitLine waits up to 30 s for the demo to print what re matches and
// returns its first group.
func awaitLine(t *testing.T, stdout *lockedBuffer, re *regexp.Regexp) string {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if mm := re.FindStringSubmatch(stdout.String()); mm != nil {
			return mm[1]
		}
	}
	t.Fatalf("the demo printed nothing matching %s:\n%s", re, stdout.String())
	return ""
}
