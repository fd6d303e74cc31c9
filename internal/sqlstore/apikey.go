package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

var _ trail.APIKeyService = (*DB)(nil)

// CreateAPIKey implements trail.APIKeyService.
func (db *DB) CreateAPIKey(ctx context.Context, brandID int64, k *trail.APIKey) (string, error) {
	if err := k.Validate(); err != nil {
		return "", err
	}
	key := trail.NewAPIKey()
	err := db.transact(ctx, func(tx *Tx) error {
		// Lock the brand, so that concurrent creations count one another.
		var id int64
		if err := tx.queryRow(ctx, `SELECT id FROM brands WHERE id = ?`+tx.d.ForUpdate, brandID).Scan(&id); err != nil {
			return err
		}
		var n int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM api_keys WHERE brand_id = ? AND revoked_at IS NULL`, brandID).Scan(&n); err != nil {
			return err
		}
		if n >= trail.MaxAPIKeys {
			return &trail.Error{Code: trail.ECONFLICT, Field: "name", Message: fmt.Sprintf(
				"已有 %d 个有效密钥，请先吊销不用的密钥 / a brand holds at most %d live API keys; revoke one first",
				trail.MaxAPIKeys, trail.MaxAPIKeys)}
		}
		k.Hint, k.CreatedAt, k.LastUsedAt, k.RevokedAt = trail.APIKeyHint(key), tx.now, nil, nil
		return tx.queryRow(ctx, `INSERT INTO api_keys (brand_id, key_hash, name, hint, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			brandID, trail.HashAPIKey(key), k.Name, k.Hint, k.CreatedBy, tx.t(k.CreatedAt)).Scan(&k.ID)
	})
	if err != nil {
		return "", fmt.Errorf("create api key: %w", err)
	}
	return key, nil
}

const apiKeyColumns = `id, name, hint, created_by, created_at, last_used_at, revoked_at`

func scanAPIKey(sc interface{ Scan(...any) error }) (*trail.APIKey, error) {
	k := &trail.APIKey{}
	if err := sc.Scan(&k.ID, &k.Name, &k.Hint, &k.CreatedBy, scanTime(&k.CreatedAt), scanNullTime(&k.LastUsedAt), scanNullTime(&k.RevokedAt)); err != nil {
		return nil, err
	}
	return k, nil
}

// APIKeys implements trail.APIKeyService.
func (db *DB) APIKeys(ctx context.Context, brandID int64) ([]*trail.APIKey, error) {
	rows, err := db.read.QueryContext(ctx, db.d.Rebind(`SELECT `+apiKeyColumns+` FROM api_keys WHERE brand_id = ? ORDER BY id DESC`), brandID)
	if err != nil {
		return nil, fmt.Errorf("api keys: %w", err)
	}
	var out []*trail.APIKey
	err = eachRow(rows, func() error {
		k, err := scanAPIKey(rows)
		out = append(out, k)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("api keys: %w", err)
	}
	return out, nil
}

// RevokeAPIKey implements trail.APIKeyService.
func (db *DB) RevokeAPIKey(ctx context.Context, brandID, id int64) (*trail.APIKey, error) {
	var k *trail.APIKey
	err := db.transact(ctx, func(tx *Tx) (err error) {
		k, err = scanAPIKey(tx.queryRow(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE brand_id = ? AND id = ?`+tx.d.ForUpdate, brandID, id))
		if err != nil {
			return err
		}
		if k.RevokedAt != nil {
			return &trail.Error{Code: trail.ECONFLICT, Message: "该密钥已吊销 / the key is revoked already"}
		}
		now := tx.now
		k.RevokedAt = &now
		_, err = tx.exec(ctx, `UPDATE api_keys SET revoked_at = ? WHERE id = ?`, tx.t(now), id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("revoke api key %d: %w", id, err)
	}
	return k, nil
}

// touchAPIKey records a use of a key at now unless one was recorded within
// trail.APIKeyTouchInterval; the condition makes concurrent requests write
// it once.
func (db *DB) touchAPIKey(ctx context.Context, id int64, now time.Time) error {
	_, err := db.write.ExecContext(ctx, db.d.Rebind(`UPDATE api_keys SET last_used_at = ?
		WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)`),
		db.d.TimeArg(now), id, db.d.TimeArg(now.Add(-trail.APIKeyTouchInterval)))
	if err != nil {
		return fmt.Errorf("record use of api key %d: %w", id, err)
	}
	return nil
}
