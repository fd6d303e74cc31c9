package trail

import (
	"fmt"
	"strings"
	"time"
)

// OrderStatusNames are the Chinese names of the derived order statuses
// shown to consumers.
var OrderStatusNames = map[OrderStatus]string{
	OrderCancelled:          "已取消",
	OrderDelivered:          "已签收",
	OrderException:          "运输异常",
	OrderReturned:           "已退回",
	OrderPartiallyDelivered: "部分签收",
	OrderShipped:            "已发货",
	OrderPartiallyShipped:   "部分发货",
	OrderReadyToShip:        "待发货",
	OrderInProduction:       "生产中",
	OrderPending:            "待生产",
}

// ConsumerView is what a consumer sees of an order, on the tracking page
// and as the body of the public JSON API: its state, production, parcels
// and expected delivery, with every piece of personal data masked. Times
// are instants in China time, to the second; dates are China-time days.
type ConsumerView struct {
	Brand      ConsumerBrand     `json:"brand"`
	OrderNo    string            `json:"order_no"`
	Status     OrderStatus       `json:"status"`
	StatusName string            `json:"status_name"`
	Gift       bool              `json:"gift"`            // the gift view: no prices, no buyer
	Buyer      *MaskedContact    `json:"buyer,omitempty"` // nil in the gift view
	Recipient  MaskedContact     `json:"recipient"`
	Address    ConsumerAddress   `json:"address"`
	Occasion   *ConsumerOccasion `json:"occasion,omitempty"`
	Items      []ConsumerItem    `json:"items"`
	Production []ConsumerBatch   `json:"production"`
	Messages   []ConsumerMessage `json:"messages"`
	Parcels    []ConsumerParcel  `json:"parcels"`
	// Problems are what went wrong with parcels (damage, refusal, return,
	// a stalled or failed delivery), each with what happens next.
	Problems []ConsumerProblem `json:"problems"`
	// Service is how to reach the brand's customer service; nil when the
	// brand has set none.
	Service *ServiceContact `json:"service,omitempty"`
	// Delivery is the window in which the whole order should have
	// arrived; nil when it is delivered, cancelled or cannot be estimated.
	Delivery    *ConsumerEstimate `json:"delivery,omitempty"`
	DeliveredAt *time.Time        `json:"delivered_at,omitempty"` // when the last parcel of a delivered order arrived
	AsOf        time.Time         `json:"as_of"`
}

// ConsumerBrand names the brand an order was bought from.
type ConsumerBrand struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// MaskedContact is a person as a consumer view shows them: 张*, 138****8000.
type MaskedContact struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
}

// ConsumerAddress is where an order goes, without the street detail.
type ConsumerAddress struct {
	Province string `json:"province"`
	City     string `json:"city"`
	District string `json:"district,omitempty"`
}

// ConsumerOccasion is the date an order is meant for, with a countdown and
// whether the order is expected in time for it.
type ConsumerOccasion struct {
	Kind     string `json:"kind"`
	Name     string `json:"name"` // 婚礼, 生日, ...
	Date     Date   `json:"date"`
	DaysLeft int    `json:"days_left"` // 0 on the day, negative after it
	// Outlook is on_time, at_risk or late while an estimate exists; empty
	// for a delivered order or one that cannot be estimated.
	Outlook Outlook         `json:"outlook,omitempty"`
	Message ConsumerMessage `json:"message"` // the countdown in words
}

// ConsumerMessage is a sentence for the consumer in Simplified Chinese and
// in English; Code says which sentence it is.
type ConsumerMessage struct {
	Code string `json:"code"`
	ZH   string `json:"zh"`
	EN   string `json:"en"`
}

// Codes of consumer messages.
const (
	MessageLeadTime = "lead_time" // 定制产品包含手工环节，发货周期约 X–Y 天
	MessageSplit    = "split"     // 您的订单包含 N 个生产批次，将分为 N 个包裹发出
	MessageOccasion = "occasion"  // the occasion countdown
)

// ConsumerItem is an order line and where it is: the parcels it rides in
// and the quantity not shipped yet.
type ConsumerItem struct {
	SKU           string         `json:"sku"`
	Name          string         `json:"name"`
	Quantity      int            `json:"quantity"`
	Customization string         `json:"customization,omitempty"`
	UnitPrice     *Fen           `json:"unit_price,omitempty"` // nil in the gift view
	BatchNo       string         `json:"batch_no,omitempty"`
	Parcels       []ItemInParcel `json:"parcels"`
	Unshipped     int            `json:"unshipped"` // not in any parcel yet
	// Ships is when the unshipped quantity should be handed to the
	// carrier.
	Ships *ConsumerEstimate `json:"ships,omitempty"`
}

// ItemInParcel is a quantity of an item inside one parcel.
type ItemInParcel struct {
	Parcel     int    `json:"parcel"` // ConsumerParcel.Number
	TrackingNo string `json:"tracking_no"`
	Quantity   int    `json:"quantity"`
}

// Kinds of parcel problems a consumer view explains.
const (
	ProblemDamaged   = "damaged"   // scanned damaged, whatever happened after
	ProblemRefused   = "refused"   // refused at the door
	ProblemReturning = "returning" // on its way back to the brand
	ProblemReturned  = "returned"  // back with the brand
	ProblemException = "exception" // a failed or troubled delivery
	ProblemStalled   = "stalled"   // no news for too long
)

// ConsumerProblem is something wrong with one parcel, told to the
// consumer with what happens next: the Code of What is "problem_" and of
// Next "next_" followed by the Kind.
type ConsumerProblem struct {
	Kind   string          `json:"kind"`
	Parcel int             `json:"parcel"` // ConsumerParcel.Number
	What   ConsumerMessage `json:"what"`   // what happened
	Next   ConsumerMessage `json:"next"`   // what happens next, and what the consumer can do
}

// ConsumerBatch is the production progress of one batch.
type ConsumerBatch struct {
	BatchNo string          `json:"batch_no"`
	SKU     string          `json:"sku"`
	Name    string          `json:"name"`
	Done    bool            `json:"done"`
	Stages  []ConsumerStage `json:"stages"`
}

// Stage states in a consumer view.
const (
	StageDone     = "done"
	StageActive   = "active"
	StageDelayed  = "delayed"
	StageUpcoming = "upcoming"
)

// ConsumerStage is one production stage of a batch: done, active, delayed
// or upcoming, with its planned day and what actually happened.
type ConsumerStage struct {
	Stage       Stage      `json:"stage"`
	Name        string     `json:"name"`
	State       string     `json:"state"`
	Planned     *Date      `json:"planned,omitempty"`
	StartedAt   *time.Time `json:"started_at,omitempty"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
	// Late is set when the planned day is over and the stage is not done.
	Late bool `json:"late,omitempty"`
	// Delay explains a reported delay in plain words, e.g.
	// "灌装环节延迟：原料到货晚 2 天"; DelayReason is the brand's own text.
	Delay       string `json:"delay,omitempty"`
	DelayReason string `json:"delay_reason,omitempty"`
}

// ConsumerParcel is one parcel with its items and its carrier timeline.
type ConsumerParcel struct {
	Number      int                  `json:"number"` // 1, 2, ... in the order the parcels were created
	Carrier     string               `json:"carrier"`
	CarrierName string               `json:"carrier_name"`
	TrackingNo  string               `json:"tracking_no"`
	Status      ShipmentStatus       `json:"status"`
	StatusName  string               `json:"status_name"`
	SubStatus   string               `json:"sub_status,omitempty"`
	Damaged     bool                 `json:"damaged,omitempty"` // scanned damaged at some point (Shipment.Damaged)
	Items       []ConsumerParcelItem `json:"items"`
	Estimate    *ConsumerEstimate    `json:"estimate,omitempty"` // nil once delivered or when not coming
	DeliveredAt *time.Time           `json:"delivered_at,omitempty"`
	Events      []ConsumerEvent      `json:"events"` // newest first
}

// ConsumerParcelItem is an item inside a parcel.
type ConsumerParcelItem struct {
	SKU      string `json:"sku"`
	Name     string `json:"name"`
	Quantity int    `json:"quantity"`
}

// ConsumerEvent is one scan of a parcel's timeline.
type ConsumerEvent struct {
	Time        time.Time      `json:"time"`
	Status      ShipmentStatus `json:"status,omitempty"`
	StatusName  string         `json:"status_name,omitempty"`
	Description string         `json:"description"`
	Location    string         `json:"location,omitempty"`
}

// ConsumerEstimate is a window as China-time days: most likely P50, about
// 80% of outcomes between P10 and P90.
type ConsumerEstimate struct {
	P10        Date   `json:"p10"`
	P50        Date   `json:"p50"`
	P90        Date   `json:"p90"`
	Confidence string `json:"confidence"`
}

// Audience is who a consumer view is for; it decides what the view hides.
type Audience int

// Audiences of a consumer view.
const (
	// AudienceBuyer is the buyer on their own signed link, or after a
	// look-up by order number with the buyer's phone digits: the order
	// number comes from the shop, which only the buyer has, so it proves
	// the buyer. Pickup codes in scans are shown: the buyer needs theirs
	// at the locker.
	AudienceBuyer Audience = iota
	// AudienceBuyerByTrackingNo is a look-up by tracking number with the
	// buyer's digits: the buyer view without pickup codes, as the waybill
	// label shows both the tracking number and usually the phone's last
	// four digits to everyone who handles the parcel.
	AudienceBuyerByTrackingNo
	// AudienceGift is a gift link, or a look-up with the recipient's
	// digits: no prices, no buyer, no pickup codes.
	AudienceGift
)

// LookupAudience returns the audience of a look-up of o with q that found
// it.
func LookupAudience(o *Order, q TrackQuery) Audience {
	switch {
	case GiftLookup(o, q.PhoneLast4):
		return AudienceGift
	case strings.TrimSpace(q.OrderNo) == "":
		return AudienceBuyerByTrackingNo
	}
	return AudienceBuyer
}

// GiftLookup reports whether a consumer who looked an order up with these
// phone digits should get the gift view: the order has its own recipient
// and the digits are the recipient's, so the person asking may have
// received it as a gift. Digits the buyer and the recipient share give the
// gift view too, as it shows less.
func GiftLookup(o *Order, phoneLast4 string) bool {
	return o.Recipient != nil && strings.TrimSpace(phoneLast4) == Last4(o.Recipient.Phone)
}

// NewConsumerView builds the consumer view of an order graph as of now. est
// is the estimator's answer for the same graph; the audience decides what
// is hidden: the gift view hides prices and the buyer, and only the buyer
// sees pickup codes. Scan text shows no names or phone numbers
// (MaskScanText).
func NewConsumerView(brand *Brand, g *OrderGraph, audience Audience, est OrderEstimate, now time.Time) *ConsumerView {
	o := g.Order
	gift := audience == AudienceGift
	v := &ConsumerView{
		Brand:      ConsumerBrand{Slug: brand.Slug, Name: brand.Name},
		OrderNo:    o.OrderNo,
		Status:     g.Status,
		StatusName: OrderStatusNames[g.Status],
		Gift:       gift,
		Recipient:  maskContact(o.RecipientContact()),
		Address:    ConsumerAddress{Province: o.Address.Province, City: o.Address.City, District: o.Address.District},
		Items:      make([]ConsumerItem, len(o.Items)),
		Production: make([]ConsumerBatch, 0, len(g.Batches)),
		Messages:   []ConsumerMessage{},
		Parcels:    make([]ConsumerParcel, len(g.Shipments)),
		Problems:   []ConsumerProblem{},
		Delivery:   newConsumerEstimate(est.Order),
		AsOf:       chinaInstant(now),
	}
	if !gift {
		b := maskContact(o.Customer)
		v.Buyer = &b
	}
	if !brand.Service.Empty() {
		c := brand.Service
		v.Service = &c
	}
	skuName := func(code string) string {
		if s := g.SKUs[code]; s != nil && s.Name != "" {
			return s.Name
		}
		return code
	}

	itemIndex := make(map[int64]int, len(o.Items))
	for i, it := range o.Items {
		itemIndex[it.ID] = i
		ci := ConsumerItem{SKU: it.SKU, Name: skuName(it.SKU), Quantity: it.Quantity, Customization: it.Customization,
			BatchNo: it.BatchNo, Parcels: []ItemInParcel{}, Unshipped: it.Quantity}
		if !gift {
			ci.UnitPrice = it.UnitPrice
		}
		v.Items[i] = ci
	}
	for n, s := range g.Shipments {
		p := newConsumerParcel(n+1, s, est.Parcels[ParcelKey(s.Carrier, s.TrackingNo)], skuName, audience == AudienceBuyer)
		for _, si := range s.Items {
			if i, ok := itemIndex[si.ItemID]; ok {
				v.Items[i].Parcels = append(v.Items[i].Parcels, ItemInParcel{Parcel: p.Number, TrackingNo: s.TrackingNo, Quantity: si.Quantity})
				v.Items[i].Unshipped -= si.Quantity
			}
		}
		if g.Status == OrderDelivered && p.DeliveredAt != nil && (v.DeliveredAt == nil || p.DeliveredAt.After(*v.DeliveredAt)) {
			v.DeliveredAt = p.DeliveredAt
		}
		v.Parcels[n] = p
		if pr, ok := parcelProblem(g, s, p.Number); ok {
			v.Problems = append(v.Problems, pr)
		}
	}
	for i := range v.Items {
		v.Items[i].Unshipped = max(v.Items[i].Unshipped, 0)
		if i < len(est.Items) && est.Items[i] != nil && v.Items[i].Unshipped > 0 {
			v.Items[i].Ships = newConsumerEstimate(est.Items[i].Ship)
		}
	}
	for _, b := range g.Batches {
		v.Production = append(v.Production, newConsumerBatch(b, skuName(b.SKU), now))
	}
	if g.Status != OrderCancelled {
		if m, ok := leadTimeMessage(g, v.Items); ok {
			v.Messages = append(v.Messages, m)
		}
		if m, ok := splitMessage(o, v.Items, len(g.Shipments)); ok {
			v.Messages = append(v.Messages, m)
		}
	}
	if o.Occasion != nil {
		v.Occasion = newConsumerOccasion(o, g.Status, est.Order, now)
	}
	return v
}

func maskContact(c Contact) MaskedContact {
	return MaskedContact{Name: MaskName(c.Name), Phone: MaskPhone(c.Phone)}
}

// chinaInstant puts an instant in China time, to the second.
func chinaInstant(t time.Time) time.Time { return t.In(ChinaTime).Truncate(time.Second) }

func chinaInstantPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := chinaInstant(*t)
	return &c
}

func newConsumerEstimate(e *Estimate) *ConsumerEstimate {
	if e == nil {
		return nil
	}
	p10, p50, p90 := e.Dates()
	return &ConsumerEstimate{P10: p10, P50: p50, P90: p90, Confidence: e.Confidence}
}

// newConsumerParcel renders a parcel; pickupCodes leaves the pickup codes in
// its scans visible.
func newConsumerParcel(number int, s *Shipment, est *Estimate, skuName func(string) string, pickupCodes bool) ConsumerParcel {
	p := ConsumerParcel{
		Number:      number,
		Carrier:     s.Carrier,
		CarrierName: s.Carrier,
		TrackingNo:  s.TrackingNo,
		Status:      s.Status,
		StatusName:  StatusNames[s.Status],
		SubStatus:   s.SubStatus,
		Damaged:     s.Damaged(),
		Items:       make([]ConsumerParcelItem, len(s.Items)),
		Estimate:    newConsumerEstimate(est),
		Events:      make([]ConsumerEvent, len(s.Events)),
	}
	if c, ok := LookupCarrier(s.Carrier); ok {
		p.CarrierName = c.Name
	}
	if s.Status == StatusDelivered { // not a parcel delivered once, then sent back
		p.DeliveredAt = chinaInstantPtr(s.DeliveredAt)
	}
	for i, si := range s.Items {
		p.Items[i] = ConsumerParcelItem{SKU: si.SKU, Name: skuName(si.SKU), Quantity: si.Quantity}
	}
	for i, e := range s.Events {
		desc := MaskScanText(e.ScanText())
		if pickupCodes {
			desc = MaskScanTextForBuyer(e.ScanText())
		}
		p.Events[i] = ConsumerEvent{Time: chinaInstant(e.Time), Status: e.Status, StatusName: StatusNames[e.Status],
			Description: desc, Location: e.Location}
	}
	return p
}

func newConsumerBatch(b *Batch, name string, now time.Time) ConsumerBatch {
	cb := ConsumerBatch{BatchNo: b.BatchNo, SKU: b.SKU, Name: name, Done: b.Done()}
	for _, p := range b.Progress() {
		st := ConsumerStage{
			Stage:       p.Stage,
			Name:        StageNames[p.Stage],
			Planned:     p.Planned,
			StartedAt:   chinaInstantPtr(p.StartedAt),
			CompletedAt: chinaInstantPtr(p.CompletedAt),
			Delay:       p.DelayText(),
			DelayReason: p.DelayReason,
		}
		switch {
		case p.CompletedAt != nil:
			st.State = StageDone
		case p.DelayedAt != nil:
			st.State = StageDelayed
		case p.StartedAt != nil:
			st.State = StageActive
		default:
			st.State = StageUpcoming
		}
		st.Late = b.Late(p, now)
		if cb.Done && st.State != StageDone {
			// The ready stage completed: every stage before it is behind
			// the batch, reported or not.
			st.State = StageDone
		}
		cb.Stages = append(cb.Stages, st)
	}
	return cb
}

// parcelProblem tells what is wrong with a parcel and what happens next, if
// anything is: damage first (a fact about the goods, whatever the parcel
// did after), then a refusal, a return, another exception, and a parcel
// without news (expired, stalled by the carrier's word, or with an open
// stalled alert).
func parcelProblem(g *OrderGraph, s *Shipment, n int) (ConsumerProblem, bool) {
	msg := func(code, zh, en string) ConsumerMessage {
		return ConsumerMessage{Code: code, ZH: fmt.Sprintf(zh, n), EN: fmt.Sprintf(en, n)}
	}
	pr := ConsumerProblem{Parcel: n}
	switch {
	case s.Damaged():
		pr.Kind = ProblemDamaged
		if s.Status == StatusDelivered {
			pr.What = msg("problem_damaged", "包裹 %d 已签收，但商品在运输中破损", "Parcel %d was delivered, but the goods were damaged in transit.")
		} else {
			pr.What = msg("problem_damaged", "包裹 %d 在运输中破损", "Parcel %d was damaged in transit.")
		}
		pr.Next = msg("next_damaged", "请拍照保留外包装和破损商品（包裹 %d），并联系客服登记破损；客服核实后会与您商定补发或退款。",
			"Please photograph the outer packaging and the damaged goods of parcel %d and keep them, then contact customer service to report the damage; once it is checked, they will arrange a resend or a refund with you.")
	case s.Status == StatusRefused:
		pr.Kind = ProblemRefused
		pr.What = msg("problem_refused", "包裹 %d 已被拒收", "Parcel %d was refused at delivery.")
		pr.Next = msg("next_refused", "包裹 %d 将退回发货仓库。如果并非您本人拒收，或仍想收到这些商品，请尽快联系客服。",
			"Parcel %d will go back to our warehouse. If you did not refuse it, or still want the goods, please contact customer service soon.")
	case s.Status == StatusReturning:
		pr.Kind = ProblemReturning
		pr.What = msg("problem_returning", "包裹 %d 正在退回发货仓库", "Parcel %d is on its way back to our warehouse.")
		pr.Next = msg("next_returning", "仓库收到包裹 %d 后，客服会与您确认重新发货或退款；如有疑问请联系客服。",
			"Once parcel %d is back, customer service will arrange a resend or a refund with you; contact them with any question.")
	case s.Status == StatusReturned:
		pr.Kind = ProblemReturned
		pr.What = msg("problem_returned", "包裹 %d 已退回发货仓库", "Parcel %d has come back to our warehouse.")
		pr.Next = msg("next_returned", "客服会与您确认包裹 %d 的商品重新发货或退款；您也可以直接联系客服。",
			"Customer service will arrange a resend or a refund of the goods of parcel %d with you; you can also contact them directly.")
	case s.Status == StatusException:
		pr.Kind = ProblemException
		pr.What = msg("problem_exception", "包裹 %d 派送遇到问题", "Parcel %d has a delivery problem.")
		if name, ok := SubStatusNames[s.SubStatus]; ok {
			pr.What.ZH += "：" + name
		}
		pr.Next = msg("next_exception", "快递员或客服可能会与您电话联系包裹 %d 的派送；如需修改地址或约定派送时间，请联系客服。",
			"The courier or customer service may call you about parcel %d; to change the address or arrange the delivery, please contact customer service.")
	case s.Status == StatusExpired || s.SubStatus == "stalled" || stalledAlert(g, s):
		pr.Kind = ProblemStalled
		pr.What = msg("problem_stalled", "包裹 %d 的物流信息已有一段时间没有更新", "Parcel %d has had no tracking update for a while.")
		pr.Next = msg("next_stalled", "我们正在向快递公司核实包裹 %d 的位置，有进展会通知您；如着急，请联系客服。",
			"We are checking with the carrier where parcel %d is and will let you know; if it is urgent, please contact customer service.")
	default:
		return ConsumerProblem{}, false
	}
	return pr, true
}

// stalledAlert reports whether the parcel has an open stalled alert.
func stalledAlert(g *OrderGraph, s *Shipment) bool {
	for _, a := range g.Alerts {
		if a.Type == AlertStalled && a.Status != AlertResolved && a.Carrier == s.Carrier && a.TrackingNo == s.TrackingNo {
			return true
		}
	}
	return false
}

// leadTimeMessage is "定制产品包含手工环节，发货周期约 X–Y 天" while some
// made-to-order item (a SKU with a production lead time) is not shipped:
// from the longest minimum to the longest maximum of those SKUs.
func leadTimeMessage(g *OrderGraph, items []ConsumerItem) (ConsumerMessage, bool) {
	lo, hi := 0, 0
	for _, it := range items {
		s := g.SKUs[it.SKU]
		if it.Unshipped == 0 || !s.MadeToOrder() {
			continue
		}
		lo, hi = max(lo, s.LeadTime.Min), max(hi, s.LeadTime.Max)
	}
	if hi == 0 {
		return ConsumerMessage{}, false
	}
	days := fmt.Sprintf("%d–%d", lo, hi)
	if lo == hi {
		days = fmt.Sprint(hi)
	}
	return ConsumerMessage{
		Code: MessageLeadTime,
		ZH:   fmt.Sprintf("定制产品包含手工环节，发货周期约 %s 天", days),
		EN:   fmt.Sprintf("Made-to-order products include handcrafted steps; they ship in about %s days.", days),
	}, true
}

// splitMessage explains an order that travels in several parcels: "您的订单
// 包含 N 个生产批次，将分为 N 个包裹发出" while items from several batches
// are still to ship, "您的订单分为 N 个包裹发出" once everything is on its
// way in more than one parcel.
func splitMessage(o *Order, items []ConsumerItem, shipments int) (ConsumerMessage, bool) {
	batches := map[string]bool{}
	unshipped := false
	for i, it := range o.Items {
		if it.BatchNo != "" {
			batches[it.BatchNo] = true
		}
		unshipped = unshipped || items[i].Unshipped > 0
	}
	n := len(batches)
	switch {
	case unshipped && n > 1:
		parcels := max(n, shipments)
		return ConsumerMessage{
			Code: MessageSplit,
			ZH:   fmt.Sprintf("您的订单包含 %d 个生产批次，将分为 %d 个包裹发出", n, parcels),
			EN:   fmt.Sprintf("Your order is made in %d production batches and will ship in %d parcels.", n, parcels),
		}, true
	case shipments > 1:
		return ConsumerMessage{
			Code: MessageSplit,
			ZH:   fmt.Sprintf("您的订单分为 %d 个包裹发出", shipments),
			EN:   fmt.Sprintf("Your order ships in %d parcels.", shipments),
		}, true
	}
	return ConsumerMessage{}, false
}

// newConsumerOccasion counts down to the order's occasion and says plainly
// whether the order is expected before it.
func newConsumerOccasion(o *Order, status OrderStatus, est *Estimate, now time.Time) *ConsumerOccasion {
	daysLeft, outlook := OccasionOutlook(o, est, now)
	name := OccasionKinds[o.Occasion.Kind]
	if name == "" {
		name = o.Occasion.Kind
	}
	oc := &ConsumerOccasion{Kind: o.Occasion.Kind, Name: name, Date: o.Occasion.Date, DaysLeft: daysLeft, Outlook: outlook}
	m := ConsumerMessage{Code: MessageOccasion}
	switch {
	case daysLeft < 0:
		m.ZH, m.EN = name+"日期已过", "The occasion has passed."
	case daysLeft == 0:
		m.ZH, m.EN = "今天就是"+name, "The occasion is today."
	default:
		m.ZH = fmt.Sprintf("距%s还有 %d 天", name, daysLeft)
		m.EN = fmt.Sprintf("%d %s until the occasion.", daysLeft, plural(daysLeft, "day", "days"))
	}
	var zh, en string
	switch {
	case status == OrderDelivered:
		zh, en = "订单已全部送达", "everything has arrived."
	case status == OrderCancelled || daysLeft < 0:
	case outlook == OutlookOnTime:
		zh, en = "预计在"+name+"前送达", "expected to arrive before it."
	case outlook == OutlookAtRisk:
		zh, en = "预计可在"+name+"前送达，但时间较紧", "likely to arrive before it, but it is tight."
	case outlook == OutlookLate:
		zh, en = "预计晚于"+name+"送达", "expected to arrive after it."
	}
	if zh != "" {
		m.ZH += "，" + zh
		m.EN = strings.TrimSuffix(m.EN, ".") + ": " + en
	}
	oc.Message = m
	return oc
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
