package console

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/bottletrail/bottletrail/internal/httpedge"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// The alert inbox under /console/alerts (docs/ARCHITECTURE.md §7, §10): a brand's
// alerts most urgent first (the soonest occasion, then severity, then the
// oldest), chips that count and filter them by type, tabs by status, and
// the agent's work on them: acknowledge, assign, resolve with a note, one
// at a time or on checked rows in bulk. Every change is audited. A small
// embedded script (static/inbox.js) fetches the list and the chips again
// every InboxPoll from /console/alerts/live, so new alerts appear without
// a reload; without the script the page works the same, by reloading.

// inboxScript refreshes the inbox's list and counts.
//
//go:embed static/inbox.js
var inboxScript []byte

// opsStylesheet styles the inbox and the order page's alerts and actions.
//
//go:embed static/ops.css
var opsStylesheet []byte

// The inbox's script and the operations' stylesheet, served under paths
// with their content hashes, cacheable for a year; jsPath and opsCSSPath
// are those paths.
var (
	inboxScriptAsset   = httpedge.NewAsset("/console/static/inbox", ".js", "text/javascript; charset=utf-8", inboxScript)
	opsStylesheetAsset = httpedge.NewAsset("/console/static/ops", ".css", "text/css; charset=utf-8", opsStylesheet)
	jsPath             = inboxScriptAsset.Path
	opsCSSPath         = opsStylesheetAsset.Path
)

// DefaultInboxPoll is how often an open inbox asks for new alerts.
const DefaultInboxPoll = 15 * time.Second

// inboxPageSize is how many alerts one page of the inbox lists.
const inboxPageSize = 50

// maxResolveNote bounds the note of a resolution, in characters: it goes
// into the audit entry after a short description of the alert.
const maxResolveNote = trail.MaxNoteLen - 100

// operations holds the services of the alert inbox and of the order
// page's actions. Any may be nil: a feature without its services is not
// offered.
type operations struct {
	alerts    trail.AlertService
	inbox     trail.AlertInbox
	links     trail.LinkService
	sealer    trail.Sealer
	tracking  trail.TrackingService
	carriers  trail.CarrierService
	publicURL string
	poll      time.Duration
}

// newOperations returns the operations of cfg and adds the inbox's page
// to pages.
func newOperations(cfg Config, layout *template.Template, pages map[string]*template.Template) operations {
	o := operations{alerts: cfg.Alerts, inbox: cfg.Inbox, links: cfg.Links, sealer: cfg.Sealer,
		tracking: cfg.Tracking, carriers: cfg.Carriers, publicURL: strings.TrimRight(cfg.PublicURL, "/"), poll: cfg.InboxPoll}
	if o.poll <= 0 {
		o.poll = DefaultInboxPoll
	}
	t := template.Must(layout.Clone())
	pages["alerts"] = template.Must(t.ParseFS(templateFiles, "templates/alerts.html"))
	return o
}

// inboxOn reports whether the console has an alert inbox.
func (o operations) inboxOn() bool { return o.alerts != nil && o.inbox != nil }

// inboxRoutes are the inbox's routes, none without its services, and the
// operations' static files, always (every page links the stylesheet).
func (s *Server) inboxRoutes() []route {
	open := func(method, pattern string, h openHandler) route {
		return route{Route: Route{Method: method, Pattern: pattern}, public: h}
	}
	auth := func(method, pattern string, a trail.Action, h authedHandler) route {
		return route{Route: Route{Method: method, Pattern: pattern, Action: a}, authed: h}
	}
	routes := []route{
		open("GET", jsPath, serveAsset(inboxScriptAsset)),
		open("GET", opsCSSPath, serveAsset(opsStylesheetAsset)),
	}
	if !s.ops.inboxOn() {
		return routes
	}
	return append(routes,
		auth("GET", "/console/alerts", trail.ActionViewAlerts, s.handleInbox),
		auth("GET", "/console/alerts/live", trail.ActionViewAlerts, s.handleInboxLive),
		auth("POST", "/console/alerts/{id}/ack", trail.ActionHandleAlerts, s.handleInboxAck),
		auth("POST", "/console/alerts/{id}/assign", trail.ActionHandleAlerts, s.handleInboxAssign),
		auth("POST", "/console/alerts/{id}/resolve", trail.ActionHandleAlerts, s.handleInboxResolve),
		auth("POST", "/console/alerts/bulk", trail.ActionHandleAlerts, s.handleInboxBulk),
	)
}

// inboxQuery is the inbox's filter as its URL gives it.
type inboxQuery struct {
	Status trail.AlertStatus // "" is trail.AlertOpen
	Type   trail.AlertType   // "" for every type
	Mine   bool              // only the alerts assigned to the visitor
	Page   int               // from 1
}

// parseInboxQuery reads the filter of a URL; it returns a message for a
// status or type the inbox does not know.
func parseInboxQuery(q url.Values) (inboxQuery, string) {
	iq := inboxQuery{Status: trail.AlertStatus(q.Get("status")), Type: trail.AlertType(q.Get("type")), Mine: q.Get("mine") == "1", Page: 1}
	if n, err := strconv.Atoi(q.Get("p")); err == nil && n > 1 && n <= 10000 {
		iq.Page = n
	}
	msg := ""
	switch iq.Status {
	case "", trail.AlertOpen, trail.AlertAcknowledged, trail.AlertResolved:
	default:
		iq.Status, msg = "", "未知的预警状态。"
	}
	if _, ok := trail.AlertTypeNames[iq.Type]; iq.Type != "" && !ok {
		iq.Type, msg = "", "未知的预警类型。"
	}
	if iq.Status == trail.AlertOpen {
		iq.Status = ""
	}
	return iq, msg
}

// url returns the inbox at path ("/console/alerts" or its live list)
// with this filter.
func (iq inboxQuery) url(path string) string {
	v := url.Values{}
	if iq.Status != "" {
		v.Set("status", string(iq.Status))
	}
	if iq.Type != "" {
		v.Set("type", string(iq.Type))
	}
	if iq.Mine {
		v.Set("mine", "1")
	}
	if iq.Page > 1 {
		v.Set("p", strconv.Itoa(iq.Page))
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// inboxPage is the inbox as one page shows it.
type inboxPage struct {
	Query     inboxQuery
	Tabs      []inboxLink // by status
	Chips     []inboxChip // all types, then each type with alerts
	MineURL   string      // toggles "only mine"
	Rows      []*inboxRow
	Shown     int // the alerts of the filter, on every page
	From, To  int // the positions of this page's alerts, from 1
	PrevURL   string
	NextURL   string
	Self      string // this page, where forms come back to
	LiveURL   string // the list and chips alone, for the script
	PollMS    int64
	CanHandle bool     // the visitor may work the alerts
	Members   []option // whom alerts may be assigned to
	Notice    string   // what the last action did
	Error     string   // why the last form was refused
	Note      string   // the bulk note, kept on an error
}

// PollSeconds is how often the list refreshes itself, in seconds.
func (ip *inboxPage) PollSeconds() int64 { return max(ip.PollMS/1000, 1) }

// inboxLink is a tab.
type inboxLink struct {
	Label, URL string
	Current    bool
}

// inboxChip is a type with its count, filtering the list by it.
type inboxChip struct {
	Type    trail.AlertType // "" for all
	Label   string
	Count   int
	URL     string
	Current bool
}

// inboxRow is one alert of the list.
type inboxRow struct {
	*trail.InboxAlert
	DaysLeft int  // to the occasion, if there is one
	Checked  bool // ticked for a bulk action, kept on an error
}

// OccasionDays says how far the occasion is: 还有 5 天, 就是今天.
func (r *inboxRow) OccasionDays() string {
	return (&occasionView{DaysLeft: r.DaysLeft}).DaysText()
}

// Handled reports whether the alert is resolved.
func (r *inboxRow) Handled() bool { return r.Status == trail.AlertResolved }

// inboxStatuses are the tabs, in the order of an alert's life.
var inboxStatuses = []struct {
	status trail.AlertStatus
	label  string
}{{"", "未解决"}, {trail.AlertAcknowledged, "已确认"}, {trail.AlertResolved, "已解决"}}

// today is the current day in China.
func (s *Server) today() trail.Date {
	return trail.Date(s.now().In(trail.ChinaTime).Format(time.DateOnly))
}

// newInboxPage reads the inbox of the visitor's brand with the filter in
// q. The status is 422 for a filter the inbox does not know, which it
// shows unfiltered.
func (s *Server) newInboxPage(ctx context.Context, v *visit, q url.Values) (*inboxPage, int, error) {
	iq, msg := parseInboxQuery(q)
	status := http.StatusOK
	if msg != "" {
		status = http.StatusUnprocessableEntity
	}
	today := s.today()
	f := trail.InboxFilter{Status: iq.Status, Type: iq.Type, Today: today, Offset: (iq.Page - 1) * inboxPageSize, Limit: inboxPageSize}
	if iq.Mine {
		f.Assignee = v.User.Email
	}
	in, err := s.ops.inbox.InboxAlerts(ctx, v.Brand.ID, f)
	if err != nil {
		return nil, 0, fmt.Errorf("inbox: %w", err)
	}
	ip := &inboxPage{Query: iq, Error: msg, Self: iq.url("/console/alerts"), LiveURL: iq.url("/console/alerts/live"),
		PollMS: s.ops.poll.Milliseconds(), CanHandle: v.Role.Can(trail.ActionHandleAlerts)}
	for _, st := range inboxStatuses {
		tq := inboxQuery{Status: st.status, Mine: iq.Mine, Page: 1}
		ip.Tabs = append(ip.Tabs, inboxLink{Label: st.label, URL: tq.url("/console/alerts"), Current: st.status == iq.Status})
	}
	mq := iq
	mq.Mine, mq.Page = !iq.Mine, 1
	ip.MineURL = mq.url("/console/alerts")
	all := iq
	all.Type, all.Page = "", 1
	ip.Chips = append(ip.Chips, inboxChip{Label: "全部", Count: in.Total(), URL: all.url("/console/alerts"), Current: iq.Type == ""})
	for _, t := range trail.AlertTypes {
		if in.Counts[t] == 0 && t != iq.Type {
			continue
		}
		cq := all
		cq.Type = t
		ip.Chips = append(ip.Chips, inboxChip{Type: t, Label: trail.AlertTypeNames[t], Count: in.Counts[t], URL: cq.url("/console/alerts"), Current: t == iq.Type})
	}
	ip.Shown = in.Total()
	if iq.Type != "" {
		ip.Shown = in.Counts[iq.Type]
	}
	for _, a := range in.Alerts {
		row := &inboxRow{InboxAlert: a}
		if a.Occasion != nil {
			row.DaysLeft = int(a.Occasion.Date.Start().Sub(today.Start()) / (24 * time.Hour))
		}
		ip.Rows = append(ip.Rows, row)
	}
	if len(ip.Rows) > 0 {
		ip.From, ip.To = f.Offset+1, f.Offset+len(ip.Rows)
	}
	if iq.Page > 1 {
		pq := iq
		pq.Page--
		ip.PrevURL = pq.url("/console/alerts")
	}
	if ip.To < ip.Shown && len(ip.Rows) == inboxPageSize {
		nq := iq
		nq.Page++
		ip.NextURL = nq.url("/console/alerts")
	}
	if ip.CanHandle {
		if ip.Members, err = s.assignees(ctx, v); err != nil {
			return nil, 0, err
		}
	}
	return ip, status, nil
}

// assignees lists whom the visitor may assign an alert to: themselves
// first, then the brand's other enabled members whose role works alerts.
func (s *Server) assignees(ctx context.Context, v *visit) ([]option, error) {
	members, err := s.users.Members(ctx, v.Brand.ID)
	if err != nil {
		return nil, fmt.Errorf("assignees: %w", err)
	}
	out := []option{{Value: "me", Label: "我自己（" + v.User.DisplayName() + "）"}}
	for _, m := range members {
		if m.User.ID == v.User.ID || m.User.DisabledAt != nil || !m.Role.Can(trail.ActionHandleAlerts) {
			continue
		}
		label := m.User.Email
		if m.User.Name != "" {
			label = m.User.Name + "（" + m.User.Email + "）"
		}
		out = append(out, option{Value: m.User.Email, Label: label})
	}
	return out, nil
}

// assignee resolves the assignee a form names: "me", or the e-mail
// address of a member of the brand who may work alerts. It returns a
// message for anyone else.
func (s *Server) assignee(ctx context.Context, v *visit, raw string) (email, msg string, err error) {
	raw = trail.NormalizeEmail(raw)
	if raw == "" {
		return "", "请选择负责人。", nil
	}
	if raw == "me" || raw == v.User.Email {
		return v.User.Email, "", nil
	}
	members, err := s.users.Members(ctx, v.Brand.ID)
	if err != nil {
		return "", "", fmt.Errorf("assignee: %w", err)
	}
	for _, m := range members {
		if m.User.Email == raw && m.User.DisabledAt == nil && m.Role.Can(trail.ActionHandleAlerts) {
			return m.User.Email, "", nil
		}
	}
	return "", "只能分配给本品牌可以处理预警的成员。", nil
}

// handleInbox shows the inbox.
func (s *Server) handleInbox(w http.ResponseWriter, r *http.Request, v *visit) error {
	q := r.URL.Query()
	ip, status, err := s.newInboxPage(r.Context(), v, q)
	if err != nil {
		return err
	}
	ip.Notice = doneNotice(q)
	return s.renderInbox(w, r, v, status, ip)
}

func (s *Server) renderInbox(w http.ResponseWriter, r *http.Request, v *visit, status int, ip *inboxPage) error {
	return s.render(w, r, status, "alerts", &page{Title: "预警处理", V: v, Nav: "alerts", Inbox: ip, Script: jsPath})
}

// handleInboxLive answers the inbox's chips and list alone, for the
// script that refreshes them.
func (s *Server) handleInboxLive(w http.ResponseWriter, r *http.Request, v *visit) error {
	ip, status, err := s.newInboxPage(r.Context(), v, r.URL.Query())
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := s.pages["alerts"].ExecuteTemplate(&buf, "inbox-live", &page{V: v, Inbox: ip}); err != nil {
		return fmt.Errorf("render inbox list: %w", err)
	}
	writePage(w, status, buf.Bytes())
	return nil
}

// An alertOp is what an operator does to an alert.
type alertOp string

const (
	opAck     alertOp = "ack"
	opAssign  alertOp = "assign"
	opResolve alertOp = "resolve"
)

// opVerbs are the Chinese verbs of the operations.
var opVerbs = map[alertOp]string{opAck: "确认", opAssign: "分配", opResolve: "解决"}

// alertInput is what a form gives an operation: the assignee's address
// (already checked) and the resolution's note.
type alertInput struct {
	assignee string
	note     string
}

// readAlertInput reads and checks the form of an operation; it returns a
// message for a form to fill in again.
func (s *Server) readAlertInput(ctx context.Context, v *visit, r *http.Request, op alertOp) (alertInput, string, error) {
	var in alertInput
	switch op {
	case opAck:
		// Acknowledging may also take the alert: "assign to me".
		if r.PostFormValue("assignee") == "me" {
			in.assignee = v.User.Email
		}
	case opAssign:
		email, msg, err := s.assignee(ctx, v, r.PostFormValue("assignee"))
		if msg != "" || err != nil {
			return in, msg, err
		}
		in.assignee = email
	case opResolve:
		in.note = strings.TrimSpace(r.PostFormValue("note"))
		switch n := len([]rune(in.note)); {
		case n < 2:
			return in, "解决预警需要填写处理说明（例如：已联系快递，包裹明天派送）。", nil
		case n > maxResolveNote:
			return in, fmt.Sprintf("处理说明最多 %d 字。", maxResolveNote), nil
		}
	}
	return in, "", nil
}

// alertOperation performs an operation on one of the brand's alerts and
// records it in the audit log, under the alert's order (or batch). The
// store's ENOTFOUND (another brand's or no alert) and ECONFLICT (already
// resolved) pass through, and nothing is recorded for them.
func (s *Server) alertOperation(ctx context.Context, v *visit, id int64, op alertOp, in alertInput) (*trail.Alert, error) {
	var (
		a      *trail.Alert
		err    error
		action string
	)
	switch op {
	case opAck:
		a, err = s.ops.alerts.AcknowledgeAlert(ctx, v.Brand.ID, id, v.User.Email, in.assignee)
		action = trail.AuditAlertAck
	case opAssign:
		a, err = s.ops.alerts.AcknowledgeAlert(ctx, v.Brand.ID, id, v.User.Email, in.assignee)
		action = trail.AuditAlertAssign
	case opResolve:
		a, err = s.ops.alerts.ResolveAlert(ctx, v.Brand.ID, id, v.User.Email, in.note)
		action = trail.AuditAlertResolve
	default:
		return nil, fmt.Errorf("unknown alert operation %q", op)
	}
	if err != nil {
		return nil, err
	}
	what := fmt.Sprintf("预警 #%d「%s」", a.ID, a.TypeName)
	switch {
	case in.assignee != "" && in.assignee == v.User.Email:
		what += "，由本人负责"
	case in.assignee != "":
		what += "，分配给 " + in.assignee
	}
	if in.note != "" {
		what += "：" + in.note
	}
	e := &trail.AuditEntry{BrandID: v.Brand.ID, UserID: v.User.ID, Actor: v.User.Email, Action: action,
		Target: alertTarget(a), Reason: what}
	if err := s.audit.RecordAudit(ctx, e); err != nil {
		return nil, fmt.Errorf("%s alert %d: %w", op, id, err)
	}
	return a, nil
}

// alertTarget names an alert in the audit log by what it is about, so
// that the order page's trail shows its handling: its order, else its
// batch.
func alertTarget(a *trail.Alert) string {
	switch {
	case a.OrderNo != "":
		return trail.AuditTarget("order", a.OrderNo)
	case a.BatchNo != "":
		return trail.AuditTarget("batch", a.BatchNo)
	}
	return trail.AuditTarget("alert", strconv.FormatInt(a.ID, 10))
}

// pathAlertID reads the alert ID of the path; false for anything that is
// not one.
func pathAlertID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

// inboxBack returns the inbox page a form came from, without the notice
// of an earlier action; "/console/alerts" for anything else.
func inboxBack(raw string) string {
	if safeNext(raw) == "" || (raw != "/console/alerts" && !strings.HasPrefix(raw, "/console/alerts?")) {
		return "/console/alerts"
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "/console/alerts"
	}
	iq, _ := parseInboxQuery(u.Query())
	return iq.url("/console/alerts")
}

// withDone adds what an action did to the page it returns to.
func withDone(back string, op alertOp, done, skipped int) string {
	sep := "?"
	if strings.Contains(back, "?") {
		sep = "&"
	}
	return back + sep + url.Values{"done": {string(op)}, "n": {strconv.Itoa(done)}, "skip": {strconv.Itoa(skipped)}}.Encode()
}

// doneNotice says what the last action did, from the query withDone
// wrote.
func doneNotice(q url.Values) string {
	verb := opVerbs[alertOp(q.Get("done"))]
	if verb == "" {
		return ""
	}
	n, _ := strconv.Atoi(q.Get("n"))
	skip, _ := strconv.Atoi(q.Get("skip"))
	var parts []string
	if n > 0 {
		parts = append(parts, fmt.Sprintf("已%s %d 条预警。", verb, n))
	}
	if skip > 0 {
		parts = append(parts, fmt.Sprintf("%d 条预警已解决或已不存在，未更改。", skip))
	}
	return strings.Join(parts, "")
}

func (s *Server) handleInboxAck(w http.ResponseWriter, r *http.Request, v *visit) error {
	return s.inboxAction(w, r, v, opAck)
}

func (s *Server) handleInboxAssign(w http.ResponseWriter, r *http.Request, v *visit) error {
	return s.inboxAction(w, r, v, opAssign)
}

func (s *Server) handleInboxResolve(w http.ResponseWriter, r *http.Request, v *visit) error {
	return s.inboxAction(w, r, v, opResolve)
}

// inboxAction performs an operation on one alert from the inbox and
// returns to the inbox page it came from. Another brand's alert is a 404.
func (s *Server) inboxAction(w http.ResponseWriter, r *http.Request, v *visit, op alertOp) error {
	ctx := r.Context()
	id, ok := pathAlertID(r)
	if !ok {
		return errNotFound
	}
	back := inboxBack(r.PostFormValue("back"))
	in, msg, err := s.readAlertInput(ctx, v, r, op)
	if err != nil {
		return err
	} else if msg != "" {
		return s.inboxRefused(w, r, v, back, msg, nil, "")
	}
	_, err = s.alertOperation(ctx, v, id, op, in)
	switch trail.ErrorCode(err) {
	case "":
		http.Redirect(w, r, withDone(back, op, 1, 0), http.StatusSeeOther)
	case trail.ENOTFOUND:
		return errNotFound
	case trail.ECONFLICT:
		http.Redirect(w, r, withDone(back, op, 0, 1), http.StatusSeeOther)
	default:
		return err
	}
	return nil
}

// inboxRefused shows the inbox page a form came from again with the
// reason it was refused, and what the form held.
func (s *Server) inboxRefused(w http.ResponseWriter, r *http.Request, v *visit, back, msg string, checked map[int64]bool, note string) error {
	u, _ := url.Parse(back)
	ip, _, err := s.newInboxPage(r.Context(), v, u.Query())
	if err != nil {
		return err
	}
	ip.Error, ip.Note = msg, note
	for _, row := range ip.Rows {
		row.Checked = checked[row.ID]
	}
	return s.renderInbox(w, r, v, http.StatusUnprocessableEntity, ip)
}

// handleInboxBulk performs one operation on every checked alert: those
// already resolved are skipped and counted; another brand's IDs are
// counted the same and never touched, and if no ID is the brand's the
// answer is a 404.
func (s *Server) handleInboxBulk(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx := r.Context()
	back := inboxBack(r.PostFormValue("back"))
	op := alertOp(r.PostFormValue("op"))
	if opVerbs[op] == "" {
		return trail.Errorf(trail.EMALFORMED, "未知的批量操作。")
	}
	checked := map[int64]bool{}
	var ids []int64
	for _, raw := range r.PostForm["id"] {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id < 1 {
			return errNotFound
		}
		if !checked[id] {
			checked[id] = true
			ids = append(ids, id)
		}
	}
	note := strings.TrimSpace(r.PostFormValue("note"))
	switch {
	case len(ids) == 0:
		return s.inboxRefused(w, r, v, back, "请先勾选要处理的预警。", checked, note)
	case len(ids) > trail.MaxAlertPage:
		return s.inboxRefused(w, r, v, back, fmt.Sprintf("一次最多处理 %d 条预警。", trail.MaxAlertPage), checked, note)
	}
	in, msg, err := s.readAlertInput(ctx, v, r, op)
	if err != nil {
		return err
	} else if msg != "" {
		return s.inboxRefused(w, r, v, back, msg, checked, note)
	}
	done, skipped, missing := 0, 0, 0
	for _, id := range ids {
		_, err := s.alertOperation(ctx, v, id, op, in)
		switch trail.ErrorCode(err) {
		case "":
			done++
		case trail.ENOTFOUND:
			missing++
		case trail.ECONFLICT:
			skipped++
		default:
			return err
		}
	}
	if missing == len(ids) {
		return errNotFound
	}
	http.Redirect(w, r, withDone(back, op, done, skipped+missing), http.StatusSeeOther)
	return nil
}
