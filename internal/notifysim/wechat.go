package notifysim

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// token is an access token the simulator issued.
type token struct {
	appid   string
	expires time.Time
}

// appTokens are the current tokens of one mini-program.
type appTokens struct {
	classic string // the latest /cgi-bin/token token; fetching again revokes it
	stable  string // the current /cgi-bin/stable_token token
}

// wechatReply is WeChat's answer: always HTTP 200, errcode in the body.
type wechatReply struct {
	ErrCode     int    `json:"errcode"`
	ErrMsg      string `json:"errmsg"`
	AccessToken string `json:"access_token,omitempty"`
	ExpiresIn   int64  `json:"expires_in,omitempty"`
	MsgID       int64  `json:"msgid,omitempty"`
}

func wechatError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, http.StatusOK, wechatReply{ErrCode: code, ErrMsg: msg + " rid: " + strings.ToLower(rand.Text()[:16])})
}

// handleToken serves the classic GET /cgi-bin/token: a new token, which
// revokes the app's previous classic token.
func (s *Sim) handleToken(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if !s.checkApp(w, q.Get("grant_type"), q.Get("appid"), q.Get("secret")) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	app := s.app(q.Get("appid"))
	delete(s.tokens, app.classic)
	app.classic = s.issue(q.Get("appid"))
	writeJSON(w, http.StatusOK, wechatReply{AccessToken: app.classic, ExpiresIn: int64(s.cfg.TokenTTL / time.Second)})
}

// handleStableToken serves POST /cgi-bin/stable_token: the current stable
// token while it has more than five minutes left (normal mode), else a new
// one; force_refresh replaces it at once.
func (s *Sim) handleStableToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		GrantType    string `json:"grant_type"`
		AppID        string `json:"appid"`
		Secret       string `json:"secret"`
		ForceRefresh bool   `json:"force_refresh"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&req); err != nil {
		wechatError(w, 47001, "data format error")
		return
	}
	if !s.checkApp(w, req.GrantType, req.AppID, req.Secret) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	app := s.app(req.AppID)
	cur := s.tokens[app.stable]
	if req.ForceRefresh || cur == nil || cur.expires.Sub(now) <= 5*time.Minute {
		if req.ForceRefresh {
			delete(s.tokens, app.stable)
		}
		app.stable = s.issue(req.AppID)
		cur = s.tokens[app.stable]
	}
	writeJSON(w, http.StatusOK, wechatReply{AccessToken: app.stable, ExpiresIn: int64(cur.expires.Sub(now) / time.Second)})
}

// checkApp checks a token request's credentials and answers the error if
// they are wrong.
func (s *Sim) checkApp(w http.ResponseWriter, grantType, appid, secret string) bool {
	want, ok := s.cfg.WeChatApps[appid]
	switch {
	case grantType != "client_credential":
		wechatError(w, 40002, "invalid grant_type")
	case !ok:
		wechatError(w, 40013, "invalid appid")
	case secret != want:
		wechatError(w, 40001, "invalid credential, access_token is invalid or not latest")
	default:
		return true
	}
	return false
}

// app returns the token state of an app. Called with s.mu held.
func (s *Sim) app(appid string) *appTokens {
	a := s.apps[appid]
	if a == nil {
		a = &appTokens{}
		s.apps[appid] = a
	}
	return a
}

// issue makes a new token for an app. Called with s.mu held.
func (s *Sim) issue(appid string) string {
	t := "SIM_" + rand.Text() + rand.Text()
	s.tokens[t] = &token{appid: appid, expires: s.now().Add(s.cfg.TokenTTL)}
	return t
}

// subscribeRequest is the body of subscribe/send.
type subscribeRequest struct {
	ToUser           string          `json:"touser"`
	TemplateID       string          `json:"template_id"`
	Page             string          `json:"page"`
	MiniprogramState string          `json:"miniprogram_state"`
	Lang             string          `json:"lang"`
	Data             json.RawMessage `json:"data"`
}

// handleSubscribeSend serves POST /cgi-bin/message/subscribe/send.
func (s *Sim) handleSubscribeSend(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("access_token")
	now := s.now()
	s.mu.Lock()
	t := s.tokens[tok]
	s.mu.Unlock()
	switch {
	case tok == "":
		wechatError(w, 41001, "access_token missing")
		return
	case t == nil:
		wechatError(w, 40001, "invalid credential, access_token is invalid or not latest")
		return
	case !now.Before(t.expires):
		wechatError(w, 42001, "access_token expired")
		return
	}
	s.mu.Lock()
	fault := s.takeFault(trail.ChannelWeChat)
	s.mu.Unlock()
	switch fault {
	case FaultError:
		s.log.Warn("notifysim wechat fault", "mode", fault)
		wechatError(w, -1, "system error (simulated fault)")
		return
	case FaultTimeout:
		s.log.Warn("notifysim wechat fault", "mode", fault)
		s.hold(r)
		return
	}

	var req subscribeRequest
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<16))
	if err != nil || json.Unmarshal(body, &req) != nil {
		wechatError(w, 47001, "data format error")
		return
	}
	switch {
	case req.ToUser == "":
		wechatError(w, 40003, "invalid openid")
		return
	case req.TemplateID == "":
		wechatError(w, 40037, "invalid template_id")
		return
	case req.MiniprogramState != "" && !slices.Contains([]string{"developer", "trial", "formal"}, req.MiniprogramState):
		wechatError(w, 47003, "argument invalid! miniprogram_state invalid")
		return
	case req.Lang != "" && !slices.Contains([]string{"zh_CN", "en_US", "zh_HK", "zh_TW"}, req.Lang):
		wechatError(w, 47003, "argument invalid! lang invalid")
		return
	}
	params, err := keywordObject(req.Data)
	if err != nil {
		wechatError(w, 47003, "argument invalid! data invalid")
		return
	}
	if keys, ok := s.cfg.WeChatTemplates[req.TemplateID]; s.cfg.WeChatTemplates != nil {
		if !ok {
			wechatError(w, 40037, "invalid template_id")
			return
		}
		for _, k := range keys {
			if !slices.ContainsFunc(params, func(p trail.Param) bool { return p.Name == k }) {
				wechatError(w, 47003, "argument invalid! data."+k+".value is empty")
				return
			}
		}
	}
	for _, p := range params {
		if msg := checkKeyword(p.Name, p.Value); msg != "" {
			wechatError(w, 47003, "argument invalid! data."+p.Name+".value "+msg)
			return
		}
	}
	s.mu.Lock()
	if s.refused[req.ToUser] {
		s.mu.Unlock()
		wechatError(w, 43101, "user refuse to accept the msg")
		return
	}
	lines := make([]string, len(params))
	for i, p := range params {
		lines[i] = p.Name + ": " + p.Value
	}
	msgID := 3_000_000_000 + s.seq + 1
	s.record(Message{Channel: trail.ChannelWeChat, At: now, To: req.ToUser, Template: req.TemplateID, Params: params,
		Text: strings.Join(lines, "\n"), Page: req.Page, ProviderID: strconv.FormatInt(msgID, 10), Account: t.appid})
	s.mu.Unlock()
	s.log.Info("notifysim wechat accepted", "template", req.TemplateID, "msgid", msgID, "fault", fault)
	if fault == FaultLostReply {
		s.hold(r)
		return
	}
	writeJSON(w, http.StatusOK, wechatReply{ErrCode: 0, ErrMsg: "ok", MsgID: msgID})
}

// keywordObject reads the data object {"thing1":{"value":"…"},…} in the
// order of its keys.
func keywordObject(raw json.RawMessage) ([]trail.Param, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, errNotStringObject
	}
	var out []trail.Param
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, errNotStringObject
		}
		var v struct {
			Value *string `json:"value"`
		}
		if err := dec.Decode(&v); err != nil || v.Value == nil {
			return nil, errNotStringObject
		}
		out = append(out, trail.Param{Name: k.(string), Value: *v.Value})
	}
	return out, nil
}

// Patterns of the keyword types (docs/NOTIFY-PROTOCOLS.md §2.4).
var (
	numberValue  = regexp.MustCompile(`^\d+(\.\d+)?$`)
	letterValue  = regexp.MustCompile(`^[A-Za-z]+$`)
	amountValue  = regexp.MustCompile(`^[¥￥$]?\d{1,10}(\.\d{1,2})?元?$`)
	phoneValue   = regexp.MustCompile(`^[0-9+\-() ]{1,17}$`)
	datePart     = `(\d{4}年\d{1,2}月\d{1,2}日|\d{4}-\d{1,2}-\d{1,2}|\d{4}/\d{1,2}/\d{1,2})`
	clockPart    = `\d{1,2}:\d{2}(:\d{2})?`
	timeValue    = regexp.MustCompile(`^(` + datePart + ` ?)?` + clockPart + `$`)
	dateValue    = regexp.MustCompile(`^` + datePart + `( ` + clockPart + `)?$`)
	keywordTypes = []string{"character_string", "phone_number", "car_number", "thing", "number", "letter", "symbol", "time", "date", "amount", "name", "phrase", "enum"}
)

// checkKeyword returns why a keyword's value breaks its type's rules, ""
// if it does not. The type is the key without its number (thing1 →
// thing); lengths count characters.
func checkKeyword(key, value string) string {
	kind := strings.TrimRight(key, "0123456789")
	if kind == key || !slices.Contains(keywordTypes, kind) {
		return "invalid: unknown keyword type"
	}
	if value == "" {
		return "is empty"
	}
	n := utf8.RuneCountInString(value)
	ok := true
	switch kind {
	case "thing":
		ok = n <= 20
	case "number":
		ok = n <= 32 && numberValue.MatchString(value)
	case "letter":
		ok = n <= 32 && letterValue.MatchString(value)
	case "symbol":
		ok = n <= 5 && all(value, func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSymbol(r) })
	case "character_string":
		ok = n <= 32 && all(value, func(r rune) bool { return r < utf8.RuneSelf && unicode.IsPrint(r) })
	case "time", "date":
		re := timeValue
		if kind == "date" {
			re = dateValue
		}
		for part := range strings.SplitSeq(value, "~") {
			ok = ok && re.MatchString(strings.TrimSpace(part))
		}
	case "amount":
		ok = amountValue.MatchString(value)
	case "phone_number":
		ok = phoneValue.MatchString(value)
	case "car_number":
		ok = n <= 8
	case "name":
		ascii := all(value, func(r rune) bool { return r < utf8.RuneSelf })
		ok = n <= 10 || ascii && n <= 20
	case "phrase":
		ok = n <= 5 && all(value, func(r rune) bool { return unicode.Is(unicode.Han, r) })
	}
	if !ok {
		return "invalid"
	}
	return ""
}

func all(s string, f func(rune) bool) bool {
	for _, r := range s {
		if !f(r) {
			return false
		}
	}
	return true
}
