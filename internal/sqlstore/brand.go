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
	err := db.read.QueryRowContext(ctx, db.d.Rebind(`SELECT b.id, b.slug, b.name, b.created_at, k.id, k.last_used_at FROM brands b
		JOIN api_keys k ON k.brand_id = b.id WHERE k.key_hash = ? AND k.revoked_at IS NULL`), trail.HashAPIKey(apiKey)).
		Scan(&b.ID, &b.Slug, &b.Name, scanTime(&b.CreatedAt), &keyID, scanNullTime(&lastUsed))
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
	return db.brand(ctx, `SELECT id, slug, name, created_at FROM brands WHERE slug = ?`, slug)
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
	return scanBrand(tx.queryRow(ctx, `SELECT id, slug, name, created_at FROM brands WHERE id = ?`, id))
}

func scanBrand(row *sql.Row) (*trail.Brand, error) {
	var b trail.Brand
	if err := row.Scan(&b.ID, &b.Slug, &b.Name, scanTime(&b.CreatedAt)); err != nil {
		return nil, fmt.Errorf("find brand: %w", err)
	}
	return &b, nil
}
