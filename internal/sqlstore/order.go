package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/bottletrail/bottletrail/internal/trail"
)

var _ trail.OrderService = (*DB)(nil)

// sealedContact is a contact as stored: ciphertexts and look-up hashes.
type sealedContact struct {
	name, phone                    []byte
	nameHash, phoneHash, last4Hash []byte
}

func (db *DB) sealContact(c *trail.Contact) (*sealedContact, error) {
	if c == nil {
		return &sealedContact{}, nil
	}
	name, err := db.sealer.Seal(c.Name)
	if err != nil {
		return nil, fmt.Errorf("seal name: %w", err)
	}
	phone, err := db.sealer.Seal(c.Phone)
	if err != nil {
		return nil, fmt.Errorf("seal phone: %w", err)
	}
	return &sealedContact{
		name: name, phone: phone,
		nameHash:  db.sealer.Hash(trail.HashName, trail.HashKeyName(c.Name)),
		phoneHash: db.sealer.Hash(trail.HashPhone, c.Phone),
		last4Hash: db.sealer.Hash(trail.HashPhoneLast4, trail.Last4(c.Phone)),
	}, nil
}

// sealChannels stores the buyer's e-mail address and WeChat openid, sealed,
// when the order gives them.
func (db *DB) sealChannels(ctx context.Context, tx *Tx, o *trail.Order) error {
	if o.Customer.Email == "" && o.Customer.WeChatOpenID == "" {
		return nil
	}
	seal := func(v string) (any, error) {
		if v == "" {
			return nil, nil
		}
		return db.sealer.Seal(v)
	}
	email, err := seal(o.Customer.Email)
	if err != nil {
		return fmt.Errorf("seal email: %w", err)
	}
	openid, err := seal(o.Customer.WeChatOpenID)
	if err != nil {
		return fmt.Errorf("seal openid: %w", err)
	}
	_, err = tx.exec(ctx, `UPDATE orders SET customer_email = ?, customer_openid = ? WHERE id = ?`, email, openid, o.ID)
	return err
}

// nullBytes returns nil for an empty slice, so an absent contact is NULL.
func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// CreateOrder implements trail.OrderService.
func (db *DB) CreateOrder(ctx context.Context, brandID int64, o *trail.Order) (created bool, err error) {
	if err := o.Validate(); err != nil {
		return false, err
	}
	cust, err := db.sealContact(&o.Customer)
	if err != nil {
		return false, err
	}
	recip, err := db.sealContact(o.Recipient)
	if err != nil {
		return false, err
	}
	detail, err := db.sealer.Seal(o.Address.Detail)
	if err != nil {
		return false, fmt.Errorf("seal address: %w", err)
	}
	err = db.transact(ctx, func(tx *Tx) error {
		var occKind, occDate any
		if o.Occasion != nil {
			occKind, occDate = o.Occasion.Kind, string(o.Occasion.Date)
		}
		o.CreatedAt, o.UpdatedAt = tx.now, tx.now
		err := tx.queryRow(ctx, `INSERT INTO orders (brand_id, order_no,
			customer_name, customer_phone, customer_name_hash, customer_phone_hash, customer_last4_hash,
			recipient_name, recipient_phone, recipient_name_hash, recipient_phone_hash, recipient_last4_hash,
			province, province_code, city, district, address_detail,
			occasion_kind, occasion_date, promised_ship_by, promised_delivery_by, created_at, updated_at, evaluate_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (brand_id, order_no) DO NOTHING RETURNING id`,
			brandID, o.OrderNo,
			cust.name, cust.phone, cust.nameHash, cust.phoneHash, cust.last4Hash,
			nullBytes(recip.name), nullBytes(recip.phone), nullBytes(recip.nameHash), nullBytes(recip.phoneHash), nullBytes(recip.last4Hash),
			o.Address.Province, o.Address.ProvinceCode, o.Address.City, o.Address.District, detail,
			occKind, occDate, datePtr(o.PromisedShipBy), datePtr(o.PromisedDeliveryBy), tx.t(tx.now), tx.t(tx.now), tx.t(tx.now)).Scan(&o.ID)
		if err == sql.ErrNoRows {
			return db.replayOrder(ctx, tx, brandID, o)
		} else if err != nil {
			return fmt.Errorf("insert order: %w", err)
		}
		created = true
		if err := checkItems(ctx, tx, brandID, o.Items); err != nil {
			return err
		}
		if err := db.sealChannels(ctx, tx, o); err != nil {
			return err
		}
		for i := range o.Items {
			it := &o.Items[i]
			var price any
			if it.UnitPrice != nil {
				price = int64(*it.UnitPrice)
			}
			if err := tx.queryRow(ctx, `INSERT INTO order_items (brand_id, order_id, line, sku, quantity, customization, batch_no, unit_price_fen)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
				brandID, o.ID, i, it.SKU, it.Quantity, it.Customization, nullString(it.BatchNo), price).Scan(&it.ID); err != nil {
				return fmt.Errorf("insert item %d: %w", i, err)
			}
		}
		return db.orderConfirmed(ctx, tx, brandID, o)
	})
	if err != nil {
		return false, fmt.Errorf("create order %s: %w", o.OrderNo, err)
	}
	return created, nil
}

// replayOrder answers a second creation of an existing order: the same
// order fills o's IDs, a different one is a conflict naming the field.
func (db *DB) replayOrder(ctx context.Context, tx *Tx, brandID int64, o *trail.Order) error {
	stored, err := db.loadOrder(ctx, tx, brandID, o.OrderNo)
	if err != nil {
		return err
	}
	if field := stored.Conflict(o); field != "" {
		return &trail.Error{Code: trail.ECONFLICT, Field: field,
			Message: fmt.Sprintf("order %s already exists with a different %s", o.OrderNo, field)}
	}
	*o = *stored
	return nil
}

// checkItems makes sure every item names a SKU of the catalogue and, if its
// batch already exists, the batch makes that SKU.
func checkItems(ctx context.Context, tx *Tx, brandID int64, items []trail.Item) error {
	skus := map[string]bool{}
	batches := map[string]string{}
	for _, it := range items {
		skus[it.SKU] = false
		if it.BatchNo != "" {
			batches[it.BatchNo] = ""
		}
	}
	codes := make([]any, 0, len(skus)+1)
	codes = append(codes, brandID)
	for c := range skus {
		codes = append(codes, c)
	}
	rows, err := tx.query(ctx, `SELECT code FROM skus WHERE brand_id = ? AND code IN (`+placeholders(len(skus))+`)`, codes...)
	if err != nil {
		return fmt.Errorf("check skus: %w", err)
	}
	err = eachRow(rows, func() error {
		var c string
		err := rows.Scan(&c)
		skus[c] = true
		return err
	})
	if err != nil {
		return fmt.Errorf("check skus: %w", err)
	}
	if len(batches) > 0 {
		args := []any{brandID}
		for b := range batches {
			args = append(args, b)
		}
		rows, err := tx.query(ctx, `SELECT batch_no, sku FROM batches WHERE brand_id = ? AND batch_no IN (`+placeholders(len(batches))+`)`, args...)
		if err != nil {
			return fmt.Errorf("check batches: %w", err)
		}
		err = eachRow(rows, func() error {
			var no, sku string
			err := rows.Scan(&no, &sku)
			batches[no] = sku
			return err
		})
		if err != nil {
			return fmt.Errorf("check batches: %w", err)
		}
	}
	for i, it := range items {
		if !skus[it.SKU] {
			return trail.Invalid(fmt.Sprintf("items[%d].sku", i), "unknown SKU %s: add it with PUT /api/v1/skus/%s first", trail.Clip(it.SKU), trail.Clip(it.SKU))
		}
		if sku := batches[it.BatchNo]; sku != "" && sku != it.SKU {
			return trail.Invalid(fmt.Sprintf("items[%d].batch_no", i), "batch %s makes %s, not %s", trail.Clip(it.BatchNo), sku, trail.Clip(it.SKU))
		}
	}
	return nil
}

func datePtr(d *trail.Date) any {
	if d == nil {
		return nil
	}
	return string(*d)
}

// loadOrder reads an order and its items, decrypting the personal data.
func (db *DB) loadOrder(ctx context.Context, tx *Tx, brandID int64, orderNo string) (*trail.Order, error) {
	var (
		o                                           trail.Order
		custName, custPhone, recName, recPhone, det []byte
		email, openid                               []byte
		occKind, occDate, shipBy, deliverBy         sql.NullString
	)
	err := tx.queryRow(ctx, `SELECT id, order_no, customer_name, customer_phone, customer_email, customer_openid, recipient_name, recipient_phone,
		province, province_code, city, district, address_detail, occasion_kind, occasion_date,
		promised_ship_by, promised_delivery_by, cancelled_at, created_at, updated_at
		FROM orders WHERE brand_id = ? AND order_no = ?`, brandID, orderNo).Scan(
		&o.ID, &o.OrderNo, &custName, &custPhone, &email, &openid, &recName, &recPhone,
		&o.Address.Province, &o.Address.ProvinceCode, &o.Address.City, &o.Address.District, &det,
		&occKind, &occDate, &shipBy, &deliverBy, scanNullTime(&o.CancelledAt), scanTime(&o.CreatedAt), scanTime(&o.UpdatedAt))
	if err != nil {
		return nil, fmt.Errorf("order %s: %w", orderNo, err)
	}
	open := func(dst *string, b []byte) {
		if err == nil {
			*dst, err = db.sealer.Open(b)
		}
	}
	open(&o.Customer.Name, custName)
	open(&o.Customer.Phone, custPhone)
	if email != nil {
		open(&o.Customer.Email, email)
	}
	if openid != nil {
		open(&o.Customer.WeChatOpenID, openid)
	}
	open(&o.Address.Detail, det)
	if recName != nil {
		o.Recipient = &trail.Contact{}
		open(&o.Recipient.Name, recName)
		open(&o.Recipient.Phone, recPhone)
	}
	if err != nil {
		return nil, fmt.Errorf("open order %s: %w", orderNo, err)
	}
	if occKind.Valid {
		o.Occasion = &trail.Occasion{Kind: occKind.String, Date: trail.Date(occDate.String)}
	}
	o.PromisedShipBy, o.PromisedDeliveryBy = nullDate(shipBy), nullDate(deliverBy)

	rows, err := tx.query(ctx, `SELECT id, sku, quantity, customization, batch_no, unit_price_fen
		FROM order_items WHERE order_id = ? ORDER BY line`, o.ID)
	if err != nil {
		return nil, fmt.Errorf("items of %s: %w", orderNo, err)
	}
	err = eachRow(rows, func() error {
		var it trail.Item
		var batch sql.NullString
		var price sql.NullInt64
		if err := rows.Scan(&it.ID, &it.SKU, &it.Quantity, &it.Customization, &batch, &price); err != nil {
			return err
		}
		it.BatchNo = batch.String
		if price.Valid {
			f := trail.Fen(price.Int64)
			it.UnitPrice = &f
		}
		o.Items = append(o.Items, it)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("items of %s: %w", orderNo, err)
	}
	return &o, nil
}

func nullDate(s sql.NullString) *trail.Date {
	if !s.Valid {
		return nil
	}
	d := trail.Date(s.String)
	return &d
}

// OrderGraph implements trail.OrderService.
func (db *DB) OrderGraph(ctx context.Context, brandID int64, orderNo string) (*trail.OrderGraph, error) {
	var g *trail.OrderGraph
	err := db.snapshot(ctx, func(tx *Tx) error {
		var err error
		if g, err = db.loadGraph(ctx, tx, brandID, orderNo); err != nil {
			return err
		}
		if g.Lanes, err = loadLanes(ctx, tx, brandID, g); err != nil {
			return err
		}
		g.Alerts, err = openAlertsOfOrder(ctx, tx, brandID, g)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("order graph %s: %w", orderNo, err)
	}
	return g, nil
}

// loadGraph reads an order with its batches, parcels, catalogue entries and
// recorded estimates, and derives its status.
func (db *DB) loadGraph(ctx context.Context, tx *Tx, brandID int64, orderNo string) (*trail.OrderGraph, error) {
	g := &trail.OrderGraph{}
	var err error
	if g.Order, err = db.loadOrder(ctx, tx, brandID, orderNo); err != nil {
		return nil, err
	}
	var batchNos []string
	for _, it := range g.Order.Items {
		if it.BatchNo != "" && !slices.Contains(batchNos, it.BatchNo) {
			batchNos = append(batchNos, it.BatchNo)
		}
	}
	for _, no := range batchNos {
		b, err := loadBatch(ctx, tx, brandID, no)
		if errors.Is(err, sql.ErrNoRows) {
			continue // planned later
		} else if err != nil {
			return nil, err
		}
		g.Batches = append(g.Batches, b)
	}
	if g.Shipments, err = db.loadShipments(ctx, tx, g.Order.ID); err != nil {
		return nil, err
	}
	if g.SKUs, err = loadSKUs(ctx, tx, brandID, g.Order.Items); err != nil {
		return nil, err
	}
	if g.ETAs, err = loadETAs(ctx, tx, g.Order.ID); err != nil {
		return nil, err
	}
	g.Status = trail.DeriveOrderStatus(g.Order, g.SKUs, g.Batches, g.Shipments)
	return g, nil
}
