package webhook_test

import (
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/notify/webhook"
)

// The official Standard Webhooks test vector (docs/NOTIFY-PROTOCOLS.md §3.1).
const (
	vectorSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vectorID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vectorTimestamp = int64(1614265330)
	vectorBody      = `{"test": 2432232314}`
	vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func TestSignVector(t *testing.T) {
	t.Parallel()
	got, err := webhook.Sign(vectorSecret, vectorID, vectorTimestamp, []byte(vectorBody))
	if err != nil || got != vectorSignature {
		t.Fatalf("Sign: got %q, %v; want %q", got, err, vectorSignature)
	}
}

func TestSignRefuses(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ secret, id string }{
		{vectorSecret, ""},
		{vectorSecret, "msg.1"},
		{vectorSecret, "msg 1"},
		{"whsec_not base64!", vectorID},
		{"whsec_", vectorID},
	} {
		if sig, err := webhook.Sign(tt.secret, tt.id, vectorTimestamp, nil); err == nil {
			t.Errorf("Sign(%q, %q): got %q, want an error", tt.secret, tt.id, sig)
		}
	}
}

// headers returns the headers of a delivery.
func headers(id string, ts int64, sig string) http.Header {
	h := http.Header{}
	if id != "" {
		h.Set(webhook.HeaderID, id)
	}
	if ts != 0 {
		h.Set(webhook.HeaderTimestamp, strconv.FormatInt(ts, 10))
	}
	if sig != "" {
		h.Set(webhook.HeaderSignature, sig)
	}
	return h
}

func TestVerify(t *testing.T) {
	t.Parallel()
	now := time.Unix(vectorTimestamp, 0)
	other := "whsec_" + "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ=" // another valid secret
	otherSig, err := webhook.Sign(other, vectorID, vectorTimestamp, []byte(vectorBody))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		secret string
		header http.Header
		body   string
		now    time.Time
		want   error
	}{
		{"vector", vectorSecret, headers(vectorID, vectorTimestamp, vectorSignature), vectorBody, now, nil},
		{"secret without prefix", vectorSecret[len("whsec_"):], headers(vectorID, vectorTimestamp, vectorSignature), vectorBody, now, nil},
		{"rotation: old and new signatures, either secret", other, headers(vectorID, vectorTimestamp, vectorSignature+" "+otherSig), vectorBody, now, nil},
		{"rotation: the match comes second", vectorSecret, headers(vectorID, vectorTimestamp, otherSig+" "+vectorSignature), vectorBody, now, nil},
		{"unknown versions and junk are skipped", vectorSecret,
			headers(vectorID, vectorTimestamp, "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw== junk v2,xyz "+vectorSignature), vectorBody, now, nil},
		{"4m59s old", vectorSecret, headers(vectorID, vectorTimestamp, vectorSignature), vectorBody, now.Add(5*time.Minute - time.Second), nil},
		{"too old", vectorSecret, headers(vectorID, vectorTimestamp, vectorSignature), vectorBody, now.Add(5*time.Minute + time.Second), webhook.ErrTimestamp},
		{"too new", vectorSecret, headers(vectorID, vectorTimestamp, vectorSignature), vectorBody, now.Add(-5*time.Minute - time.Second), webhook.ErrTimestamp},
		{"timestamp not a number", vectorSecret, http.Header{"Webhook-Id": {vectorID}, "Webhook-Timestamp": {"1614265330.0"}, "Webhook-Signature": {vectorSignature}},
			vectorBody, now, webhook.ErrTimestamp},
		{"wrong secret", other, headers(vectorID, vectorTimestamp, vectorSignature), vectorBody, now, webhook.ErrSignature},
		{"body changed", vectorSecret, headers(vectorID, vectorTimestamp, vectorSignature), `{"test":2432232314}`, now, webhook.ErrSignature},
		{"id changed", vectorSecret, headers("msg_other", vectorTimestamp, vectorSignature), vectorBody, now, webhook.ErrSignature},
		{"signature without version", vectorSecret, headers(vectorID, vectorTimestamp, vectorSignature[3:]), vectorBody, now, webhook.ErrSignature},
		{"signature as v1a", vectorSecret, headers(vectorID, vectorTimestamp, "v1a"+vectorSignature[2:]), vectorBody, now, webhook.ErrSignature},
		{"no id", vectorSecret, headers("", vectorTimestamp, vectorSignature), vectorBody, now, webhook.ErrMissingHeaders},
		{"no timestamp", vectorSecret, headers(vectorID, 0, vectorSignature), vectorBody, now, webhook.ErrMissingHeaders},
		{"no signature", vectorSecret, headers(vectorID, vectorTimestamp, ""), vectorBody, now, webhook.ErrMissingHeaders},
		{"secret not base64", "whsec_***", headers(vectorID, vectorTimestamp, vectorSignature), vectorBody, now, webhook.ErrSecret},
	}
	for _, tt := range tests {
		err := webhook.Verify(tt.secret, tt.header, []byte(tt.body), tt.now, 0)
		if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
		}
	}
	// A wider tolerance accepts what the default refuses.
	late := now.Add(10 * time.Minute)
	if err := webhook.Verify(vectorSecret, headers(vectorID, vectorTimestamp, vectorSignature), []byte(vectorBody), late, 15*time.Minute); err != nil {
		t.Errorf("tolerance 15m, 10m late: got %v, want nil", err)
	}
}
