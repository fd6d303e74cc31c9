package trail

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// AlertType names an alert rule (docs/ARCHITECTURE.md §7).
type AlertType string

// Alert types.
const (
	AlertNoPickup          AlertType = "no_pickup"            // no pickup N hours after the waybill
	AlertStalled           AlertType = "stalled"              // no scan for N hours on the way
	AlertException         AlertType = "exception"            // exception, refused, returning, returned
	AlertPickupPoint       AlertType = "left_at_pickup_point" // alcohol or fragile goods in a locker or station
	AlertSignedByProxy     AlertType = "signed_by_proxy"      // alcohol or fragile goods signed by someone else
	AlertETARisk           AlertType = "eta_risk"             // the window's P90 passes a promise or the occasion
	AlertProductionOverdue AlertType = "production_overdue"   // a production stage past its planned day
	AlertHeatRisk          AlertType = "heat_risk"            // heat-sensitive goods too long on the way somewhere hot
)

// AlertTypes lists every alert type.
var AlertTypes = []AlertType{AlertNoPickup, AlertStalled, AlertException, AlertPickupPoint,
	AlertSignedByProxy, AlertETARisk, AlertProductionOverdue, AlertHeatRisk}

// AlertTypeNames are the Chinese names of the alert types.
var AlertTypeNames = map[AlertType]string{
	AlertNoPickup:          "超时未揽收",
	AlertStalled:           "物流停滞",
	AlertException:         "包裹异常",
	AlertPickupPoint:       "酒类/易碎品被放入快递柜或驿站",
	AlertSignedByProxy:     "酒类/易碎品被他人代签",
	AlertETARisk:           "可能延误承诺或纪念日",
	AlertProductionOverdue: "生产环节逾期",
	AlertHeatRisk:          "高温风险",
}

// Severity says how urgent an alert is.
type Severity string

// Severities, from most to least urgent.
const (
	SeverityCritical Severity = "critical"
	SeverityWarning  Severity = "warning"
	SeverityInfo     Severity = "info"
)

// AlertRule is a brand's setting for one alert type.
type AlertRule struct {
	Enabled bool `json:"enabled"`
	// ThresholdHours is how long the cause must last before the alert
	// opens: hours without pickup, without a scan, in transit in the heat,
	// past a stage's planned day, in the exception status. For eta_risk it
	// is a safety margin: the window's P90 must end that many hours before
	// the deadline.
	ThresholdHours float64 `json:"threshold_hours"`
	// Carriers overrides ThresholdHours per carrier code (stalled and
	// no_pickup).
	Carriers map[string]float64 `json:"carriers,omitempty"`
	// MaxTempC is the heat-risk limit for heat-sensitive SKUs that name no
	// maximum temperature of their own.
	MaxTempC float64 `json:"max_temp_c,omitempty"`
}

// AlertRules are a brand's settings of every alert type.
type AlertRules map[AlertType]AlertRule

// DefaultAlertRules returns the settings of a brand that has changed none.
// The stall defaults follow how often carriers scan: SF and JD scan at
// every hub, the postal services rarely.
func DefaultAlertRules() AlertRules {
	return AlertRules{
		AlertNoPickup:          {Enabled: true, ThresholdHours: 48, Carriers: map[string]float64{"shunfeng": 24, "jd": 24}},
		AlertStalled:           {Enabled: true, ThresholdHours: 48, Carriers: map[string]float64{"shunfeng": 24, "jd": 24, "ems": 72, "youzhengguonei": 96, "youzhengbk": 96}},
		AlertException:         {Enabled: true},
		AlertPickupPoint:       {Enabled: true},
		AlertSignedByProxy:     {Enabled: true},
		AlertETARisk:           {Enabled: true},
		AlertProductionOverdue: {Enabled: true},
		AlertHeatRisk:          {Enabled: true, ThresholdHours: 48, MaxTempC: 30},
	}
}

// Validate reports the first problem with a rule for type t.
func (r *AlertRule) Validate(t AlertType) error {
	if _, ok := AlertTypeNames[t]; !ok {
		return Invalid("type", "unknown alert type %s; one of %s", Quote(t), alertTypeList())
	}
	if r.ThresholdHours < 0 || r.ThresholdHours > 24*90 {
		return Invalid("threshold_hours", "threshold must be between 0 and 2160 hours")
	}
	for c, h := range r.Carriers {
		if _, ok := LookupCarrier(c); !ok {
			return Invalid("carriers", "unknown carrier %s", Quote(c))
		}
		if h < 0 || h > 24*90 {
			return Invalid("carriers", "threshold for %s must be between 0 and 2160 hours", c)
		}
	}
	if len(r.Carriers) > 0 && t != AlertStalled && t != AlertNoPickup {
		return Invalid("carriers", "per-carrier thresholds apply to stalled and no_pickup only")
	}
	if r.MaxTempC < 0 || r.MaxTempC > 60 || (r.MaxTempC != 0 && t != AlertHeatRisk) {
		return Invalid("max_temp_c", "max_temp_c applies to heat_risk, between 0 and 60 °C")
	}
	return nil
}

func alertTypeList() string {
	names := make([]string, len(AlertTypes))
	for i, t := range AlertTypes {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

// threshold returns the rule's threshold for a carrier, and whether the rule
// is on.
func (rs AlertRules) threshold(t AlertType, carrier string) (time.Duration, bool) {
	r, ok := rs[t]
	if !ok {
		r = DefaultAlertRules()[t]
	}
	h := r.ThresholdHours
	if c, ok := r.Carriers[carrier]; ok {
		h = c
	}
	return time.Duration(h * float64(time.Hour)), r.Enabled
}

// AlertCause is a reason for an alert that holds now. Key identifies the
// cause: the same cause never opens a second alert, and an open alert whose
// cause no longer holds resolves itself.
type AlertCause struct {
	Type        AlertType
	Severity    Severity
	Key         string
	ShipmentID  int64  // 0 unless the cause is a parcel's
	BatchID     int64  // 0 unless the cause is a batch's
	Explanation string // Chinese, for a customer-service agent to read out; no personal data
	// Detail, for eta_risk, is the day the window's P90 ends ("12月9日"),
	// which the consumer's late-ETA notice names; "" for a promise already
	// broken, of which no late-ETA notice is sent.
	Detail string
	// Held marks a cause that is a fact, not a passing state: goods
	// arrived damaged, a promise was broken. Its alert stays open until a
	// person resolves it, even once the cause no longer shows (the parcel
	// is signed for, the rule is switched off, the order is cancelled).
	Held bool
}

// Evaluation is what EvaluateOrder concludes of an order.
type Evaluation struct {
	Causes []AlertCause
	// Next is when the order should be evaluated again even if nothing
	// happens to it: the earliest moment a rule could newly fire or clear.
	// Nil when only events can change the outcome.
	Next *time.Time
}

// ETARecheck is how often an order with a promise or an occasion is
// re-evaluated while not delivered: its window moves as time passes.
const ETARecheck = 6 * time.Hour

// EvaluateOrder applies the alert rules to an order graph and its estimate
// at now. It is pure: the same inputs give the same causes, whatever the
// server's time zone.
func EvaluateOrder(g *OrderGraph, rules AlertRules, est OrderEstimate, now time.Time) Evaluation {
	ev := &evaluation{rules: rules, now: now}
	if g.Order.CancelledAt != nil {
		return Evaluation{}
	}
	for _, s := range g.Shipments {
		ev.parcel(g, s)
	}
	for _, b := range g.Batches {
		ev.batch(b)
	}
	ev.promises(g, est)
	sort.Slice(ev.out.Causes, func(i, j int) bool { return ev.out.Causes[i].Key < ev.out.Causes[j].Key })
	return ev.out
}

type evaluation struct {
	rules AlertRules
	now   time.Time
	out   Evaluation
}

// due records that a rule fires at t: true if t has come, else t is a
// candidate for the next evaluation.
func (ev *evaluation) due(t time.Time) bool {
	if !t.After(ev.now) {
		return true
	}
	if ev.out.Next == nil || t.Before(*ev.out.Next) {
		ev.out.Next = &t
	}
	return false
}

func (ev *evaluation) add(c AlertCause) { ev.out.Causes = append(ev.out.Causes, c) }

// parcelName reads "中通快递 ZT123"; the tracking number is not personal data.
func parcelName(s *Shipment) string {
	name := s.Carrier
	if c, ok := LookupCarrier(s.Carrier); ok {
		name = c.Name
	}
	return name + " " + s.TrackingNo
}

// SubStatusNames are the Chinese names of the sub-statuses an alert explains.
var SubStatusNames = map[string]string{
	"damaged":                "破损",
	"stalled":                "滞留",
	"address_issue":          "地址有误",
	"unreachable":            "联系不上收件人",
	"delivery_failed":        "派送失败",
	"out_of_area":            "超出派送范围",
	"locker_overdue":         "超时未取",
	"unsigned_overdue":       "超时未签收",
	"signed_by_proxy":        "他人代签",
	"signed_after_exception": "异常后签收",
	"unknown_code":           "未识别的物流状态",
	"customs":                "清关中",
	"forwarded":              "转寄",
}

// chinaClock formats an instant for an agent: "11月20日 14:00".
func chinaClock(t time.Time) string { return t.In(ChinaTime).Format("1月2日 15:04") }

// chinaDate formats a civil date: "12月20日".
func chinaDate(d Date) string { return d.Start().Format("1月2日") }

func hoursText(d time.Duration) string { return fmt.Sprintf("%.0f 小时", d.Hours()) }

// goods describes what a parcel holds that the rules care about.
type goods struct {
	alcohol, fragile bool
	maxTemp          *float64 // the lowest limit of its heat-sensitive SKUs
}

func parcelGoods(g *OrderGraph, s *Shipment, defaultMax float64) goods {
	var out goods
	for _, it := range s.Items {
		sku := g.SKUs[it.SKU]
		if sku == nil {
			continue
		}
		out.alcohol = out.alcohol || sku.Alcohol
		out.fragile = out.fragile || sku.Fragile
		if sku.TemperatureSensitive {
			limit := defaultMax
			if sku.MaxTempC != nil {
				limit = *sku.MaxTempC
			}
			if out.maxTemp == nil || limit < *out.maxTemp {
				out.maxTemp = &limit
			}
		}
	}
	return out
}

func (gd goods) what() string {
	switch {
	case gd.alcohol && gd.fragile:
		return "酒类易碎品"
	case gd.alcohol:
		return "酒类商品"
	}
	return "易碎品"
}

func (ev *evaluation) parcel(g *OrderGraph, s *Shipment) {
	name := parcelName(s)
	heatRule := ev.rules[AlertHeatRisk]
	if _, ok := ev.rules[AlertHeatRisk]; !ok {
		heatRule = DefaultAlertRules()[AlertHeatRisk]
	}
	gd := parcelGoods(g, s, heatRule.MaxTempC)
	last := s.CreatedAt
	if s.LastEventAt != nil {
		last = *s.LastEventAt
	}

	if thr, on := ev.rules.threshold(AlertNoPickup, s.Carrier); on && s.Status == StatusCreated && ev.due(s.CreatedAt.Add(thr)) {
		ev.add(AlertCause{Type: AlertNoPickup, Severity: SeverityWarning, ShipmentID: s.ID,
			Key: fmt.Sprintf("no_pickup:s%d", s.ID),
			Explanation: fmt.Sprintf("包裹 %s 的运单于 %s 创建，已超过 %s仍未揽收。建议联系快递网点催促揽收，或改派其他快递。",
				name, chinaClock(s.CreatedAt), hoursText(thr))})
	}

	switch s.Status {
	case StatusPickedUp, StatusInTransit, StatusOutForDelivery, StatusReturning:
		if thr, on := ev.rules.threshold(AlertStalled, s.Carrier); on && ev.due(last.Add(thr)) {
			ev.add(AlertCause{Type: AlertStalled, Severity: SeverityWarning, ShipmentID: s.ID,
				Key: fmt.Sprintf("stalled:s%d:%d", s.ID, last.Unix()),
				Explanation: fmt.Sprintf("包裹 %s 自 %s 起已超过 %s没有新的物流扫描（当前状态：%s%s）。建议向快递公司核实包裹位置。",
					name, chinaClock(last), hoursText(thr), StatusNames[s.Status], lastPlace(s))})
		}
	}

	if s.Damaged() {
		ev.damage(s, name, last)
		return // the damage alert speaks for the parcel's exception too
	}

	switch s.Status {
	case StatusException, StatusRefused, StatusReturning, StatusReturned:
		if thr, on := ev.rules.threshold(AlertException, s.Carrier); on && ev.due(last.Add(thr)) {
			sev := SeverityCritical
			if s.Status == StatusException {
				sev = SeverityWarning
			}
			why := ""
			if n, ok := SubStatusNames[s.SubStatus]; ok {
				why = "（" + n + "）"
			}
			ev.add(AlertCause{Type: AlertException, Severity: sev, ShipmentID: s.ID,
				Key: fmt.Sprintf("exception:s%d:%d", s.ID, s.Leg),
				Explanation: fmt.Sprintf("包裹 %s 状态为「%s」%s，最后更新 %s%s。%s",
					name, StatusNames[s.Status], why, chinaClock(last), lastPlace(s), exceptionAdvice(s))})
		}
	}

	if gd.alcohol || gd.fragile {
		if thr, on := ev.rules.threshold(AlertPickupPoint, s.Carrier); on && s.Status == StatusAtPickupPoint && ev.due(last.Add(thr)) {
			ev.add(AlertCause{Type: AlertPickupPoint, Severity: SeverityWarning, ShipmentID: s.ID,
				Key: fmt.Sprintf("pickup_point:s%d:%d", s.ID, s.Leg),
				Explanation: fmt.Sprintf("含%s的包裹 %s 于 %s 被放入快递柜或驿站%s。酒类与易碎品应当面签收，请联系收件人尽快取件并当场检查。",
					gd.what(), name, chinaClock(last), lastPlace(s))})
		}
		if _, on := ev.rules.threshold(AlertSignedByProxy, s.Carrier); on && s.Status == StatusDelivered && s.SubStatus == "signed_by_proxy" {
			ev.add(AlertCause{Type: AlertSignedByProxy, Severity: SeverityWarning, ShipmentID: s.ID,
				Key: fmt.Sprintf("signed_by_proxy:s%d:%d", s.ID, s.Leg),
				Explanation: fmt.Sprintf("含%s的包裹 %s 于 %s 由他人代签收。请联系收件人确认已收到且完好，如有破损请登记理赔。",
					gd.what(), name, chinaClock(last))})
		}
	}

	if gd.maxTemp != nil {
		ev.heat(g, s, name, *gd.maxTemp)
	}
}

// damage applies the exception rule to a parcel scanned damaged: one
// critical alert per parcel, from the first damaged scan, held open until
// a person resolves it whatever the parcel does next (a damaged parcel
// that is then signed for still holds broken goods).
func (ev *evaluation) damage(s *Shipment, name string, last time.Time) {
	thr, on := ev.rules.threshold(AlertException, s.Carrier)
	if !on {
		return
	}
	var at time.Time // the first damaged scan
	for _, e := range s.Events {
		if e.SubStatus == SubDamaged && (at.IsZero() || e.Time.Before(at)) {
			at = e.Time
		}
	}
	if at.IsZero() {
		at = last
	}
	if !ev.due(at.Add(thr)) {
		return
	}
	now := "当前状态：" + StatusNames[s.Status]
	if n, ok := SubStatusNames[s.SubStatus]; ok && s.SubStatus != SubDamaged {
		now += "（" + n + "）"
	}
	ev.add(AlertCause{Type: AlertException, Severity: SeverityCritical, ShipmentID: s.ID, Held: true,
		Key: fmt.Sprintf("damage:s%d", s.ID),
		Explanation: fmt.Sprintf("包裹 %s 于 %s 被扫描为破损，%s%s。请联系收件人核实破损情况，安排补发并向快递公司理赔；处理完毕后请手动关闭此预警。",
			name, chinaClock(at), now, lastPlace(s))})
}

// heat applies the heat-risk rule: a heat-sensitive parcel on the way for
// longer than the threshold while its destination, or the province of its
// latest scan, is hotter on average this month than the goods may get.
func (ev *evaluation) heat(g *OrderGraph, s *Shipment, name string, limit float64) {
	thr, on := ev.rules.threshold(AlertHeatRisk, s.Carrier)
	if !on {
		return
	}
	switch s.Status {
	case StatusPickedUp, StatusInTransit, StatusOutForDelivery, StatusAtPickupPoint, StatusException:
	default:
		return
	}
	pickup, ok := pickedUpAt(s)
	if !ok {
		return
	}
	hottest, where := -100.0, ""
	for _, code := range []string{g.Order.Address.ProvinceCode, scanProvince(s)} {
		if t, ok := HeatTable.MeanMax(code, ev.now); ok && t > hottest {
			p, _ := LookupProvince(code)
			hottest, where = t, p.Name
		}
	}
	if hottest < limit || !ev.due(pickup.Add(thr)) {
		return
	}
	sev := SeverityWarning
	if hottest >= limit+5 {
		sev = SeverityCritical
	}
	ev.add(AlertCause{Type: AlertHeatRisk, Severity: sev, ShipmentID: s.ID,
		Key: fmt.Sprintf("heat:s%d:%d", s.ID, s.Leg),
		Explanation: fmt.Sprintf("包裹 %s 含温度敏感商品（不宜超过 %.0f°C），自 %s 揽收后已在途超过 %s，途经或送往的%s本月平均最高气温约 %.0f°C。建议联系收件人尽快签收并检查商品。",
			name, limit, chinaClock(pickup), hoursText(thr), where, hottest)})
}

// scanProvince returns the province code of the parcel's newest scan that
// carries an area code, or "".
func scanProvince(s *Shipment) string {
	for _, e := range s.Events { // newest first
		if len(e.AreaCode) >= 2 {
			return e.AreaCode[:2] + "0000"
		}
	}
	return ""
}

// lastPlace returns "，位置：兰州市" for the parcel's newest located scan.
func lastPlace(s *Shipment) string {
	for _, e := range s.Events {
		if e.Location != "" {
			return "，位置：" + e.Location
		}
	}
	return ""
}

func exceptionAdvice(s *Shipment) string {
	switch {
	case s.Status == StatusRefused:
		return "请联系收件人了解拒收原因，确认是否重新派送。"
	case s.Status == StatusReturning, s.Status == StatusReturned:
		return "包裹正在或已经退回，请联系收件人确认是否需要补发。"
	case s.SubStatus == "address_issue", s.SubStatus == "unreachable":
		return "请联系收件人核实地址和电话，并告知快递公司。"
	}
	return "请向快递公司了解原因并跟进处理。"
}

// batch applies the production_overdue rule. A done batch (including one
// goods have shipped from, see Batch.Done) has no overdue stage.
func (ev *evaluation) batch(b *Batch) {
	thr, on := ev.rules.threshold(AlertProductionOverdue, "")
	if !on || b.Done() {
		return
	}
	for _, p := range b.Progress() {
		if p.Planned == nil || p.CompletedAt != nil {
			continue
		}
		if !ev.due(p.Planned.End().Add(thr)) {
			continue
		}
		late := daysBetween(*p.Planned, chinaDay(ev.now))
		reason := ""
		if p.DelayReason != "" {
			reason = "，原因：" + p.DelayReason
		}
		sev := SeverityWarning
		if late >= 3 {
			sev = SeverityCritical
		}
		ev.add(AlertCause{Type: AlertProductionOverdue, Severity: sev, BatchID: b.ID,
			Key: fmt.Sprintf("production:b%d:%s", b.ID, p.Stage),
			Explanation: fmt.Sprintf("批次 %s 的%s环节计划 %s 完成，已逾期 %d 天%s。请与生产确认新的完成时间，必要时告知客户。",
				b.BatchNo, StageNames[p.Stage], chinaDate(*p.Planned), max(late, 1), reason)})
	}
}

// promises applies the eta_risk rule to the order's promised ship date,
// promised delivery date and occasion. While a promise is ahead, the
// estimate's P90 past it (less the margin) is a risk that clears when the
// estimate improves. Once the order has shipped (every item in a parcel
// that has not come back) or been delivered, the promise is settled by
// what happened: kept, and any risk alert resolves; broken (shipped after
// the promised ship day, delivered after the promised day or once the
// occasion's day began), and the alert is held open, under the same key,
// until a person resolves it.
func (ev *evaluation) promises(g *OrderGraph, est OrderEstimate) {
	o := g.Order
	margin, on := ev.rules.threshold(AlertETARisk, "")
	if !on {
		return
	}
	type target struct {
		name     string
		what     string
		day      *Date
		deadline func(Date) time.Time
		window   *Estimate
		done     *time.Time // when the order shipped (ship) or arrived (delivery, occasion); nil if not yet
	}
	var ship *Estimate // the latest pick-up of the items not yet in a parcel
	for _, ie := range est.Items {
		if ie != nil && ie.Ship != nil && (ship == nil || ie.Ship.P90.After(ship.P90)) {
			ship = ie.Ship
		}
	}
	var occasion *Date
	occasionName := "纪念日"
	if o.Occasion != nil {
		occasion = &o.Occasion.Date
		if n, ok := OccasionKinds[o.Occasion.Kind]; ok {
			occasionName = n
		}
	}
	shippedAt, deliveredAt := settled(g)
	targets := []target{
		{"ship", "承诺发货日期", o.PromisedShipBy, Date.End, ship, shippedAt},
		{"delivery", "承诺送达日期", o.PromisedDeliveryBy, Date.End, est.Order, deliveredAt},
		{"occasion", occasionName + "日期", occasion, Date.Start, est.Order, deliveredAt},
	}
	watching := false
	for _, t := range targets {
		if t.day == nil {
			continue
		}
		key := fmt.Sprintf("eta:o%d:%s:%s", o.ID, t.name, *t.day)
		verb := "送达"
		if t.name == "ship" {
			verb = "发货"
		}
		if t.done != nil {
			if deadline := t.deadline(*t.day); t.done.After(deadline) {
				late := max(daysBetween(*t.day, chinaDay(*t.done)), 0)
				if t.name == "occasion" {
					late++ // the occasion's own day is already too late
				}
				ev.add(AlertCause{Type: AlertETARisk, Severity: SeverityCritical, Key: key, Held: true,
					Explanation: fmt.Sprintf("订单 %s 已于 %s %s，晚于%s %s（晚 %d 天），承诺未能兑现。请向客户说明情况并致歉，处理后请手动关闭此预警。",
						o.OrderNo, chinaClock(*t.done), verb, t.what, chinaDate(*t.day), late)})
			}
			continue
		}
		if t.window == nil {
			continue
		}
		watching = true
		deadline := t.deadline(*t.day).Add(-margin)
		if !t.window.P90.After(deadline) {
			continue
		}
		sev := SeverityWarning
		if t.name == "occasion" || t.window.P50.After(deadline) {
			sev = SeverityCritical
		}
		left := daysBetween(chinaDay(ev.now), *t.day)
		when := fmt.Sprintf("距%s还有 %d 天", t.what, left)
		if left < 0 {
			when = fmt.Sprintf("%s已过 %d 天", t.what, -left)
		}
		_, p50, p90 := t.window.Dates()
		ev.add(AlertCause{Type: AlertETARisk, Severity: sev, Detail: chinaDate(p90), Key: key,
			Explanation: fmt.Sprintf("订单 %s 预计最晚 %s %s（最可能 %s），晚于%s %s，%s。建议加急生产或改用更快的快递，并提前告知客户。",
				o.OrderNo, chinaDate(p90), verb, chinaDate(p50), t.what, chinaDate(*t.day), when)})
	}
	if watching {
		ev.due(ev.now.Add(ETARecheck))
	}
}

// settled returns when the order shipped (the creation of the last parcel
// it took to have every item on its way) and when it was delivered (the
// last parcel's delivery), each nil until it happened.
func settled(g *OrderGraph) (shippedAt, deliveredAt *time.Time) {
	shipped := ShippedQuantities(g.Shipments)
	for _, it := range g.Order.Items {
		if shipped[it.ID] < it.Quantity {
			return nil, nil
		}
	}
	var sh, dl time.Time
	for _, s := range g.Shipments {
		if s.Status != StatusReturned && s.CreatedAt.After(sh) {
			sh = s.CreatedAt
		}
		if s.Status == StatusDelivered && s.DeliveredAt != nil && s.DeliveredAt.After(dl) {
			dl = *s.DeliveredAt
		}
	}
	shippedAt = &sh
	if g.Status == OrderDelivered && !dl.IsZero() {
		deliveredAt = &dl
	}
	return shippedAt, deliveredAt
}

// AlertStatus is where an alert is in its lifecycle.
type AlertStatus string

// Alert statuses.
const (
	AlertOpen         AlertStatus = "open"
	AlertAcknowledged AlertStatus = "acknowledged"
	AlertResolved     AlertStatus = "resolved"
)

// ResolvedAutomatically is the ResolvedBy of an alert whose cause cleared.
const ResolvedAutomatically = "auto"

// Alert is a problem someone should look at, about an order, a parcel or a
// production batch.
type Alert struct {
	ID             int64       `json:"id"`
	Type           AlertType   `json:"type"`
	TypeName       string      `json:"type_name"`
	Severity       Severity    `json:"severity"`
	Status         AlertStatus `json:"status"`
	OrderNo        string      `json:"order_no,omitempty"`
	Carrier        string      `json:"carrier,omitempty"`
	TrackingNo     string      `json:"tracking_no,omitempty"`
	BatchNo        string      `json:"batch_no,omitempty"`
	Explanation    string      `json:"explanation"`
	Assignee       string      `json:"assignee,omitempty"`
	Note           string      `json:"note,omitempty"`
	OpenedAt       time.Time   `json:"opened_at"`
	AcknowledgedAt *time.Time  `json:"acknowledged_at,omitempty"`
	AcknowledgedBy string      `json:"acknowledged_by,omitempty"`
	ResolvedAt     *time.Time  `json:"resolved_at,omitempty"`
	ResolvedBy     string      `json:"resolved_by,omitempty"` // ResolvedAutomatically, or who resolved it
	Reopened       int         `json:"reopened,omitempty"`    // times the cause came back after clearing
	Key            string      `json:"-"`
}

// AlertFilter selects alerts. Results are newest first, paged by ID.
type AlertFilter struct {
	Status  AlertStatus // "" for all; AlertOpen includes acknowledged alerts
	Type    AlertType   // "" for all
	OrderNo string      // "" for all
	Before  int64       // only alerts with a smaller ID (the cursor); 0 from the newest
	Limit   int         // 1..MaxAlertPage
}

// MaxAlertPage is the largest page of alerts.
const MaxAlertPage = 200

// AlertService keeps alerts, their rules and the schedule that evaluates
// them.
type AlertService interface {
	// Alerts returns a page of a brand's alerts.
	Alerts(ctx context.Context, brandID int64, f AlertFilter) ([]*Alert, error)

	// AcknowledgeAlert marks an open alert as seen by actor and, if assignee
	// is not empty, assigns it. ENOTFOUND for another brand's or no alert;
	// ECONFLICT if it is resolved.
	AcknowledgeAlert(ctx context.Context, brandID, id int64, actor, assignee string) (*Alert, error)

	// ResolveAlert closes an alert by hand with a note. Its cause will not
	// open it again. ENOTFOUND for another brand's or no alert; ECONFLICT if
	// it is already resolved.
	ResolveAlert(ctx context.Context, brandID, id int64, actor, note string) (*Alert, error)

	// AlertRules returns a brand's rules, defaults filled in.
	AlertRules(ctx context.Context, brandID int64) (AlertRules, error)

	// PutAlertRule replaces a brand's rule of one type; r must be valid.
	// The brand's open orders are evaluated again.
	PutAlertRule(ctx context.Context, brandID int64, t AlertType, r AlertRule) error
}

// EvaluationService runs the alert schedule: every change to an order (an
// event, a batch report, a new parcel) and every due time of its rules puts
// it on an indexed schedule, from which evaluators claim it.
type EvaluationService interface {
	// EvaluateDue claims up to n orders due for evaluation at now, evaluates
	// each in its own transaction (estimate revision, lane statistics of
	// newly delivered parcels, alerts opened and resolved, next due time)
	// and returns how many it evaluated. Concurrent evaluators never take
	// the same order.
	EvaluateDue(ctx context.Context, now time.Time, n int) (int, error)
}

// Audit actions of the people who work alerts (see AuditEntry).
const (
	AuditAlertAck     = "alert_ack"
	AuditAlertAssign  = "alert_assign"
	AuditAlertResolve = "alert_resolve"
)

// InboxFilter selects the alerts of the operator console's inbox.
type InboxFilter struct {
	// Status is AlertOpen (open and acknowledged alerts), AlertAcknowledged
	// or AlertResolved; "" means AlertOpen.
	Status   AlertStatus
	Type     AlertType // "" for every type
	Assignee string    // only alerts assigned to this person; "" for all
	// Today is the current day in China time: an occasion before it no
	// longer makes an alert urgent.
	Today  Date
	Offset int // alerts to skip: the inbox pages by offset, since its order moves as alerts are handled
	Limit  int // 1..MaxAlertPage
}

// Validate reports the first problem with a filter.
func (f *InboxFilter) Validate() error {
	switch f.Status {
	case "", AlertOpen, AlertAcknowledged, AlertResolved:
	default:
		return Invalid("status", "status must be open, acknowledged or resolved")
	}
	if _, ok := AlertTypeNames[f.Type]; f.Type != "" && !ok {
		return Invalid("type", "unknown alert type %s", Quote(f.Type))
	}
	if _, err := ParseDate(string(f.Today)); err != nil {
		return Invalid("today", "%v", err)
	}
	if f.Offset < 0 {
		return Invalid("offset", "offset must not be negative")
	}
	if f.Limit < 1 || f.Limit > MaxAlertPage {
		return Invalid("limit", "limit must be between 1 and %d", MaxAlertPage)
	}
	if len(f.Assignee) > 254 {
		return Invalid("assignee", "assignee must be at most 254 characters")
	}
	return nil
}

// InboxAlert is an alert as the inbox lists it, with the occasion that
// makes it urgent.
type InboxAlert struct {
	*Alert
	// Occasion is the soonest occasion on or after the filter's Today of
	// the alert's order or, for a batch's alert, of the orders waiting for
	// the batch (not cancelled, with an item of it); nil if there is none.
	Occasion *Occasion
	// WaitingOrderNo is the order to open for the alert: its own, or for a
	// batch's alert the waiting order with the soonest occasion, else the
	// first one; "" if no order waits.
	WaitingOrderNo string
	// Waiting counts the orders waiting for a batch's alert; 1 for an
	// order's or a parcel's alert.
	Waiting int
}

// Inbox is one page of the inbox and the counts of its chips.
type Inbox struct {
	Alerts []*InboxAlert
	// Counts holds the number of alerts of each type in the filter's status
	// (and of its assignee), whatever its Type; types without alerts are
	// absent.
	Counts map[AlertType]int
}

// Total returns the number of alerts counted, of all types.
func (in *Inbox) Total() int {
	n := 0
	for _, c := range in.Counts {
		n += c
	}
	return n
}

// AlertInbox is the operator console's view of a brand's alerts, ranked by
// urgency. It is separate from AlertService so that the API's fakes need
// not implement it.
type AlertInbox interface {
	// InboxAlerts returns a page of a brand's alerts and the counts per
	// type. Open and acknowledged alerts come most urgent first: alerts of
	// orders whose occasion is soonest (on or after Today), then those
	// without an upcoming occasion; within each, critical before warning
	// before info, then the oldest first. Resolved alerts come newest
	// first. EINVALID if f does not validate.
	InboxAlerts(ctx context.Context, brandID int64, f InboxFilter) (*Inbox, error)
}
