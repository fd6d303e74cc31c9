package carriersim

import (
	"slices"
	"sort"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// codeRow is one row of a reverse mapping table: the code a provider sends
// for a canonical status and sub-status, and what that provider's package
// in internal/carrier reads the code back as. The round-trip test holds
// every row to ReadsAs and ReadsSub, and requires ReadsAs to equal Status
// unless Note says why the provider cannot say it.
type codeRow struct {
	Status    trail.ShipmentStatus // the scenario step's status
	SubStatus string               // the step's sub-status; "" is the status's plain row
	Code      string               // the provider's code
	Name      string               // the provider's name for the code
	ReadsAs   trail.ShipmentStatus // the status the provider package maps Code to
	ReadsSub  string               // and the sub-status
	Note      string               // why the reading differs from the step, where it does
}

// kuaidi100Codes are Kuaidi100's resultv2 statusCodes (docs/CARRIER-PROTOCOLS.md §1.4), as
// kuaidi100.MapState reads them. Name is the trace's status name.
var kuaidi100Codes = []codeRow{
	{trail.StatusPickedUp, "", "1", "揽收", trail.StatusPickedUp, "", ""},
	{trail.StatusInTransit, "", "1002", "干线", trail.StatusInTransit, "", ""},
	{trail.StatusInTransit, "destination_city", "1001", "到达派件城市", trail.StatusInTransit, "destination_city", ""},
	{trail.StatusInTransit, trail.SubForwarded, "1003", "转递", trail.StatusInTransit, trail.SubForwarded, ""},
	{trail.StatusInTransit, "customs", "11", "清关中", trail.StatusInTransit, "customs", ""},
	{trail.StatusOutForDelivery, "", "5", "派件", trail.StatusOutForDelivery, "", ""},
	{trail.StatusAtPickupPoint, "", "501", "投柜或驿站", trail.StatusAtPickupPoint, "", ""},
	{trail.StatusAtPickupPoint, "locker_overdue", "205", "柜或驿站超时未取", trail.StatusAtPickupPoint, "locker_overdue", ""},
	{trail.StatusDelivered, "", "301", "本人签收", trail.StatusDelivered, "", ""},
	{trail.StatusDelivered, "signed_by_proxy", "303", "代签", trail.StatusDelivered, "signed_by_proxy", ""},
	{trail.StatusDelivered, "collected_from_locker", "304", "投柜或站签收", trail.StatusDelivered, "collected_from_locker", ""},
	{trail.StatusDelivered, "signed_after_exception", "302", "派件异常后签收", trail.StatusDelivered, "signed_after_exception", ""},
	{trail.StatusException, "", "2", "疑难", trail.StatusException, "", ""},
	{trail.StatusException, "damaged", "209", "破损", trail.StatusException, "damaged", ""},
	{trail.StatusException, "stalled", "208", "滞留", trail.StatusException, "stalled", ""},
	{trail.StatusException, "delivery_failed", "204", "派件异常", trail.StatusException, "delivery_failed", ""},
	{trail.StatusException, "unreachable", "206", "无法联系", trail.StatusException, "unreachable", ""},
	{trail.StatusException, "out_of_area", "207", "超区", trail.StatusException, "out_of_area", ""},
	{trail.StatusException, "unsigned_overdue", "201", "超时未签收", trail.StatusException, "unsigned_overdue", ""},
	{trail.StatusRefused, "", "14", "拒签", trail.StatusRefused, "", ""},
	{trail.StatusReturning, "", "6", "退回", trail.StatusReturning, "", ""},
	{trail.StatusReturned, "", "4", "退签", trail.StatusReturned, "", ""},
}

// kdniaoCodes are Kuaidiniao's StateEx / Action codes (docs/CARRIER-PROTOCOLS.md §2.5), as
// the kdniao package reads them.
var kdniaoCodes = []codeRow{
	{trail.StatusPickedUp, "", "1", "已揽收", trail.StatusPickedUp, "", ""},
	{trail.StatusInTransit, "", "2", "在途中", trail.StatusInTransit, "", ""},
	{trail.StatusInTransit, "destination_city", "201", "到达派件城市", trail.StatusInTransit, "destination_city", ""},
	{trail.StatusInTransit, trail.SubForwarded, "5", "转寄", trail.StatusInTransit, trail.SubForwarded, ""},
	{trail.StatusInTransit, "customs", "602", "清关中", trail.StatusInTransit, "customs", ""},
	{trail.StatusOutForDelivery, "", "202", "派件中", trail.StatusOutForDelivery, "", ""},
	{trail.StatusAtPickupPoint, "", "211", "已放入快递柜或驿站", trail.StatusAtPickupPoint, "", ""},
	{trail.StatusAtPickupPoint, "locker_overdue", "412", "快递柜或驿站超时未取", trail.StatusAtPickupPoint, "locker_overdue", ""},
	{trail.StatusDelivered, "", "301", "正常签收", trail.StatusDelivered, "", ""},
	{trail.StatusDelivered, "signed_by_proxy", "304", "代收签收", trail.StatusDelivered, "signed_by_proxy", ""},
	{trail.StatusDelivered, "collected_from_locker", "311", "快递柜或驿站签收", trail.StatusDelivered, "collected_from_locker", ""},
	{trail.StatusDelivered, "signed_after_exception", "302", "派件异常后最终签收", trail.StatusDelivered, "signed_after_exception", ""},
	{trail.StatusException, "", "4", "问题件", trail.StatusException, "", ""},
	{trail.StatusException, "damaged", "414", "破损", trail.StatusException, "damaged", ""},
	{trail.StatusException, "stalled", "403", "超时未更新", trail.StatusException, "stalled", ""},
	{trail.StatusException, "delivery_failed", "405", "派件异常", trail.StatusException, "delivery_failed", ""},
	{trail.StatusException, "unreachable", "416", "无法联系", trail.StatusException, "unreachable", ""},
	{trail.StatusException, "address_issue", "420", "收货地址不详细", trail.StatusException, "address_issue", ""},
	{trail.StatusException, "out_of_area", "423", "超区件", trail.StatusException, "out_of_area", ""},
	{trail.StatusException, "unsigned_overdue", "402", "超时未签收", trail.StatusException, "unsigned_overdue", ""},
	{trail.StatusRefused, "", "404", "拒收(退件)", trail.StatusRefused, "", ""},
	{trail.StatusReturning, "", "407", "退货未签收", trail.StatusReturning, "", ""},
	{trail.StatusReturned, "", "406", "退货签收", trail.StatusReturned, "", ""},
}

// sfCodes are SF route opCodes (docs/CARRIER-PROTOCOLS.md §3.7), as the sf package reads
// them. SF's public list has no code for a refusal or a completed return.
var sfCodes = []codeRow{
	{trail.StatusPickedUp, "", "50", "顺丰已收件", trail.StatusPickedUp, "", ""},
	{trail.StatusInTransit, "", "30", "已装车/完成分拣", trail.StatusInTransit, "", ""},
	{trail.StatusInTransit, "destination_city", "31", "快件到达", trail.StatusInTransit, "", "SF route codes carry no destination-city flag"},
	{trail.StatusInTransit, trail.SubForwarded, "99", "应客户要求，快件正在转寄中", trail.StatusInTransit, trail.SubForwarded, ""},
	{trail.StatusOutForDelivery, "", "44", "正在派送途中", trail.StatusOutForDelivery, "", ""},
	{trail.StatusAtPickupPoint, "", "607", "代理收件", trail.StatusAtPickupPoint, "", ""},
	{trail.StatusDelivered, "", "80", "已签收", trail.StatusDelivered, "", ""},
	{trail.StatusException, "", "33", "派件异常", trail.StatusException, "", ""},
	{trail.StatusException, "delivery_failed", "70", "派件不成功", trail.StatusException, "delivery_failed", ""},
	{trail.StatusRefused, "", "70", "派件不成功（客户拒收）", trail.StatusException, "delivery_failed",
		"SF has no refusal opCode: a refusal is a failed delivery (70) whose remark gives the reason"},
	{trail.StatusReturning, "", "631", "快件已退回", trail.StatusReturning, "", ""},
	{trail.StatusReturned, "", "631", "快件已退回", trail.StatusReturning, "",
		"SF has no opCode for a return signed by the sender; the last return scan stays 631"},
}

// codeTables are the reverse mapping tables by provider.
var codeTables = map[string][]codeRow{
	trail.ProviderKuaidi100: kuaidi100Codes,
	trail.ProviderKdniao:    kdniaoCodes,
	trail.ProviderSF:        sfCodes,
}

// providerCode returns the row a provider sends for a status and
// sub-status: the sub-status's own row, else the status's plain row. Every
// status of a scenario step has a plain row in every table (tested).
func providerCode(provider string, status trail.ShipmentStatus, sub string) codeRow {
	var plain codeRow
	for _, r := range codeTables[provider] {
		if r.Status != status {
			continue
		}
		if r.SubStatus == sub {
			return r
		}
		if r.SubStatus == "" {
			plain = r
		}
	}
	return plain
}

// subStatuses maps each sub-status a scenario may use to the statuses it
// goes with: those some provider has a code for.
func subStatuses() map[string][]trail.ShipmentStatus {
	m := make(map[string][]trail.ShipmentStatus)
	for _, rows := range codeTables {
		for _, r := range rows {
			if r.SubStatus != "" && !slices.Contains(m[r.SubStatus], r.Status) {
				m[r.SubStatus] = append(m[r.SubStatus], r.Status)
			}
		}
	}
	return m
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
