package httpapi

import (
	"crypto/subtle"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// handleHook receives a provider's push at /hooks/{provider}/{brand}?token=.
// It checks the account's token and the provider's signature before
// anything else, hands the events to the ingestion core, and acknowledges
// with the provider's exact success body only after they are committed.
// Anything it refuses stores nothing and gets the provider's failure body.
func (s *Server) handleHook(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("provider")
	provider := s.providers[name]
	if provider == nil {
		return trail.Errorf(trail.ENOTFOUND, "No provider %s.", trail.Quote(name))
	}
	acct, reason, err := s.receivePush(w, r, provider)
	if err != nil {
		s.pushes.WithLabelValues(name, reason).Inc()
		if trail.ErrorCode(err) == trail.EINTERNAL {
			s.logger.Error("carrier push failed", "provider", name, "brand", r.PathValue("brand"), "error", err)
		} else {
			s.logger.Warn("carrier push refused", "provider", name, "brand", r.PathValue("brand"), "reason", reason, "error", trail.ErrorMessage(err))
		}
	} else {
		s.pushes.WithLabelValues(name, "accepted").Inc()
	}
	if acct == nil {
		acct = &trail.CarrierAccount{Provider: name}
	}
	status, contentType, body := provider.Reply(acct, err)
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	w.Write(body) // a provider that does not read the reply retries
	return nil
}

// receivePush authenticates, parses and stores one push. It returns the
// account (when known), a metric reason for a refusal, and the error.
func (s *Server) receivePush(w http.ResponseWriter, r *http.Request, provider trail.Provider) (*trail.CarrierAccount, string, error) {
	ctx := r.Context()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, "too_large", trail.Errorf(trail.ETOOLARGE, "Body over %d bytes.", MaxBodyBytes)
		}
		return nil, "malformed", trail.Errorf(trail.EMALFORMED, "Body could not be read.")
	}
	// An unknown brand, a brand without an account with the provider and
	// a wrong token get one and the same refusal, so that a caller learns
	// nothing of which brands and accounts exist; the reason (metric and
	// log) tells them apart.
	refused := trail.Errorf(trail.EUNAUTHORIZED, "Unknown callback URL or wrong token.")
	brand, err := s.brands.BrandBySlug(ctx, r.PathValue("brand"))
	if trail.ErrorCode(err) == trail.ENOTFOUND {
		return nil, "unknown_brand", refused
	} else if err != nil {
		return nil, "error", err
	}
	acct, err := s.carriers.CarrierAccount(ctx, brand.ID, provider.Name())
	if trail.ErrorCode(err) == trail.ENOTFOUND {
		return nil, "unknown_account", refused
	} else if err != nil {
		return nil, "error", err
	}
	// An account without a token accepts no push: two empty strings would
	// compare equal. A refused caller gets a reply built without the
	// account, as some replies echo a credential (Kuaidiniao's EBusinessID).
	token := r.URL.Query().Get("token")
	if acct.CallbackToken == "" || subtle.ConstantTimeCompare([]byte(token), []byte(acct.CallbackToken)) != 1 {
		return nil, "bad_token", refused
	}
	updates, err := provider.ParsePush(acct, r.Header.Get("Content-Type"), body)
	switch trail.ErrorCode(err) {
	case "":
	case trail.EUNAUTHORIZED:
		return acct, "bad_signature", err
	case trail.EINTERNAL:
		return acct, "error", err
	default:
		return acct, "malformed", err
	}
	if len(updates) == 0 {
		return acct, "", nil
	}
	applied, err := s.shipments.Apply(ctx, brand.ID, updates)
	if err != nil {
		if trail.ErrorCode(err) == trail.EINTERNAL {
			return acct, "error", err
		}
		return acct, "refused", err // such as a parcel past trail.MaxEventsPerParcel
	}
	for _, a := range applied {
		s.recordApplied(brand, a)
	}
	return acct, "", nil
}

// recordApplied logs and counts what a push did to one parcel. A parcel the
// brand does not have is skipped without failing the push: a retry would
// not help.
func (s *Server) recordApplied(brand *trail.Brand, a trail.Applied) {
	switch {
	case !a.Found:
		s.logger.Warn("push for an unknown parcel", "brand", brand.Slug, "carrier", a.Carrier, "tracking_no", a.TrackingNo)
		return
	case a.Corrected:
		s.logger.Info("provider corrected the carrier", "brand", brand.Slug, "carrier", a.Carrier, "tracking_no", a.TrackingNo)
	}
	if a.Result != nil {
		s.ingest.Record(a.Carrier, a.Result)
	}
	if a.ResubscribeAt != nil {
		s.logger.Info("parcel will be subscribed again", slog.String("carrier", a.Carrier), slog.String("tracking_no", a.TrackingNo),
			slog.Time("at", *a.ResubscribeAt))
	}
}
