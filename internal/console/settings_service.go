package console

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// serviceSettings is the service contact's page: how consumers reach the
// brand's customer service, shown beside every problem with a parcel on
// the consumer pages.
type serviceSettings struct {
	Phone, WeChat, Hours string
	Set                  bool              // a phone or a WeChat ID is stored
	Errors               map[string]string // by form field: phone, wechat, hours
}

// handleServiceSettings shows the brand's service contact and its form.
func (s *Server) handleServiceSettings(w http.ResponseWriter, r *http.Request, v *visit) error {
	b, err := s.settings.brands.BrandBySlug(r.Context(), v.Brand.Slug)
	if err != nil {
		return fmt.Errorf("settings service contact: %w", err)
	}
	c := b.Service
	return s.renderService(w, r, v, http.StatusOK, &serviceSettings{Phone: c.Phone, WeChat: c.WeChat, Hours: c.Hours, Set: !c.Empty()})
}

func (s *Server) renderService(w http.ResponseWriter, r *http.Request, v *visit, status int, ss *serviceSettings) error {
	return s.renderSettings(w, r, v, status, "settings_service", "客服联系方式", &settingsPage{Section: "service", Service: ss})
}

// handleServiceContactPut replaces the brand's service contact with the
// form: a blank field clears it. A problem is shown at its field, in
// Chinese, and nothing changes.
func (s *Server) handleServiceContactPut(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx := r.Context()
	c := trail.ServiceContact{Phone: r.PostFormValue("phone"), WeChat: r.PostFormValue("wechat"), Hours: r.PostFormValue("hours")}
	c.Normalize()
	err := c.Validate()
	if err == nil {
		err = s.settings.brands.PutServiceContact(ctx, v.Brand.ID, c)
	}
	switch trail.ErrorCode(err) {
	case "":
	case trail.EINVALID:
		before, readErr := s.settings.brands.BrandBySlug(ctx, v.Brand.Slug)
		if readErr != nil {
			return fmt.Errorf("settings service contact: %w", readErr)
		}
		return s.renderService(w, r, v, http.StatusUnprocessableEntity, &serviceSettings{Phone: c.Phone, WeChat: c.WeChat, Hours: c.Hours,
			Set: !before.Service.Empty(), Errors: map[string]string{fieldOf(err): chineseMessage(err, "填写的内容无效，请检查后重试。")}})
	default:
		return fmt.Errorf("settings service contact: %w", err)
	}
	if err := s.recordSetting(ctx, v, trail.AuditServiceContactPut, trail.AuditTarget("brand", v.Brand.Slug), serviceText(c)); err != nil {
		return fmt.Errorf("settings service contact: %w", err)
	}
	settingsSaved(w, r, "/console/settings/service", "service_contact", "")
	return nil
}

// serviceText describes a service contact for the audit log: it is what
// consumers are shown, no secret.
func serviceText(c trail.ServiceContact) string {
	or := func(s string) string {
		if s == "" {
			return "未填写"
		}
		return s
	}
	return strings.Join([]string{"客服电话 " + or(c.Phone), "微信号 " + or(c.WeChat), "服务时间 " + or(c.Hours)}, "；")
}
