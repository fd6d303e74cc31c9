package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/bottletrail/bottletrail/internal/trail"
)

var _ trail.CarrierService = (*DB)(nil)

// PutCarrierAccount implements trail.CarrierService.
func (db *DB) PutCarrierAccount(ctx context.Context, brandID int64, a *trail.CarrierAccount) (created bool, err error) {
	if err := a.Validate(); err != nil {
		return false, err
	}
	err = db.transact(ctx, func(tx *Tx) error {
		old, err := db.carrierAccount(ctx, tx, brandID, a.Provider)
		switch {
		case err == nil:
			a.CallbackToken, a.CreatedAt = old.CallbackToken, old.CreatedAt // the callback URL stays valid
		case isNoRows(err):
			created, a.CreatedAt = true, tx.now
		default:
			return err
		}
		if a.Provider == trail.ProviderKuaidi100 && a.Credentials["salt"] == "" {
			// Parcels subscribed before are pushed with the old salt.
			if old != nil && old.Credentials["salt"] != "" {
				a.Credentials["salt"] = old.Credentials["salt"]
			} else {
				a.Credentials["salt"] = trail.NewSalt()
			}
		}
		a.UpdatedAt = tx.now
		creds, err := json.Marshal(a.Credentials)
		if err != nil {
			return err
		}
		sealedCreds, err := db.sealer.Seal(string(creds))
		if err != nil {
			return fmt.Errorf("seal credentials: %w", err)
		}
		token, err := db.sealer.Seal(a.CallbackToken)
		if err != nil {
			return fmt.Errorf("seal token: %w", err)
		}
		return tx.queryRow(ctx, `INSERT INTO carrier_accounts (brand_id, provider, credentials, base_url, rate_per_minute,
			callback_token, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (brand_id, provider) DO UPDATE SET credentials = excluded.credentials, base_url = excluded.base_url,
			rate_per_minute = excluded.rate_per_minute, updated_at = excluded.updated_at RETURNING id`,
			brandID, a.Provider, sealedCreds, a.BaseURL, a.RatePerMinute, token, tx.t(a.CreatedAt), tx.t(a.UpdatedAt)).Scan(&a.ID)
	})
	if err != nil {
		return false, fmt.Errorf("put carrier account %s: %w", a.Provider, err)
	}
	return created, nil
}

const accountColumns = `id, provider, credentials, base_url, rate_per_minute, callback_token, created_at, updated_at`

// scanAccount reads an account row and opens its secrets.
func (db *DB) scanAccount(row interface{ Scan(...any) error }) (*trail.CarrierAccount, error) {
	var a trail.CarrierAccount
	var creds, token []byte
	if err := row.Scan(&a.ID, &a.Provider, &creds, &a.BaseURL, &a.RatePerMinute, &token, scanTime(&a.CreatedAt), scanTime(&a.UpdatedAt)); err != nil {
		return nil, err
	}
	plain, err := db.sealer.Open(creds)
	if err != nil {
		return nil, fmt.Errorf("open credentials: %w", err)
	}
	if err := json.Unmarshal([]byte(plain), &a.Credentials); err != nil {
		return nil, fmt.Errorf("read credentials: %w", err)
	}
	if a.CallbackToken, err = db.sealer.Open(token); err != nil {
		return nil, fmt.Errorf("open token: %w", err)
	}
	return &a, nil
}

func (db *DB) carrierAccount(ctx context.Context, tx *Tx, brandID int64, provider string) (*trail.CarrierAccount, error) {
	return db.scanAccount(tx.queryRow(ctx, `SELECT `+accountColumns+` FROM carrier_accounts WHERE brand_id = ? AND provider = ?`, brandID, provider))
}

// CarrierAccount implements trail.CarrierService.
func (db *DB) CarrierAccount(ctx context.Context, brandID int64, provider string) (*trail.CarrierAccount, error) {
	var a *trail.CarrierAccount
	err := db.snapshot(ctx, func(tx *Tx) (err error) {
		a, err = db.carrierAccount(ctx, tx, brandID, provider)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("carrier account %s: %w", provider, err)
	}
	return a, nil
}

// CarrierAccounts implements trail.CarrierService.
func (db *DB) CarrierAccounts(ctx context.Context, brandID int64) ([]*trail.CarrierAccount, error) {
	var out []*trail.CarrierAccount
	err := db.snapshot(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT `+accountColumns+` FROM carrier_accounts WHERE brand_id = ? ORDER BY provider`, brandID)
		if err != nil {
			return err
		}
		return eachRow(rows, func() error {
			a, err := db.scanAccount(rows)
			out = append(out, a)
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("carrier accounts: %w", err)
	}
	return out, nil
}

// PutCompliance implements trail.CarrierService.
func (db *DB) PutCompliance(ctx context.Context, brandID int64, c *trail.Compliance) (created bool, err error) {
	if err := c.Validate(); err != nil {
		return false, err
	}
	err = db.transact(ctx, func(tx *Tx) error {
		var n int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM carrier_compliance WHERE brand_id = ? AND carrier = ?`, brandID, c.Carrier).Scan(&n); err != nil {
			return err
		}
		created = n == 0
		_, err := tx.exec(ctx, `INSERT INTO carrier_compliance (brand_id, carrier, alcohol, fragile, cold_chain, qualification_expires, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (brand_id, carrier) DO UPDATE SET alcohol = excluded.alcohol,
			fragile = excluded.fragile, cold_chain = excluded.cold_chain,
			qualification_expires = excluded.qualification_expires, updated_at = excluded.updated_at`,
			brandID, c.Carrier, c.Alcohol, c.Fragile, c.ColdChain, datePtr(c.QualificationExpires), tx.t(tx.now))
		return err
	})
	if err != nil {
		return false, fmt.Errorf("put compliance of %s: %w", c.Carrier, err)
	}
	return created, nil
}

// Compliances implements trail.CarrierService.
func (db *DB) Compliances(ctx context.Context, brandID int64) ([]*trail.Compliance, error) {
	rows, err := db.read.QueryContext(ctx, db.d.Rebind(`SELECT carrier, alcohol, fragile, cold_chain, qualification_expires
		FROM carrier_compliance WHERE brand_id = ? ORDER BY carrier`), brandID)
	if err != nil {
		return nil, fmt.Errorf("compliances: %w", err)
	}
	var out []*trail.Compliance
	err = eachRow(rows, func() error {
		c := &trail.Compliance{}
		var expires sql.NullString
		if err := rows.Scan(&c.Carrier, &c.Alcohol, &c.Fragile, &c.ColdChain, &expires); err != nil {
			return err
		}
		c.QualificationExpires = nullDate(expires)
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("compliances: %w", err)
	}
	return out, nil
}

// compliance reads what the brand declared of a carrier; nil if nothing.
func compliance(ctx context.Context, tx *Tx, brandID int64, carrier string) (*trail.Compliance, error) {
	c := trail.Compliance{Carrier: carrier}
	var expires sql.NullString
	err := tx.queryRow(ctx, `SELECT alcohol, fragile, cold_chain, qualification_expires FROM carrier_compliance
		WHERE brand_id = ? AND carrier = ?`, brandID, carrier).Scan(&c.Alcohol, &c.Fragile, &c.ColdChain, &expires)
	if isNoRows(err) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("compliance of %s: %w", carrier, err)
	}
	c.QualificationExpires = nullDate(expires)
	return &c, nil
}

// CorrectCarrier implements trail.CarrierService.
func (db *DB) CorrectCarrier(ctx context.Context, brandID int64, oldCarrier, trackingNo, newCarrier, reason string) error {
	if _, ok := trail.LookupCarrier(newCarrier); !ok {
		return trail.Invalid("carrier", "unknown carrier code %s", trail.Quote(newCarrier))
	}
	err := db.transact(ctx, func(tx *Tx) error {
		var id int64
		if err := tx.queryRow(ctx, `SELECT id FROM shipments WHERE brand_id = ? AND carrier = ? AND tracking_no = ?`,
			brandID, oldCarrier, trackingNo).Scan(&id); err != nil {
			return err
		}
		return correctCarrier(ctx, tx, id, oldCarrier, newCarrier, reason)
	})
	if err != nil {
		return fmt.Errorf("correct carrier of %s: %w", trackingNo, err)
	}
	return nil
}

// correctCarrier moves a parcel to another carrier code and records why.
// EINVALID for an unknown code.
func correctCarrier(ctx context.Context, tx *Tx, shipmentID int64, oldCarrier, newCarrier, reason string) error {
	if _, ok := trail.LookupCarrier(newCarrier); !ok {
		return trail.Invalid("carrier", "unknown carrier code %s", trail.Quote(newCarrier))
	}
	if _, err := tx.exec(ctx, `UPDATE shipments SET carrier = ?, updated_at = ? WHERE id = ?`, newCarrier, tx.t(tx.now), shipmentID); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `INSERT INTO carrier_corrections (shipment_id, old_carrier, new_carrier, reason, created_at)
		VALUES (?, ?, ?, ?, ?)`, shipmentID, oldCarrier, newCarrier, reason, tx.t(tx.now))
	return err
}
