package httpapi

import (
	"net/http"

	"github.com/bottletrail/bottletrail/internal/httpedge"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// handlePublicTrack answers a consumer's look-up by order or tracking number
// and the last four digits of a phone with the consumer view of the order,
// for mini-programs and shops' own pages. It needs no API key. A wrong
// answer, an unknown number and an unknown brand are one uniform 404;
// failed attempts are limited per client address and per number by the
// Tracker the tracking pages share, past which the answer is 429 with
// Retry-After. Answers are private and never cached.
func (s *Server) handlePublicTrack(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "private, no-store")
	var q trail.TrackQuery
	if err := decodeJSON(w, r, &q); err != nil {
		return err
	}
	brand, g, err := s.tracker.Lookup(r.Context(), r.PathValue("brand"), q, httpedge.ClientAddr(r, s.clientIP))
	if err != nil {
		return err
	}
	now := s.now()
	v := trail.NewConsumerView(brand, g, trail.LookupAudience(g.Order, q), s.estimator.EstimateOrder(g, nil, now), now)
	return writeJSON(w, http.StatusOK, v)
}
