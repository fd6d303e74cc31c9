package trail

import (
	"context"
	"time"
)

// Limit is how many failed attempts a count may hold within Window.
type Limit struct {
	Max    int
	Window time.Duration
}

// AttemptKey names one count of failed attempts and its limit.
type AttemptKey struct {
	Key string
	Limit
}

// AttemptLimiter counts failed attempts per key within each key's window.
type AttemptLimiter interface {
	// Allow reports whether every key is under its limit at now, and if
	// not, how long until all are.
	Allow(now time.Time, keys ...AttemptKey) (ok bool, retryAfter time.Duration)
	// Fail records a failed attempt under each key.
	Fail(now time.Time, keys ...AttemptKey)
}

// Consumer look-up limits. Failed attempts count per client address and
// number, and per client address, so that a stranger's wrong answers hold
// back only the stranger; the right answer from elsewhere still gets
// through until a number has had MaxFailedLookupsPerNumber failures from
// anywhere within NumberLookupWindow (a ceiling on guessing from many
// addresses, which then holds everyone back).
const (
	MaxFailedLookups          = 5 // per client and number, within LookupWindow
	MaxFailedLookupsPerClient = 20
	LookupWindow              = 15 * time.Minute
	MaxFailedLookupsPerNumber = 50
	NumberLookupWindow        = time.Hour
)

// Tracker answers consumers' look-ups with the anti-snooping rules, the
// same for the tracking page and the JSON API so that limits hold across
// both: a wrong answer and an order that does not exist look alike, and
// failed attempts are limited as MaxFailedLookups says.
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
	number = brandSlug + "/" + number
	keys := []AttemptKey{
		{"client:" + client, Limit{MaxFailedLookupsPerClient, LookupWindow}},
		{"client:" + client + " number:" + number, Limit{MaxFailedLookups, LookupWindow}},
		{"number:" + number, Limit{MaxFailedLookupsPerNumber, NumberLookupWindow}},
	}
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
