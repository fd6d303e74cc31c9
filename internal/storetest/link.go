package storetest

import (
	"cmp"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

func testLinks(t *testing.T, open OpenFunc) {
	b := setup(t, open)
	sealer := MustSealer(t)
	o := b.mustOrder(t, b.brand.ID, "WX-LINK")
	l, err := b.s.CreateLink(b.ctx, b.brand.ID, o.OrderNo, trail.LinkGift, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	token := trail.LinkToken(sealer, l)
	id, kind, err := trail.ParseLinkToken(sealer, token, b.clock.Now())
	if err != nil || id != l.ID || kind != trail.LinkGift {
		t.Fatalf("token: got %d %s %v, want %d gift", id, kind, err, l.ID)
	}
	brand, got, g, err := b.s.OrderByLink(b.ctx, id)
	if err != nil || brand.ID != b.brand.ID || got.Kind != trail.LinkGift || g.Order.OrderNo != o.OrderNo {
		t.Fatalf("OrderByLink: got %v %v %v, %v", brand, got, g, err)
	}
	if _, _, err := trail.ParseLinkToken(sealer, token, b.clock.Now().Add(2*time.Hour)); trail.ErrorCode(err) != trail.ENOTFOUND {
		t.Fatalf("expired token: got %v, want not_found", err)
	}
	wantCode(t, b.s.RevokeLink(b.ctx, b.other.ID, l.ID), trail.ENOTFOUND)
	if err := b.s.RevokeLink(b.ctx, b.brand.ID, l.ID); err != nil {
		t.Fatal(err)
	}
	_, _, _, err = b.s.OrderByLink(b.ctx, l.ID)
	wantCode(t, err, trail.ENOTFOUND)
	_, err = b.s.CreateLink(b.ctx, b.other.ID, o.OrderNo+"-X", trail.LinkBuyer, time.Hour)
	wantCode(t, err, trail.ENOTFOUND)
}

func testLookup(t *testing.T, open OpenFunc) {
	b := setup(t, open)
	o := newOrder("WX-LOOKUP")
	o.Recipient = &trail.Contact{Name: "李四", Phone: "13800138000"}
	if _, err := b.s.CreateOrder(b.ctx, b.brand.ID, o); err != nil {
		t.Fatal(err)
	}
	b.mustShipment(t, b.brand.ID, o.OrderNo, "shunfeng", "SF4000000000001", trail.ShipmentItem{SKU: "PLUM-330", Quantity: 1})
	// An order whose number differs from the first only in case: the phone
	// digits tell which one a consumer means.
	variant := newOrder("wx-Lookup")
	variant.Customer.Phone = "13700001111"
	if _, err := b.s.CreateOrder(b.ctx, b.brand.ID, variant); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		brandID int64
		q       trail.TrackQuery
		ok      bool
		want    string // the order found; "" means o
	}{
		{"order number in lower case", b.brand.ID, trail.TrackQuery{OrderNo: "wx-lookup", PhoneLast4: "5678"}, true, ""},
		{"order number in mixed case", b.brand.ID, trail.TrackQuery{OrderNo: "Wx-LookUp", PhoneLast4: "8000"}, true, ""},
		{"case variant told by its digits", b.brand.ID, trail.TrackQuery{OrderNo: "WX-LOOKUP", PhoneLast4: "1111"}, true, "wx-Lookup"},
		{"case variant, wrong digits", b.brand.ID, trail.TrackQuery{OrderNo: "wx-lookup", PhoneLast4: "2222"}, false, ""},
		{"order and buyer digits", b.brand.ID, trail.TrackQuery{OrderNo: o.OrderNo, PhoneLast4: "5678"}, true, ""},
		{"order and recipient digits", b.brand.ID, trail.TrackQuery{OrderNo: o.OrderNo, PhoneLast4: "8000"}, true, ""},
		{"tracking number", b.brand.ID, trail.TrackQuery{TrackingNo: "SF4000000000001", PhoneLast4: "8000"}, true, ""},
		{"wrong digits", b.brand.ID, trail.TrackQuery{OrderNo: o.OrderNo, PhoneLast4: "1234"}, false, ""},
		{"unknown order", b.brand.ID, trail.TrackQuery{OrderNo: "WX-NONE", PhoneLast4: "5678"}, false, ""},
		{"unknown tracking number", b.brand.ID, trail.TrackQuery{TrackingNo: "SF4000000000009", PhoneLast4: "5678"}, false, ""},
		{"another brand", b.other.ID, trail.TrackQuery{OrderNo: o.OrderNo, PhoneLast4: "5678"}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := b.s.LookupOrder(b.ctx, tt.brandID, tt.q)
			if tt.ok {
				want := cmp.Or(tt.want, o.OrderNo)
				if err != nil || g.Order.OrderNo != want {
					t.Fatalf("got %v, %v, want order %s", g, err, want)
				}
				return
			}
			wantCode(t, err, trail.ENOTFOUND)
		})
	}
}
