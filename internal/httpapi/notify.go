package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// notifySettingsResponse is a brand's notification policy and channel
// accounts; secrets are never answered.
type notifySettingsResponse struct {
	Settings trail.NotifySettings  `json:"settings"`
	Channels []trail.NotifyChannel `json:"channels"`
}

// handleNotifySettings answers the brand's policy and channels.
func (s *Server) handleNotifySettings(w http.ResponseWriter, r *http.Request) error {
	settings, chans, err := s.notify.NotifySettings(r.Context(), brandID(r))
	if err != nil {
		return err
	}
	if chans == nil {
		chans = []trail.NotifyChannel{}
	}
	return writeJSON(w, http.StatusOK, notifySettingsResponse{Settings: settings, Channels: chans})
}

// handleNotifySettingsPut replaces the brand's policy: quiet hours, urgent
// override, daily cap, merge window, the kinds it sends.
func (s *Server) handleNotifySettingsPut(w http.ResponseWriter, r *http.Request) error {
	var settings trail.NotifySettings
	if err := decodeJSON(w, r, &settings); err != nil {
		return err
	}
	if err := s.notify.PutNotifySettings(r.Context(), brandID(r), settings); err != nil {
		return err
	}
	return s.handleNotifySettings(w, r)
}

// handleNotifyChannelPut sets the brand's account with one channel.
func (s *Server) handleNotifyChannelPut(w http.ResponseWriter, r *http.Request) error {
	var c trail.NotifyChannel
	if err := decodeJSON(w, r, &c); err != nil {
		return err
	}
	c.Channel = trail.Channel(r.PathValue("channel"))
	if _, ok := trail.ChannelFields[c.Channel]; !ok {
		return trail.Errorf(trail.ENOTFOUND, "No channel %s: sms, wechat or email.", trail.Quote(c.Channel))
	}
	if err := s.notify.PutNotifyChannel(r.Context(), brandID(r), c); err != nil {
		return err
	}
	return s.handleNotifySettings(w, r)
}

// handleTemplates answers the brand's wording of every notice kind.
func (s *Server) handleTemplates(w http.ResponseWriter, r *http.Request) error {
	tpls, err := s.notify.NoticeTemplates(r.Context(), brandID(r))
	if err != nil {
		return err
	}
	out := make([]trail.NoticeTemplate, 0, len(trail.NoticeKinds))
	for _, k := range trail.NoticeKinds {
		out = append(out, tpls[k])
	}
	return writeJSON(w, http.StatusOK, map[string][]trail.NoticeTemplate{"templates": out})
}

// templateRequest is the body of a template's replacement or preview.
type templateRequest struct {
	Subject string `json:"subject"`
	Text    string `json:"text"`
	OrderNo string `json:"order_no"` // preview: render against this order
}

func (s *Server) templateKind(r *http.Request) (trail.NoticeKind, error) {
	k := trail.NoticeKind(r.PathValue("kind"))
	if _, ok := trail.NoticeKindNames[k]; !ok {
		return "", trail.Errorf(trail.ENOTFOUND, "No notice kind %s.", trail.Quote(k))
	}
	return k, nil
}

// handleTemplatePut replaces the brand's wording of one kind.
func (s *Server) handleTemplatePut(w http.ResponseWriter, r *http.Request) error {
	k, err := s.templateKind(r)
	if err != nil {
		return err
	}
	var req templateRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	t := trail.NoticeTemplate{Kind: k, Subject: req.Subject, Text: req.Text}
	if err := s.notify.PutNoticeTemplate(r.Context(), brandID(r), t); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, t)
}

// templatePreview is a rendered template: the SMS and WeChat text (the
// name masked) and the e-mail (the name in full).
type templatePreview struct {
	Subject   string `json:"subject"`
	Text      string `json:"text"`
	EmailText string `json:"email_text"`
}

// handleTemplatePreview renders a template (the body's, else the brand's)
// against one of the brand's orders, or a sample order; the links are
// placeholders, made at send time.
func (s *Server) handleTemplatePreview(w http.ResponseWriter, r *http.Request) error {
	k, err := s.templateKind(r)
	if err != nil {
		return err
	}
	var req templateRequest
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &req); err != nil {
			return err
		}
	}
	t := trail.NoticeTemplate{Kind: k, Subject: req.Subject, Text: req.Text}
	if req.Text == "" {
		tpls, err := s.notify.NoticeTemplates(r.Context(), brandID(r))
		if err != nil {
			return err
		}
		t = tpls[k]
	} else if err := t.Validate(); err != nil {
		return err
	}
	b := trail.BrandFromContext(r.Context())
	name, orderNo := "张三", "WX20261125001"
	if req.OrderNo != "" {
		g, err := s.orders.OrderGraph(r.Context(), b.ID, req.OrderNo)
		if err != nil {
			return err
		}
		name, orderNo = g.Order.Customer.Name, g.Order.OrderNo
	}
	line := trail.Notice{Kind: k, Carrier: "shunfeng", TrackingNo: "SF1040245060669", Detail: sampleDetail[k]}.Line()
	data := trail.NoticeData{Brand: b.Name, OrderNo: orderNo, Name: trail.MaskName(name), Lines: []string{line}, Summary: line,
		Link: strings.TrimSuffix(s.publicURL, "/") + "/t/（发送时生成）", OptOut: strings.TrimSuffix(s.publicURL, "/") + "/n/optout/（发送时生成）"}
	subject, text, err := t.Render(data)
	if err != nil {
		return trail.Invalid("text", "%v", err)
	}
	data.Name = name
	_, emailText, err := t.Render(data)
	if err != nil {
		return trail.Invalid("text", "%v", err)
	}
	return writeJSON(w, http.StatusOK, templatePreview{Subject: subject, Text: text, EmailText: emailText})
}

// sampleDetail completes the sample notice of a preview.
var sampleDetail = map[trail.NoticeKind]string{
	trail.NoticeOrderConfirmed: "12月7日–12月9日", trail.NoticeProductionDelayed: "灌装环节延迟：原料到货晚 2 天",
	trail.NoticeOrderSplit: "2", trail.NoticeAtPickupPoint: "6-2-0815", trail.NoticeException: "异常（破损）",
	trail.NoticeETALate: "12月21日",
}

// deliveryPage is a page of deliveries.
type deliveryPage struct {
	Deliveries []*trail.Delivery `json:"deliveries"`
	Next       string            `json:"next,omitempty"`
}

// handleDeliveries answers the delivery log, newest first: ?state=,
// ?channel=, ?order_no=, ?limit= (1–200, default 50), ?before=.
func (s *Server) handleDeliveries(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, before, err := pageQuery(r, 50)
	if err != nil {
		return err
	}
	f := trail.DeliveryFilter{State: q.Get("state"), Channel: trail.Channel(q.Get("channel")), OrderNo: q.Get("order_no"), Limit: limit, Before: before}
	ds, err := s.notify.Deliveries(r.Context(), brandID(r), f)
	if err != nil {
		return err
	}
	for _, d := range ds {
		chinaTimes(d)
	}
	page := deliveryPage{Deliveries: ds}
	if page.Deliveries == nil {
		page.Deliveries = []*trail.Delivery{}
	}
	if len(ds) == f.Limit {
		page.Next = strconv.FormatInt(ds[len(ds)-1].ID, 10)
	}
	return writeJSON(w, http.StatusOK, page)
}

// handleDeliveryReplay queues a failed or dead delivery again, with its
// idempotency key: 409 if it is not failed or dead.
func (s *Server) handleDeliveryReplay(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return trail.Errorf(trail.ENOTFOUND, "No delivery %s.", trail.Quote(r.PathValue("id")))
	}
	d, err := s.notify.ReplayDelivery(r.Context(), brandID(r), id)
	if err != nil {
		return err
	}
	chinaTimes(d)
	return writeJSON(w, http.StatusOK, d)
}

// chinaTimes shows a delivery's times in China time, to the second, like
// every other answer.
func chinaTimes(d *trail.Delivery) {
	d.CreatedAt = d.CreatedAt.In(trail.ChinaTime).Truncate(time.Second)
	if d.SentAt != nil {
		t := d.SentAt.In(trail.ChinaTime).Truncate(time.Second)
		d.SentAt = &t
	}
}

// handleDeliveriesReplay queues every failed or dead delivery again.
func (s *Server) handleDeliveriesReplay(w http.ResponseWriter, r *http.Request) error {
	n, err := s.notify.ReplayFailed(r.Context(), brandID(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]int{"replayed": n})
}
