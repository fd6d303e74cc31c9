package httpapi

import (
	"net/http"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// handleServiceContact answers the brand's customer-service contact, the
// one the consumer pages show beside a parcel's problem; empty fields
// where none is set.
func (s *Server) handleServiceContact(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, trail.BrandFromContext(r.Context()).Service)
}

// handleServiceContactPut replaces the brand's customer-service contact
// and answers it as stored.
func (s *Server) handleServiceContactPut(w http.ResponseWriter, r *http.Request) error {
	var c trail.ServiceContact
	if err := decodeJSON(w, r, &c); err != nil {
		return err
	}
	c.Normalize()
	if err := c.Validate(); err != nil {
		return err
	}
	if err := s.brands.PutServiceContact(r.Context(), brandID(r), c); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, c)
}
