package egress

import (
	"context"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// Webhooks returns svc with the URL of every endpoint created through it
// checked by CheckURL first (field "url"), so that the API and the
// console refuse the same endpoints.
func (p *Policy) Webhooks(svc trail.WebhookService) trail.WebhookService {
	return checkedWebhooks{WebhookService: svc, policy: p}
}

type checkedWebhooks struct {
	trail.WebhookService
	policy *Policy
}

func (c checkedWebhooks) CreateWebhook(ctx context.Context, brandID int64, e *trail.WebhookEndpoint) error {
	if err := c.policy.CheckURL(ctx, "url", e.URL); err != nil {
		return err
	}
	return c.WebhookService.CreateWebhook(ctx, brandID, e)
}

// Carriers returns svc with the base URL of every account put through it,
// when it has one (none means the provider's public endpoint), checked by
// CheckURL first (field "base_url").
func (p *Policy) Carriers(svc trail.CarrierService) trail.CarrierService {
	return checkedCarriers{CarrierService: svc, policy: p}
}

type checkedCarriers struct {
	trail.CarrierService
	policy *Policy
}

func (c checkedCarriers) PutCarrierAccount(ctx context.Context, brandID int64, a *trail.CarrierAccount) (bool, error) {
	if a.BaseURL != "" {
		if err := c.policy.CheckURL(ctx, "base_url", a.BaseURL); err != nil {
			return false, err
		}
	}
	return c.CarrierService.PutCarrierAccount(ctx, brandID, a)
}
