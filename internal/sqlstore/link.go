package sqlstore

import (
	"context"
	"crypto/subtle"
	"fmt"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

var _ trail.LinkService = (*DB)(nil)

// CreateLink implements trail.LinkService.
func (db *DB) CreateLink(ctx context.Context, brandID int64, orderNo string, kind trail.LinkKind, ttl time.Duration) (*trail.Link, error) {
	l := &trail.Link{OrderNo: orderNo, Kind: kind}
	err := db.transact(ctx, func(tx *Tx) error {
		var orderID int64
		if err := tx.queryRow(ctx, `SELECT id FROM orders WHERE brand_id = ? AND order_no = ?`, brandID, orderNo).Scan(&orderID); err != nil {
			return err
		}
		l.CreatedAt, l.ExpiresAt = tx.now, tx.now.Add(ttl).Truncate(time.Second)
		return tx.queryRow(ctx, `INSERT INTO links (brand_id, order_id, kind, expires_at, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			brandID, orderID, string(kind), tx.t(l.ExpiresAt), tx.t(l.CreatedAt)).Scan(&l.ID)
	})
	if err != nil {
		return nil, fmt.Errorf("create link to %s: %w", orderNo, err)
	}
	return l, nil
}

// RevokeLink implements trail.LinkService.
func (db *DB) RevokeLink(ctx context.Context, brandID, linkID int64) error {
	err := db.transact(ctx, func(tx *Tx) error {
		var id int64
		return tx.queryRow(ctx, `UPDATE links SET revoked_at = COALESCE(revoked_at, ?) WHERE brand_id = ? AND id = ? RETURNING id`,
			tx.t(tx.now), brandID, linkID).Scan(&id)
	})
	if err != nil {
		return fmt.Errorf("revoke link %d: %w", linkID, err)
	}
	return nil
}

// OrderByLink implements trail.LinkService.
func (db *DB) OrderByLink(ctx context.Context, linkID int64) (*trail.Brand, *trail.Link, *trail.OrderGraph, error) {
	b, l := &trail.Brand{}, &trail.Link{ID: linkID}
	var kind string
	err := db.read.QueryRowContext(ctx, db.d.Rebind(`SELECT `+brandColumns+`, o.order_no, l.kind, l.expires_at, l.created_at
		FROM links l JOIN brands b ON b.id = l.brand_id JOIN orders o ON o.id = l.order_id
		WHERE l.id = ? AND l.revoked_at IS NULL`), linkID).Scan(append(brandFields(b),
		&l.OrderNo, &kind, scanTime(&l.ExpiresAt), scanTime(&l.CreatedAt))...)
	if err != nil {
		return nil, nil, nil, db.mapError(fmt.Errorf("link %d: %w", linkID, err))
	}
	l.Kind = trail.LinkKind(kind)
	g, err := db.OrderGraph(ctx, b.ID, l.OrderNo)
	if err != nil {
		return nil, nil, nil, err
	}
	return b, l, g, nil
}

// noHash stands in for the hashes of an order that does not exist, so that
// a look-up of it does the same comparisons as one of an order that does.
var noHash = make([]byte, 32)

// maxCaseVariants bounds the orders one look-up compares: a brand whose
// order numbers differ only in case (WX1, wx1) is rare, and a few suffice.
const maxCaseVariants = 4

// lookupCandidate is an order a consumer's look-up may mean.
type lookupCandidate struct {
	orderNo          string
	buyer, recipient []byte
}

// LookupOrder implements trail.LinkService. An order number matches
// ignoring case (trail.OrderNoKey); should several orders match, the one
// spelled exactly as typed is tried first and the phone digits pick one.
func (db *DB) LookupOrder(ctx context.Context, brandID int64, q trail.TrackQuery) (*trail.OrderGraph, error) {
	query, args := `SELECT order_no, customer_last4_hash, recipient_last4_hash FROM orders
		WHERE brand_id = ? AND upper(order_no) = ? ORDER BY CASE WHEN order_no = ? THEN 0 ELSE 1 END, id LIMIT ?`,
		[]any{brandID, trail.OrderNoKey(q.OrderNo), q.OrderNo, maxCaseVariants}
	if q.OrderNo == "" {
		query, args = `SELECT o.order_no, o.customer_last4_hash, o.recipient_last4_hash FROM shipments s
			JOIN orders o ON o.id = s.order_id WHERE s.brand_id = ? AND s.tracking_no = ? ORDER BY s.id DESC LIMIT 1`,
			[]any{brandID, q.TrackingNo}
	}
	rows, err := db.read.QueryContext(ctx, db.d.Rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("look up order: %w", err)
	}
	var cands []lookupCandidate
	err = eachRow(rows, func() error {
		var c lookupCandidate
		if err := rows.Scan(&c.orderNo, &c.buyer, &c.recipient); err != nil {
			return err
		}
		cands = append(cands, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("look up order: %w", err)
	}
	found := len(cands) > 0
	if !found {
		cands = []lookupCandidate{{buyer: noHash, recipient: noHash}}
	}
	h := db.sealer.Hash(trail.HashPhoneLast4, q.PhoneLast4)
	orderNo := ""
	for _, c := range cands {
		if c.recipient == nil {
			c.recipient = noHash
		}
		match := subtle.ConstantTimeCompare(h, c.buyer) | subtle.ConstantTimeCompare(h, c.recipient)
		if match == 1 && orderNo == "" {
			orderNo = c.orderNo
		}
	}
	if !found || orderNo == "" {
		return nil, trail.Errorf(trail.ENOTFOUND, "未找到订单，请核对单号和手机号后四位 / No order matches this number and phone digits.")
	}
	return db.OrderGraph(ctx, brandID, orderNo)
}
