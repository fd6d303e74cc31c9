package trail

import (
	"context"
	"regexp"
)

// SKU is a product in a brand's catalogue.
type SKU struct {
	Code                 string   `json:"sku"`
	Name                 string   `json:"name"`
	Fragile              bool     `json:"fragile"`
	Alcohol              bool     `json:"alcohol"`
	TemperatureSensitive bool     `json:"temperature_sensitive"`
	MaxTempC             *float64 `json:"max_temp_c,omitempty"`
	LeadTime             LeadTime `json:"lead_time_days"`
}

// LeadTime is the production lead time of a SKU in days.
type LeadTime struct {
	Min int `json:"min"`
	Max int `json:"max"`
}

// MadeToOrder reports whether the SKU is produced for each order (it has a
// production lead time) rather than taken from stock. A nil SKU (not in
// the catalogue) is taken as stock.
func (s *SKU) MadeToOrder() bool { return s != nil && s.LeadTime.Max > 0 }

var codePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Validate reports the first problem with a SKU.
func (s *SKU) Validate() error {
	if !codePattern.MatchString(s.Code) {
		return Invalid("sku", "SKU code must be 1–64 letters, digits, dots, dashes or underscores")
	}
	if s.Name == "" || len([]rune(s.Name)) > 200 {
		return Invalid("name", "name must be 1–200 characters")
	}
	if s.MaxTempC != nil && !s.TemperatureSensitive {
		return Invalid("max_temp_c", "max_temp_c applies only to a temperature_sensitive SKU")
	}
	if s.MaxTempC != nil && (*s.MaxTempC < -50 || *s.MaxTempC > 80) {
		return Invalid("max_temp_c", "max_temp_c must be between -50 and 80")
	}
	if s.LeadTime.Min < 0 || s.LeadTime.Max < s.LeadTime.Min || s.LeadTime.Max > 365 {
		return Invalid("lead_time_days", "lead time must satisfy 0 ≤ min ≤ max ≤ 365 days")
	}
	return nil
}

// CatalogService manages a brand's SKUs.
type CatalogService interface {
	// PutSKU creates or replaces a SKU and reports whether it was new.
	// EINVALID if it does not validate.
	PutSKU(ctx context.Context, brandID int64, s *SKU) (created bool, err error)

	// SKU returns one SKU. ENOTFOUND if the brand has none by that code.
	SKU(ctx context.Context, brandID int64, code string) (*SKU, error)
}
