package console_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// TestConsoleLongTimeline: the order page shows a parcel's newest
// trail.TimelineShown scans and links to all of them.
func TestConsoleLongTimeline(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	g, err := b.db.OrderGraph(ctx, b.brandA.ID, orderSplit)
	if err != nil {
		t.Fatal(err)
	}
	s := g.Shipments[0]
	events := make([]trail.CarrierEvent, 100)
	for i := range events {
		events[i] = trail.CarrierEvent{Time: testNow.Add(-time.Duration(len(events)-i) * time.Minute), Status: trail.StatusInTransit,
			Description: fmt.Sprintf("第 %d 次扫描", i), Source: trail.SourcePoll}
	}
	if _, err := b.db.Ingest(ctx, b.brandA.ID, s.Carrier, s.TrackingNo, events); err != nil {
		t.Fatal(err)
	}
	total := len(s.Events) + len(events)

	viewer := b.browser(t).mustLogin(viewerA)
	p := viewer.get("/console/orders/" + orderSplit)
	wantStatus(t, p, http.StatusOK)
	parcel := p.doc.Find("article.parcel#p1")
	if n := parcel.Find("ol.timeline > li").Length(); n != trail.TimelineShown {
		t.Errorf("events shown: got %d, want %d", n, trail.TimelineShown)
	}
	a := parcel.Find("p.more a")
	if href, _ := a.Attr("href"); href != "?events=all#p1" || a.Text() != fmt.Sprintf("查看全部 %d 条", total) {
		t.Fatalf("show-all link: got %q → %q", a.Text(), href)
	}
	p = viewer.get("/console/orders/" + orderSplit + "?events=all")
	wantStatus(t, p, http.StatusOK)
	if n := p.doc.Find("article.parcel#p1 ol.timeline > li").Length(); n != total {
		t.Errorf("all events: got %d, want %d", n, total)
	}
}
