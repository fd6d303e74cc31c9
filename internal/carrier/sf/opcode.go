package sf

import "github.com/bottletrail/bottletrail/internal/trail"

// opCode is one row of the route opCode mapping table: SF's code, the
// canonical status and sub-status it maps to, and why.
type opCode struct {
	code      string
	status    trail.ShipmentStatus
	subStatus string
	note      string
}

// opCodes maps SF route opCodes to the canonical vocabulary
// (docs/CARRIER-PROTOCOLS.md §3.7, §7; docs/ARCHITECTURE.md §3). SF's complete
// list is not public. A code missing here maps to trail.StatusUnknown with
// the code kept, so the parcel keeps its status, gets sub-status
// unknown_code and the code is counted, instead of being guessed as
// in_transit as one SDK does.
var opCodes = []opCode{
	{"50", trail.StatusPickedUp, "", "顺丰已收件: picked up"},
	{"54", trail.StatusPickedUp, "", "上门收件: courier pickup (seen in live data)"},
	{"30", trail.StatusInTransit, "", "已装车/完成分拣，准备发往: sorted or departed"},
	{"36", trail.StatusInTransit, "", "快件离开，已在发往…的路上: departed"},
	{"31", trail.StatusInTransit, "", "快件到达: arrived at a hub"},
	{"3036", trail.StatusInTransit, "", "快件在…，准备送往下一站: on to the next stop"},
	{"123", trail.StatusInTransit, "", "快件正送往顺丰店/站: on the way to the delivery station"},
	{"130", trail.StatusInTransit, "", "快件到达顺丰店/站: arrived at the destination station. " +
		"in_transit, not out_for_delivery: no courier has the parcel yet (44 or 204 " +
		"follows when one does), so a parcel stuck at the station is not shown as 派送中"},
	{"44", trail.StatusOutForDelivery, "", "正在派送途中: out for delivery"},
	{"204", trail.StatusOutForDelivery, "", "派件责任交接: handed to the delivering courier"},
	{"607", trail.StatusAtPickupPoint, "", "代理收件: received by an agent point or locker"},
	{"80", trail.StatusDelivered, "", "已签收: delivered"},
	{"8000", trail.StatusDelivered, "", "签收信息可查看: follows 80. delivered too, so a later 8000 " +
		"leaves the delivery time of 80 in place"},
	{"33", trail.StatusException, "", "派件异常: delivery exception, reason in the remark"},
	{"70", trail.StatusException, "delivery_failed", "由于…原因 派件不成功: delivery attempt failed"},
	{"99", trail.StatusInTransit, trail.SubForwarded, "应客户要求，快件正在转寄中: forwarded at the customer's request"},
	{"631", trail.StatusReturning, "", "快件已退回: on its way back to the sender"},
	{"648", trail.StatusReturning, "", "快件已退回/转寄，新单号为: a return or a forward under a new " +
		"number. returning, because the remark does not tell the two apart reliably and " +
		"a return is the case that needs attention; it may be a forward"},
}

var opCodeIndex = func() map[string]opCode {
	m := make(map[string]opCode, len(opCodes))
	for _, o := range opCodes {
		m[o.code] = o
	}
	return m
}()

// mapOpCode returns the canonical status and sub-status of an opCode:
// trail.StatusUnknown and "" for a code the table does not know.
func mapOpCode(code string) (trail.ShipmentStatus, string) {
	o := opCodeIndex[code]
	return o.status, o.subStatus
}
