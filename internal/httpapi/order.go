package httpapi

import (
	"fmt"
	"net/http"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// orderResponse is the order graph as the API shows it. Names and phone
// numbers are masked and the street detail is left out: the API answers
// systems that need the order's state, not its personal data.
type orderResponse struct {
	OrderNo            string             `json:"order_no"`
	Status             trail.OrderStatus  `json:"status"`
	Damaged            bool               `json:"damaged,omitempty"` // a parcel was scanned damaged; a delivered order stays delivered
	Customer           contactResponse    `json:"customer"`
	Recipient          *contactResponse   `json:"recipient,omitempty"`
	Address            addressResponse    `json:"address"`
	Occasion           *trail.Occasion    `json:"occasion,omitempty"`
	PromisedShipBy     *trail.Date        `json:"promised_ship_by,omitempty"`
	PromisedDeliveryBy *trail.Date        `json:"promised_delivery_by,omitempty"`
	CreatedAt          string             `json:"created_at"`
	UpdatedAt          string             `json:"updated_at"`
	CancelledAt        string             `json:"cancelled_at,omitempty"`
	Items              []itemResponse     `json:"items"`
	Batches            []batchResponse    `json:"batches"`
	Shipments          []shipmentResponse `json:"shipments"`
	ETA                *etaResponse       `json:"eta"`         // null when delivered, cancelled or not estimable
	ETAHistory         []etaRevision      `json:"eta_history"` // every recorded revision, oldest first
	Alerts             []alertResponse    `json:"alerts"`      // open alerts of the order, its parcels and batches
}

// etaResponse is a delivery window: p50 is the headline, about 80% of
// deliveries land in [p10, p90]. Instants are RFC 3339 in China time; the
// dates are China-time days.
type etaResponse struct {
	P10        string `json:"p10"`
	P50        string `json:"p50"`
	P90        string `json:"p90"`
	P50Date    string `json:"p50_date"`
	P90Date    string `json:"p90_date"`
	Confidence string `json:"confidence"`
	Basis      string `json:"basis"`
}

func newETAResponse(e *trail.Estimate) *etaResponse {
	if e == nil {
		return nil
	}
	_, p50, p90 := e.Dates()
	return &etaResponse{P10: formatTime(e.P10), P50: formatTime(e.P50), P90: formatTime(e.P90),
		P50Date: string(p50), P90Date: string(p90), Confidence: e.Confidence, Basis: e.Basis}
}

// etaRevision is one recorded estimate; parcel is "carrier/tracking_no", or
// absent for the whole order.
type etaRevision struct {
	Parcel     string `json:"parcel,omitempty"`
	P10        string `json:"p10"`
	P50        string `json:"p50"`
	P90        string `json:"p90"`
	Confidence string `json:"confidence"`
	At         string `json:"at"`
}

// contactResponse is a masked contact.
type contactResponse struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
}

// addressResponse is an address without its street detail.
type addressResponse struct {
	Province     string `json:"province"`
	ProvinceCode string `json:"province_code"`
	City         string `json:"city"`
	District     string `json:"district,omitempty"`
}

type itemResponse struct {
	SKU           string     `json:"sku"`
	Quantity      int        `json:"quantity"`
	Customization string     `json:"customization,omitempty"`
	BatchNo       string     `json:"batch_no,omitempty"`
	UnitPrice     *trail.Fen `json:"unit_price,omitempty"`
}

func newContactResponse(c trail.Contact) contactResponse {
	return contactResponse{Name: trail.MaskName(c.Name), Phone: trail.MaskPhone(c.Phone)}
}

func newOrderResponse(g *trail.OrderGraph, est trail.OrderEstimate) orderResponse {
	o := g.Order
	resp := orderResponse{
		OrderNo:  o.OrderNo,
		Status:   g.Status,
		Damaged:  g.Damaged(),
		Customer: newContactResponse(o.Customer),
		Address: addressResponse{
			Province:     o.Address.Province,
			ProvinceCode: o.Address.ProvinceCode,
			City:         o.Address.City,
			District:     o.Address.District,
		},
		Occasion:           o.Occasion,
		PromisedShipBy:     o.PromisedShipBy,
		PromisedDeliveryBy: o.PromisedDeliveryBy,
		CreatedAt:          formatTime(o.CreatedAt),
		UpdatedAt:          formatTime(o.UpdatedAt),
		CancelledAt:        formatTimePtr(o.CancelledAt),
		Items:              make([]itemResponse, len(o.Items)),
		Batches:            make([]batchResponse, len(g.Batches)),
		Shipments:          make([]shipmentResponse, len(g.Shipments)),
		ETA:                newETAResponse(est.Order),
		ETAHistory:         make([]etaRevision, len(g.ETAs)),
		Alerts:             newAlertResponses(g.Alerts),
	}
	for i, r := range g.ETAs {
		resp.ETAHistory[i] = etaRevision{Parcel: r.Parcel, P10: formatTime(r.P10), P50: formatTime(r.P50), P90: formatTime(r.P90),
			Confidence: r.Confidence, At: formatTime(r.At)}
	}
	if o.Recipient != nil {
		c := newContactResponse(*o.Recipient)
		resp.Recipient = &c
	}
	for i, it := range o.Items {
		resp.Items[i] = itemResponse{
			SKU:           it.SKU,
			Quantity:      it.Quantity,
			Customization: it.Customization,
			BatchNo:       it.BatchNo,
			UnitPrice:     it.UnitPrice,
		}
	}
	for i, b := range g.Batches {
		resp.Batches[i] = newBatchResponse(b)
	}
	for i, sh := range g.Shipments {
		resp.Shipments[i] = newShipmentResponse(sh, true)
		resp.Shipments[i].ETA = newETAResponse(est.Parcels[trail.ParcelKey(sh.Carrier, sh.TrackingNo)])
	}
	return resp
}

// handleOrderCreate creates an order, idempotently on its order_no: 201
// with the order graph when it is new, 200 when the same order was created
// before, 409 conflict naming the first differing field otherwise.
func (s *Server) handleOrderCreate(w http.ResponseWriter, r *http.Request) error {
	var o trail.Order
	if err := decodeJSON(w, r, &o); err != nil {
		return err
	}
	// The province code is derived from the province; a client's own code
	// would let an unknown province pass validation.
	o.Address.ProvinceCode = ""
	o.Normalize()
	if err := o.Validate(); err != nil {
		return err
	}
	id := brandID(r)
	created, err := s.orders.CreateOrder(r.Context(), id, &o)
	if err != nil {
		return err
	}
	g, err := s.orders.OrderGraph(r.Context(), id, o.OrderNo)
	if err != nil {
		return fmt.Errorf("read order %s after creating it: %w", o.OrderNo, err)
	}
	return writeJSON(w, createdStatus(created), newOrderResponse(g, s.estimator.EstimateOrder(g, nil, s.now())))
}

// handleOrderView answers the order graph of one of the brand's orders; an
// order of another brand is 404 like one that does not exist.
func (s *Server) handleOrderView(w http.ResponseWriter, r *http.Request) error {
	g, err := s.orders.OrderGraph(r.Context(), brandID(r), r.PathValue("order_no"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newOrderResponse(g, s.estimator.EstimateOrder(g, nil, s.now())))
}
