package trail

import (
	"context"
	"time"
)

// AttemptLimiter bounds failed attempts per key within a window.
type AttemptLimiter interface {
	// Allow reports whether every key may try again at now, and if not,
	// how long until one may.
	Allow(now time.Time, keys ...string) (ok bool, retryAfter time.Duration)
	// Fail records a failed attempt under each key.
	Fail(now time.Time, keys ...string)
}

// Consumer look-up limits: failed attempts per client address and per
// order (or tracking) number within LookupWindow.
const (
	MaxFailedLookups = 5
	LookupWindow     = 15 * time.Minute
)

// Tracker answers consumers' look-ups with the anti-snooping rules, the
// same for the tracking page and the JSON API so that limits hold across
// both: a wrong answer and an order that does not exist look alike, and
// failed attempts are limited per client address and per number.
type Tracker struct {
	Brands  BrandService
	Links   LinkService
	Limiter AttemptLimiter
	Now     func() time.Time
}

// Lookup finds the order a consumer asks for. client identifies the
// consumer's address. EINVALID for a malformed query, ERATELIMITED (with
// RetryAfter) past the limit, and one uniform ENOTFOUND for an unknown
// brand, an unknown number or wrong digits.
func (t *Tracker) Lookup(ctx context.Context, brandSlug string, q TrackQuery, client string) (*Brand, *OrderGraph, error) {
	q.Normalize()
	if err := q.Validate(); err != nil {
		return nil, nil, err
	}
	number := OrderNoKey(q.OrderNo) // one count for WX1 and wx1
	if number == "" {
		number = "t:" + q.TrackingNo
	}
	keys := []string{"client:" + client, "number:" + brandSlug + "/" + number}
	now := t.Now()
	if ok, wait := t.Limiter.Allow(now, keys...); !ok {
		return nil, nil, &Error{Code: ERATELIMITED, RetryAfter: wait,
			Message: "尝试次数过多，请稍后再试 / Too many attempts; try again later."}
	}
	notFound := Errorf(ENOTFOUND, "未找到订单，请核对单号和手机号后四位 / No order matches this number and phone digits.")
	brand, err := t.Brands.BrandBySlug(ctx, brandSlug)
	if ErrorCode(err) == ENOTFOUND {
		t.Limiter.Fail(now, keys...)
		return nil, nil, notFound
	} else if err != nil {
		return nil, nil, err
	}
	g, err := t.Links.LookupOrder(ctx, brand.ID, q)
	if ErrorCode(err) == ENOTFOUND {
		t.Limiter.Fail(now, keys...)
		return nil, nil, notFound
	} else if err != nil {
		return nil, nil, err
	}
	return brand, g, nil
}
