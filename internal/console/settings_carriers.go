package console

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// settingsProviders are the tracking-data providers, in the order shown.
var settingsProviders = []string{trail.ProviderKuaidi100, trail.ProviderKdniao, trail.ProviderSF}

// providerNames are the providers' Chinese names.
var providerNames = map[string]string{
	trail.ProviderKuaidi100: "快递100",
	trail.ProviderKdniao:    "快递鸟",
	trail.ProviderSF:        "顺丰丰桥（直连）",
}

// credentialLabels name each provider's credential fields as the
// providers' own consoles do.
var credentialLabels = map[string]string{
	"customer":     "授权码 customer",
	"key":          "授权 key",
	"salt":         "推送签名 salt",
	"ebusiness_id": "用户 ID（EBusinessID）",
	"app_key":      "API Key（AppKey）",
	"partner_id":   "顾客编码（partnerID）",
	"check_word":   "校验码（checkWord）",
}

// carrierOptions returns every carrier trail knows as choices, in
// trail's order and by Chinese name, except the codes in except, with
// selected chosen; first comes a blank choice labelled blank.
func carrierOptions(blank, selected string, except ...string) []option {
	out := []option{{Value: "", Label: blank}}
	for _, c := range trail.Carriers() {
		if !slices.Contains(except, c.Code) {
			out = append(out, option{c.Code, c.Name, c.Code == selected})
		}
	}
	return out
}

// formCarrier reads a carrier an operator chose or typed, as the API does
// (trail.NormalizeCarrier: a code in any case, SF, YTO, 顺丰, 圆通速递...):
// its code, or the Chinese message saying why there is none.
func formCarrier(r *http.Request, name string) (code, msg string) {
	typed := strings.TrimSpace(r.PostFormValue(name))
	if typed == "" {
		return "", "请选择承运商。"
	}
	code = trail.NormalizeCarrier(typed)
	if _, ok := trail.LookupCarrier(code); !ok {
		return "", unknownCarrierText(typed)
	}
	return code, ""
}

// unknownCarrierText says in Chinese that input names no carrier, and
// what does.
func unknownCarrierText(input string) string {
	return "未知的承运商 " + trail.Quote(input) + "：请从列表中选择，或填写承运商名称或常用简称，例如 顺丰、SF、圆通、YTO、中通、极兔。"
}

// carrierSettings is the carriers' page: the provider accounts and what
// the brand has verified of each carrier.
type carrierSettings struct {
	Accounts      []*accountView
	Compliance    []*complianceView
	NewCompliance *complianceView // the form that declares another carrier
}

// accountView is a provider account without its secrets, and its form.
type accountView struct {
	Provider    string
	Name        string
	Configured  bool
	CallbackURL string
	UpdatedAt   time.Time
	Fields      []credentialField
	BaseURL     string
	Rate        string
	Errors      map[string]string // by form field: base_url, rate_per_minute; credentials in Fields
}

// credentialField is one credential of a provider: whether one is stored,
// never its value.
type credentialField struct {
	Name     string
	Label    string
	Optional bool
	Set      bool
	Error    string
}

// complianceView is a carrier's compliance and its form.
type complianceView struct {
	Carrier   string
	Name      string
	Alcohol   bool
	Fragile   bool
	ColdChain bool
	Expires   string // YYYY-MM-DD or ""
	Expired   bool
	Options   []option // the carriers to choose from, on the form for another carrier
	Error     string
}

// handleCarrierSettings shows the provider accounts and the carriers'
// compliance.
func (s *Server) handleCarrierSettings(w http.ResponseWriter, r *http.Request, v *visit) error {
	return s.renderCarriers(w, r, v, http.StatusOK, func(*carrierSettings) {})
}

// renderCarriers renders the carriers' page as stored; edit adds what a
// failed form left.
func (s *Server) renderCarriers(w http.ResponseWriter, r *http.Request, v *visit, status int, edit func(*carrierSettings)) error {
	ctx := r.Context()
	accounts, err := s.settings.carriers.CarrierAccounts(ctx, v.Brand.ID)
	if err != nil {
		return fmt.Errorf("settings carriers: %w", err)
	}
	declared, err := s.settings.carriers.Compliances(ctx, v.Brand.ID)
	if err != nil {
		return fmt.Errorf("settings carriers: %w", err)
	}
	cs := &carrierSettings{}
	for _, p := range settingsProviders {
		av := &accountView{Provider: p, Name: providerNames[p], Rate: strconv.Itoa(trail.DefaultRatePerMinute), Errors: map[string]string{}}
		var stored *trail.CarrierAccount
		for _, a := range accounts {
			if a.Provider == p {
				stored = a
			}
		}
		if stored != nil {
			av.Configured, av.UpdatedAt = true, stored.UpdatedAt
			av.CallbackURL = trail.CallbackURL(s.settings.publicURL, v.Brand.Slug, stored)
			av.BaseURL, av.Rate = stored.BaseURL, strconv.Itoa(stored.RatePerMinute)
		}
		for _, f := range trail.CredentialFields(p) {
			cf := credentialField{Name: f, Label: credentialLabels[f], Optional: f == "salt"}
			cf.Set = stored != nil && stored.Credentials[f] != ""
			av.Fields = append(av.Fields, cf)
		}
		cs.Accounts = append(cs.Accounts, av)
	}
	today := trail.Date(s.now().In(trail.ChinaTime).Format(time.DateOnly))
	var codes []string
	for _, c := range declared {
		cv := &complianceView{Carrier: c.Carrier, Name: carrierName(c.Carrier), Alcohol: c.Alcohol, Fragile: c.Fragile, ColdChain: c.ColdChain}
		if c.QualificationExpires != nil {
			cv.Expires, cv.Expired = string(*c.QualificationExpires), *c.QualificationExpires < today
		}
		cs.Compliance = append(cs.Compliance, cv)
		codes = append(codes, c.Carrier)
	}
	cs.NewCompliance = &complianceView{Options: carrierOptions("选择承运商", "", codes...)}
	edit(cs)
	return s.renderSettings(w, r, v, status, "settings_carriers", "承运商账号与资质", &settingsPage{Section: "carriers", Carriers: cs})
}

// baseURLHint explains what a provider's base URL may be.
const baseURLHint = "请输入 https:// 开头的完整地址（本机模拟器可用 http://127.0.0.1）；留空表示使用正式接口。"

// handleCarrierAccountPut creates or replaces the brand's account with a
// provider. Credentials are write-only: the form never shows them, and
// every save replaces them all with what was typed (a blank field keeps
// nothing, except Kuaidi100's salt, which the store keeps or makes so
// that pushes of parcels already subscribed still verify).
func (s *Server) handleCarrierAccountPut(w http.ResponseWriter, r *http.Request, v *visit) error {
	provider := r.PathValue("provider")
	if !slices.Contains(settingsProviders, provider) {
		return errNotFound
	}
	a := &trail.CarrierAccount{Provider: provider, Credentials: map[string]string{},
		BaseURL: r.PostFormValue("base_url")}
	errs := map[string]string{}
	for _, f := range trail.CredentialFields(provider) {
		if val := strings.TrimSpace(r.PostFormValue("credentials." + f)); val != "" {
			a.Credentials[f] = val
		}
	}
	rate := strings.TrimSpace(r.PostFormValue("rate_per_minute"))
	if rate != "" {
		n, err := strconv.Atoi(rate)
		if err != nil || n < 1 || n > 6000 {
			errs["rate_per_minute"] = "每分钟查询次数应为 1 到 6000 之间的整数。"
		}
		a.RatePerMinute = n
	}
	a.Normalize()
	for _, f := range trail.CredentialFields(provider) {
		if a.Credentials[f] == "" && f != "salt" {
			errs["credentials."+f] = "请填写" + credentialLabels[f] + "。"
		}
	}
	if a.BaseURL != "" {
		if u, err := url.Parse(a.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs["base_url"] = baseURLHint
		}
	}
	if len(errs) == 0 {
		if err := a.Validate(); fieldOf(err) == "base_url" {
			errs["base_url"] = baseURLHint
		} else if err != nil {
			errs[fieldOf(err)] = "填写的内容无效，请检查后重试。"
		}
	}
	if len(errs) == 0 {
		if _, err := s.settings.carriers.PutCarrierAccount(r.Context(), v.Brand.ID, a); trail.ErrorCode(err) == trail.EINVALID {
			errs[fieldOf(err)] = chineseMessage(err, "填写的内容无效，请检查后重试。")
		} else if err != nil {
			return fmt.Errorf("settings carrier account: %w", err)
		}
	}
	if len(errs) > 0 {
		// Show the form again with what was typed, except the secrets.
		return s.renderCarriers(w, r, v, http.StatusUnprocessableEntity, func(cs *carrierSettings) {
			for _, av := range cs.Accounts {
				if av.Provider != provider {
					continue
				}
				av.BaseURL, av.Rate = r.PostFormValue("base_url"), rate
				for i := range av.Fields {
					av.Fields[i].Error = errs["credentials."+av.Fields[i].Name]
					delete(errs, "credentials."+av.Fields[i].Name)
				}
				av.Errors = errs
			}
		})
	}
	var fields []string
	for _, f := range trail.CredentialFields(provider) {
		if a.Credentials[f] != "" {
			fields = append(fields, f)
		}
	}
	base := "正式接口"
	if a.BaseURL != "" {
		base = redactURL(a.BaseURL)
	}
	reason := fmt.Sprintf("凭据已替换（字段 %s，值不记录）；接口地址 %s；每分钟最多查询 %d 次",
		strings.Join(fields, "、"), base, a.RatePerMinute)
	if err := s.recordSetting(r.Context(), v, trail.AuditCarrierAccountPut, trail.AuditTarget("carrier_account", provider), reason); err != nil {
		return fmt.Errorf("settings carrier account: %w", err)
	}
	settingsSaved(w, r, "/console/settings/carriers", "carrier_account", "#acct-"+provider)
	return nil
}

// handleCompliancePut records what the brand has verified of a carrier:
// the form replaces all of it.
func (s *Server) handleCompliancePut(w http.ResponseWriter, r *http.Request, v *visit) error {
	carrier, msg := formCarrier(r, "carrier")
	c := &trail.Compliance{
		Carrier:   carrier,
		Alcohol:   r.PostFormValue("alcohol") == "1",
		Fragile:   r.PostFormValue("fragile") == "1",
		ColdChain: r.PostFormValue("cold_chain") == "1",
	}
	expires := strings.TrimSpace(r.PostFormValue("qualification_expires"))
	if msg == "" && expires != "" {
		d, err := trail.ParseDate(expires)
		if err != nil {
			msg = "资质有效期格式应为 年-月-日，例如 2027-06-30。"
		}
		c.QualificationExpires = &d
	}
	if msg == "" {
		if _, err := s.settings.carriers.PutCompliance(r.Context(), v.Brand.ID, c); trail.ErrorCode(err) == trail.EINVALID {
			msg = chineseMessage(err, "填写的内容无效，请检查后重试。")
		} else if err != nil {
			return fmt.Errorf("settings compliance: %w", err)
		}
	}
	if msg != "" {
		return s.renderCarriers(w, r, v, http.StatusUnprocessableEntity, func(cs *carrierSettings) {
			form := cs.NewCompliance
			for _, cv := range cs.Compliance {
				if cv.Carrier == c.Carrier {
					form = cv
				}
			}
			form.Alcohol, form.Fragile, form.ColdChain, form.Expires, form.Error = c.Alcohol, c.Fragile, c.ColdChain, expires, msg
			if form == cs.NewCompliance {
				for i := range form.Options {
					form.Options[i].Selected = form.Options[i].Value == c.Carrier
				}
			}
		})
	}
	until := "未填写"
	if c.QualificationExpires != nil {
		until = string(*c.QualificationExpires)
	}
	reason := fmt.Sprintf("酒类 %s；易碎 %s；冷链 %s；资质有效期至 %s", yesNo(c.Alcohol), yesNo(c.Fragile), yesNo(c.ColdChain), until)
	if err := s.recordSetting(r.Context(), v, trail.AuditCompliancePut, trail.AuditTarget("carrier", c.Carrier), reason); err != nil {
		return fmt.Errorf("settings compliance: %w", err)
	}
	settingsSaved(w, r, "/console/settings/carriers", "compliance", "#carrier-"+c.Carrier)
	return nil
}
