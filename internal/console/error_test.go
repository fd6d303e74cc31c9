package console

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// newBareServer is a console whose services are never called: enough for
// the error mapper, logging to logs.
func newBareServer(logs *bytes.Buffer) *Server {
	return New(Config{
		Users:    struct{ trail.UserService }{},
		Sessions: struct{ trail.SessionService }{},
		Audit:    struct{ trail.AuditService }{},
		Orders:   struct{ trail.OrderService }{},
		Search:   struct{ trail.OrderSearchService }{},
		Limiter:  struct{ trail.AttemptLimiter }{},
		Logger:   slog.New(slog.NewJSONHandler(logs, nil)),
	})
}

func TestConsoleFailByCode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		err         error
		status      int
		heading     string
		text        string
		retryAfter  string
		mustNotShow string
	}{
		{"not found", errNotFound, 404, "未找到", "没有这个页面或订单，或它不属于当前品牌。", "", ""},
		{"store's not found, wrapped", fmt.Errorf("order page: %w", trail.Errorf(trail.ENOTFOUND, "No alert 7.")), 404, "未找到",
			"没有这个页面或订单，或它不属于当前品牌。", "", "No alert 7."},
		{"malformed", trail.Errorf(trail.EMALFORMED, "未知的批量操作。"), 400, "请求无效", "未知的批量操作。", "", ""},
		{"forbidden by role", forbidden(""), 403, "无权操作", "您当前的角色无权执行此操作。如需权限，请联系品牌管理员。", "", ""},
		{"cross-origin", errCrossOrigin, 403, "无权操作", "跨站请求已被拒绝。请在控制台页面内操作。", "", ""},
		{"conflict, bilingual", trail.Errorf(trail.ECONFLICT, "该地址已登记 / Already registered."), 409, "操作冲突", "该地址已登记", "", "Already registered"},
		{"conflict, English only", trail.Errorf(trail.ECONFLICT, "duplicate key"), 409, "操作冲突", "数据已被他人更改，请刷新页面后重试。", "", "duplicate key"},
		{"too large", trail.Errorf(trail.ETOOLARGE, "body too large"), 413, "内容过大", "提交的内容过大，请精简后重试。", "", "body too large"},
		{"invalid", trail.Invalid("url", "地址无效。"), 422, "输入有误", "地址无效。", "", ""},
		{"rate limited", &trail.Error{Code: trail.ERATELIMITED, Message: "操作过于频繁。", RetryAfter: 89500 * time.Millisecond}, 429,
			"操作过于频繁", "操作过于频繁。", "90", ""},
		{"internal application error", trail.Errorf(trail.EINTERNAL, "pool closed at 10.0.0.5"), 500, "出错了", "服务器内部错误，请稍后再试。", "", "10.0.0.5"},
		{"plain error", errors.New("query orders: password=hunter2"), 500, "出错了", "服务器内部错误，请稍后再试。", "", "hunter2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			s := newBareServer(&logs)
			r := httptest.NewRequest("POST", "/console/settings/webhooks", nil)
			r.Pattern = "POST /console/settings/webhooks"
			w := httptest.NewRecorder()
			s.fail(w, r, nil, tc.err)
			body := w.Body.String()
			if w.Code != tc.status {
				t.Errorf("status: got %d, want %d", w.Code, tc.status)
			}
			if !strings.Contains(body, "<h1 id=\"h-notice\">"+tc.heading+"</h1>") {
				t.Errorf("heading %q missing from\n%s", tc.heading, body)
			}
			if !strings.Contains(body, "<p>"+tc.text+"</p>") {
				t.Errorf("text %q missing from\n%s", tc.text, body)
			}
			if tc.mustNotShow != "" && strings.Contains(body, tc.mustNotShow) {
				t.Errorf("the page shows %q", tc.mustNotShow)
			}
			if got := w.Header().Get("Retry-After"); got != tc.retryAfter {
				t.Errorf("Retry-After: got %q, want %q", got, tc.retryAfter)
			}
			if got := w.Header().Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control: got %q, want no-store", got)
			}
			lines := strings.Count(logs.String(), "\n")
			switch {
			case tc.status >= 500 && lines != 1:
				t.Errorf("a server error is logged %d times, want once:\n%s", lines, logs.String())
			case tc.status >= 500:
				for _, want := range []string{`"level":"ERROR"`, `"route":"POST /console/settings/webhooks"`, `"status":500`, tc.mustNotShow} {
					if !strings.Contains(logs.String(), want) {
						t.Errorf("log lacks %s:\n%s", want, logs.String())
					}
				}
			case lines != 0:
				t.Errorf("a %d is logged:\n%s", tc.status, logs.String())
			}
		})
	}
}

func TestConsoleFailSendsToSignIn(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, method string
		err          error
		want         string
	}{
		{"no session, GET comes back", "GET", errSignIn, "/console/login?next=%2Fconsole%2Forders%3Fq%3D1"},
		{"expired, GET comes back", "GET", errSessionExpired, "/console/login?expired=1&next=%2Fconsole%2Forders%3Fq%3D1"},
		{"expired, wrapped", "GET", fmt.Errorf("load: %w", errSessionExpired), "/console/login?expired=1&next=%2Fconsole%2Forders%3Fq%3D1"},
		{"no session, POST", "POST", errSignIn, "/console/login"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			s := newBareServer(&logs)
			w := httptest.NewRecorder()
			s.fail(w, httptest.NewRequest(tc.method, "/console/orders?q=1", nil), nil, tc.err)
			if w.Code != http.StatusSeeOther || w.Header().Get("Location") != tc.want {
				t.Errorf("got %d to %q, want 303 to %q", w.Code, w.Header().Get("Location"), tc.want)
			}
			if logs.Len() != 0 {
				t.Errorf("a redirect to sign in is logged:\n%s", logs.String())
			}
		})
	}
}
