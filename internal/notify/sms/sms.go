// Package sms sends text messages through Aliyun SMS (dysmsapi, API
// version 2017-05-25) and checks its delivery reports, speaking the RPC
// protocol with signature v1 (HMAC-SHA1) exactly as
// docs/NOTIFY-PROTOCOLS.md §1 describes it.
//
// Aliyun does not de-duplicate: a SendSms that timed out may still reach
// the phone. Every message therefore carries its idempotency key as
// OutId, a send whose outcome is unclear fails with trail.Unclear, and
// Delivered looks the key up in the delivery reports (QuerySendDetails)
// before anyone sends it again.
package sms

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// DefaultBaseURL is Aliyun SMS's global endpoint.
const DefaultBaseURL = "https://dysmsapi.aliyuncs.com"

// apiVersion is the dysmsapi version spoken.
const apiVersion = "2017-05-25"

// maxReply bounds a reply read.
const maxReply = 1 << 20

// Client is an Aliyun SMS account. It implements trail.Sender for
// trail.ChannelSMS and trail.ReportChecker. Set the credentials and the
// signature; the other fields have defaults. Its methods are safe for
// concurrent use.
type Client struct {
	// BaseURL is the endpoint, such as the simulator's
	// http://127.0.0.1:7071/aliyun; empty means DefaultBaseURL.
	BaseURL string
	// AccessKeyID and AccessKeySecret are the RAM user's AccessKey.
	AccessKeyID     string
	AccessKeySecret string
	// SignName is the approved signature (签名) shown as 【…】 before the
	// text, e.g. 瓶迹.
	SignName string
	// RegionID is the region parameter; empty means cn-hangzhou.
	RegionID string
	// HTTP sends the requests; nil means a client with DefaultTimeout
	// (Aliyun recommends at least 1 s).
	HTTP *http.Client
	// Now is the clock of the Timestamp parameter; nil means time.Now.
	Now func() time.Time
	// Nonce returns a SignatureNonce, unique per request; nil means a
	// random one.
	Nonce func() string
}

var (
	_ trail.Sender        = (*Client)(nil)
	_ trail.ReportChecker = (*Client)(nil)
)

// DefaultTimeout bounds one request when Client.HTTP is nil.
const DefaultTimeout = 10 * time.Second

var defaultHTTP = &http.Client{Timeout: DefaultTimeout}

// reply is the JSON answer of every action, with the fields of SendSms and
// QuerySendDetails.
type reply struct {
	Code      string `json:"Code"`
	Message   string `json:"Message"`
	RequestID string `json:"RequestId"`
	BizID     string `json:"BizId"`
	// QuerySendDetails
	TotalCount        flexInt `json:"TotalCount"`
	SmsSendDetailDTOs struct {
		SmsSendDetailDTO []SendDetail `json:"SmsSendDetailDTO"`
	} `json:"SmsSendDetailDTOs"`
}

// SendDetail is one message of a delivery report.
type SendDetail struct {
	PhoneNum     string `json:"PhoneNum"`
	SendStatus   int    `json:"SendStatus"` // 1 waiting for the receipt, 2 failed, 3 delivered
	ErrCode      string `json:"ErrCode"`
	TemplateCode string `json:"TemplateCode"`
	Content      string `json:"Content"`
	SendDate     string `json:"SendDate"`
	ReceiveDate  string `json:"ReceiveDate"`
	OutID        string `json:"OutId"`
}

// flexInt reads a count sent as a JSON number or a string.
type flexInt int64

func (n *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*n = 0
		return nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	*n = flexInt(v)
	return err
}

// Send sends m.Template to the mobile number m.To with m.Params as
// TemplateParam and m.IdempotencyKey as OutId. The receipt's ProviderID is
// the BizId. Failures are classified as Codes says; a request that may
// have reached Aliyun and got no clear answer is trail.Unclear.
func (c *Client) Send(ctx context.Context, m *trail.Message) (*trail.Receipt, error) {
	switch {
	case !trail.ValidIdempotencyKey(m.IdempotencyKey):
		return nil, &trail.SendError{Kind: trail.Permanent, Message: fmt.Sprintf("OutId %q is not a valid idempotency key", m.IdempotencyKey)}
	case m.To == "":
		return nil, &trail.SendError{Kind: trail.Permanent, Code: "isv.MOBILE_NUMBER_ILLEGAL", Message: "no phone number"}
	case m.Template == "":
		return nil, &trail.SendError{Kind: trail.Permanent, Code: "isv.SMS_TEMPLATE_ILLEGAL", Message: "no template code"}
	}
	p := url.Values{}
	p.Set("Action", "SendSms")
	p.Set("PhoneNumbers", m.To)
	p.Set("SignName", c.SignName)
	p.Set("TemplateCode", m.Template)
	if len(m.Params) > 0 {
		p.Set("TemplateParam", TemplateParam(m.Params))
	}
	p.Set("OutId", m.IdempotencyKey)
	r, err := c.call(ctx, p)
	if err != nil {
		return nil, err
	}
	return &trail.Receipt{ProviderID: r.BizID, Detail: "OK " + r.RequestID}, nil
}

// TemplateParam encodes template variables as Aliyun wants them: a JSON
// object of strings, in the given order, with no HTML escaping.
func TemplateParam(params []trail.Param) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	b.WriteByte('{')
	for i, p := range params {
		if i > 0 {
			b.WriteByte(',')
		}
		_ = enc.Encode(p.Name) // strings always encode
		b.Truncate(b.Len() - 1)
		b.WriteByte(':')
		_ = enc.Encode(p.Value)
		b.Truncate(b.Len() - 1)
	}
	b.WriteByte('}')
	return b.String()
}

// Delivered implements trail.ReportChecker: it reads the delivery reports
// of m.To for every China-time day from m.CreatedAt (or yesterday) to
// today, at most 30 days as Aliyun keeps, and looks for OutId
// m.IdempotencyKey, whatever its SendStatus.
func (c *Client) Delivered(ctx context.Context, m *trail.Message) (bool, error) {
	now := c.now()
	from := m.CreatedAt
	if from.IsZero() || from.After(now) {
		from = now.Add(-24 * time.Hour)
	}
	if oldest := now.AddDate(0, 0, -29); from.Before(oldest) {
		from = oldest
	}
	phone := nationalNumber(m.To)
	today := civil(now)
	for day := civil(from); !day.After(today); day = day.AddDate(0, 0, 1) {
		found, err := c.findOutID(ctx, phone, day.Format("20060102"), m.IdempotencyKey)
		if err != nil || found {
			return found, err
		}
	}
	return false, nil
}

// maxPages bounds the pages of one day's report read by Delivered.
const maxPages = 40

// findOutID pages through one day's report of a phone for an OutId.
func (c *Client) findOutID(ctx context.Context, phone, date, outID string) (bool, error) {
	const pageSize = 50
	for page := 1; page <= maxPages; page++ {
		p := url.Values{}
		p.Set("Action", "QuerySendDetails")
		p.Set("PhoneNumber", phone)
		p.Set("SendDate", date)
		p.Set("PageSize", strconv.Itoa(pageSize))
		p.Set("CurrentPage", strconv.Itoa(page))
		r, err := c.call(ctx, p)
		if err != nil {
			return false, fmt.Errorf("query send details of %s: %w", date, err)
		}
		details := r.SmsSendDetailDTOs.SmsSendDetailDTO
		for _, d := range details {
			if d.OutID == outID {
				return true, nil
			}
		}
		if len(details) < pageSize || int64(page*pageSize) >= int64(r.TotalCount) {
			return false, nil
		}
	}
	return false, fmt.Errorf("query send details of %s: more than %d pages", date, maxPages)
}

// civil returns the China-time midnight of t's day.
func civil(t time.Time) time.Time {
	y, m, d := t.In(trail.ChinaTime).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, trail.ChinaTime)
}

// nationalNumber strips a mainland prefix (+86, 0086, 86) from an 11-digit
// mobile number, as QuerySendDetails wants it.
func nationalNumber(phone string) string {
	for _, prefix := range []string{"+86", "0086", "86"} {
		if rest, ok := strings.CutPrefix(phone, prefix); ok && len(rest) == 11 && rest[0] == '1' {
			return rest
		}
	}
	return phone
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// call signs and posts one action and returns its reply when Code is OK;
// any other outcome is a *trail.SendError.
func (c *Client) call(ctx context.Context, p url.Values) (*reply, error) {
	p.Set("AccessKeyId", c.AccessKeyID)
	p.Set("Format", "JSON")
	p.Set("RegionId", c.RegionID)
	if c.RegionID == "" {
		p.Set("RegionId", "cn-hangzhou")
	}
	p.Set("SignatureMethod", "HMAC-SHA1")
	p.Set("SignatureVersion", "1.0")
	nonce := rand.Text()
	if c.Nonce != nil {
		nonce = c.Nonce()
	}
	p.Set("SignatureNonce", nonce)
	p.Set("Timestamp", c.now().UTC().Format("2006-01-02T15:04:05Z"))
	p.Set("Version", apiVersion)
	p.Set("Signature", Sign(http.MethodPost, p, c.AccessKeySecret))

	base := c.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	// Parameters travel in the form body, so phone numbers stay out of
	// URLs and access logs.
	req, err := http.NewRequest(http.MethodPost, strings.TrimRight(base, "/")+"/", strings.NewReader(p.Encode()))
	if err != nil {
		return nil, &trail.SendError{Kind: trail.Permanent, Message: "bad base URL", Err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	var wrote atomic.Bool
	req = req.WithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteHeaders: func() { wrote.Store(true) }}))
	hc := c.HTTP
	if hc == nil {
		hc = defaultHTTP
	}
	resp, err := hc.Do(req)
	if err != nil {
		kind := trail.Transient
		if wrote.Load() {
			kind = trail.Unclear // the request may have arrived
		}
		return nil, &trail.SendError{Kind: kind, Err: fmt.Errorf("%s: %w", p.Get("Action"), err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxReply))
	if err != nil {
		return nil, &trail.SendError{Kind: trail.Unclear, Code: "HTTP " + strconv.Itoa(resp.StatusCode), Err: fmt.Errorf("read reply: %w", err)}
	}
	var r reply
	if err := json.Unmarshal(body, &r); err != nil || r.Code == "" {
		return nil, &trail.SendError{Kind: statusKind(resp.StatusCode), Code: "HTTP " + strconv.Itoa(resp.StatusCode),
			Message: "the reply is not Aliyun's JSON"}
	}
	if r.Code == "OK" {
		return &r, nil
	}
	kind, after := Classify(r.Code, r.Message, c.now())
	msg := r.Message
	if r.RequestID != "" {
		msg += " (RequestId " + r.RequestID + ")"
	}
	return nil, &trail.SendError{Kind: kind, Code: r.Code, Message: msg, RetryAfter: after}
}

// statusKind classifies an answer that is not Aliyun's JSON by its status:
// a gateway's 5xx may hide a message sent, 429 is throttling, the rest
// means a wrong endpoint.
func statusKind(status int) trail.FailureKind {
	switch {
	case status >= 500:
		return trail.Unclear
	case status == http.StatusTooManyRequests:
		return trail.Transient
	}
	return trail.Permanent
}
