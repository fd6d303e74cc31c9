package console

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// alertHelp says, per alert type, when it opens and what its hours mean;
// a type without hours ignores its threshold.
var alertHelp = map[trail.AlertType]struct{ What, Hours string }{
	trail.AlertNoPickup:          {"运单创建后迟迟没有揽收。", "运单创建后超过（小时）"},
	trail.AlertStalled:           {"包裹在途中长时间没有新的物流轨迹。", "无新轨迹超过（小时）"},
	trail.AlertException:         {"包裹出现异常、拒收或退回。", "异常持续（小时，0 表示立即提醒）"},
	trail.AlertPickupPoint:       {"酒类或易碎品被放入快递柜或驿站。", "放入后超过（小时，0 表示立即提醒）"},
	trail.AlertSignedByProxy:     {"酒类或易碎品被他人代签。发生即提醒，无需阈值。", ""},
	trail.AlertETARisk:           {"预计最晚送达时间赶不上承诺日期或纪念日。", "需提前于截止时间（小时，安全余量）"},
	trail.AlertProductionOverdue: {"生产环节超过计划完成日期仍未完成。", "超过计划日期（小时）"},
	trail.AlertHeatRisk:          {"温控商品在高温地区途中停留过久。", "在途超过（小时）"},
}

// maxRuleHours bounds every threshold: 90 days.
const maxRuleHours = 24 * 90

// alertSettings is the alert thresholds' page: one form per alert type.
type alertSettings struct {
	Rules []*ruleForm
}

// ruleForm is the form of one alert type's rule, as stored or as typed.
type ruleForm struct {
	Type        trail.AlertType
	Name        string
	What        string
	HoursLabel  string // "" when the type has no threshold
	Enabled     bool
	Hours       string
	HasCarriers bool // stalled and no_pickup take thresholds per carrier
	Carriers    []carrierHours
	AddCarrier  []option
	AddHours    string
	HasTemp     bool // heat_risk takes a maximum temperature
	MaxTemp     string
	Errors      map[string]string // by form field: threshold_hours, add_carrier, add_hours, max_temp_c
}

// carrierHours is a carrier's own threshold on a rule's form.
type carrierHours struct {
	Code, Name, Hours, Error string
}

// Field is the form field name of the carrier's threshold.
func (c carrierHours) Field() string { return "carrier." + c.Code }

// newRuleForm returns the form of a stored rule.
func newRuleForm(t trail.AlertType, r trail.AlertRule) *ruleForm {
	f := &ruleForm{Type: t, Name: trail.AlertTypeNames[t], What: alertHelp[t].What, HoursLabel: alertHelp[t].Hours,
		Enabled: r.Enabled, Hours: formatNumber(r.ThresholdHours), Errors: map[string]string{}}
	if t == trail.AlertStalled || t == trail.AlertNoPickup {
		f.HasCarriers = true
		for _, c := range sortedCarriers(r.Carriers) {
			f.Carriers = append(f.Carriers, carrierHours{Code: c, Name: carrierName(c), Hours: formatNumber(r.Carriers[c])})
		}
		f.AddCarrier = carrierOptions("选择承运商", "", sortedCarriers(r.Carriers)...)
	}
	if t == trail.AlertHeatRisk {
		f.HasTemp, f.MaxTemp = true, formatNumber(r.MaxTempC)
	}
	return f
}

// sortedCarriers returns a rule's carriers in the settings' order, unknown
// codes last.
func sortedCarriers(m map[string]float64) []string {
	var out []string
	for c := range m {
		out = append(out, c)
	}
	known := trail.Carriers()
	rank := func(c string) int {
		if i := slices.IndexFunc(known, func(k trail.Carrier) bool { return k.Code == c }); i >= 0 {
			return i
		}
		return len(known)
	}
	slices.SortFunc(out, func(a, b string) int {
		if d := rank(a) - rank(b); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	return out
}

func formatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// handleAlertSettings shows every alert type's rule.
func (s *Server) handleAlertSettings(w http.ResponseWriter, r *http.Request, v *visit) error {
	return s.renderAlerts(w, r, v, http.StatusOK, nil)
}

// renderAlerts renders the alert thresholds as stored, with failed in
// place of its type's stored rule.
func (s *Server) renderAlerts(w http.ResponseWriter, r *http.Request, v *visit, status int, failed *ruleForm) error {
	rules, err := s.settings.alerts.AlertRules(r.Context(), v.Brand.ID)
	if err != nil {
		return fmt.Errorf("settings alert rules: %w", err)
	}
	as := &alertSettings{}
	for _, t := range trail.AlertTypes {
		if failed != nil && failed.Type == t {
			as.Rules = append(as.Rules, failed)
			continue
		}
		as.Rules = append(as.Rules, newRuleForm(t, rules[t]))
	}
	return s.renderSettings(w, r, v, status, "settings_alerts", "预警阈值", &settingsPage{Section: "alerts", Alerts: as})
}

// parseHours reads a number of hours between 0 and maxRuleHours.
func parseHours(s string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return f, err == nil && !math.IsNaN(f) && f >= 0 && f <= maxRuleHours
}

const msgHours = "请输入 0 到 2160 之间的小时数（可带小数）。"

// handleAlertRulePut replaces the brand's rule of one alert type. Every
// problem is shown next to its field, in Chinese, and nothing is saved.
func (s *Server) handleAlertRulePut(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx := r.Context()
	t := trail.AlertType(r.PathValue("type"))
	if _, ok := trail.AlertTypeNames[t]; !ok {
		return errNotFound
	}
	rules, err := s.settings.alerts.AlertRules(ctx, v.Brand.ID)
	if err != nil {
		return fmt.Errorf("settings alert rule: %w", err)
	}
	rule := rules[t] // what the form does not show stays as it is
	rule.Enabled = r.PostFormValue("enabled") == "1"
	form := newRuleForm(t, rule)
	form.Enabled = rule.Enabled

	if form.HoursLabel != "" {
		form.Hours = strings.TrimSpace(r.PostFormValue("threshold_hours"))
		if h, ok := parseHours(form.Hours); ok {
			rule.ThresholdHours = h
		} else {
			form.Errors["threshold_hours"] = msgHours
		}
	}
	if form.HasCarriers {
		carriers := map[string]float64{}
		form.Carriers = nil
		for _, c := range sortedCarriers(rule.Carriers) {
			ch := carrierHours{Code: c, Name: carrierName(c), Hours: strings.TrimSpace(r.PostFormValue("carrier." + c))}
			if ch.Hours != "" { // a blank one falls back to the rule's threshold
				if h, ok := parseHours(ch.Hours); ok {
					carriers[c] = h
				} else {
					ch.Error = msgHours
				}
			}
			form.Carriers = append(form.Carriers, ch)
		}
		add, addMsg := formCarrier(r, "add_carrier")
		form.AddHours = strings.TrimSpace(r.PostFormValue("add_hours"))
		form.AddCarrier = carrierOptions("选择承运商", add, sortedCarriers(rule.Carriers)...)
		switch {
		case strings.TrimSpace(r.PostFormValue("add_carrier")) == "" && form.AddHours == "":
		case addMsg != "":
			form.Errors["add_carrier"] = addMsg
		case form.AddHours == "":
			form.Errors["add_hours"] = "请填写该承运商的小时数。"
		default:
			if h, ok := parseHours(form.AddHours); ok {
				carriers[add] = h
			} else {
				form.Errors["add_hours"] = msgHours
			}
		}
		rule.Carriers = carriers
		if len(carriers) == 0 {
			rule.Carriers = nil
		}
	}
	if form.HasTemp {
		form.MaxTemp = strings.TrimSpace(r.PostFormValue("max_temp_c"))
		f, err := strconv.ParseFloat(form.MaxTemp, 64)
		if err != nil || math.IsNaN(f) || f < 0 || f > 60 {
			form.Errors["max_temp_c"] = "请输入 0 到 60 之间的温度（°C）。"
		} else {
			rule.MaxTempC = f
		}
	}
	failed := len(form.Errors) > 0 || slices.ContainsFunc(form.Carriers, func(c carrierHours) bool { return c.Error != "" })
	if !failed {
		err := s.settings.alerts.PutAlertRule(ctx, v.Brand.ID, t, rule)
		if trail.ErrorCode(err) == trail.EINVALID {
			// The checks above are the rule's own; this is a safety net.
			field := fieldOf(err)
			if field == "carriers" {
				field = "add_carrier"
			}
			form.Errors[field] = "填写的内容无效，请检查后重试。"
			failed = true
		} else if err != nil {
			return fmt.Errorf("settings alert rule: %w", err)
		}
	}
	if failed {
		return s.renderAlerts(w, r, v, http.StatusUnprocessableEntity, form)
	}
	if err := s.recordSetting(ctx, v, trail.AuditAlertRulePut, trail.AuditTarget("alert_rule", string(t)), ruleText(t, rule)); err != nil {
		return fmt.Errorf("settings alert rule: %w", err)
	}
	settingsSaved(w, r, "/console/settings/alerts", "alert_rule", "#rule-"+string(t))
	return nil
}

// ruleText describes a rule for the audit log.
func ruleText(t trail.AlertType, r trail.AlertRule) string {
	parts := []string{"停用"}
	if r.Enabled {
		parts[0] = "启用"
	}
	if alertHelp[t].Hours != "" {
		parts = append(parts, fmt.Sprintf("阈值 %s 小时", formatNumber(r.ThresholdHours)))
	}
	if len(r.Carriers) > 0 {
		var cs []string
		for _, c := range sortedCarriers(r.Carriers) {
			cs = append(cs, fmt.Sprintf("%s %s 小时", carrierName(c), formatNumber(r.Carriers[c])))
		}
		parts = append(parts, "按承运商 "+strings.Join(cs, "、"))
	}
	if t == trail.AlertHeatRisk {
		parts = append(parts, fmt.Sprintf("最高温度 %s °C", formatNumber(r.MaxTempC)))
	}
	return strings.Join(parts, "；")
}
