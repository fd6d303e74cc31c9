package carriersim

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// Scenario is the scripted life of a parcel: the scans a carrier makes,
// each some time after the parcel's first contact with the simulator, and
// the ways the provider misbehaves while reporting them. Scenarios are
// written as JSON files, one per scenario (see the package documentation).
type Scenario struct {
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Steps       []Step     `json:"steps"`
	Behaviours  Behaviours `json:"behaviours"`
}

// Step is one scan of a scenario.
type Step struct {
	// After is the time from the parcel's first contact (its subscription
	// or first query) to the scan, before compression by Config.Speed.
	After Duration `json:"after"`
	// Status is a canonical status; SubStatus optionally refines it.
	Status    trail.ShipmentStatus `json:"status"`
	SubStatus string               `json:"sub_status,omitempty"`
	// Description is the scan's text as the carrier writes it (Chinese).
	Description string `json:"description"`
	// Location is the city of the scan.
	Location string `json:"location,omitempty"`
	// AreaCode is the GB/T 2260 code of the scan's city, which Kuaidi100
	// reports in its richest mode (resultv2=4).
	AreaCode string `json:"area_code,omitempty"`
}

// Behaviours are the ways a scenario's provider departs from the happy
// path.
type Behaviours struct {
	// DuplicatePushes sends every push twice.
	DuplicatePushes bool `json:"duplicate_pushes,omitempty"`
	// OutOfOrder reports the second step late: it is left out of the push
	// of its own time and of the third step's, and arrives in a push right
	// after the third step's. Needs at least three steps.
	OutOfOrder bool `json:"out_of_order,omitempty"`
	// Outage makes the provider's API fail for the parcel for a while.
	Outage *Outage `json:"outage,omitempty"`
	// WrongCarrier is the parcel's real carrier code. A parcel subscribed
	// or queried under another code gets no tracks; over Kuaidi100 a
	// subscription is corrected by autoCheck (an abort naming comNew, then
	// pushes with autoCheck 1, comOld and comNew).
	WrongCarrier string `json:"wrong_carrier,omitempty"`
	// Lost parcels never get a scan; Kuaidi100 aborts their subscription
	// with 3天查询无记录 three days after it. Lost scenarios have no steps.
	Lost bool `json:"lost,omitempty"`
	// StallAfterStep plays only the first n steps; the parcel then goes
	// silent (over Kuaidi100 an abort 60天无变化 follows 60 days later).
	// 0 plays every step.
	StallAfterStep int `json:"stall_after_step,omitempty"`
}

// Outage scripts a provider outage as seen by one parcel.
type Outage struct {
	// FirstRequestsFailWith fails the first requests about the parcel
	// (subscriptions and queries, after their credentials check), one
	// entry each, in order: an HTTP status 500–599 answers at once; a
	// timeout holds the request open until the client gives up. Later
	// requests succeed.
	FirstRequestsFailWith []Failure `json:"first_requests_fail_with"`
}

// Failure is one failed request of an outage: an HTTP status, or a timeout
// (written "timeout" in JSON).
type Failure struct {
	Status  int
	Timeout bool
}

// UnmarshalJSON reads a status number 500–599 or the string "timeout".
func (f *Failure) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		if s != "timeout" {
			return fmt.Errorf("want an HTTP status 500–599 or \"timeout\", got %q", s)
		}
		*f = Failure{Timeout: true}
		return nil
	}
	n, err := strconv.Atoi(string(bytes.TrimSpace(b)))
	if err != nil || n < 500 || n > 599 {
		return fmt.Errorf("want an HTTP status 500–599 or \"timeout\", got %.20s", b)
	}
	*f = Failure{Status: n}
	return nil
}

// MarshalJSON writes the status number or "timeout".
func (f Failure) MarshalJSON() ([]byte, error) {
	if f.Timeout {
		return []byte(`"timeout"`), nil
	}
	return []byte(strconv.Itoa(f.Status)), nil
}

// String returns "timeout" or the HTTP status.
func (f Failure) String() string {
	if f.Timeout {
		return "timeout"
	}
	return strconv.Itoa(f.Status)
}

// Duration is a time offset of a scenario step, written in Go's duration
// syntax with an optional leading number of days: "45m", "6h", "2d",
// "1d12h30m".
type Duration time.Duration

// maxAfter bounds a step's offset.
const maxAfter = 365 * 24 * time.Hour

// ParseDuration reads a Duration.
func ParseDuration(s string) (Duration, error) {
	bad := fmt.Errorf("duration %q: want a non-negative duration such as \"30m\", \"6h\" or \"2d12h\"", s)
	rest := strings.TrimSpace(s)
	var days int64
	if i := strings.IndexByte(rest, 'd'); i >= 0 {
		n, err := strconv.ParseInt(rest[:i], 10, 64)
		if err != nil || n < 0 || n > 366 || strings.ContainsAny(rest[:i], "+-") {
			return 0, bad
		}
		days, rest = n, rest[i+1:]
		if rest == "" {
			rest = "0s"
		}
	}
	d, err := time.ParseDuration(rest)
	if err != nil || d < 0 {
		return 0, bad
	}
	total := time.Duration(days)*24*time.Hour + d
	if total < d || total > maxAfter {
		return 0, fmt.Errorf("duration %q: longer than %d days", s, int(maxAfter/(24*time.Hour)))
	}
	return Duration(total), nil
}

// UnmarshalJSON reads a JSON string such as "2d6h".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a duration string such as \"6h\", got %.20s", b)
	}
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalJSON writes the duration in Go's syntax ("54h0m0s").
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// Statuses a scenario step may have: the canonical statuses after the
// waybill exists. created and expired are not scans a carrier reports.
var stepStatuses = []trail.ShipmentStatus{
	trail.StatusPickedUp, trail.StatusInTransit, trail.StatusOutForDelivery,
	trail.StatusAtPickupPoint, trail.StatusDelivered, trail.StatusException,
	trail.StatusRefused, trail.StatusReturning, trail.StatusReturned,
}

// Limits of a scenario file.
const (
	maxScenarioFile = 1 << 20
	maxSteps        = 200
	maxText         = 500 // bytes of a description
	maxLocation     = 100 // bytes of a location
	maxOutage       = 20  // failed requests of an outage
)

var (
	scenarioName    = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)
	areaCodePattern = regexp.MustCompile(`^[1-9][0-9]{5}$`)
)

// ParseScenario reads and validates one scenario file's content. Unknown
// fields are errors, so that a misspelt behaviour is not silently ignored.
func ParseScenario(data []byte) (Scenario, error) {
	sc, err := decodeScenario(data)
	if err != nil {
		return Scenario{}, err
	}
	if err := sc.Validate(); err != nil {
		return Scenario{}, err
	}
	return sc, nil
}

// decodeScenario reads a scenario file's content without validating it.
func decodeScenario(data []byte) (Scenario, error) {
	if len(data) > maxScenarioFile {
		return Scenario{}, fmt.Errorf("scenario file larger than %d bytes", maxScenarioFile)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var sc Scenario
	if err := dec.Decode(&sc); err != nil {
		return Scenario{}, fmt.Errorf("read scenario: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Scenario{}, errors.New("read scenario: data after the scenario object")
	}
	return sc, nil
}

// Validate reports the first problem of a scenario, naming the field.
func (sc *Scenario) Validate() error {
	if !scenarioName.MatchString(sc.Name) {
		return fmt.Errorf("scenario name %q: want 1–64 lower-case letters, digits, _ or -, starting with a letter or digit", sc.Name)
	}
	fail := func(field, format string, args ...any) error {
		return fmt.Errorf("scenario %s: %s: %s", sc.Name, field, fmt.Sprintf(format, args...))
	}
	if !utf8.ValidString(sc.Description) || len(sc.Description) > 2000 {
		return fail("description", "want valid UTF-8 text of at most 2000 bytes")
	}
	b := sc.Behaviours
	switch {
	case len(sc.Steps) > maxSteps:
		return fail("steps", "at most %d steps", maxSteps)
	case b.Lost && len(sc.Steps) > 0:
		return fail("steps", "a lost parcel has no steps")
	case !b.Lost && len(sc.Steps) == 0:
		return fail("steps", "want at least one step (or behaviours.lost)")
	}
	for i := range sc.Steps {
		if err := sc.Steps[i].validate(); err != nil {
			return fail(fmt.Sprintf("steps[%d]", i), "%v", err)
		}
		if i > 0 && sc.Steps[i].After < sc.Steps[i-1].After {
			return fail(fmt.Sprintf("steps[%d].after", i), "%s comes before the previous step's %s; list steps in time order",
				time.Duration(sc.Steps[i].After), time.Duration(sc.Steps[i-1].After))
		}
	}
	played := len(sc.Steps)
	if n := b.StallAfterStep; n != 0 {
		if n < 1 || n >= len(sc.Steps) {
			return fail("behaviours.stall_after_step", "want 1–%d (a step that has steps after it), got %d", max(len(sc.Steps)-1, 1), n)
		}
		played = n
	}
	if b.OutOfOrder && played < 3 {
		return fail("behaviours.out_of_order", "needs at least three steps that play")
	}
	if b.WrongCarrier != "" {
		if _, ok := trail.LookupCarrier(b.WrongCarrier); !ok {
			return fail("behaviours.wrong_carrier", "unknown carrier code %q (a Kuaidi100 company code such as zhongtong)", b.WrongCarrier)
		}
	}
	if b.Outage != nil {
		n := len(b.Outage.FirstRequestsFailWith)
		if n == 0 || n > maxOutage {
			return fail("behaviours.outage.first_requests_fail_with", "want 1–%d failures", maxOutage)
		}
		for i, f := range b.Outage.FirstRequestsFailWith {
			if !f.Timeout && (f.Status < 500 || f.Status > 599) {
				return fail(fmt.Sprintf("behaviours.outage.first_requests_fail_with[%d]", i), "want an HTTP status 500–599 or \"timeout\"")
			}
		}
	}
	return nil
}

// validate checks one step.
func (st *Step) validate() error {
	switch {
	case st.After < 0 || time.Duration(st.After) > maxAfter:
		return fmt.Errorf("after: want 0–%d days", int(maxAfter/(24*time.Hour)))
	case !slices.Contains(stepStatuses, st.Status):
		names := make([]string, len(stepStatuses))
		for i, s := range stepStatuses {
			names[i] = string(s)
		}
		return fmt.Errorf("status: unknown status %q (want one of %s)", st.Status, strings.Join(names, ", "))
	case strings.TrimSpace(st.Description) == "" || len(st.Description) > maxText || !utf8.ValidString(st.Description):
		return fmt.Errorf("description: want 1–%d bytes of UTF-8 text", maxText)
	case len(st.Location) > maxLocation || !utf8.ValidString(st.Location):
		return fmt.Errorf("location: want at most %d bytes of UTF-8 text", maxLocation)
	case st.AreaCode != "" && !areaCodePattern.MatchString(st.AreaCode):
		return fmt.Errorf("area_code: want six digits, got %q", st.AreaCode)
	case strings.ContainsAny(st.Description+st.Location, "\x00\r\n"):
		return errors.New("description and location are single lines of text")
	}
	if st.SubStatus == "" {
		return nil
	}
	statuses, ok := subStatuses()[st.SubStatus]
	if !ok {
		return fmt.Errorf("sub_status: unknown sub-status %q (known: %s)", st.SubStatus, strings.Join(sortedKeys(subStatuses()), ", "))
	}
	if !slices.Contains(statuses, st.Status) {
		return fmt.Errorf("sub_status: %q does not go with status %s (it goes with %v)", st.SubStatus, st.Status, statuses)
	}
	return nil
}

// played returns the steps that happen: all of them, or the first
// StallAfterStep.
func (sc *Scenario) played() []Step {
	if n := sc.Behaviours.StallAfterStep; n > 0 && n < len(sc.Steps) {
		return sc.Steps[:n]
	}
	return sc.Steps
}

//go:embed scenarios/*.json
var embedded embed.FS

// defaultScenarios holds the embedded scenarios, parsed once.
var defaultScenarios = func() map[string]Scenario {
	m, err := loadFS(embedded, "scenarios")
	if err != nil {
		panic("carriersim: embedded scenarios: " + err.Error())
	}
	return m
}()

// DefaultScenarios returns the scenarios built into the simulator, by name:
// normal_delivery, split_parcels, delay_stall, damage, refusal,
// return_after_delivery, locker_drop, lost, duplicate_out_of_order,
// wrong_carrier_code, provider_outage, stalled_in_transit and
// slow_line_haul. The map is a fresh copy.
func DefaultScenarios() map[string]Scenario {
	m := make(map[string]Scenario, len(defaultScenarios))
	for k, v := range defaultScenarios {
		m[k] = v
	}
	return m
}

// LoadScenarios reads every *.json file of dir (not its subdirectories) as
// one scenario. A file's scenario name must be its file name without
// ".json"; an empty name takes it. The first bad file fails the whole load,
// with an error naming the file and the field.
func LoadScenarios(dir string) (map[string]Scenario, error) {
	m, err := loadFS(os.DirFS(dir), ".")
	if err != nil {
		return nil, fmt.Errorf("load scenarios from %s: %w", dir, err)
	}
	return m, nil
}

// loadFS reads the *.json files of dir in fsys.
func loadFS(fsys fs.FS, dir string) (map[string]Scenario, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	m := make(map[string]Scenario)
	for _, e := range entries {
		if e.IsDir() || filepath.Ext(e.Name()) != ".json" {
			continue
		}
		data, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		stem := strings.TrimSuffix(e.Name(), ".json")
		sc, err := parseNamed(data, stem)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		m[sc.Name] = sc
	}
	if len(m) == 0 {
		return nil, errors.New("no *.json scenario files")
	}
	return m, nil
}

// parseNamed parses a scenario file whose name must be stem; an empty
// name takes it.
func parseNamed(data []byte, stem string) (Scenario, error) {
	sc, err := decodeScenario(data)
	if err != nil {
		return Scenario{}, err
	}
	if sc.Name == "" {
		sc.Name = stem
	}
	if err := sc.Validate(); err != nil {
		return Scenario{}, err
	}
	if sc.Name != stem {
		return Scenario{}, fmt.Errorf("the file holds scenario %q: name it %s.json or rename the scenario", sc.Name, sc.Name)
	}
	return sc, nil
}

// scale compresses a scenario offset by speed.
func scale(d time.Duration, speed float64) time.Duration {
	v := float64(d) / speed
	if v >= math.MaxInt64 {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(v)
}

// Route moves a scenario to other cities: From replaces the city of its
// first scan (where the parcel is picked up), To the last other city it is
// scanned in (where it is delivered). An empty field keeps the scenario's
// city.
type Route struct {
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

// Origin is the city of the scenario's first scan.
func (sc *Scenario) Origin() string {
	if len(sc.Steps) == 0 {
		return ""
	}
	return sc.Steps[0].Location
}

// Destination is the last city the scenario scans the parcel in other than
// its origin: where it is delivered (a return's final scans come back to
// the origin).
func (sc *Scenario) Destination() string {
	for i := len(sc.Steps) - 1; i >= 0; i-- {
		if l := sc.Steps[i].Location; l != "" && l != sc.Origin() {
			return l
		}
	}
	return ""
}

// facilityKinds are the endings of the carrier facilities scans name, such
// as 【绍兴越城营业部】; a relocated facility keeps its kind under the new
// city's name (【杭州营业部】), as its district belongs to the old city.
var facilityKinds = []string{"转运中心", "分拨中心", "中转部", "中转场", "营业部", "营业点"}

// bracketed matches the 【…】 names in a scan's text.
var bracketed = regexp.MustCompile(`【[^】]*】`)

// Relocated returns the scenario moved along r: scans in its origin or
// destination city move to r's cities, with their texts' city and facility
// names and without the old city's area code. Steps elsewhere (a hub on the
// way) stay as they are.
func (sc Scenario) Relocated(r Route) Scenario {
	moves := map[string]string{}
	if from := sc.Origin(); r.From != "" && from != "" && from != r.From {
		moves[from] = r.From
	}
	if to := sc.Destination(); r.To != "" && to != "" && to != r.To {
		moves[to] = r.To
	}
	if len(moves) == 0 {
		return sc
	}
	short := func(city string) string { return strings.TrimSuffix(city, "市") }
	steps := slices.Clone(sc.Steps)
	for i := range steps {
		st := &steps[i]
		if to, ok := moves[st.Location]; ok {
			st.Location, st.AreaCode = to, ""
		}
		st.Description = bracketed.ReplaceAllStringFunc(st.Description, func(b string) string {
			name := strings.TrimSuffix(strings.TrimPrefix(b, "【"), "】")
			for old, to := range moves {
				switch {
				case name == old:
					return "【" + to + "】"
				case strings.HasPrefix(name, short(old)):
					for _, kind := range facilityKinds {
						if strings.HasSuffix(name, kind) {
							return "【" + short(to) + kind + "】"
						}
					}
					return "【" + short(to) + "】"
				}
			}
			return b
		})
	}
	sc.Steps = steps
	return sc
}
