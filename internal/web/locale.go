package web

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// locale renders the text of a page in Simplified Chinese (the default) or
// English. Templates call its methods; times and dates are China time.
type locale struct {
	en  bool
	now time.Time // to leave out the year of dates in the current year
}

func newLocale(en bool, now time.Time) locale { return locale{en: en, now: now.In(trail.ChinaTime)} }

// chooseEnglish picks the language: an explicit "en" or "zh" wins, else
// English when the Accept-Language header prefers English to Chinese.
func chooseEnglish(explicit, acceptLanguage string) bool {
	switch explicit {
	case "en":
		return true
	case "zh":
		return false
	}
	var en, zh float64
	for _, part := range strings.Split(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			} else {
				q = 0
			}
		}
		primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		switch primary {
		case "en":
			en = max(en, q)
		case "zh":
			zh = max(zh, q)
		}
	}
	return en > zh
}

// code is the language's value of the lang parameter.
func (l locale) code() string {
	if l.en {
		return "en"
	}
	return "zh"
}

// other is the code of the other language.
func (l locale) other() string {
	if l.en {
		return "zh"
	}
	return "en"
}

// HTMLLang is the page's lang attribute.
func (l locale) HTMLLang() string {
	if l.en {
		return "en"
	}
	return "zh-CN"
}

// T returns the text under key, formatted with args.
func (l locale) T(key string, args ...any) string {
	t, ok := texts[key]
	if !ok {
		panic("web: no text " + key) // caught by the tests, which render every page
	}
	s := t[0]
	if l.en {
		s = t[1]
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// pick returns the Chinese or the English name.
func (l locale) pick(zh string, en map[string]string, key string) string {
	if l.en {
		if s, ok := en[key]; ok {
			return s
		}
	}
	return zh
}

// OrderStatus names an order status.
func (l locale) OrderStatus(s trail.OrderStatus) string {
	return l.pick(trail.OrderStatusNames[s], orderStatusEN, string(s))
}

// ParcelStatus names a parcel status.
func (l locale) ParcelStatus(s trail.ShipmentStatus) string {
	return l.pick(trail.StatusNames[s], parcelStatusEN, string(s))
}

// SubStatus names a parcel's sub-status, or "" for one consumers need not
// see.
func (l locale) SubStatus(sub string) string {
	t, ok := subStatuses[sub]
	switch {
	case !ok:
		return ""
	case l.en:
		return t[1]
	}
	return t[0]
}

// Tel is the dialling link of a service phone: "tel:4008201234". The
// phone is validated (digits, spaces, dashes, a leading +), so the link is
// safe as written.
func (l locale) Tel(phone string) template.URL {
	return template.URL("tel:" + strings.NewReplacer(" ", "", "-", "").Replace(phone))
}

// Stage names a production stage.
func (l locale) Stage(s trail.Stage) string { return l.pick(trail.StageNames[s], stageEN, string(s)) }

// StageState names the state of a stage.
func (l locale) StageState(state string) string { return l.T("stage_" + state) }

// Occasion names an occasion kind.
func (l locale) Occasion(kind string) string {
	return l.pick(trail.OccasionKinds[kind], occasionEN, kind)
}

// Carrier names a carrier.
func (l locale) Carrier(code, name string) string { return l.pick(name, carrierEN, code) }

// Msg returns a consumer message in the page's language.
func (l locale) Msg(m trail.ConsumerMessage) string {
	if l.en {
		return m.EN
	}
	return m.ZH
}

// Delay explains a stage's delay: "灌装环节延迟：原料到货晚 2 天". The reason
// is the brand's own text, shown as written.
func (l locale) Delay(st trail.ConsumerStage) string {
	if l.en {
		return l.Stage(st.Stage) + " is delayed: " + st.DelayReason
	}
	return st.Delay
}

// Confidence describes how far an estimate can be trusted.
func (l locale) Confidence(c string) string {
	if _, ok := texts["confidence_"+c]; !ok {
		return ""
	}
	return l.T("confidence_" + c)
}

// Time shows an instant in China time: "11月29日 10:00", "29 Nov 10:00".
func (l locale) Time(t time.Time) string {
	t = t.In(trail.ChinaTime)
	return l.day(t) + " " + t.Format("15:04")
}

// Date shows a day: "11月29日", "29 Nov".
func (l locale) Date(d trail.Date) string { return l.day(d.Start()) }

func (l locale) day(t time.Time) string {
	sameYear := t.Year() == l.now.Year()
	switch {
	case l.en && sameYear:
		return t.Format("2 Jan")
	case l.en:
		return t.Format("2 Jan 2006")
	case sameYear:
		return fmt.Sprintf("%d月%d日", t.Month(), t.Day())
	}
	return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
}

// ISO is an instant for a datetime attribute.
func (l locale) ISO(t time.Time) string { return t.In(trail.ChinaTime).Format(time.RFC3339) }

// Window shows the days of an estimate: "12月3日–12月6日", "3–6 Dec", or
// one day.
func (l locale) Window(e *trail.ConsumerEstimate) string {
	from, to := e.P10.Start(), e.P90.Start()
	switch {
	case e.P10 == e.P90:
		return l.Date(e.P10)
	case l.en && from.Year() == to.Year() && from.Month() == to.Month():
		return fmt.Sprintf("%d–%s", from.Day(), l.Date(e.P90))
	}
	return l.Date(e.P10) + "–" + l.Date(e.P90)
}

// Price shows an amount: "¥68.00".
func (l locale) Price(f *trail.Fen) string { return fmt.Sprintf("¥%d.%02d", *f/100, *f%100) }

// Place shows a masked address: province, city and district, a city that
// repeats its province (上海市 上海市) once.
func (l locale) Place(a trail.ConsumerAddress) string {
	parts := []string{a.Province}
	if a.City != a.Province {
		parts = append(parts, a.City)
	}
	if a.District != "" {
		parts = append(parts, a.District)
	}
	return strings.Join(parts, " ")
}

// texts holds every sentence of the pages: {Chinese, English}.
var texts = map[string][2]string{
	"product":    {"瓶迹", "Bottletrail"},
	"lang_other": {"English", "中文"},
	"footer":     {"瓶迹 · 让每一瓶定制酒都有迹可循", "Bottletrail · every bottle traced"},
	"updated":    {"更新于 %s（北京时间）", "Updated %s (China time)"},

	"track_title":         {"查询订单", "Track your order"},
	"track_intro":         {"输入订单号或运单号，以及订购人或收件人手机号的后四位。", "Enter the order or tracking number and the last four digits of the buyer's or the recipient's phone."},
	"by":                  {"查询方式", "Look up by"},
	"order_no":            {"订单号", "Order number"},
	"tracking_no":         {"运单号", "Tracking number"},
	"number":              {"单号", "Number"},
	"last4":               {"手机号后四位", "Last four digits of the phone"},
	"submit":              {"查询", "Track"},
	"privacy":             {"姓名、电话和地址均打码显示。", "Names, phone numbers and addresses are shown masked."},
	"not_found":           {"未找到订单，请核对单号和手机号后四位。", "No order matches this number and phone digits. Please check them and try again."},
	"too_many":            {"尝试次数过多，请 %d 分钟后再试。", "Too many attempts. Please try again in %d minutes."},
	"invalid_order_no":    {"请输入订单号或运单号。", "Enter an order or tracking number."},
	"invalid_phone_last4": {"请输入手机号后四位数字。", "Enter the last four digits of the phone."},
	"bad_request":         {"请求无效，请重新填写。", "The request was not valid; please fill in the form again."},

	"order":          {"订单", "Order"},
	"gift":           {"这是一份礼物：价格和订购人信息已隐藏。", "This is a gift: prices and the buyer are hidden."},
	"eta":            {"预计送达", "Expected delivery"},
	"eta_window":     {"多数情况下在 %s 之间送达", "Most likely %s"},
	"delivered_at":   {"签收于", "Delivered"},
	"items":          {"商品", "Items"},
	"custom":         {"定制内容：", "Personalisation: "},
	"in_parcel":      {"包裹 %d", "Parcel %d"},
	"unshipped":      {"尚未发货", "Not shipped yet"},
	"ships":          {"预计发货", "Expected to ship"},
	"production":     {"生产进度", "Production"},
	"batch":          {"批次", "Batch"},
	"planned":        {"计划", "Planned"},
	"done_at":        {"完成于", "Done"},
	"behind":         {"已超出计划", "Behind plan"},
	"stage_done":     {"已完成", "Done"},
	"stage_active":   {"进行中", "In progress"},
	"stage_delayed":  {"延迟", "Delayed"},
	"stage_upcoming": {"待进行", "To come"},
	"parcels":        {"包裹", "Parcels"},
	"contains":       {"内含：", "Contains: "},
	"copy_hint":      {"长按可复制", "Press and hold to copy"},
	"timeline":       {"物流轨迹", "Tracking history"},
	"all_events":     {"查看全部 %d 条", "Show all %d scans"},
	"no_events":      {"暂无物流信息，快递员揽收后会显示在这里。", "No scans yet; they appear here once the carrier picks the parcel up."},
	"delivery_to":    {"收货信息", "Delivery details"},
	"recipient":      {"收件人", "Recipient"},
	"address":        {"地址", "Address"},
	"street_hidden":  {"（详细地址已隐藏）", "(street hidden)"},
	"buyer":          {"订购人", "Ordered by"},
	"problems":       {"包裹出现问题", "A problem with your order"},
	"service":        {"联系客服", "Customer service"},
	"service_phone":  {"客服电话", "Phone"},
	"service_wechat": {"客服微信", "WeChat"},
	"service_hours":  {"服务时间", "Hours"},
	"service_none":   {"如需帮助，请联系您下单店铺的客服。", "For help, contact the customer service of the shop you ordered from."},

	"confidence_low":    {"按标准生产和运输时效估算，仅供参考", "estimated from standard production and transit times"},
	"confidence_medium": {"根据同线路历史时效估算", "estimated from this route's history"},
	"confidence_high":   {"根据同线路历史时效估算，可信度高", "estimated from this route's history, with high confidence"},

	"link_invalid_title": {"链接无效或已过期", "This link is invalid or has expired"},
	"link_invalid_text":  {"请向商家索取新的查询链接，或用订单号和手机号后四位查询。", "Ask the shop for a new link, or look the order up with its number and the last four digits of the phone."},
	"not_found_title":    {"页面不存在", "Page not found"},
	"not_found_text":     {"请检查网址是否正确。", "Please check the address."},
	"error_title":        {"服务暂时不可用", "Something went wrong"},
	"error_text":         {"请稍后再试。", "Please try again in a moment."},

	"optout_title":         {"退订订单通知", "Stop order messages"},
	"optout_text":          {"确认后，您将不再收到该商家的订单短信、微信和邮件通知。仍可随时用订单号查询物流。", "Once you confirm, this shop will send you no more order messages by SMS, WeChat or e-mail. You can still look your order up at any time."},
	"optout_button":        {"确认退订", "Confirm"},
	"optout_done_title":    {"已退订", "You are unsubscribed"},
	"optout_done_text":     {"您将不再收到该商家的订单通知。", "This shop will send you no more order messages."},
	"optout_invalid_title": {"链接无效", "This link is invalid"},
	"optout_invalid_text":  {"请使用通知消息中的完整退订链接。", "Please use the whole opt-out link from the message."},
}

var orderStatusEN = map[string]string{
	"cancelled":           "Cancelled",
	"delivered":           "Delivered",
	"exception":           "Problem in transit",
	"returned":            "Returned",
	"partially_delivered": "Partly delivered",
	"shipped":             "Shipped",
	"partially_shipped":   "Partly shipped",
	"ready_to_ship":       "Ready to ship",
	"in_production":       "In production",
	"pending":             "Waiting for production",
}

var parcelStatusEN = map[string]string{
	"created":          "Label created, awaiting pickup",
	"picked_up":        "Picked up",
	"in_transit":       "In transit",
	"out_for_delivery": "Out for delivery",
	"at_pickup_point":  "Ready for pickup",
	"delivered":        "Delivered",
	"exception":        "Exception",
	"refused":          "Refused",
	"returning":        "Being returned",
	"returned":         "Returned",
	"expired":          "No recent updates",
}

// subStatuses are the sub-statuses worth telling a consumer: {Chinese,
// English}. Others, such as unknown_code, stay internal.
var subStatuses = map[string][2]string{
	"damaged":                {"外包装破损", "damaged"},
	"stalled":                {"长时间未更新", "no recent movement"},
	"address_issue":          {"地址有误", "address problem"},
	"unreachable":            {"联系不上收件人", "recipient unreachable"},
	"locker_overdue":         {"快递柜超时未取", "waiting too long at the locker"},
	"signed_by_proxy":        {"他人代签", "signed for by someone else"},
	"signed_after_exception": {"异常后签收", "signed for after a delivery problem"},
	"forwarded":              {"已转寄", "forwarded"},
	"customs":                {"清关中", "in customs"},
}

var stageEN = map[string]string{
	"scheduled":   "Scheduled",
	"ingredients": "Ingredients",
	"brewing":     "Brewing or blending",
	"filling":     "Filling",
	"packaging":   "Custom packaging",
	"qc":          "Quality check",
	"warehoused":  "Warehoused",
	"ready":       "Ready to ship",
}

var occasionEN = map[string]string{
	"wedding":     "Wedding",
	"birthday":    "Birthday",
	"anniversary": "Anniversary",
	"festival":    "Festival",
	"corporate":   "Corporate event",
	"other":       "Occasion",
}

var carrierEN = map[string]string{
	"shunfeng":       "SF Express",
	"zhongtong":      "ZTO Express",
	"yuantong":       "YTO Express",
	"shentong":       "STO Express",
	"yunda":          "Yunda Express",
	"jd":             "JD Logistics",
	"ems":            "EMS",
	"youzhengguonei": "China Post",
	"jtexpress":      "J&T Express",
	"debangkuaidi":   "Deppon Express",
}
