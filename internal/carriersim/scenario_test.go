package carriersim

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDefaultScenarios(t *testing.T) {
	want := []string{
		"damage", "delay_stall", "duplicate_out_of_order", "locker_drop", "lost", "normal_delivery",
		"provider_outage", "refusal", "return_after_delivery", "slow_line_haul", "split_parcels", "stalled_in_transit",
		"wrong_carrier_code",
	}
	got := DefaultScenarios()
	if keys := sortedKeys(got); !reflect.DeepEqual(keys, want) {
		t.Fatalf("got scenarios %v, want %v", keys, want)
	}
	for _, r := range DefaultRules() {
		if _, ok := got[r.Scenario]; !ok {
			t.Errorf("default rule %+v names an unknown scenario", r)
		}
	}
	delete(got, "lost")
	if _, ok := DefaultScenarios()["lost"]; !ok {
		t.Error("DefaultScenarios returns a shared map")
	}
}

func TestLoadScenarios(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("quick.json", `{"description":"named by its file","steps":[{"after":"1d2h","status":"picked_up","description":"已揽收"},{"after":"1d3h","status":"delivered","sub_status":"signed_by_proxy","description":"已签收"}]}`)
	write("notes.txt", "not a scenario")
	got, err := LoadScenarios(dir)
	if err != nil {
		t.Fatal(err)
	}
	sc, ok := got["quick"]
	if !ok || len(got) != 1 {
		t.Fatalf("got %v, want one scenario quick", sortedKeys(got))
	}
	if sc.Steps[0].After != Duration(26*time.Hour) || sc.Steps[1].SubStatus != "signed_by_proxy" {
		t.Errorf("got %+v", sc)
	}
	if _, err := LoadScenarios(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no *.json scenario files") {
		t.Errorf("empty directory: got %v", err)
	}
	if _, err := LoadScenarios(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing directory: got no error")
	}
}

func TestLoadScenariosErrors(t *testing.T) {
	const step = `{"after":"1h","status":"picked_up","description":"已揽收"}`
	tests := []struct {
		file, body, want string
	}{
		{"a.json", `{"steps":[`, "a.json: read scenario"},
		{"a.json", `{"steps":[` + step + `],"behaviors":{}}`, `unknown field "behaviors"`},
		{"a.json", `{"steps":[` + step + `]} {}`, "data after the scenario object"},
		{"a.json", `{"name":"b","steps":[` + step + `]}`, "the file holds scenario \"b\": name it b.json"},
		{"Bad Name.json", `{"steps":[` + step + `]}`, `scenario name "Bad Name"`},
		{"a.json", `{"steps":[]}`, "steps: want at least one step"},
		{"a.json", `{"steps":[{"after":"1h","status":"delivred","description":"x"}]}`, `steps[0]: status: unknown status "delivred"`},
		{"a.json", `{"steps":[{"after":"1h","status":"created","description":"x"}]}`, `unknown status "created"`},
		{"a.json", `{"steps":[{"after":"1h","status":"picked_up","sub_status":"damaged","description":"x"}]}`, `"damaged" does not go with status picked_up`},
		{"a.json", `{"steps":[{"after":"1h","status":"exception","sub_status":"broken","description":"x"}]}`, `unknown sub-status "broken"`},
		{"a.json", `{"steps":[{"after":"1h","status":"picked_up","description":""}]}`, "steps[0]: description"},
		{"a.json", `{"steps":[{"after":"1h","status":"picked_up","description":"a\nb"}]}`, "single lines"},
		{"a.json", `{"steps":[{"after":"1.5d","status":"picked_up","description":"x"}]}`, `duration "1.5d"`},
		{"a.json", `{"steps":[{"after":"-1h","status":"picked_up","description":"x"}]}`, `duration "-1h"`},
		{"a.json", `{"steps":[{"after":3600,"status":"picked_up","description":"x"}]}`, "want a duration string"},
		{"a.json", `{"steps":[{"after":"400d","status":"picked_up","description":"x"}]}`, `duration "400d"`},
		{"a.json", `{"steps":[{"after":"2h","status":"picked_up","description":"x"},` + step + `]}`, "steps[1].after: 1h0m0s comes before the previous step's 2h0m0s"},
		{"a.json", `{"steps":[` + step + `],"behaviours":{"lost":true}}`, "a lost parcel has no steps"},
		{"a.json", `{"steps":[` + step + `,` + step + `],"behaviours":{"stall_after_step":2}}`, "stall_after_step: want 1–1"},
		{"a.json", `{"steps":[` + step + `,` + step + `,` + step + `],"behaviours":{"out_of_order":true,"stall_after_step":2}}`, "out_of_order: needs at least three steps"},
		{"a.json", `{"steps":[` + step + `],"behaviours":{"wrong_carrier":"zto"}}`, `unknown carrier code "zto"`},
		{"a.json", `{"steps":[` + step + `],"behaviours":{"outage":{"first_requests_fail_with":[404]}}}`, "want an HTTP status 500–599"},
		{"a.json", `{"steps":[` + step + `],"behaviours":{"outage":{"first_requests_fail_with":["slow"]}}}`, `got "slow"`},
		{"a.json", `{"steps":[` + step + `],"behaviours":{"outage":{"first_requests_fail_with":[]}}}`, "want 1–20 failures"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, tt.file), []byte(tt.body), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := LoadScenarios(dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
			if err != nil && !strings.Contains(err.Error(), tt.file) {
				t.Errorf("error %q does not name the file %s", err, tt.file)
			}
		})
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"45m", 45 * time.Minute, true},
		{"6h", 6 * time.Hour, true},
		{"2d", 48 * time.Hour, true},
		{"1d12h30m", 36*time.Hour + 30*time.Minute, true},
		{"0s", 0, true},
		{"365d", 365 * 24 * time.Hour, true},
		{"366d", 0, false},
		{"d", 0, false},
		{"+1d", 0, false},
		{"1d-1h", 0, false},
		{"2w", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if (err == nil) != tt.ok || (tt.ok && time.Duration(got) != tt.want) {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v, ok %v", tt.in, time.Duration(got), err, tt.want, tt.ok)
		}
	}
}

// FuzzParseScenario checks that any input either fails cleanly or yields a
// valid scenario that survives a JSON round trip unchanged.
func FuzzParseScenario(f *testing.F) {
	entries, err := embedded.ReadDir("scenarios")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		data, err := embedded.ReadFile("scenarios/" + e.Name())
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"name":"x","steps":[{"after":"1d","status":"refused","description":"拒收"}],"behaviours":{"outage":{"first_requests_fail_with":["timeout",599]}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := ParseScenario(data)
		if err != nil {
			return
		}
		if err := sc.Validate(); err != nil {
			t.Fatalf("parsed scenario does not validate: %v", err)
		}
		again, err := json.Marshal(sc)
		if err != nil {
			t.Fatal(err)
		}
		sc2, err := ParseScenario(again)
		if err != nil {
			t.Fatalf("round trip: %v\n%s", err, again)
		}
		if !reflect.DeepEqual(sc, sc2) {
			t.Fatalf("round trip changed the scenario:\n%+v\n%+v", sc, sc2)
		}
	})
}
