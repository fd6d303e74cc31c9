package trail_test

import (
	"fmt"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// Carriers push events late and out of order. The parcel's status is that
// of the latest event by event time, whatever the order of arrival; a scan
// after the delivery stays in the timeline without moving the status.
func ExampleDeriveShipmentState() {
	at := func(s string) time.Time {
		t, _ := time.ParseInLocation(time.DateTime, s, trail.ChinaTime)
		return t
	}
	scan := func(id int64, when string, status trail.ShipmentStatus, text string) trail.TrackingEvent {
		return trail.TrackingEvent{ID: id, CarrierEvent: trail.CarrierEvent{Time: at(when), Status: status, Description: text}}
	}
	// In the order they arrived: the delivery first, the pick-up last.
	events := []trail.TrackingEvent{
		scan(1, "2026-12-03 14:20:00", trail.StatusDelivered, "已签收，签收人：本人"),
		scan(2, "2026-12-02 08:05:00", trail.StatusInTransit, "快件已到达【杭州转运中心】"),
		scan(3, "2026-12-03 14:20:00", trail.StatusOutForDelivery, "快递员正在派件"),
		scan(4, "2026-12-03 18:00:00", trail.StatusInTransit, "快件已发往【杭州转运中心】"), // a late scan
		scan(5, "2026-12-01 17:30:00", trail.StatusPickedUp, "顺丰速运已收取快件"),
	}

	st := trail.DeriveShipmentState(events)
	fmt.Println("status:", st.Status, trail.StatusNames[st.Status])
	fmt.Println("leg:", st.Leg)
	fmt.Println("delivered at:", st.DeliveredAt.In(trail.ChinaTime).Format(time.DateTime))
	fmt.Println("last event at:", st.LastEventAt.In(trail.ChinaTime).Format(time.DateTime))

	// A refusal after the delivery opens a return leg.
	events = append(events, scan(6, "2026-12-04 09:00:00", trail.StatusRefused, "收件人拒收，快件退回"))
	st = trail.DeriveShipmentState(events)
	fmt.Println("then:", st.Status, "leg", st.Leg)

	// Output:
	// status: delivered 已签收
	// leg: 0
	// delivered at: 2026-12-03 14:20:00
	// last event at: 2026-12-03 18:00:00
	// then: refused leg 1
}
