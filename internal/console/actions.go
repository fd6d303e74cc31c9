package console

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// The order page's story beyond the order graph (the estimate's history,
// the open alerts, the notifications sent) and what an operator does from
// it: hand out a buyer's tracking link, re-subscribe a parcel, correct a
// parcel's carrier code, acknowledge or resolve an alert. Every action
// names its trail.Action, carries the session's CSRF token, is scoped to
// the session's brand (another brand's order, parcel or alert is a 404)
// and goes to the audit log under the order: who, what, when and why.

// Audit actions of the order page (see trail.AuditEntry).
const (
	auditLinkCreate     = "link_create"
	auditResubscribe    = "parcel_resubscribe"
	auditCorrectCarrier = "carrier_correct"
)

// init extends the foundation's tables (view.go) with what this file and
// inbox.go show: the names of their audit actions and their template
// helpers.
func init() {
	maps.Copy(auditActionNames, map[string]string{
		trail.AuditAlertAck:     "确认预警",
		trail.AuditAlertAssign:  "分配预警",
		trail.AuditAlertResolve: "解决预警",
		auditLinkCreate:         "生成跟踪链接",
		auditResubscribe:        "重新订阅物流轨迹",
		auditCorrectCarrier:     "更正承运商",
	})
	maps.Copy(funcs, map[string]any{
		"p50":          fmtP50,
		"dayMonth":     func(d trail.Date) string { return dayMonth(d) },
		"severityName": func(s trail.Severity) string { return nameOr(severityNames[s], string(s)) },
		"alertStatus":  func(s trail.AlertStatus) string { return nameOr(alertStatusNames[s], string(s)) },
		"opsCSS":       func() string { return opsCSSPath },
	})
}

var severityNames = map[trail.Severity]string{
	trail.SeverityCritical: "紧急",
	trail.SeverityWarning:  "警告",
	trail.SeverityInfo:     "提示",
}

var alertStatusNames = map[trail.AlertStatus]string{
	trail.AlertOpen:         "待处理",
	trail.AlertAcknowledged: "已确认",
	trail.AlertResolved:     "已解决",
}

// fmtP50 shows an estimate's headline day: "12-03".
func fmtP50(e *trail.Estimate) string {
	_, p50, _ := e.Dates()
	return dayMonth(p50)
}

// dayMonth shows a date without its year: "12-03".
func dayMonth(d trail.Date) string {
	if len(d) == 10 {
		return string(d)[5:]
	}
	return string(d)
}

// actionRoutes are the order page's actions, each only with its services.
func (s *Server) actionRoutes() []route {
	auth := func(method, pattern string, a trail.Action, h authedHandler) route {
		return route{Route: Route{Method: method, Pattern: pattern, Action: a}, authed: h}
	}
	var routes []route
	if s.ops.links != nil && s.ops.sealer != nil {
		routes = append(routes, auth("POST", "/console/orders/{order_no}/link", trail.ActionOperateParcels, s.handleCreateLink))
	}
	if s.ops.tracking != nil {
		routes = append(routes, auth("POST", "/console/orders/{order_no}/resubscribe", trail.ActionOperateParcels, s.handleResubscribe))
	}
	if s.ops.carriers != nil {
		routes = append(routes, auth("POST", "/console/orders/{order_no}/carrier", trail.ActionOperateParcels, s.handleCorrectCarrier))
	}
	if s.ops.alerts != nil {
		routes = append(routes,
			auth("POST", "/console/orders/{order_no}/alerts/{id}/ack", trail.ActionHandleAlerts, s.handleOrderAlertAck),
			auth("POST", "/console/orders/{order_no}/alerts/{id}/resolve", trail.ActionHandleAlerts, s.handleOrderAlertResolve))
	}
	return routes
}

// orderStory is what the order page shows beyond newOrderPage: the
// history of the estimate, the open alerts, the notifications sent, and
// the actions the visitor may take with the results of the last one.
type orderStory struct {
	OrderNo string
	Path    string // the order page

	History     []etaRevisionView // newest first, at most maxHistory
	HistoryMore int               // older revisions not shown
	Alerts      []*trail.Alert    // open, most urgent first

	// Notifications are the messages sent about the order (notificationsOf);
	// NotificationsOn is false until notifications are recorded.
	Notifications   []notificationView
	NotificationsOn bool

	CanLink, CanResubscribe, CanCorrect, CanAlerts bool
	// CarrierNames are every carrier's Chinese name, suggested to the
	// correction's input, which takes any name or code NormalizeCarrier
	// does.
	CarrierNames []string

	Done string // what the last action did

	// The buyer's link just made, shown once to copy.
	LinkURL     string
	LinkExpires time.Time
	LinkError   string

	// A refused parcel action: the parcel's tracking number, why, and the
	// carrier the correction named, as typed.
	ParcelFor   string
	ParcelError string
	NewCarrier  string

	// A refused alert action: the alert and why.
	AlertFor   int64
	AlertError string
}

// maxHistory bounds the estimate revisions the page lists.
const maxHistory = 30

// etaRevisionView is one recorded estimate.
type etaRevisionView struct {
	At            time.Time
	What          string // 整单, 包裹 2
	P10, P50, P90 trail.Date
	Confidence    string
	Basis         string
}

// notificationView is one message sent about the order.
type notificationView struct {
	At      time.Time
	Channel string // 短信, 微信, 邮件
	To      string // masked
	What    string
	Status  string
}

// notificationsOf returns the messages sent about an order, newest first
// (consumer messages and webhooks), and whether notifications are
// recorded at all (the console has the notification service).
func (s *Server) notificationsOf(ctx context.Context, brandID int64, g *trail.OrderGraph) ([]notificationView, bool) {
	if s.settings == nil || s.settings.notify == nil {
		return nil, false
	}
	ds, err := s.settings.notify.Deliveries(ctx, brandID, trail.DeliveryFilter{OrderNo: g.Order.OrderNo, Limit: maxNotifications})
	if err != nil {
		s.logger.Error("order notifications", "order_no", g.Order.OrderNo, "error", err)
		return nil, true
	}
	out := make([]notificationView, 0, len(ds))
	for _, d := range ds {
		at := d.CreatedAt
		if d.SentAt != nil {
			at = *d.SentAt
		}
		var what []string
		for _, k := range strings.Split(d.Event, ",") {
			if name, ok := trail.NoticeKindNames[trail.NoticeKind(k)]; ok {
				what = append(what, name)
			} else {
				what = append(what, webhookEventList([]string{k})...)
			}
		}
		status := deliveryStates[d.State]
		if d.State == trail.DeliveryPending && d.Attempts > 0 {
			status = fmt.Sprintf("重试中（已尝试 %d 次）", d.Attempts)
		}
		out = append(out, notificationView{At: at, Channel: channelNames[d.Channel], To: d.To, What: strings.Join(what, "、"), Status: status})
	}
	return out, true
}

// maxNotifications bounds the messages the order page lists.
const maxNotifications = 50

// channelNames and deliveryStates are the Chinese names of a delivery's
// channel and state.
var (
	channelNames   = map[trail.Channel]string{trail.ChannelSMS: "短信", trail.ChannelWeChat: "微信", trail.ChannelEmail: "邮件", trail.ChannelWebhook: "Webhook"}
	deliveryStates = map[string]string{trail.DeliveryPending: "发送中", trail.DeliverySent: "已发送",
		trail.DeliveryFailed: "发送失败", trail.DeliveryDead: "多次失败，已停止重试"}
)

// newOrderStory builds the story of g as the visitor sees it.
func (s *Server) newOrderStory(r *http.Request, v *visit, g *trail.OrderGraph) *orderStory {
	st := &orderStory{OrderNo: g.Order.OrderNo, Path: "/console/orders/" + url.PathEscape(g.Order.OrderNo)}
	parcels := map[string]int{}
	for i, sh := range g.Shipments {
		parcels[trail.ParcelKey(sh.Carrier, sh.TrackingNo)] = i + 1
	}
	for i := len(g.ETAs) - 1; i >= 0; i-- {
		if len(st.History) == maxHistory {
			st.HistoryMore = i + 1
			break
		}
		rev := g.ETAs[i]
		what := "整单"
		if rev.Parcel != "" {
			if n, ok := parcels[rev.Parcel]; ok {
				what = "包裹 " + strconv.Itoa(n)
			} else {
				what = "包裹 " + rev.Parcel
			}
		}
		p10, p50, p90 := (&trail.Estimate{P10: rev.P10, P50: rev.P50, P90: rev.P90}).Dates()
		st.History = append(st.History, etaRevisionView{At: rev.At, What: what, P10: p10, P50: p50, P90: p90,
			Confidence: rev.Confidence, Basis: rev.Basis})
	}
	st.Alerts = append(st.Alerts, g.Alerts...)
	rank := map[trail.Severity]int{trail.SeverityCritical: 0, trail.SeverityWarning: 1, trail.SeverityInfo: 2}
	slices.SortStableFunc(st.Alerts, func(a, b *trail.Alert) int {
		return cmp.Or(cmp.Compare(rank[a.Severity], rank[b.Severity]), a.OpenedAt.Compare(b.OpenedAt))
	})
	st.Notifications, st.NotificationsOn = s.notificationsOf(r.Context(), v.Brand.ID, g)
	operate := v.Role.Can(trail.ActionOperateParcels)
	st.CanLink = operate && s.ops.links != nil && s.ops.sealer != nil
	st.CanResubscribe = operate && s.ops.tracking != nil
	st.CanCorrect = operate && s.ops.carriers != nil
	st.CanAlerts = v.Role.Can(trail.ActionHandleAlerts) && s.ops.alerts != nil
	if st.CanCorrect {
		for _, c := range trail.Carriers() {
			st.CarrierNames = append(st.CarrierNames, c.Name)
		}
	}
	st.Done = actionNotices[r.URL.Query().Get("done")]
	return st
}

// actionNotices say what the last action on the order page did.
var actionNotices = map[string]string{
	"resubscribed": "已重新订阅该包裹的物流轨迹，新的轨迹将陆续更新。",
	"carrier":      "已更正承运商，并按新承运商重新订阅物流轨迹。",
	"ack":          "已确认预警，并由您负责跟进。",
	"resolve":      "已解决预警。",
	"stale":        "这条预警已被他人解决，未更改。",
}

// formText reads a trimmed text field of at least min and at most max
// characters; it returns the message for anything else.
func formText(r *http.Request, name string, min, max int, what string) (string, string) {
	text := strings.TrimSpace(r.PostFormValue(name))
	switch n := len([]rune(text)); {
	case n < min:
		return text, "请填写" + what + "。"
	case n > max:
		return text, fmt.Sprintf("%s最多 %d 字。", what, max)
	}
	return text, ""
}

// maxReason bounds the reason of an order action, in characters.
const maxReason = 200

// orderGraph reads the path's order of the visitor's brand; another
// brand's order or none is errNotFound.
func (s *Server) orderGraph(r *http.Request, v *visit) (*trail.OrderGraph, error) {
	g, err := s.orders.OrderGraph(r.Context(), v.Brand.ID, r.PathValue("order_no"))
	switch {
	case trail.ErrorCode(err) == trail.ENOTFOUND:
		return nil, errNotFound
	case err != nil:
		return nil, fmt.Errorf("order action: %w", err)
	}
	return g, nil
}

// recordOrderAudit records an action on the order in the audit log.
func (s *Server) recordOrderAudit(ctx context.Context, v *visit, orderNo, action, reason string) error {
	if r := []rune(reason); len(r) > trail.MaxNoteLen {
		reason = string(r[:trail.MaxNoteLen])
	}
	return s.audit.RecordAudit(ctx, &trail.AuditEntry{BrandID: v.Brand.ID, UserID: v.User.ID, Actor: v.User.Email,
		Action: action, Target: trail.AuditTarget("order", orderNo), Reason: reason})
}

// handleCreateLink makes a buyer's tracking link to the order and shows
// it once, to copy into a message to the buyer (sending it comes with the
// notifications). The link itself is kept by the link service; the audit
// log records that it was made, and why.
func (s *Server) handleCreateLink(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx := r.Context()
	g, err := s.orderGraph(r, v)
	if err != nil {
		return err
	}
	reason, msg := formText(r, "reason", 2, maxReason, "发送原因（例如：客户没收到短信）")
	if msg != "" {
		return s.renderOrderStory(w, r, v, http.StatusUnprocessableEntity, nil, func(st *orderStory) { st.LinkError = msg })
	}
	l, err := s.ops.links.CreateLink(ctx, v.Brand.ID, g.Order.OrderNo, trail.LinkBuyer, trail.DefaultLinkTTL)
	if err != nil {
		return fmt.Errorf("create link: %w", err)
	}
	what := fmt.Sprintf("买家跟踪链接（#%d，有效至 %s）：%s", l.ID, l.ExpiresAt.In(trail.ChinaTime).Format(time.DateOnly), reason)
	if err := s.recordOrderAudit(ctx, v, g.Order.OrderNo, auditLinkCreate, what); err != nil {
		return fmt.Errorf("create link: %w", err)
	}
	link := s.publicBase(r) + "/t/" + trail.LinkToken(s.ops.sealer, l)
	return s.renderOrderStory(w, r, v, http.StatusOK, nil, func(st *orderStory) { st.LinkURL, st.LinkExpires = link, l.ExpiresAt })
}

// publicBase is the address consumers reach the server at: PublicURL, or
// the address of the request.
func (s *Server) publicBase(r *http.Request) string {
	if s.ops.publicURL != "" {
		return s.ops.publicURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// formParcel finds the parcel of the order the form names by carrier and
// tracking number; nil if the order has none such.
func formParcel(r *http.Request, g *trail.OrderGraph) (*trail.Shipment, int) {
	carrier, no := r.PostFormValue("carrier"), r.PostFormValue("tracking_no")
	for i, sh := range g.Shipments {
		if sh.Carrier == carrier && sh.TrackingNo == no {
			return sh, i + 1
		}
	}
	return nil, 0
}

// handleResubscribe subscribes a parcel of the order with its provider
// again, now: for a parcel whose timeline stopped. Another order's parcel
// is a 404.
func (s *Server) handleResubscribe(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx := r.Context()
	g, err := s.orderGraph(r, v)
	if err != nil {
		return err
	}
	sh, n := formParcel(r, g)
	if sh == nil {
		return errNotFound
	}
	reason, msg := formText(r, "reason", 2, maxReason, "原因（例如：轨迹三天未更新）")
	if msg != "" {
		return s.renderOrderStory(w, r, v, http.StatusUnprocessableEntity, nil, func(st *orderStory) { st.ParcelFor, st.ParcelError = sh.TrackingNo, msg })
	}
	err = s.ops.tracking.Resubscribe(ctx, v.Brand.ID, sh.Carrier, sh.TrackingNo, s.now())
	if trail.ErrorCode(err) == trail.ENOTFOUND {
		return errNotFound
	} else if err != nil {
		return fmt.Errorf("resubscribe: %w", err)
	}
	what := fmt.Sprintf("包裹 %d（%s %s）：%s", n, carrierName(sh.Carrier), sh.TrackingNo, reason)
	if err := s.recordOrderAudit(ctx, v, g.Order.OrderNo, auditResubscribe, what); err != nil {
		return fmt.Errorf("resubscribe: %w", err)
	}
	http.Redirect(w, r, "/console/orders/"+url.PathEscape(g.Order.OrderNo)+"?done=resubscribed#p"+strconv.Itoa(n), http.StatusSeeOther)
	return nil
}

// handleCorrectCarrier moves a parcel of the order to the carrier code it
// really travels under, with a reason, and subscribes it there.
func (s *Server) handleCorrectCarrier(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx := r.Context()
	g, err := s.orderGraph(r, v)
	if err != nil {
		return err
	}
	sh, n := formParcel(r, g)
	if sh == nil {
		return errNotFound
	}
	refuse := func(status int, msg string) error {
		return s.renderOrderStory(w, r, v, status, nil, func(st *orderStory) {
			st.ParcelFor, st.ParcelError, st.NewCarrier = sh.TrackingNo, msg, strings.TrimSpace(r.PostFormValue("new_carrier"))
		})
	}
	to, msg := formCarrier(r, "new_carrier")
	if msg != "" {
		return refuse(http.StatusUnprocessableEntity, msg)
	}
	if to == sh.Carrier {
		return refuse(http.StatusUnprocessableEntity, "新承运商与当前承运商相同。")
	}
	reason, msg := formText(r, "reason", 2, maxReason, "更正原因（例如：面单为韵达，录入成了圆通）")
	if msg != "" {
		return refuse(http.StatusUnprocessableEntity, msg)
	}
	err = s.ops.carriers.CorrectCarrier(ctx, v.Brand.ID, sh.Carrier, sh.TrackingNo, to, reason)
	switch trail.ErrorCode(err) {
	case "":
	case trail.ENOTFOUND:
		return errNotFound
	case trail.ECONFLICT:
		return refuse(http.StatusConflict, "该运单号在"+carrierName(to)+"下已有包裹，无法更正。")
	default:
		return fmt.Errorf("correct carrier: %w", err)
	}
	what := fmt.Sprintf("包裹 %d（%s）由 %s 更正为 %s：%s", n, sh.TrackingNo, carrierName(sh.Carrier), carrierName(to), reason)
	if err := s.recordOrderAudit(ctx, v, g.Order.OrderNo, auditCorrectCarrier, what); err != nil {
		return fmt.Errorf("correct carrier: %w", err)
	}
	// Track the parcel under its right code from now on.
	if s.ops.tracking != nil {
		if err := s.ops.tracking.Resubscribe(ctx, v.Brand.ID, to, sh.TrackingNo, s.now()); err != nil {
			return fmt.Errorf("correct carrier: %w", err)
		}
	}
	http.Redirect(w, r, "/console/orders/"+url.PathEscape(g.Order.OrderNo)+"?done=carrier#p"+strconv.Itoa(n), http.StatusSeeOther)
	return nil
}

func (s *Server) handleOrderAlertAck(w http.ResponseWriter, r *http.Request, v *visit) error {
	return s.orderAlertAction(w, r, v, opAck)
}

func (s *Server) handleOrderAlertResolve(w http.ResponseWriter, r *http.Request, v *visit) error {
	return s.orderAlertAction(w, r, v, opResolve)
}

// orderAlertAction acknowledges (and takes) or resolves an open alert of
// the order from the order page. An alert that is not one of the order's
// open alerts, such as another brand's, is a 404.
func (s *Server) orderAlertAction(w http.ResponseWriter, r *http.Request, v *visit, op alertOp) error {
	ctx := r.Context()
	g, err := s.orderGraph(r, v)
	if err != nil {
		return err
	}
	id, ok := pathAlertID(r)
	found := false
	for _, a := range g.Alerts {
		found = found || a.ID == id
	}
	if !ok || !found {
		return trail.Errorf(trail.ENOTFOUND, "这条预警不存在、已解决，或不属于此订单。")
	}
	in, msg, err := s.readAlertInput(ctx, v, r, op)
	if err != nil {
		return err
	} else if msg != "" {
		return s.renderOrderStory(w, r, v, http.StatusUnprocessableEntity, nil, func(st *orderStory) { st.AlertFor, st.AlertError = id, msg })
	}
	done := string(op)
	_, err = s.alertOperation(ctx, v, id, op, in)
	switch trail.ErrorCode(err) {
	case "":
	case trail.ENOTFOUND:
		return errNotFound
	case trail.ECONFLICT:
		done = "stale"
	default:
		return err
	}
	http.Redirect(w, r, "/console/orders/"+url.PathEscape(g.Order.OrderNo)+"?done="+done+"#alerts", http.StatusSeeOther)
	return nil
}
