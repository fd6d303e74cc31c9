package console

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// apiKeySettings is the API keys' page.
type apiKeySettings struct {
	Keys      []*trail.APIKey // never the keys themselves: only their hashes are stored
	Live      int
	Max       int
	Name      string // the create form's name, as typed
	NameError string
}

// handleAPIKeySettings lists the brand's API keys.
func (s *Server) handleAPIKeySettings(w http.ResponseWriter, r *http.Request, v *visit) error {
	return s.renderAPIKeys(w, r, v, http.StatusOK, &settingsPage{}, &apiKeySettings{})
}

func (s *Server) renderAPIKeys(w http.ResponseWriter, r *http.Request, v *visit, status int, sp *settingsPage, ks *apiKeySettings) error {
	keys, err := s.settings.apiKeys.APIKeys(r.Context(), v.Brand.ID)
	if err != nil {
		return fmt.Errorf("settings api keys: %w", err)
	}
	ks.Keys, ks.Max = keys, trail.MaxAPIKeys
	for _, k := range keys {
		if k.Live() {
			ks.Live++
		}
	}
	sp.Section, sp.APIKeys = "api_keys", ks
	return s.renderSettings(w, r, v, status, "settings_apikeys", "API 密钥", sp)
}

// handleAPIKeyCreate makes a key and shows it, once.
func (s *Server) handleAPIKeyCreate(w http.ResponseWriter, r *http.Request, v *visit) error {
	k := &trail.APIKey{Name: r.PostFormValue("name"), CreatedBy: v.User.Email}
	k.Normalize()
	form := &apiKeySettings{Name: k.Name}
	status := http.StatusUnprocessableEntity
	var key string
	err := k.Validate()
	if err == nil {
		key, err = s.settings.apiKeys.CreateAPIKey(r.Context(), v.Brand.ID, k)
		if trail.ErrorCode(err) == trail.ECONFLICT {
			status = http.StatusConflict
		}
	}
	switch trail.ErrorCode(err) {
	case "":
	case trail.EINVALID, trail.ECONFLICT:
		form.NameError = chineseMessage(err, "名称无效。")
		return s.renderAPIKeys(w, r, v, status, &settingsPage{}, form)
	default:
		return fmt.Errorf("settings api key create: %w", err)
	}
	if err := s.recordSetting(r.Context(), v, trail.AuditAPIKeyCreate, apiKeyTarget(k.ID), apiKeyText(k)); err != nil {
		return fmt.Errorf("settings api key create: %w", err)
	}
	return s.renderAPIKeys(w, r, v, http.StatusOK, &settingsPage{Secret: &shownSecret{
		Heading: "API 密钥已创建",
		Label:   "API 密钥（" + k.Name + "）",
		Value:   key,
		Note:    "请立即复制并保存到调用方的配置中，请求时放在 Authorization: Bearer 之后。瓶迹只保存它的摘要，此密钥只显示这一次，遗失后只能吊销并重新创建。",
	}}, &apiKeySettings{})
}

// handleAPIKeyRevoke revokes a key at once.
func (s *Server) handleAPIKeyRevoke(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, ok := pathID(r)
	if !ok {
		return errNotFound
	}
	k, err := s.settings.apiKeys.RevokeAPIKey(r.Context(), v.Brand.ID, id)
	switch trail.ErrorCode(err) {
	case "":
	case trail.ENOTFOUND:
		return errNotFound
	case trail.ECONFLICT:
		return s.renderAPIKeys(w, r, v, http.StatusConflict, &settingsPage{Error: "该密钥已经吊销。"}, &apiKeySettings{})
	default:
		return fmt.Errorf("settings api key revoke: %w", err)
	}
	if err := s.recordSetting(r.Context(), v, trail.AuditAPIKeyRevoke, apiKeyTarget(k.ID), apiKeyText(k)); err != nil {
		return fmt.Errorf("settings api key revoke: %w", err)
	}
	settingsSaved(w, r, "/console/settings/api-keys", "api_key_revoked", "")
	return nil
}

func apiKeyTarget(id int64) string { return trail.AuditTarget("api_key", strconv.FormatInt(id, 10)) }

// apiKeyText names a key in the audit log by its name and last four
// characters: never the key.
func apiKeyText(k *trail.APIKey) string {
	name := k.Name
	if name == "" {
		name = "创建品牌时生成的密钥"
	}
	return fmt.Sprintf("%s（尾号 %s）", name, k.Hint)
}
