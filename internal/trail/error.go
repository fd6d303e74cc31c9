package trail

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Application error codes. Each maps to one HTTP status and one wire code
// of the API contract (docs/ARCHITECTURE.md §12).
const (
	EMALFORMED    = "malformed"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	ENOTFOUND     = "not_found"
	ECONFLICT     = "conflict"
	ETOOLARGE     = "too_large"
	EINVALID      = "invalid"
	ERATELIMITED  = "rate_limited"
	EINTERNAL     = "internal"
)

// Error is the application error. Message is text a user may see; Field
// names the input that caused it, when there is one.
type Error struct {
	Code    string
	Message string
	Field   string
	Details any
	// RetryAfter, on an ERATELIMITED error, is how long to wait.
	RetryAfter time.Duration
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns an application error with the given code and message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error naming the offending field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of an application error, EINTERNAL for any
// other non-nil error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-visible message of an application error and
// a generic text for any other error, so internals never leak.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// MaxQuoted is how many characters of an input an error message repeats.
const MaxQuoted = 32

// Clip returns s cut to its first MaxQuoted characters, ending with "…"
// when cut: error messages and fields name a bad input without echoing
// all of it.
func Clip[S ~string](s S) string {
	n := 0
	for i := range string(s) {
		if n == MaxQuoted {
			return string(s[:i]) + "…"
		}
		n++
	}
	return string(s)
}

// Quote returns s clipped (see Clip) and quoted, for an error message.
func Quote[S ~string](s S) string { return strconv.Quote(Clip(s)) }
