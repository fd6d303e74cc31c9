package trail

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"regexp"
	"strings"
	"time"
)

// Brand is a tenant. Every other record belongs to exactly one brand.
type Brand struct {
	ID        int64
	Slug      string
	Name      string
	Service   ServiceContact // how consumers reach the brand; zero until set
	CreatedAt time.Time
}

// ServiceContact is how consumers reach a brand's customer service. The
// consumer pages show it beside every problem with a parcel (damage,
// refusal, return, a stalled parcel). Every field is optional.
type ServiceContact struct {
	Phone  string `json:"phone"`  // a hotline, mobile or landline: 400-820-1234
	WeChat string `json:"wechat"` // the WeChat ID of the service account
	Hours  string `json:"hours"`  // when someone answers: 每天 9:00–21:00
}

var (
	servicePhonePattern = regexp.MustCompile(`^\+?[0-9][0-9 -]{3,22}[0-9]$`)
	weChatIDPattern     = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{5,19}$`)
)

// Normalize trims the contact's text.
func (c *ServiceContact) Normalize() {
	c.Phone, c.WeChat, c.Hours = strings.TrimSpace(c.Phone), strings.TrimSpace(c.WeChat), strings.TrimSpace(c.Hours)
}

// Validate reports the first problem with a normalised contact, in
// Chinese and English ("中文 / English").
func (c *ServiceContact) Validate() error {
	if c.Phone != "" && !servicePhonePattern.MatchString(c.Phone) {
		return Invalid("phone", "客服电话应为 5–24 位数字，可含空格或短横线，例如 400-820-1234 / phone must be 5–24 digits, spaces or dashes, such as 400-820-1234")
	}
	if c.WeChat != "" && !weChatIDPattern.MatchString(c.WeChat) {
		return Invalid("wechat", "微信号应为 6–20 位字母、数字、下划线或减号，以字母开头 / wechat must be a WeChat ID: 6–20 letters, digits, '_' or '-', starting with a letter")
	}
	if len([]rune(c.Hours)) > 50 {
		return Invalid("hours", "服务时间最多 50 个字 / hours must be at most 50 characters")
	}
	if c.Hours != "" && c.Phone == "" && c.WeChat == "" {
		return Invalid("hours", "填写服务时间时，请同时填写客服电话或微信号 / hours need a phone or a WeChat ID to answer in them")
	}
	return nil
}

// Empty reports whether no way to reach the brand is set.
func (c ServiceContact) Empty() bool { return c.Phone == "" && c.WeChat == "" }

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

	// PutServiceContact replaces the brand's customer-service contact; c
	// must be normalised. EINVALID naming the field if it does not
	// validate (then nothing changes); ENOTFOUND if there is no such
	// brand.
	PutServiceContact(ctx context.Context, brandID int64, c ServiceContact) error
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
