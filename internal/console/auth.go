package console

import (
	"crypto/hmac"
	"crypto/rand"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/bottletrail/bottletrail/internal/httpedge"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// loginForm is the state of the sign-in form.
type loginForm struct {
	Email string
	Next  string // where to go after signing in
	CSRF  string // the double-submit token, also in the bt_login cookie
	Error string
	Info  string
}

// loginMessages are the answers of the sign-in form. A wrong password and
// an unknown address get the same one.
const (
	msgBadLogin   = "邮箱或密码不正确。"
	msgNoBrand    = "您的账号尚未加入任何品牌，请联系品牌管理员。"
	msgStaleForm  = "页面已过期，请重新输入后提交。"
	msgEmptyLogin = "请输入邮箱和密码。"
)

// loginToken returns the sign-in form's CSRF token: the one in the
// visitor's bt_login cookie, or a fresh one set in a new cookie. Before
// there is a session, the cookie and the form field must match (double
// submit); the cookie is SameSite=Strict, so no other site can send it.
func (s *Server) loginToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(loginCookie); err == nil && len(c.Value) == 26 {
		return c.Value
	}
	return s.newLoginToken(w, r)
}

func (s *Server) newLoginToken(w http.ResponseWriter, r *http.Request) string {
	t := rand.Text()
	s.setCookie(w, r, loginCookie, t, "/console/login", 3600, http.SameSiteStrictMode)
	return t
}

// handleLoginForm shows the sign-in form.
func (s *Server) handleLoginForm(w http.ResponseWriter, r *http.Request) error {
	f := &loginForm{Next: safeNext(r.URL.Query().Get("next")), CSRF: s.loginToken(w, r)}
	if r.URL.Query().Get("expired") == "1" {
		f.Info = "登录已超时，请重新登录。"
	}
	return s.render(w, r, http.StatusOK, "login", &page{Title: "登录", Login: f})
}

// handleLogin signs an operator in: throttled as MaxFailedLoginsPerEmail says,
// one answer for an unknown address and a wrong password (which cost the
// same work), then a fresh session in the first of the user's brands.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return s.loginFailed(w, r, &loginForm{}, http.StatusBadRequest, "表单无法读取，请重试。")
	}
	f := &loginForm{Email: strings.TrimSpace(r.PostFormValue("email")), Next: safeNext(r.PostFormValue("next"))}
	if c, err := r.Cookie(loginCookie); err != nil || !hmac.Equal([]byte(c.Value), []byte(r.PostFormValue("csrf"))) {
		return s.loginFailed(w, r, f, http.StatusForbidden, msgStaleForm)
	}
	email, password := trail.NormalizeEmail(f.Email), r.PostFormValue("password")
	if email == "" || password == "" {
		return s.loginFailed(w, r, f, http.StatusUnprocessableEntity, msgEmptyLogin)
	}
	now := s.now()
	client := "client:" + httpedge.ClientAddr(r, s.clientIP)
	keys := []trail.AttemptKey{
		{Key: client, Limit: trail.Limit{Max: MaxFailedLoginsPerClient, Window: LoginWindow}},
		{Key: client + " email:" + email, Limit: trail.Limit{Max: MaxFailedLoginsPerEmail, Window: LoginWindow}},
		{Key: "email:" + email, Limit: trail.Limit{Max: MaxFailedLoginsPerAccount, Window: AccountWindow}},
	}
	if ok, wait := s.signInLimiter.Allow(now, keys...); !ok {
		secs := int(math.Ceil(wait.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		return s.loginFailed(w, r, f, http.StatusTooManyRequests, fmt.Sprintf("登录失败次数过多，请 %d 分钟后再试。", (secs+59)/60))
	}
	user, hash, err := s.users.UserByEmail(ctx, email)
	if trail.ErrorCode(err) == trail.ENOTFOUND {
		user, hash = nil, dummyHash()
	} else if err != nil {
		return fmt.Errorf("sign in: %w", err)
	}
	ok, err := CheckPassword(hash, password)
	if err != nil && user != nil {
		// A stored hash this package cannot read: the account cannot sign
		// in until an admin sets a new password.
		s.logger.LogAttrs(ctx, slog.LevelError, "unusable password hash", slog.Int64("user_id", user.ID), slog.String("error", err.Error()))
	}
	if !ok || user == nil || user.DisabledAt != nil {
		s.signInLimiter.Fail(now, keys...)
		return s.loginFailed(w, r, f, http.StatusUnauthorized, msgBadLogin)
	}
	brands, err := s.users.Memberships(ctx, user.ID)
	if err != nil {
		return fmt.Errorf("sign in: %w", err)
	}
	if len(brands) == 0 {
		return s.loginFailed(w, r, f, http.StatusForbidden, msgNoBrand)
	}
	if old, err := r.Cookie(sessionCookie); err == nil && old.Value != "" {
		_ = s.sessions.DeleteSession(ctx, old.Value) // a new sign-in replaces any old session
	}
	token, sess := trail.NewSession(user.ID, brands[0].Brand.ID, now)
	if err := s.sessions.CreateSession(ctx, sess); err != nil {
		return fmt.Errorf("sign in: %w", err)
	}
	if err := s.audit.RecordAudit(ctx, &trail.AuditEntry{BrandID: sess.BrandID, UserID: user.ID, Actor: user.Email, Action: trail.AuditLogin}); err != nil {
		return fmt.Errorf("sign in: %w", err)
	}
	// Sweep dead sessions now and then: sign-ins are rare enough.
	if _, err := s.sessions.DeleteExpiredSessions(ctx, now); err != nil {
		s.logger.LogAttrs(ctx, slog.LevelWarn, "delete expired sessions failed", slog.String("error", err.Error()))
	}
	s.setCookie(w, r, sessionCookie, token, "/console", 0, http.SameSiteLaxMode)
	s.clearCookie(w, r, loginCookie, "/console/login")
	next := f.Next
	if next == "" {
		next = "/console/orders"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// loginFailed shows the sign-in form again with the reason, and a fresh
// CSRF token.
func (s *Server) loginFailed(w http.ResponseWriter, r *http.Request, f *loginForm, status int, msg string) error {
	f.Error, f.CSRF = msg, s.loginToken(w, r)
	if status == http.StatusForbidden && msg == msgStaleForm {
		f.CSRF = s.newLoginToken(w, r)
	}
	return s.render(w, r, status, "login", &page{Title: "登录", Login: f})
}

// handleLogout ends the session.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx := r.Context()
	if err := s.audit.RecordAudit(ctx, &trail.AuditEntry{BrandID: v.Brand.ID, UserID: v.User.ID, Actor: v.User.Email, Action: trail.AuditLogout}); err != nil {
		return fmt.Errorf("sign out: %w", err)
	}
	if err := s.sessions.DeleteSession(ctx, v.token); err != nil {
		return fmt.Errorf("sign out: %w", err)
	}
	s.clearCookie(w, r, sessionCookie, "/console")
	http.Redirect(w, r, "/console/login", http.StatusSeeOther)
	return nil
}

// handleSwitchBrand moves the session to another brand of the user's. The
// session is replaced, with a new token and CSRF secret, keeping its
// absolute end; a brand the user does not belong to is a 404.
func (s *Server) handleSwitchBrand(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx := r.Context()
	slug := r.PostFormValue("brand")
	var to *trail.Membership
	for _, m := range v.Brands {
		if m.Brand.Slug == slug {
			to = m
		}
	}
	if to == nil {
		return errNotFound
	}
	token, sess := trail.NewSession(v.User.ID, to.Brand.ID, s.now())
	sess.CreatedAt, sess.ExpiresAt = v.Session.CreatedAt, v.Session.ExpiresAt
	if err := s.sessions.CreateSession(ctx, sess); err != nil {
		return fmt.Errorf("switch brand: %w", err)
	}
	if err := s.sessions.DeleteSession(ctx, v.token); err != nil {
		return fmt.Errorf("switch brand: %w", err)
	}
	if err := s.audit.RecordAudit(ctx, &trail.AuditEntry{BrandID: to.Brand.ID, UserID: v.User.ID, Actor: v.User.Email,
		Action: trail.AuditSwitchBrand, Target: trail.AuditTarget("brand", v.Brand.Slug)}); err != nil {
		return fmt.Errorf("switch brand: %w", err)
	}
	s.setCookie(w, r, sessionCookie, token, "/console", 0, http.SameSiteLaxMode)
	// Never back to the page it came from: that belonged to the other brand.
	http.Redirect(w, r, "/console/orders", http.StatusSeeOther)
	return nil
}
