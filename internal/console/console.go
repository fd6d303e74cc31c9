// Package console serves the operator console under /console/ (DESIGN.md
// §2, §11): customer-service agents sign in, find any order of their brand
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
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

//go:embed templates/*.html
var templateFiles embed.FS

// stylesheet is the one stylesheet of every console page.
//
//go:embed static/console.css
var stylesheet []byte

// cssPath is where the stylesheet is served; its content hash is in the
// name, so it can be cached for a year.
var cssPath = func() string {
	sum := sha256.Sum256(stylesheet)
	return "/console/static/console." + hex.EncodeToString(sum[:6]) + ".css"
}()

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
	public func(w http.ResponseWriter, r *http.Request)
	authed func(w http.ResponseWriter, r *http.Request, v *visit)
}

// routeTable lists every route of the console. Each authenticated route
// names the one action it performs; the session's role must allow it.
func (s *Server) routeTable() []route {
	open := func(method, pattern string, h func(http.ResponseWriter, *http.Request)) route {
		return route{Route: Route{Method: method, Pattern: pattern}, public: h}
	}
	auth := func(method, pattern string, a trail.Action, h func(http.ResponseWriter, *http.Request, *visit)) route {
		return route{Route: Route{Method: method, Pattern: pattern, Action: a}, authed: h}
	}
	return append([]route{
		open("GET", "/console/login", s.handleLoginForm),
		open("POST", "/console/login", s.handleLogin),
		open("GET", cssPath, s.handleCSS),
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
			h = rt.public
			if rt.Method == http.MethodPost {
				h = s.checkOrigin(h)
			}
		} else {
			h = s.withSession(rt.Action, rt.authed)
		}
		mux.Handle(rt.Method+" "+rt.Pattern, secure(h))
	}
	mux.Handle("/console/", secure(s.handleNotFound))
}

// secure sets the security headers every answer carries.
func secure(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", contentSecurityPolicy)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		h(w, r)
	})
}

// checkOrigin refuses a cross-origin POST (Sec-Fetch-Site, else Origin
// against Host) before the handler runs.
func (s *Server) checkOrigin(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := s.crossOrigin.Check(r); err != nil {
			s.forbidden(w, r, nil, "跨站请求已被拒绝。请在控制台页面内操作。")
			return
		}
		h(w, r)
	}
}

// handleCSS serves the stylesheet, cacheable for a year.
func (s *Server) handleCSS(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/css; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(stylesheet)
}

// handleIndex sends /console/ to the order search, which sends a visitor
// without a session on to the sign-in page.
func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/console/orders", http.StatusSeeOther)
}

// handleNotFound answers any other path under /console/.
func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	s.notFound(w, r, nil)
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
// so that a template error is still answered with an error page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	p.CSS, p.InboxOn = cssPath, s.ops.inboxOn()
	var buf bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		s.serverError(w, r, fmt.Errorf("render %s page: %w", name, err))
		return
	}
	writePage(w, status, buf.Bytes())
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

// message renders a message page.
func (s *Server) message(w http.ResponseWriter, r *http.Request, v *visit, status int, heading, text string) {
	s.render(w, r, status, "message", &page{Title: heading, V: v, Notice: &notice{Heading: heading, Text: text}})
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request, v *visit) {
	s.message(w, r, v, http.StatusNotFound, "未找到", "没有这个页面或订单，或它不属于当前品牌。")
}

func (s *Server) forbidden(w http.ResponseWriter, r *http.Request, v *visit, text string) {
	if text == "" {
		text = "您当前的角色无权执行此操作。如需权限，请联系品牌管理员。"
	}
	s.message(w, r, v, http.StatusForbidden, "无权操作", text)
}

// serverError logs err with the route, never the path or the form (an
// order number or a note may be personal), and answers an error page.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	s.logger.LogAttrs(r.Context(), slog.LevelError, "console request failed",
		slog.String("method", r.Method),
		slog.String("route", r.Pattern),
		slog.String("error", err.Error()))
	var buf bytes.Buffer
	p := &page{Title: "出错了", CSS: cssPath, Notice: &notice{Heading: "出错了", Text: "服务器内部错误，请稍后再试。"}}
	if s.pages["message"].ExecuteTemplate(&buf, "layout", p) != nil {
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	writePage(w, http.StatusInternalServerError, buf.Bytes())
}

// clientAddr returns the address sign-in limits count a client by: the
// last entry of the trusted header if one is named and present, else the
// IP of the connection (the same rule as the API's and the tracking
// pages').
func clientAddr(r *http.Request, header string) string {
	if header != "" {
		if v := r.Header.Values(header); len(v) > 0 {
			list := strings.Split(v[len(v)-1], ",")
			if ip := strings.TrimSpace(list[len(list)-1]); ip != "" {
				return ip
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
