package carriersim

import (
	"testing"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// pushOne sends one step through the simulator's push builder for a
// provider and parses the push with that provider's package.
func pushOne(t *testing.T, b *testBundle, provider string, st Step) trail.CarrierEvent {
	t.Helper()
	p := &parcel{provider: provider, carrier: "zhongtong", trackingNo: "78123456789012",
		steps: []timedStep{{Step: st, release: epoch, at: epoch, routeID: "30000000001"}},
		salt:  testSalt, resultV2: "4", pushType: kdniaoPushValue}
	d := &delivery{steps: []int{0}}
	switch provider {
	case trail.ProviderKuaidi100:
		p.account, d.kind = testCustomer, pushPolling
	case trail.ProviderKdniao:
		p.account, d.kind = testEBID, kdniaoPushValue
	case trail.ProviderSF:
		p.account, p.carrier, d.kind = testPartner, sfCarrier, pushTypeSF
	}
	b.sim.mu.Lock()
	body, ct := b.sim.buildPush(p, d, epoch)
	b.sim.mu.Unlock()
	prov, acct := b.provider(provider)
	ups, err := prov.ParsePush(acct, ct, body)
	if err != nil {
		t.Fatalf("%s ParsePush: %v\n%s", provider, err, body)
	}
	if len(ups) != 1 || len(ups[0].Events) != 1 {
		t.Fatalf("%s ParsePush: got %+v, want one update with one event", provider, ups)
	}
	e := ups[0].Events[0]
	if !e.Time.Equal(epoch) || e.Description != st.Description || e.Location != st.Location {
		t.Errorf("%s: got time %v, description %q, location %q; want %v, %q, %q", provider, e.Time, e.Description, e.Location, epoch, st.Description, st.Location)
	}
	return e
}

// TestCodeTables holds every row of the reverse mapping tables to what the
// provider packages read back: the contract between the simulator and
// the clients.
func TestCodeTables(t *testing.T) {
	b := setup(t)
	for provider, rows := range codeTables {
		for _, row := range rows {
			t.Run(provider+"/"+row.Code+"/"+string(row.Status)+"/"+row.SubStatus, func(t *testing.T) {
				e := pushOne(t, b, provider, Step{Status: row.Status, SubStatus: row.SubStatus, Description: "测试扫描 " + row.Name, Location: "杭州市"})
				if e.RawCode != row.Code || e.Status != row.ReadsAs || e.SubStatus != row.ReadsSub {
					t.Errorf("got code %s read as %s/%s, want %s read as %s/%s", e.RawCode, e.Status, e.SubStatus, row.Code, row.ReadsAs, row.ReadsSub)
				}
				if (row.ReadsAs != row.Status || row.ReadsSub != row.SubStatus) && row.Note == "" {
					t.Errorf("row %s/%s reads back as %s/%s without a note saying why", row.Status, row.SubStatus, row.ReadsAs, row.ReadsSub)
				}
			})
		}
	}
}

// TestScenarioRoundTrip sends every step of every built-in scenario
// through each provider's push format and its package's ParsePush, and
// gets the step's canonical status back, except where the table notes
// that the provider cannot say it.
func TestScenarioRoundTrip(t *testing.T) {
	b := setup(t)
	for name, sc := range DefaultScenarios() {
		for i, st := range sc.Steps {
			for provider := range codeTables {
				row := providerCode(provider, st.Status, st.SubStatus)
				e := pushOne(t, b, provider, st)
				switch {
				case e.Status != row.ReadsAs || e.SubStatus != row.ReadsSub:
					t.Errorf("%s step %d via %s: got %s/%s, want %s/%s", name, i, provider, e.Status, e.SubStatus, row.ReadsAs, row.ReadsSub)
				case e.Status != st.Status && row.Note == "":
					t.Errorf("%s step %d via %s: status %s reads back as %s", name, i, provider, st.Status, e.Status)
				}
			}
		}
	}
}

func TestEveryStatusHasPlainRow(t *testing.T) {
	for provider := range codeTables {
		for _, status := range stepStatuses {
			if row := providerCode(provider, status, ""); row.Code == "" || row.Status != status || row.SubStatus != "" {
				t.Errorf("%s: no plain row for %s", provider, status)
			}
		}
	}
}

func TestProviderCodeFallsBackToPlainRow(t *testing.T) {
	row := providerCode(trail.ProviderSF, trail.StatusException, "damaged")
	if row.Code != "33" || row.SubStatus != "" {
		t.Errorf("got %+v, want the plain exception row 33", row)
	}
	if got := providerCode(trail.ProviderKuaidi100, trail.StatusException, "damaged").Code; got != "209" {
		t.Errorf("got %s, want 209", got)
	}
}
