package console_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/console"
	"github.com/bottletrail/bottletrail/internal/egress"
	"github.com/bottletrail/bottletrail/internal/sqlite"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// lastAudit returns the brand's newest audit entry.
func lastAudit(t *testing.T, b *testBundle, brandID int64) *trail.AuditEntry {
	t.Helper()
	es := b.auditLog(t, brandID, trail.AuditFilter{Limit: 1})
	if len(es) == 0 {
		t.Fatal("no audit entry")
	}
	return es[0]
}

// shownSecret returns the secret a page shows once, "" if none.
func shownSecret(p *page) string {
	v, _ := p.doc.Find(".once input.secret").Attr("value")
	return v
}

func TestSettingsCarrierAccounts(t *testing.T) {
	f := setupSettings(t)
	ctx := t.Context()
	br := f.browser(t).mustLogin(adminA)

	p := br.get("/console/settings/carriers")
	wantStatus(t, p, http.StatusOK)
	if n := p.doc.Find("article.account").Length(); n != 3 {
		t.Fatalf("got %d providers, want 3", n)
	}
	if p.doc.Find("#acct-kuaidi100 .badge").Text() != "未配置" || p.doc.Find("#acct-kuaidi100 .callback").Length() != 0 {
		t.Fatal("an unconfigured account shows as configured")
	}
	if !strings.Contains(p.doc.Find(".explain").Text(), "留空的字段不会沿用旧值") {
		t.Fatal("the page does not explain that blank fields keep nothing")
	}

	form := url.Values{"credentials.customer": {"PLUM-CUSTOMER-9"}, "credentials.key": {"PLUM-KEY-SECRET-9"},
		"base_url": {"http://127.0.0.1:9010/"}, "rate_per_minute": {"120"}}
	p = br.post("/console/settings/carriers/kuaidi100", form)
	wantStatus(t, p, http.StatusSeeOther)
	if p.location() != "/console/settings/carriers?saved=carrier_account#acct-kuaidi100" {
		t.Fatalf("redirect: got %q", p.location())
	}
	stored, err := f.db.CarrierAccount(ctx, f.brandA.ID, trail.ProviderKuaidi100)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Credentials["customer"] != "PLUM-CUSTOMER-9" || stored.Credentials["key"] != "PLUM-KEY-SECRET-9" || stored.Credentials["salt"] == "" ||
		stored.BaseURL != "http://127.0.0.1:9010" || stored.RatePerMinute != 120 {
		t.Fatalf("stored: got %+v", stored)
	}
	salt := stored.Credentials["salt"]

	p = br.get(p.location())
	wantStatus(t, p, http.StatusOK)
	if !strings.Contains(p.doc.Find("p.info").Text(), "承运商账号已保存") {
		t.Fatalf("no confirmation: %q", p.doc.Find("p.info").Text())
	}
	acct := p.doc.Find("#acct-kuaidi100")
	if acct.Find(".badge").Text() != "已配置" {
		t.Fatal("the account is not shown as configured")
	}
	want := settingsPublicURL + "/hooks/kuaidi100/" + f.brandA.Slug + "?token=" + stored.CallbackToken
	if got := acct.Find(".callback").Text(); got != want {
		t.Fatalf("callback URL: got %q, want %q", got, want)
	}
	// Secrets are write-only: neither the page nor its form holds them.
	for _, secret := range []string{"PLUM-CUSTOMER-9", "PLUM-KEY-SECRET-9", salt} {
		if strings.Contains(p.body, secret) {
			t.Fatalf("the page shows the secret %q", secret)
		}
	}
	acct.Find(`input[type=password]`).Each(func(_ int, s *goquerySel) {
		if v, ok := s.Attr("value"); ok && v != "" {
			t.Fatalf("a credential field is filled: %q", v)
		}
	})
	if v, _ := acct.Find(`input[name=base_url]`).Attr("value"); v != "http://127.0.0.1:9010" {
		t.Fatalf("base URL: got %q", v)
	}
	if v, _ := acct.Find(`input[name=rate_per_minute]`).Attr("value"); v != "120" {
		t.Fatalf("rate: got %q", v)
	}
	e := lastAudit(t, f.testBundle, f.brandA.ID)
	if e.Action != trail.AuditCarrierAccountPut || e.Target != "carrier_account:kuaidi100" || e.Actor != adminA ||
		!strings.Contains(e.Reason, "customer、key") || !strings.Contains(e.Reason, "120") {
		t.Fatalf("audit: got %+v", e)
	}

	// A replacement with a blank required field keeps nothing: refused,
	// with the error at the field, the typed secret not echoed, and the
	// stored account as it was.
	p = br.post("/console/settings/carriers/kuaidi100", url.Values{"credentials.customer": {"PLUM-CUSTOMER-10"}, "rate_per_minute": {"120"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	keyField := p.doc.Find(`#acct-kuaidi100 input[name="credentials.key"]`).Parent()
	if !strings.Contains(keyField.Find(".field-error").Text(), "请填写授权 key") {
		t.Fatalf("error at the key: %q", keyField.Text())
	}
	if strings.Contains(p.body, "PLUM-CUSTOMER-10") {
		t.Fatal("a refused form echoes a typed secret")
	}
	if got, _ := f.db.CarrierAccount(ctx, f.brandA.ID, trail.ProviderKuaidi100); got.Credentials["customer"] != "PLUM-CUSTOMER-9" {
		t.Fatal("a refused form changed the account")
	}

	for _, tt := range []struct {
		name, field, value, want string
	}{
		{"rate not a number", "rate_per_minute", "fast", "1 到 6000"},
		{"rate too high", "rate_per_minute", "6001", "1 到 6000"},
		{"base URL not http", "base_url", "ftp://carrier.example", "https://"},
		{"base URL plain http to a remote host", "base_url", "http://10.0.0.5:8080", "https://"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{"credentials.customer": {"C"}, "credentials.key": {"K"}, tt.field: {tt.value}}
			p := br.post("/console/settings/carriers/kuaidi100", form)
			wantStatus(t, p, http.StatusUnprocessableEntity)
			if got := p.doc.Find(`#acct-kuaidi100 [name="` + tt.field + `"]`).Parent().Find(".field-error").Text(); !strings.Contains(got, tt.want) {
				t.Fatalf("error at %s: got %q, want %q", tt.field, got, tt.want)
			}
		})
	}

	// A replacement with the salt left blank keeps the salt (pushes of
	// parcels subscribed before still verify), and the callback token.
	wantStatus(t, br.post("/console/settings/carriers/kuaidi100", url.Values{"credentials.customer": {"C2"}, "credentials.key": {"K2"}}), http.StatusSeeOther)
	got, _ := f.db.CarrierAccount(ctx, f.brandA.ID, trail.ProviderKuaidi100)
	if got.Credentials["salt"] != salt || got.CallbackToken != stored.CallbackToken || got.Credentials["key"] != "K2" || got.BaseURL != "" || got.RatePerMinute != trail.DefaultRatePerMinute {
		t.Fatalf("after replacement: got %+v", got)
	}

	// SF's fields.
	wantStatus(t, br.post("/console/settings/carriers/sf", url.Values{"credentials.partner_id": {"SF-P"}, "credentials.check_word": {"SF-CHECKWORD-SECRET"}}), http.StatusSeeOther)
	p = br.get("/console/settings/carriers")
	if p.doc.Find("#acct-sf .badge").Text() != "已配置" || strings.Contains(p.body, "SF-CHECKWORD-SECRET") {
		t.Fatal("SF account: not configured, or its secret shown")
	}
	assertNoSecretsInAudit(t, f.testBundle, f.brandA.ID, "PLUM-CUSTOMER-9", "PLUM-KEY-SECRET-9", salt, "SF-CHECKWORD-SECRET", "K2", stored.CallbackToken)
}

func TestSettingsCompliance(t *testing.T) {
	f := setupSettings(t)
	ctx := t.Context()
	br := f.browser(t).mustLogin(adminA)
	p := br.get("/console/settings/carriers")
	// The demo brand declared shunfeng and others: shown as stored.
	row := p.doc.Find("#carrier-shunfeng")
	if row.Length() != 1 {
		t.Fatal("shunfeng's declaration is not listed")
	}
	if _, ok := row.Find(`input[name=alcohol]`).Attr("checked"); !ok {
		t.Fatal("shunfeng's alcohol qualification is not shown")
	}

	// Declare another carrier.
	if p.doc.Find(`#carrier-new option[value=jtexpress]`).Length() != 1 {
		t.Fatal("the form for another carrier does not offer an undeclared one")
	}
	p = br.post("/console/settings/compliance", url.Values{"carrier": {"jtexpress"}, "alcohol": {"1"}, "cold_chain": {"1"}, "qualification_expires": {"2026-11-30"}})
	wantStatus(t, p, http.StatusSeeOther)
	var jtexpress *trail.Compliance
	list, _ := f.db.Compliances(ctx, f.brandA.ID)
	for _, c := range list {
		if c.Carrier == "jtexpress" {
			jtexpress = c
		}
	}
	if jtexpress == nil || !jtexpress.Alcohol || jtexpress.Fragile || !jtexpress.ColdChain || jtexpress.QualificationExpires == nil || *jtexpress.QualificationExpires != "2026-11-30" {
		t.Fatalf("jtexpress: got %+v", jtexpress)
	}
	if e := lastAudit(t, f.testBundle, f.brandA.ID); e.Action != trail.AuditCompliancePut || e.Target != "carrier:jtexpress" ||
		e.Reason != "酒类 是；易碎 否；冷链 是；资质有效期至 2026-11-30" {
		t.Fatalf("audit: got %+v", e)
	}
	p = br.get("/console/settings/carriers")
	row = p.doc.Find("#carrier-jtexpress")
	if !strings.Contains(row.Text(), "已过期") { // the clock says 2026-12-01
		t.Fatalf("an expired qualification is not marked: %q", row.Text())
	}
	if p.doc.Find(`#carrier-new option[value=jtexpress]`).Length() != 0 {
		t.Fatal("the form for another carrier offers one already declared")
	}

	// Replace: the form is the whole declaration. The carrier may be named
	// as in the API: 极兔 is jtexpress.
	wantStatus(t, br.post("/console/settings/compliance", url.Values{"carrier": {"极兔"}, "fragile": {"1"}}), http.StatusSeeOther)
	if e := lastAudit(t, f.testBundle, f.brandA.ID); e.Target != "carrier:jtexpress" {
		t.Fatalf("declared by name: audit target %q", e.Target)
	}
	list, _ = f.db.Compliances(ctx, f.brandA.ID)
	for _, c := range list {
		if c.Carrier == "jtexpress" && (c.Alcohol || !c.Fragile || c.ColdChain || c.QualificationExpires != nil) {
			t.Fatalf("jtexpress after replacement: got %+v", c)
		}
	}

	for _, tt := range []struct {
		name string
		form url.Values
		want string
	}{
		{"no carrier", url.Values{"alcohol": {"1"}}, "请选择承运商"},
		{"unknown carrier", url.Values{"carrier": {"ups"}}, `未知的承运商 "ups"：请从列表中选择`},
		{"bad date", url.Values{"carrier": {"jtexpress"}, "qualification_expires": {"30/06/2027"}}, "年-月-日"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := len(f.auditLog(t, f.brandA.ID, trail.AuditFilter{Limit: 500}))
			p := br.post("/console/settings/compliance", tt.form)
			wantStatus(t, p, http.StatusUnprocessableEntity)
			if !strings.Contains(p.doc.Find("#compliance .field-error").Text(), tt.want) {
				t.Fatalf("error: got %q, want %q", p.doc.Find("#compliance .field-error").Text(), tt.want)
			}
			if after := len(f.auditLog(t, f.brandA.ID, trail.AuditFilter{Limit: 500})); after != before {
				t.Fatal("a refused form was audited")
			}
		})
	}
}

func TestSettingsAlertRules(t *testing.T) {
	f := setupSettings(t)
	ctx := t.Context()
	br := f.browser(t).mustLogin(adminA)
	p := br.get("/console/settings/alerts")
	wantStatus(t, p, http.StatusOK)
	if n := p.doc.Find("section.rule form").Length(); n != len(trail.AlertTypes) {
		t.Fatalf("got %d rule forms, want %d", n, len(trail.AlertTypes))
	}
	stalled := p.doc.Find("#rule-stalled")
	if v, _ := stalled.Find(`input[name=threshold_hours]`).Attr("value"); v != "48" {
		t.Fatalf("stalled threshold: got %q", v)
	}
	if v, _ := stalled.Find(`input[name="carrier.youzhengguonei"]`).Attr("value"); v != "96" {
		t.Fatalf("stalled threshold of youzhengguonei: got %q", v)
	}
	if p.doc.Find(`#rule-heat_risk input[name=max_temp_c]`).Length() != 1 || p.doc.Find(`#rule-eta_risk input[name=max_temp_c]`).Length() != 0 {
		t.Fatal("the maximum temperature belongs to heat_risk alone")
	}
	if p.doc.Find(`#rule-signed_by_proxy input[name=threshold_hours]`).Length() != 0 {
		t.Fatal("signed_by_proxy has no threshold")
	}
	if p.doc.Find(`#rule-exception input[name^="carrier."]`).Length() != 0 {
		t.Fatal("per-carrier thresholds belong to stalled and no_pickup")
	}

	// Change the threshold, one carrier's, drop one, add one.
	form := url.Values{"enabled": {"1"}, "threshold_hours": {"36.5"}, "carrier.shunfeng": {"12"}, "carrier.jd": {"24"},
		"carrier.ems": {"72"}, "carrier.youzhengguonei": {""}, "carrier.youzhengbk": {"96"}, "add_carrier": {"ZTO"}, "add_hours": {"30"}}
	p = br.post("/console/settings/alerts/stalled", form)
	wantStatus(t, p, http.StatusSeeOther)
	rules, _ := f.db.AlertRules(ctx, f.brandA.ID)
	r := rules[trail.AlertStalled]
	if !r.Enabled || r.ThresholdHours != 36.5 || len(r.Carriers) != 5 || r.Carriers["shunfeng"] != 12 || r.Carriers["zhongtong"] != 30 {
		t.Fatalf("stalled: got %+v", r)
	}
	if _, ok := r.Carriers["youzhengguonei"]; ok {
		t.Fatal("a cleared carrier threshold stayed")
	}
	if e := lastAudit(t, f.testBundle, f.brandA.ID); e.Action != trail.AuditAlertRulePut || e.Target != "alert_rule:stalled" ||
		!strings.Contains(e.Reason, "启用；阈值 36.5 小时；按承运商 顺丰速运 12 小时") || !strings.Contains(e.Reason, "中通快递 30 小时") {
		t.Fatalf("audit: got %+v", e)
	}

	// Switch a rule off; heat_risk's temperature.
	wantStatus(t, br.post("/console/settings/alerts/signed_by_proxy", url.Values{}), http.StatusSeeOther)
	wantStatus(t, br.post("/console/settings/alerts/heat_risk", url.Values{"enabled": {"1"}, "threshold_hours": {"24"}, "max_temp_c": {"28"}}), http.StatusSeeOther)
	rules, _ = f.db.AlertRules(ctx, f.brandA.ID)
	if rules[trail.AlertSignedByProxy].Enabled || rules[trail.AlertHeatRisk].MaxTempC != 28 || rules[trail.AlertHeatRisk].ThresholdHours != 24 {
		t.Fatalf("after: signed_by_proxy %+v, heat_risk %+v", rules[trail.AlertSignedByProxy], rules[trail.AlertHeatRisk])
	}
	p = br.get("/console/settings/alerts?saved=alert_rule")
	if _, on := p.doc.Find(`#rule-signed_by_proxy input[name=enabled]`).Attr("checked"); on {
		t.Fatal("a switched-off rule shows as on")
	}

	// Every problem is shown next to its field, in Chinese, and nothing is
	// saved.
	for _, tt := range []struct {
		name, typ string
		form      url.Values
		field     string // the input whose field shows the error
		want      string
	}{
		{"hours not a number", "stalled", url.Values{"threshold_hours": {"两天"}}, `input[name=threshold_hours]`, "0 到 2160"},
		{"hours negative", "no_pickup", url.Values{"threshold_hours": {"-1"}}, `input[name=threshold_hours]`, "0 到 2160"},
		{"hours too many", "production_overdue", url.Values{"threshold_hours": {"2161"}}, `input[name=threshold_hours]`, "0 到 2160"},
		{"hours NaN", "exception", url.Values{"threshold_hours": {"NaN"}}, `input[name=threshold_hours]`, "0 到 2160"},
		{"hours empty", "eta_risk", url.Values{"threshold_hours": {""}}, `input[name=threshold_hours]`, "0 到 2160"},
		{"carrier hours bad", "stalled", url.Values{"threshold_hours": {"48"}, "carrier.shunfeng": {"x"}}, `input[name="carrier.shunfeng"]`, "0 到 2160"},
		{"added carrier without hours", "no_pickup", url.Values{"threshold_hours": {"48"}, "add_carrier": {"ems"}}, `input[name=add_hours]`, "请填写该承运商的小时数"},
		{"hours without carrier", "no_pickup", url.Values{"threshold_hours": {"48"}, "add_hours": {"5"}}, `select[name=add_carrier]`, "请选择承运商"},
		{"unknown carrier", "no_pickup", url.Values{"threshold_hours": {"48"}, "add_carrier": {"ups"}, "add_hours": {"5"}}, `select[name=add_carrier]`, "未知的承运商"},
		{"temperature too high", "heat_risk", url.Values{"threshold_hours": {"48"}, "max_temp_c": {"70"}}, `input[name=max_temp_c]`, "0 到 60"},
		{"temperature empty", "heat_risk", url.Values{"threshold_hours": {"48"}, "max_temp_c": {""}}, `input[name=max_temp_c]`, "0 到 60"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := f.db.AlertRules(ctx, f.brandA.ID)
			form := cloneForm(tt.form)
			form.Set("enabled", "1")
			p := br.post("/console/settings/alerts/"+tt.typ, form)
			wantStatus(t, p, http.StatusUnprocessableEntity)
			field := p.doc.Find("#rule-" + tt.typ + " " + tt.field)
			if field.Length() != 1 {
				t.Fatalf("no field %s in the form of %s", tt.field, tt.typ)
			}
			if got := field.NextFiltered(".field-error").Text(); !strings.Contains(got, tt.want) {
				t.Fatalf("error next to %s: got %q, want %q", tt.field, got, tt.want)
			}
			if _, bad := field.Attr("aria-invalid"); !bad {
				t.Error("the field is not marked invalid")
			}
			// The typed value stays in the form; other rules show as stored.
			if v, _ := field.Attr("value"); field.Is("input") && v != tt.form.Get(strings.Trim(strings.TrimPrefix(strings.TrimSuffix(tt.field, "]"), "input[name="), `"`)) {
				t.Errorf("the field lost what was typed: got %q", v)
			}
			if p.doc.Find(".field-error").Length() != 1 {
				t.Errorf("got %d errors on the page, want 1", p.doc.Find(".field-error").Length())
			}
			after, _ := f.db.AlertRules(ctx, f.brandA.ID)
			if ruleText(after[trail.AlertType(tt.typ)]) != ruleText(before[trail.AlertType(tt.typ)]) {
				t.Fatal("a refused form changed the rule")
			}
		})
	}
}

func ruleText(r trail.AlertRule) string {
	return strconv.FormatBool(r.Enabled) + strconv.FormatFloat(r.ThresholdHours, 'f', -1, 64) + strconv.FormatFloat(r.MaxTempC, 'f', -1, 64) + strconv.Itoa(len(r.Carriers))
}

func TestSettingsWebhooks(t *testing.T) {
	f := setupSettings(t)
	ctx := t.Context()
	br := f.browser(t).mustLogin(adminA)
	p := br.get("/console/settings/webhooks")
	wantStatus(t, p, http.StatusOK)
	if !strings.Contains(p.doc.Find("table").Text(), f.hookA.URL) || strings.Contains(p.body, f.hookA.Secret) {
		t.Fatal("the list lacks the endpoint, or shows its secret")
	}

	p = br.post("/console/settings/webhooks", url.Values{"url": {" https://erp.plum.example/hooks?auth=plum-query-token "},
		"events": {trail.EventAlertOpened, trail.EventAlertResolved}})
	wantStatus(t, p, http.StatusOK)
	secret := shownSecret(p)
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("shown secret: got %q", secret)
	}
	if p.header.Get("Cache-Control") != "no-store" {
		t.Fatal("the page with a secret may be stored")
	}
	list, _ := f.db.Webhooks(ctx, f.brandA.ID)
	if len(list) != 2 || list[1].Secret != secret || list[1].URL != "https://erp.plum.example/hooks?auth=plum-query-token" ||
		strings.Join(list[1].Events, ",") != "alert.opened,alert.resolved" {
		t.Fatalf("stored: got %+v", list[len(list)-1])
	}
	created := list[1]
	if e := lastAudit(t, f.testBundle, f.brandA.ID); e.Action != trail.AuditWebhookCreate || e.Target != "webhook:"+strconv.FormatInt(created.ID, 10) ||
		strings.Contains(e.Reason, "plum-query-token") || !strings.Contains(e.Reason, "https://erp.plum.example/hooks?…") {
		t.Fatalf("audit: got %+v", e)
	}
	// Once: the next page does not show it.
	if p := br.get("/console/settings/webhooks"); strings.Contains(p.body, secret) || shownSecret(p) != "" {
		t.Fatal("the secret is shown again")
	}

	// Rotation shows the new secret once; the old one keeps signing for
	// the grace period, as the list says.
	p = br.post("/console/settings/webhooks/"+strconv.FormatInt(created.ID, 10)+"/rotate", nil)
	wantStatus(t, p, http.StatusOK)
	rotated := shownSecret(p)
	if !strings.HasPrefix(rotated, "whsec_") || rotated == secret || strings.Contains(p.body, secret) {
		t.Fatalf("rotated secret: got %q", rotated)
	}
	got, _ := f.db.Webhook(ctx, f.brandA.ID, created.ID)
	if got.Secret != rotated || got.PreviousSecret != secret {
		t.Fatal("the store does not hold the rotated secrets")
	}
	p = br.get("/console/settings/webhooks")
	if strings.Contains(p.body, rotated) || !strings.Contains(p.doc.Find("#webhook-"+strconv.FormatInt(created.ID, 10)).Text(), "旧密钥至") {
		t.Fatal("after rotation: the secret is shown, or the grace period is not")
	}

	// Delete.
	p = br.post("/console/settings/webhooks/"+strconv.FormatInt(created.ID, 10)+"/delete", nil)
	wantStatus(t, p, http.StatusSeeOther)
	if _, err := f.db.Webhook(ctx, f.brandA.ID, created.ID); trail.ErrorCode(err) != trail.ENOTFOUND {
		t.Fatalf("after delete: %v", err)
	}
	if p := br.get(p.location()); !strings.Contains(p.doc.Find("p.info").Text(), "已删除") || strings.Contains(p.body, "erp.plum.example") {
		t.Fatal("after delete: no confirmation, or the endpoint is still listed")
	}
	wantStatus(t, br.post("/console/settings/webhooks/"+strconv.FormatInt(created.ID, 10)+"/delete", nil), http.StatusNotFound)

	for _, tt := range []struct {
		name   string
		form   url.Values
		field  string
		want   string
		status int
	}{
		{"plain http", url.Values{"url": {"http://erp.plum.example/hooks"}, "events": {"order.updated"}}, "url", "https://", http.StatusUnprocessableEntity},
		{"credentials in the URL", url.Values{"url": {"https://u:p@erp.plum.example/"}, "events": {"order.updated"}}, "url", "用户名", http.StatusUnprocessableEntity},
		{"no events", url.Values{"url": {"https://erp.plum.example/x"}}, "events", "至少选择一个事件", http.StatusUnprocessableEntity},
		{"same URL twice", url.Values{"url": {f.hookA.URL}, "events": {"order.updated"}}, "url", "已登记", http.StatusConflict},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := br.post("/console/settings/webhooks", tt.form)
			wantStatus(t, p, tt.status)
			var got string
			if tt.field == "events" {
				got = p.doc.Find("#add fieldset .field-error").Text()
			} else {
				got = p.doc.Find(`#webhook-url`).NextFiltered(".field-error").Text()
			}
			if !strings.Contains(got, tt.want) {
				t.Fatalf("error: got %q, want %q", got, tt.want)
			}
			if shownSecret(p) != "" {
				t.Fatal("a refused form shows a secret")
			}
		})
	}
	// The limit.
	for i := len(list) - 1; i < trail.MaxWebhookEndpoints; i++ {
		e := &trail.WebhookEndpoint{URL: "https://hooks.plum.example/n" + strconv.Itoa(i), Events: []string{"order.updated"}}
		if err := f.db.CreateWebhook(ctx, f.brandA.ID, e); err != nil {
			t.Fatal(err)
		}
	}
	p = br.post("/console/settings/webhooks", url.Values{"url": {"https://one.too.many/"}, "events": {"order.updated"}})
	wantStatus(t, p, http.StatusConflict)
	if !strings.Contains(p.doc.Find(".field-error").Text(), "上限") {
		t.Fatalf("at the limit: %q", p.doc.Find(".field-error").Text())
	}
	assertNoSecretsInAudit(t, f.testBundle, f.brandA.ID, secret, rotated, "plum-query-token")
}

func TestSettingsAPIKeys(t *testing.T) {
	f := setupSettings(t)
	ctx := t.Context()
	br := f.browser(t).mustLogin(adminA)
	p := br.get("/console/settings/api-keys")
	wantStatus(t, p, http.StatusOK)
	if n := p.doc.Find("table tbody tr").Length(); n != 2 {
		t.Fatalf("got %d keys, want the brand's first and the fixture's", n)
	}
	if !strings.Contains(p.doc.Find("table").Text(), "创建品牌时生成") || !strings.Contains(p.doc.Find("#key-"+strconv.FormatInt(f.keyA.ID, 10)).Text(), "从未使用") {
		t.Fatal("the list lacks the first key or the never-used note")
	}

	p = br.post("/console/settings/api-keys", url.Values{"name": {"  小程序后端 "}})
	wantStatus(t, p, http.StatusOK)
	key := shownSecret(p)
	if !strings.HasPrefix(key, trail.APIKeyPrefix) {
		t.Fatalf("shown key: got %q", key)
	}
	keys, _ := f.db.APIKeys(ctx, f.brandA.ID)
	k := keys[0]
	if k.Name != "小程序后端" || k.CreatedBy != adminA || k.Hint != key[len(key)-4:] {
		t.Fatalf("stored: got %+v", k)
	}
	if e := lastAudit(t, f.testBundle, f.brandA.ID); e.Action != trail.AuditAPIKeyCreate || e.Target != "api_key:"+strconv.FormatInt(k.ID, 10) ||
		e.Reason != "小程序后端（尾号 "+k.Hint+"）" {
		t.Fatalf("audit: got %+v", e)
	}

	// Listed, never the key.
	p = br.get("/console/settings/api-keys")
	if strings.Contains(p.body, key) {
		t.Fatal("the list shows the key")
	}
	row := p.doc.Find("#key-" + strconv.FormatInt(k.ID, 10))
	if !strings.Contains(row.Text(), "小程序后端") || !strings.Contains(row.Text(), "bt_…"+k.Hint) || !strings.Contains(row.Text(), adminA) ||
		!strings.Contains(row.Text(), "2026-12-01 12:00") || !strings.Contains(row.Text(), "从未使用") || !strings.Contains(row.Text(), "有效") {
		t.Fatalf("row: %q", row.Text())
	}
	// The API uses it (at the store's clock, the same as the console's):
	// the list shows when.
	f.clock.Add(time.Minute)
	if brand, err := f.db.BrandByAPIKey(ctx, key); err != nil || brand.ID != f.brandA.ID {
		t.Fatalf("the new key: got %v, %v", brand, err)
	}
	p = br.get("/console/settings/api-keys")
	if got := p.doc.Find("#key-" + strconv.FormatInt(k.ID, 10) + ` td[data-label=最近使用]`).Text(); got != "2026-12-01 12:01" {
		t.Fatalf("last used: got %q", got)
	}

	// Revoke: at once.
	p = br.post("/console/settings/api-keys/"+strconv.FormatInt(k.ID, 10)+"/revoke", nil)
	wantStatus(t, p, http.StatusSeeOther)
	if _, err := f.db.BrandByAPIKey(ctx, key); trail.ErrorCode(err) != trail.ENOTFOUND {
		t.Fatalf("a revoked key: got %v", err)
	}
	p = br.get(p.location())
	row = p.doc.Find("#key-" + strconv.FormatInt(k.ID, 10))
	if !strings.Contains(row.Text(), "已吊销") || row.Find("form").Length() != 0 || !strings.Contains(p.doc.Find("p.info").Text(), "已吊销") {
		t.Fatalf("after revocation: %q", row.Text())
	}
	if e := lastAudit(t, f.testBundle, f.brandA.ID); e.Action != trail.AuditAPIKeyRevoke || e.Target != "api_key:"+strconv.FormatInt(k.ID, 10) {
		t.Fatalf("audit: got %+v", e)
	}
	p = br.post("/console/settings/api-keys/"+strconv.FormatInt(k.ID, 10)+"/revoke", nil)
	wantStatus(t, p, http.StatusConflict)

	for _, tt := range []struct{ name, value, want string }{
		{"empty", "  ", "请为密钥命名"},
		{"too long", strings.Repeat("名", 65), "最多 64"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := br.post("/console/settings/api-keys", url.Values{"name": {tt.value}})
			wantStatus(t, p, http.StatusUnprocessableEntity)
			if got := p.doc.Find("#key-name").NextFiltered(".field-error").Text(); !strings.Contains(got, tt.want) {
				t.Fatalf("error: got %q, want %q", got, tt.want)
			}
			if shownSecret(p) != "" {
				t.Fatal("a refused form shows a key")
			}
		})
	}
	assertNoSecretsInAudit(t, f.testBundle, f.brandA.ID, key)
}

func TestSettingsUsers(t *testing.T) {
	f := setupSettings(t)
	ctx := t.Context()
	br := f.browser(t).mustLogin(adminA)
	p := br.get("/console/settings/users")
	wantStatus(t, p, http.StatusOK)
	var emails []string
	p.doc.Find("table tbody tr td[data-label=成员] strong").Each(func(_ int, s *goquerySel) { emails = append(emails, s.Text()) })
	if strings.Join(emails, ",") != strings.Join([]string{adminA, agentA, multi, "temp@plum.example", viewerA}, ",") {
		t.Fatalf("members: got %v", emails)
	}
	admin, _, _ := f.db.UserByEmail(ctx, adminA)
	self := p.doc.Find("#user-" + strconv.FormatInt(admin.ID, 10))
	if self.Find("form").Length() != 0 {
		t.Fatal("the admin is offered to change or remove themselves")
	}

	// A new user with a generated password, shown once; they can sign in.
	p = br.post("/console/settings/users", url.Values{"email": {" Li.Ming@Plum.example "}, "name": {"李明"}, "role": {"agent"}})
	wantStatus(t, p, http.StatusOK)
	pw := shownSecret(p)
	if len(pw) < trail.MinPasswordLen {
		t.Fatalf("shown password: got %q", pw)
	}
	if e := lastAudit(t, f.testBundle, f.brandA.ID); e.Action != trail.AuditUserCreate || e.Target != "user:li.ming@plum.example" ||
		!strings.Contains(e.Reason, "客服") || strings.Contains(e.Reason, pw) {
		t.Fatalf("audit: got %+v", e)
	}
	if p := br.get("/console/settings/users"); strings.Contains(p.body, pw) || !strings.Contains(p.doc.Find("table").Text(), "li.ming@plum.example") {
		t.Fatal("the password is shown again, or the user is not listed")
	}
	nb := f.browser(t)
	if p := nb.login("li.ming@plum.example", pw); p.status != http.StatusSeeOther {
		t.Fatalf("the new user signs in: got %d %q", p.status, p.doc.Find(".error").Text())
	}
	if got := nb.get("/console/orders").doc.Find(".role").Text(); got != "客服" {
		t.Fatalf("the new user's role: got %q", got)
	}

	// A password the admin sets.
	p = br.post("/console/settings/users", url.Values{"email": {"set@plum.example"}, "role": {"viewer"}, "password": {"chosen by the admin"}})
	wantStatus(t, p, http.StatusSeeOther)
	if p := f.browser(t).login("set@plum.example", "chosen by the admin"); p.status != http.StatusSeeOther {
		t.Fatalf("sign in with the set password: got %d", p.status)
	}
	assertNoSecretsInAudit(t, f.testBundle, f.brandA.ID, pw, "chosen by the admin")

	// An address with an account of another brand joins this one; its
	// password and its other brand stay as they are.
	p = br.post("/console/settings/users", url.Values{"email": {adminB}, "role": {"viewer"}, "password": {"attempt to take over"}})
	wantStatus(t, p, http.StatusSeeOther)
	if p := br.get(p.location()); !strings.Contains(p.doc.Find("p.info").Text(), "密码未更改") {
		t.Fatalf("notice: %q", p.doc.Find("p.info").Text())
	}
	if m, err := f.db.Membership(ctx, f.adminBUser.ID, f.brandA.ID); err != nil || m.Role != trail.RoleViewer {
		t.Fatalf("joined: got %+v, %v", m, err)
	}
	if m, _ := f.db.Membership(ctx, f.adminBUser.ID, f.brandB.ID); m.Role != trail.RoleAdmin {
		t.Fatal("the user's role in their other brand changed")
	}
	if e := lastAudit(t, f.testBundle, f.brandA.ID); e.Action != trail.AuditMembership || !strings.Contains(e.Reason, "已有账号") {
		t.Fatalf("audit: got %+v", e)
	}
	if p := f.browser(t).login(adminB, "attempt to take over"); p.status != http.StatusUnauthorized {
		t.Fatal("another brand's admin set the password of an existing account")
	}
	f.browser(t).mustLogin(adminB)

	for _, tt := range []struct {
		name   string
		form   url.Values
		field  string
		want   string
		status int
	}{
		{"bad address", url.Values{"email": {"not an address"}, "role": {"agent"}}, "#user-email", "有效的邮箱", http.StatusUnprocessableEntity},
		{"no role", url.Values{"email": {"x@plum.example"}, "role": {"owner"}}, "#user-role", "请选择角色", http.StatusUnprocessableEntity},
		{"short password", url.Values{"email": {"x@plum.example"}, "role": {"agent"}, "password": {"short"}}, "#user-password", "10 到", http.StatusUnprocessableEntity},
		{"member already", url.Values{"email": {agentA}, "role": {"viewer"}}, "#user-email", "已是本品牌成员", http.StatusConflict},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := len(f.auditLog(t, f.brandA.ID, trail.AuditFilter{Limit: 500}))
			p := br.post("/console/settings/users", tt.form)
			wantStatus(t, p, tt.status)
			if got := p.doc.Find(tt.field).NextFiltered(".field-error").Text(); !strings.Contains(got, tt.want) {
				t.Fatalf("error: got %q, want %q", got, tt.want)
			}
			if v, ok := p.doc.Find("#user-password").Attr("value"); ok && v != "" {
				t.Fatal("a refused form echoes the password")
			}
			if after := len(f.auditLog(t, f.brandA.ID, trail.AuditFilter{Limit: 500})); after != before {
				t.Fatal("a refused form was audited")
			}
		})
	}
	if _, _, err := f.db.UserByEmail(ctx, "x@plum.example"); trail.ErrorCode(err) != trail.ENOTFOUND {
		t.Fatal("a refused form made an account")
	}

	// Change a role: effective at the member's next request.
	agent, _, _ := f.db.UserByEmail(ctx, agentA)
	ab := f.browser(t).mustLogin(agentA)
	path := "/console/settings/users/" + strconv.FormatInt(agent.ID, 10)
	wantStatus(t, br.post(path+"/role", url.Values{"role": {"viewer"}}), http.StatusSeeOther)
	if got := ab.get("/console/orders").doc.Find(".role").Text(); got != "只读" {
		t.Fatalf("the member's role: got %q", got)
	}
	if e := lastAudit(t, f.testBundle, f.brandA.ID); e.Action != trail.AuditMembership || e.Reason != "角色 客服 → 只读" || e.Target != "user:"+agentA {
		t.Fatalf("audit: got %+v", e)
	}
	p = br.post(path+"/role", url.Values{"role": {"owner"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if !strings.Contains(p.doc.Find("#user-"+strconv.FormatInt(agent.ID, 10)+" .field-error").Text(), "请选择角色") {
		t.Fatal("no error at the member's row")
	}

	// Not oneself.
	selfPath := "/console/settings/users/" + strconv.FormatInt(admin.ID, 10)
	for _, action := range []string{"/role", "/remove"} {
		before := len(f.auditLog(t, f.brandA.ID, trail.AuditFilter{Limit: 500}))
		p := br.post(selfPath+action, url.Values{"role": {"viewer"}})
		wantStatus(t, p, http.StatusConflict)
		if !strings.Contains(p.doc.Find("#user-"+strconv.FormatInt(admin.ID, 10)+" .field-error").Text(), "自己") {
			t.Fatalf("%s of oneself: %q", action, p.doc.Find(".field-error").Text())
		}
		if after := len(f.auditLog(t, f.brandA.ID, trail.AuditFilter{Limit: 500})); after != before {
			t.Fatal("a refused change was audited")
		}
	}
	if m, _ := f.db.Membership(ctx, admin.ID, f.brandA.ID); m.Role != trail.RoleAdmin {
		t.Fatal("the admin changed their own role")
	}

	// Remove: the member's session in the brand ends at once.
	wantStatus(t, br.post(path+"/remove", nil), http.StatusSeeOther)
	if _, err := f.db.Membership(ctx, agent.ID, f.brandA.ID); trail.ErrorCode(err) != trail.ENOTFOUND {
		t.Fatalf("after removal: %v", err)
	}
	if p := ab.get("/console/orders"); p.status != http.StatusSeeOther {
		t.Fatalf("the removed member's session: got %d, want a redirect to sign in", p.status)
	}
	if p := ab.login(agentA, testPassword); p.status != http.StatusForbidden {
		t.Fatalf("the removed member signs in: got %d, want the no-brand refusal", p.status)
	}
	if e := lastAudit(t, f.testBundle, f.brandA.ID); e.Action != trail.AuditMemberRemove || e.Target != "user:"+agentA || !strings.Contains(e.Reason, "只读") {
		t.Fatalf("audit: got %+v", e)
	}
	wantStatus(t, br.post(path+"/remove", nil), http.StatusNotFound)

	// The audit page names the settings' actions in Chinese.
	p = br.get("/console/audit")
	for _, name := range []string{"移出品牌", "创建账号", "设置角色"} {
		if !strings.Contains(p.doc.Find("table").Text(), name) {
			t.Errorf("the audit page lacks %q", name)
		}
	}
}

// TestSettingsPrivateDestinations runs the settings on services behind
// the egress policy, as the server does: a webhook or a provider base URL
// on a private network is refused with the policy's reason, in Chinese,
// and nothing is stored.
func TestSettingsPrivateDestinations(t *testing.T) {
	policy := egress.New(false, nil)
	b := setupWith(t, func(c *console.Config) {
		db := c.Users.(*sqlite.DB)
		c.Carriers, c.Alerts, c.Webhooks, c.APIKeys, c.Notify = policy.Carriers(db), db, policy.Webhooks(db), db, db
		c.PasswordParams = cheap
	})
	br := b.browser(t).mustLogin(adminA)
	p := br.post("/console/settings/webhooks", url.Values{"url": {"https://0x7f000001/hooks"}, "events": {"order.updated"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if got, want := p.doc.Find(`#webhook-url`).NextFiltered(".field-error").Text(), "不能使用本机回环地址（0x7f000001）"; !strings.Contains(got, want) {
		t.Errorf("webhook error: got %q, want %q", got, want)
	}
	p = br.post("/console/settings/carriers/kuaidi100", url.Values{"credentials.customer": {"C"}, "credentials.key": {"K"},
		"base_url": {"https://169.254.169.254/latest"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if got, want := p.doc.Find(`#acct-kuaidi100 [name="base_url"]`).Parent().Find(".field-error").Text(), "不能使用链路本地地址（169.254.169.254）"; !strings.Contains(got, want) {
		t.Errorf("base_url error: got %q, want %q", got, want)
	}
	ctx := t.Context()
	if hooks, err := b.db.Webhooks(ctx, b.brandA.ID); err != nil || len(hooks) != 0 {
		t.Errorf("webhooks stored: %v, %v", hooks, err)
	}
	if a, err := b.db.CarrierAccount(ctx, b.brandA.ID, trail.ProviderKuaidi100); trail.ErrorCode(err) != trail.ENOTFOUND {
		t.Errorf("carrier account stored: %+v, %v", a, err)
	}
}

// TestSettingsServiceContact: an admin sets the service contact consumers
// are shown; a bad field is refused at the field, in Chinese, with what
// was typed kept and nothing changed; the change is in the audit log; an
// agent may neither see nor change it; brand B's contact is its own.
func TestSettingsServiceContact(t *testing.T) {
	f := setupSettings(t)
	ctx := t.Context()
	br := f.browser(t).mustLogin(adminA)
	contact := func(slug string) trail.ServiceContact {
		t.Helper()
		b, err := f.db.BrandBySlug(ctx, slug)
		if err != nil {
			t.Fatal(err)
		}
		return b.Service
	}

	p := br.get("/console/settings/service")
	wantStatus(t, p, http.StatusOK)
	if p.doc.Find("#service-unset").Length() != 1 {
		t.Fatal("an unset contact is not called out")
	}
	if p.doc.Find(`.subnav a[href="/console/settings/service"][aria-current=page]`).Length() != 1 {
		t.Error("the sub-navigation does not mark the section")
	}

	p = br.post("/console/settings/service", url.Values{"phone": {" 400-820-1234 "}, "wechat": {"meizi_kefu"}, "hours": {"每天 9:00–21:00"}})
	wantStatus(t, p, http.StatusSeeOther)
	if p.location() != "/console/settings/service?saved=service_contact" {
		t.Fatalf("redirect: got %q", p.location())
	}
	want := trail.ServiceContact{Phone: "400-820-1234", WeChat: "meizi_kefu", Hours: "每天 9:00–21:00"}
	if got := contact(f.brandA.Slug); got != want {
		t.Fatalf("stored: got %+v, want %+v", got, want)
	}
	if e := lastAudit(t, f.testBundle, f.brandA.ID); e.Action != trail.AuditServiceContactPut || e.Target != "brand:"+f.brandA.Slug ||
		e.Actor != adminA || e.Reason != "客服电话 400-820-1234；微信号 meizi_kefu；服务时间 每天 9:00–21:00" {
		t.Fatalf("audit: got %+v", e)
	}
	p = br.get(p.location())
	if !strings.Contains(p.doc.Find("p.info").Text(), "客服联系方式已保存") || p.doc.Find("#service-unset").Length() != 0 {
		t.Fatalf("after saving: notice %q", p.doc.Find("p.info").Text())
	}
	for name, v := range map[string]string{"phone": want.Phone, "wechat": want.WeChat, "hours": want.Hours} {
		if got, _ := p.doc.Find(`input[name=` + name + `]`).Attr("value"); got != v {
			t.Errorf("%s: got %q, want %q", name, got, v)
		}
	}
	p = br.get("/console/audit")
	if row := p.doc.Find(".audit tbody tr").First(); !strings.Contains(row.Text(), "修改客服联系方式") {
		t.Errorf("audit page: newest row %q", row.Text())
	}

	before := len(f.auditLog(t, f.brandA.ID, trail.AuditFilter{Limit: 500}))
	for _, tt := range []struct {
		name string
		form url.Values
		at   string
		want string
	}{
		{"letters in the phone", url.Values{"phone": {"400-CALL-NOW"}, "wechat": {"meizi_kefu"}}, "phone", "5–24 位数字"},
		{"WeChat ID starting with a digit", url.Values{"phone": {"400-820-1234"}, "wechat": {"1meizi"}}, "wechat", "以字母开头"},
		{"hours without a way to reach", url.Values{"hours": {"每天 9:00–21:00"}}, "hours", "请同时填写客服电话或微信号"},
		{"hours too long", url.Values{"phone": {"400-820-1234"}, "hours": {strings.Repeat("时", 51)}}, "hours", "最多 50 个字"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := br.post("/console/settings/service", tt.form)
			wantStatus(t, p, http.StatusUnprocessableEntity)
			field := p.doc.Find(`[name="` + tt.at + `"]`)
			if got := field.Parent().Find(".field-error").Text(); !strings.Contains(got, tt.want) {
				t.Fatalf("error at %s: got %q, want %q", tt.at, got, tt.want)
			}
			if _, ok := field.Attr("aria-invalid"); !ok {
				t.Errorf("%s is not marked invalid", tt.at)
			}
			if got, _ := field.Attr("value"); got != strings.TrimSpace(tt.form.Get(tt.at)) {
				t.Errorf("%s: what was typed is not kept: %q", tt.at, got)
			}
			if p.doc.Find(".field-error").Length() != 1 || p.doc.Find("p.error[role=alert]").Length() != 1 {
				t.Errorf("errors: %q", p.doc.Find(".field-error, p.error").Text())
			}
		})
	}
	if got := contact(f.brandA.Slug); got != want {
		t.Fatalf("a refused form changed the contact: %+v", got)
	}
	if after := len(f.auditLog(t, f.brandA.ID, trail.AuditFilter{Limit: 500})); after != before {
		t.Fatalf("refused forms wrote %d audit entries", after-before)
	}

	// Blank fields clear what they held.
	wantStatus(t, br.post("/console/settings/service", url.Values{"wechat": {"meizi_kefu"}}), http.StatusSeeOther)
	if got := contact(f.brandA.Slug); got != (trail.ServiceContact{WeChat: "meizi_kefu"}) {
		t.Fatalf("after clearing: got %+v", got)
	}

	// An agent may not read or change it.
	ab := f.browser(t).mustLogin(agentA)
	wantStatus(t, ab.get("/console/settings/service"), http.StatusForbidden)
	wantStatus(t, ab.post("/console/settings/service", url.Values{"phone": {"400-000-0000"}}), http.StatusForbidden)
	if got := contact(f.brandA.Slug); got != (trail.ServiceContact{WeChat: "meizi_kefu"}) {
		t.Fatalf("an agent changed the contact: %+v", got)
	}
	// Brand A's admin set brand A's contact only.
	if got := contact(f.brandB.Slug); !got.Empty() {
		t.Fatalf("brand B's contact: %+v", got)
	}
}
