package sqlstore

// A brand's notification settings (trail.NotificationService): its sending
// policy and its channel accounts, stored in one row with the accounts sealed.

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/bottletrail/bottletrail/internal/trail"
)

var _ trail.NotificationService = (*DB)(nil)

// notifySettings reads a brand's policy over the defaults and its channel
// accounts (opened).
func (db *DB) notifySettings(ctx context.Context, tx *Tx, brandID int64) (trail.NotifySettings, map[trail.Channel]trail.NotifyChannel, error) {
	s := trail.DefaultNotifySettings()
	chans := map[trail.Channel]trail.NotifyChannel{}
	var raw string
	var sealed []byte
	err := tx.queryRow(ctx, `SELECT settings, channels FROM notify_settings WHERE brand_id = ?`, brandID).Scan(&raw, &sealed)
	if isNoRows(err) {
		return s, chans, nil
	} else if err != nil {
		return s, nil, fmt.Errorf("notify settings: %w", err)
	}
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return s, nil, fmt.Errorf("notify settings: %w", err)
	}
	if sealed != nil {
		plain, err := db.sealer.Open(sealed)
		if err != nil {
			return s, nil, fmt.Errorf("open channels: %w", err)
		}
		if err := json.Unmarshal([]byte(plain), &chans); err != nil {
			return s, nil, fmt.Errorf("channels: %w", err)
		}
	}
	return s, chans, nil
}

// NotifySettings implements trail.NotificationService.
func (db *DB) NotifySettings(ctx context.Context, brandID int64) (trail.NotifySettings, []trail.NotifyChannel, error) {
	var s trail.NotifySettings
	var out []trail.NotifyChannel
	err := db.snapshot(ctx, func(tx *Tx) error {
		var chans map[trail.Channel]trail.NotifyChannel
		var err error
		if s, chans, err = db.notifySettings(ctx, tx, brandID); err != nil {
			return err
		}
		for _, c := range chans {
			fields := map[string]string{}
			for k, v := range c.Credentials {
				if !strings.Contains(k, "secret") && k != "password" {
					fields[k] = v
				}
			}
			out = append(out, trail.NotifyChannel{Channel: c.Channel, BaseURL: c.BaseURL, Credentials: fields})
		}
		slices.SortFunc(out, func(a, b trail.NotifyChannel) int { return strings.Compare(string(a.Channel), string(b.Channel)) })
		return nil
	})
	return s, out, err
}

// putNotify writes a brand's policy row.
func (db *DB) putNotify(ctx context.Context, tx *Tx, brandID int64, s trail.NotifySettings, chans map[trail.Channel]trail.NotifyChannel) error {
	raw, err := json.Marshal(s)
	if err != nil {
		return err
	}
	plain, err := json.Marshal(chans)
	if err != nil {
		return err
	}
	sealed, err := db.sealer.Seal(string(plain))
	if err != nil {
		return fmt.Errorf("seal channels: %w", err)
	}
	_, err = tx.exec(ctx, `INSERT INTO notify_settings (brand_id, settings, channels, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (brand_id) DO UPDATE SET settings = excluded.settings, channels = excluded.channels, updated_at = excluded.updated_at`,
		brandID, string(raw), sealed, tx.t(tx.now))
	return err
}

// PutNotifySettings implements trail.NotificationService.
func (db *DB) PutNotifySettings(ctx context.Context, brandID int64, s trail.NotifySettings) error {
	if err := s.Validate(); err != nil {
		return err
	}
	return db.transact(ctx, func(tx *Tx) error {
		_, chans, err := db.notifySettings(ctx, tx, brandID)
		if err != nil {
			return err
		}
		return db.putNotify(ctx, tx, brandID, s, chans)
	})
}

// PutNotifyChannel implements trail.NotificationService.
func (db *DB) PutNotifyChannel(ctx context.Context, brandID int64, c trail.NotifyChannel) error {
	if err := c.Validate(); err != nil {
		return err
	}
	return db.transact(ctx, func(tx *Tx) error {
		s, chans, err := db.notifySettings(ctx, tx, brandID)
		if err != nil {
			return err
		}
		chans[c.Channel] = c
		return db.putNotify(ctx, tx, brandID, s, chans)
	})
}
