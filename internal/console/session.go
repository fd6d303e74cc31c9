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
// ("" for any role). Without a live session a GET goes to the sign-in
// page and back; a POST must also pass the cross-origin check and carry
// the session's CSRF token.
func (s *Server) withSession(action trail.Action, h func(http.ResponseWriter, *http.Request, *visit)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			// Refuse a cross-origin POST before it touches anything.
			if err := s.crossOrigin.Check(r); err != nil {
				s.forbidden(w, r, nil, "跨站请求已被拒绝。请在控制台页面内操作。")
				return
			}
		}
		v, ok := s.loadVisit(w, r)
		if !ok {
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if err := r.ParseForm(); err != nil {
				s.message(w, r, v, http.StatusBadRequest, "请求无效", "表单无法读取，请返回后重试。")
				return
			}
			if !v.validCSRF(r.PostFormValue("csrf")) {
				s.forbidden(w, r, v, "页面已过期或来源无效，请刷新页面后重试。")
				return
			}
		}
		if action != "" && !v.Role.Can(action) {
			s.forbidden(w, r, v, "")
			return
		}
		h(w, r, v)
	}
}

// loadVisit reads the session cookie and everything the pages need of the
// operator. It answers the request itself and returns false when there is
// no live session, the account is disabled or the operator no longer
// belongs to the session's brand.
func (s *Server) loadVisit(w http.ResponseWriter, r *http.Request) (*visit, bool) {
	ctx := r.Context()
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" || len(c.Value) > 200 {
		s.toLogin(w, r, false)
		return nil, false
	}
	sess, err := s.sessions.Session(ctx, c.Value)
	if trail.ErrorCode(err) == trail.ENOTFOUND {
		s.endSession(w, r, c.Value, true)
		return nil, false
	} else if err != nil {
		s.serverError(w, r, fmt.Errorf("load session: %w", err))
		return nil, false
	}
	now := s.now()
	if !sess.Live(now) {
		s.endSession(w, r, c.Value, true)
		return nil, false
	}
	user, err := s.users.User(ctx, sess.UserID)
	if trail.ErrorCode(err) == trail.ENOTFOUND || (err == nil && user.DisabledAt != nil) {
		s.endSession(w, r, c.Value, false)
		return nil, false
	} else if err != nil {
		s.serverError(w, r, fmt.Errorf("load session user: %w", err))
		return nil, false
	}
	m, err := s.users.Membership(ctx, user.ID, sess.BrandID)
	if trail.ErrorCode(err) == trail.ENOTFOUND {
		s.endSession(w, r, c.Value, false)
		return nil, false
	} else if err != nil {
		s.serverError(w, r, fmt.Errorf("load session role: %w", err))
		return nil, false
	}
	brands, err := s.users.Memberships(ctx, user.ID)
	if err != nil {
		s.serverError(w, r, fmt.Errorf("load memberships: %w", err))
		return nil, false
	}
	if now.Sub(sess.LastSeenAt) >= trail.SessionTouchInterval {
		if err := s.sessions.TouchSession(ctx, c.Value, now); err != nil {
			s.serverError(w, r, fmt.Errorf("touch session: %w", err))
			return nil, false
		}
		sess.LastSeenAt = now
	}
	return &visit{token: c.Value, Session: sess, User: user, Brand: m.Brand, Role: m.Role, Brands: brands, CSRF: csrfToken(sess.CSRFSecret)}, true
}

// endSession deletes a session that may no longer be used, clears its
// cookie and sends the visitor to sign in again.
func (s *Server) endSession(w http.ResponseWriter, r *http.Request, token string, expired bool) {
	if err := s.sessions.DeleteSession(r.Context(), token); err != nil {
		// Best effort: the session is refused either way.
		s.logger.LogAttrs(r.Context(), slog.LevelWarn, "delete session failed", slog.String("error", err.Error()))
	}
	s.clearCookie(w, r, sessionCookie, "/console")
	s.toLogin(w, r, expired)
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
