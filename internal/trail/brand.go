package trail

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"regexp"
	"time"
)

// Brand is a tenant. Every other record belongs to exactly one brand.
type Brand struct {
	ID        int64
	Slug      string
	Name      string
	CreatedAt time.Time
}

var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$`)

// Validate reports the first problem with a new brand.
func (b *Brand) Validate() error {
	if !slugPattern.MatchString(b.Slug) {
		return Invalid("slug", "slug must be 3–40 lowercase letters, digits or dashes")
	}
	if b.Name == "" || len([]rune(b.Name)) > 100 {
		return Invalid("name", "name must be 1–100 characters")
	}
	return nil
}

// APIKeyPrefix starts every brand API key, so a leaked key is easy to spot.
const APIKeyPrefix = "bt_"

// NewAPIKey returns a fresh random API key.
func NewAPIKey() string {
	return APIKeyPrefix + rand.Text() + rand.Text()
}

// HashAPIKey returns the digest under which an API key is stored. Keys are
// 256-bit random strings, so a plain SHA-256 is as strong as a slow hash.
func HashAPIKey(key string) []byte {
	sum := sha256.Sum256([]byte(key))
	return sum[:]
}

// BrandService manages tenants and their API keys.
type BrandService interface {
	// CreateBrand stores a new brand and a first API key for it, and returns
	// the key; only its hash is kept. ECONFLICT if the slug is taken,
	// EINVALID if the brand does not validate.
	CreateBrand(ctx context.Context, b *Brand) (apiKey string, err error)

	// BrandByAPIKey finds the brand an API key belongs to. ENOTFOUND if no
	// brand has that key.
	BrandByAPIKey(ctx context.Context, apiKey string) (*Brand, error)

	// BrandBySlug finds a brand by its slug. ENOTFOUND if none.
	BrandBySlug(ctx context.Context, slug string) (*Brand, error)
}

type brandContextKey struct{}

// NewContextWithBrand returns a context that carries the authenticated brand.
func NewContextWithBrand(ctx context.Context, b *Brand) context.Context {
	return context.WithValue(ctx, brandContextKey{}, b)
}

// BrandFromContext returns the authenticated brand, or nil.
func BrandFromContext(ctx context.Context) *Brand {
	b, _ := ctx.Value(brandContextKey{}).(*Brand)
	return b
}
