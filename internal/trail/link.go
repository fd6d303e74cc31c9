package trail

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// LinkKind says who a tracking link is for.
type LinkKind string

// Link kinds. A gift link hides prices and the buyer's name and phone.
const (
	LinkBuyer LinkKind = "buyer"
	LinkGift  LinkKind = "gift"
)

// Link is a signed, expiring, revocable tracking link to one order.
type Link struct {
	ID        int64
	OrderNo   string
	Kind      LinkKind
	ExpiresAt time.Time
	RevokedAt *time.Time
	CreatedAt time.Time
}

// Link lifetimes.
const (
	DefaultLinkTTL = 90 * 24 * time.Hour
	MaxLinkTTL     = 366 * 24 * time.Hour
)

// linkDomain separates link signatures from the other keyed hashes.
const linkDomain = "tracking_link"

// LinkToken returns the token of a link: its id, expiry and kind, and a
// keyed signature over them, so that a token cannot be forged or altered and
// says nothing about the order.
func LinkToken(s Sealer, l *Link) string {
	payload := fmt.Sprintf("%d.%d.%s", l.ID, l.ExpiresAt.Unix(), l.Kind)
	sig := s.Hash(linkDomain, payload)[:18]
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// ParseLinkToken checks a token's signature and expiry and returns the
// link id and kind it names. ENOTFOUND for anything wrong, so a probe
// learns nothing; the caller must still check that the link is not revoked.
func ParseLinkToken(s Sealer, token string, now time.Time) (id int64, kind LinkKind, err error) {
	notFound := Errorf(ENOTFOUND, "链接无效或已过期 / This link is invalid or has expired.")
	p64, sig64, ok := strings.Cut(token, ".")
	if !ok || len(token) > 200 {
		return 0, "", notFound
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p64)
	sig, err2 := base64.RawURLEncoding.DecodeString(sig64)
	if err1 != nil || err2 != nil {
		return 0, "", notFound
	}
	want := s.Hash(linkDomain, string(payload))[:18]
	if subtle.ConstantTimeCompare(sig, want) != 1 {
		return 0, "", notFound
	}
	parts := strings.Split(string(payload), ".")
	if len(parts) != 3 {
		return 0, "", notFound
	}
	id, errID := strconv.ParseInt(parts[0], 10, 64)
	exp, errExp := strconv.ParseInt(parts[1], 10, 64)
	if errID != nil || errExp != nil || !now.Before(time.Unix(exp, 0)) {
		return 0, "", notFound
	}
	return id, LinkKind(parts[2]), nil
}

// TrackQuery is a consumer's look-up: an order number or a tracking number,
// and the last four digits of the buyer's or the recipient's phone.
type TrackQuery struct {
	OrderNo    string `json:"order_no,omitempty"`
	TrackingNo string `json:"tracking_no,omitempty"`
	PhoneLast4 string `json:"phone_last4"`
}

// Normalize trims the query and brings typed numbers to ASCII; the order
// number keeps its case, which look-ups ignore (OrderNoKey).
func (q *TrackQuery) Normalize() {
	q.OrderNo = NormalizeLookupOrderNo(q.OrderNo)
	q.TrackingNo = NormalizeTrackingNo(q.TrackingNo)
	q.PhoneLast4 = strings.TrimSpace(q.PhoneLast4)
}

// Validate reports the first problem with a normalised query.
func (q *TrackQuery) Validate() error {
	switch {
	case (q.OrderNo == "") == (q.TrackingNo == ""):
		return Invalid("order_no", "请输入订单号或运单号（二选一） / give either order_no or tracking_no")
	case len(q.OrderNo) > 64 || len(q.TrackingNo) > 40:
		return Invalid("order_no", "订单号或运单号过长 / the number is too long")
	case len(q.PhoneLast4) != 4 || strings.Trim(q.PhoneLast4, "0123456789") != "":
		return Invalid("phone_last4", "请输入手机号后四位数字 / phone_last4 must be four digits")
	}
	return nil
}

// LinkService issues and resolves tracking links and answers consumers'
// look-ups.
type LinkService interface {
	// CreateLink issues a link to an order, valid for ttl. ENOTFOUND if the
	// brand has no such order.
	CreateLink(ctx context.Context, brandID int64, orderNo string, kind LinkKind, ttl time.Duration) (*Link, error)

	// RevokeLink ends a link at once. ENOTFOUND if the brand has no such
	// link.
	RevokeLink(ctx context.Context, brandID, linkID int64) error

	// OrderByLink returns the brand and order graph a live link points to.
	// ENOTFOUND if the link is unknown or revoked.
	OrderByLink(ctx context.Context, linkID int64) (*Brand, *Link, *OrderGraph, error)

	// LookupOrder finds the order a consumer asks for and checks the phone
	// digits against the buyer's and the recipient's in constant time. A
	// wrong answer and an order that does not exist are the same ENOTFOUND,
	// and cost the same work.
	LookupOrder(ctx context.Context, brandID int64, q TrackQuery) (*OrderGraph, error)
}
