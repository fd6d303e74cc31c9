// Package webhook delivers events to brands' endpoints as Standard
// Webhooks v1 (docs/NOTIFY-PROTOCOLS.md §3.1): a JSON POST with the
// headers webhook-id, webhook-timestamp and webhook-signature, the last
// "v1," and the base64 HMAC-SHA256 of "id.timestamp.body" under the
// endpoint's secret (whsec_ and the base64 of the key).
//
// A receiver verifies a delivery like this (Verify does it in Go):
//
//  1. Take the three headers and the raw body, before any JSON parsing.
//  2. Refuse a timestamp more than five minutes from now, either way.
//  3. key = base64-decode(secret without "whsec_");
//     expected = base64(HMAC-SHA256(key, id + "." + timestamp + "." + body)).
//  4. Accept if any space-separated entry "v1,<sig>" of webhook-signature
//     equals expected, compared in constant time. During a secret rotation
//     deliveries carry one entry per secret.
//  5. Treat webhook-id as the idempotency key: a retry repeats it.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The headers of a delivery.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// DefaultTolerance is how far a delivery's timestamp may be from the
// receiver's clock, either way.
const DefaultTolerance = 5 * time.Minute

// secretPrefix starts every secret as shown to brands.
const secretPrefix = "whsec_"

// Verification failures. Verify wraps one of them.
var (
	ErrMissingHeaders = errors.New("missing webhook-id, webhook-timestamp or webhook-signature header")
	ErrTimestamp      = errors.New("webhook timestamp outside the tolerance")
	ErrSignature      = errors.New("no matching v1 signature")
	ErrSecret         = errors.New("secret is not whsec_ followed by base64")
)

// key decodes a secret: whsec_ (optional) and standard base64.
func key(secret string) ([]byte, error) {
	k, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, secretPrefix))
	if err != nil || len(k) == 0 {
		return nil, ErrSecret
	}
	return k, nil
}

// mac returns the raw HMAC-SHA256 of "id.timestamp.body".
func mac(k []byte, id string, timestamp int64, body []byte) []byte {
	h := hmac.New(sha256.New, k)
	h.Write([]byte(id))
	h.Write([]byte{'.'})
	h.Write([]byte(strconv.FormatInt(timestamp, 10)))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Sign returns the signature entry "v1,<base64>" of a delivery with the
// given id, Unix timestamp and body under secret. The id must not be empty
// nor contain a dot.
func Sign(secret, id string, timestamp int64, body []byte) (string, error) {
	if id == "" || strings.ContainsAny(id, ". ") {
		return "", fmt.Errorf("sign webhook: id %q is empty or has a dot or space", id)
	}
	k, err := key(secret)
	if err != nil {
		return "", fmt.Errorf("sign webhook: %w", err)
	}
	return "v1," + base64.StdEncoding.EncodeToString(mac(k, id, timestamp, body)), nil
}

// Verify checks a delivery's headers against its raw body and secret at
// time now, with the given tolerance (0 means DefaultTolerance). It
// accepts the delivery if any v1 entry of webhook-signature matches, so it
// works across the sender's secret rotation. The error wraps
// ErrMissingHeaders, ErrTimestamp, ErrSignature or ErrSecret.
func Verify(secret string, header http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	id, ts, sigs := header.Get(HeaderID), header.Get(HeaderTimestamp), header.Get(HeaderSignature)
	if id == "" || ts == "" || sigs == "" {
		return ErrMissingHeaders
	}
	k, err := key(secret)
	if err != nil {
		return err
	}
	timestamp, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %q is not a Unix time", ErrTimestamp, ts)
	}
	sent := time.Unix(timestamp, 0)
	if now.Sub(sent) > tolerance {
		return fmt.Errorf("%w: too old", ErrTimestamp)
	}
	if sent.Sub(now) > tolerance {
		return fmt.Errorf("%w: too new", ErrTimestamp)
	}
	want := mac(k, id, timestamp, body)
	for entry := range strings.FieldsSeq(sigs) {
		version, sig, ok := strings.Cut(entry, ",")
		if !ok || version != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(sig)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return ErrSignature
}
