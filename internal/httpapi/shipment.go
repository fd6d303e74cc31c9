package httpapi

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// shipmentRequest is the body of POST /api/v1/orders/{order_no}/shipments.
type shipmentRequest struct {
	Carrier    string               `json:"carrier"`
	TrackingNo string               `json:"tracking_no"`
	Items      []trail.ShipmentItem `json:"items"`
}

// eventsRequest is the body of POST
// /api/v1/shipments/{carrier}/{tracking_no}/events.
type eventsRequest struct {
	Events []trail.CarrierEvent `json:"events"`
}

// shipmentResponse is a parcel with what it holds and, where loaded, its
// events.
type shipmentResponse struct {
	Carrier     string                 `json:"carrier"`
	CarrierName string                 `json:"carrier_name"`
	TrackingNo  string                 `json:"tracking_no"`
	Status      trail.ShipmentStatus   `json:"status"`
	StatusName  string                 `json:"status_name"`
	SubStatus   string                 `json:"sub_status,omitempty"`
	Damaged     bool                   `json:"damaged,omitempty"` // scanned damaged at some point, whatever came after
	Leg         int                    `json:"leg"`
	Items       []shipmentItemResponse `json:"items"`
	CreatedAt   string                 `json:"created_at"`
	LastEventAt string                 `json:"last_event_at,omitempty"`
	DeliveredAt string                 `json:"delivered_at,omitempty"`
	Events      []eventResponse        `json:"events,omitzero"` // nil when not loaded, [] when none
	ETA         *etaResponse           `json:"eta,omitempty"`   // in the order graph, while the parcel is on its way
}

type shipmentItemResponse struct {
	SKU      string `json:"sku"`
	Quantity int    `json:"quantity"`
}

// eventResponse is a stored tracking event.
type eventResponse struct {
	Time        string               `json:"time"`
	Status      trail.ShipmentStatus `json:"status,omitempty"` // absent when the carrier's code is unknown
	SubStatus   string               `json:"sub_status,omitempty"`
	Description string               `json:"description"`
	Location    string               `json:"location,omitempty"`
	RawCode     string               `json:"raw_code,omitempty"`
	Source      string               `json:"source"`
}

// ingestResponse is the answer to a push of manual events.
type ingestResponse struct {
	New        int              `json:"new"`
	Duplicates int              `json:"duplicates"`
	Shipment   shipmentResponse `json:"shipment"`
}

// newShipmentResponse renders a parcel; withEvents adds its events, newest
// first by event time.
func newShipmentResponse(sh *trail.Shipment, withEvents bool) shipmentResponse {
	carrier, _ := trail.LookupCarrier(sh.Carrier)
	resp := shipmentResponse{
		Carrier:     sh.Carrier,
		CarrierName: carrier.Name,
		TrackingNo:  sh.TrackingNo,
		Status:      sh.Status,
		StatusName:  trail.StatusNames[sh.Status],
		SubStatus:   sh.SubStatus,
		Damaged:     sh.Damaged(),
		Leg:         sh.Leg,
		Items:       make([]shipmentItemResponse, len(sh.Items)),
		CreatedAt:   formatTime(sh.CreatedAt),
		LastEventAt: formatTimePtr(sh.LastEventAt),
		DeliveredAt: formatTimePtr(sh.DeliveredAt),
	}
	for i, it := range sh.Items {
		resp.Items[i] = shipmentItemResponse{SKU: it.SKU, Quantity: it.Quantity}
	}
	if withEvents {
		events := slices.Clone(sh.Events)
		slices.SortStableFunc(events, func(a, b trail.TrackingEvent) int { return b.Time.Compare(a.Time) })
		resp.Events = make([]eventResponse, len(events))
		for i, e := range events {
			resp.Events[i] = eventResponse{
				Time:        formatTime(e.Time),
				Status:      e.Status,
				SubStatus:   e.SubStatus,
				Description: e.Description,
				Location:    e.Location,
				RawCode:     e.RawCode,
				Source:      e.Source,
			}
		}
	}
	return resp
}

// handleShipmentCreate adds a parcel to an order, idempotently on carrier
// and tracking number: 201 when new, 200 when the same parcel was added
// before. The answer is the parcel as the order graph now shows it.
func (s *Server) handleShipmentCreate(w http.ResponseWriter, r *http.Request) error {
	var req shipmentRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	orderNo := r.PathValue("order_no")
	sh := &trail.Shipment{OrderNo: orderNo, Carrier: req.Carrier, TrackingNo: req.TrackingNo, Items: req.Items}
	sh.Normalize()
	if sh.Carrier == "" && sh.TrackingNo != "" {
		// No carrier given: detect it from the number, or refuse with the
		// candidates rather than guess.
		carrier, err := trail.ResolveCarrier(sh.TrackingNo)
		if err != nil {
			return err
		}
		sh.Carrier = carrier
	}
	if err := sh.Validate(); err != nil {
		return err
	}
	id := brandID(r)
	created, err := s.shipments.CreateShipment(r.Context(), id, orderNo, sh)
	if err != nil {
		return err
	}
	g, err := s.orders.OrderGraph(r.Context(), id, orderNo)
	if err != nil {
		return fmt.Errorf("read order %s after adding parcel %s %s: %w", orderNo, sh.Carrier, sh.TrackingNo, err)
	}
	i := slices.IndexFunc(g.Shipments, func(x *trail.Shipment) bool {
		return x.Carrier == sh.Carrier && x.TrackingNo == sh.TrackingNo
	})
	if i < 0 {
		return fmt.Errorf("parcel %s %s missing from order %s after adding it", sh.Carrier, sh.TrackingNo, orderNo)
	}
	return writeJSON(w, createdStatus(created), newShipmentResponse(g.Shipments[i], true))
}

// handleShipmentEvents ingests tracking events entered by hand (or by a
// brand's own system) for one parcel: at most trail.MaxEventsPerPush, each
// stored once however often it is sent.
func (s *Server) handleShipmentEvents(w http.ResponseWriter, r *http.Request) error {
	var req eventsRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	switch n := len(req.Events); {
	case n == 0:
		return trail.Invalid("events", "at least one event is required")
	case n > trail.MaxEventsPerPush:
		return trail.Invalid("events", "at most %d events per request, not %d", trail.MaxEventsPerPush, n)
	}
	for i := range req.Events {
		e := &req.Events[i]
		field := fmt.Sprintf("events[%d]", i)
		e.Normalize()
		if err := e.Validate(field); err != nil {
			return err
		}
		if err := s.checkPast(field+".time", e.Time); err != nil {
			return err
		}
	}
	carrier := trail.NormalizeCarrier(r.PathValue("carrier"))
	trackingNo := trail.NormalizeTrackingNo(r.PathValue("tracking_no"))
	res, err := s.shipments.Ingest(r.Context(), brandID(r), carrier, trackingNo, req.Events)
	if err != nil {
		return err
	}
	s.ingest.Record(carrier, res)
	return writeJSON(w, http.StatusOK, ingestResponse{
		New:        res.New,
		Duplicates: res.Duplicates,
		Shipment:   newShipmentResponse(res.Shipment, false),
	})
}
