package console

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// Cookie names. The session cookie is scoped to /console; the sign-in
// form's double-submit cookie to the sign-in page.
const (
	sessionCookie = "bt_console"
	loginCookie   = "bt_login"
)

// visit is a request of a signed-in operator: the session, who they are,
// and their role in the session's brand.
type visit struct {
	token   string
	Session *trail.Session
	User    *trail.User
	Brand   trail.Brand
	Role    trail.Role
	Brands  []*trail.Membership // every brand the user belongs to, for the switcher
	CSRF    string              // the token every form of the page carries
}

// Can reports whether the visitor's role allows an action; templates call
// it with the action's name.
func (v *visit) Can(action string) bool { return v.Role.Can(trail.Action(action)) }

// RoleName is the Chinese name of the visitor's role.
func (v *visit) RoleName() string { return trail.RoleNames[v.Role] }

// csrfToken derives the forms' CSRF token from the session's secret: it is
// worthless outside its session and never stored.
func csrfToken(secret []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("bottletrail console form"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// validCSRF checks a form's token in constant time.
func (v *visit) validCSRF(token string) bool {
	return token != "" && hmac.Equal([]byte(token), []byte(v.CSRF))
}

// withSession runs h for a signed-in operator whose role allows action
// ("" for any role), and answers the error of either. Without a live
// session a GET goes to the sign-in page and back; a POST must also pass
// the cross-origin check and carry the session's CSRF token.
func (s *Server) withSession(action trail.Action, h authedHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := s.admit(w, r, action)
		if err == nil {
			err = h(w, r, v)
		}
		if err != nil {
			s.fail(w, r, v, err)
		}
	}
}

// admit admits a request to a route performing action: a POST from this
// site only, with a live session, a readable form carrying the session's
// CSRF token, and a role that allows the action. The visit is returned
// with an error too once it is known, for the error page's navigation.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, action trail.Action) (*visit, error) {
	if r.Method == http.MethodPost {
		// Refuse a cross-origin POST before it touches anything.
		if err := s.crossOrigin.Check(r); err != nil {
			return nil, errCrossOrigin
		}
	}
	v, err := s.loadVisit(w, r)
	if err != nil {
		return nil, err
	}
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			return v, trail.Errorf(trail.EMALFORMED, "表单无法读取，请返回后重试。")
		}
		if !v.validCSRF(r.PostFormValue("csrf")) {
			return v, forbidden("页面已过期或来源无效，请刷新页面后重试。")
		}
	}
	if action != "" && !v.Role.Can(action) {
		return v, forbidden("")
	}
	return v, nil
}

// loadVisit reads the session cookie and everything the pages need of the
// operator. Without a live session, with the account disabled or the
// operator no longer in the session's brand, the session is ended and the
// error is errSignIn or errSessionExpired.
func (s *Server) loadVisit(w http.ResponseWriter, r *http.Request) (*visit, error) {
	ctx := r.Context()
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" || len(c.Value) > 200 {
		return nil, errSignIn
	}
	sess, err := s.sessions.Session(ctx, c.Value)
	if trail.ErrorCode(err) == trail.ENOTFOUND {
		return nil, s.endSession(w, r, c.Value, errSessionExpired)
	} else if err != nil {
		return nil, fmt.Errorf("load session: %w", err)
	}
	now := s.now()
	if !sess.Live(now) {
		return nil, s.endSession(w, r, c.Value, errSessionExpired)
	}
	user, err := s.users.User(ctx, sess.UserID)
	if trail.ErrorCode(err) == trail.ENOTFOUND || (err == nil && user.DisabledAt != nil) {
		return nil, s.endSession(w, r, c.Value, errSignIn)
	} else if err != nil {
		return nil, fmt.Errorf("load session user: %w", err)
	}
	m, err := s.users.Membership(ctx, user.ID, sess.BrandID)
	if trail.ErrorCode(err) == trail.ENOTFOUND {
		return nil, s.endSession(w, r, c.Value, errSignIn)
	} else if err != nil {
		return nil, fmt.Errorf("load session role: %w", err)
	}
	brands, err := s.users.Memberships(ctx, user.ID)
	if err != nil {
		return nil, fmt.Errorf("load memberships: %w", err)
	}
	if now.Sub(sess.LastSeenAt) >= trail.SessionTouchInterval {
		if err := s.sessions.TouchSession(ctx, c.Value, now); err != nil {
			return nil, fmt.Errorf("touch session: %w", err)
		}
		sess.LastSeenAt = now
	}
	return &visit{token: c.Value, Session: sess, User: user, Brand: m.Brand, Role: m.Role, Brands: brands, CSRF: csrfToken(sess.CSRFSecret)}, nil
}

// endSession deletes a session that may no longer be used and clears its
// cookie; it returns why, for fail to send the visitor to sign in again.
func (s *Server) endSession(w http.ResponseWriter, r *http.Request, token string, why error) error {
	if err := s.sessions.DeleteSession(r.Context(), token); err != nil {
		// Best effort: the session is refused either way.
		s.logger.LogAttrs(r.Context(), slog.LevelWarn, "delete session failed", slog.String("error", err.Error()))
	}
	s.clearCookie(w, r, sessionCookie, "/console")
	return why
}

// toLogin sends a visitor without a session to the sign-in page; a GET
// comes back to where it was after signing in.
func (s *Server) toLogin(w http.ResponseWriter, r *http.Request, expired bool) {
	q := url.Values{}
	if r.Method == http.MethodGet {
		if next := r.URL.RequestURI(); safeNext(next) != "" {
			q.Set("next", next)
		}
	}
	if expired {
		q.Set("expired", "1")
	}
	target := "/console/login"
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// safeNext returns next if it is a path within the console to return to
// after signing in, else "".
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/console/") || strings.HasPrefix(next, "/console/login") ||
		strings.ContainsAny(next, "\\\r\n") || strings.Contains(next, "//") || len(next) > 500 {
		return ""
	}
	return next
}

// setCookie sets an HttpOnly cookie, Secure on TLS or when configured.
func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, name, value, path string, maxAge int, sameSite http.SameSite) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: path, MaxAge: maxAge,
		HttpOnly: true, Secure: r.TLS != nil || s.secureCookie, SameSite: sameSite,
	})
}

func (s *Server) clearCookie(w http.ResponseWriter, r *http.Request, name, path string) {
	s.setCookie(w, r, name, "", path, -1, http.SameSiteLaxMode)
}
