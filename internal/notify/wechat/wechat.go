// Package wechat sends WeChat mini-program subscription messages
// (订阅消息) as docs/NOTIFY-PROTOCOLS.md §2 describes them: an access
// token from /cgi-bin/stable_token, kept and shared by every send until
// shortly before it expires, then POST /cgi-bin/message/subscribe/send.
// A send refused for its token (40001, 40014, 42001) fetches a new token
// once and tries once more.
package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// DefaultBaseURL is WeChat's API host.
const DefaultBaseURL = "https://api.weixin.qq.com"

// DefaultRefreshBefore is how long before its expiry a token is replaced.
const DefaultRefreshBefore = 5 * time.Minute

// maxThing is the length limit of a thing keyword, in characters.
const maxThing = 20

// Client is one mini-program. It implements trail.Sender for
// trail.ChannelWeChat. Set AppID and AppSecret; the other fields have
// defaults. Its methods are safe for concurrent use; keep one Client per
// appid, so that one token serves every send.
type Client struct {
	// BaseURL is the API host, such as the simulator's
	// http://127.0.0.1:7071/wechat; empty means DefaultBaseURL.
	BaseURL   string
	AppID     string
	AppSecret string
	// MiniprogramState is the version the card opens: formal (empty),
	// trial or developer.
	MiniprogramState string
	// Lang is the card's language; empty means zh_CN.
	Lang string
	// HTTP sends the requests; nil means a client with DefaultTimeout.
	HTTP *http.Client
	// Now is the clock that ages tokens; nil means time.Now.
	Now func() time.Time
	// RefreshBefore is how long before its expiry a token is replaced; 0
	// means DefaultRefreshBefore.
	RefreshBefore time.Duration

	mu      sync.Mutex // held while a token is fetched: one fetch at a time
	token   string
	renewAt time.Time
}

var _ trail.Sender = (*Client)(nil)

// DefaultTimeout bounds one request when Client.HTTP is nil.
const DefaultTimeout = 10 * time.Second

var defaultHTTP = &http.Client{Timeout: DefaultTimeout}

// reply is WeChat's answer to any call.
type reply struct {
	ErrCode     int    `json:"errcode"`
	ErrMsg      string `json:"errmsg"`
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
	MsgID       int64  `json:"msgid"`
}

// tokenErrors are the codes that refuse a send for its token.
var tokenErrors = map[int]bool{40001: true, 40014: true, 42001: true}

// Send sends the subscription message m.Template to the openid m.To with
// m.Params as its keywords (thing values cut to 20 characters) and m.Page
// as the page the card opens. The receipt's ProviderID is the msgid.
// Failures are classified as Classify says; a request that may have
// reached WeChat and got no answer is trail.Unclear (WeChat keeps no
// report to check, but a user's one-time subscription allows one message).
func (c *Client) Send(ctx context.Context, m *trail.Message) (*trail.Receipt, error) {
	if m.To == "" || m.Template == "" {
		return nil, &trail.SendError{Kind: trail.Permanent, Message: "no openid or template_id"}
	}
	body := c.sendBody(m)
	rejected := ""
	for attempt := 0; ; attempt++ {
		tok, err := c.accessToken(ctx, rejected)
		if err != nil {
			return nil, err
		}
		r, err := c.call(ctx, http.MethodPost, "/cgi-bin/message/subscribe/send?access_token="+url.QueryEscape(tok), body, true)
		if err != nil {
			return nil, err
		}
		if r.ErrCode == 0 {
			return &trail.Receipt{ProviderID: strconv.FormatInt(r.MsgID, 10), Detail: "errcode 0"}, nil
		}
		if tokenErrors[r.ErrCode] && attempt == 0 {
			rejected = tok
			continue
		}
		kind, after := Classify(r.ErrCode, c.now())
		return nil, &trail.SendError{Kind: kind, Code: strconv.Itoa(r.ErrCode), Message: r.ErrMsg, RetryAfter: after}
	}
}

// sendBody encodes the request of subscribe/send, keywords in order.
func (c *Client) sendBody(m *trail.Message) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	str := func(s string) {
		_ = enc.Encode(s) // strings always encode
		b.Truncate(b.Len() - 1)
	}
	field := func(name, value string) {
		str(name)
		b.WriteByte(':')
		str(value)
		b.WriteByte(',')
	}
	b.WriteByte('{')
	field("touser", m.To)
	field("template_id", m.Template)
	if m.Page != "" {
		field("page", m.Page)
	}
	state, lang := c.MiniprogramState, c.Lang
	if state == "" {
		state = "formal"
	}
	if lang == "" {
		lang = "zh_CN"
	}
	field("miniprogram_state", state)
	field("lang", lang)
	b.WriteString(`"data":{`)
	for i, p := range m.Params {
		if i > 0 {
			b.WriteByte(',')
		}
		v := p.Value
		if strings.TrimRight(p.Name, "0123456789") == "thing" && utf8.RuneCountInString(v) > maxThing {
			v = string([]rune(v)[:maxThing])
		}
		str(p.Name)
		b.WriteString(`:{"value":`)
		str(v)
		b.WriteByte('}')
	}
	b.WriteString("}}")
	return b.Bytes()
}

// Classify says what a subscribe/send errcode means, and how long to wait
// when that can be told:
//
//   - transient: -1 system busy, 43108 concurrent sending, 45009 the daily
//     quota (until the next China-time day), 45011 API frequency, and a
//     token error that a fresh token did not cure (40001, 40014, 42001);
//   - permanent: every other code, among them 43101 (the user refused or
//     used up the subscription), 40003 (bad openid), 40037 (bad
//     template), 41030 (bad page), 43107 (capability banned), 45168
//     (sensitive words), 47001 and 47003 (bad data).
func Classify(errcode int, now time.Time) (trail.FailureKind, time.Duration) {
	switch errcode {
	case -1, 43108, 45011:
		return trail.Transient, 0
	case 45009:
		y, m, d := now.In(trail.ChinaTime).Date()
		return trail.Transient, time.Date(y, m, d+1, 0, 0, 0, 0, trail.ChinaTime).Sub(now)
	}
	if tokenErrors[errcode] {
		return trail.Transient, 0
	}
	return trail.Permanent, 0
}

// accessToken returns the cached token, or fetches one when there is none,
// it is due for renewal, or it is the one a send was just refused for
// (rejected), in which case the fetch forces a new token unless another
// send has replaced it already. One fetch runs at a time; the others wait
// for it.
func (c *Client) accessToken(ctx context.Context, rejected string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if c.token != "" && c.token != rejected && now.Before(c.renewAt) {
		return c.token, nil
	}
	force := rejected != "" && c.token == rejected
	body, _ := json.Marshal(map[string]any{"grant_type": "client_credential", "appid": c.AppID, "secret": c.AppSecret, "force_refresh": force})
	r, err := c.call(ctx, http.MethodPost, "/cgi-bin/stable_token", body, false)
	if err != nil {
		return "", err
	}
	if r.ErrCode != 0 || r.AccessToken == "" {
		kind := trail.Permanent // 40001 wrong secret, 40013 bad appid, 40164 IP not allowed, 40002
		if r.ErrCode == -1 || r.ErrCode == 45009 || r.ErrCode == 45011 {
			kind = trail.Transient
		}
		return "", &trail.SendError{Kind: kind, Code: strconv.Itoa(r.ErrCode), Message: "access token: " + r.ErrMsg}
	}
	ttl := time.Duration(r.ExpiresIn) * time.Second
	early := c.RefreshBefore
	if early <= 0 {
		early = DefaultRefreshBefore
	}
	c.token, c.renewAt = r.AccessToken, now.Add(ttl-min(early, ttl/2))
	return c.token, nil
}

// call posts a JSON body and reads WeChat's reply. A failure after the
// request was written is Unclear when sending (it may have gone out) and
// Transient otherwise.
func (c *Client) call(ctx context.Context, method, path string, body []byte, sending bool) (*reply, error) {
	base := c.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	req, err := http.NewRequest(method, strings.TrimRight(base, "/")+path, bytes.NewReader(body))
	if err != nil {
		return nil, &trail.SendError{Kind: trail.Permanent, Message: "bad base URL", Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	var wrote atomic.Bool
	req = req.WithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteHeaders: func() { wrote.Store(true) }}))
	hc := c.HTTP
	if hc == nil {
		hc = defaultHTTP
	}
	name := strings.TrimPrefix(path[:strings.IndexByte(path+"?", '?')], "/cgi-bin/")
	unclear := trail.Transient
	if sending {
		unclear = trail.Unclear
	}
	resp, err := hc.Do(req)
	if err != nil {
		kind := trail.Transient
		if wrote.Load() {
			kind = unclear
		}
		return nil, &trail.SendError{Kind: kind, Err: fmt.Errorf("%s: %w", name, err)}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, &trail.SendError{Kind: unclear, Err: fmt.Errorf("%s: read reply: %w", name, err)}
	}
	var r reply
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &r) != nil {
		return nil, &trail.SendError{Kind: unclear, Code: "HTTP " + strconv.Itoa(resp.StatusCode), Message: name + ": the reply is not WeChat's JSON"}
	}
	return &r, nil
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}
