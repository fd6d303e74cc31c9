package console

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// The admins' settings under /console/settings: carrier accounts and
// compliance (settings_carriers.go), alert thresholds (settings_alerts.go),
// webhook endpoints (settings_webhooks.go), API keys (settings_apikeys.go),
// the brand's users (settings_users.go), with a brand service the service
// contact consumers are shown (settings_service.go) and, with a
// notification service, the notification policy, channels and templates
// (settings_notify.go). Every route is refused to
// agents and viewers by its action; every change is scoped to the
// session's brand, so another brand's key, endpoint or user is a 404 by
// any ID; every change goes to the audit log, never with a secret in it.
// A secret made here (an API key, a webhook's signing secret, a generated
// password) is shown once, in the answer to the POST that made it, and
// never again.

// The settings' audit actions join the names the audit log shows.
func init() {
	for a, name := range map[string]string{
		trail.AuditMemberRemove:      "移出品牌",
		trail.AuditCarrierAccountPut: "设置承运商账号",
		trail.AuditCompliancePut:     "设置承运商资质",
		trail.AuditAlertRulePut:      "修改预警规则",
		trail.AuditWebhookCreate:     "添加 Webhook 端点",
		trail.AuditWebhookRotate:     "轮换 Webhook 密钥",
		trail.AuditWebhookDelete:     "删除 Webhook 端点",
		trail.AuditAPIKeyCreate:      "创建 API 密钥",
		trail.AuditAPIKeyRevoke:      "吊销 API 密钥",
		trail.AuditNotifySettingsPut: "修改通知规则",
		trail.AuditNotifyChannelPut:  "设置通知渠道账号",
		trail.AuditNoticeTemplatePut: "修改通知模板",
		trail.AuditServiceContactPut: "修改客服联系方式",
	} {
		auditActionNames[a] = name
	}
}

// settings holds what the settings pages need beyond the console's own
// services.
type settings struct {
	carriers  trail.CarrierService
	alerts    trail.AlertService
	webhooks  trail.WebhookService
	apiKeys   trail.APIKeyService
	notify    trail.NotificationService
	brands    trail.BrandService // the service contact; nil without
	publicURL string             // where carriers push, for the callback URLs shown
	password  PasswordParams     // the cost of passwords set here
}

// settingsTemplates are the settings' pages; each is parsed with the
// layout and the settings' sub-navigation.
var settingsTemplates = []string{"settings", "settings_carriers", "settings_alerts", "settings_webhooks", "settings_apikeys", "settings_users",
	"settings_service", "settings_notify", "settings_notify_channels", "settings_notify_templates"}

// newSettings returns the settings of cfg and adds their pages to pages,
// or returns nil unless cfg names all of the settings' services (Carriers
// and Alerts serve the order page and the inbox too).
func newSettings(cfg Config, layout *template.Template, pages map[string]*template.Template) *settings {
	if cfg.Carriers == nil || cfg.Alerts == nil || cfg.Webhooks == nil || cfg.APIKeys == nil {
		return nil
	}
	for _, name := range settingsTemplates {
		t := template.Must(layout.Clone())
		pages[name] = template.Must(t.ParseFS(templateFiles, "templates/settings_nav.html", "templates/"+name+".html"))
	}
	pw := cfg.PasswordParams
	if pw == (PasswordParams{}) {
		pw = DefaultPasswordParams
	}
	return &settings{carriers: cfg.Carriers, alerts: cfg.Alerts, webhooks: cfg.Webhooks, apiKeys: cfg.APIKeys,
		notify: cfg.Notify, brands: cfg.Brands, publicURL: cfg.PublicURL, password: pw}
}

// settingsRoutes are the settings' routes, none without the settings'
// services. Every one is for admins only: each names an action only an
// admin's role allows.
func (s *Server) settingsRoutes() []route {
	if s.settings == nil {
		return nil
	}
	auth := func(method, pattern string, a trail.Action, h authedHandler) route {
		return route{Route: Route{Method: method, Pattern: pattern, Action: a}, authed: h}
	}
	return append([]route{
		auth("GET", "/console/settings", trail.ActionManageSettings, s.handleSettings),

		auth("GET", "/console/settings/carriers", trail.ActionManageCarriers, s.handleCarrierSettings),
		auth("POST", "/console/settings/carriers/{provider}", trail.ActionManageCarriers, s.handleCarrierAccountPut),
		auth("POST", "/console/settings/compliance", trail.ActionManageCarriers, s.handleCompliancePut),

		auth("GET", "/console/settings/alerts", trail.ActionManageSettings, s.handleAlertSettings),
		auth("POST", "/console/settings/alerts/{type}", trail.ActionManageSettings, s.handleAlertRulePut),

		auth("GET", "/console/settings/webhooks", trail.ActionManageSettings, s.handleWebhookSettings),
		auth("POST", "/console/settings/webhooks", trail.ActionManageSettings, s.handleWebhookCreate),
		auth("POST", "/console/settings/webhooks/{id}/rotate", trail.ActionManageSettings, s.handleWebhookRotate),
		auth("POST", "/console/settings/webhooks/{id}/delete", trail.ActionManageSettings, s.handleWebhookDelete),

		auth("GET", "/console/settings/api-keys", trail.ActionManageAPIKeys, s.handleAPIKeySettings),
		auth("POST", "/console/settings/api-keys", trail.ActionManageAPIKeys, s.handleAPIKeyCreate),
		auth("POST", "/console/settings/api-keys/{id}/revoke", trail.ActionManageAPIKeys, s.handleAPIKeyRevoke),

		auth("GET", "/console/settings/users", trail.ActionManageUsers, s.handleUserSettings),
		auth("POST", "/console/settings/users", trail.ActionManageUsers, s.handleUserCreate),
		auth("POST", "/console/settings/users/{id}/role", trail.ActionManageUsers, s.handleUserRole),
		auth("POST", "/console/settings/users/{id}/remove", trail.ActionManageUsers, s.handleUserRemove),
	}, append(s.serviceRoutes(), s.notifyRoutes()...)...) // settings_service.go, settings_notify.go
}

// serviceRoutes are the service contact's routes, none without the brand
// service.
func (s *Server) serviceRoutes() []route {
	if s.settings.brands == nil {
		return nil
	}
	return []route{
		{Route: Route{Method: "GET", Pattern: "/console/settings/service", Action: trail.ActionManageSettings}, authed: s.handleServiceSettings},
		{Route: Route{Method: "POST", Pattern: "/console/settings/service", Action: trail.ActionManageSettings}, authed: s.handleServiceContactPut},
	}
}

// settingsPage is one page of the settings.
type settingsPage struct {
	Section   string // the sub-navigation's current entry: "", carriers, alerts, webhooks, api_keys, users, service, notifications
	Saved     string // what the last change did, after its redirect
	Error     string // a problem no field of the page holds
	Secret    *shownSecret
	NotifyOn  bool // the console has notification settings
	ServiceOn bool // the console has the service contact

	Carriers *carrierSettings
	Alerts   *alertSettings
	Webhooks *webhookSettings
	APIKeys  *apiKeySettings
	Users    *userSettings
	Notify   *notifySettings
	Service  *serviceSettings
}

// shownSecret is a secret shown once, in the answer to the change that
// made it.
type shownSecret struct {
	Heading string
	Label   string
	Value   string
	Note    string
}

// savedNotices are the confirmations a redirect after a change shows; the
// URL names one by its key, so no text of the operator's travels in it.
var savedNotices = map[string]string{
	"carrier_account": "承运商账号已保存。密钥不会再显示。",
	"compliance":      "承运商资质已保存。",
	"alert_rule":      "预警规则已保存，进行中的订单将按新规则重新评估。",
	"webhook_deleted": "Webhook 端点已删除，之后的事件不再发往该地址。",
	"api_key_revoked": "API 密钥已吊销，使用它的请求会立即被拒绝。",
	"user_created":    "账号已创建，请通过安全渠道把初始密码告知对方。",
	"user_added":      "该邮箱已有瓶迹账号：已加入本品牌，请其使用原密码登录（密码未更改）。",
	"role":            "角色已修改，下一次操作起生效。",
	"removed":         "已将该用户移出本品牌，其在本品牌的登录已结束。",
	"service_contact": "客服联系方式已保存，买家查询页从现在起显示新的联系方式。",

	"notify_settings":         "通知规则已保存，从下一次发送起生效。",
	"notify_channel":          "通知渠道账号已保存。密钥不会再显示。",
	"notice_template":         "通知模板已保存，之后发出的通知使用新模板。",
	"notice_template_default": "已恢复默认模板。",
}

// renderSettings renders a settings page.
func (s *Server) renderSettings(w http.ResponseWriter, r *http.Request, v *visit, status int, name, title string, sp *settingsPage) error {
	switch {
	case status == http.StatusOK && r.Method == http.MethodGet:
		sp.Saved = savedNotices[r.URL.Query().Get("saved")]
	case (status == http.StatusUnprocessableEntity || status == http.StatusConflict) && sp.Error == "":
		sp.Error = "未保存：请按下方标出的提示修改后重试。"
	}
	sp.NotifyOn, sp.ServiceOn = s.settings.notify != nil, s.settings.brands != nil
	return s.render(w, r, status, name, &page{Title: title, V: v, Nav: "settings", Settings: sp})
}

// settingsSaved sends the admin back to a settings page after a change,
// with the confirmation named by key.
func settingsSaved(w http.ResponseWriter, r *http.Request, path, key, anchor string) {
	http.Redirect(w, r, path+"?saved="+url.QueryEscape(key)+anchor, http.StatusSeeOther)
}

// handleSettings is the settings' first page: what each section does.
func (s *Server) handleSettings(w http.ResponseWriter, r *http.Request, v *visit) error {
	return s.renderSettings(w, r, v, http.StatusOK, "settings", "设置", &settingsPage{})
}

// recordSetting appends a change made in the settings to the audit log.
// reason must never hold a secret.
func (s *Server) recordSetting(ctx context.Context, v *visit, action, target, reason string) error {
	return s.audit.RecordAudit(ctx, &trail.AuditEntry{BrandID: v.Brand.ID, UserID: v.User.ID, Actor: v.User.Email,
		Action: action, Target: target, Reason: truncate(reason, trail.MaxNoteLen)})
}

// pathID reads the {id} of a settings route; anything but a positive
// number names nothing.
func pathID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

// chineseMessage returns the Chinese half of a bilingual application
// error ("中文 / English"), or fallback when it has none.
func chineseMessage(err error, fallback string) string {
	var e *trail.Error
	if !errors.As(err, &e) {
		return fallback
	}
	zh, _, _ := strings.Cut(e.Message, " / ")
	for _, r := range zh {
		if unicode.Is(unicode.Han, r) {
			return strings.TrimSpace(zh)
		}
	}
	return fallback
}

// fieldOf returns the field of an application error, "" if none.
func fieldOf(err error) string {
	var e *trail.Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// redactURL returns an address as the audit log may keep it: scheme, host
// and path, without credentials, query or fragment, which may carry a
// token.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "（地址无效）"
	}
	out := u.Scheme + "://" + u.Host + u.EscapedPath()
	if u.RawQuery != "" {
		out += "?…"
	}
	return truncate(out, 300)
}

// truncate cuts s to at most n characters.
func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// yesNo names a flag in the audit log.
func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}
