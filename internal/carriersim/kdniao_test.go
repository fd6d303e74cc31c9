package carriersim

import (
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/carrier/kdniao"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// kdniaoForm returns a signed request form.
func kdniaoForm(requestType, data, appKey string) url.Values {
	return url.Values{"RequestData": {data}, "EBusinessID": {testEBID}, "RequestType": {requestType}, "DataSign": {kdniao.Sign(data, appKey)}, "DataType": {"2"}}
}

func TestKdniaoDataSign(t *testing.T) {
	b := setup(t)
	data := `{"ShipperCode":"ZTO","LogisticCode":"78123456789001"}`
	tests := []struct {
		name string
		form url.Values
		want string
	}{
		{"good sign", kdniaoForm("8001", data, testAppKey), `"Success":true,"Reason":"暂无轨迹信息"`},
		{"wrong key", kdniaoForm("8001", data, "other-key"), `"Success":false,"Reason":"数据签名验证失败（DataSign）"`},
		{"sign of other data", url.Values{"RequestData": {data}, "EBusinessID": {testEBID}, "RequestType": {"8001"}, "DataSign": {kdniao.Sign(data+" ", testAppKey)}}, `"Success":false`},
		{"unknown id", url.Values{"RequestData": {data}, "EBusinessID": {"999"}, "RequestType": {"8001"}, "DataSign": {kdniao.Sign(data, testAppKey)}}, `"Reason":"用户ID不存在"`},
		{"missing sign", url.Values{"RequestData": {data}, "EBusinessID": {testEBID}, "RequestType": {"8001"}}, `"Success":false,"Reason":"参数不完整`},
		{"subscription type on the query path", kdniaoForm("8008", data, testAppKey), `不支持 RequestType 8008`},
		{"unknown shipper", kdniaoForm("8001", `{"ShipperCode":"XYZ","LogisticCode":"78123456789001"}`, testAppKey), `快递公司编码错误`},
		{"SF without CustomerName", kdniaoForm("8001", `{"ShipperCode":"SF","LogisticCode":"SF1234567890101"}`, testAppKey), `CustomerName`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := b.Post("/kdniao/Ebusiness/EbusinessOrderHandle.aspx", tt.form)
			if status != 200 || !strings.Contains(body, tt.want) {
				t.Errorf("got %d %s, want 200 with %s", status, body, tt.want)
			}
		})
	}
}

func TestKdniaoQueryFormat(t *testing.T) {
	b := setup(t)
	data := `{"ShipperCode":"ZTO","LogisticCode":"78123456789007"}`
	b.Post("/kdniao/Ebusiness/EbusinessOrderHandle.aspx", kdniaoForm("8001", data, testAppKey))
	b.clock.Advance(20*time.Hour + time.Minute)
	_, body := b.Post("/kdniao/Ebusiness/EbusinessOrderHandle.aspx", kdniaoForm("8001", data, testAppKey))
	want := `{"EBusinessID":"1234567","OrderCode":"","ShipperCode":"ZTO","LogisticCode":"78123456789007","Success":true,"Reason":"","State":"2","StateEx":"211","Location":"苏州市","Traces":[` +
		`{"AcceptTime":"2026-06-01 11:00:00","AcceptStation":"【绍兴市】快件已由【绍兴越城营业部】揽收","Location":"绍兴市","Action":"1"},` +
		`{"AcceptTime":"2026-06-01 15:00:00","AcceptStation":"【绍兴市】快件已从【绍兴转运中心】发出，准备发往【苏州转运中心】","Location":"绍兴市","Action":"2"},` +
		`{"AcceptTime":"2026-06-02 03:00:00","AcceptStation":"【苏州市】【苏州工业园区营业点】的吴师傅正在派件","Location":"苏州市","Action":"202"},` +
		`{"AcceptTime":"2026-06-02 05:00:00","AcceptStation":"【苏州市】快件已放入【丰巢智能柜·星海小区3号柜】，请凭取件码 123456 取件","Location":"苏州市","Action":"211"}]}`
	if body != want {
		t.Errorf("got\n%s\nwant\n%s", body, want)
	}

	// The standard query has no StateEx, Location or Action.
	_, body = b.Post("/kdniao/Ebusiness/EbusinessOrderHandle.aspx", kdniaoForm("1002", data, testAppKey))
	if strings.Contains(body, "StateEx") || strings.Contains(body, "Action") || !strings.Contains(body, `"State":"2"`) {
		t.Errorf("1002: got %s", body)
	}
	// Sort=1: newest first.
	var p kdniaoParcel
	_, body = b.Post("/kdniao/Ebusiness/EbusinessOrderHandle.aspx", kdniaoForm("8001", `{"ShipperCode":"ZTO","LogisticCode":"78123456789007","Sort":1}`, testAppKey))
	if err := json.Unmarshal([]byte(body), &p); err != nil || p.Traces[0].Action != "211" {
		t.Errorf("Sort=1: got %s", body)
	}

	u, err := b.Query("kdniao", "zhongtong", "78123456789007")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := statuses(u.Events), []string{"picked_up", "in_transit", "out_for_delivery", "at_pickup_point"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestKdniaoPushFlow(t *testing.T) {
	b := setup(t)
	b.MustSubscribe("kdniao", "zhongtong", "78123456789004")
	b.Run(2*24*time.Hour, time.Hour)
	ups := b.recv.Updates()
	if len(ups) != 6 {
		t.Fatalf("got %d updates, want 6", len(ups))
	}
	for i, u := range ups {
		if u.Carrier != "zhongtong" || u.TrackingNo != "78123456789004" || len(u.Events) != i+1 {
			t.Errorf("update %d: got %s %s with %d events, want the full history so far", i, u.Carrier, u.TrackingNo, len(u.Events))
		}
	}
	want := []string{"picked_up", "in_transit", "in_transit/destination_city", "exception/damaged", "out_for_delivery", "delivered/signed_after_exception"}
	if got := statuses(ups[5].Events); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	form, _ := url.ParseQuery(b.recv.bodies[0])
	if form.Get("RequestType") != "102" || form.Get("DataSign") != kdniao.Sign(form.Get("RequestData"), testAppKey) {
		t.Errorf("got form %v", form)
	}
	var data kdniaoPushData
	if err := json.Unmarshal([]byte(form.Get("RequestData")), &data); err != nil || data.EBusinessID != testEBID || data.Count != "1" || data.PushTime != "2026-06-01 11:00:00" {
		t.Errorf("got %+v, %v", data, err)
	}
}

func TestKdniaoStandardSubscription(t *testing.T) {
	b := setup(t)
	data := `{"ShipperCode":"ZTO","LogisticCode":"78123456789001"}`
	_, body := b.Post("/kdniao/api/dist", kdniaoForm("1008", data, testAppKey))
	if !strings.Contains(body, `"Success":true`) || strings.Contains(body, "LogisticCode") {
		t.Fatalf("got %s", body)
	}
	b.Run(3*time.Hour, time.Hour)
	form, _ := url.ParseQuery(b.recv.bodies[0])
	if form.Get("RequestType") != "101" || strings.Contains(form.Get("RequestData"), "Action") {
		t.Errorf("got %v", form)
	}
	if ups := b.recv.Updates(); len(ups) != 1 || ups[0].Events[0].Status != trail.StatusPickedUp {
		t.Errorf("got %+v", ups)
	}
}

func TestKdniaoRetryCadence(t *testing.T) {
	b := setup(t)
	b.recv.failFirst = 3
	b.MustSubscribe("kdniao", "zhongtong", "78123456789001")
	b.Run(3*time.Hour, time.Minute)
	p := b.MustParcel("kdniao", "78123456789001")
	var got []time.Duration
	for _, a := range p.Pushes {
		got = append(got, a.At.Sub(epoch))
	}
	want := []time.Duration{2 * time.Hour, 2*time.Hour + 2*time.Minute, 2*time.Hour + 12*time.Minute, 2*time.Hour + 42*time.Minute}
	if !reflect.DeepEqual(got, want) || !p.Pushes[3].Accepted {
		t.Errorf("got attempts at %v, want %v with the last accepted", got, want)
	}
}

func TestKdniaoCallbackSetLater(t *testing.T) {
	b := setup(t, func(c *Config) { c.Accounts[1].CallbackURL = "" })
	b.MustSubscribe("kdniao", "zhongtong", "78123456789001")
	b.Run(2*time.Hour, time.Minute)
	p := b.MustParcel("kdniao", "78123456789001")
	if len(p.Pushes) != 1 || p.Pushes[0].Accepted || !strings.Contains(p.Pushes[0].Error, "no callback URL") {
		t.Fatalf("got %+v", p.Pushes)
	}
	err := b.sim.PutAccount(Account{Provider: "kdniao", Credentials: map[string]string{"ebusiness_id": testEBID, "app_key": testAppKey}, CallbackURL: b.recv.srv.URL + "/kdniao"})
	if err != nil {
		t.Fatal(err)
	}
	b.Run(2*time.Minute, time.Minute)
	if p := b.MustParcel("kdniao", "78123456789001"); !p.Pushes[1].Accepted {
		t.Errorf("got %+v", p.Pushes[1])
	}
}

func TestKdniaoWrongCarrier(t *testing.T) {
	b := setup(t)
	b.MustSubscribe("kdniao", "yunda", "75312345678910")
	b.Run(2*24*time.Hour, time.Hour)
	if n := b.recv.Hits(); n != 0 {
		t.Errorf("got %d pushes for a parcel under the wrong carrier", n)
	}
	if _, err := b.Query("kdniao", "yunda", "75312345678910"); trail.ErrorCode(err) != trail.ENOTFOUND {
		t.Errorf("got %v, want not_found", err)
	}
	if u, err := b.Query("kdniao", "zhongtong", "75312345678910"); err != nil || len(u.Events) != 5 {
		t.Errorf("got %+v, %v", u, err)
	}
}
