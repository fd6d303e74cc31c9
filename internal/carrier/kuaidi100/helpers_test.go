package kuaidi100

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bottletrail/bottletrail/internal/trail"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// Credentials of the test account.
const (
	testCustomer = "TESTCUSTOMER0001"
	testKey      = "TESTKEY"
	testSalt     = "s4lt-for-tests"
)

// testAccount returns a Kuaidi100 account pointed at baseURL.
func testAccount(baseURL string) *trail.CarrierAccount {
	return &trail.CarrierAccount{
		Provider: trail.ProviderKuaidi100,
		BaseURL:  baseURL,
		Credentials: map[string]string{
			CredCustomer: testCustomer,
			CredKey:      testKey,
			CredSalt:     testSalt,
		},
	}
}

// MustReadFile returns a file under testdata.
func MustReadFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// MustReadParam returns a push fixture's param: the file without its final
// newline.
func MustReadParam(t testing.TB, name string) string {
	t.Helper()
	return strings.TrimSuffix(string(MustReadFile(t, name)), "\n")
}

// signedPush returns the form body Kuaidi100 would post for param.
func signedPush(param, salt string) []byte {
	return []byte(url.Values{"param": {param}, "sign": {PushSign(param, salt)}}.Encode())
}

// MustMatchGolden compares got, as indented JSON, with the golden file
// name under testdata, or rewrites the file with -update.
func MustMatchGolden(t *testing.T, name string, got any) {
	t.Helper()
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	path := filepath.Join("testdata", name)
	if *update {
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
		t.Errorf("%s differs from what was parsed:\ngot:\n%s\nwant:\n%s", path, b, want)
	}
}

// MustHaveCode fails t unless err is a *trail.Error with code.
func MustHaveCode(t *testing.T, err error, code string) *trail.Error {
	t.Helper()
	var e *trail.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("got error %v, want a trail.Error with code %s", err, code)
	}
	return e
}

// checkUpdates reports the first way updates break what ParsePush and
// Query promise: one parcel named, every event valid for the ingestion
// core, a known status or the raw code kept.
func checkUpdates(updates []trail.TrackUpdate, source string) error {
	for _, u := range updates {
		if u.Carrier == "" || u.TrackingNo == "" {
			return errors.New("an update names no parcel")
		}
		for i, e := range u.Events {
			if e.Source != source {
				return errors.New("event source " + e.Source + ", want " + source)
			}
			if e.Status == trail.StatusUnknown && (e.RawCode == "" || e.SubStatus != trail.SubUnknownCode) {
				return errors.New("an unknown event lost its raw code or sub-status")
			}
			e.Normalize()
			if err := e.Validate(fmt.Sprintf("events[%d]", i)); err != nil {
				return err
			}
		}
	}
	return nil
}
