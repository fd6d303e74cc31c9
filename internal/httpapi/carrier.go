package httpapi

import (
	"net/http"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// carrierAccountRequest is the body of PUT /api/v1/carrier-accounts/{provider}.
type carrierAccountRequest struct {
	Credentials   map[string]string `json:"credentials"`
	BaseURL       string            `json:"base_url"`
	RatePerMinute int               `json:"rate_per_minute"`
}

// carrierAccountResponse is an account without its secrets.
type carrierAccountResponse struct {
	Provider      string   `json:"provider"`
	Fields        []string `json:"credential_fields"` // which credentials are set; their values are never returned
	BaseURL       string   `json:"base_url,omitempty"`
	RatePerMinute int      `json:"rate_per_minute"`
	CallbackURL   string   `json:"callback_url"`
	CreatedAt     string   `json:"created_at"`
	UpdatedAt     string   `json:"updated_at"`
}

func (s *Server) newCarrierAccountResponse(brand *trail.Brand, a *trail.CarrierAccount) carrierAccountResponse {
	resp := carrierAccountResponse{
		Provider: a.Provider, BaseURL: a.BaseURL, RatePerMinute: a.RatePerMinute,
		CallbackURL: trail.CallbackURL(s.publicURL, brand.Slug, a),
		CreatedAt:   formatTime(a.CreatedAt), UpdatedAt: formatTime(a.UpdatedAt),
	}
	for _, f := range trail.CredentialFields(a.Provider) {
		if a.Credentials[f] != "" {
			resp.Fields = append(resp.Fields, f)
		}
	}
	return resp
}

// handleCarrierAccountPut creates or replaces the brand's account with a
// provider; the answer carries the callback URL and never the secrets.
func (s *Server) handleCarrierAccountPut(w http.ResponseWriter, r *http.Request) error {
	var req carrierAccountRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	a := &trail.CarrierAccount{Provider: r.PathValue("provider"), Credentials: req.Credentials, BaseURL: req.BaseURL, RatePerMinute: req.RatePerMinute}
	if a.Credentials == nil {
		a.Credentials = map[string]string{}
	}
	a.Normalize()
	if err := a.Validate(); err != nil {
		return err
	}
	brand := trail.BrandFromContext(r.Context())
	created, err := s.carriers.PutCarrierAccount(r.Context(), brand.ID, a)
	if err != nil {
		return err
	}
	return writeJSON(w, createdStatus(created), s.newCarrierAccountResponse(brand, a))
}

// handleCarrierAccountList lists the brand's accounts without secrets.
func (s *Server) handleCarrierAccountList(w http.ResponseWriter, r *http.Request) error {
	brand := trail.BrandFromContext(r.Context())
	accounts, err := s.carriers.CarrierAccounts(r.Context(), brand.ID)
	if err != nil {
		return err
	}
	out := struct {
		Accounts []carrierAccountResponse `json:"accounts"`
	}{Accounts: []carrierAccountResponse{}}
	for _, a := range accounts {
		out.Accounts = append(out.Accounts, s.newCarrierAccountResponse(brand, a))
	}
	return writeJSON(w, http.StatusOK, out)
}

// handleCompliancePut records what the brand has verified of a carrier.
func (s *Server) handleCompliancePut(w http.ResponseWriter, r *http.Request) error {
	var c trail.Compliance
	if err := decodeJSON(w, r, &c); err != nil {
		return err
	}
	carrier := trail.NormalizeCarrier(r.PathValue("carrier"))
	c.Carrier = trail.NormalizeCarrier(c.Carrier)
	if c.Carrier != "" && c.Carrier != carrier {
		return trail.Invalid("carrier", "carrier %s in the body differs from %s in the path", trail.Quote(c.Carrier), trail.Quote(carrier))
	}
	c.Carrier = carrier
	if err := c.Validate(); err != nil {
		return err
	}
	created, err := s.carriers.PutCompliance(r.Context(), brandID(r), &c)
	if err != nil {
		return err
	}
	return writeJSON(w, createdStatus(created), &c)
}

// candidateResponse is one carrier a tracking number may belong to.
type candidateResponse struct {
	Carrier    string  `json:"carrier"`
	Name       string  `json:"name"`
	Confidence float64 `json:"confidence"`
}

func newCandidates(cs []trail.Candidate) []candidateResponse {
	out := make([]candidateResponse, len(cs))
	for i, c := range cs {
		cr, _ := trail.LookupCarrier(c.Carrier)
		out[i] = candidateResponse{Carrier: c.Carrier, Name: cr.Name, Confidence: c.Confidence}
	}
	return out
}

// handleCarrierDetect ranks the carriers a tracking number may belong to.
func (s *Server) handleCarrierDetect(w http.ResponseWriter, r *http.Request) error {
	no := trail.NormalizeTrackingNo(r.URL.Query().Get("tracking_no"))
	if no == "" {
		return trail.Invalid("tracking_no", "tracking_no is required")
	}
	return writeJSON(w, http.StatusOK, struct {
		TrackingNo string              `json:"tracking_no"`
		Candidates []candidateResponse `json:"candidates"`
	}{no, newCandidates(trail.DetectCarrier(no))})
}
