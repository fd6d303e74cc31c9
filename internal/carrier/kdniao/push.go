package kdniao

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// Push request types (docs/CARRIER-PROTOCOLS.md §2.4).
const (
	pushTrace      = "101" // traces of a standard subscription
	pushTraceValue = "102" // traces of a value-added subscription
	pushCOD        = "107" // cash-on-delivery status: no traces
)

// push is a push's RequestData. Data is read only once RequestType says
// it holds parcels: the elements of a cash-on-delivery push differ.
type push struct {
	EBusinessID code
	Data        json.RawMessage
}

// ParsePush verifies and parses a push of traces (RequestType 101 or 102)
// into one update per parcel in its Data; a parcel without traces gives an
// update without events. A cash-on-delivery push (107) is accepted and
// gives no updates. The body is read as a form whatever the content type,
// which is therefore ignored: Kuaidiniao always sends a form.
//
// RequestData that is still URL-encoded after form decoding (it starts with
// "%7B") is unescaped once more. DataSign must sign the JSON; when the JSON
// arrived URL-encoded twice, a DataSign over the encoded text is accepted
// too, since it also needs the app key. A DataSign itself URL-encoded twice
// verifies as well.
//
// Events have Source push, AcceptTime read in China time (with dashes or
// slashes), and statuses from the package's table: a trace's own Action, or
// for code-less traces the parcel's StateEx (else State) on the newest
// trace only. A parcel whose ShipperCode the table lacks keeps the raw
// ShipperCode as its Carrier, which no canonical code equals.
//
// EUNAUTHORIZED if DataSign is missing or wrong or the push names another
// EBusinessID; EMALFORMED if the form, the JSON, a trace's time or code
// cannot be read or a parcel lacks ShipperCode or LogisticCode; EINVALID for
// another RequestType; ETOOLARGE for a parcel with more traces than trail
// takes at once. An account without credentials is an internal error.
func (c *Client) ParsePush(acct *trail.CarrierAccount, _ string, body []byte) ([]trail.TrackUpdate, error) {
	id, key, ok := credentials(acct)
	if !ok {
		return nil, errors.New("kdniao push: the account lacks ebusiness_id or app_key")
	}
	f, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, malformed("", "the body is not a form")
	}
	raw := f.Get("RequestData")
	if raw == "" {
		return nil, malformed("RequestData", "RequestData is missing")
	}
	data := raw
	if len(raw) >= 3 && strings.EqualFold(raw[:3], "%7B") {
		if data, err = url.QueryUnescape(raw); err != nil {
			return nil, malformed("RequestData", "RequestData is badly URL-encoded")
		}
	}
	if !verify(f.Get("DataSign"), key, data, raw) {
		return nil, &trail.Error{Code: trail.EUNAUTHORIZED, Field: "DataSign", Message: "DataSign is missing or wrong"}
	}
	var p push
	if err := json.Unmarshal([]byte(data), &p); err != nil {
		return nil, malformed("RequestData", "RequestData is not the JSON of a push")
	}
	if string(p.EBusinessID) != id {
		return nil, otherAccount("EBusinessID")
	}
	switch f.Get("RequestType") {
	case pushCOD:
		return nil, nil
	case pushTrace, pushTraceValue:
	default:
		return nil, trail.Invalid("RequestType", "RequestType must be %s, %s or %s", pushTrace, pushTraceValue, pushCOD)
	}
	var parcels []parcel
	if len(p.Data) > 0 {
		if err := json.Unmarshal(p.Data, &parcels); err != nil {
			return nil, malformed("RequestData.Data", "Data is not a list of parcels")
		}
	}
	updates := make([]trail.TrackUpdate, 0, len(parcels))
	for i := range parcels {
		d := &parcels[i]
		field := fmt.Sprintf("Data[%d]", i)
		if d.EBusinessID != "" && string(d.EBusinessID) != id {
			return nil, otherAccount(field + ".EBusinessID")
		}
		shipper, no := strings.TrimSpace(d.ShipperCode), strings.TrimSpace(d.LogisticCode)
		if shipper == "" || no == "" {
			return nil, malformed(field, "a parcel needs ShipperCode and LogisticCode")
		}
		carrier, ok := CanonicalCarrier(shipper)
		if !ok {
			carrier = shipper
		}
		events, err := d.events(field+".Traces", trail.SourcePush)
		if err != nil {
			return nil, err
		}
		updates = append(updates, trail.TrackUpdate{Carrier: carrier, TrackingNo: no, Events: events})
	}
	return updates, nil
}

// otherAccount returns the EUNAUTHORIZED error of a push for another
// EBusinessID.
func otherAccount(field string) *trail.Error {
	return &trail.Error{Code: trail.EUNAUTHORIZED, Field: field, Message: "the push is for another kdniao account"}
}

// verify reports, in constant time per comparison, whether sign is the
// DataSign of one of texts. A sign holding "%" was URL-encoded twice and is
// tried unescaped once more too; the Base64 of hex text holds no "+" or
// "/", so only its padding "=" is ever escaped.
func verify(sign, key string, texts ...string) bool {
	if sign == "" {
		return false
	}
	signs := []string{sign}
	if strings.Contains(sign, "%") {
		if s, err := url.PathUnescape(sign); err == nil {
			signs = append(signs, s)
		}
	}
	ok := false
	for _, text := range texts {
		want := []byte(Sign(text, key))
		for _, s := range signs {
			ok = subtle.ConstantTimeCompare(want, []byte(s)) == 1 || ok
		}
	}
	return ok
}

// reply is the body Kuaidiniao expects in answer to a push.
type reply struct {
	EBusinessID string
	UpdateTime  string
	Success     bool
	Reason      string
}

// Reply returns the answer to a push: 200 with Success=true if err is nil;
// otherwise Success=false with a short Reason, and 500 for an internal
// error, so that Kuaidiniao retries, or 400 for anything the push itself
// got wrong. UpdateTime is Now in China time.
func (c *Client) Reply(acct *trail.CarrierAccount, err error) (status int, contentType string, body []byte) {
	id, _, _ := credentials(acct)
	r := reply{EBusinessID: id, UpdateTime: c.now().In(trail.ChinaTime).Format(time.DateTime), Success: err == nil}
	status = http.StatusOK
	switch code := trail.ErrorCode(err); code {
	case "":
	case trail.EINTERNAL:
		status, r.Reason = http.StatusInternalServerError, "internal error"
	default:
		status, r.Reason = http.StatusBadRequest, code+": "+trail.ErrorMessage(err)
	}
	body, _ = json.Marshal(r) // strings and a bool always marshal
	return status, "application/json", body
}
