package seed

import (
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"github.com/bottletrail/bottletrail/internal/carrier/kuaidi100"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// Parcel is what identifies seeded parcel i (counted from 0 within its
// brand): its order and its carrier number. Every seeded order holds one
// parcel.
type Parcel struct {
	OrderNo    string
	Carrier    string
	TrackingNo string
}

// carriers are the carriers seeded parcels travel with, in turn; all are
// served by Kuaidi100 and declared qualified for alcohol by the seed brand.
var carriers = []struct{ code, prefix string }{
	{"yuantong", "YT"}, {"zhongtong", "78"}, {"yunda", "43"}, {"shentong", "77"},
}

// ParcelOf returns seeded parcel i's identifiers.
func ParcelOf(i int) Parcel {
	c := carriers[i%len(carriers)]
	return Parcel{
		OrderNo:    fmt.Sprintf("SEED-%08d", i+1),
		Carrier:    c.code,
		TrackingNo: fmt.Sprintf("%s%013d", c.prefix, 9000000000000+int64(i)),
	}
}

// scan is one step of a journey as Kuaidi100 reports it (resultv2=4).
type scan struct {
	code, context, location, areaCode, areaName string
}

// hubs are the line-haul stops a journey passes, in turn.
var hubs = []struct{ name, areaCode, areaName string }{
	{"杭州转运中心", "CN330109000000", "浙江,杭州市,萧山区"},
	{"上海转运中心", "CN310117000000", "上海,上海市,松江区"},
	{"南京转运中心", "CN320115000000", "江苏,南京市,江宁区"},
	{"合肥转运中心", "CN340111000000", "安徽,合肥市,包河区"},
	{"武汉转运中心", "CN420112000000", "湖北,武汉市,东西湖区"},
	{"郑州转运中心", "CN410122000000", "河南,郑州市,中牟县"},
	{"西安转运中心", "CN610111000000", "陕西,西安市,灞桥区"},
	{"成都转运中心", "CN510112000000", "四川,成都市,龙泉驿区"},
}

// scanAt returns step k of a journey: the order, the pickup, then line-haul
// arrivals and departures for as long as the journey goes on. A journey
// never ends, so that any number of further scans can be pushed.
func scanAt(k int) scan {
	switch k {
	case 0:
		return scan{code: "101", context: "商家已下单，等待快递员揽收"}
	case 1:
		h := hubs[0]
		return scan{code: "1", context: "【浙江省杭州市萧山区公司】 已揽收", areaCode: h.areaCode, areaName: h.areaName}
	}
	h := hubs[(k/2)%len(hubs)]
	if k%2 == 0 {
		return scan{code: "1002", context: fmt.Sprintf("快件已到达【%s】（第%d站）", h.name, k/2), location: h.name, areaCode: h.areaCode, areaName: h.areaName}
	}
	next := hubs[(k/2+1)%len(hubs)]
	return scan{code: "1002", context: fmt.Sprintf("快件已从【%s】发出，准备发往【%s】", h.name, next.name), location: h.name, areaCode: h.areaCode, areaName: h.areaName}
}

// ScanInterval is the time between two scans of a seeded journey.
const ScanInterval = 75 * time.Minute

// journeyStart is when parcel i's journey begins: two days before now,
// staggered by up to an hour from parcel to parcel, on whole seconds (the
// precision of Kuaidi100's times).
func journeyStart(i int, now time.Time) time.Time {
	return now.Add(-48*time.Hour - time.Duration(i%3600)*time.Second).Truncate(time.Second)
}

// scanTime is when step k of parcel i's journey happened.
func scanTime(i, k int, now time.Time) time.Time {
	return journeyStart(i, now).Add(time.Duration(k) * ScanInterval)
}

// Journey returns the first n scans of parcel i's journey, newest first as
// Kuaidi100 lists them, exactly as kuaidi100.Client.ParsePush reads them
// from a push: its events are what the ingestion core stores. now is the
// seed's Options.Now; the journey starts two days (and up to an hour more)
// before it and has a scan every ScanInterval, so at least its first 39
// scans lie in the past.
func Journey(i, n int, now time.Time) []trail.CarrierEvent {
	out := make([]trail.CarrierEvent, n)
	for k := range n {
		s := scanAt(k)
		status, sub, _ := kuaidi100.MapState(s.code)
		loc := s.location
		if loc == "" {
			loc = s.areaName
		}
		area := ""
		if s.areaCode != "" {
			area = s.areaCode[2:8]
		}
		out[n-1-k] = trail.CarrierEvent{
			Time:        scanTime(i, k, now).UTC(),
			Status:      status,
			SubStatus:   sub,
			RawCode:     s.code,
			Description: s.context,
			Location:    loc,
			AreaCode:    area,
			Source:      trail.SourcePush,
		}
	}
	return out
}

// pushTrace is one trace of a Kuaidi100 push's lastResult.data.
type pushTrace struct {
	Time       string `json:"time"`
	FTime      string `json:"ftime"`
	Context    string `json:"context"`
	Location   string `json:"location"`
	AreaCode   string `json:"areaCode"`
	AreaName   string `json:"areaName"`
	Status     string `json:"status"`
	StatusCode string `json:"statusCode"`
}

// Kuaidi100Push returns the form body of a signed Kuaidi100 push (param and
// sign, sign = kuaidi100.PushSign(param, salt)) that re-sends the first n
// scans of parcel i's journey as its full history, newest first, with
// status "polling" — what Kuaidi100 sends after every new scan. A parcel
// seeded with m < n scans learns n−m new ones from it.
func Kuaidi100Push(i, n int, now time.Time, salt string) string {
	p := ParcelOf(i)
	data := make([]pushTrace, n)
	for k := range n {
		s := scanAt(k)
		at := scanTime(i, k, now).In(trail.ChinaTime).Format(time.DateTime)
		data[n-1-k] = pushTrace{Time: at, FTime: at, Context: s.context, Location: s.location,
			AreaCode: s.areaCode, AreaName: s.areaName, Status: "在途", StatusCode: s.code}
	}
	state := "0"
	if n > 0 {
		state = data[0].StatusCode
	}
	param, err := json.Marshal(map[string]any{
		"status": "polling", "billstatus": "got", "message": "", "autoCheck": "0", "comOld": "", "comNew": "",
		"lastResult": map[string]any{
			"message": "ok", "state": state, "status": "200", "condition": "F00", "ischeck": "0",
			"com": p.Carrier, "nu": p.TrackingNo, "data": data,
		},
	})
	if err != nil {
		panic(err) // strings and slices of strings always encode
	}
	return url.Values{"param": {string(param)}, "sign": {kuaidi100.PushSign(string(param), salt)}}.Encode()
}
