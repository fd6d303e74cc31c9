package console

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// funcs are the helpers templates call. Times are shown in China time.
var funcs = template.FuncMap{
	"time":          fmtTime,
	"shortTime":     fmtShortTime,
	"iso":           func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"statusName":    func(s trail.OrderStatus) string { return nameOr(trail.OrderStatusNames[s], string(s)) },
	"parcelName":    func(s trail.ShipmentStatus) string { return nameOr(trail.StatusNames[s], string(s)) },
	"subStatusName": func(sub string) string { return nameOr(trail.SubStatusNames[sub], sub) },
	"stageName":     func(s trail.Stage) string { return nameOr(trail.StageNames[s], string(s)) },
	"carrierName":   carrierName,
	"occasion":      func(kind string) string { return nameOr(trail.OccasionKinds[kind], kind) },
	"auditAction":   func(a string) string { return nameOr(auditActionNames[a], a) },
	"price":         func(f *trail.Fen) string { return fmt.Sprintf("¥%d.%02d", *f/100, *f%100) },
	"window":        fmtWindow,
	"outlookName":   func(o trail.Outlook) string { return outlookNames[o] },
	"sourceName":    func(s string) string { return nameOr(sourceNames[s], s) },
	"orderTarget":   func(t string) string { s, _ := strings.CutPrefix(t, "order:"); return s },
	"isOrder":       func(t string) bool { return strings.HasPrefix(t, "order:") },
	"auditTarget":   auditTargetName,
	"revealMinutes": func() int { return int(RevealTTL / time.Minute) },
	"confidence":    func(c string) string { return nameOr(confidenceNames[c], c) },
	"roleName":      func(r trail.Role) string { return nameOr(trail.RoleNames[r], string(r)) },
}

func nameOr(name, code string) string {
	if name == "" {
		return code
	}
	return name
}

func fmtTime(t time.Time) string { return t.In(trail.ChinaTime).Format("2006-01-02 15:04") }

func fmtShortTime(t time.Time) string { return t.In(trail.ChinaTime).Format("01-02 15:04") }

// fmtWindow shows an estimate's window as days: "12-03" or "12-03 至 12-05".
func fmtWindow(e *trail.Estimate) string {
	p10, _, p90 := e.Dates()
	short := func(d trail.Date) string { return string(d)[5:] }
	if p10 == p90 {
		return short(p10)
	}
	return short(p10) + " 至 " + short(p90)
}

func carrierName(code string) string {
	if c, ok := trail.LookupCarrier(code); ok {
		return c.Name
	}
	return code
}

// auditTargetName names an audit entry's target (trail.AuditTarget) in
// Chinese: its kind, then what it names, by name where one exists.
func auditTargetName(target string) string {
	kind, key, ok := strings.Cut(target, ":")
	if !ok {
		return target
	}
	switch kind {
	case "batch":
		return "批次 " + key
	case "alert":
		return "预警 #" + key
	case "alert_rule":
		return "预警规则 · " + nameOr(trail.AlertTypeNames[trail.AlertType(key)], key)
	case "carrier":
		return "承运商资质 · " + carrierName(key)
	case "carrier_account":
		return "承运商账号 · " + nameOr(providerNames[key], key)
	case "notice_template":
		return "通知模板 · " + nameOr(trail.NoticeKindNames[trail.NoticeKind(key)], key)
	case "notify_channel":
		return "通知渠道 · " + nameOr(channelNames[trail.Channel(key)], key)
	case "notify_settings":
		return "通知规则"
	case "api_key":
		return "API 密钥 #" + key
	case "webhook":
		return "Webhook 端点 #" + key
	case "user":
		return "成员 " + key
	case "brand":
		return "品牌 " + key
	case "api":
		return "接口 " + key
	}
	return target
}

// auditActionNames are the Chinese names of audit actions.
var auditActionNames = map[string]string{
	trail.AuditLogin:       "登录",
	trail.AuditLogout:      "退出登录",
	trail.AuditSwitchBrand: "切换品牌",
	trail.AuditRevealPII:   "查看完整个人信息",
	trail.AuditAPIChange:   "通过 API 变更",
	trail.AuditAddNote:     "添加备注",
	trail.AuditUserCreate:  "创建账号",
	trail.AuditMembership:  "设置角色",
}

var outlookNames = map[trail.Outlook]string{
	trail.OutlookOnTime: "预计赶得上",
	trail.OutlookAtRisk: "有延误风险",
	trail.OutlookLate:   "预计赶不上",
}

var confidenceNames = map[string]string{
	trail.ConfidenceHigh:   "把握较大",
	trail.ConfidenceMedium: "有一定把握",
	trail.ConfidenceLow:    "粗略估计",
}

var sourceNames = map[string]string{
	trail.SourcePush:   "推送",
	trail.SourcePoll:   "查询",
	trail.SourceManual: "手工",
}

// option is one choice of a select.
type option struct {
	Value, Label string
	Selected     bool
}

// contactView is a person on the order page: masked, or in clear after a
// reveal.
type contactView struct{ Name, Phone string }

func viewContact(c trail.Contact, clear bool) contactView {
	if clear {
		return contactView{c.Name, c.Phone}
	}
	return contactView{trail.MaskName(c.Name), trail.MaskPhone(c.Phone)}
}

// orderPage is the whole story of one order.
type orderPage struct {
	G             *trail.OrderGraph
	Customer      contactView
	Recipient     *contactView // nil when the buyer receives the order
	Place         string       // province, city, district
	Street        string       // "" unless revealed
	Revealed      bool
	RevealedUntil time.Time
	Occasion      *occasionView
	ETA           *trail.Estimate
	Items         []itemView
	Batches       []batchView
	Parcels       []parcelView
	Trail         []*trail.AuditEntry // notes and what people did, newest first
	NoteError     string
	RevealError   string
	Note          string // the note being typed, on an error
}

type occasionView struct {
	Kind     string
	Date     trail.Date
	DaysLeft int
	Outlook  trail.Outlook
}

// DaysText says how far the occasion is: 还有 5 天, 就是今天, 已过 2 天.
func (o *occasionView) DaysText() string {
	switch {
	case o.DaysLeft > 0:
		return fmt.Sprintf("还有 %d 天", o.DaysLeft)
	case o.DaysLeft == 0:
		return "就是今天"
	}
	return fmt.Sprintf("已过 %d 天", -o.DaysLeft)
}

type itemView struct {
	trail.Item
	Name      string
	Parcels   []parcelRef
	Unshipped int
	ETA       *trail.Estimate // when the unshipped quantity should be picked up
}

type parcelRef struct{ Number, Quantity int }

type batchView struct {
	BatchNo  string
	SKUName  string
	Stages   []stageView
	Done     bool
	Progress string // "3/6"
}

type stageView struct {
	trail.StageProgress
	State string // done, active, delayed, planned
	Late  bool   // planned date passed without completion
}

type parcelView struct {
	Number int
	S      *trail.Shipment
	Items  []itemQty
	ETA    *trail.Estimate
	// Events are the events shown, newest first: the newest
	// trail.TimelineShown until all are asked for; Hidden counts the rest.
	Events []eventView
	Hidden int
	all    []eventView
}

// eventView is a scan on the order page: its text masked, or the carrier's
// own text after a reveal.
type eventView struct {
	trail.TrackingEvent
	Text string
}

// showAllEvents shows every event of every parcel.
func (p *orderPage) showAllEvents() {
	for i := range p.Parcels {
		p.Parcels[i].Events, p.Parcels[i].Hidden = p.Parcels[i].all, 0
	}
}

type itemQty struct {
	Name     string
	Quantity int
}

// newOrderPage builds the order page of g as of now; clear shows the
// personal data unmasked.
func newOrderPage(g *trail.OrderGraph, est trail.OrderEstimate, clear bool, now time.Time) *orderPage {
	o := g.Order
	p := &orderPage{G: g, Customer: viewContact(o.Customer, clear), Revealed: clear, ETA: est.Order}
	if o.Recipient != nil && *o.Recipient != o.Customer {
		r := viewContact(*o.Recipient, clear)
		p.Recipient = &r
	}
	p.Place = strings.Join(nonEmpty(o.Address.Province, o.Address.City, o.Address.District), " ")
	if clear {
		p.Street = o.Address.Detail
	}
	if o.Occasion != nil {
		days, outlook := trail.OccasionOutlook(o, est.Order, now)
		p.Occasion = &occasionView{Kind: o.Occasion.Kind, Date: o.Occasion.Date, DaysLeft: days, Outlook: outlook}
	}
	skuName := func(code string) string {
		if s := g.SKUs[code]; s != nil && s.Name != "" {
			return s.Name
		}
		return code
	}
	number := map[int64]int{} // shipment ID → parcel number
	for i, s := range g.Shipments {
		number[s.ID] = i + 1
		pv := parcelView{Number: i + 1, S: s, ETA: est.Parcels[trail.ParcelKey(s.Carrier, s.TrackingNo)]}
		for _, e := range s.Events {
			text := trail.MaskScanText(e.ScanText())
			if clear {
				text = e.ScanText()
			}
			pv.all = append(pv.all, eventView{e, text})
		}
		pv.Events = pv.all
		if len(pv.all) > trail.TimelineShown {
			pv.Events, pv.Hidden = pv.all[:trail.TimelineShown], len(pv.all)-trail.TimelineShown
		}
		for _, it := range s.Items {
			pv.Items = append(pv.Items, itemQty{skuName(it.SKU), it.Quantity})
		}
		p.Parcels = append(p.Parcels, pv)
	}
	for i, it := range o.Items {
		iv := itemView{Item: it, Name: skuName(it.SKU), Unshipped: it.Quantity}
		for _, s := range g.Shipments {
			for _, si := range s.Items {
				if si.ItemID == it.ID {
					iv.Parcels = append(iv.Parcels, parcelRef{number[s.ID], si.Quantity})
					iv.Unshipped -= si.Quantity
				}
			}
		}
		if i < len(est.Items) && est.Items[i] != nil {
			iv.ETA = est.Items[i].Ship
		}
		p.Items = append(p.Items, iv)
	}
	for _, b := range g.Batches {
		bv := batchView{BatchNo: b.BatchNo, SKUName: skuName(b.SKU), Done: b.Done()}
		done := 0
		for _, sp := range b.Progress() {
			sv := stageView{StageProgress: sp, State: "planned"}
			switch {
			case sp.CompletedAt != nil:
				sv.State = "done"
				done++
			case sp.DelayedAt != nil:
				sv.State = "delayed"
			case sp.StartedAt != nil:
				sv.State = "active"
			}
			sv.Late = b.Late(sp, now)
			bv.Stages = append(bv.Stages, sv)
		}
		bv.Progress = fmt.Sprintf("%d/%d", done, len(bv.Stages))
		p.Batches = append(p.Batches, bv)
	}
	return p
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
