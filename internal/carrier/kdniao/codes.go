package kdniao

import (
	"strings"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// carrierRow pairs a canonical (Kuaidi100) carrier code with Kuaidiniao's
// ShipperCode for the same company.
type carrierRow struct {
	carrier string
	shipper string
	note    string
}

// carrierRows is the carrier code table (docs/CARRIER-PROTOCOLS.md §2.6). It lists only
// carriers trail knows; Kuaidiniao codes such as UC (优速) and HHTT (天天)
// stay unknown until trail lists their companies.
var carrierRows = []carrierRow{
	{"shunfeng", "SF", "顺丰; queries and subscriptions need the phone's last four digits"},
	{"zhongtong", "ZTO", "中通"},
	{"yuantong", "YTO", "圆通"},
	{"shentong", "STO", "申通"},
	{"yunda", "YD", "韵达"},
	{"jd", "JD", "京东; Kuaidiniao may want the merchant code as CustomerName, which trail does not hold"},
	{"ems", "EMS", "EMS"},
	{"youzhengguonei", "YZPY", "邮政快递包裹"},
	{"youzhengbk", "YZBK", "邮政国内标快"},
	{"jtexpress", "JTSD", "极兔"},
	{"debangkuaidi", "DBL", "德邦快递"},
	{"debangwuliu", "DBLKY", "德邦快运, which Kuaidi100 calls 德邦物流"},
	{"huitongkuaidi", "HTKY", "百世"},
	{"zhaijisong", "ZJS", "宅急送"},
	{"jingdongkuaiyun", "JDKY", "京东快运"},
	{"zhongtongkuaiyun", "ZTOKY", "中通快运"},
	{"shunfengkuaiyun", "SFKY", "顺丰快运; a single weak source for the code"},
	{"fengwang", "FWX", "丰网"},
}

var (
	shipperByCarrier = map[string]string{}
	carrierByShipper = map[string]string{}
)

func init() {
	for _, r := range carrierRows {
		shipperByCarrier[r.carrier] = r.shipper
		carrierByShipper[r.shipper] = r.carrier
	}
}

// ShipperCode returns Kuaidiniao's ShipperCode for a canonical carrier code
// such as shunfeng, and false if Kuaidiniao's table lacks the carrier.
func ShipperCode(carrier string) (string, bool) {
	s, ok := shipperByCarrier[strings.ToLower(strings.TrimSpace(carrier))]
	return s, ok
}

// CanonicalCarrier returns the canonical (Kuaidi100) carrier code for a
// Kuaidiniao ShipperCode such as SF, and false for a code the table lacks.
func CanonicalCarrier(shipperCode string) (string, bool) {
	c, ok := carrierByShipper[strings.ToUpper(strings.TrimSpace(shipperCode))]
	return c, ok
}

// statusRow maps one Kuaidiniao code to the canonical vocabulary.
type statusRow struct {
	code   string
	status trail.ShipmentStatus
	sub    string
	note   string
}

// statusRows is the status table (docs/CARRIER-PROTOCOLS.md §2.5 and §7). State (0–6, 10)
// and StateEx / Action (three digits) share one numbering: StateEx and
// Action repeat the one-digit State codes where no finer code applies.
// Sub-statuses use the names the kuaidi100 table gives the same facts.
var statusRows = []statusRow{
	{"0", trail.StatusCreated, "", "暂无轨迹信息: no scan yet, so the waybill exists and awaits pickup"},
	{"1", trail.StatusPickedUp, "", "已揽收"},
	{"2", trail.StatusInTransit, "", "在途中"},
	{"201", trail.StatusInTransit, "destination_city", "到达派件城市"},
	{"202", trail.StatusOutForDelivery, "", "派件中"},
	{"204", trail.StatusInTransit, "", "到达转运中心"},
	{"205", trail.StatusInTransit, "", "到达派件网点: at the delivering station, not yet out with a courier"},
	{"206", trail.StatusInTransit, "", "寄件网点发件"},
	{"211", trail.StatusAtPickupPoint, "", "已放入快递柜或驿站"},
	{"3", trail.StatusDelivered, "", "签收"},
	{"301", trail.StatusDelivered, "", "正常签收"},
	{"302", trail.StatusDelivered, "signed_after_exception", "派件异常后最终签收"},
	{"304", trail.StatusDelivered, "signed_by_proxy", "代收签收"},
	{"311", trail.StatusDelivered, "collected_from_locker", "快递柜或驿站签收: the recipient took it from a locker or station"},
	{"4", trail.StatusException, "", "问题件"},
	{"401", trail.StatusException, "no_info_after_dispatch", "发货无信息"},
	{"402", trail.StatusException, "unsigned_overdue", "超时未签收"},
	{"403", trail.StatusException, "stalled", "超时未更新"},
	{"404", trail.StatusRefused, "", "拒收(退件)"},
	{"405", trail.StatusException, "delivery_failed", "派件异常"},
	{"406", trail.StatusReturned, "", "退货签收: §7 lists returning and returned; the sender has signed for the return, so returned"},
	{"407", trail.StatusReturning, "", "退货未签收: on the way back, not yet signed for"},
	{"412", trail.StatusAtPickupPoint, "locker_overdue", "快递柜或驿站超时未取: §7 puts 4xx in exception; the parcel still waits at the locker, so at_pickup_point, and the sub-status carries the overdue"},
	{"413", trail.StatusException, "intercepted", "单号已拦截"},
	{"414", trail.StatusException, "damaged", "破损"},
	{"415", trail.StatusException, "cancelled", "客户取消发货"},
	{"416", trail.StatusException, "unreachable", "无法联系"},
	{"417", trail.StatusException, "delayed", "配送延迟"},
	{"418", trail.StatusException, "removed_from_pickup_point", "快件取出: in the problem group, unlike a normal collection (311), so the parcel left the locker without a signature; not delivered"},
	{"419", trail.StatusOutForDelivery, "redelivery", "重新派送: §7 puts 4xx in exception; a courier is out with the parcel again"},
	{"420", trail.StatusException, "address_issue", "收货地址不详细"},
	{"421", trail.StatusException, "phone_issue", "收件人电话错误"},
	{"422", trail.StatusException, "mis_sorted", "错分件"},
	{"423", trail.StatusException, "out_of_area", "超区件"},
	{"5", trail.StatusInTransit, trail.SubForwarded, "转寄"},
	{"6", trail.StatusInTransit, "customs", "清关"},
	{"601", trail.StatusInTransit, "customs", "待清关"},
	{"602", trail.StatusInTransit, "customs", "清关中"},
	{"603", trail.StatusInTransit, "customs", "已清关: still customs until the next scan says where the parcel is"},
	{"604", trail.StatusException, "customs", "清关异常"},
	{"10", trail.StatusCreated, "awaiting_pickup", "待揽件"},
}

var statusByCode = map[string]statusRow{}

func init() {
	for _, r := range statusRows {
		statusByCode[r.code] = r
	}
}

// lookupStatus finds the table row of a State, StateEx or Action code.
func lookupStatus(code string) (statusRow, bool) {
	r, ok := statusByCode[code]
	return r, ok
}
