package trail

import (
	"context"
	"strings"
	"time"
)

// APIKey is one of a brand's keys to the API as the brand's admins see it:
// everything but the key itself, of which only the hash is stored.
type APIKey struct {
	ID   int64
	Name string // what the key is for, such as "OMS 对接"; "" for a brand's first key
	// Hint is the key's last four characters, so a key can be matched to
	// the system that holds it without showing it.
	Hint       string
	CreatedBy  string // who made it: an operator's e-mail, "cli"; "" for a brand's first key
	CreatedAt  time.Time
	LastUsedAt *time.Time // recorded at most once per APIKeyTouchInterval
	RevokedAt  *time.Time
}

// Limits of API keys.
const (
	// MaxAPIKeys is how many live (unrevoked) keys a brand may hold.
	MaxAPIKeys = 20
	// MaxAPIKeyName bounds a key's name, in characters.
	MaxAPIKeyName = 64
	// APIKeyTouchInterval is how stale a key's LastUsedAt may grow before
	// a request writes it again: keys are read on every API call but
	// written at most about once a minute.
	APIKeyTouchInterval = time.Minute
)

// APIKeyHint returns the part of a key that may be shown: its last four
// characters.
func APIKeyHint(key string) string {
	if len(key) < 4 {
		return ""
	}
	return key[len(key)-4:]
}

// Normalize trims the key's name and creator.
func (k *APIKey) Normalize() {
	k.Name = strings.TrimSpace(k.Name)
	k.CreatedBy = strings.TrimSpace(k.CreatedBy)
}

// Validate reports the first problem with a new, normalised key.
func (k *APIKey) Validate() error {
	switch n := len([]rune(k.Name)); {
	case n == 0:
		return Invalid("name", "请为密钥命名，说明它的用途 / name the key after what uses it, such as \"OMS\"")
	case n > MaxAPIKeyName:
		return Invalid("name", "名称最多 %d 个字符 / name must be at most %d characters", MaxAPIKeyName, MaxAPIKeyName)
	case len(k.CreatedBy) > 254:
		return Invalid("created_by", "created_by must be at most 254 bytes")
	}
	return nil
}

// Live reports whether the key still opens the API.
func (k *APIKey) Live() bool { return k.RevokedAt == nil }

// APIKeyService manages a brand's API keys. Keys are stored hashed
// (HashAPIKey); BrandService.BrandByAPIKey finds the brand of a live key
// and records its use.
type APIKeyService interface {
	// CreateAPIKey makes a new key for the brand with k's Name and
	// CreatedBy, fills k's ID, Hint and CreatedAt, and returns the key: the
	// only time it is ever shown. k must be normalised. EINVALID if k does
	// not validate, ENOTFOUND if there is no such brand, ECONFLICT if the
	// brand holds MaxAPIKeys live keys already.
	CreateAPIKey(ctx context.Context, brandID int64, k *APIKey) (key string, err error)

	// APIKeys lists the brand's keys, live and revoked, newest first.
	APIKeys(ctx context.Context, brandID int64) ([]*APIKey, error)

	// RevokeAPIKey revokes one of the brand's keys at once and returns it.
	// ENOTFOUND if the brand has no such key, ECONFLICT if it is revoked
	// already.
	RevokeAPIKey(ctx context.Context, brandID, id int64) (*APIKey, error)
}
