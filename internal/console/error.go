package console

import (
	"bytes"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// Console handlers answer a request themselves (a page, a form shown again
// with its field errors, a redirect) and return nil, or answer nothing and
// return an error, which fail alone answers: by the error's code an error
// page, or for a visitor without a session a redirect to the sign-in page.
// Only fail logs, and only server errors.

// openHandler is a handler of a route that needs no session.
type openHandler func(w http.ResponseWriter, r *http.Request) error

// authedHandler is a handler of a signed-in operator's route.
type authedHandler func(w http.ResponseWriter, r *http.Request, v *visit) error

// errorPage is what an error page says for one error code.
type errorPage struct {
	status        int
	heading, text string // text is shown when the error has no Chinese message
}

// errorPages are the console's error pages by error code; any other error
// is internal.
var errorPages = map[string]errorPage{
	trail.EMALFORMED:   {http.StatusBadRequest, "请求无效", "请求无法读取，请返回后重试。"},
	trail.EFORBIDDEN:   {http.StatusForbidden, "无权操作", "您当前的角色无权执行此操作。如需权限，请联系品牌管理员。"},
	trail.ENOTFOUND:    {http.StatusNotFound, "未找到", "没有这个页面或订单，或它不属于当前品牌。"},
	trail.ECONFLICT:    {http.StatusConflict, "操作冲突", "数据已被他人更改，请刷新页面后重试。"},
	trail.ETOOLARGE:    {http.StatusRequestEntityTooLarge, "内容过大", "提交的内容过大，请精简后重试。"},
	trail.EINVALID:     {http.StatusUnprocessableEntity, "输入有误", "提交的内容无效，请返回检查后重试。"},
	trail.ERATELIMITED: {http.StatusTooManyRequests, "操作过于频繁", "操作过于频繁，请稍后再试。"},
	trail.EINTERNAL:    {http.StatusInternalServerError, "出错了", "服务器内部错误，请稍后再试。"},
}

// Errors the console's handlers return.
var (
	// errNotFound is any page, order, key or member that is not there or
	// is another brand's.
	errNotFound = &trail.Error{Code: trail.ENOTFOUND, Message: errorPages[trail.ENOTFOUND].text}

	// errCrossOrigin refuses a POST from another site.
	errCrossOrigin = &trail.Error{Code: trail.EFORBIDDEN, Message: "跨站请求已被拒绝。请在控制台页面内操作。"}

	// errSignIn sends a visitor without a session to the sign-in page;
	// errSessionExpired also tells them their session ended.
	errSignIn         = &trail.Error{Code: trail.EUNAUTHORIZED, Message: "请先登录。"}
	errSessionExpired = &trail.Error{Code: trail.EUNAUTHORIZED, Message: "登录已超时，请重新登录。"}
)

// forbidden refuses an action with text, or with the role's refusal when
// text is empty.
func forbidden(text string) error {
	if text == "" {
		text = errorPages[trail.EFORBIDDEN].text
	}
	return &trail.Error{Code: trail.EFORBIDDEN, Message: text}
}

// fail answers a request whose handler returned err; v is the visit, nil
// before there is one. An unauthorized visitor goes to the sign-in page;
// an application error gets its code's status and page with its Chinese
// message; anything else is a 500 whose page says only that the server
// failed, and is logged here, once, with the route and never the path or
// the form (an order number or a note may be personal).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, v *visit, err error) {
	code := trail.ErrorCode(err)
	if code == trail.EUNAUTHORIZED {
		s.toLogin(w, r, errors.Is(err, errSessionExpired))
		return
	}
	ep, ok := errorPages[code]
	if !ok {
		code, ep = trail.EINTERNAL, errorPages[trail.EINTERNAL]
	}
	var brandID int64
	if v != nil {
		brandID = v.Brand.ID
	}
	text := ep.text
	if ep.status < http.StatusInternalServerError {
		text = chineseMessage(err, text)
		var e *trail.Error
		if code == trail.ERATELIMITED && errors.As(err, &e) && e.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds()))))
		}
	} else {
		v = nil // the page of a failure shows no navigation that may fail again
	}
	p := &page{Title: ep.heading, V: v, CSS: cssPath, InboxOn: s.ops.inboxOn(), Notice: &notice{Heading: ep.heading, Text: text}}
	var buf bytes.Buffer
	pageErr := s.pages["message"].ExecuteTemplate(&buf, "layout", p)
	if ep.status >= http.StatusInternalServerError || pageErr != nil {
		attrs := []slog.Attr{
			slog.String("method", r.Method),
			slog.String("route", r.Pattern),
			slog.Int("status", ep.status),
			slog.String("error", err.Error()),
		}
		if brandID != 0 {
			attrs = append(attrs, slog.Int64("brand_id", brandID))
		}
		if pageErr != nil {
			attrs = append(attrs, slog.String("page_error", pageErr.Error()))
		}
		s.logger.LogAttrs(r.Context(), slog.LevelError, "console request failed", attrs...)
	}
	if pageErr != nil {
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	writePage(w, ep.status, buf.Bytes())
}
