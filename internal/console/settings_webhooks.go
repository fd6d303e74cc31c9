package console

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// webhookEventNames are the Chinese names of the webhook events.
var webhookEventNames = map[string]string{
	trail.EventOrderUpdated:       "订单更新",
	trail.EventShipmentUpdated:    "包裹状态更新",
	trail.EventAlertOpened:        "新预警",
	trail.EventAlertResolved:      "预警已处理",
	trail.EventNotificationFailed: "通知发送失败",
}

// webhookEventList names webhook events in Chinese; an event without a
// name keeps its code.
func webhookEventList(events []string) []string {
	out := make([]string, len(events))
	for i, ev := range events {
		out[i] = nameOr(webhookEventNames[ev], ev)
	}
	return out
}

// webhookSettings is the webhook endpoints' page.
type webhookSettings struct {
	Endpoints []*webhookView
	Max       int
	URL       string   // the add form's address, as typed
	Events    []option // the add form's events
	Errors    map[string]string
}

// webhookView is an endpoint without its secrets.
type webhookView struct {
	ID         int64
	URL        string
	Events     []string // Chinese names
	CreatedAt  time.Time
	RotatedAt  *time.Time
	GraceUntil *time.Time // while the previous secret still signs
}

// handleWebhookSettings lists the brand's endpoints.
func (s *Server) handleWebhookSettings(w http.ResponseWriter, r *http.Request, v *visit) error {
	return s.renderWebhooks(w, r, v, http.StatusOK, &settingsPage{}, nil)
}

// renderWebhooks renders the endpoints' page into sp; form, if not nil,
// is a failed add form.
func (s *Server) renderWebhooks(w http.ResponseWriter, r *http.Request, v *visit, status int, sp *settingsPage, form *webhookSettings) error {
	list, err := s.settings.webhooks.Webhooks(r.Context(), v.Brand.ID)
	if err != nil {
		return fmt.Errorf("settings webhooks: %w", err)
	}
	ws := form
	if ws == nil {
		ws = &webhookSettings{Errors: map[string]string{}}
		for _, ev := range trail.WebhookEvents {
			ws.Events = append(ws.Events, option{ev, webhookEventNames[ev], ev == trail.EventOrderUpdated || ev == trail.EventShipmentUpdated})
		}
	}
	ws.Max = trail.MaxWebhookEndpoints
	now := s.now()
	for _, e := range list {
		wv := &webhookView{ID: e.ID, URL: e.URL, Events: webhookEventList(e.Events), CreatedAt: e.CreatedAt, RotatedAt: e.RotatedAt}
		if e.RotatedAt != nil && e.PreviousSecret != "" {
			if until := e.RotatedAt.Add(trail.WebhookRotationGrace); now.Before(until) {
				wv.GraceUntil = &until
			}
		}
		ws.Endpoints = append(ws.Endpoints, wv)
	}
	sp.Section, sp.Webhooks = "webhooks", ws
	return s.renderSettings(w, r, v, status, "settings_webhooks", "Webhook 端点", sp)
}

// handleWebhookCreate adds an endpoint and shows its signing secret, once.
func (s *Server) handleWebhookCreate(w http.ResponseWriter, r *http.Request, v *visit) error {
	e := &trail.WebhookEndpoint{URL: r.PostFormValue("url"), Events: r.PostForm["events"]}
	e.Normalize()
	form := &webhookSettings{URL: e.URL, Errors: map[string]string{}}
	for _, ev := range trail.WebhookEvents {
		form.Events = append(form.Events, option{ev, webhookEventNames[ev], slices.Contains(e.Events, ev)})
	}
	if err := e.Validate(); err != nil {
		form.Errors[webhookField(err)] = webhookErrorText(err)
		return s.renderWebhooks(w, r, v, http.StatusUnprocessableEntity, &settingsPage{}, form)
	}
	err := s.settings.webhooks.CreateWebhook(r.Context(), v.Brand.ID, e)
	switch trail.ErrorCode(err) {
	case "":
	case trail.EINVALID: // such as an address on a private network
		form.Errors[webhookField(err)] = chineseMessage(err, webhookErrorText(err))
		return s.renderWebhooks(w, r, v, http.StatusUnprocessableEntity, &settingsPage{}, form)
	case trail.ECONFLICT:
		form.Errors["url"] = chineseMessage(err, "该地址已登记，或端点数量已达上限。")
		return s.renderWebhooks(w, r, v, http.StatusConflict, &settingsPage{}, form)
	default:
		return fmt.Errorf("settings webhook create: %w", err)
	}
	reason := fmt.Sprintf("%s；事件 %s", redactURL(e.URL), strings.Join(webhookEventList(e.Events), "、"))
	if err := s.recordSetting(r.Context(), v, trail.AuditWebhookCreate, webhookTarget(e.ID), reason); err != nil {
		return fmt.Errorf("settings webhook create: %w", err)
	}
	return s.renderWebhooks(w, r, v, http.StatusOK, &settingsPage{Secret: &shownSecret{
		Heading: "Webhook 端点已添加",
		Label:   "签名密钥",
		Value:   e.Secret,
		Note:    "请立即复制并保存到接收端，用于校验每次推送的签名（Standard Webhooks）。此密钥只显示这一次，离开本页后无法再次查看；遗失时请轮换密钥。",
	}}, nil)
}

// handleWebhookRotate gives an endpoint a new signing secret and shows it,
// once; the previous secret keeps signing for the grace period.
func (s *Server) handleWebhookRotate(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, ok := pathID(r)
	if !ok {
		return errNotFound
	}
	e, err := s.settings.webhooks.RotateWebhookSecret(r.Context(), v.Brand.ID, id)
	if trail.ErrorCode(err) == trail.ENOTFOUND {
		return errNotFound
	} else if err != nil {
		return fmt.Errorf("settings webhook rotate: %w", err)
	}
	reason := fmt.Sprintf("%s；签名密钥已轮换，旧密钥 %d 小时内仍同时签名", redactURL(e.URL), int(trail.WebhookRotationGrace/time.Hour))
	if err := s.recordSetting(r.Context(), v, trail.AuditWebhookRotate, webhookTarget(id), reason); err != nil {
		return fmt.Errorf("settings webhook rotate: %w", err)
	}
	return s.renderWebhooks(w, r, v, http.StatusOK, &settingsPage{Secret: &shownSecret{
		Heading: "签名密钥已轮换",
		Label:   "新签名密钥",
		Value:   e.Secret,
		Note: fmt.Sprintf("请立即复制并在接收端换用。%d 小时内推送会同时带有新旧两个密钥的签名，之后只用新密钥。此密钥只显示这一次。",
			int(trail.WebhookRotationGrace/time.Hour)),
	}}, nil)
}

// handleWebhookDelete removes an endpoint.
func (s *Server) handleWebhookDelete(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx := r.Context()
	id, ok := pathID(r)
	if !ok {
		return errNotFound
	}
	e, err := s.settings.webhooks.Webhook(ctx, v.Brand.ID, id)
	if err == nil {
		err = s.settings.webhooks.DeleteWebhook(ctx, v.Brand.ID, id)
	}
	if trail.ErrorCode(err) == trail.ENOTFOUND {
		return errNotFound
	} else if err != nil {
		return fmt.Errorf("settings webhook delete: %w", err)
	}
	if err := s.recordSetting(ctx, v, trail.AuditWebhookDelete, webhookTarget(id), redactURL(e.URL)); err != nil {
		return fmt.Errorf("settings webhook delete: %w", err)
	}
	settingsSaved(w, r, "/console/settings/webhooks", "webhook_deleted", "")
	return nil
}

func webhookTarget(id int64) string { return trail.AuditTarget("webhook", strconv.FormatInt(id, 10)) }

// webhookField maps an endpoint's invalid field to the form's.
func webhookField(err error) string {
	if strings.HasPrefix(fieldOf(err), "events") {
		return "events"
	}
	return "url"
}

// webhookErrorText explains an invalid endpoint in Chinese.
func webhookErrorText(err error) string {
	if webhookField(err) == "events" {
		return "请至少选择一个事件。"
	}
	return "请输入 https:// 开头的完整地址（服务以 --allow-private-webhooks 启动时，本机调试可用 http://127.0.0.1）；地址中不能带用户名、密码或 # 片段。"
}
