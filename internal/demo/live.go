package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// SimCredentials are the accounts the demo brand holds with the carrier
// simulator, by provider; the simulator is configured with the same.
var SimCredentials = map[string]map[string]string{
	trail.ProviderKuaidi100: {"customer": "SIMCUSTOMER", "key": "SIMKEY"},
	trail.ProviderKdniao:    {"ebusiness_id": "1000001", "app_key": "sim-app-key"},
	trail.ProviderSF:        {"partner_id": "SIMPARTNER", "check_word": "SIMCHECKWORD"},
}

// The demo brand's accounts with the notification simulator, which is
// configured with the same keys.
var (
	SimAliyunKeys = map[string]string{"DEMOACCESSKEY": "demo-access-secret"}
	SimWeChatApps = map[string]string{"wxdemo00000000001": "demo-app-secret"}
)

// NotifyAccounts are the demo brand's consumer channels: SMS and WeChat at
// the notification simulator's URL, e-mail at its SMTP sink.
func NotifyAccounts(simURL, smtpHost string, smtpPort int) []trail.NotifyChannel {
	return []trail.NotifyChannel{
		{Channel: trail.ChannelSMS, BaseURL: simURL + "/aliyun", Credentials: map[string]string{
			"access_key_id": "DEMOACCESSKEY", "access_key_secret": "demo-access-secret", "sign_name": "瓶迹演示", "template_code": "SMS_DEMO_1"}},
		{Channel: trail.ChannelWeChat, BaseURL: simURL + "/wechat", Credentials: map[string]string{
			"app_id": "wxdemo00000000001", "app_secret": "demo-app-secret", "template_id": "DEMO-TRACK"}},
		{Channel: trail.ChannelEmail, Credentials: map[string]string{
			"host": smtpHost, "port": fmt.Sprint(smtpPort), "security": "none", "from": "瓶迹演示酒坊 <notify@demo.bottletrail.local>"}},
	}
}

// NotifySettings is the demo brand's policy: no quiet hours (a demo runs at
// any hour) and a one-minute merge window.
func NotifySettings() trail.NotifySettings {
	s := trail.DefaultNotifySettings()
	s.QuietStart, s.QuietEnd, s.MergeMinutes, s.DailyCap = "00:00", "00:00", 1, 20
	return s
}

// liveParcel is a demo parcel shipped after the carrier accounts exist, so
// that its provider subscription makes it move by itself.
type liveParcel struct {
	what     string
	carrier  string
	scenario string // the simulator scenario it plays
	sku      string
	qty      int
}

var liveParcels = []liveParcel{
	{"实时：顺丰正常派送（由模拟器推送）", "shunfeng", "normal_delivery", "RICE-500", 2},
	{"实时：圆通运输中包裹破损", "yuantong", "damage", "PLUM-330", 6},
	{"实时：中通投放快递柜待取", "zhongtong", "locker_drop", "COCKTAIL-4", 2},
	{"实时：快递100纠正错误的承运商编码", "yunda", "wrong_carrier_code", "RICE-500", 1},
	{"实时：服务商故障后重试订阅", "yuantong", "provider_outage", "GIFTBOX", 1},
	{"实时：签收后退货", "shunfeng", "return_after_delivery", "COCKTAIL-4", 1},
}

// Assign makes the carrier simulator play a scenario for a tracking number,
// moved to run from one city to another (the demo warehouse's and the
// order address's), so that every scan happens where the parcel is.
type Assign func(carrier, trackingNo, scenario, from, to string) error

// SeedLive creates one order per live parcel and ships it, calling assign
// first so that the carrier simulator plays the parcel's scenario, from
// WarehouseCity to the order's city, once the subscription (queued with the
// parcel) reaches it. Orders are numbered after the n seeded by Seed.
func SeedLive(ctx context.Context, svc Services, brandID int64, now time.Time, n int, assign Assign) ([]Showcase, error) {
	var show []Showcase
	for i, lp := range liveParcels {
		idx := n + i
		o := newOrder(idx, scenario{items: []trail.Item{item(lp.sku, lp.qty, "", "")}}, now)
		// Live buyers take messages on every channel.
		o.Customer.Email = fmt.Sprintf("buyer%d@demo.bottletrail.local", idx+1)
		o.Customer.WeChatOpenID = fmt.Sprintf("oDEMO-openid-%08d", idx+1)
		if _, err := svc.CreateOrder(ctx, brandID, o); err != nil {
			return nil, fmt.Errorf("seed live order %s: %w", o.OrderNo, err)
		}
		no := trackingNo(lp.carrier, idx, 0)
		if err := assign(lp.carrier, no, lp.scenario, WarehouseCity, o.Address.City); err != nil {
			return nil, fmt.Errorf("assign %s to %s: %w", lp.scenario, no, err)
		}
		s := &trail.Shipment{Carrier: lp.carrier, TrackingNo: no, Items: []trail.ShipmentItem{si(lp.sku, lp.qty)}}
		s.Normalize()
		if _, err := svc.CreateShipment(ctx, brandID, o.OrderNo, s); err != nil {
			return nil, fmt.Errorf("seed live parcel of %s: %w", o.OrderNo, err)
		}
		show = append(show, Showcase{OrderNo: o.OrderNo, What: lp.what, PhoneLast4: trail.Last4(o.Customer.Phone)})
	}
	return show, nil
}
