package trail

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Order is a customer's order (母订单): what was bought, for whom and where
// it goes. Its status is derived from its batches and shipments (see
// DeriveOrderStatus), never stored.
type Order struct {
	ID                 int64      `json:"-"`
	OrderNo            string     `json:"order_no"`
	Customer           Contact    `json:"customer"`
	Recipient          *Contact   `json:"recipient,omitempty"`
	Address            Address    `json:"address"`
	Occasion           *Occasion  `json:"occasion,omitempty"`
	PromisedShipBy     *Date      `json:"promised_ship_by,omitempty"`
	PromisedDeliveryBy *Date      `json:"promised_delivery_by,omitempty"`
	Items              []Item     `json:"items"`
	CancelledAt        *time.Time `json:"-"`
	CreatedAt          time.Time  `json:"-"`
	UpdatedAt          time.Time  `json:"-"`
}

// Contact is a person: the buyer or the recipient. Both fields are personal
// data, encrypted at rest and masked in every consumer view.
type Contact struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
	// Email and WeChatOpenID are optional channels for notifications
	// (the buyer's only: a recipient is not notified by them). Both are
	// personal data too.
	Email        string `json:"email,omitempty"`
	WeChatOpenID string `json:"wechat_openid,omitempty"`
}

// Address is where an order goes. Province, city and district stay in clear
// for analytics; Detail (street and number) is personal data.
type Address struct {
	Province     string `json:"province"`
	ProvinceCode string `json:"province_code,omitempty"`
	City         string `json:"city"`
	District     string `json:"district"`
	Detail       string `json:"detail"`
}

// Occasion is the date an order is meant for.
type Occasion struct {
	Kind string `json:"kind"`
	Date Date   `json:"date"`
}

// OccasionKinds lists the accepted occasion kinds with their Chinese names.
var OccasionKinds = map[string]string{
	"wedding":     "婚礼",
	"birthday":    "生日",
	"anniversary": "纪念日",
	"festival":    "节日",
	"corporate":   "商务活动",
	"other":       "其他",
}

// Item is one line of an order.
type Item struct {
	ID            int64  `json:"-"`
	SKU           string `json:"sku"`
	Quantity      int    `json:"quantity"`
	Customization string `json:"customization,omitempty"`
	BatchNo       string `json:"batch_no,omitempty"`
	UnitPrice     *Fen   `json:"unit_price,omitempty"`
}

// Fen is an amount of money in fen (0.01 CNY). On the wire it is a decimal
// number of yuan with at most two decimals.
type Fen int64

// MarshalJSON writes the amount in yuan.
func (f Fen) MarshalJSON() ([]byte, error) { return []byte(f.Yuan()), nil }

// Yuan writes the amount as yuan with two decimals: "196.00".
func (f Fen) Yuan() string { return fmt.Sprintf("%d.%02d", f/100, f%100) }

// UnmarshalJSON reads a non-negative yuan amount with at most two decimals.
func (f *Fen) UnmarshalJSON(b []byte) error {
	var n json.Number
	// json.Number also takes a string holding a number ("68"); an amount
	// must be a bare JSON number.
	if err := json.Unmarshal(b, &n); err != nil || strings.HasPrefix(strings.TrimSpace(string(b)), `"`) {
		return fmt.Errorf("amount must be a number of yuan")
	}
	s := n.String()
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 2 || strings.ContainsAny(s, "eE-+") {
		return fmt.Errorf("amount must be a non-negative number with at most two decimals")
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > math.MaxInt64/100-1 {
		return fmt.Errorf("amount is out of range")
	}
	frac += strings.Repeat("0", 2-len(frac))
	c, _ := strconv.ParseInt(frac, 10, 64)
	*f = Fen(w*100 + c)
	return nil
}

var (
	orderNoPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)
	mobilePattern  = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
	landPattern    = regexp.MustCompile(`^0[1-9][0-9]{8,10}$`)
)

// NormalizePhone strips separators and the country prefix from a Chinese
// phone number and reports whether what remains is a valid mobile or
// landline number.
func NormalizePhone(s string) (string, bool) {
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '(', ')', '\u00a0':
			return -1
		}
		return r
	}, s)
	if rest, ok := strings.CutPrefix(s, "+86"); ok {
		s = rest
	} else if rest, ok := strings.CutPrefix(s, "0086"); ok {
		s = rest
	}
	return s, mobilePattern.MatchString(s) || landPattern.MatchString(s)
}

// Normalize trims the order's text and brings phone numbers and the province
// to their canonical form. Validate reports what it could not normalise.
func (o *Order) Normalize() {
	o.OrderNo = strings.TrimSpace(o.OrderNo)
	normContact := func(c *Contact) {
		c.Name, c.Email, c.WeChatOpenID = strings.TrimSpace(c.Name), strings.TrimSpace(c.Email), strings.TrimSpace(c.WeChatOpenID)
		if p, ok := NormalizePhone(c.Phone); ok {
			c.Phone = p
		}
	}
	normContact(&o.Customer)
	if o.Recipient != nil {
		normContact(o.Recipient)
	}
	a := &o.Address
	a.Province, a.City, a.District, a.Detail = strings.TrimSpace(a.Province), strings.TrimSpace(a.City), strings.TrimSpace(a.District), strings.TrimSpace(a.Detail)
	if p, ok := LookupProvince(a.Province); ok {
		a.Province, a.ProvinceCode = p.Name, p.Code
	} else {
		// The code is derived from the province only: a code sent along
		// with an unknown province must not let it pass Validate.
		a.ProvinceCode = ""
	}
	for i := range o.Items {
		it := &o.Items[i]
		it.SKU, it.Customization, it.BatchNo = strings.TrimSpace(it.SKU), strings.TrimSpace(it.Customization), strings.TrimSpace(it.BatchNo)
	}
}

// MaxOrderItems bounds the lines of one order.
const MaxOrderItems = 200

// Validate reports the first problem with a normalised order.
func (o *Order) Validate() error {
	if !orderNoPattern.MatchString(o.OrderNo) {
		return Invalid("order_no", "order_no must be 1–64 letters, digits, dashes or underscores")
	}
	if err := o.Customer.validate("customer"); err != nil {
		return err
	}
	if o.Recipient != nil {
		if err := o.Recipient.validate("recipient"); err != nil {
			return err
		}
		if o.Recipient.Email != "" || o.Recipient.WeChatOpenID != "" {
			return Invalid("recipient.email", "only the buyer takes email and WeChat notifications; give the recipient's name and phone")
		}
	}
	a := o.Address
	if a.ProvinceCode == "" {
		return Invalid("address.province", "unknown province %s", Quote(a.Province))
	}
	if a.City == "" || len([]rune(a.City)) > 50 {
		return Invalid("address.city", "city must be 1–50 characters")
	}
	if len([]rune(a.District)) > 50 {
		return Invalid("address.district", "district must be at most 50 characters")
	}
	if a.Detail == "" || len([]rune(a.Detail)) > 200 {
		return Invalid("address.detail", "street detail must be 1–200 characters")
	}
	if o.Occasion != nil {
		if _, ok := OccasionKinds[o.Occasion.Kind]; !ok {
			return Invalid("occasion.kind", "unknown occasion kind %s", Quote(o.Occasion.Kind))
		}
		if _, err := ParseDate(string(o.Occasion.Date)); err != nil {
			return Invalid("occasion.date", "%v", err)
		}
	}
	for field, d := range map[string]*Date{"promised_ship_by": o.PromisedShipBy, "promised_delivery_by": o.PromisedDeliveryBy} {
		if d != nil {
			if _, err := ParseDate(string(*d)); err != nil {
				return Invalid(field, "%v", err)
			}
		}
	}
	if len(o.Items) == 0 || len(o.Items) > MaxOrderItems {
		return Invalid("items", "an order has 1–%d items", MaxOrderItems)
	}
	for i, it := range o.Items {
		field := fmt.Sprintf("items[%d]", i)
		if !codePattern.MatchString(it.SKU) {
			return Invalid(field+".sku", "sku is missing or malformed")
		}
		if it.Quantity < 1 || it.Quantity > 100000 {
			return Invalid(field+".quantity", "quantity must be 1–100000")
		}
		if len([]rune(it.Customization)) > 500 {
			return Invalid(field+".customization", "customization must be at most 500 characters")
		}
		if it.BatchNo != "" && !codePattern.MatchString(it.BatchNo) {
			return Invalid(field+".batch_no", "batch_no must be 1–64 letters, digits, dots, dashes or underscores")
		}
	}
	return nil
}

func (c Contact) validate(field string) error {
	if c.Name == "" || len([]rune(c.Name)) > 64 {
		return Invalid(field+".name", "name must be 1–64 characters")
	}
	if _, ok := NormalizePhone(c.Phone); !ok {
		return Invalid(field+".phone", "phone must be a Chinese mobile (11 digits) or landline number")
	}
	if c.Email != "" {
		if a, err := mail.ParseAddress(c.Email); err != nil || a.Address != c.Email || len(c.Email) > 254 {
			return Invalid(field+".email", "email must be a plain address such as name@example.com")
		}
	}
	if c.WeChatOpenID != "" && !openIDPattern.MatchString(c.WeChatOpenID) {
		return Invalid(field+".wechat_openid", "wechat_openid must be the mini-program openid: 16–64 letters, digits, '-' or '_'")
	}
	return nil
}

var openIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)

// Conflict returns the first field in which two versions of the same
// order differ, or "" if they are the same order. It is what makes order
// creation idempotent: the same body again is a replay, any difference a
// conflict that names the field.
func (o *Order) Conflict(other *Order) string {
	eqContact := func(a, b *Contact) bool {
		return (a == nil) == (b == nil) && (a == nil || *a == *b)
	}
	eqDate := func(a, b *Date) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
	switch {
	case !eqContact(&o.Customer, &other.Customer):
		return "customer"
	case !eqContact(o.Recipient, other.Recipient):
		return "recipient"
	case o.Address != other.Address:
		return "address"
	case (o.Occasion == nil) != (other.Occasion == nil) || (o.Occasion != nil && *o.Occasion != *other.Occasion):
		return "occasion"
	case !eqDate(o.PromisedShipBy, other.PromisedShipBy):
		return "promised_ship_by"
	case !eqDate(o.PromisedDeliveryBy, other.PromisedDeliveryBy):
		return "promised_delivery_by"
	case len(o.Items) != len(other.Items):
		return "items"
	}
	for i, a := range o.Items {
		b := other.Items[i]
		if a.SKU != b.SKU || a.Quantity != b.Quantity || a.Customization != b.Customization || a.BatchNo != b.BatchNo ||
			(a.UnitPrice == nil) != (b.UnitPrice == nil) || (a.UnitPrice != nil && *a.UnitPrice != *b.UnitPrice) {
			return fmt.Sprintf("items[%d]", i)
		}
	}
	return ""
}

// RecipientContact returns who receives the order: the recipient if given,
// else the customer.
func (o *Order) RecipientContact() Contact {
	if o.Recipient != nil {
		return *o.Recipient
	}
	return o.Customer
}

// OrderStatus is the derived status of an order.
type OrderStatus string

// Order statuses, in the order DeriveOrderStatus tests them.
const (
	OrderCancelled          OrderStatus = "cancelled"
	OrderDelivered          OrderStatus = "delivered"
	OrderException          OrderStatus = "exception"
	OrderReturned           OrderStatus = "returned"
	OrderPartiallyDelivered OrderStatus = "partially_delivered"
	OrderShipped            OrderStatus = "shipped"
	OrderPartiallyShipped   OrderStatus = "partially_shipped"
	OrderReadyToShip        OrderStatus = "ready_to_ship"
	OrderInProduction       OrderStatus = "in_production"
	OrderPending            OrderStatus = "pending"
)

// OrderStatuses lists every order status in the order DeriveOrderStatus
// tests them.
var OrderStatuses = []OrderStatus{OrderCancelled, OrderDelivered, OrderException, OrderReturned, OrderPartiallyDelivered,
	OrderShipped, OrderPartiallyShipped, OrderReadyToShip, OrderInProduction, OrderPending}

// OrderGraph is an order with everything that hangs off it: the batches
// that make its items and the parcels that carry them.
type OrderGraph struct {
	Order     *Order
	Batches   []*Batch        // the batches named by the order's items that exist
	Shipments []*Shipment     // not voided, oldest first, each with its events
	SKUs      map[string]*SKU // the catalogue entries of the order's items
	Lanes     LaneBook        // the brand's lane statistics for the order's parcels and province
	Alerts    []*Alert        // the open alerts of the order, its parcels and its batches
	ETAs      []ETARevision   // the recorded estimates, oldest first
	Status    OrderStatus
}

// Damaged reports whether any parcel of the order was scanned damaged.
func (g *OrderGraph) Damaged() bool {
	for _, s := range g.Shipments {
		if s.Damaged() {
			return true
		}
	}
	return false
}

// ShippedQuantities returns the quantity of each order item (by ID) that
// is on its way or has arrived: in a parcel that has not come back. The
// items of a returned parcel are back with the brand and may be sent again.
func ShippedQuantities(shipments []*Shipment) map[int64]int {
	shipped := map[int64]int{}
	for _, s := range shipments {
		if s.Status == StatusReturned {
			continue
		}
		for _, si := range s.Items {
			shipped[si.ItemID] += si.Quantity
		}
	}
	return shipped
}

// DeriveOrderStatus computes an order's status from its catalogue entries,
// batches and shipments; the first rule that matches wins (docs/ARCHITECTURE.md §4):
//
//   - cancelled: the order was cancelled.
//   - delivered: every item is in a delivered parcel. A parcel scanned
//     damaged and then signed for is delivered: the journey is over. The
//     damage is a fact about the goods that the status does not carry;
//     OrderGraph.Damaged, the damage alert (open until a person resolves
//     it) and the consumer page's problem notice carry it.
//   - exception: a parcel not yet final is in exception, refused or
//     returning.
//   - returned: a parcel came back to the brand (returned) and not all its
//     items were sent again. Items of a returned parcel do not count as
//     shipped (ShippedQuantities).
//   - partially_delivered: some parcel is delivered.
//   - shipped: every item is in a parcel on its way or delivered.
//   - partially_shipped: some item is.
//   - ready_to_ship: nothing shipped and production is done: each item's
//     batch is done, and each item without a batch is of a SKU that needs
//     no production (SKU.MadeToOrder); a made-to-order item without a batch
//     has not started.
//   - in_production: a batch of the order has started.
//   - pending: nothing has started.
func DeriveOrderStatus(o *Order, skus map[string]*SKU, batches []*Batch, shipments []*Shipment) OrderStatus {
	if o.CancelledAt != nil {
		return OrderCancelled
	}
	shipped := ShippedQuantities(shipments)
	delivered := map[int64]int{} // order item ID → quantity in delivered parcels
	var anyDelivered, anyShipped, anyException, anyReturned bool
	for _, s := range shipments {
		switch s.Status {
		case StatusReturned:
			anyReturned = true
			continue
		case StatusDelivered:
			anyDelivered = true
			for _, si := range s.Items {
				delivered[si.ItemID] += si.Quantity
			}
		case StatusException, StatusRefused, StatusReturning:
			anyException = true
		}
		anyShipped = true
	}
	all := func(m map[int64]int) bool {
		for _, it := range o.Items {
			if m[it.ID] < it.Quantity {
				return false
			}
		}
		return true
	}
	switch {
	case all(delivered):
		return OrderDelivered
	case anyException:
		return OrderException
	case anyReturned && !all(shipped):
		return OrderReturned
	case anyDelivered:
		return OrderPartiallyDelivered
	case all(shipped):
		return OrderShipped
	case anyShipped:
		return OrderPartiallyShipped
	}
	byNo := make(map[string]*Batch, len(batches))
	started := false
	for _, b := range batches {
		byNo[b.BatchNo] = b
		started = started || b.Started()
	}
	ready := true
	for _, it := range o.Items {
		if it.BatchNo == "" {
			if skus[it.SKU].MadeToOrder() {
				ready = false // made to order, and no batch makes it yet
			}
			continue
		}
		if b := byNo[it.BatchNo]; b == nil || !b.Done() {
			ready = false
		}
	}
	switch {
	case ready:
		return OrderReadyToShip
	case started:
		return OrderInProduction
	}
	return OrderPending
}

// OrderService stores orders and reads them back as graphs.
type OrderService interface {
	// CreateOrder stores a new order; o must be normalised and valid. It is
	// idempotent on the order number: the same order again returns
	// created=false and fills o's IDs; a different order under the same
	// number is ECONFLICT naming the first differing field. EINVALID naming
	// the item if an item's SKU is not in the catalogue or its batch makes
	// another SKU.
	CreateOrder(ctx context.Context, brandID int64, o *Order) (created bool, err error)

	// OrderGraph returns the order with its batches, shipments and events,
	// and its derived status. ENOTFOUND if the brand has no such order.
	OrderGraph(ctx context.Context, brandID int64, orderNo string) (*OrderGraph, error)
}
