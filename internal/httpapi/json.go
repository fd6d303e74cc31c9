package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// MaxBodyBytes bounds a request body; a larger one is answered 413
// too_large.
const MaxBodyBytes = 1 << 20

// maxClockSkew is how far in the future a reported event time may lie before
// it is refused: clocks differ, events do not come from the future.
const maxClockSkew = time.Hour

// writeJSON writes v as the JSON body of an answer with the given status.
// It encodes before writing anything, so an encoding error can still be
// answered; errors writing to the client are not reported, as nothing can be
// done about them.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
	return nil
}

// createdStatus is 201 for a new object and 200 for a replay of an existing
// one.
func createdStatus(created bool) int {
	if created {
		return http.StatusCreated
	}
	return http.StatusOK
}

// decodeJSON reads the request body, a single JSON object of at most
// MaxBodyBytes, into v. The body is read as JSON when it comes without a
// Content-Type (many clients send none), as application/json or a +json
// type, or labelled as a form: `curl -d` labels whatever it sends so unless
// told otherwise, and the API takes nothing but JSON, so such a body must
// be a JSON object all the same. Other types (multipart, text, XML) are
// refused, as are unknown fields, values of the wrong type and anything
// after the object, with an EMALFORMED error that names the problem; a
// body over the limit is ETOOLARGE.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	form := false
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		form = err == nil && mt == "application/x-www-form-urlencoded"
		if !form && (err != nil || mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return trail.Errorf(trail.EMALFORMED, "Content-Type must be application/json (or absent), not %s", trail.Quote(ct))
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return trail.Errorf(trail.ETOOLARGE, "the request body exceeds %d bytes", MaxBodyBytes)
		}
		return fmt.Errorf("read request body: %w", err)
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return trail.Errorf(trail.EMALFORMED, "the request body is empty; it must be a JSON object")
	}
	if trimmed[0] != '{' {
		if form {
			return trail.Errorf(trail.EMALFORMED, "the request body must be a JSON object, not form fields")
		}
		return trail.Errorf(trail.EMALFORMED, "the request body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	end := dec.InputOffset()
	if _, err := dec.Token(); err != io.EOF {
		return trail.Errorf(trail.EMALFORMED, "unexpected data after the JSON object, which ends at byte offset %d", end)
	}
	return nil
}

// decodeError explains a JSON decoding error as an EMALFORMED error.
func decodeError(err error) error {
	var (
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
		timeErr   *time.ParseError
	)
	switch {
	case errors.As(err, &syntaxErr):
		return trail.Errorf(trail.EMALFORMED, "malformed JSON at byte offset %d: %v", syntaxErr.Offset, syntaxErr)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return trail.Errorf(trail.EMALFORMED, "malformed JSON: the body ends inside a value")
	case errors.As(err, &typeErr):
		return &trail.Error{
			Code:    trail.EMALFORMED,
			Field:   trail.Clip(typeErr.Field),
			Message: fmt.Sprintf("field %s must be %s, not %s", trail.Clip(typeErr.Field), jsonKind(typeErr.Type), trail.Clip(typeErr.Value)),
		}
	case errors.As(err, &timeErr):
		return trail.Errorf(trail.EMALFORMED, "%s is not an RFC 3339 time such as 2026-11-29T10:00:00+08:00", trail.Quote(timeErr.Value))
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if u, err := strconv.Unquote(name); err == nil {
			name = u
		}
		return &trail.Error{Code: trail.EMALFORMED, Field: trail.Clip(name), Message: "unknown field " + trail.Quote(name)}
	}
	return trail.Errorf(trail.EMALFORMED, "invalid value in the JSON body: %v", err)
}

// jsonKind names the JSON type that decodes into t.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "an object"
}

// formatTime writes an instant as RFC 3339 in China time, the form of every
// time in an answer.
func formatTime(t time.Time) string {
	return t.In(trail.ChinaTime).Format(time.RFC3339)
}

// formatTimePtr is formatTime for an optional instant; nil gives "".
func formatTimePtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return formatTime(*t)
}

// checkPast refuses an event time further in the future than maxClockSkew.
func (s *Server) checkPast(field string, t time.Time) error {
	if t.After(s.now().Add(maxClockSkew)) {
		return trail.Invalid(field, "%s lies in the future", formatTime(t))
	}
	return nil
}
