package sms

import (
	"strings"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// transientCodes did not send the message and may pass later, without any
// change on our side: throttling, quotas and the account's balance, a
// reused nonce or a skewed clock.
var transientCodes = map[string]bool{
	"isv.BUSINESS_LIMIT_CONTROL": true, // per-number flow control
	"isv.DAY_LIMIT_CONTROL":      true, // the account's daily cap
	"isv.MONTH_LIMIT_CONTROL":    true,
	"isv.AMOUNT_NOT_ENOUGH":      true, // the balance, topped up by ops
	"isv.OUT_OF_SERVICE":         true,
	"Throttling":                 true,
	"Throttling.User":            true,
	"Throttling.Api":             true,
	"ServiceUnavailable":         true,
	"SignatureNonceUsed":         true,
	"InvalidTimeStamp.Expired":   true,
}

// Classify says what a SendSms answer with a code other than OK means,
// and how long to wait before a retry when that can be told:
//
//   - transient (transientCodes): the message was not sent; retry later.
//     Flow control waits for its window (分钟级 a minute, 小时级 an hour,
//     天级 a day), a daily cap for the next China-time day.
//   - unclear: isp.* (but isp.RAM_PERMISSION_DENY) and InternalError are
//     Aliyun's own failures, after which the message may have gone out;
//     check Delivered first.
//   - permanent: every other code, isv.* (a bad number, a rejected
//     template or signature, bad parameters, blacklisted, forbidden
//     content) and the gateway's refusals (SignatureDoesNotMatch,
//     InvalidAccessKeyId.NotFound, MissingParameter): the same request
//     cannot succeed until someone fixes it.
func Classify(code, message string, now time.Time) (trail.FailureKind, time.Duration) {
	switch {
	case transientCodes[code]:
		return trail.Transient, retryAfter(code, message, now)
	case code == "isp.RAM_PERMISSION_DENY": // the RAM user lacks the SMS permission
		return trail.Permanent, 0
	case strings.HasPrefix(code, "isp.") || code == "InternalError" || code == "UnknownError":
		return trail.Unclear, 0
	}
	return trail.Permanent, 0
}

// retryAfter returns the wait a transient code implies.
func retryAfter(code, message string, now time.Time) time.Duration {
	switch code {
	case "isv.BUSINESS_LIMIT_CONTROL":
		switch {
		case strings.Contains(message, "分钟级"):
			return time.Minute
		case strings.Contains(message, "天级"):
			return 24 * time.Hour
		}
		return time.Hour
	case "isv.DAY_LIMIT_CONTROL":
		return civil(now).AddDate(0, 0, 1).Sub(now)
	}
	return 0
}
