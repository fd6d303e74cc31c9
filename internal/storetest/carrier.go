package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

func testCompliance(t *testing.T, open OpenFunc) {
	b := setup(t, open)
	o := b.mustOrder(t, b.brand.ID, "WX-COMPLY")
	ship := func(carrier, no, sku string) error {
		s := &trail.Shipment{Carrier: carrier, TrackingNo: no, Items: []trail.ShipmentItem{{SKU: sku, Quantity: 1}}}
		_, err := b.s.CreateShipment(b.ctx, b.brand.ID, o.OrderNo, s)
		return err
	}
	// PLUM-330 is alcohol: yunda is undeclared.
	wantCode(t, ship("yunda", "4311159956248", "PLUM-330"), trail.EINVALID, "carrier")
	// RICE-500 is not alcohol in this catalogue: any carrier will do.
	if err := ship("yunda", "4311159956249", "RICE-500"); err != nil {
		t.Fatal(err)
	}
	// An expired qualification is no qualification.
	expired := trail.Date("2026-11-24") // the clock says 2026-11-25
	if _, err := b.s.PutCompliance(b.ctx, b.brand.ID, &trail.Compliance{Carrier: "yunda", Alcohol: true, QualificationExpires: &expired}); err != nil {
		t.Fatal(err)
	}
	err := ship("yunda", "4311159956250", "PLUM-330")
	wantCode(t, err, trail.EINVALID, "carrier")
	valid := trail.Date("2027-06-30")
	if created, err := b.s.PutCompliance(b.ctx, b.brand.ID, &trail.Compliance{Carrier: "yunda", Alcohol: true, QualificationExpires: &valid}); err != nil || created {
		t.Fatalf("PutCompliance again: got created=%v, %v, want replaced", created, err)
	}
	if err := ship("yunda", "4311159956250", "PLUM-330"); err != nil {
		t.Fatal(err)
	}
	// Another brand's declaration does not count.
	o2 := b.mustOrder(t, b.other.ID, "WX-COMPLY")
	_, err = b.s.CreateShipment(b.ctx, b.other.ID, o2.OrderNo, &trail.Shipment{Carrier: "yunda", TrackingNo: "4311159956251",
		Items: []trail.ShipmentItem{{SKU: "PLUM-330", Quantity: 1}}})
	wantCode(t, err, trail.EINVALID, "carrier")

	// Each brand lists its own declarations, by carrier code.
	list, err := b.s.Compliances(b.ctx, b.brand.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range list {
		got = append(got, c.Carrier)
		if c.Carrier == "yunda" && (!c.Alcohol || c.Fragile || c.QualificationExpires == nil || *c.QualificationExpires != valid) {
			t.Fatalf("Compliances: yunda is %+v", c)
		}
	}
	if strings.Join(got, ",") != "shunfeng,yuantong,yunda,zhongtong" {
		t.Fatalf("Compliances: got %v", got)
	}
	if list, err := b.s.Compliances(b.ctx, b.other.ID); err != nil || len(list) != 3 {
		t.Fatalf("Compliances of the other brand: got %d, %v, want its 3", len(list), err)
	}
}

func testCarrierAccount(t *testing.T, open OpenFunc) {
	b := setup(t, open)
	a := &trail.CarrierAccount{Provider: "kuaidi100", Credentials: map[string]string{"customer": "C1", "key": "K1"}}
	a.Normalize()
	if created, err := b.s.PutCarrierAccount(b.ctx, b.brand.ID, a); err != nil || !created {
		t.Fatalf("PutCarrierAccount: got %v, %v", created, err)
	}
	got, err := b.s.CarrierAccount(b.ctx, b.brand.ID, "kuaidi100")
	if err != nil {
		t.Fatal(err)
	}
	if got.Credentials["key"] != "K1" || got.Credentials["salt"] == "" || got.CallbackToken != a.CallbackToken || got.RatePerMinute != trail.DefaultRatePerMinute {
		t.Fatalf("account: got %+v, want %+v", got, a)
	}
	salt := got.Credentials["salt"]
	replaced := &trail.CarrierAccount{Provider: "kuaidi100", Credentials: map[string]string{"customer": "C1", "key": "K2"}, BaseURL: "http://127.0.0.1:9"}
	replaced.Normalize()
	if created, err := b.s.PutCarrierAccount(b.ctx, b.brand.ID, replaced); err != nil || created {
		t.Fatalf("replace: got %v, %v", created, err)
	}
	all, err := b.s.CarrierAccounts(b.ctx, b.brand.ID)
	if err != nil || len(all) != 1 || all[0].Credentials["key"] != "K2" || all[0].CallbackToken != a.CallbackToken || all[0].BaseURL != "http://127.0.0.1:9" {
		t.Fatalf("accounts after replace: got %+v, %v; want key K2 and the first callback token", all, err)
	}
	if all[0].Credentials["salt"] != salt || len(salt) < 16 {
		t.Fatalf("salt: got %q after replacing, want the generated %q kept (parcels are pushed with it)", all[0].Credentials["salt"], salt)
	}
	_, err = b.s.CarrierAccount(b.ctx, b.other.ID, "kuaidi100")
	wantCode(t, err, trail.ENOTFOUND)
}

func testTracking(t *testing.T, open OpenFunc) {
	b := setup(t, open)
	acct := &trail.CarrierAccount{Provider: "sf", Credentials: map[string]string{"partner_id": "P", "check_word": "W"}}
	acct.Normalize()
	if _, err := b.s.PutCarrierAccount(b.ctx, b.brand.ID, acct); err != nil {
		t.Fatal(err)
	}
	o := b.mustOrder(t, b.brand.ID, "WX-TRACK")
	sf := b.mustShipment(t, b.brand.ID, o.OrderNo, "shunfeng", "SF3000000000001", trail.ShipmentItem{SKU: "PLUM-330", Quantity: 1})
	none := b.mustShipment(t, b.brand.ID, o.OrderNo, "yuantong", "YT3000000000001", trail.ShipmentItem{SKU: "PLUM-330", Quantity: 1})

	task, err := b.s.TrackingTask(b.ctx, sf.ID)
	if err != nil {
		t.Fatal(err)
	}
	if task.Account == nil || task.Account.Provider != "sf" || task.PhoneLast4 != "5678" || task.BrandSlug != "plum-house" {
		t.Fatalf("task: got %+v, want the SF account and phone digits 5678", task)
	}
	if task, err := b.s.TrackingTask(b.ctx, none.ID); err != nil || task.Account != nil {
		t.Fatalf("task without account: got %+v, %v", task, err)
	}

	// Without a job queue the SF parcel is polled at once; the other has no
	// account and is never polled.
	now := b.clock.Now()
	claimed, err := b.s.ClaimDuePolls(b.ctx, now, 10, time.Minute)
	if err != nil || len(claimed) != 1 || claimed[0].ShipmentID != sf.ID {
		t.Fatalf("claim: got %v, %v, want the SF parcel", claimed, err)
	}
	if again, err := b.s.ClaimDuePolls(b.ctx, now, 10, time.Minute); err != nil || len(again) != 0 {
		t.Fatalf("claim again within the lease: got %d, %v, want none", len(again), err)
	}
	if late, err := b.s.ClaimDuePolls(b.ctx, now.Add(2*time.Minute), 10, time.Minute); err != nil || len(late) != 1 {
		t.Fatalf("claim after the lease: got %d, %v, want 1", len(late), err)
	}
	if err := b.s.SchedulePoll(b.ctx, sf.ID, nil); err != nil {
		t.Fatal(err)
	}
	if late, err := b.s.ClaimDuePolls(b.ctx, now.Add(time.Hour), 10, time.Minute); err != nil || len(late) != 0 {
		t.Fatalf("claim after stop: got %d, %v, want none", len(late), err)
	}

	if err := b.s.RecordSubscription(b.ctx, sf.ID, "provider said no"); err != nil {
		t.Fatal(err)
	}
	if due, err := b.s.ClaimDuePolls(b.ctx, now.Add(time.Hour), 10, time.Minute); err != nil || len(due) != 1 {
		t.Fatalf("a failed subscription falls back to polling: got %d, %v", len(due), err)
	}
	if err := b.s.StopTracking(b.ctx, b.brand.ID, "shunfeng", sf.TrackingNo, "shutdown"); err != nil {
		t.Fatal(err)
	}
	if due, err := b.s.ClaimDuePolls(b.ctx, now.Add(48*time.Hour), 10, time.Minute); err != nil || len(due) != 0 {
		t.Fatalf("stopped parcel polled: got %d, %v", len(due), err)
	}
	wantCode(t, b.s.StopTracking(b.ctx, b.other.ID, "shunfeng", sf.TrackingNo, "x"), trail.ENOTFOUND)

	// A provider's corrected carrier code moves the parcel.
	if err := b.s.CorrectCarrier(b.ctx, b.brand.ID, "yuantong", none.TrackingNo, "zhongtong", "autoCheck"); err != nil {
		t.Fatal(err)
	}
	g := b.mustGraph(t, o.OrderNo)
	if g.Shipments[1].Carrier != "zhongtong" {
		t.Fatalf("corrected carrier: got %s, want zhongtong", g.Shipments[1].Carrier)
	}
	wantCode(t, b.s.CorrectCarrier(b.ctx, b.other.ID, "zhongtong", none.TrackingNo, "yunda", "x"), trail.ENOTFOUND)
}
