// Package demo seeds a brand with realistic orders in every state, so that
// a newcomer sees the whole product a few seconds after `bottletrail demo`.
package demo

import (
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// Services are what the seeder writes through: the same services the API
// uses, so the demo data obeys every rule real data does.
type Services interface {
	trail.CatalogService
	trail.OrderService
	trail.ProductionService
	trail.ShipmentService
	trail.CarrierService
	trail.LaneService
}

// Clock sets the time the store stamps what the demo creates next, so that
// orders and waybills are created in the past their histories describe; the
// zero time returns the store to the real clock. Nil leaves the store's
// clock alone.
type Clock func(time.Time)

// ClockOf returns the Clock that sets a store's clock field, such as
// sqlstore.DB.Now. Use it only while nothing else uses the store.
func ClockOf(now *func() time.Time) Clock {
	return func(t time.Time) {
		if t.IsZero() {
			*now = time.Now
			return
		}
		*now = func() time.Time { return t }
	}
}

// carriers are the carriers the demo brand has verified for alcohol and
// fragile goods.
var carriers = []string{"shunfeng", "zhongtong", "yuantong", "shentong", "yunda", "jd", "ems"}

// Showcase names orders worth opening first.
type Showcase struct {
	OrderNo    string
	What       string
	PhoneLast4 string // the buyer's, for the look-up form
}

var skus = []trail.SKU{
	{Code: "PLUM-330", Name: "青梅酒 330ml（定制酒标）", Fragile: true, Alcohol: true, TemperatureSensitive: true, MaxTempC: ptr(30.0), LeadTime: trail.LeadTime{Min: 5, Max: 10}},
	{Code: "RICE-500", Name: "桂花米酒 500ml", Fragile: true, Alcohol: true, LeadTime: trail.LeadTime{Min: 3, Max: 7}},
	{Code: "LYCHEE-750", Name: "荔枝果酒 750ml（刻字礼瓶）", Fragile: true, Alcohol: true, TemperatureSensitive: true, MaxTempC: ptr(28.0), LeadTime: trail.LeadTime{Min: 7, Max: 14}},
	{Code: "COCKTAIL-4", Name: "预调鸡尾酒 四罐装", Alcohol: true, LeadTime: trail.LeadTime{Min: 2, Max: 4}},
	{Code: "FRESH-1L", Name: "鲜酿米酒原浆 1L（需低温，≤18°C）", Fragile: true, Alcohol: true, TemperatureSensitive: true, MaxTempC: ptr(18.0), LeadTime: trail.LeadTime{Min: 1, Max: 2}},
	{Code: "GIFTBOX", Name: "婚礼伴手礼盒", Fragile: true, LeadTime: trail.LeadTime{Min: 0, Max: 0}},
}

func ptr[T any](v T) *T { return &v }

// batchPlan describes a demo batch: its plan relative to today and how far
// it has come.
type batchPlan struct {
	no, sku  string
	startDay int         // planned completion of the first stage, days from today
	done     int         // stages completed
	delay    string      // reason the next stage is delayed, if any
	skip     trail.Stage // a stage this SKU does not have
}

var batches = []batchPlan{
	{no: "B-PLUM-01", sku: "PLUM-330", startDay: -9, done: 7},
	{no: "B-PLUM-02", sku: "PLUM-330", startDay: -2, done: 2, delay: "原料到货晚 2 天"},
	{no: "B-PLUM-03", sku: "PLUM-330", startDay: 3, done: 0},
	{no: "B-RICE-01", sku: "RICE-500", startDay: -8, done: 7},
	{no: "B-RICE-02", sku: "RICE-500", startDay: -3, done: 3},
	{no: "B-LYCHEE-01", sku: "LYCHEE-750", startDay: -12, done: 7},
	{no: "B-LYCHEE-02", sku: "LYCHEE-750", startDay: -5, done: 4, delay: "刻字设备检修，质检顺延 1 天"},
	{no: "B-COCKTAIL-01", sku: "COCKTAIL-4", startDay: -7, done: 6, skip: trail.StageBrewing},
}

var (
	buyers = []string{"张三", "李娜", "王芳", "刘洋", "陈静", "杨帆", "赵磊", "黄婷", "周杰", "吴敏", "徐晨", "孙悦", "马超", "朱琳", "胡军", "郭蕾", "林峰", "何雪", "高远", "罗丹"}
	places = []struct{ province, city, district, street string }{
		{"浙江省", "杭州市", "西湖区", "文三路188号"}, {"上海市", "上海市", "浦东新区", "世纪大道100号"},
		{"北京市", "北京市", "朝阳区", "建国路88号"}, {"广东省", "广州市", "天河区", "体育西路123号"},
		{"广东省", "深圳市", "南山区", "科技园路9号"}, {"四川省", "成都市", "武侯区", "人民南路四段27号"},
		{"江苏省", "南京市", "鼓楼区", "中山北路200号"}, {"湖北省", "武汉市", "洪山区", "珞喻路1037号"},
		{"福建省", "厦门市", "思明区", "湖滨南路66号"}, {"海南省", "海口市", "美兰区", "海甸五西路8号"},
		{"陕西省", "西安市", "雁塔区", "长安南路55号"}, {"山东省", "青岛市", "市南区", "香港中路10号"},
	}
	hubs = map[string]string{"杭州市": "杭州转运中心", "上海市": "上海浦东转运中心", "北京市": "北京顺义转运中心", "广州市": "广州白云转运中心",
		"深圳市": "深圳宝安转运中心", "成都市": "成都双流转运中心", "南京市": "南京江宁转运中心", "武汉市": "武汉东西湖转运中心",
		"厦门市": "厦门集美转运中心", "海口市": "海口美兰转运中心", "西安市": "西安咸阳转运中心", "青岛市": "青岛城阳转运中心"}
)

// parcelPlan is a demo parcel: which items, which carrier, and where its
// journey stands.
type parcelPlan struct {
	carrier string
	items   []trail.ShipmentItem
	journey journey
}

// journey is how far a demo parcel has come.
type journey int

const (
	labelOnly journey = iota // waybill created, not picked up
	inTransit
	outForDelivery
	atLocker
	delivered
	damaged
	refused
	returning
	stalled
	signedByProxy // delivered, signed for by a doorman
	slowRoad      // scanned once a day on a long road south, not yet out for delivery
	damagedSigned // scanned damaged, then signed for all the same
	returnedHome  // refused, then back at the warehouse
)

// scenario is one kind of demo order.
type scenario struct {
	what     string
	occasion string
	place    string // the recipient's city; "" picks one by the order's number
	items    []trail.Item
	parcels  []parcelPlan
}

func item(sku string, qty int, batch, custom string) trail.Item {
	return trail.Item{SKU: sku, Quantity: qty, BatchNo: batch, Customization: custom}
}

func parcel(carrier string, j journey, items ...trail.ShipmentItem) parcelPlan {
	return parcelPlan{carrier: carrier, journey: j, items: items}
}

func si(sku string, qty int) trail.ShipmentItem { return trail.ShipmentItem{SKU: sku, Quantity: qty} }

var scenarios = []scenario{
	{what: "婚礼订单，分两个批次生产、两个包裹发出：米酒已发出，定制青梅酒仍在生产（灌装延迟）", occasion: "wedding",
		items:   []trail.Item{item("PLUM-330", 24, "B-PLUM-02", "囍 {name}&{partner} 百年好合"), item("RICE-500", 12, "B-RICE-01", "")},
		parcels: []parcelPlan{parcel("shunfeng", inTransit, si("RICE-500", 12))}},
	{what: "已签收的生日订单", occasion: "birthday",
		items:   []trail.Item{item("LYCHEE-750", 2, "B-LYCHEE-01", "{name} 生日快乐")},
		parcels: []parcelPlan{parcel("shunfeng", delivered, si("LYCHEE-750", 2))}},
	{what: "包裹破损异常（易碎玻璃瓶）",
		items:   []trail.Item{item("PLUM-330", 6, "B-PLUM-01", "")},
		parcels: []parcelPlan{parcel("yuantong", damaged, si("PLUM-330", 6))}},
	{what: "待生产：批次尚未开工", occasion: "wedding",
		items: []trail.Item{item("PLUM-330", 36, "B-PLUM-03", "囍 {name}&{partner}"), item("GIFTBOX", 36, "", "")}},
	{what: "生产中：米酒正在酿造",
		items: []trail.Item{item("RICE-500", 6, "B-RICE-02", "")}},
	{what: "生产完成，待发货",
		items: []trail.Item{item("COCKTAIL-4", 3, "B-COCKTAIL-01", "")}},
	{what: "拆成两个承运商发出，均在运输中",
		items:   []trail.Item{item("RICE-500", 6, "B-RICE-01", ""), item("COCKTAIL-4", 4, "B-COCKTAIL-01", "")},
		parcels: []parcelPlan{parcel("zhongtong", inTransit, si("RICE-500", 6)), parcel("jd", outForDelivery, si("COCKTAIL-4", 4))}},
	{what: "部分签收：一个包裹已签收，另一个派送中", occasion: "birthday",
		items:   []trail.Item{item("LYCHEE-750", 1, "B-LYCHEE-01", "{name} 三十而立"), item("RICE-500", 2, "B-RICE-01", "")},
		parcels: []parcelPlan{parcel("shunfeng", delivered, si("LYCHEE-750", 1)), parcel("yunda", outForDelivery, si("RICE-500", 2))}},
	{what: "酒类包裹投放快递柜待取",
		items:   []trail.Item{item("PLUM-330", 2, "B-PLUM-01", "")},
		parcels: []parcelPlan{parcel("zhongtong", atLocker, si("PLUM-330", 2))}},
	{what: "收件人拒收",
		items:   []trail.Item{item("COCKTAIL-4", 2, "B-COCKTAIL-01", "")},
		parcels: []parcelPlan{parcel("yuantong", refused, si("COCKTAIL-4", 2))}},
	{what: "已签收后退货，退回中",
		items:   []trail.Item{item("RICE-500", 3, "B-RICE-01", "")},
		parcels: []parcelPlan{parcel("shunfeng", returning, si("RICE-500", 3))}},
	{what: "运输停滞超过 48 小时无更新", occasion: "wedding",
		items:   []trail.Item{item("LYCHEE-750", 12, "B-LYCHEE-01", "{name}&{partner} 永结同心")},
		parcels: []parcelPlan{parcel("shentong", stalled, si("LYCHEE-750", 12))}},
	{what: "已打单待揽收",
		items:   []trail.Item{item("PLUM-330", 6, "B-PLUM-01", "")},
		parcels: []parcelPlan{parcel("ems", labelOnly, si("PLUM-330", 6))}},
	{what: "质检延迟中的刻字礼瓶", occasion: "anniversary",
		items: []trail.Item{item("LYCHEE-750", 2, "B-LYCHEE-02", "{name} 结婚十周年")}},
	{what: "已签收的多瓶订单",
		items:   []trail.Item{item("PLUM-330", 12, "B-PLUM-01", ""), item("RICE-500", 6, "B-RICE-01", "")},
		parcels: []parcelPlan{parcel("jd", delivered, si("PLUM-330", 12), si("RICE-500", 6))}},
	{what: "酒类包裹由门卫代签收",
		items:   []trail.Item{item("RICE-500", 6, "B-RICE-01", "")},
		parcels: []parcelPlan{parcel("zhongtong", signedByProxy, si("RICE-500", 6))}},
	{what: "鲜酿原浆发往海口，在途超过 48 小时（高温风险）", place: "海口市",
		items:   []trail.Item{item("FRESH-1L", 6, "", "")},
		parcels: []parcelPlan{parcel("yunda", slowRoad, si("FRESH-1L", 6))}},
	{what: "破损后仍被签收：订单已签收，但一瓶破碎，破损预警待客服处理",
		items:   []trail.Item{item("PLUM-330", 6, "B-PLUM-01", "")},
		parcels: []parcelPlan{parcel("zhongtong", damagedSigned, si("PLUM-330", 6))}},
	{what: "拒收后已退回仓库，待客服联系重新发货",
		items:   []trail.Item{item("COCKTAIL-4", 2, "B-COCKTAIL-01", "")},
		parcels: []parcelPlan{parcel("yuantong", returnedHome, si("COCKTAIL-4", 2))}},
}

// ServiceContact is the demo brand's customer service, shown on the
// consumer pages beside a problem with a parcel.
var ServiceContact = trail.ServiceContact{Phone: "400-820-1234", WeChat: "pingji_kefu", Hours: "每天 9:00–21:00"}
