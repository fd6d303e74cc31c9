package egress

import (
	"context"
	"strings"

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

// Notify returns svc with every channel account put through it checked
// first: its base URL, when it has one (none means the provider's public
// endpoint), by CheckURL (field "base_url"), and an e-mail account's SMTP
// server by CheckHost (field "credentials.host").
func (p *Policy) Notify(svc trail.NotificationService) trail.NotificationService {
	return checkedNotify{NotificationService: svc, policy: p}
}

type checkedNotify struct {
	trail.NotificationService
	policy *Policy
}

func (c checkedNotify) PutNotifyChannel(ctx context.Context, brandID int64, ch trail.NotifyChannel) error {
	if ch.BaseURL != "" {
		if err := c.policy.CheckURL(ctx, "base_url", ch.BaseURL); err != nil {
			return err
		}
	}
	if host := ch.Credentials["host"]; ch.Channel == trail.ChannelEmail && strings.TrimSpace(host) != "" {
		if err := c.policy.CheckHost(ctx, "credentials.host", host); err != nil {
			return err
		}
	}
	return c.NotificationService.PutNotifyChannel(ctx, brandID, ch)
}
