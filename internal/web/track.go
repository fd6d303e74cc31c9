package web

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"

	"github.com/bottletrail/bottletrail/internal/httpedge"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// handleForm shows a brand's look-up form; an unknown brand is a 404 page.
func (s *Server) handleForm(w http.ResponseWriter, r *http.Request) {
	lang := r.URL.Query().Get("lang")
	brand, err := s.tracker.Brands.BrandBySlug(r.Context(), r.PathValue("brand"))
	if trail.ErrorCode(err) == trail.ENOTFOUND {
		s.notFound(w, r, lang)
		return
	} else if err != nil {
		s.serverError(w, r, fmt.Errorf("find brand: %w", err))
		return
	}
	p := s.newPage(r, lang, brand)
	p.Title = p.L.T("track_title") + " · " + brand.Name
	p.Form = &form{Action: formAction(brand), By: "order", Lang: p.L.code()}
	s.render(w, r, http.StatusOK, "form", p)
}

// handleLookup answers the look-up form: the order page, or the form again
// with the reason. A wrong answer and an unknown number give the very same
// page and status, 404, and the number is not echoed back, so that the two
// cannot be told apart; past the limit the answer is 429 with Retry-After.
func (s *Server) handleLookup(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.lookupFailed(w, r, &form{By: "order"}, trail.Errorf(trail.EMALFORMED, "parse form: %v", err))
		return
	}
	f := &form{By: r.PostFormValue("by"), Number: r.PostFormValue("number"), Lang: r.PostFormValue("lang")}
	q := trail.TrackQuery{PhoneLast4: r.PostFormValue("phone_last4")}
	if f.By == "tracking" {
		q.TrackingNo = f.Number
	} else {
		f.By, q.OrderNo = "order", f.Number
	}
	brand, g, err := s.tracker.Lookup(r.Context(), r.PathValue("brand"), q, httpedge.ClientAddr(r, s.clientIP))
	if err != nil {
		s.lookupFailed(w, r, f, err)
		return
	}
	p := s.newPage(r, f.Lang, brand)
	// The language switch posts the look-up again, as the digits must not
	// go into a link.
	f.Action, f.Last4 = formAction(brand), q.PhoneLast4
	more := *f
	more.Lang = p.L.code()
	f.Lang = p.L.other()
	p.Switch = langSwitch{Label: p.L.T("lang_other"), Lang: p.L.other(), Post: f}
	p.AllEvents = r.PostFormValue("events") == "all"
	p.More = langSwitch{Post: &more}
	s.renderOrder(w, r, p, g, trail.LookupAudience(g.Order, q))
}

// lookupFailed shows the form again with the reason a look-up failed.
func (s *Server) lookupFailed(w http.ResponseWriter, r *http.Request, f *form, err error) {
	var te *trail.Error
	errors.As(err, &te)
	status, key, args := 0, "", []any(nil)
	switch trail.ErrorCode(err) {
	case trail.EMALFORMED:
		status, key = http.StatusBadRequest, "bad_request"
	case trail.EINVALID:
		status, key = http.StatusUnprocessableEntity, "invalid_"+te.Field
		if _, ok := texts[key]; !ok {
			key = "bad_request"
		}
	case trail.ENOTFOUND:
		status, key = http.StatusNotFound, "not_found"
		f.By, f.Number = "order", ""
	case trail.ERATELIMITED:
		secs := int(math.Ceil(te.RetryAfter.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		status, key, args = http.StatusTooManyRequests, "too_many", []any{(secs + 59) / 60}
		f.By, f.Number = "order", ""
	default:
		s.serverError(w, r, fmt.Errorf("look up order: %w", err))
		return
	}
	brand, err := s.tracker.Brands.BrandBySlug(r.Context(), r.PathValue("brand"))
	if trail.ErrorCode(err) == trail.ENOTFOUND {
		s.notFound(w, r, f.Lang)
		return
	} else if err != nil {
		s.serverError(w, r, fmt.Errorf("find brand: %w", err))
		return
	}
	p := s.newPage(r, f.Lang, brand)
	p.Title = p.L.T("track_title") + " · " + brand.Name
	f.Action, f.Lang, f.Error = formAction(brand), p.L.code(), p.L.T(key, args...)
	p.Form = f
	s.render(w, r, status, "form", p)
}

// handleLink shows the order a signed tracking link points to; a gift link
// hides prices, the buyer and pickup codes. A forged, expired or revoked link is one
// friendly 404 page.
func (s *Server) handleLink(w http.ResponseWriter, r *http.Request) {
	lang := r.URL.Query().Get("lang")
	id, _, err := trail.ParseLinkToken(s.sealer, r.PathValue("token"), s.now())
	if err != nil {
		s.linkInvalid(w, r, lang)
		return
	}
	brand, l, g, err := s.links.OrderByLink(r.Context(), id)
	if trail.ErrorCode(err) == trail.ENOTFOUND {
		s.linkInvalid(w, r, lang)
		return
	} else if err != nil {
		s.serverError(w, r, fmt.Errorf("open link: %w", err))
		return
	}
	audience := trail.AudienceBuyer
	if l.Kind == trail.LinkGift {
		audience = trail.AudienceGift
	}
	p := s.newPage(r, lang, brand)
	more := r.URL.Query()
	more.Set("events", "all")
	p.AllEvents, p.More = r.URL.Query().Get("events") == "all", langSwitch{Href: r.URL.Path + "?" + more.Encode()}
	s.renderOrder(w, r, p, g, audience)
}

// renderOrder renders the order page of g for the audience.
func (s *Server) renderOrder(w http.ResponseWriter, r *http.Request, p *page, g *trail.OrderGraph, audience trail.Audience) {
	now := s.now()
	p.View = trail.NewConsumerView(p.Brand, g, audience, s.estimator.EstimateOrder(g, nil, now), now)
	p.Title = p.L.T("order") + " " + g.Order.OrderNo + " · " + p.Brand.Name
	s.render(w, r, http.StatusOK, "order", p)
}

// linkInvalid is the page of a link that does not work (any more).
func (s *Server) linkInvalid(w http.ResponseWriter, r *http.Request, lang string) {
	p := s.newPage(r, lang, nil)
	p.Notice = notice{Heading: p.L.T("link_invalid_title"), Text: p.L.T("link_invalid_text")}
	p.Title = p.Notice.Heading
	s.render(w, r, http.StatusNotFound, "message", p)
}

// notFound is the page of an unknown brand.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request, lang string) {
	p := s.newPage(r, lang, nil)
	p.Notice = notice{Heading: p.L.T("not_found_title"), Text: p.L.T("not_found_text")}
	p.Title = p.Notice.Heading
	s.render(w, r, http.StatusNotFound, "message", p)
}

// formAction is the address of a brand's look-up form.
func formAction(b *trail.Brand) string { return "/b/" + b.Slug + "/track" }
