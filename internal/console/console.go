// Package console serves the operator console under /console/ (docs/ARCHITECTURE.md
// §10): customer-service agents sign in, find any order of their brand
// in seconds and read its whole story; admins read the audit log.
//
// Pages are rendered on the server from embedded templates with embedded
// stylesheets, under a strict Content-Security-Policy; the alert inbox
// alone adds a small embedded script that refreshes its list. Sessions
// live in an HttpOnly, SameSite=Lax cookie scoped to /console, end after
// SessionIdleTimeout idle or SessionMaxAge in all, and every POST carries
// a per-session CSRF token and passes a cross-origin check. Every handler
// names the trail.Action it performs and is refused to a role that may
// not; every query is scoped to the session's brand, so another brand's
// order is a plain 404.
//
// Seams for what comes next: the alert inbox, order actions (resend a
// link, re-poll a parcel, correct a carrier) and the settings screens each
// add routes to routeTable with their action, a nav entry in the layout,
// and sections of the order page.
package console

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/bottletrail/bottletrail/internal/httpedge"
	"github.com/bottletrail/bottletrail/internal/trail"
)

//go:embed templates/*.html
var templateFiles embed.FS

// stylesheet is the one stylesheet of every console page.
//
//go:embed static/console.css
var stylesheet []byte

// stylesheetAsset serves the stylesheet under a path with its content
// hash, cacheable for a year; cssPath is that path.
var (
	stylesheetAsset = httpedge.NewAsset("/console/static/console", ".css", "text/css; charset=utf-8", stylesheet)
	cssPath         = stylesheetAsset.Path
)

// contentSecurityPolicy allows the console's own stylesheet and scripts
// (the inbox's, fetching from the console) and nothing else: no inline
// script or style, forms posting only to the console.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// maxFormBytes bounds the body of every console form.
const maxFormBytes = 16 << 10

// RevealTTL is how long personal data revealed with a reason stays
// visible to the operator who revealed it.
const RevealTTL = 10 * time.Minute

// Sign-in limits. Failed attempts count per client address and e-mail
// address, and per client address, within LoginWindow, so that a
// stranger's wrong passwords hold back only the stranger; the right
// password from elsewhere still signs in until the e-mail address has had
// MaxFailedLoginsPerAccount failures from anywhere within AccountWindow (a
// ceiling on guessing from many addresses, which then holds everyone
// back).
const (
	MaxFailedLoginsPerEmail   = 5 // per client and e-mail address, within LoginWindow
	MaxFailedLoginsPerClient  = 20
	LoginWindow               = 15 * time.Minute
	MaxFailedLoginsPerAccount = 50
	AccountWindow             = time.Hour
)

// Config holds what a Server needs. All services and the limiter are
// required.
type Config struct {
	Users    trail.UserService
	Sessions trail.SessionService
	Audit    trail.AuditService
	Orders   trail.OrderService
	Search   trail.OrderSearchService

	// Limiter throttles failed sign-ins (see MaxFailedLoginsPerEmail). An
	// in-memory limiter holds per process: with several replicas, the
	// limits multiply by their number.
	Limiter trail.AttemptLimiter

	// Estimator estimates deliveries on the order page; nil means
	// trail.LaneEstimator.
	Estimator trail.Estimator

	// Carriers, Alerts, Webhooks and APIKeys serve the admins' settings
	// under /console/settings (settings.go); without all four the console
	// has no settings.
	Carriers trail.CarrierService
	Alerts   trail.AlertService
	Webhooks trail.WebhookService
	APIKeys  trail.APIKeyService

	// Notify adds the notification settings (quiet hours, channel
	// accounts, templates) to the settings (settings_notify.go); nil
	// leaves them out.
	Notify trail.NotificationService

	// Brands adds the brand's service contact, shown to consumers beside a
	// parcel's problem, to the settings (settings_service.go); nil leaves
	// it out.
	Brands trail.BrandService

	// PasswordParams are the argon2id costs of passwords set in the
	// settings; zero means DefaultPasswordParams.
	PasswordParams PasswordParams

	// Inbox, with Alerts, serves the alert inbox under /console/alerts and
	// the alerts of the order page (inbox.go); without both there is none.
	// Links with Sealer hand out tracking links, Tracking re-subscribes
	// parcels and Carriers corrects carrier codes on the order page
	// (actions.go); the page offers each action only with its services.
	Inbox    trail.AlertInbox
	Links    trail.LinkService
	Sealer   trail.Sealer
	Tracking trail.TrackingService

	// InboxPoll is how often an open inbox asks for new alerts; 0 means
	// DefaultInboxPoll.
	InboxPoll time.Duration

	// ClientIPHeader names a header in which a trusted reverse proxy puts
	// the client's address, as for the API; empty means the peer address.
	ClientIPHeader string

	// PublicURL is the console's address as browsers reach it, such as
	// https://ops.example.com. Its origin is trusted by the cross-origin
	// check even when a proxy rewrites the Host header. Optional.
	PublicURL string

	// SecureCookie marks the session cookie Secure even on plain HTTP, for
	// a server behind a proxy that terminates TLS. On TLS it always is.
	SecureCookie bool

	// Logger receives server errors. Nil discards them.
	Logger *slog.Logger

	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Server is the operator console. Register puts its routes on a mux.
type Server struct {
	users         trail.UserService
	sessions      trail.SessionService
	audit         trail.AuditService
	orders        trail.OrderService
	search        trail.OrderSearchService
	signInLimiter trail.AttemptLimiter
	estimator     trail.Estimator
	clientIP      string
	secureCookie  bool
	logger        *slog.Logger
	now           func() time.Time
	crossOrigin   *http.CrossOriginProtection
	pages         map[string]*template.Template
	settings      *settings  // nil without the settings' services
	ops           operations // the inbox's and the order actions' services
}

// New returns a Server for cfg. It panics if a required field is nil or
// the embedded templates do not parse, which the tests rule out.
func New(cfg Config) *Server {
	if cfg.Users == nil || cfg.Sessions == nil || cfg.Audit == nil || cfg.Orders == nil || cfg.Search == nil ||
		cfg.Limiter == nil {
		panic("console: Config needs every service and the limiter")
	}
	s := &Server{
		users:         cfg.Users,
		sessions:      cfg.Sessions,
		audit:         cfg.Audit,
		orders:        cfg.Orders,
		search:        cfg.Search,
		signInLimiter: cfg.Limiter,
		estimator:     cfg.Estimator,
		clientIP:      cfg.ClientIPHeader,
		secureCookie:  cfg.SecureCookie,
		logger:        cfg.Logger,
		now:           cfg.Now,
		crossOrigin:   http.NewCrossOriginProtection(),
		pages:         map[string]*template.Template{},
	}
	if u, err := url.Parse(cfg.PublicURL); err == nil && u.Scheme != "" && u.Host != "" {
		if err := s.crossOrigin.AddTrustedOrigin(u.Scheme + "://" + u.Host); err != nil {
			panic("console: PublicURL: " + err.Error())
		}
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
	layout := template.Must(template.New("layout").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html"))
	for _, name := range []string{"login", "orders", "order", "audit", "message"} {
		t := template.Must(layout.Clone())
		s.pages[name] = template.Must(t.ParseFS(templateFiles, "templates/"+name+".html"))
	}
	s.settings = newSettings(cfg, layout, s.pages)
	s.ops = newOperations(cfg, layout, s.pages)
	return s
}

// Route is one route of the console and the action it performs; an empty
// Action means the route needs no session.
type Route struct {
	Method  string
	Pattern string
	Action  trail.Action
}

// route is a Route with its handler.
type route struct {
	Route
	public openHandler
	authed authedHandler
}

// routeTable lists every route of the console. Each authenticated route
// names the one action it performs; the session's role must allow it.
func (s *Server) routeTable() []route {
	open := func(method, pattern string, h openHandler) route {
		return route{Route: Route{Method: method, Pattern: pattern}, public: h}
	}
	auth := func(method, pattern string, a trail.Action, h authedHandler) route {
		return route{Route: Route{Method: method, Pattern: pattern, Action: a}, authed: h}
	}
	return append([]route{
		open("GET", "/console/login", s.handleLoginForm),
		open("POST", "/console/login", s.handleLogin),
		open("GET", cssPath, serveAsset(stylesheetAsset)),
		open("GET", "/console/{$}", s.handleIndex),

		// Signing out and switching brands are open to every role.
		auth("POST", "/console/logout", "", s.handleLogout),
		auth("POST", "/console/brand", "", s.handleSwitchBrand),

		auth("GET", "/console/orders", trail.ActionViewOrders, s.handleOrders),
		auth("GET", "/console/orders/{order_no}", trail.ActionViewOrders, s.handleOrder),
		auth("POST", "/console/orders/{order_no}/notes", trail.ActionAddNote, s.handleAddNote),
		auth("POST", "/console/orders/{order_no}/reveal", trail.ActionRevealPII, s.handleReveal),

		auth("GET", "/console/audit", trail.ActionViewAudit, s.handleAudit),
	}, slices.Concat(s.settingsRoutes(), s.inboxRoutes(), s.actionRoutes())...)
}

// Routes lists the console's routes with their actions.
func (s *Server) Routes() []Route {
	var out []Route
	for _, rt := range s.routeTable() {
		out = append(out, rt.Route)
	}
	return out
}

// Register adds the console's routes to mux, and a catch-all that answers
// any other path under /console/ with the console's own 404 page.
func (s *Server) Register(mux *http.ServeMux) {
	for _, rt := range s.routeTable() {
		var h http.HandlerFunc
		if rt.public != nil {
			h = s.open(rt.Method, rt.public)
		} else {
			h = s.withSession(rt.Action, rt.authed)
		}
		mux.Handle(rt.Method+" "+rt.Pattern, httpedge.Secure(contentSecurityPolicy, h))
	}
	mux.Handle("/console/", httpedge.Secure(contentSecurityPolicy, s.open(http.MethodGet, s.handleNotFound)))
}

// open runs h for a route that needs no session, answering its error;
// a POST must pass the cross-origin check (Sec-Fetch-Site, else Origin
// against Host) before h runs.
func (s *Server) open(method string, h openHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var err error
		if method == http.MethodPost && s.crossOrigin.Check(r) != nil {
			err = errCrossOrigin
		} else {
			err = h(w, r)
		}
		if err != nil {
			s.fail(w, r, nil, err)
		}
	}
}

// serveAsset serves an embedded file of the console (httpedge.Asset).
func serveAsset(a *httpedge.Asset) openHandler {
	return func(w http.ResponseWriter, r *http.Request) error {
		a.ServeHTTP(w, r)
		return nil
	}
}

// handleIndex sends /console/ to the order search, which sends a visitor
// without a session on to the sign-in page.
func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) error {
	http.Redirect(w, r, "/console/orders", http.StatusSeeOther)
	return nil
}

// handleNotFound answers any other path under /console/.
func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) error {
	return errNotFound
}

// page is what every template renders.
type page struct {
	Title string
	CSS   string
	V     *visit // nil on the sign-in page and for visitors without a session
	Nav   string // the current section: orders, audit

	Login  *loginForm
	Search *searchPage
	Order  *orderPage
	Audit  *auditPage
	Notice *notice

	Settings *settingsPage

	Inbox   *inboxPage
	Story   *orderStory // the order page's alerts, estimates and actions
	Script  string      // the page's one script, if any
	InboxOn bool        // the console has an alert inbox
}

// notice is the text of a message page.
type notice struct{ Heading, Text string }

// render writes a page with the status. It renders into a buffer first,
// so that a template error answers nothing and is returned.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) error {
	p.CSS, p.InboxOn = cssPath, s.ops.inboxOn()
	var buf bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		return fmt.Errorf("render %s page: %w", name, err)
	}
	writePage(w, status, buf.Bytes())
	return nil
}

// writePage writes a rendered page: private, never stored by a cache.
func writePage(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
