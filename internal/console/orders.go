package console

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// searchPage is the order search: the form's values and a page of results.
type searchPage struct {
	Q, Status, Carrier, From, To, Occasion string

	Statuses  []option
	Carriers  []option
	Occasions []option

	Searched bool // any filter or text was given
	Results  []*trail.OrderSummary
	NextURL  string // the next page, "" on the last
	FirstURL string // the first page, when this is a later one
	Error    string
}

// searchStatuses are the status filters in the order of an order's life.
var searchStatuses = []trail.OrderStatus{
	trail.OrderPending, trail.OrderInProduction, trail.OrderReadyToShip, trail.OrderPartiallyShipped,
	trail.OrderShipped, trail.OrderPartiallyDelivered, trail.OrderDelivered, trail.OrderException, trail.OrderReturned, trail.OrderCancelled,
}

// handleOrders is the search page: one box for an order number, a
// tracking number, a phone number or a name, and filters. Results are
// the session's brand's only.
func (s *Server) handleOrders(w http.ResponseWriter, r *http.Request, v *visit) error {
	q := r.URL.Query()
	sp := &searchPage{
		Q: strings.TrimSpace(q.Get("q")), Status: q.Get("status"), Carrier: q.Get("carrier"),
		From: q.Get("from"), To: q.Get("to"), Occasion: q.Get("occasion"),
	}
	sp.Statuses = []option{{Value: "", Label: "全部状态"}}
	for _, st := range searchStatuses {
		sp.Statuses = append(sp.Statuses, option{string(st), trail.OrderStatusNames[st], sp.Status == string(st)})
	}
	if strings.TrimSpace(sp.Carrier) != "" { // a name or an abbreviation in the URL works as in the API
		sp.Carrier = trail.NormalizeCarrier(sp.Carrier)
	}
	sp.Carriers = carrierOptions("全部承运商", sp.Carrier)
	sp.Occasions = []option{{Value: "", Label: "不限"}}
	for _, d := range []string{"3", "7", "14", "30"} {
		sp.Occasions = append(sp.Occasions, option{d, d + " 天内", sp.Occasion == d})
	}

	search := trail.OrderSearch{Q: sp.Q, Status: trail.OrderStatus(sp.Status), Carrier: sp.Carrier, Cursor: q.Get("cursor")}
	status := http.StatusOK
	if err := parseSearchDates(&search, sp); err != nil {
		sp.Error, status = err.Error(), http.StatusUnprocessableEntity
	} else {
		res, err := s.search.SearchOrders(r.Context(), v.Brand.ID, search)
		var te *trail.Error
		switch {
		case errors.As(err, &te) && te.Code == trail.EINVALID:
			sp.Error, status = searchErrorText(te, q.Get("carrier")), http.StatusUnprocessableEntity
		case err != nil:
			return fmt.Errorf("search orders: %w", err)
		default:
			sp.Results = res.Orders
			if res.NextCursor != "" {
				next := cloneValues(q)
				next.Set("cursor", res.NextCursor)
				sp.NextURL = "/console/orders?" + next.Encode()
			}
			if search.Cursor != "" {
				first := cloneValues(q)
				first.Del("cursor")
				sp.FirstURL = "/console/orders?" + first.Encode()
			}
		}
	}
	sp.Searched = sp.Q != "" || sp.Status != "" || sp.Carrier != "" || sp.From != "" || sp.To != "" || sp.Occasion != ""
	return s.render(w, r, status, "orders", &page{Title: "订单查询", V: v, Nav: "orders", Search: sp})
}

// parseSearchDates reads the date and occasion filters of the form.
func parseSearchDates(search *trail.OrderSearch, sp *searchPage) error {
	for _, f := range []struct {
		value string
		dst   **trail.Date
		label string
	}{{sp.From, &search.CreatedFrom, "开始日期"}, {sp.To, &search.CreatedTo, "结束日期"}} {
		if f.value == "" {
			continue
		}
		d, err := trail.ParseDate(f.value)
		if err != nil {
			return fmt.Errorf("%s格式应为 年-月-日，例如 2026-11-25。", f.label)
		}
		*f.dst = &d
	}
	if sp.Occasion != "" {
		n, err := strconv.Atoi(sp.Occasion)
		if err != nil || n < 1 || n > 366 {
			return errors.New("场合日期范围应为 1–366 天。")
		}
		search.OccasionWithinDays = n
	}
	return nil
}

// searchErrorText explains a refused search in Chinese; carrier is the
// carrier filter as given.
func searchErrorText(e *trail.Error, carrier string) string {
	switch e.Field {
	case "q":
		return "搜索内容过长。"
	case "status":
		return "未知的订单状态。"
	case "carrier":
		return unknownCarrierText(carrier)
	case "created_to":
		return "结束日期早于开始日期。"
	case "cursor":
		return "翻页链接无效，请从第一页重新查询。"
	}
	return "查询条件无效。"
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		if len(vs) > 0 && vs[0] != "" {
			out.Set(k, vs[0])
		}
	}
	return out
}

// handleOrder shows the whole story of one of the brand's orders; another
// brand's order is a 404 like one that does not exist.
func (s *Server) handleOrder(w http.ResponseWriter, r *http.Request, v *visit) error {
	return s.renderOrder(w, r, v, http.StatusOK, func(*orderPage) {})
}

// renderOrder renders the order page; edit adds what a failed form left.
func (s *Server) renderOrder(w http.ResponseWriter, r *http.Request, v *visit, status int, edit func(*orderPage)) error {
	return s.renderOrderStory(w, r, v, status, edit, nil)
}

// renderOrderStory renders the order page with its story (actions.go);
// edit and editStory, either may be nil, add what the last form left.
func (s *Server) renderOrderStory(w http.ResponseWriter, r *http.Request, v *visit, status int, edit func(*orderPage), editStory func(*orderStory)) error {
	ctx := r.Context()
	orderNo := r.PathValue("order_no")
	g, err := s.orders.OrderGraph(ctx, v.Brand.ID, orderNo)
	if trail.ErrorCode(err) == trail.ENOTFOUND {
		return errNotFound
	} else if err != nil {
		return fmt.Errorf("order page: %w", err)
	}
	now := s.now()
	target := trail.AuditTarget("order", g.Order.OrderNo)
	var reveal *trail.AuditEntry
	if v.Role.Can(trail.ActionRevealPII) {
		recent, err := s.audit.AuditLog(ctx, v.Brand.ID, trail.AuditFilter{Target: target, Action: trail.AuditRevealPII,
			UserID: v.User.ID, Since: now.Add(-RevealTTL), Limit: 1})
		if err != nil {
			return fmt.Errorf("order page: %w", err)
		}
		if len(recent) > 0 {
			reveal = recent[0]
		}
	}
	p := newOrderPage(g, s.estimator.EstimateOrder(g, nil, now), reveal != nil, now)
	if r.URL.Query().Get("events") == "all" {
		p.showAllEvents()
	}
	if reveal != nil {
		p.RevealedUntil = reveal.At.Add(RevealTTL)
	}
	if p.Trail, err = s.audit.AuditLog(ctx, v.Brand.ID, trail.AuditFilter{Target: target, Limit: 100}); err != nil {
		return fmt.Errorf("order page: %w", err)
	}
	story := s.newOrderStory(r, v, g)
	if edit != nil {
		edit(p)
	}
	if editStory != nil {
		editStory(story)
	}
	return s.render(w, r, status, "order", &page{Title: "订单 " + g.Order.OrderNo, V: v, Nav: "orders", Order: p, Story: story})
}

// handleAddNote adds an operator's note to an order; it is kept in the
// audit log and shown on the order page.
func (s *Server) handleAddNote(w http.ResponseWriter, r *http.Request, v *visit) error {
	note := strings.TrimSpace(r.PostFormValue("note"))
	var msg string
	switch n := len([]rune(note)); {
	case n == 0:
		msg = "请输入备注内容。"
	case n > trail.MaxNoteLen:
		msg = fmt.Sprintf("备注最多 %d 字。", trail.MaxNoteLen)
	}
	return s.orderAction(w, r, v, trail.AuditAddNote, note, msg, func(p *orderPage) { p.NoteError, p.Note = msg, note }, "#notes")
}

// handleReveal shows the order's personal data in clear to the operator
// for RevealTTL; the reason is required and goes to the audit log.
func (s *Server) handleReveal(w http.ResponseWriter, r *http.Request, v *visit) error {
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	var msg string
	switch n := len([]rune(reason)); {
	case n < 2:
		msg = "请填写查看原因（例如：核对收件人电话）。"
	case n > 200:
		msg = "原因最多 200 字。"
	}
	return s.orderAction(w, r, v, trail.AuditRevealPII, reason, msg, func(p *orderPage) { p.RevealError = msg }, "#people")
}

// orderAction records an operator's action on an order in the audit log
// and returns to the order page; with a validation message it shows the
// page again instead. Another brand's order is a 404 and records nothing.
func (s *Server) orderAction(w http.ResponseWriter, r *http.Request, v *visit, action, reason, msg string, onError func(*orderPage), anchor string) error {
	ctx := r.Context()
	orderNo := r.PathValue("order_no")
	if _, err := s.orders.OrderGraph(ctx, v.Brand.ID, orderNo); trail.ErrorCode(err) == trail.ENOTFOUND {
		return errNotFound
	} else if err != nil {
		return fmt.Errorf("%s: %w", action, err)
	}
	if msg != "" {
		return s.renderOrder(w, r, v, http.StatusUnprocessableEntity, onError)
	}
	e := &trail.AuditEntry{BrandID: v.Brand.ID, UserID: v.User.ID, Actor: v.User.Email, Action: action,
		Target: trail.AuditTarget("order", orderNo), Reason: reason}
	if err := s.audit.RecordAudit(ctx, e); err != nil {
		return fmt.Errorf("%s: %w", action, err)
	}
	http.Redirect(w, r, "/console/orders/"+url.PathEscape(orderNo)+anchor, http.StatusSeeOther)
	return nil
}

// auditPage is a page of the brand's audit log.
type auditPage struct {
	Entries []*trail.AuditEntry
	NextURL string
}

// handleAudit shows the brand's audit log to admins, newest first.
func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request, v *visit) error {
	f := trail.AuditFilter{Limit: 50}
	if b := r.URL.Query().Get("before"); b != "" {
		id, err := strconv.ParseInt(b, 10, 64)
		if err != nil || id < 1 {
			return trail.Errorf(trail.EMALFORMED, "翻页链接无效。")
		}
		f.BeforeID = id
	}
	entries, err := s.audit.AuditLog(r.Context(), v.Brand.ID, f)
	if err != nil {
		return fmt.Errorf("audit page: %w", err)
	}
	ap := &auditPage{Entries: entries}
	if len(entries) == f.Limit {
		ap.NextURL = "/console/audit?before=" + strconv.FormatInt(entries[len(entries)-1].ID, 10)
	}
	return s.render(w, r, http.StatusOK, "audit", &page{Title: "操作日志", V: v, Nav: "audit", Audit: ap})
}
