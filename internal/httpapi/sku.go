package httpapi

import (
	"net/http"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// handleSKUPut creates or replaces a SKU of the catalogue. The code comes
// from the path; a "sku" in the body must repeat it. 201 if the SKU is new,
// 200 if it replaced one; the body is the SKU.
func (s *Server) handleSKUPut(w http.ResponseWriter, r *http.Request) error {
	var sku trail.SKU
	if err := decodeJSON(w, r, &sku); err != nil {
		return err
	}
	code := r.PathValue("sku")
	if sku.Code != "" && sku.Code != code {
		return trail.Invalid("sku", "sku %s in the body differs from %s in the path", trail.Quote(sku.Code), trail.Quote(code))
	}
	sku.Code = code
	if err := sku.Validate(); err != nil {
		return err
	}
	created, err := s.catalog.PutSKU(r.Context(), brandID(r), &sku)
	if err != nil {
		return err
	}
	return writeJSON(w, createdStatus(created), &sku)
}
