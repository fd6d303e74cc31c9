package httpapi

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// maxAPIKeyLen bounds what is looked up as an API key; real keys are far
// shorter.
const maxAPIKeyLen = 200

// authenticate finds the brand whose API key the request carries as
// "Authorization: Bearer <key>". A missing or unknown key is EUNAUTHORIZED,
// with the WWW-Authenticate challenge set on w.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (*trail.Brand, error) {
	scheme, key, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	key = strings.TrimSpace(key)
	if !strings.EqualFold(scheme, "Bearer") || key == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="bottletrail"`)
		return nil, trail.Errorf(trail.EUNAUTHORIZED, "an API key is required: Authorization: Bearer <key>")
	}
	invalid := func() (*trail.Brand, error) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="bottletrail", error="invalid_token"`)
		return nil, trail.Errorf(trail.EUNAUTHORIZED, "the API key is not valid")
	}
	if !strings.HasPrefix(key, trail.APIKeyPrefix) || len(key) > maxAPIKeyLen {
		return invalid()
	}
	b, err := s.brands.BrandByAPIKey(r.Context(), key)
	if trail.ErrorCode(err) == trail.ENOTFOUND {
		return invalid()
	} else if err != nil {
		return nil, fmt.Errorf("authenticate API key: %w", err)
	}
	return b, nil
}
