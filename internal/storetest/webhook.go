package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

func testWebhooks(t *testing.T, open OpenFunc) {
	b := setup(t, open)
	advance := func(d time.Duration) {
		b.clock.mu.Lock()
		defer b.clock.mu.Unlock()
		b.clock.t = b.clock.t.Add(d)
	}
	mustCreate := func(brandID int64, url string, events ...string) *trail.WebhookEndpoint {
		t.Helper()
		e := &trail.WebhookEndpoint{URL: url, Events: events}
		if err := b.s.CreateWebhook(b.ctx, brandID, e); err != nil {
			t.Fatal(err)
		}
		return e
	}

	// Creation returns the secret, once; reading returns it opened.
	created := b.clock.Now()
	e := mustCreate(b.brand.ID, "https://erp.plum.example/hooks", trail.EventOrderUpdated, trail.EventAlertOpened)
	if e.ID == 0 || !strings.HasPrefix(e.Secret, "whsec_") || !e.CreatedAt.Equal(created) || e.RotatedAt != nil {
		t.Fatalf("created %+v", e)
	}
	got, err := b.s.Webhook(b.ctx, b.brand.ID, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.URL != e.URL || !slices.Equal(got.Events, e.Events) || got.Secret != e.Secret || got.PreviousSecret != "" || !got.CreatedAt.Equal(created) {
		t.Errorf("read back %+v, want %+v", got, e)
	}
	_, err = b.s.Webhook(b.ctx, b.other.ID, e.ID)
	wantCode(t, err, trail.ENOTFOUND)

	// Invalid endpoints are refused; so is a second endpoint with the same URL.
	wantCode(t, b.s.CreateWebhook(b.ctx, b.brand.ID, &trail.WebhookEndpoint{URL: "http://erp.plum.example/h", Events: []string{trail.EventOrderUpdated}}),
		trail.EINVALID, "url")
	wantCode(t, b.s.CreateWebhook(b.ctx, b.brand.ID, &trail.WebhookEndpoint{URL: e.URL, Events: []string{trail.EventShipmentUpdated}}),
		trail.ECONFLICT, "url")
	// Another brand may use the same URL.
	theirs := mustCreate(b.other.ID, e.URL, trail.EventShipmentUpdated)
	if theirs.Secret == e.Secret {
		t.Error("two endpoints share a secret")
	}

	// At most MaxWebhookEndpoints live endpoints per brand.
	for i := 2; i <= trail.MaxWebhookEndpoints; i++ {
		advance(time.Second)
		mustCreate(b.brand.ID, "https://erp.plum.example/hooks/"+string(rune('a'+i)), trail.EventShipmentUpdated)
	}
	wantCode(t, b.s.CreateWebhook(b.ctx, b.brand.ID, &trail.WebhookEndpoint{URL: "https://erp.plum.example/one-too-many",
		Events: []string{trail.EventShipmentUpdated}}), trail.ECONFLICT)
	list, err := b.s.Webhooks(b.ctx, b.brand.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != trail.MaxWebhookEndpoints || list[0].ID != e.ID || list[0].Secret != e.Secret {
		t.Fatalf("listed %d endpoints, first %+v; want %d, oldest first", len(list), list[0], trail.MaxWebhookEndpoints)
	}
	if others, err := b.s.Webhooks(b.ctx, b.other.ID); err != nil || len(others) != 1 || others[0].ID != theirs.ID {
		t.Errorf("the other brand lists %v, %v", others, err)
	}

	// Rotation: a new secret, the old one kept for the grace period.
	advance(time.Hour)
	rotated := b.clock.Now()
	wantRotate := func(brandID, id int64) *trail.WebhookEndpoint {
		t.Helper()
		r, err := b.s.RotateWebhookSecret(b.ctx, brandID, id)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r := wantRotate(b.brand.ID, e.ID)
	if r.Secret == e.Secret || !strings.HasPrefix(r.Secret, "whsec_") || r.PreviousSecret != e.Secret || r.RotatedAt == nil || !r.RotatedAt.Equal(rotated) {
		t.Fatalf("rotated %+v (old secret %s)", r, e.Secret)
	}
	got, err = b.s.Webhook(b.ctx, b.brand.ID, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Secret != r.Secret || got.PreviousSecret != e.Secret || got.RotatedAt == nil || !got.RotatedAt.Equal(rotated) {
		t.Errorf("read back after rotation %+v", got)
	}
	if s := got.SigningSecrets(rotated.Add(time.Hour)); !slices.Equal(s, []string{r.Secret, e.Secret}) {
		t.Errorf("signing secrets within the grace period: %q", s)
	}
	if s := got.SigningSecrets(rotated.Add(trail.WebhookRotationGrace)); !slices.Equal(s, []string{r.Secret}) {
		t.Errorf("signing secrets after the grace period: %q", s)
	}
	// A second rotation retires the first secret at once.
	r2 := wantRotate(b.brand.ID, e.ID)
	if r2.PreviousSecret != r.Secret || r2.Secret == r.Secret {
		t.Errorf("second rotation %+v", r2)
	}
	_, err = b.s.RotateWebhookSecret(b.ctx, b.other.ID, e.ID)
	wantCode(t, err, trail.ENOTFOUND)

	// Deletion: gone from the list, its URL and its place free again.
	wantCode(t, b.s.DeleteWebhook(b.ctx, b.other.ID, e.ID), trail.ENOTFOUND)
	if err := b.s.DeleteWebhook(b.ctx, b.brand.ID, e.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, b.s.DeleteWebhook(b.ctx, b.brand.ID, e.ID), trail.ENOTFOUND)
	_, err = b.s.Webhook(b.ctx, b.brand.ID, e.ID)
	wantCode(t, err, trail.ENOTFOUND)
	_, err = b.s.RotateWebhookSecret(b.ctx, b.brand.ID, e.ID)
	wantCode(t, err, trail.ENOTFOUND)
	again := mustCreate(b.brand.ID, e.URL, trail.EventNotificationFailed)
	if again.ID == e.ID {
		t.Error("a new endpoint reused a deleted one's id")
	}
	if list, _ := b.s.Webhooks(b.ctx, b.brand.ID); len(list) != trail.MaxWebhookEndpoints || slices.ContainsFunc(list, func(x *trail.WebhookEndpoint) bool { return x.ID == e.ID }) {
		t.Errorf("after delete and create: %d endpoints", len(list))
	}
	if others, _ := b.s.Webhooks(b.ctx, b.other.ID); len(others) != 1 {
		t.Errorf("the other brand's endpoint was touched: %v", others)
	}
}
