// Package httpapi serves the brand JSON API under /api/v1/ (docs/ARCHITECTURE.md §12)
// and the operational endpoints /healthz, /readyz and /metrics, on the
// standard net/http ServeMux.
//
// Every route is listed in one table (see Server.Routes). Handlers parse
// input, call a trail service with the authenticated brand's ID and render
// a response; an error they return is mapped to a status and a JSON body
// {"error":{"code","message","field","details"}} in one place.
package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bottletrail/bottletrail/internal/httpedge"
	"github.com/bottletrail/bottletrail/internal/trail"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Config holds what a Server needs. The services are required (Links,
// Sealer and Tracker by the link and public track routes only); the other
// fields have defaults.
type Config struct {
	Brands     trail.BrandService
	Catalog    trail.CatalogService
	Orders     trail.OrderService
	Production trail.ProductionService
	Shipments  trail.ShipmentService
	Carriers   trail.CarrierService
	Alerts     trail.AlertService
	Lanes      trail.LaneService
	Notify     trail.NotificationService

	// Audit, if set, records every change made through the API with an
	// API key (every successful call but a GET) in the brand's audit log.
	Audit    trail.AuditService
	Webhooks trail.WebhookService

	// Providers serve the push receivers, by provider name.
	Providers map[string]trail.Provider

	// Links issues and revokes tracking links; Sealer signs their tokens
	// and must be the one the tracking pages verify them with.
	Links  trail.LinkService
	Sealer trail.Sealer

	// Tracker answers consumers' look-ups on the public track route. Give
	// the tracking pages the same Tracker, so that failed attempts count
	// across the page and the API.
	Tracker *trail.Tracker

	// Estimator estimates deliveries in consumer views; nil means
	// trail.LaneEstimator.
	Estimator trail.Estimator

	// ClientIPHeader names a header in which a trusted reverse proxy puts
	// the client's address (such as X-Real-IP), for the consumer look-up
	// limits; of a list, the last entry counts. Empty means the address
	// of the connection, which is right when clients connect directly;
	// behind a proxy it is the proxy's, and all clients share one limit.
	// Never name a header that clients can set themselves.
	ClientIPHeader string

	// PublicURL is the server's address as providers and consumers reach
	// it, for the callback URLs of carrier accounts and the URLs of
	// tracking links (e.g. https://track.example.com).
	PublicURL string

	// Ping checks the dependencies /readyz reports on, such as the
	// database. Nil means always ready.
	Ping func(context.Context) error

	// Logger receives server errors (5xx) and recovered panics. Nil
	// discards them.
	Logger *slog.Logger

	// Registry holds the server's metrics and is what /metrics serves. Nil
	// means a fresh registry of the server's own.
	Registry *prometheus.Registry

	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Server is the HTTP API. It implements http.Handler.
type Server struct {
	brands     trail.BrandService
	catalog    trail.CatalogService
	orders     trail.OrderService
	production trail.ProductionService
	shipments  trail.ShipmentService
	carriers   trail.CarrierService
	alerts     trail.AlertService
	lanes      trail.LaneService
	notify     trail.NotificationService
	audit      trail.AuditService
	webhooks   trail.WebhookService
	providers  map[string]trail.Provider
	links      trail.LinkService
	sealer     trail.Sealer
	tracker    *trail.Tracker
	estimator  trail.Estimator
	clientIP   string // ClientIPHeader
	publicURL  string
	ping       func(context.Context) error
	logger     *slog.Logger
	now        func() time.Time

	mux      *http.ServeMux
	routes   []route
	patterns map[string]bool // every registered mux pattern, "GET /healthz"
	metrics  http.Handler
	http     *httpMetrics
	ingest   *IngestMetrics
	pushes   *prometheus.CounterVec
}

// Route describes one route of the server.
type Route struct {
	Method  string // "GET", "POST", ...
	Pattern string // ServeMux path pattern, such as "/api/v1/orders/{order_no}"
	Auth    bool   // whether it needs a brand API key
}

// handlerFunc is a handler that returns its error instead of writing it.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

type route struct {
	Route
	handle handlerFunc
}

// New returns a Server for cfg and registers its metrics in cfg.Registry.
func New(cfg Config) *Server {
	s := &Server{
		brands:     cfg.Brands,
		catalog:    cfg.Catalog,
		orders:     cfg.Orders,
		production: cfg.Production,
		shipments:  cfg.Shipments,
		carriers:   cfg.Carriers,
		alerts:     cfg.Alerts,
		lanes:      cfg.Lanes,
		notify:     cfg.Notify,
		audit:      cfg.Audit,
		webhooks:   cfg.Webhooks,
		providers:  cfg.Providers,
		links:      cfg.Links,
		sealer:     cfg.Sealer,
		tracker:    cfg.Tracker,
		estimator:  cfg.Estimator,
		clientIP:   cfg.ClientIPHeader,
		publicURL:  strings.TrimRight(cfg.PublicURL, "/"),
		ping:       cfg.Ping,
		logger:     cfg.Logger,
		now:        cfg.Now,
		mux:        http.NewServeMux(),
		patterns:   map[string]bool{},
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.estimator == nil {
		s.estimator = trail.LaneEstimator{}
	}
	reg := cfg.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	s.metrics = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	s.http = newHTTPMetrics(reg)
	s.ingest = NewIngestMetrics(reg)
	s.pushes = register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "bottletrail_carrier_pushes_total",
		Help: "Carrier pushes received, by provider and result: accepted, or the reason for refusing it.",
	}, []string{"provider", "result"}))
	s.registerRoutes()
	return s
}

// routeTable lists every route of the server.
func (s *Server) routeTable() []route {
	api := func(method, pattern string, h handlerFunc) route {
		return route{Route{Method: method, Pattern: pattern, Auth: true}, h}
	}
	open := func(method, pattern string, h handlerFunc) route {
		return route{Route{Method: method, Pattern: pattern}, h}
	}
	return []route{
		open("GET", "/healthz", s.handleHealth),
		open("GET", "/readyz", s.handleReady),
		open("GET", "/metrics", s.handleMetrics),
		open("GET", "/api/v1/openapi.yaml", s.handleOpenAPI),

		api("PUT", "/api/v1/skus/{sku}", s.handleSKUPut),

		api("POST", "/api/v1/orders", s.handleOrderCreate),
		api("GET", "/api/v1/orders/{order_no}", s.handleOrderView),

		api("POST", "/api/v1/orders/{order_no}/links", s.handleLinkCreate),
		api("DELETE", "/api/v1/links/{id}", s.handleLinkRevoke),

		api("POST", "/api/v1/orders/{order_no}/shipments", s.handleShipmentCreate),
		api("POST", "/api/v1/shipments/{carrier}/{tracking_no}/events", s.handleShipmentEvents),

		api("POST", "/api/v1/batches", s.handleBatchCreate),
		api("POST", "/api/v1/batches/{batch_no}/events", s.handleBatchEvent),

		api("PUT", "/api/v1/carrier-accounts/{provider}", s.handleCarrierAccountPut),
		api("GET", "/api/v1/carrier-accounts", s.handleCarrierAccountList),
		api("PUT", "/api/v1/carriers/{carrier}", s.handleCompliancePut),
		api("GET", "/api/v1/carriers/detect", s.handleCarrierDetect),

		api("GET", "/api/v1/alerts", s.handleAlertList),
		api("POST", "/api/v1/alerts/{id}/ack", s.handleAlertAck),
		api("POST", "/api/v1/alerts/{id}/resolve", s.handleAlertResolve),
		api("GET", "/api/v1/alert-rules", s.handleAlertRules),
		api("PUT", "/api/v1/alert-rules/{type}", s.handleAlertRulePut),
		api("GET", "/api/v1/lanes", s.handleLaneList),

		api("GET", "/api/v1/service-contact", s.handleServiceContact),
		api("PUT", "/api/v1/service-contact", s.handleServiceContactPut),

		api("GET", "/api/v1/notification-settings", s.handleNotifySettings),
		api("PUT", "/api/v1/notification-settings", s.handleNotifySettingsPut),
		api("PUT", "/api/v1/notification-channels/{channel}", s.handleNotifyChannelPut),
		api("GET", "/api/v1/notification-templates", s.handleTemplates),
		api("PUT", "/api/v1/notification-templates/{kind}", s.handleTemplatePut),
		api("POST", "/api/v1/notification-templates/{kind}/preview", s.handleTemplatePreview),
		api("GET", "/api/v1/deliveries", s.handleDeliveries),
		api("POST", "/api/v1/deliveries/{id}/replay", s.handleDeliveryReplay),
		api("POST", "/api/v1/deliveries/replay", s.handleDeliveriesReplay),

		api("POST", "/api/v1/webhooks", s.handleWebhookCreate),
		api("GET", "/api/v1/webhooks", s.handleWebhookList),
		api("DELETE", "/api/v1/webhooks/{id}", s.handleWebhookDelete),
		api("POST", "/api/v1/webhooks/{id}/rotate", s.handleWebhookRotate),

		open("POST", "/api/v1/public/{brand}/track", s.handlePublicTrack),

		open("POST", "/hooks/{provider}/{brand}", s.handleHook),
	}
}

// registerRoutes registers every route of the route table on the mux.
func (s *Server) registerRoutes() {
	s.routes = s.routeTable()
	for _, rt := range s.routes {
		pattern := rt.Method + " " + rt.Pattern
		s.patterns[pattern] = true
		s.mux.Handle(pattern, s.adapt(rt))
	}
}

// Routes returns every route the server serves, in the order registered.
func (s *Server) Routes() []Route {
	out := make([]Route, len(s.routes))
	for i, rt := range s.routes {
		out[i] = rt.Route
	}
	return out
}

// adapt turns a route into an http.Handler: it authenticates the brand
// where the route needs one and writes the handler's error.
func (s *Server) adapt(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt.Auth {
			b, err := s.authenticate(w, r)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			r = r.WithContext(trail.NewContextWithBrand(r.Context(), b))
		}
		if err := rt.handle(w, r); err != nil {
			s.writeError(w, r, err)
			return
		}
		if rt.Auth && r.Method != http.MethodGet {
			s.auditChange(r, rt)
		}
	})
}

// auditChange records a change made with an API key in the brand's audit
// log: the route, and the order it concerns when the route names one. A
// failure to record is logged: the change is made and answered already.
func (s *Server) auditChange(r *http.Request, rt route) {
	if s.audit == nil {
		return
	}
	target := trail.AuditTarget("api", r.URL.Path)
	if no := r.PathValue("order_no"); no != "" {
		target = trail.AuditTarget("order", no)
	}
	e := &trail.AuditEntry{BrandID: brandID(r), Actor: "api", Action: trail.AuditAPIChange,
		Target: truncateRunes(target, 200), Reason: rt.Method + " " + rt.Pattern}
	if err := s.audit.RecordAudit(r.Context(), e); err != nil {
		s.logger.Error("audit of an API change failed", "route", rt.Method+" "+rt.Pattern, "error", err)
	}
}

// truncateRunes cuts s to at most n bytes on a character boundary.
func truncateRunes(s string, n int) string {
	for len(s) > n {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}

// contentSecurityPolicy is the API's: its answers are JSON, YAML and
// metrics, nothing a browser should run, load or frame.
const contentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'"

// ServeHTTP serves a request: it sets the security headers, routes the
// request, answers unknown routes and wrong methods in JSON, recovers from
// panics and records the request's metrics.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.now()
	h := w.Header()
	httpedge.SetSecurityHeaders(h, contentSecurityPolicy)
	if strings.HasPrefix(r.URL.Path, "/api/") {
		h.Set("Cache-Control", "no-store")
	}
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.logger.LogAttrs(r.Context(), slog.LevelError, "http handler panicked",
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.String("panic", fmt.Sprint(v)),
				slog.String("stack", string(debug.Stack())))
			if !sw.wroteHeader {
				writeErrorBody(sw, http.StatusInternalServerError, errorBody{Code: trail.EINTERNAL, Message: internalMessage})
			}
		}
		s.http.observe(s.routeLabel(r), r.Method, sw.statusCode(), s.now().Sub(start))
	}()
	if _, pattern := s.mux.Handler(r); pattern == "" {
		s.writeError(sw, r, s.notRouted(r))
		return
	}
	s.mux.ServeHTTP(sw, r)
}

// routeLabel names the route that served r for metrics: its path pattern,
// or "unmatched", so that labels stay few whatever paths clients send.
func (s *Server) routeLabel(r *http.Request) string {
	if !s.patterns[r.Pattern] {
		return "unmatched"
	}
	_, path, _ := strings.Cut(r.Pattern, " ")
	return path
}

// methodNotAllowed is the error for a known path requested with a method it
// does not serve.
type methodNotAllowed struct{ allow []string }

func (e *methodNotAllowed) Error() string {
	return "method not allowed; allowed: " + strings.Join(e.allow, ", ")
}

// notRouted explains why no route serves r: the path is unknown (ENOTFOUND)
// or it is served for other methods (*methodNotAllowed).
func (s *Server) notRouted(r *http.Request) error {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.WithContext(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		return &methodNotAllowed{allow: allow}
	}
	return trail.Errorf(trail.ENOTFOUND, "no route for %s %s", trail.Clip(r.Method), trail.Quote(r.URL.Path))
}

// statusWriter remembers the status written through it.
type statusWriter struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (w *statusWriter) WriteHeader(status int) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = status, true
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = http.StatusOK, true
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) statusCode() int {
	if !w.wroteHeader {
		return http.StatusOK
	}
	return w.status
}

// handleHealth reports that the process is up.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
	return nil
}

// handleReady reports whether the server's dependencies answer: 200, or 503
// with a JSON error.
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) error {
	if s.ping != nil {
		if err := s.ping(r.Context()); err != nil {
			s.logger.LogAttrs(r.Context(), slog.LevelWarn, "not ready", slog.String("error", err.Error()))
			writeErrorBody(w, http.StatusServiceUnavailable, errorBody{Code: trail.EINTERNAL, Message: "not ready"})
			return nil
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ready\n"))
	return nil
}

// handleMetrics serves the Prometheus metrics of the registry.
func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) error {
	s.metrics.ServeHTTP(w, r)
	return nil
}

// brandID returns the ID of the brand the request authenticated as. Only
// routes marked Auth may call it; it panics elsewhere.
func brandID(r *http.Request) int64 {
	b := trail.BrandFromContext(r.Context())
	if b == nil {
		panic("httpapi: brandID called on a route without authentication")
	}
	return b.ID
}
