package httpapi

import (
	"net/http"
	"strconv"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// alertPage is a page of alerts; next is the cursor of the following page,
// absent on the last.
type alertPage struct {
	Alerts []alertResponse `json:"alerts"`
	Next   string          `json:"next,omitempty"`
}

// alertResponse is an alert with its times in China time.
type alertResponse struct {
	ID             int64             `json:"id"`
	Type           trail.AlertType   `json:"type"`
	TypeName       string            `json:"type_name"`
	Severity       trail.Severity    `json:"severity"`
	Status         trail.AlertStatus `json:"status"`
	OrderNo        string            `json:"order_no,omitempty"`
	Carrier        string            `json:"carrier,omitempty"`
	TrackingNo     string            `json:"tracking_no,omitempty"`
	BatchNo        string            `json:"batch_no,omitempty"`
	Explanation    string            `json:"explanation"`
	Assignee       string            `json:"assignee,omitempty"`
	Note           string            `json:"note,omitempty"`
	OpenedAt       string            `json:"opened_at"`
	AcknowledgedAt string            `json:"acknowledged_at,omitempty"`
	AcknowledgedBy string            `json:"acknowledged_by,omitempty"`
	ResolvedAt     string            `json:"resolved_at,omitempty"`
	ResolvedBy     string            `json:"resolved_by,omitempty"`
	Reopened       int               `json:"reopened,omitempty"`
}

func newAlertResponse(a *trail.Alert) alertResponse {
	return alertResponse{ID: a.ID, Type: a.Type, TypeName: a.TypeName, Severity: a.Severity, Status: a.Status,
		OrderNo: a.OrderNo, Carrier: a.Carrier, TrackingNo: a.TrackingNo, BatchNo: a.BatchNo, Explanation: a.Explanation,
		Assignee: a.Assignee, Note: a.Note, OpenedAt: formatTime(a.OpenedAt), AcknowledgedAt: formatTimePtr(a.AcknowledgedAt),
		AcknowledgedBy: a.AcknowledgedBy, ResolvedAt: formatTimePtr(a.ResolvedAt), ResolvedBy: a.ResolvedBy, Reopened: a.Reopened}
}

func newAlertResponses(as []*trail.Alert) []alertResponse {
	out := make([]alertResponse, len(as))
	for i, a := range as {
		out[i] = newAlertResponse(a)
	}
	return out
}

// defaultAlertPage is the page size when the request names none.
const defaultAlertPage = 50

// handleAlertList answers a page of the brand's alerts, newest first:
// ?status=open|acknowledged|resolved, ?type=, ?order_no=, ?limit=
// (1–200, default 50) and ?before= (the previous page's next).
func (s *Server) handleAlertList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, before, err := pageQuery(r, defaultAlertPage)
	if err != nil {
		return err
	}
	f := trail.AlertFilter{
		Status:  trail.AlertStatus(q.Get("status")),
		Type:    trail.AlertType(q.Get("type")),
		OrderNo: q.Get("order_no"),
		Limit:   limit,
		Before:  before,
	}
	alerts, err := s.alerts.Alerts(r.Context(), brandID(r), f)
	if err != nil {
		return err
	}
	page := alertPage{Alerts: newAlertResponses(alerts)}
	if len(alerts) == f.Limit {
		page.Next = strconv.FormatInt(alerts[len(alerts)-1].ID, 10)
	}
	return writeJSON(w, http.StatusOK, page)
}

// pageQuery reads the paging parameters of a list: ?limit= (def when
// absent; the service checks the range) and ?before=, the next cursor of
// the previous page.
func pageQuery(r *http.Request, def int) (limit int, before int64, err error) {
	q := r.URL.Query()
	limit = def
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil {
			return 0, 0, trail.Invalid("limit", "limit must be a whole number")
		}
	}
	if v := q.Get("before"); v != "" {
		if before, err = strconv.ParseInt(v, 10, 64); err != nil || before < 1 {
			return 0, 0, trail.Invalid("before", "before must be the next cursor of a previous page")
		}
	}
	return limit, before, nil
}

// alertAction is the body of an acknowledgement or a resolution. By names
// the person in the brand's own systems (default "api"); the body may be
// empty.
type alertAction struct {
	By       string `json:"by"`
	Assignee string `json:"assignee"` // ack: assign the alert
	Note     string `json:"note"`     // resolve: how it was handled
}

// maxAlertText bounds the free text of an alert action.
const maxAlertText = 1000

func (s *Server) alertAction(w http.ResponseWriter, r *http.Request) (id int64, a alertAction, err error) {
	id, err = strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, a, trail.Errorf(trail.ENOTFOUND, "No alert %s.", trail.Quote(r.PathValue("id")))
	}
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &a); err != nil {
			return 0, a, err
		}
	}
	if a.By == "" {
		a.By = "api"
	}
	switch {
	case len(a.By) > 100:
		return 0, a, trail.Invalid("by", "by must be at most 100 bytes")
	case len(a.Assignee) > 100:
		return 0, a, trail.Invalid("assignee", "assignee must be at most 100 bytes")
	case len(a.Note) > maxAlertText:
		return 0, a, trail.Invalid("note", "note must be at most %d bytes", maxAlertText)
	case a.By == trail.ResolvedAutomatically:
		return 0, a, trail.Invalid("by", "%s is reserved for alerts that resolve themselves", trail.Quote(a.By))
	}
	return id, a, nil
}

// handleAlertAck acknowledges an open alert (and assigns it, if the body
// names an assignee): 409 if it is resolved.
func (s *Server) handleAlertAck(w http.ResponseWriter, r *http.Request) error {
	id, a, err := s.alertAction(w, r)
	if err != nil {
		return err
	}
	alert, err := s.alerts.AcknowledgeAlert(r.Context(), brandID(r), id, a.By, a.Assignee)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newAlertResponse(alert))
}

// handleAlertResolve resolves an alert by hand, with an optional note: its
// cause will not open it again. 409 if it is already resolved.
func (s *Server) handleAlertResolve(w http.ResponseWriter, r *http.Request) error {
	id, a, err := s.alertAction(w, r)
	if err != nil {
		return err
	}
	alert, err := s.alerts.ResolveAlert(r.Context(), brandID(r), id, a.By, a.Note)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newAlertResponse(alert))
}

// handleAlertRules answers the brand's alert rules, defaults filled in.
func (s *Server) handleAlertRules(w http.ResponseWriter, r *http.Request) error {
	rules, err := s.alerts.AlertRules(r.Context(), brandID(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]trail.AlertRules{"rules": rules})
}

// handleAlertRulePut replaces the brand's rule of one alert type; its open
// orders are evaluated again under it.
func (s *Server) handleAlertRulePut(w http.ResponseWriter, r *http.Request) error {
	t := trail.AlertType(r.PathValue("type"))
	if _, ok := trail.AlertTypeNames[t]; !ok {
		return trail.Errorf(trail.ENOTFOUND, "No alert type %s.", trail.Quote(t))
	}
	var rule trail.AlertRule
	if err := decodeJSON(w, r, &rule); err != nil {
		return err
	}
	if err := s.alerts.PutAlertRule(r.Context(), brandID(r), t, rule); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rule)
}
