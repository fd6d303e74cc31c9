package trail_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

func TestSendErrorKinds(t *testing.T) {
	t.Parallel()
	cause := errors.New("read tcp: i/o timeout")
	tests := []struct {
		name               string
		err                error
		want               trail.FailureKind
		permanent, unclear bool
	}{
		{"nil error is transient", nil, trail.Transient, false, false},
		{"plain error is transient", errors.New("boom"), trail.Transient, false, false},
		{"context deadline is transient", context.DeadlineExceeded, trail.Transient, false, false},
		{"permanent", &trail.SendError{Kind: trail.Permanent, Code: "43101"}, trail.Permanent, true, false},
		{"unclear", &trail.SendError{Kind: trail.Unclear, Err: cause}, trail.Unclear, false, true},
		{"wrapped permanent", fmt.Errorf("send sms: %w", &trail.SendError{Kind: trail.Permanent}), trail.Permanent, true, false},
		{"transient SendError", &trail.SendError{Kind: trail.Transient, Code: "Throttling.User"}, trail.Transient, false, false},
	}
	for _, tt := range tests {
		if got := trail.FailureOf(tt.err); got != tt.want {
			t.Errorf("%s: FailureOf got %v, want %v", tt.name, got, tt.want)
		}
		if got := errors.Is(tt.err, trail.ErrPermanent); got != tt.permanent {
			t.Errorf("%s: Is(ErrPermanent) got %v, want %v", tt.name, got, tt.permanent)
		}
		if got := errors.Is(tt.err, trail.ErrUnclear); got != tt.unclear {
			t.Errorf("%s: Is(ErrUnclear) got %v, want %v", tt.name, got, tt.unclear)
		}
	}
	e := &trail.SendError{Kind: trail.Unclear, Code: "isp.SYSTEM_ERROR", Message: "系统错误", Err: cause}
	if got, want := e.Error(), "unclear send failure: isp.SYSTEM_ERROR: 系统错误: read tcp: i/o timeout"; got != want {
		t.Errorf("Error: got %q, want %q", got, want)
	}
	if !errors.Is(e, cause) {
		t.Error("a SendError does not unwrap to its cause")
	}
}

func TestValidIdempotencyKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key  string
		want bool
	}{
		{"msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", true},
		{"ntf-42-sms-1", true},
		{"", false},
		{"a.b", false}, // webhook-id must not contain a dot
		{"a b", false}, // nor white space
		{"a@b", false}, // nor break a Message-ID
		{"订单1", false}, // nor leave ASCII
		{strings.Repeat("k", 128), true},
		{strings.Repeat("k", 129), false},
	}
	for _, tt := range tests {
		if got := trail.ValidIdempotencyKey(tt.key); got != tt.want {
			t.Errorf("ValidIdempotencyKey(%q): got %v, want %v", tt.key, got, tt.want)
		}
	}
}

func TestNewWebhookSecret(t *testing.T) {
	t.Parallel()
	a, b := trail.NewWebhookSecret(), trail.NewWebhookSecret()
	if a == b {
		t.Fatal("two secrets are equal")
	}
	raw, ok := strings.CutPrefix(a, "whsec_")
	if !ok {
		t.Fatalf("secret %q lacks the whsec_ prefix", a)
	}
	key, err := base64.StdEncoding.DecodeString(raw)
	if err != nil || len(key) != 32 {
		t.Fatalf("secret %q: decoded %d bytes, %v; want 32", a, len(key), err)
	}
}

func TestWebhookEndpointValidate(t *testing.T) {
	t.Parallel()
	all := trail.WebhookEvents
	tests := []struct {
		name       string
		url        string
		events     []string
		wantEvents []string
		field      string // "" for valid
	}{
		{"https", " https://erp.example.com/hooks/bottletrail ", []string{"order.updated"}, []string{"order.updated"}, ""},
		{"every event", "https://erp.example.com/h", all, all, ""},
		{"events folded and deduplicated", "https://erp.example.com/h", []string{" Order.Updated", "order.updated", "alert.opened"},
			[]string{"order.updated", "alert.opened"}, ""},
		{"http to 127.0.0.1", "http://127.0.0.1:9000/hook", []string{"alert.opened"}, nil, ""},
		{"http to localhost", "http://localhost:9000/hook", []string{"alert.opened"}, nil, ""},
		{"http to ::1", "http://[::1]:9000/hook", []string{"alert.opened"}, nil, ""},
		{"http elsewhere", "http://erp.example.com/hook", []string{"alert.opened"}, nil, "url"},
		{"http to a private address", "http://10.0.0.8/hook", []string{"alert.opened"}, nil, "url"},
		{"no url", "", []string{"alert.opened"}, nil, "url"},
		{"relative", "/hooks", []string{"alert.opened"}, nil, "url"},
		{"ftp", "ftp://erp.example.com/h", []string{"alert.opened"}, nil, "url"},
		{"credentials", "https://user:pw@erp.example.com/h", []string{"alert.opened"}, nil, "url"},
		{"fragment", "https://erp.example.com/h#x", []string{"alert.opened"}, nil, "url"},
		{"too long", "https://erp.example.com/" + strings.Repeat("a", 2048), []string{"alert.opened"}, nil, "url"},
		{"no events", "https://erp.example.com/h", nil, nil, "events"},
		{"unknown event", "https://erp.example.com/h", []string{"order.updated", "order.deleted"}, nil, "events[1]"},
	}
	for _, tt := range tests {
		e := &trail.WebhookEndpoint{URL: tt.url, Events: slices.Clone(tt.events)}
		e.Normalize()
		err := e.Validate()
		if tt.field == "" {
			if err != nil {
				t.Errorf("%s: got %v, want valid", tt.name, err)
			}
			if tt.wantEvents != nil && !slices.Equal(e.Events, tt.wantEvents) {
				t.Errorf("%s: events got %q, want %q", tt.name, e.Events, tt.wantEvents)
			}
			continue
		}
		var te *trail.Error
		if !errors.As(err, &te) || te.Code != trail.EINVALID || te.Field != tt.field {
			t.Errorf("%s: got %v, want invalid %s", tt.name, err, tt.field)
		}
	}
}

func TestWebhookSigningSecrets(t *testing.T) {
	t.Parallel()
	rotated := base
	e := &trail.WebhookEndpoint{Secret: "whsec_new", PreviousSecret: "whsec_old", RotatedAt: &rotated, Events: []string{"order.updated"}}
	tests := []struct {
		now  time.Time
		want []string
	}{
		{base, []string{"whsec_new", "whsec_old"}},
		{base.Add(trail.WebhookRotationGrace - time.Second), []string{"whsec_new", "whsec_old"}},
		{base.Add(trail.WebhookRotationGrace), []string{"whsec_new"}},
	}
	for _, tt := range tests {
		if got := e.SigningSecrets(tt.now); !slices.Equal(got, tt.want) {
			t.Errorf("at %v: got %q, want %q", tt.now, got, tt.want)
		}
	}
	never := &trail.WebhookEndpoint{Secret: "whsec_only"}
	if got := never.SigningSecrets(base); !slices.Equal(got, []string{"whsec_only"}) {
		t.Errorf("never rotated: got %q", got)
	}
	if !e.Subscribed("order.updated") || e.Subscribed("alert.opened") {
		t.Error("Subscribed does not follow Events")
	}
}
