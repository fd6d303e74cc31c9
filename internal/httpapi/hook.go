package httpapi

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// ResubscribeDelay is how long after a Kuaidi100 abort a valid number is
// subscribed again, as Kuaidi100 asks.
const ResubscribeDelay = 30 * time.Minute

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
	for _, u := range updates {
		if err := s.applyUpdate(r, brand, u); err != nil {
			return acct, "error", err
		}
	}
	return acct, "", nil
}

// applyUpdate stores what a push says of one parcel. A parcel the brand
// does not have is logged and skipped: a retry would not help.
func (s *Server) applyUpdate(r *http.Request, brand *trail.Brand, u trail.TrackUpdate) error {
	ctx := r.Context()
	carrier := u.Carrier
	if u.CorrectedCarrier != "" && u.CorrectedCarrier != u.Carrier {
		err := s.carriers.CorrectCarrier(ctx, brand.ID, u.Carrier, u.TrackingNo, u.CorrectedCarrier, "provider corrected the carrier code (autoCheck)")
		if err != nil && trail.ErrorCode(err) != trail.ENOTFOUND { // not found: corrected by an earlier push
			return fmt.Errorf("correct carrier of %s: %w", u.TrackingNo, err)
		}
		carrier = u.CorrectedCarrier
	}
	if len(u.Events) > 0 {
		res, err := s.shipments.Ingest(ctx, brand.ID, carrier, u.TrackingNo, u.Events)
		if trail.ErrorCode(err) == trail.ENOTFOUND {
			s.logger.Warn("push for an unknown parcel", "brand", brand.Slug, "carrier", carrier, "tracking_no", u.TrackingNo)
			return nil
		} else if err != nil {
			return err
		}
		s.ingest.Record(carrier, res)
	}
	// A stop that comes with a corrected carrier code is the provider
	// re-subscribing the parcel under that code itself: tracking goes on.
	if u.Stopped != "" && u.CorrectedCarrier == "" {
		err := s.tracking.StopTracking(ctx, brand.ID, carrier, u.TrackingNo, u.Stopped)
		if err != nil && trail.ErrorCode(err) != trail.ENOTFOUND {
			return err
		}
		if u.Resubscribe && err == nil {
			if err := s.tracking.Resubscribe(ctx, brand.ID, carrier, u.TrackingNo, s.now().Add(ResubscribeDelay)); err != nil {
				return err
			}
			s.logger.Info("parcel will be subscribed again", slog.String("carrier", carrier), slog.String("tracking_no", u.TrackingNo))
		}
	}
	return nil
}
