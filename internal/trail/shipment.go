package trail

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// ShipmentStatus is the normalised status of a parcel (docs/ARCHITECTURE.md §3).
type ShipmentStatus string

// Shipment statuses. StatusUnknown marks a carrier event whose code no
// mapping table knows: it never moves a parcel's status.
const (
	StatusUnknown        ShipmentStatus = ""
	StatusCreated        ShipmentStatus = "created"
	StatusPickedUp       ShipmentStatus = "picked_up"
	StatusInTransit      ShipmentStatus = "in_transit"
	StatusOutForDelivery ShipmentStatus = "out_for_delivery"
	StatusAtPickupPoint  ShipmentStatus = "at_pickup_point"
	StatusDelivered      ShipmentStatus = "delivered"
	StatusException      ShipmentStatus = "exception"
	StatusRefused        ShipmentStatus = "refused"
	StatusReturning      ShipmentStatus = "returning"
	StatusReturned       ShipmentStatus = "returned"
	StatusExpired        ShipmentStatus = "expired"
)

// Sub-statuses used by the core itself; carriers' mapping tables add more
// (damaged, stalled, address_issue, unreachable, ...).
const (
	SubUnknownCode = "unknown_code"
	SubForwarded   = "forwarded"
)

// rank orders statuses that share an event time: the later stage wins
// (docs/ARCHITECTURE.md §5 rule 2).
var rank = map[ShipmentStatus]int{
	StatusCreated:        1,
	StatusPickedUp:       2,
	StatusInTransit:      3,
	StatusExpired:        3,
	StatusOutForDelivery: 4,
	StatusAtPickupPoint:  5,
	StatusException:      6,
	StatusRefused:        7,
	StatusReturning:      8,
	StatusReturned:       9,
	StatusDelivered:      10,
}

// Valid reports whether s is one of the closed list of statuses.
func (s ShipmentStatus) Valid() bool { _, ok := rank[s]; return ok }

// Final reports whether the parcel's journey has ended.
func (s ShipmentStatus) Final() bool { return s == StatusDelivered || s == StatusReturned }

// StatusNames are the Chinese names shown to people.
var StatusNames = map[ShipmentStatus]string{
	StatusCreated:        "已下单待揽收",
	StatusPickedUp:       "已揽收",
	StatusInTransit:      "运输中",
	StatusOutForDelivery: "派送中",
	StatusAtPickupPoint:  "待取件",
	StatusDelivered:      "已签收",
	StatusException:      "异常",
	StatusRefused:        "拒收",
	StatusReturning:      "退回中",
	StatusReturned:       "已退回",
	StatusExpired:        "长时间无更新",
}

// Shipment is a parcel (子订单) carrying some of an order's items.
type Shipment struct {
	ID          int64
	OrderNo     string
	Carrier     string
	TrackingNo  string
	Status      ShipmentStatus
	SubStatus   string
	Leg         int // 0 for the outbound journey, +1 for each return leg after delivery
	Items       []ShipmentItem
	Events      []TrackingEvent // newest first
	CreatedAt   time.Time
	LastEventAt *time.Time
	DeliveredAt *time.Time
}

// ShipmentItem is a quantity of one order item inside a parcel.
type ShipmentItem struct {
	ItemID   int64  `json:"-"` // the order item it comes from
	SKU      string `json:"sku"`
	Quantity int    `json:"quantity"`
}

// SubDamaged is the sub-status of a scan that found the goods damaged.
const SubDamaged = "damaged"

// Damaged reports whether the parcel was ever scanned damaged. Damage is a
// fact about the goods: a later scan (signed, returned) does not undo it.
func (s *Shipment) Damaged() bool {
	if s.SubStatus == SubDamaged {
		return true
	}
	for _, e := range s.Events {
		if e.SubStatus == SubDamaged {
			return true
		}
	}
	return false
}

// trackingNoPattern is a tracking number after NormalizeTrackingNo.
var trackingNoPattern = regexp.MustCompile(`^[A-Z0-9]{6,40}$`)

// Normalize brings the shipment's identifiers to canonical form.
func (s *Shipment) Normalize() {
	s.Carrier = NormalizeCarrier(s.Carrier)
	s.TrackingNo = NormalizeTrackingNo(s.TrackingNo)
	for i := range s.Items {
		s.Items[i].SKU = strings.TrimSpace(s.Items[i].SKU)
	}
}

// validateWaybill reports the first problem with a normalised carrier
// code and tracking number.
func validateWaybill(carrier, trackingNo string) error {
	if carrier == "" {
		return Invalid("carrier", "carrier is required (a Kuaidi100 company code such as shunfeng)")
	}
	if _, ok := LookupCarrier(carrier); !ok {
		return UnknownCarrier("carrier", carrier)
	}
	if !trackingNoPattern.MatchString(trackingNo) {
		return Invalid("tracking_no", "tracking_no must be 6–40 letters or digits (spaces and dashes are ignored)")
	}
	return nil
}

// Validate reports the first problem with a new, normalised shipment.
func (s *Shipment) Validate() error {
	if err := validateWaybill(s.Carrier, s.TrackingNo); err != nil {
		return err
	}
	if len(s.Items) == 0 || len(s.Items) > MaxOrderItems {
		return Invalid("items", "a parcel holds 1–%d item lines", MaxOrderItems)
	}
	for i, it := range s.Items {
		if it.SKU == "" {
			return Invalid(fmt.Sprintf("items[%d].sku", i), "sku is required")
		}
		if it.Quantity < 1 {
			return Invalid(fmt.Sprintf("items[%d].quantity", i), "quantity must be at least 1")
		}
	}
	return nil
}

// AllocateItems assigns a parcel's SKU quantities to the order's item lines
// that still have that much unshipped, first line first. shipped holds the
// quantity of each order item already in other parcels. EINVALID naming the
// parcel item if the order lacks that SKU or not enough remains unshipped.
func AllocateItems(order *Order, shipped map[int64]int, want []ShipmentItem) ([]ShipmentItem, error) {
	left := make(map[int64]int, len(order.Items))
	for _, it := range order.Items {
		left[it.ID] = it.Quantity - shipped[it.ID]
	}
	var out []ShipmentItem
	for i, w := range want {
		need, has, free := w.Quantity, false, 0
		for _, it := range order.Items {
			if it.SKU != w.SKU {
				continue
			}
			has = true
			free += left[it.ID]
			take := min(need, left[it.ID])
			if take > 0 {
				out = append(out, ShipmentItem{ItemID: it.ID, SKU: it.SKU, Quantity: take})
				left[it.ID] -= take
				need -= take
			}
		}
		field := fmt.Sprintf("items[%d]", i)
		if !has {
			return nil, Invalid(field+".sku", "order %s has no item %s", order.OrderNo, Clip(w.SKU))
		}
		if need > 0 {
			return nil, Invalid(field+".quantity", "only %d of %s remain unshipped in order %s, not %d", free, Clip(w.SKU), order.OrderNo, w.Quantity)
		}
	}
	return out, nil
}

// ShipmentService stores parcels and the carrier events that reach them.
type ShipmentService interface {
	// CreateShipment adds a parcel to an order; s must be normalised and
	// valid. Idempotent on carrier and tracking number within the order: the
	// same parcel again returns created=false. ENOTFOUND if the brand has no
	// such order; ECONFLICT if the tracking number is already another
	// parcel's; EINVALID if the items are not the order's or exceed what
	// remains unshipped.
	CreateShipment(ctx context.Context, brandID int64, orderNo string, s *Shipment) (created bool, err error)

	// Ingest is the one path by which carrier events enter: it stores each
	// logical event exactly once, recomputes the parcel's status, and
	// returns only after commit. ENOTFOUND if the brand has no parcel with
	// that carrier and tracking number; EINVALID if an event does not
	// validate (then nothing is stored), also on field events when the
	// parcel would hold more than MaxEventsPerParcel events.
	Ingest(ctx context.Context, brandID int64, carrier, trackingNo string, events []CarrierEvent) (*IngestResult, error)

	// Apply stores what a provider said of parcels, in a push or the answer
	// to a query: for each update, in order, the carrier correction, the
	// events through the ingestion core, and the stop with its
	// re-subscription, as TrackUpdate.Change decides; pushes and polls take
	// this one path. All updates are applied in one transaction, since a
	// provider acknowledges a push of several parcels as a whole
	// (Kuaidiniao's single Success), and Apply returns only after commit. A
	// parcel the brand does not have is skipped (Found false). EINVALID if
	// an event does not validate or a parcel would hold more than
	// MaxEventsPerParcel events, or for a correction to an unknown code:
	// then nothing of any update is stored.
	Apply(ctx context.Context, brandID int64, updates []TrackUpdate) ([]Applied, error)
}
