package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

var _ trail.BrandService = (*DB)(nil)

// CreateBrand implements trail.BrandService.
func (db *DB) CreateBrand(ctx context.Context, b *trail.Brand) (string, error) {
	if err := b.Validate(); err != nil {
		return "", err
	}
	key := trail.NewAPIKey()
	err := db.transact(ctx, func(tx *Tx) error {
		b.CreatedAt = tx.now
		err := tx.queryRow(ctx, `INSERT INTO brands (slug, name, created_at) VALUES (?, ?, ?) RETURNING id`,
			b.Slug, b.Name, tx.t(b.CreatedAt)).Scan(&b.ID)
		if tx.d.IsUniqueViolation(err) {
			return &trail.Error{Code: trail.ECONFLICT, Field: "slug", Message: fmt.Sprintf("brand %q already exists", b.Slug)}
		} else if err != nil {
			return fmt.Errorf("insert brand: %w", err)
		}
		if _, err := tx.exec(ctx, `INSERT INTO api_keys (brand_id, key_hash, hint, created_at) VALUES (?, ?, ?, ?)`,
			b.ID, trail.HashAPIKey(key), trail.APIKeyHint(key), tx.t(tx.now)); err != nil {
			return fmt.Errorf("insert api key: %w", err)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("create brand %s: %w", b.Slug, err)
	}
	return key, nil
}

// BrandByAPIKey implements trail.BrandService. A revoked key finds
// nothing. It records the key's use, writing at most once per
// trail.APIKeyTouchInterval, so that the read on every API call stays a
// read.
func (db *DB) BrandByAPIKey(ctx context.Context, apiKey string) (*trail.Brand, error) {
	var b trail.Brand
	var keyID int64
	var lastUsed *time.Time
	err := db.read.QueryRowContext(ctx, db.d.Rebind(`SELECT `+brandColumns+`, k.id, k.last_used_at FROM brands b
		JOIN api_keys k ON k.brand_id = b.id WHERE k.key_hash = ? AND k.revoked_at IS NULL`), trail.HashAPIKey(apiKey)).
		Scan(append(brandFields(&b), &keyID, scanNullTime(&lastUsed))...)
	if err != nil {
		return nil, db.mapError(fmt.Errorf("find brand: %w", err))
	}
	if now := db.Now().UTC(); lastUsed == nil || now.Sub(*lastUsed) >= trail.APIKeyTouchInterval {
		if err := db.touchAPIKey(ctx, keyID, now); err != nil {
			return nil, fmt.Errorf("find brand: %w", err)
		}
	}
	return &b, nil
}

// BrandBySlug implements trail.BrandService.
func (db *DB) BrandBySlug(ctx context.Context, slug string) (*trail.Brand, error) {
	return db.brand(ctx, `SELECT `+brandColumns+` FROM brands b WHERE b.slug = ?`, slug)
}

// PutServiceContact implements trail.BrandService.
func (db *DB) PutServiceContact(ctx context.Context, brandID int64, c trail.ServiceContact) error {
	if err := c.Validate(); err != nil {
		return err
	}
	err := db.transact(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE brands SET service_phone = ?, service_wechat = ?, service_hours = ? WHERE id = ?`,
			c.Phone, c.WeChat, c.Hours, brandID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return trail.Errorf(trail.ENOTFOUND, "No brand %d.", brandID)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("put service contact: %w", err)
	}
	return nil
}

// brandColumns are the columns of a brand, of the table aliased b, in the
// order brandFields scans them.
const brandColumns = `b.id, b.slug, b.name, b.created_at, b.service_phone, b.service_wechat, b.service_hours`

// brandFields are the scan destinations of brandColumns.
func brandFields(b *trail.Brand) []any {
	return []any{&b.ID, &b.Slug, &b.Name, scanTime(&b.CreatedAt), &b.Service.Phone, &b.Service.WeChat, &b.Service.Hours}
}

func (db *DB) brand(ctx context.Context, q string, arg any) (*trail.Brand, error) {
	b, err := scanBrand(db.read.QueryRowContext(ctx, db.d.Rebind(q), arg))
	if err != nil {
		return nil, db.mapError(err)
	}
	return b, nil
}

// brandByID reads a brand inside tx. Code in a transaction reads through
// it, never through db.read: on PostgreSQL both are one pool, and a
// transaction that waits for a second connection of a full pool waits
// forever.
func brandByID(ctx context.Context, tx *Tx, id int64) (*trail.Brand, error) {
	return scanBrand(tx.queryRow(ctx, `SELECT `+brandColumns+` FROM brands b WHERE b.id = ?`, id))
}

func scanBrand(row *sql.Row) (*trail.Brand, error) {
	var b trail.Brand
	if err := row.Scan(brandFields(&b)...); err != nil {
		return nil, fmt.Errorf("find brand: %w", err)
	}
	return &b, nil
}
