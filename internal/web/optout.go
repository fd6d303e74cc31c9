package web

import (
	"context"
	"net/http"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// OptOuts records consumers' opt-outs (trail.NotificationService does).
type OptOuts interface {
	// OptOut records that the buyer of an order wants no more messages
	// from the brand. ENOTFOUND if the brand has no such order.
	OptOut(ctx context.Context, brandID, orderID int64) error
}

// handleOptOutForm shows the confirmation of an opt-out link from a
// message: one button, so that a link preview or a scanner following the
// link opts nobody out.
func (s *Server) handleOptOutForm(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, r.URL.Query().Get("lang"), nil)
	if _, _, err := trail.ParseOptOutToken(s.sealer, r.PathValue("token")); err != nil {
		p.Notice = notice{Heading: p.L.T("optout_invalid_title"), Text: p.L.T("optout_invalid_text")}
		p.Title = p.Notice.Heading
		s.render(w, r, http.StatusNotFound, "message", p)
		return
	}
	p.Notice = notice{Heading: p.L.T("optout_title"), Text: p.L.T("optout_text")}
	p.Title = p.Notice.Heading
	p.Form = &form{Action: r.URL.Path, Lang: p.L.code()}
	s.render(w, r, http.StatusOK, "optout", p)
}

// handleOptOut records the opt-out; it holds from the next message on.
func (s *Server) handleOptOut(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, r.FormValue("lang"), nil)
	brandID, orderID, err := trail.ParseOptOutToken(s.sealer, r.PathValue("token"))
	if err == nil {
		err = s.optOuts.OptOut(r.Context(), brandID, orderID)
	}
	switch {
	case trail.ErrorCode(err) == trail.ENOTFOUND:
		p.Notice = notice{Heading: p.L.T("optout_invalid_title"), Text: p.L.T("optout_invalid_text")}
		p.Title = p.Notice.Heading
		s.render(w, r, http.StatusNotFound, "message", p)
		return
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	p.Notice = notice{Heading: p.L.T("optout_done_title"), Text: p.L.T("optout_done_text")}
	p.Title = p.Notice.Heading
	s.render(w, r, http.StatusOK, "message", p)
}
