package sf_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// Test credentials; the signed fixtures were made with them.
const (
	testPartnerID = "TESTPARTNER"
	testCheckWord = "TESTCHECKWORD"
)

// testAccount returns an SF account with the test credentials, pointed at
// baseURL.
func testAccount(baseURL string) *trail.CarrierAccount {
	return &trail.CarrierAccount{
		ID:            7,
		Provider:      trail.ProviderSF,
		Credentials:   map[string]string{"partner_id": testPartnerID, "check_word": testCheckWord},
		BaseURL:       baseURL,
		CallbackToken: "tok",
	}
}

// pushContentType is the content type a push fixture is sent with, read
// from its extension.
func pushContentType(name string) string {
	if strings.HasSuffix(name, ".form") {
		return "application/x-www-form-urlencoded;charset=UTF-8"
	}
	return "application/json;charset=UTF-8"
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

// MustGlob returns the files matching pattern, at least one.
func MustGlob(t testing.TB, pattern string) []string {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		t.Fatalf("glob %s: got %d files (%v), want some", pattern, len(files), err)
	}
	return files
}

// MustParseTime parses an RFC 3339 time or fails the test.
func MustParseTime(t testing.TB, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// errorView is how an error appears in a golden file.
type errorView struct {
	Code        string `json:"code"`
	Message     string `json:"message"`
	Field       string `json:"field,omitempty"`
	Unavailable bool   `json:"unavailable,omitempty"`
}

func viewError(err error) *errorView {
	if err == nil {
		return nil
	}
	v := &errorView{Code: trail.ErrorCode(err), Message: err.Error()}
	if te := (*trail.Error)(nil); errors.As(err, &te) {
		v.Message, v.Field = te.Message, te.Field
	}
	v.Unavailable = errors.Is(err, trail.ErrProviderUnavailable)
	return v
}

// CompareGolden compares got, as indented JSON, with the golden file
// testdata/golden/name, rewriting it with -update.
func CompareGolden(t *testing.T, name string, got any) {
	t.Helper()
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(b, want) {
		t.Errorf("%s: got\n%s\nwant\n%s", path, b, want)
	}
}
