package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/bottletrail/bottletrail/internal/trail"
)

var _ trail.CatalogService = (*DB)(nil)

// PutSKU implements trail.CatalogService.
func (db *DB) PutSKU(ctx context.Context, brandID int64, s *trail.SKU) (created bool, err error) {
	if err := s.Validate(); err != nil {
		return false, err
	}
	err = db.transact(ctx, func(tx *Tx) error {
		// The look-up only tells 201 from 200; the upsert keeps concurrent
		// puts of one SKU safe on both engines.
		var n int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM skus WHERE brand_id = ? AND code = ?`, brandID, s.Code).Scan(&n); err != nil {
			return err
		}
		created = n == 0
		_, err := tx.exec(ctx, `INSERT INTO skus (brand_id, code, name, fragile, alcohol, temperature_sensitive,
			max_temp_c, lead_min_days, lead_max_days, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (brand_id, code) DO UPDATE SET name = excluded.name, fragile = excluded.fragile,
			alcohol = excluded.alcohol, temperature_sensitive = excluded.temperature_sensitive,
			max_temp_c = excluded.max_temp_c, lead_min_days = excluded.lead_min_days,
			lead_max_days = excluded.lead_max_days, updated_at = excluded.updated_at`,
			brandID, s.Code, s.Name, s.Fragile, s.Alcohol, s.TemperatureSensitive, s.MaxTempC,
			s.LeadTime.Min, s.LeadTime.Max, tx.t(tx.now), tx.t(tx.now))
		return err
	})
	if err != nil {
		return false, fmt.Errorf("put sku %s: %w", s.Code, err)
	}
	return created, nil
}

// SKU implements trail.CatalogService.
func (db *DB) SKU(ctx context.Context, brandID int64, code string) (*trail.SKU, error) {
	s, err := scanSKU(db.read.QueryRowContext(ctx, db.d.Rebind(`SELECT code, name, fragile, alcohol, temperature_sensitive,
		max_temp_c, lead_min_days, lead_max_days FROM skus WHERE brand_id = ? AND code = ?`), brandID, code))
	if err != nil {
		return nil, db.mapError(fmt.Errorf("sku %s: %w", code, err))
	}
	return s, nil
}

// loadSKUs reads the catalogue entries of the given items.
func loadSKUs(ctx context.Context, tx *Tx, brandID int64, items []trail.Item) (map[string]*trail.SKU, error) {
	args := []any{brandID}
	seen := map[string]bool{}
	for _, it := range items {
		if !seen[it.SKU] {
			seen[it.SKU] = true
			args = append(args, it.SKU)
		}
	}
	rows, err := tx.query(ctx, `SELECT code, name, fragile, alcohol, temperature_sensitive, max_temp_c, lead_min_days, lead_max_days
		FROM skus WHERE brand_id = ? AND code IN (`+placeholders(len(args)-1)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("skus: %w", err)
	}
	out := map[string]*trail.SKU{}
	err = eachRow(rows, func() error {
		s, err := scanSKU(rows)
		if err != nil {
			return err
		}
		out[s.Code] = s
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("skus: %w", err)
	}
	return out, nil
}

// scanSKU reads one row of the SKU columns.
func scanSKU(row interface{ Scan(...any) error }) (*trail.SKU, error) {
	var s trail.SKU
	var maxTemp sql.NullFloat64
	if err := row.Scan(&s.Code, &s.Name, &s.Fragile, &s.Alcohol, &s.TemperatureSensitive, &maxTemp, &s.LeadTime.Min, &s.LeadTime.Max); err != nil {
		return nil, err
	}
	if maxTemp.Valid {
		s.MaxTempC = &maxTemp.Float64
	}
	return &s, nil
}
