// Package web serves the consumer tracking pages (docs/ARCHITECTURE.md §9): the
// look-up form of a brand and the order page behind it, and the pages of
// signed tracking links. Pages are rendered on the server from embedded
// templates with one small embedded stylesheet and no JavaScript, so that
// they are fast inside WeChat's browser on a weak phone network.
//
// Every answer carries a strict Content-Security-Policy and the other
// security headers of httpedge.Secure; pages are private and never stored by a cache. The phone
// digits of a look-up travel only in a POST body, and nothing personal is
// logged: errors are logged with the route pattern, never the path (a
// link's path is its token).
package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/bottletrail/bottletrail/internal/httpedge"
	"github.com/bottletrail/bottletrail/internal/trail"
)

//go:embed templates/*.html
var templateFiles embed.FS

// stylesheet is the one stylesheet of every page.
//
//go:embed static/track.css
var stylesheet []byte

// stylesheetAsset serves the stylesheet under a path with its content
// hash, so it can be cached for a year and a new version is a new URL;
// cssPath is that path.
var (
	stylesheetAsset = httpedge.NewAsset("/static/track", ".css", "text/css; charset=utf-8", stylesheet)
	cssPath         = stylesheetAsset.Path
)

// contentSecurityPolicy allows the page's own stylesheet and nothing else:
// no script at all, no inline style, forms posting back only to the server.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// maxFormBytes bounds the body of a look-up form.
const maxFormBytes = 4 << 10

// Config holds what a Server needs. Tracker, Links and Sealer are
// required; the other fields have defaults.
type Config struct {
	// Tracker answers look-ups with the anti-snooping rules. It must be
	// the Tracker the JSON API uses, so that failed attempts count across
	// the page and the API. Its Brands also names the brand on the form.
	Tracker *trail.Tracker

	// Links resolves tracking links; Sealer verifies their tokens and
	// must be the one the API signs them with.
	Links  trail.LinkService
	Sealer trail.Sealer

	// Estimator estimates deliveries; nil means trail.LaneEstimator.
	Estimator trail.Estimator

	// OptOuts records opt-outs from the links in messages; nil leaves
	// the opt-out pages out.
	OptOuts OptOuts

	// ClientIPHeader names a header in which a trusted reverse proxy puts
	// the client's address (such as X-Real-IP), for the look-up limits;
	// of a list, the last entry counts. Empty means the address of the
	// connection, which is right when clients connect directly; behind a
	// proxy it is the proxy's, and all clients share one limit. Never name
	// a header that clients can set themselves.
	ClientIPHeader string

	// Logger receives server errors. Nil discards them.
	Logger *slog.Logger

	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Server serves the tracking pages. Register puts its routes on a mux.
type Server struct {
	tracker   *trail.Tracker
	links     trail.LinkService
	sealer    trail.Sealer
	estimator trail.Estimator
	optOuts   OptOuts
	clientIP  string
	logger    *slog.Logger
	now       func() time.Time
	pages     map[string]*template.Template // by page name: form, order, message, optout
}

// New returns a Server for cfg. It panics if the embedded templates do not
// parse, which the tests rule out.
func New(cfg Config) *Server {
	s := &Server{
		tracker:   cfg.Tracker,
		links:     cfg.Links,
		sealer:    cfg.Sealer,
		estimator: cfg.Estimator,
		optOuts:   cfg.OptOuts,
		clientIP:  cfg.ClientIPHeader,
		logger:    cfg.Logger,
		now:       cfg.Now,
		pages:     map[string]*template.Template{},
	}
	if s.estimator == nil {
		s.estimator = trail.LaneEstimator{}
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	layout := template.Must(template.ParseFS(templateFiles, "templates/layout.html"))
	for _, name := range []string{"form", "order", "message", "optout"} {
		t := template.Must(layout.Clone())
		s.pages[name] = template.Must(t.ParseFS(templateFiles, "templates/"+name+".html"))
	}
	return s
}

// Register adds the server's routes to mux:
//
//	GET  /b/{brand}/track     the look-up form
//	POST /b/{brand}/track     the look-up: the order page, or the form again
//	GET  /t/{token}           the order page of a signed tracking link
//	GET  /n/optout/{token}    the opt-out confirmation of a message's link
//	POST /n/optout/{token}    the opt-out
//	GET  /static/track.<hash>.css
//
// The rest of mux, such as the JSON API at "/", is left to the caller.
func (s *Server) Register(mux *http.ServeMux) {
	routes := map[string]http.Handler{
		"GET /b/{brand}/track":  http.HandlerFunc(s.handleForm),
		"POST /b/{brand}/track": http.HandlerFunc(s.handleLookup),
		"GET /t/{token}":        http.HandlerFunc(s.handleLink),
		"GET " + cssPath:        stylesheetAsset,
	}
	if s.optOuts != nil {
		routes["GET /n/optout/{token}"] = http.HandlerFunc(s.handleOptOutForm)
		routes["POST /n/optout/{token}"] = http.HandlerFunc(s.handleOptOut)
	}
	for pattern, h := range routes {
		mux.Handle(pattern, httpedge.Secure(contentSecurityPolicy, h))
	}
}

// page is what every template renders.
type page struct {
	L      locale
	Title  string
	Brand  *trail.Brand // nil when the page belongs to no known brand
	CSS    string
	Switch langSwitch
	Form   *form               // the look-up form
	View   *trail.ConsumerView // the order
	Notice notice              // the message page
	// AllEvents shows every event of each parcel, not only the newest
	// trail.TimelineShown; More asks for them (a link, or for a look-up
	// result the look-up posted again, as the digits must not go into a
	// link).
	AllEvents bool
	More      langSwitch
}

// Timeline returns the events of a parcel the page shows, newest first.
func (p *page) Timeline(c trail.ConsumerParcel) []trail.ConsumerEvent {
	if p.AllEvents || len(c.Events) <= trail.TimelineShown {
		return c.Events
	}
	return c.Events[:trail.TimelineShown]
}

// HiddenEvents returns how many events of a parcel Timeline leaves out.
func (p *page) HiddenEvents(c trail.ConsumerParcel) int { return len(c.Events) - len(p.Timeline(c)) }

// ShowBuyer reports whether the order page shows the buyer: not in the gift
// view, and not when the buyer is the recipient shown above.
func (p *page) ShowBuyer() bool {
	return p.View.Buyer != nil && *p.View.Buyer != p.View.Recipient
}

// langSwitch offers the page in the other language: a link for a page
// reached by GET, the look-up posted again (Post set) for a result page.
type langSwitch struct {
	Label string
	Lang  string
	Href  string
	Post  *form
}

// form is the state of the look-up form.
type form struct {
	Action string
	By     string // "order" or "tracking"
	Number string
	Last4  string // only ever set to post a successful look-up again
	Lang   string
	Error  string
}

// notice is the text of a message page.
type notice struct{ Heading, Text string }

// newPage starts a page in the request's language; the caller sets its
// title and content.
func (s *Server) newPage(r *http.Request, explicitLang string, brand *trail.Brand) *page {
	l := newLocale(chooseEnglish(explicitLang, r.Header.Get("Accept-Language")), s.now())
	return &page{L: l, Brand: brand, CSS: cssPath,
		Switch: langSwitch{Label: l.T("lang_other"), Lang: l.other(), Href: r.URL.Path + "?lang=" + l.other()}}
}

// render writes a page with the status. It renders into a buffer first, so
// that a template error is still answered with an error page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	var buf bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		s.serverError(w, r, fmt.Errorf("render %s page: %w", name, err))
		return
	}
	writePage(w, status, buf.Bytes())
}

// serverError logs err with the route, never the path or the form, and
// answers a plain error page.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	s.logger.LogAttrs(r.Context(), slog.LevelError, "tracking page failed",
		slog.String("method", r.Method),
		slog.String("route", r.Pattern),
		slog.String("error", err.Error()))
	p := s.newPage(r, r.URL.Query().Get("lang"), nil)
	p.Notice = notice{Heading: p.L.T("error_title"), Text: p.L.T("error_text")}
	p.Title = p.Notice.Heading
	var buf bytes.Buffer
	if s.pages["message"].ExecuteTemplate(&buf, "layout", p) != nil {
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	writePage(w, http.StatusInternalServerError, buf.Bytes())
}

// writePage writes a rendered page: private, never stored by a cache.
func writePage(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Vary", "Accept-Language")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
