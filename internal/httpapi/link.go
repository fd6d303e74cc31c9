package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// linkRequest asks for a tracking link to an order.
type linkRequest struct {
	Kind          trail.LinkKind `json:"kind"`
	ExpiresInDays *int           `json:"expires_in_days"`
}

// linkResponse is a new tracking link. The URL carries the signed token;
// it is shown once, as only the link's id and expiry are stored.
type linkResponse struct {
	ID        int64          `json:"id"`
	Kind      trail.LinkKind `json:"kind"`
	URL       string         `json:"url"`
	ExpiresAt string         `json:"expires_at"`
}

// handleLinkCreate issues a signed tracking link to one of the brand's
// orders: 201 with its URL, PublicURL + "/t/" + token.
func (s *Server) handleLinkCreate(w http.ResponseWriter, r *http.Request) error {
	var req linkRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Kind != trail.LinkBuyer && req.Kind != trail.LinkGift {
		return trail.Invalid("kind", "kind must be buyer or gift (a gift link hides prices and the buyer)")
	}
	ttl := trail.DefaultLinkTTL
	if d := req.ExpiresInDays; d != nil {
		if *d < 1 || time.Duration(*d)*24*time.Hour > trail.MaxLinkTTL {
			return trail.Invalid("expires_in_days", "expires_in_days must be 1–%d", int(trail.MaxLinkTTL/(24*time.Hour)))
		}
		ttl = time.Duration(*d) * 24 * time.Hour
	}
	l, err := s.links.CreateLink(r.Context(), brandID(r), r.PathValue("order_no"), req.Kind, ttl)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, linkResponse{
		ID:        l.ID,
		Kind:      l.Kind,
		URL:       s.publicURL + "/t/" + trail.LinkToken(s.sealer, l),
		ExpiresAt: formatTime(l.ExpiresAt),
	})
}

// handleLinkRevoke ends a tracking link at once: 204, also when it was
// revoked before; 404 for a link the brand does not have.
func (s *Server) handleLinkRevoke(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return trail.Errorf(trail.ENOTFOUND, "no link %s", trail.Quote(r.PathValue("id")))
	}
	if err := s.links.RevokeLink(r.Context(), brandID(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
