package sf

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// maxTrackingNo bounds a waybill number, as trail does for shipments.
const maxTrackingNo = 40

// timeLayout reads SF's "yyyy-MM-dd HH:mm:ss"; one SDK documents the month
// and day without leading zeros (2012-7-30 09:30:00), which it also reads.
const timeLayout = "2006-1-2 15:04:05"

// text is a JSON scalar read as a string: SF sends ids and codes sometimes
// as strings and sometimes as numbers.
type text string

// UnmarshalJSON accepts a string, a number, a boolean or null.
func (t *text) UnmarshalJSON(b []byte) error {
	switch s := string(b); {
	case s == "null":
		*t = ""
	case s == "true" || s == "false":
		*t = text(s)
	case strings.HasPrefix(s, `"`):
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*t = text(v)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("want a string or a number, got %.20s", s)
		}
		*t = text(n)
	}
	return nil
}

func (t text) trim() string { return strings.TrimSpace(string(t)) }

// route is one route node, as pushed (WaybillRoute) or queried (routes).
// A query's routes carry neither id nor mailno.
type route struct {
	ID            text `json:"id"`
	MailNo        text `json:"mailno"` // JSON field names match case-insensitively: mailNo too
	AcceptTime    text `json:"acceptTime"`
	AcceptAddress text `json:"acceptAddress"`
	Remark        text `json:"remark"`
	OpCode        text `json:"opCode"`
	ReasonName    text `json:"reasonName"`
}

// routeList is a list of routes; a single route object is read as a list of
// one, as XML-to-JSON converters write a lone element.
type routeList []route

// UnmarshalJSON accepts an array of routes or one route.
func (l *routeList) UnmarshalJSON(b []byte) error {
	if b = bytes.TrimSpace(b); len(b) > 0 && b[0] == '{' {
		var r route
		if err := json.Unmarshal(b, &r); err != nil {
			return err
		}
		*l = routeList{r}
		return nil
	}
	return json.Unmarshal(b, (*[]route)(l))
}

// event maps a route to a normalised, validated carrier event; field names
// the route in its message for errors (EMALFORMED).
func (r *route) event(field, source string) (trail.CarrierEvent, error) {
	t, err := time.ParseInLocation(timeLayout, r.AcceptTime.trim(), trail.ChinaTime)
	if err != nil {
		return trail.CarrierEvent{}, &trail.Error{Code: trail.EMALFORMED, Field: field + ".acceptTime",
			Message: fmt.Sprintf("acceptTime %.40q is not yyyy-MM-dd HH:mm:ss", r.AcceptTime)}
	}
	code := r.OpCode.trim()
	if code == "" {
		return trail.CarrierEvent{}, &trail.Error{Code: trail.EMALFORMED, Field: field + ".opCode", Message: "opCode is required"}
	}
	status, sub := mapOpCode(code)
	desc, reason := r.Remark.trim(), r.ReasonName.trim()
	switch {
	case reason == "" || strings.Contains(desc, reason):
	case desc == "":
		desc = reason
	default:
		desc += "（" + reason + "）"
	}
	e := trail.CarrierEvent{
		Time:        t,
		Status:      status,
		SubStatus:   sub,
		RawCode:     code,
		Description: desc,
		Location:    r.AcceptAddress.trim(),
		ExternalID:  r.ID.trim(),
		Source:      source,
	}
	e.Normalize()
	if err := e.Validate(field); err != nil {
		malformed := &trail.Error{Code: trail.EMALFORMED, Field: field, Message: trail.ErrorMessage(err)}
		if v := (*trail.Error)(nil); errors.As(err, &v) {
			malformed.Field = v.Field
		}
		return trail.CarrierEvent{}, malformed
	}
	return e, nil
}
