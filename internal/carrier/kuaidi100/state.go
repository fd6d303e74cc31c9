package kuaidi100

import (
	"strings"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// Sub-statuses of the Kuaidi100 table beyond trail's own.
const (
	subAwaitingPickup       = "awaiting_pickup"
	subDestinationCity      = "destination_city"
	subSignedAfterException = "signed_after_exception"
	subSignedByProxy        = "signed_by_proxy"
	subCollectedFromLocker  = "collected_from_locker"
	subCancelled            = "cancelled"
	subUnsignedOverdue      = "unsigned_overdue"
	subStalled              = "stalled"
	subDeliveryFailed       = "delivery_failed"
	subLockerOverdue        = "locker_overdue"
	subUnreachable          = "unreachable"
	subOutOfArea            = "out_of_area"
	subDamaged              = "damaged"
	subCustoms              = "customs"
)

// stateRow maps one Kuaidi100 code to the canonical vocabulary.
type stateRow struct {
	Code      string
	Status    trail.ShipmentStatus
	SubStatus string
	Note      string
}

// states is the mapping of Kuaidi100's state and resultv2 status codes
// (docs/CARRIER-PROTOCOLS.md §1.4 and §7). Base states and sub-states share one code space:
// "1" is both the base 揽收 and its own sub-state.
var states = []stateRow{
	{"0", trail.StatusInTransit, "", "在途"},
	{"1001", trail.StatusInTransit, subDestinationCity, "到达派件城市: arrived in the destination city"},
	{"1002", trail.StatusInTransit, "", "干线: line-haul"},
	{"1003", trail.StatusInTransit, trail.SubForwarded, "转递: forwarded to a new address"},

	{"1", trail.StatusPickedUp, "", "揽收: the base group also holds 101/102, but the code itself means collected"},
	{"101", trail.StatusCreated, "", "已下单: order created"},
	{"102", trail.StatusCreated, subAwaitingPickup, "待揽收: awaiting pickup"},
	{"103", trail.StatusPickedUp, "", "已揽收"},

	{"5", trail.StatusOutForDelivery, "", "派件"},
	{"501", trail.StatusAtPickupPoint, "", "投柜或驿站: in a locker or station, not yet collected"},

	{"3", trail.StatusDelivered, "", "签收"},
	{"301", trail.StatusDelivered, "", "本人签收: signed by the recipient"},
	{"302", trail.StatusDelivered, subSignedAfterException, "派件异常后签收: the exception is over, the parcel is signed"},
	{"303", trail.StatusDelivered, subSignedByProxy, "代签"},
	{"304", trail.StatusDelivered, subCollectedFromLocker, "投柜或站签收: the recipient took it from the locker or station"},

	{"6", trail.StatusReturning, "", "退回: on its way back to the sender"},
	{"4", trail.StatusReturned, "", "退签: the sender signed for the return"},
	{"401", trail.StatusReturned, subCancelled, "已销单: the waybill is cancelled and the journey over; grouped under 退签 (4) by the reference, so returned rather than exception"},
	{"14", trail.StatusRefused, "", "拒签: some tables list it under 退签, but the return is not signed yet; refused until a 4 comes"},

	{"7", trail.StatusInTransit, trail.SubForwarded, "转投: handed to another carrier; §7 FORWARDED, which ARCHITECTURE.md §3 makes in_transit with a sub-status"},

	{"2", trail.StatusException, "", "疑难"},
	{"201", trail.StatusException, subUnsignedOverdue, "超时未签收"},
	{"202", trail.StatusException, subStalled, "超时未更新: exception (§7) rather than expired, which is the service's own verdict after its own threshold"},
	{"203", trail.StatusRefused, "", "拒收: §7 lists it under both EXCEPTION and REFUSED; refused, the more precise, so refusal alerts fire"},
	{"204", trail.StatusException, subDeliveryFailed, "派件异常"},
	{"205", trail.StatusAtPickupPoint, subLockerOverdue, "柜或驿站超时未取: §7 says EXCEPTION, but the parcel still waits for the recipient; at_pickup_point keeps that true, the sub-status says it is overdue"},
	{"206", trail.StatusException, subUnreachable, "无法联系"},
	{"207", trail.StatusException, subOutOfArea, "超区"},
	{"208", trail.StatusException, subStalled, "滞留: stuck at a branch"},
	{"209", trail.StatusException, subDamaged, "破损"},
	{"210", trail.StatusException, subCancelled, "销单: the shipper cancelled; exception, not returned, as the parcel may still be moving"},

	{"8", trail.StatusInTransit, subCustoms, "清关"},
	{"10", trail.StatusInTransit, subCustoms, "待清关"},
	{"11", trail.StatusInTransit, subCustoms, "清关中"},
	{"12", trail.StatusInTransit, subCustoms, "已清关"},
	{"13", trail.StatusException, subCustoms, "清关异常"},
}

var stateByCode = func() map[string]stateRow {
	m := make(map[string]stateRow, len(states))
	for _, r := range states {
		m[r.Code] = r
	}
	return m
}()

// MapState maps a Kuaidi100 state or resultv2 status code to a canonical
// status and sub-status. A code missing from the table falls back to its
// base group as the reference's rule says: a four-digit 100x code to base
// 0, any other three-digit code to its first digit (211 → 2, 305 → 3).
// Anything else is unknown: trail.StatusUnknown with sub-status
// unknown_code and ok false; the caller keeps the raw code and never
// guesses.
func MapState(code string) (status trail.ShipmentStatus, subStatus string, ok bool) {
	code = strings.TrimSpace(code)
	r, ok := stateByCode[code]
	if !ok && isDigits(code, 4) && strings.HasPrefix(code, "100") {
		r, ok = stateByCode["0"]
	} else if !ok && isDigits(code, 3) {
		r, ok = stateByCode[code[:1]]
	}
	if !ok {
		return trail.StatusUnknown, trail.SubUnknownCode, false
	}
	return r.Status, r.SubStatus, true
}
