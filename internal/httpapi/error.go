package httpapi

import (
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// codeMethodNotAllowed is the wire code of a 405 answer. The trail codes
// cover the statuses of docs/ARCHITECTURE.md §12, which has no 405.
const codeMethodNotAllowed = "method_not_allowed"

// internalMessage is all a client learns of an internal error.
const internalMessage = "Internal error."

// statusByCode maps each application error code to its HTTP status.
var statusByCode = map[string]int{
	trail.EMALFORMED:    http.StatusBadRequest,
	trail.EUNAUTHORIZED: http.StatusUnauthorized,
	trail.EFORBIDDEN:    http.StatusForbidden,
	trail.ENOTFOUND:     http.StatusNotFound,
	trail.ECONFLICT:     http.StatusConflict,
	trail.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	trail.EINVALID:      http.StatusUnprocessableEntity,
	trail.ERATELIMITED:  http.StatusTooManyRequests,
	trail.EINTERNAL:     http.StatusInternalServerError,
}

// errorResponse is the JSON body of every error answer.
type errorResponse struct {
	Error errorBody `json:"error"`
}

type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	Details any    `json:"details,omitempty"`
}

// writeError answers a request with err: a trail.Error keeps its code,
// message, field and details, and a rate limit with a RetryAfter sets the
// Retry-After header in whole seconds; anything else is internal and the
// client sees only internalMessage. Server errors are logged, without the
// request body.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var mna *methodNotAllowed
	if errors.As(err, &mna) {
		w.Header().Set("Allow", strings.Join(mna.allow, ", "))
		writeErrorBody(w, http.StatusMethodNotAllowed, errorBody{
			Code:    codeMethodNotAllowed,
			Message: "method " + r.Method + " is not allowed here; allowed: " + strings.Join(mna.allow, ", "),
		})
		return
	}

	code := trail.ErrorCode(err)
	status, ok := statusByCode[code]
	if !ok {
		code, status = trail.EINTERNAL, http.StatusInternalServerError
	}
	body := errorBody{Code: code, Message: internalMessage}
	if status < http.StatusInternalServerError {
		var e *trail.Error
		errors.As(err, &e)
		body.Message, body.Field, body.Details = e.Message, e.Field, e.Details
		if code == trail.ERATELIMITED && e.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds()))))
		}
		if body.Message == "" {
			body.Message = strings.ToLower(http.StatusText(status))
		}
	} else {
		attrs := []slog.Attr{
			slog.String("method", r.Method),
			slog.String("route", r.Pattern),
			slog.String("path", r.URL.Path),
			slog.Int("status", status),
			slog.String("error", err.Error()),
		}
		if b := trail.BrandFromContext(r.Context()); b != nil {
			attrs = append(attrs, slog.Int64("brand_id", b.ID))
		}
		s.logger.LogAttrs(r.Context(), slog.LevelError, "http request failed", attrs...)
	}
	writeErrorBody(w, status, body)
}

// writeErrorBody writes an error answer. Should the details not encode, it
// drops them rather than fail the answer.
func writeErrorBody(w http.ResponseWriter, status int, body errorBody) {
	if err := writeJSON(w, status, errorResponse{body}); err != nil {
		body.Details = nil
		_ = writeJSON(w, status, errorResponse{body})
	}
}
