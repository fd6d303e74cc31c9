package console

import (
	"fmt"
	"net/http"
	netmail "net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// The notification settings under /console/settings/notifications
// (docs/ARCHITECTURE.md §8): the brand's no-spam policy (quiet
// hours, urgent override, daily cap, merge window, the kinds it sends),
// its accounts with the consumer channels (secrets write-only, as the
// carrier accounts), and its wording of every notice kind, previewed on
// the server against a sample order. They exist when the console has a
// trail.NotificationService; like every settings route, each is for admins
// only and every change goes to the audit log without a secret.

// notifyRoutes are the notification settings' routes, none without the
// notification service.
func (s *Server) notifyRoutes() []route {
	if s.settings == nil || s.settings.notify == nil {
		return nil
	}
	auth := func(method, pattern string, a trail.Action, h authedHandler) route {
		return route{Route: Route{Method: method, Pattern: pattern, Action: a}, authed: h}
	}
	return []route{
		auth("GET", "/console/settings/notifications", trail.ActionManageSettings, s.handleNotifyPolicy),
		auth("POST", "/console/settings/notifications", trail.ActionManageSettings, s.handleNotifyPolicyPut),
		auth("GET", "/console/settings/notifications/channels", trail.ActionManageSettings, s.handleNotifyChannels),
		auth("POST", "/console/settings/notifications/channels/{channel}", trail.ActionManageSettings, s.handleNotifyChannelPut),
		auth("GET", "/console/settings/notifications/templates", trail.ActionManageSettings, s.handleNoticeTemplates),
		auth("POST", "/console/settings/notifications/templates/{kind}", trail.ActionManageSettings, s.handleNoticeTemplatePut),
	}
}

// notifySettings is one page of the notification settings: Tab names it
// (policy, channels, templates) and only that part is set.
type notifySettings struct {
	Tab       string
	Policy    *policyForm
	Channels  []*channelForm
	Templates []*templateForm
	Variables []templateVariable
}

// renderNotify renders one page of the notification settings.
func (s *Server) renderNotify(w http.ResponseWriter, r *http.Request, v *visit, status int, name, title string, ns *notifySettings) error {
	return s.renderSettings(w, r, v, status, name, title, &settingsPage{Section: "notifications", Notify: ns})
}

// ---- The policy ----

// policyForm is the brand's notification policy, as stored or as typed.
type policyForm struct {
	QuietStart   string
	QuietEnd     string
	Urgent       bool
	DailyCap     string
	MergeMinutes string
	Kinds        []kindOption
	Errors       map[string]string // by form field: quiet_start, quiet_end, daily_cap, merge_minutes, kinds
}

// kindOption is a notice kind on the policy's form.
type kindOption struct {
	Kind    trail.NoticeKind
	Name    string
	Urgent  bool
	Checked bool
}

// newPolicyForm returns the form of a stored policy.
func newPolicyForm(p trail.NotifySettings) *policyForm {
	f := &policyForm{QuietStart: p.QuietStart, QuietEnd: p.QuietEnd, Urgent: p.UrgentOverridesQuiet,
		DailyCap: strconv.Itoa(p.DailyCap), MergeMinutes: strconv.Itoa(p.MergeMinutes), Errors: map[string]string{}}
	for _, k := range trail.NoticeKinds {
		f.Kinds = append(f.Kinds, kindOption{Kind: k, Name: trail.NoticeKindNames[k], Urgent: k.Urgent(), Checked: p.Sends(k)})
	}
	return f
}

// QuietNone reports whether the form's quiet hours are none at all.
func (f *policyForm) QuietNone() bool { return f.QuietStart == f.QuietEnd }

// handleNotifyPolicy shows the brand's notification policy.
func (s *Server) handleNotifyPolicy(w http.ResponseWriter, r *http.Request, v *visit) error {
	p, _, err := s.settings.notify.NotifySettings(r.Context(), v.Brand.ID)
	if err != nil {
		return fmt.Errorf("settings notify settings: %w", err)
	}
	return s.renderNotify(w, r, v, http.StatusOK, "settings_notify", "通知设置", &notifySettings{Tab: "policy", Policy: newPolicyForm(p)})
}

// clockInput reads a time of day as a browser's time field or a person
// types it: "22:00", "8:00", "08:00:00".
var clockInput = regexp.MustCompile(`^([0-9]{1,2})[:：]([0-9]{2})(?::00)?$`)

// parseClock returns a time of day as "HH:MM", or false.
func parseClock(s string) (string, bool) {
	m := clockInput.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return "", false
	}
	h, _ := strconv.Atoi(m[1])
	min, _ := strconv.Atoi(m[2])
	if h > 23 || min > 59 {
		return "", false
	}
	return fmt.Sprintf("%02d:%02d", h, min), true
}

// parseInt reads a whole number between lo and hi.
func parseInt(s string, lo, hi int) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	return n, err == nil && n >= lo && n <= hi
}

// Policy errors, in Chinese, next to their fields.
const (
	msgClock        = "请按“时:分”填写北京时间，例如 22:00。"
	msgDailyCap     = "请输入 1 到 50 之间的整数。"
	msgMergeMinutes = "请输入 0 到 1440 之间的整数（分钟）。"
	msgKinds        = "未知的通知类型，请刷新页面后重新勾选。"
)

// handleNotifyPolicyPut replaces the brand's notification policy. Every
// problem is shown next to its field, in Chinese, and nothing is saved.
func (s *Server) handleNotifyPolicyPut(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx := r.Context()
	var p trail.NotifySettings
	form := &policyForm{
		QuietStart:   strings.TrimSpace(r.PostFormValue("quiet_start")),
		QuietEnd:     strings.TrimSpace(r.PostFormValue("quiet_end")),
		Urgent:       r.PostFormValue("urgent_overrides_quiet") == "1",
		DailyCap:     strings.TrimSpace(r.PostFormValue("daily_cap")),
		MergeMinutes: strings.TrimSpace(r.PostFormValue("merge_minutes")),
		Errors:       map[string]string{},
	}
	var ok bool
	if p.QuietStart, ok = parseClock(form.QuietStart); ok {
		form.QuietStart = p.QuietStart
	} else {
		form.Errors["quiet_start"] = msgClock
	}
	if p.QuietEnd, ok = parseClock(form.QuietEnd); ok {
		form.QuietEnd = p.QuietEnd
	} else {
		form.Errors["quiet_end"] = msgClock
	}
	p.UrgentOverridesQuiet = form.Urgent
	if p.DailyCap, ok = parseInt(form.DailyCap, 1, 50); !ok {
		form.Errors["daily_cap"] = msgDailyCap
	}
	if p.MergeMinutes, ok = parseInt(form.MergeMinutes, 0, 24*60); !ok {
		form.Errors["merge_minutes"] = msgMergeMinutes
	}
	checked := r.PostForm["kinds"]
	for _, c := range checked {
		if _, known := trail.NoticeKindNames[trail.NoticeKind(c)]; !known {
			form.Errors["kinds"] = msgKinds
		}
	}
	p.Kinds = []trail.NoticeKind{} // none checked: the brand sends nothing
	for _, k := range trail.NoticeKinds {
		on := slices.Contains(checked, string(k))
		if on {
			p.Kinds = append(p.Kinds, k)
		}
		form.Kinds = append(form.Kinds, kindOption{Kind: k, Name: trail.NoticeKindNames[k], Urgent: k.Urgent(), Checked: on})
	}
	if len(form.Errors) == 0 {
		err := s.settings.notify.PutNotifySettings(ctx, v.Brand.ID, p)
		if trail.ErrorCode(err) == trail.EINVALID {
			// The checks above are the policy's own; this is a safety net.
			field := fieldOf(err)
			if strings.HasPrefix(field, "kinds") {
				field = "kinds"
			}
			form.Errors[field] = "填写的内容无效，请检查后重试。"
		} else if err != nil {
			return fmt.Errorf("settings notify settings: %w", err)
		}
	}
	if len(form.Errors) > 0 {
		return s.renderNotify(w, r, v, http.StatusUnprocessableEntity, "settings_notify", "通知设置", &notifySettings{Tab: "policy", Policy: form})
	}
	if err := s.recordSetting(ctx, v, trail.AuditNotifySettingsPut, trail.AuditTarget("notify_settings", v.Brand.Slug), policyText(p)); err != nil {
		return fmt.Errorf("settings notify settings: %w", err)
	}
	settingsSaved(w, r, "/console/settings/notifications", "notify_settings", "")
	return nil
}

// policyText describes a policy for the audit log.
func policyText(p trail.NotifySettings) string {
	quiet := "不设安静时段"
	if p.QuietStart != p.QuietEnd {
		quiet = fmt.Sprintf("安静时段 %s–%s（北京时间）", p.QuietStart, p.QuietEnd)
	}
	kinds := "不发送任何通知"
	if len(p.Kinds) > 0 {
		var names []string
		for _, k := range p.Kinds {
			names = append(names, trail.NoticeKindNames[k])
		}
		kinds = "发送 " + strings.Join(names, "、")
	}
	return fmt.Sprintf("%s；紧急通知可在安静时段发送 %s；每位消费者每天最多 %d 条；合并窗口 %d 分钟；%s",
		quiet, yesNo(p.UrgentOverridesQuiet), p.DailyCap, p.MergeMinutes, kinds)
}

// ---- The channel accounts ----

// notifyChannels are the consumer channels, in the order shown.
var notifyChannels = []trail.Channel{trail.ChannelSMS, trail.ChannelWeChat, trail.ChannelEmail}

// channelInfo names a channel and says what its account is for.
var channelInfo = map[trail.Channel]struct{ Name, What string }{
	trail.ChannelSMS:    {"短信（阿里云短信）", "按阿里云短信的接口发送；短信签名和模板 CODE 需先在阿里云控制台审核通过。"},
	trail.ChannelWeChat: {"微信订阅消息（小程序）", "有小程序的品牌，向订阅了通知的买家发送订阅消息。"},
	trail.ChannelEmail:  {"邮件（SMTP）", "通过品牌自己的发信服务器（SMTP）发送邮件。"},
}

// channelLabels name each channel's credential fields as the providers'
// own consoles do.
var channelLabels = map[string]string{
	"access_key_id":     "AccessKey ID",
	"access_key_secret": "AccessKey Secret",
	"sign_name":         "短信签名",
	"template_code":     "短信模板 CODE",
	"app_id":            "小程序 AppID",
	"app_secret":        "小程序 AppSecret",
	"template_id":       "订阅消息模板 ID",
	"host":              "SMTP 服务器",
	"port":              "端口",
	"security":          "加密方式",
	"username":          "用户名",
	"password":          "密码",
	"from":              "发件人",
}

// channelPlaceholders show the form of a plain field's value.
var channelPlaceholders = map[string]string{
	"sign_name":     "例如：梅子酒坊",
	"template_code": "例如：SMS_123456789",
	"port":          "465",
	"from":          "例如：梅子酒坊 <notice@plum.example>",
}

// channelHints help with a field, under it.
var channelHints = map[string]string{
	"port":     "通常 465（SSL/TLS）或 587（STARTTLS）。",
	"username": "发信服务器不要求登录时留空。",
	"password": "发信服务器不要求登录时留空；留空保存即表示不使用密码。",
}

// emailSecurity are the e-mail channel's security choices.
var emailSecurity = []option{
	{Value: "starttls", Label: "STARTTLS（常用于 587 端口）"},
	{Value: "tls", Label: "SSL/TLS（常用于 465 端口）"},
	{Value: "none", Label: "不加密（仅限内网或本机调试）"},
}

// secretField reports whether a channel's credential is write-only: the
// store never returns it, and the console neither shows nor refills it.
func secretField(name string) bool { return strings.Contains(name, "secret") || name == "password" }

// optionalField reports whether a channel's credential may be left empty.
func optionalField(name string) bool { return name == "username" || name == "password" }

// hasBaseURL reports whether a channel's endpoint can be changed (to the
// simulator, say): SMS and WeChat speak HTTP.
func hasBaseURL(c trail.Channel) bool { return c == trail.ChannelSMS || c == trail.ChannelWeChat }

// channelForm is one channel's account, without its secrets, and its form.
type channelForm struct {
	Channel    trail.Channel
	Name       string
	What       string
	Configured bool
	HasBaseURL bool
	BaseURL    string
	Fields     []*channelField
	Errors     map[string]string // by form field: base_url, and "" for the account as a whole
}

// channelField is one credential of a channel: the value of a plain one,
// never that of a secret.
type channelField struct {
	Name        string
	Label       string
	Placeholder string
	Hint        string
	Secret      bool
	Optional    bool
	Value       string // plain fields only: as stored or as typed
	Stored      bool   // a plain field holds a stored value; a required secret is stored with its account
	Unknown     bool   // an optional secret: whether one is stored is never told
	Options     []option
	Error       string
}

// ID is the field's element id.
func (f *channelField) ID(c trail.Channel) string { return "ch-" + string(c) + "-" + f.Name }

// newChannelForm returns the form of a channel's stored account, nil if
// it has none.
func newChannelForm(c trail.Channel, stored *trail.NotifyChannel) *channelForm {
	info := channelInfo[c]
	f := &channelForm{Channel: c, Name: info.Name, What: info.What, Configured: stored != nil, HasBaseURL: hasBaseURL(c), Errors: map[string]string{}}
	if stored != nil {
		f.BaseURL = stored.BaseURL
	}
	for _, name := range trail.ChannelFields[c] {
		cf := &channelField{Name: name, Label: channelLabels[name], Placeholder: channelPlaceholders[name], Hint: channelHints[name],
			Secret: secretField(name), Optional: optionalField(name)}
		switch {
		case stored == nil:
		case !cf.Secret:
			cf.Value = stored.Credentials[name]
			cf.Stored = cf.Value != ""
		case cf.Optional:
			cf.Unknown = true
		default:
			cf.Stored = true // a channel account is only stored with its required fields
		}
		if name == "security" {
			cf.Options = securityOptions(cf.Value)
		}
		f.Fields = append(f.Fields, cf)
	}
	return f
}

// securityOptions returns the e-mail security choices with selected chosen.
func securityOptions(selected string) []option {
	out := []option{{Value: "", Label: "选择加密方式", Selected: selected == ""}}
	for _, o := range emailSecurity {
		o.Selected = o.Value == selected
		out = append(out, o)
	}
	return out
}

// handleNotifyChannels shows the brand's channel accounts.
func (s *Server) handleNotifyChannels(w http.ResponseWriter, r *http.Request, v *visit) error {
	return s.renderChannels(w, r, v, http.StatusOK, nil)
}

// renderChannels renders the channel accounts as stored, with failed in
// place of its channel's.
func (s *Server) renderChannels(w http.ResponseWriter, r *http.Request, v *visit, status int, failed *channelForm) error {
	_, chans, err := s.settings.notify.NotifySettings(r.Context(), v.Brand.ID)
	if err != nil {
		return fmt.Errorf("settings notify channels: %w", err)
	}
	ns := &notifySettings{Tab: "channels"}
	for _, c := range notifyChannels {
		var stored *trail.NotifyChannel
		for i := range chans {
			if chans[i].Channel == c {
				stored = &chans[i]
			}
		}
		f := newChannelForm(c, stored)
		if failed != nil && failed.Channel == c {
			failed.Configured = f.Configured
			for i, cf := range failed.Fields {
				cf.Stored, cf.Unknown = f.Fields[i].Stored, f.Fields[i].Unknown
			}
			f = failed
		}
		ns.Channels = append(ns.Channels, f)
	}
	return s.renderNotify(w, r, v, status, "settings_notify_channels", "通知渠道账号", ns)
}

// handleNotifyChannelPut creates or replaces the brand's account with a
// channel. The form is the whole account: a secret left blank is not kept
// from before (the store never gives it back), so a required one must be
// typed again and an optional one (the SMTP password) is then saved
// empty. Secrets are never shown or echoed back.
func (s *Server) handleNotifyChannelPut(w http.ResponseWriter, r *http.Request, v *visit) error {
	ch := trail.Channel(r.PathValue("channel"))
	if !slices.Contains(notifyChannels, ch) {
		return errNotFound
	}
	c := trail.NotifyChannel{Channel: ch, Credentials: map[string]string{}}
	form := newChannelForm(ch, nil)
	if form.HasBaseURL {
		c.BaseURL = strings.TrimSpace(r.PostFormValue("base_url"))
		form.BaseURL = c.BaseURL
	}
	for _, f := range form.Fields {
		val := strings.TrimSpace(r.PostFormValue("credentials." + f.Name))
		if val != "" {
			c.Credentials[f.Name] = val
		}
		if !f.Secret {
			f.Value = val
		}
		switch {
		case val == "" && !f.Optional:
			f.Error = "请填写" + f.Label + "。"
		case val == "":
		case f.Name == "port":
			if _, ok := parseInt(val, 1, 65535); !ok {
				f.Error = "端口应为 1 到 65535 之间的整数。"
			}
		case f.Name == "security":
			if !slices.ContainsFunc(emailSecurity, func(o option) bool { return o.Value == val }) {
				f.Error = "请选择加密方式。"
			}
		case f.Name == "from":
			if a, err := netmail.ParseAddress(val); err != nil || !strings.Contains(a.Address, "@") {
				f.Error = "请填写有效的发件地址，例如 notice@plum.example 或 梅子酒坊 <notice@plum.example>。"
			}
		}
		if f.Name == "security" {
			f.Options = securityOptions(f.Value)
		}
	}
	if c.BaseURL != "" {
		if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			form.Errors["base_url"] = baseURLHint
		}
	}
	failed := func() bool {
		return len(form.Errors) > 0 || slices.ContainsFunc(form.Fields, func(f *channelField) bool { return f.Error != "" })
	}
	if !failed() {
		err := s.settings.notify.PutNotifyChannel(r.Context(), v.Brand.ID, c)
		if trail.ErrorCode(err) == trail.EINVALID {
			// Such as a base URL or an SMTP server on a private network,
			// refused with a reason in Chinese; the form's checks above
			// catch the rest, and this is their safety net.
			field, _ := strings.CutPrefix(fieldOf(err), "credentials.")
			msg := "填写的内容无效，请检查后重试。"
			if i := slices.IndexFunc(form.Fields, func(f *channelField) bool { return f.Name == field }); i >= 0 {
				form.Fields[i].Error = chineseMessage(err, msg)
			} else if field == "base_url" {
				form.Errors["base_url"] = chineseMessage(err, baseURLHint)
			} else {
				form.Errors[""] = chineseMessage(err, msg)
			}
		} else if err != nil {
			return fmt.Errorf("settings notify channel: %w", err)
		}
	}
	if failed() {
		return s.renderChannels(w, r, v, http.StatusUnprocessableEntity, form)
	}
	if err := s.recordSetting(r.Context(), v, trail.AuditNotifyChannelPut, trail.AuditTarget("notify_channel", string(ch)), channelText(c)); err != nil {
		return fmt.Errorf("settings notify channel: %w", err)
	}
	settingsSaved(w, r, "/console/settings/notifications/channels", "notify_channel", "#ch-"+string(ch))
	return nil
}

// channelText describes a channel account for the audit log: which fields
// were saved, never a secret's value.
func channelText(c trail.NotifyChannel) string {
	var fields []string
	for _, f := range trail.ChannelFields[c.Channel] {
		if c.Credentials[f] != "" {
			fields = append(fields, f)
		}
	}
	text := fmt.Sprintf("账号已替换（字段 %s；密钥值不记录）", strings.Join(fields, "、"))
	switch {
	case c.Channel == trail.ChannelEmail:
		cr := c.Credentials
		text += fmt.Sprintf("；发信服务器 %s:%s（%s）", truncate(cr["host"], 100), cr["port"], cr["security"])
	case c.BaseURL != "":
		text += "；接口地址 " + redactURL(c.BaseURL)
	default:
		text += "；接口地址 正式接口"
	}
	return text
}

// ---- The templates ----

// templateVariable is a variable a template may use, as the page lists it.
type templateVariable struct {
	Code string
	What string
}

// templateVariables document trail.NoticeData.
var templateVariables = []templateVariable{
	{"{{.Brand}}", "品牌名称"},
	{"{{.OrderNo}}", "订单号"},
	{"{{.Name}}", "买家姓名：短信和微信中脱敏（如“张*”），邮件中为全名"},
	{"{{.Summary}}", "本次通知的内容，一句话；合并发送时多条以“；”连接"},
	{"{{range .Lines}}{{.}}{{end}}", "同上，逐条列出（适合邮件正文）"},
	{"{{.Link}}", "订单追踪链接，发送时生成（必填）"},
	{"{{.OptOut}}", "退订链接，点击后不再收到通知（必填）"},
}

// templateForm is one notice kind's template, as stored or as typed, with
// its preview.
type templateForm struct {
	Kind    trail.NoticeKind
	Name    string
	Urgent  bool
	Subject string
	Text    string
	Custom  bool              // the brand's own wording, not the default
	Failed  bool              // the wording has an error: the page's index marks it
	Preview *noticePreview    // nil while the template has an error
	Unsaved bool              // the preview is of the typed, unsaved wording
	Errors  map[string]string // by form field: subject, text
}

// noticePreview is a template rendered against the sample order.
type noticePreview struct {
	Text      string // SMS and WeChat: the name masked
	Chars     int    // the SMS text's characters
	Parts     int    // how many SMS it is billed as
	Subject   string // the e-mail's
	EmailText string // the e-mail's body: the name in full
}

// Sample order of the previews.
const (
	sampleName    = "张三"
	sampleOrderNo = "WX20261125001"
)

// sampleDetail completes the sample notice of each kind.
var sampleDetail = map[trail.NoticeKind]string{
	trail.NoticeOrderConfirmed:    "12月7日–12月9日",
	trail.NoticeProductionDelayed: "灌装环节延迟：原料到货晚 2 天",
	trail.NoticeOrderSplit:        "2",
	trail.NoticeAtPickupPoint:     "6-2-0815",
	trail.NoticeException:         "收件人拒收",
	trail.NoticeETALate:           "12月21日",
}

// sampleData is what a preview renders: the sample order of the brand, one
// notice of kind k, and placeholder links (the real ones are signed at
// send time).
func (s *Server) sampleData(brand string, k trail.NoticeKind) trail.NoticeData {
	line := trail.Notice{Kind: k, Carrier: "shunfeng", TrackingNo: "SF1040245060669", Detail: sampleDetail[k]}.Line()
	base := strings.TrimSuffix(s.settings.publicURL, "/")
	if base == "" {
		base = "https://（追踪域名）"
	}
	return trail.NoticeData{Brand: brand, OrderNo: sampleOrderNo, Name: trail.MaskName(sampleName), Lines: []string{line}, Summary: line,
		Link: base + "/t/（发送时生成）", OptOut: base + "/n/optout/（发送时生成）"}
}

// preview renders t for the sample order: masked for SMS and WeChat, in
// full for e-mail.
func (s *Server) preview(brand string, t trail.NoticeTemplate) (*noticePreview, error) {
	d := s.sampleData(brand, t.Kind)
	subject, text, err := t.Render(d)
	if err != nil {
		return nil, err
	}
	d.Name = sampleName
	_, emailText, err := t.Render(d)
	if err != nil {
		return nil, err
	}
	p := &noticePreview{Text: text, Chars: utf8.RuneCountInString(text), Subject: subject, EmailText: emailText}
	p.Parts = 1
	if p.Chars > 70 { // a long SMS is billed per 67 characters
		p.Parts = (p.Chars + 66) / 67
	}
	return p, nil
}

// newTemplateForm returns the form of a stored template with its preview.
func (s *Server) newTemplateForm(brand string, t trail.NoticeTemplate) *templateForm {
	def := trail.DefaultNoticeTemplates()[t.Kind]
	f := &templateForm{Kind: t.Kind, Name: trail.NoticeKindNames[t.Kind], Urgent: t.Kind.Urgent(), Subject: t.Subject, Text: t.Text,
		Custom: t.Subject != def.Subject || t.Text != def.Text, Errors: map[string]string{}}
	if p, err := s.preview(brand, t); err == nil {
		f.Preview = p
	} else {
		f.Errors["text"] = templateError(err)
	}
	return f
}

// handleNoticeTemplates shows every kind's template with its preview.
func (s *Server) handleNoticeTemplates(w http.ResponseWriter, r *http.Request, v *visit) error {
	return s.renderTemplates(w, r, v, http.StatusOK, nil)
}

// renderTemplates renders the templates as stored, with form in place of
// its kind's.
func (s *Server) renderTemplates(w http.ResponseWriter, r *http.Request, v *visit, status int, form *templateForm) error {
	tpls, err := s.settings.notify.NoticeTemplates(r.Context(), v.Brand.ID)
	if err != nil {
		return fmt.Errorf("settings notice templates: %w", err)
	}
	ns := &notifySettings{Tab: "templates", Variables: templateVariables}
	sp := &settingsPage{Section: "notifications", Notify: ns}
	for _, k := range trail.NoticeKinds {
		f := s.newTemplateForm(v.Brand.Name, tpls[k])
		if form != nil && form.Kind == k {
			form.Custom = f.Custom
			f = form
			if len(f.Errors) > 0 {
				sp.Error = "未保存：“" + f.Name + "”的模板有误，请按该模板下标出的提示修改后重试。"
			}
		}
		f.Failed = len(f.Errors) > 0
		ns.Templates = append(ns.Templates, f)
	}
	return s.renderSettings(w, r, v, status, "settings_notify_templates", "通知模板", sp)
}

// checkTemplate returns the problems of a template by form field, in
// Chinese: nil if it may be saved.
func (s *Server) checkTemplate(brand string, t trail.NoticeTemplate) map[string]string {
	errs := map[string]string{}
	switch {
	case strings.TrimSpace(t.Subject) == "":
		errs["subject"] = "请填写邮件标题。"
	case len(t.Subject) > 200:
		errs["subject"] = "邮件标题最多 200 字节（约 66 个汉字）。"
	}
	var missing []string
	for _, v := range []string{"{{.Link}}", "{{.OptOut}}"} {
		if !strings.Contains(t.Text, v) {
			missing = append(missing, v)
		}
	}
	switch {
	case strings.TrimSpace(t.Text) == "":
		errs["text"] = "请填写通知正文。"
	case len(t.Text) > trail.MaxTemplateText:
		errs["text"] = fmt.Sprintf("正文最多 %d 字节（约 %d 个汉字）。", trail.MaxTemplateText, trail.MaxTemplateText/3)
	case len(missing) > 0:
		errs["text"] = "正文必须包含追踪链接 {{.Link}} 和退订链接 {{.OptOut}}，请原样写入（缺少 " + strings.Join(missing, "、") + "）。"
	}
	if len(errs) > 0 {
		return errs
	}
	if _, err := s.preview(brand, t); err != nil {
		field := "text"
		if strings.HasPrefix(err.Error(), "template subject:") {
			field = "subject"
		}
		errs[field] = templateError(err)
		return errs
	}
	if err := t.Validate(); err != nil { // the service's own check; a safety net
		errs["text"] = "模板无效：" + strings.TrimPrefix(err.Error(), "text: ")
		return errs
	}
	return nil
}

// templateError explains in Chinese why a template does not render, with
// the parser's own words for the details.
func templateError(err error) string {
	detail := err.Error()
	for _, p := range []string{"template subject: ", "template text: "} {
		detail = strings.TrimPrefix(detail, p)
	}
	return "模板无法解析或渲染，请检查 {{ }} 中的变量名和写法（只能使用下方列出的变量）。详情：" + truncate(detail, 200)
}

// handleNoticeTemplatePut previews, saves or resets the template of one
// kind: op=preview renders the typed wording under the form and saves
// nothing; op=default saves the built-in wording; anything else saves the
// typed one. An invalid template shows its error next to its field and
// saves nothing.
func (s *Server) handleNoticeTemplatePut(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx := r.Context()
	k := trail.NoticeKind(r.PathValue("kind"))
	if _, ok := trail.NoticeKindNames[k]; !ok {
		return errNotFound
	}
	op := r.PostFormValue("op")
	t := trail.NoticeTemplate{Kind: k, Subject: strings.TrimSpace(r.PostFormValue("subject")),
		Text: strings.TrimSpace(strings.ReplaceAll(r.PostFormValue("text"), "\r\n", "\n"))}
	if op == "default" {
		t = trail.DefaultNoticeTemplates()[k]
	}
	form := &templateForm{Kind: k, Name: trail.NoticeKindNames[k], Urgent: k.Urgent(), Subject: t.Subject, Text: t.Text,
		Errors: s.checkTemplate(v.Brand.Name, t)}
	if form.Errors == nil {
		form.Errors = map[string]string{}
	}
	if len(form.Errors) == 0 && op == "preview" {
		form.Preview, _ = s.preview(v.Brand.Name, t)
		form.Unsaved = true
		return s.renderTemplates(w, r, v, http.StatusOK, form)
	}
	if len(form.Errors) == 0 {
		err := s.settings.notify.PutNoticeTemplate(ctx, v.Brand.ID, t)
		if trail.ErrorCode(err) == trail.EINVALID {
			form.Errors["text"] = "模板无效，请检查后重试。"
		} else if err != nil {
			return fmt.Errorf("settings notice template: %w", err)
		}
	}
	if len(form.Errors) > 0 {
		return s.renderTemplates(w, r, v, http.StatusUnprocessableEntity, form)
	}
	reason := fmt.Sprintf("%s：标题「%s」；正文「%s」", trail.NoticeKindNames[k], truncate(t.Subject, 100), truncate(t.Text, 600))
	saved := "notice_template"
	if op == "default" {
		reason, saved = trail.NoticeKindNames[k]+"：恢复默认模板", "notice_template_default"
	}
	if err := s.recordSetting(ctx, v, trail.AuditNoticeTemplatePut, trail.AuditTarget("notice_template", string(k)), reason); err != nil {
		return fmt.Errorf("settings notice template: %w", err)
	}
	settingsSaved(w, r, "/console/settings/notifications/templates", saved, "#tpl-"+string(k))
	return nil
}
