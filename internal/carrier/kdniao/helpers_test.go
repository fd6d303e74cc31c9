package kdniao

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// Test credentials, as in the reference's worked example.
const (
	testID  = "1234567"
	testKey = "test-app-key"
)

// testNow is the clock of test clients: 2024-05-06 15:08:09 China time.
var testNow = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

// testAccount returns an account with the test credentials at baseURL.
func testAccount(baseURL string) *trail.CarrierAccount {
	return &trail.CarrierAccount{
		ID:          1,
		Provider:    trail.ProviderKdniao,
		Credentials: map[string]string{"ebusiness_id": testID, "app_key": testKey},
		BaseURL:     baseURL,
	}
}

// testClient returns a client with the test clock.
func testClient() *Client { return &Client{Now: func() time.Time { return testNow }} }

// captured is a request a test server received.
type captured struct {
	Method, Path, ContentType, Body string
}

// fakeKdniao is a test server answering every request with one status and
// body and recording what it received.
type fakeKdniao struct {
	*httptest.Server
	mu       sync.Mutex
	requests []captured
}

// newFakeKdniao starts a server answering status and answer.
func newFakeKdniao(t *testing.T, status int, answer string) *fakeKdniao {
	t.Helper()
	f := &fakeKdniao{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.requests = append(f.requests, captured{r.Method, r.URL.Path, r.Header.Get("Content-Type"), string(body)})
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, answer)
	}))
	t.Cleanup(f.Close)
	return f
}

// received returns the requests the server has seen.
func (f *fakeKdniao) received() []captured {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]captured(nil), f.requests...)
}

// errorJSON is an error as golden files show it.
type errorJSON struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// errorOf describes err for a golden file; nil for nil.
func errorOf(err error) *errorJSON {
	if err == nil {
		return nil
	}
	var e *trail.Error
	if errors.As(err, &e) {
		return &errorJSON{e.Code, e.Message, e.Field}
	}
	return &errorJSON{Code: trail.EINTERNAL, Message: err.Error()}
}

// checkGolden compares v, as indented JSON, with the golden file at path,
// or rewrites the file under -update.
func checkGolden(t *testing.T, path string, v any) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatalf("encode %s: %v", path, err)
	}
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("%s: got\n%s\nwant\n%s", path, buf.Bytes(), want)
	}
}

// MustReadFile returns a file's content or fails the test.
func MustReadFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkCode fails the test unless err has the application error code want.
func checkCode(t *testing.T, err error, want string) {
	t.Helper()
	if got := trail.ErrorCode(err); got != want {
		t.Fatalf("error code: got %q (%v), want %q", got, err, want)
	}
}
