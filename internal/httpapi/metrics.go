package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
	"github.com/prometheus/client_golang/prometheus"
)

// register registers c in reg, or returns the equal collector registered
// before, so that several users of one registry share their metrics. Any
// other registration error is a programming error and panics, as
// prometheus.MustRegister does.
func register[T prometheus.Collector](reg prometheus.Registerer, c T) T {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(T); ok {
				return existing
			}
		}
		panic(err)
	}
	return c
}

// httpMetrics counts requests and their durations by route, method and
// status.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	return &httpMetrics{
		requests: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bottletrail_http_requests_total",
			Help: "HTTP requests served, by route pattern, method and status.",
		}, []string{"route", "method", "status"})),
		duration: register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "bottletrail_http_request_duration_seconds",
			Help:    "Time to serve an HTTP request, by route pattern and method.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "method"})),
	}
}

// observe records one request.
func (m *httpMetrics) observe(route, method string, status int, d time.Duration) {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
	default:
		method = "other" // clients choose methods; labels must stay few
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route, method).Observe(d.Seconds())
}

// maxUnknownCodeSeries bounds the (carrier, code) label pairs of
// bottletrail_unknown_carrier_codes_total: codes come from outside, and
// further new codes are counted under the code "other".
const maxUnknownCodeSeries = 1000

// IngestMetrics counts what the ingestion core did with carrier events:
// bottletrail_tracking_events_total{result="new"|"duplicate"} and
// bottletrail_unknown_carrier_codes_total{carrier,code}. Every path by which
// events enter (manual API, carrier pushes, polling) records its
// trail.IngestResult here. It is safe for concurrent use.
type IngestMetrics struct {
	events       *prometheus.CounterVec
	unknownCodes *prometheus.CounterVec

	mu   sync.Mutex
	seen map[[2]string]bool // (carrier, code) pairs with their own series
}

// NewIngestMetrics returns ingestion metrics registered in reg. Calling it
// again with the same registry shares the counters registered first.
func NewIngestMetrics(reg prometheus.Registerer) *IngestMetrics {
	return &IngestMetrics{
		events: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bottletrail_tracking_events_total",
			Help: "Carrier tracking events ingested, by result: new (stored now) or duplicate (stored before).",
		}, []string{"result"})),
		unknownCodes: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bottletrail_unknown_carrier_codes_total",
			Help: "New tracking events whose raw carrier code no mapping table knows, by carrier and code.",
		}, []string{"carrier", "code"})),
		seen: map[[2]string]bool{},
	}
}

// Record counts the outcome of one call of trail.ShipmentService.Ingest
// for the given carrier code.
func (m *IngestMetrics) Record(carrier string, res *trail.IngestResult) {
	m.events.WithLabelValues("new").Add(float64(res.New))
	m.events.WithLabelValues("duplicate").Add(float64(res.Duplicates))
	carrier = strings.ToValidUTF8(carrier, "\uFFFD")
	for _, code := range res.UnknownCodes {
		m.unknownCodes.WithLabelValues(carrier, m.codeLabel(carrier, strings.ToValidUTF8(code, "\uFFFD"))).Inc()
	}
}

// codeLabel returns code, or "other" once maxUnknownCodeSeries pairs have
// their own series.
func (m *IngestMetrics) codeLabel(carrier, code string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	key := [2]string{carrier, code}
	if !m.seen[key] {
		if len(m.seen) >= maxUnknownCodeSeries {
			return "other"
		}
		m.seen[key] = true
	}
	return code
}
