package httpapi

import (
	"net/http"
	"strconv"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// webhookRequest is the body of POST /api/v1/webhooks.
type webhookRequest struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
}

// webhookResponse is an endpoint. Secret is set only in the answers that
// make one (creation and rotation): it is shown once.
type webhookResponse struct {
	ID        int64    `json:"id"`
	URL       string   `json:"url"`
	Events    []string `json:"events"`
	Secret    string   `json:"secret,omitempty"`
	CreatedAt string   `json:"created_at"`
	RotatedAt string   `json:"rotated_at,omitempty"`
	// PreviousSecretUntil is when the secret a rotation replaced stops
	// signing deliveries.
	PreviousSecretUntil string `json:"previous_secret_until,omitempty"`
}

// newWebhookResponse describes an endpoint without its secrets.
func newWebhookResponse(e *trail.WebhookEndpoint) webhookResponse {
	r := webhookResponse{ID: e.ID, URL: e.URL, Events: e.Events, CreatedAt: formatTime(e.CreatedAt), RotatedAt: formatTimePtr(e.RotatedAt)}
	if e.RotatedAt != nil {
		r.PreviousSecretUntil = formatTime(e.RotatedAt.Add(trail.WebhookRotationGrace))
	}
	return r
}

// handleWebhookCreate registers an endpoint: 201 with its id and signing
// secret, which no other answer shows.
func (s *Server) handleWebhookCreate(w http.ResponseWriter, r *http.Request) error {
	var req webhookRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	e := &trail.WebhookEndpoint{URL: req.URL, Events: req.Events}
	e.Normalize()
	if err := e.Validate(); err != nil {
		return err
	}
	if err := s.webhooks.CreateWebhook(r.Context(), brandID(r), e); err != nil {
		return err
	}
	resp := newWebhookResponse(e)
	resp.Secret = e.Secret
	return writeJSON(w, http.StatusCreated, resp)
}

// handleWebhookList lists the brand's endpoints, never their secrets.
func (s *Server) handleWebhookList(w http.ResponseWriter, r *http.Request) error {
	list, err := s.webhooks.Webhooks(r.Context(), brandID(r))
	if err != nil {
		return err
	}
	out := struct {
		Webhooks []webhookResponse `json:"webhooks"`
	}{Webhooks: make([]webhookResponse, 0, len(list))}
	for _, e := range list {
		out.Webhooks = append(out.Webhooks, newWebhookResponse(e))
	}
	return writeJSON(w, http.StatusOK, out)
}

// handleWebhookDelete removes an endpoint: 204; 404 for one the brand does
// not have.
func (s *Server) handleWebhookDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := webhookID(r)
	if err != nil {
		return err
	}
	if err := s.webhooks.DeleteWebhook(r.Context(), brandID(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// handleWebhookRotate gives an endpoint a new secret: 200 with it; the old
// one keeps signing deliveries, beside the new, until
// previous_secret_until.
func (s *Server) handleWebhookRotate(w http.ResponseWriter, r *http.Request) error {
	id, err := webhookID(r)
	if err != nil {
		return err
	}
	e, err := s.webhooks.RotateWebhookSecret(r.Context(), brandID(r), id)
	if err != nil {
		return err
	}
	resp := newWebhookResponse(e)
	resp.Secret = e.Secret
	return writeJSON(w, http.StatusOK, resp)
}

// webhookID reads the {id} of a webhook route; a malformed id names no
// endpoint.
func webhookID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, trail.Errorf(trail.ENOTFOUND, "no webhook endpoint %s", trail.Quote(r.PathValue("id")))
	}
	return id, nil
}
