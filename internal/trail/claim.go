package trail

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// A damage claim (docs/ARCHITECTURE.md §9) has two tracks: the customer
// track makes the consumer whole first (reship, refund or a reasoned
// rejection), the carrier track recovers the money from the carrier
// afterwards. Both are state machines kept as data tables below.

// ClaimType is what went wrong with a parcel.
type ClaimType string

// Claim types.
const (
	ClaimDamaged ClaimType = "damaged" // arrived broken
	ClaimMissing ClaimType = "missing" // arrived incomplete
	ClaimLost    ClaimType = "lost"    // never arrived: no scan for too long
)

// ClaimTypes lists every claim type.
var ClaimTypes = []ClaimType{ClaimDamaged, ClaimMissing, ClaimLost}

// ClaimTypeNames are the Chinese names of the claim types.
var ClaimTypeNames = map[ClaimType]string{
	ClaimDamaged: "商品破损",
	ClaimMissing: "少件漏发",
	ClaimLost:    "包裹丢失",
}

// ClaimStatus is where a claim is on the customer track.
type ClaimStatus string

// Customer-track statuses.
const (
	ClaimReported  ClaimStatus = "reported"  // received, nobody has looked yet
	ClaimReviewing ClaimStatus = "reviewing" // an agent is on it
	ClaimNeedInfo  ClaimStatus = "need_info" // waiting for the consumer
	ClaimResolved  ClaimStatus = "resolved"  // reshipped, refunded or rejected: final
	ClaimWithdrawn ClaimStatus = "withdrawn" // the consumer or an agent dropped it: final
)

// ClaimStatuses lists every customer-track status in the order of the
// track.
var ClaimStatuses = []ClaimStatus{ClaimReported, ClaimReviewing, ClaimNeedInfo, ClaimResolved, ClaimWithdrawn}

// ClaimStatusNames are the Chinese names shown to consumers and agents.
var ClaimStatusNames = map[ClaimStatus]string{
	ClaimReported:  "已提交",
	ClaimReviewing: "处理中",
	ClaimNeedInfo:  "待补充信息",
	ClaimResolved:  "已处理",
	ClaimWithdrawn: "已撤回",
}

// claimMoves is the customer track: from each status, the statuses it
// may move to. A claim is open until resolved or withdrawn; both are
// final (a mistaken resolution is corrected by a new claim, never by
// reopening, so a refund or reship is never silently undone).
//
// reported may go straight to need_info (the photos do not show the
// damage), resolved (an obvious case settled at once) or withdrawn; an
// agent need not pass through reviewing to do what reviewing would do.
// need_info goes back to reviewing when the consumer answers, and may be
// resolved or withdrawn from there too (an answer by phone, or none).
var claimMoves = map[ClaimStatus][]ClaimStatus{
	ClaimReported:  {ClaimReviewing, ClaimNeedInfo, ClaimResolved, ClaimWithdrawn},
	ClaimReviewing: {ClaimNeedInfo, ClaimResolved, ClaimWithdrawn},
	ClaimNeedInfo:  {ClaimReviewing, ClaimResolved, ClaimWithdrawn},
	ClaimResolved:  nil,
	ClaimWithdrawn: nil,
}

// Open reports whether the claim is still being worked: not resolved and
// not withdrawn. One open claim per parcel and type is allowed.
func (s ClaimStatus) Open() bool { return len(claimMoves[s]) > 0 }

// CheckClaimMove reports whether a claim may move from one customer-track
// status to another. EINVALID naming "status" for a status that does not
// exist; ECONFLICT naming "status" and both statuses for a move the track
// does not allow, including staying where it is.
func CheckClaimMove(from, to ClaimStatus) error {
	if _, ok := claimMoves[to]; !ok {
		return Invalid("status", "未知的理赔状态 %s / unknown claim status %s; one of %s", Quote(to), Quote(to), claimStatusList())
	}
	if _, ok := claimMoves[from]; !ok {
		return Invalid("status", "未知的理赔状态 %s / unknown claim status %s", Quote(from), Quote(from))
	}
	for _, s := range claimMoves[from] {
		if s == to {
			return nil
		}
	}
	return &Error{Code: ECONFLICT, Field: "status", Message: fmt.Sprintf("理赔不能从「%s」改为「%s」 / a claim cannot move from %s to %s",
		ClaimStatusNames[from], ClaimStatusNames[to], from, to)}
}

func claimStatusList() string {
	names := make([]string, len(ClaimStatuses))
	for i, s := range ClaimStatuses {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

// CarrierClaimStatus is where a claim is on the carrier track.
type CarrierClaimStatus string

// Carrier-track statuses.
const (
	CarrierNotFiled CarrierClaimStatus = "not_filed" // nothing sent to the carrier yet
	CarrierFiled    CarrierClaimStatus = "filed"     // the packet went in; the carrier gave a case number
	CarrierApproved CarrierClaimStatus = "approved"  // the carrier agreed to pay an amount
	CarrierRejected CarrierClaimStatus = "rejected"  // the carrier refused: final
	CarrierPaid     CarrierClaimStatus = "paid"      // the money arrived: final
)

// CarrierClaimStatuses lists every carrier-track status in the order of
// the track.
var CarrierClaimStatuses = []CarrierClaimStatus{CarrierNotFiled, CarrierFiled, CarrierApproved, CarrierRejected, CarrierPaid}

// CarrierClaimStatusNames are the Chinese names shown to agents.
var CarrierClaimStatusNames = map[CarrierClaimStatus]string{
	CarrierNotFiled: "未向物流公司索赔",
	CarrierFiled:    "已向物流公司索赔",
	CarrierApproved: "物流公司已同意赔付",
	CarrierRejected: "物流公司已拒赔",
	CarrierPaid:     "赔款已到账",
}

// carrierMoves is the carrier track. rejected and paid are final: an
// appeal against a rejection is a conversation with the carrier that the
// claim's notes record, not a second filing of the same claim.
var carrierMoves = map[CarrierClaimStatus][]CarrierClaimStatus{
	CarrierNotFiled: {CarrierFiled},
	CarrierFiled:    {CarrierApproved, CarrierRejected},
	CarrierApproved: {CarrierPaid},
	CarrierRejected: nil,
	CarrierPaid:     nil,
}

// CheckCarrierMove reports whether a claim may move from one carrier-track
// status to another: EINVALID naming "carrier.status" for a status that
// does not exist, ECONFLICT naming it and both statuses for a move the
// track does not allow, including staying where it is.
func CheckCarrierMove(from, to CarrierClaimStatus) error {
	if _, ok := carrierMoves[to]; !ok {
		return Invalid("carrier.status", "未知的索赔状态 %s / unknown carrier claim status %s; one of %s", Quote(to), Quote(to), carrierStatusList())
	}
	if _, ok := carrierMoves[from]; !ok {
		return Invalid("carrier.status", "未知的索赔状态 %s / unknown carrier claim status %s", Quote(from), Quote(from))
	}
	for _, s := range carrierMoves[from] {
		if s == to {
			return nil
		}
	}
	return &Error{Code: ECONFLICT, Field: "carrier.status", Message: fmt.Sprintf("物流索赔不能从「%s」改为「%s」 / the carrier claim cannot move from %s to %s",
		CarrierClaimStatusNames[from], CarrierClaimStatusNames[to], from, to)}
}

func carrierStatusList() string {
	names := make([]string, len(CarrierClaimStatuses))
	for i, s := range CarrierClaimStatuses {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

// ResolutionKind is how the customer track ended.
type ResolutionKind string

// Resolution kinds.
const (
	ResolutionReship   ResolutionKind = "reship"   // the items were sent again (补发)
	ResolutionRefund   ResolutionKind = "refund"   // money went back to the buyer
	ResolutionRejected ResolutionKind = "rejected" // no remedy, with a reason the consumer reads
)

// Claim is a damage, shortage or loss claim on one parcel of an order.
type Claim struct {
	ID          int64       `json:"id"`
	OrderNo     string      `json:"order_no"`
	ShipmentID  int64       `json:"-"`
	Carrier     string      `json:"carrier"`
	TrackingNo  string      `json:"tracking_no"`
	Type        ClaimType   `json:"type"`
	Items       []ClaimItem `json:"items"`
	Description string      `json:"description"`
	// Photos is how many photos the claim holds, numbered 1..Photos; the
	// photo store keeps them by claim and number.
	Photos       int          `json:"photos"`
	OpenedBy     ClaimOpener  `json:"opened_by"`
	Status       ClaimStatus  `json:"status"`
	Resolution   *Resolution  `json:"resolution,omitempty"`
	CarrierClaim CarrierClaim `json:"carrier_claim"`
	// CarrierDeadline is when the carrier claim must be filed by:
	// CarrierDeadline of the parcel under the brand's window, fixed when
	// the claim opens. The claims queue sorts by it and the claim_deadline
	// alert warns before it while the carrier track is not_filed.
	CarrierDeadline time.Time `json:"carrier_deadline"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
	// History is the claim's append-only record, oldest first; filled by
	// the reads that say so.
	History []ClaimEvent `json:"history,omitempty"`
}

// ClaimItem is a quantity of one SKU of the parcel that the claim is
// about.
type ClaimItem struct {
	SKU      string `json:"sku"`
	Quantity int    `json:"quantity"`
}

// Opener kinds: who opened a claim.
const (
	OpenerConsumer = "consumer" // from a tracking link or a look-up
	OpenerAgent    = "agent"    // an operator, e.g. after a phone call
)

// ViaLookup is the Via of a consumer who reported from the look-up page.
const ViaLookup = "lookup"

// ClaimOpener is who opened a claim. A consumer is named by the way in
// (Via: the link kind, or ViaLookup), never by personal data; an agent by
// the operator's actor name (e-mail, "api").
type ClaimOpener struct {
	Kind  string `json:"kind"`
	Via   string `json:"via,omitempty"`
	Actor string `json:"actor,omitempty"`
}

// Resolution is how the customer track ended.
type Resolution struct {
	Kind ResolutionKind `json:"kind"`
	// Amount is the refund; set for refund only.
	Amount *Fen `json:"amount,omitempty"`
	// Reason is what the consumer reads: required for rejected, a note
	// otherwise.
	Reason string `json:"reason,omitempty"`
	// ReshipCarrier and ReshipTrackingNo name the 补发 parcel of a reship.
	ReshipCarrier    string    `json:"reship_carrier,omitempty"`
	ReshipTrackingNo string    `json:"reship_tracking_no,omitempty"`
	ResolvedAt       time.Time `json:"resolved_at"`
}

// CarrierClaim is the carrier track: what was asked of the carrier and
// what it answered.
type CarrierClaim struct {
	Status        CarrierClaimStatus `json:"status"`
	CaseNo        string             `json:"case_no,omitempty"`
	FiledOn       *Date              `json:"filed_on,omitempty"`
	AmountClaimed *Fen               `json:"amount_claimed,omitempty"`
	AmountGranted *Fen               `json:"amount_granted,omitempty"`
	Reason        string             `json:"reason,omitempty"` // the carrier's, for rejected
	PaidOn        *Date              `json:"paid_on,omitempty"`
}

// carrierStepFields names, for each carrier-track status, the fields a
// step to it sets; a step giving any other field is refused.
var carrierStepFields = map[CarrierClaimStatus][]string{
	CarrierFiled:    {"case_no", "filed_on", "amount_claimed"},
	CarrierApproved: {"amount_granted"},
	CarrierRejected: {"reason"},
	CarrierPaid:     {"paid_on"},
}

// given returns the names of the fields a step sets.
func (c *CarrierClaim) given() []string {
	var out []string
	for name, set := range map[string]bool{
		"case_no": c.CaseNo != "", "filed_on": c.FiledOn != nil, "amount_claimed": c.AmountClaimed != nil,
		"amount_granted": c.AmountGranted != nil, "reason": c.Reason != "", "paid_on": c.PaidOn != nil,
	} {
		if set {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// Advance returns the carrier track after a step to step.Status. The move
// must be allowed (CheckCarrierMove), and the step gives what its status
// needs and nothing else: filed a case number, the day and the amount
// claimed; approved the amount granted, at most the amount claimed;
// rejected the carrier's reason; paid the day the money arrived, not
// before the filing. What earlier steps recorded carries over unchanged.
// EINVALID naming the field that is missing, wrong or out of place.
func (cur CarrierClaim) Advance(step CarrierClaim) (CarrierClaim, error) {
	if err := CheckCarrierMove(cur.Status, step.Status); err != nil {
		return cur, err
	}
	for _, f := range step.given() {
		if !slices.Contains(carrierStepFields[step.Status], f) {
			return cur, Invalid("carrier."+f, "%s 不属于「%s」这一步 / %s does not go with carrier status %s", f, CarrierClaimStatusNames[step.Status], f, step.Status)
		}
	}
	date := func(field string, d *Date, what string) error {
		if d == nil {
			return Invalid(field, "请填写%s / %s is required", what, strings.TrimPrefix(field, "carrier."))
		}
		if _, err := ParseDate(string(*d)); err != nil {
			return Invalid(field, "%v", err)
		}
		return nil
	}
	next := cur
	next.Status = step.Status
	switch step.Status {
	case CarrierFiled:
		caseNo := strings.TrimSpace(step.CaseNo)
		if caseNo == "" || len([]rune(caseNo)) > 64 {
			return cur, Invalid("carrier.case_no", "请填写物流公司的理赔单号（最多 64 字） / case_no is required, at most 64 characters")
		}
		if err := date("carrier.filed_on", step.FiledOn, "索赔日期"); err != nil {
			return cur, err
		}
		if step.AmountClaimed == nil || *step.AmountClaimed <= 0 {
			return cur, Invalid("carrier.amount_claimed", "索赔金额须大于 0 / amount_claimed must be more than 0")
		}
		next.CaseNo, next.FiledOn, next.AmountClaimed = caseNo, step.FiledOn, step.AmountClaimed
	case CarrierApproved:
		if step.AmountGranted == nil || *step.AmountGranted <= 0 {
			return cur, Invalid("carrier.amount_granted", "赔付金额须大于 0 / amount_granted must be more than 0")
		}
		if cur.AmountClaimed != nil && *step.AmountGranted > *cur.AmountClaimed {
			return cur, Invalid("carrier.amount_granted", "赔付金额不能超过索赔金额 %s 元 / amount_granted cannot exceed the %s yuan claimed", cur.AmountClaimed.Yuan(), cur.AmountClaimed.Yuan())
		}
		next.AmountGranted = step.AmountGranted
	case CarrierRejected:
		reason := strings.TrimSpace(step.Reason)
		if reason == "" || len([]rune(reason)) > MaxClaimReason {
			return cur, Invalid("carrier.reason", "请填写物流公司拒赔的原因（最多 %d 字） / reason is required, at most %d characters", MaxClaimReason, MaxClaimReason)
		}
		next.Reason = reason
	case CarrierPaid:
		if err := date("carrier.paid_on", step.PaidOn, "到账日期"); err != nil {
			return cur, err
		}
		if cur.FiledOn != nil && *step.PaidOn < *cur.FiledOn {
			return cur, Invalid("carrier.paid_on", "到账日期早于索赔日期 %s / paid_on is before the filing on %s", *cur.FiledOn, *cur.FiledOn)
		}
		next.PaidOn = step.PaidOn
	}
	return next, nil
}

// ClaimAction names a step of a claim's history.
type ClaimAction string

// Claim history actions.
const (
	ClaimActionOpened   ClaimAction = "opened"   // the claim was reported
	ClaimActionStatus   ClaimAction = "status"   // the customer track moved (From → To)
	ClaimActionCarrier  ClaimAction = "carrier"  // the carrier track moved (From → To)
	ClaimActionReship   ClaimAction = "reship"   // resolved by a 补发 parcel
	ClaimActionRefund   ClaimAction = "refund"   // resolved by a refund
	ClaimActionRejected ClaimAction = "rejected" // resolved without remedy
	ClaimActionNote     ClaimAction = "note"     // a note, no move
)

// ClaimEvent is one entry of a claim's append-only history: who did what
// when. Entries are never changed or removed.
type ClaimEvent struct {
	At    time.Time   `json:"at"`
	Actor string      `json:"actor"` // the operator, "api", or "consumer"
	What  ClaimAction `json:"what"`
	From  string      `json:"from,omitempty"`
	To    string      `json:"to,omitempty"`
	Note  string      `json:"note,omitempty"`
}

// Limits of claims.
const (
	MaxClaimItems       = 50   // item lines in one claim
	MaxClaimDescription = 1000 // characters of the description
	MaxClaimReason      = 500  // characters of a reason or a note
	MaxClaimPhotos      = 6    // photos of one claim
	MinConsumerPhotos   = 1    // photos a consumer's damaged or missing report needs
)

// ParseClaimItems reads the form's item list, "PLUM-330:2,RICE-500:1":
// SKU and quantity pairs separated by commas, spaces ignored. EINVALID
// naming "items" for bad syntax, a quantity below 1, a SKU named twice,
// more than MaxClaimItems lines or none.
func ParseClaimItems(s string) ([]ClaimItem, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, Invalid("items", "请选择有问题的商品和数量 / items are required, as SKU:quantity pairs")
	}
	parts := strings.Split(s, ",")
	if len(parts) > MaxClaimItems {
		return nil, Invalid("items", "一次最多申报 %d 种商品 / at most %d item lines", MaxClaimItems, MaxClaimItems)
	}
	items := make([]ClaimItem, 0, len(parts))
	seen := map[string]bool{}
	for _, p := range parts {
		sku, qty, ok := strings.Cut(p, ":")
		sku, qty = strings.TrimSpace(sku), strings.TrimSpace(qty)
		if !ok || !codePattern.MatchString(sku) {
			return nil, Invalid("items", "商品格式应为 SKU:数量，例如 PLUM-330:2，而不是 %s / items must be SKU:quantity pairs such as PLUM-330:2, not %s", Quote(p), Quote(p))
		}
		n, err := strconv.Atoi(qty)
		if err != nil || n < 1 || n > 100000 {
			return nil, Invalid("items", "%s 的数量应为正整数 / the quantity of %s must be a whole number of at least 1", sku, sku)
		}
		if seen[sku] {
			return nil, Invalid("items", "商品 %s 重复 / %s is named twice", sku, sku)
		}
		seen[sku] = true
		items = append(items, ClaimItem{SKU: sku, Quantity: n})
	}
	return items, nil
}

// CheckClaimItems reports whether every claimed item is in the parcel, at
// most as many as the parcel holds (its lines of one SKU added up), and
// the lines are well formed (a SKU once, quantity at least 1, 1 to
// MaxClaimItems lines). EINVALID naming the item.
func CheckClaimItems(items []ClaimItem, parcel []ShipmentItem) error {
	if len(items) == 0 || len(items) > MaxClaimItems {
		return Invalid("items", "请选择 1–%d 种有问题的商品 / a claim names 1–%d item lines", MaxClaimItems, MaxClaimItems)
	}
	holds := map[string]int{}
	for _, it := range parcel {
		holds[it.SKU] += it.Quantity
	}
	seen := map[string]bool{}
	for i, it := range items {
		field := fmt.Sprintf("items[%d]", i)
		n, ok := holds[it.SKU]
		switch {
		case !ok:
			return Invalid(field+".sku", "包裹里没有商品 %s / the parcel holds no %s", Clip(it.SKU), Clip(it.SKU))
		case seen[it.SKU]:
			return Invalid(field+".sku", "商品 %s 重复 / %s is named twice", it.SKU, it.SKU)
		case it.Quantity < 1:
			return Invalid(field+".quantity", "数量至少为 1 / quantity must be at least 1")
		case it.Quantity > n:
			return Invalid(field+".quantity", "包裹里只有 %d 件 %s / the parcel holds only %d of %s", n, it.SKU, n, it.SKU)
		}
		seen[it.SKU] = true
	}
	return nil
}

// Normalize trims the claim's text.
func (c *Claim) Normalize() {
	c.Description = strings.TrimSpace(c.Description)
	c.OpenedBy.Actor = strings.TrimSpace(c.OpenedBy.Actor)
	for i := range c.Items {
		c.Items[i].SKU = strings.TrimSpace(c.Items[i].SKU)
	}
}

// Validate reports the first problem with a new, normalised claim, before
// the parcel is known (CheckClaimItems and CanReport check against it).
//
// Photos: a consumer's damaged or missing report needs 1 to MaxClaimPhotos
// photos (the evidence the carrier will ask for); a lost parcel has
// nothing to photograph, so its report needs none. An agent may open any
// claim without photos (a phone call) and add them later, up to
// MaxClaimPhotos. The description is optional (the photos may say it
// all), at most MaxClaimDescription characters.
func (c *Claim) Validate() error {
	if _, ok := ClaimTypeNames[c.Type]; !ok {
		return Invalid("type", "请选择问题类型（破损、少件或丢失） / type must be damaged, missing or lost, not %s", Quote(c.Type))
	}
	if len([]rune(c.Description)) > MaxClaimDescription {
		return Invalid("description", "问题描述最多 %d 字 / description must be at most %d characters", MaxClaimDescription, MaxClaimDescription)
	}
	if len(c.Items) == 0 || len(c.Items) > MaxClaimItems {
		return Invalid("items", "请选择 1–%d 种有问题的商品 / a claim names 1–%d item lines", MaxClaimItems, MaxClaimItems)
	}
	switch c.OpenedBy.Kind {
	case OpenerConsumer:
		if v := c.OpenedBy.Via; v != string(LinkBuyer) && v != string(LinkGift) && v != ViaLookup {
			return Invalid("opened_by", "a consumer's claim comes through a buyer link, a gift link or the look-up page")
		}
		if c.Type != ClaimLost && c.Photos < MinConsumerPhotos {
			return Invalid("photo", "请至少上传 %d 张照片 / at least %d photo is required", MinConsumerPhotos, MinConsumerPhotos)
		}
	case OpenerAgent:
		if c.OpenedBy.Actor == "" || len(c.OpenedBy.Actor) > 254 {
			return Invalid("opened_by", "an agent's claim needs the agent's name")
		}
	default:
		return Invalid("opened_by", "opened_by must be consumer or agent")
	}
	if c.Photos < 0 || c.Photos > MaxClaimPhotos {
		return Invalid("photo", "最多上传 %d 张照片 / at most %d photos", MaxClaimPhotos, MaxClaimPhotos)
	}
	return nil
}

// ClaimValue returns the value of the claimed items at the order's unit
// prices, and whether it is known: every claimed SKU must have a price on
// the order. A SKU on several lines at different prices counts at the
// highest, so the bound it gives a refund is never too tight.
func ClaimValue(items []ClaimItem, order *Order) (Fen, bool) {
	var total Fen
	for _, ci := range items {
		var price *Fen
		for _, it := range order.Items {
			if it.SKU == ci.SKU && it.UnitPrice != nil && (price == nil || *it.UnitPrice > *price) {
				price = it.UnitPrice
			}
		}
		if price == nil {
			return 0, false
		}
		total += *price * Fen(ci.Quantity)
	}
	return total, true
}

// CheckRefund reports whether amount may be refunded on a claim whose
// items are worth value (known says whether ClaimValue knew it): more than
// 0 and, when the value is known, at most it. EINVALID naming "amount".
func CheckRefund(amount Fen, value Fen, known bool) error {
	if amount <= 0 {
		return Invalid("amount", "退款金额须大于 0 / amount must be more than 0")
	}
	if known && amount > value {
		return Invalid("amount", "退款金额不能超过申报商品的价值 %s 元 / amount cannot exceed the %s yuan the claimed items are worth", value.Yuan(), value.Yuan())
	}
	return nil
}

// ClaimWindow is a brand's claim settings: how long a consumer may report
// and how long the brand has to file with each carrier.
type ClaimWindow struct {
	// ReportDays is how many days after the delivery day (China time) a
	// consumer may report damaged or missing goods: through the end of
	// the ReportDays-th day after it.
	ReportDays int `json:"report_days"`
	// LostAfterDays is how long a parcel not delivered must have had no
	// scan before it may be reported lost.
	LostAfterDays int `json:"lost_after_days"`
	// CarrierDays is the carrier claim deadline per carrier code, in days
	// after the damage scan or the delivery, whichever came first;
	// carriers not named take DefaultCarrierDays.
	CarrierDays        map[string]int `json:"carrier_days,omitempty"`
	DefaultCarrierDays int            `json:"default_carrier_days"`
}

// Claim window defaults. The report window and the lost threshold follow
// Route's consumer terms (reference/claims-and-analytics.md: damage
// within 15 days of delivery, lost no sooner than 7 days after the last
// scan). No carrier publishes its claim deadline (the reference marks it
// unknown), so no carrier has a default of its own: every carrier takes
// one conservative default of 7 days, which a brand replaces per carrier
// with its contract's terms. A deadline set too early costs an early
// reminder; one set too late costs the claim.
const (
	DefaultReportDays         = 15
	DefaultLostAfterDays      = 7
	DefaultCarrierClaimDays   = 7
	maxClaimWindowDays        = 365
	claimWindowDaysOutOfRange = "must be 1–365 days"
)

// DefaultClaimWindow returns the settings of a brand that has changed
// none.
func DefaultClaimWindow() ClaimWindow {
	return ClaimWindow{ReportDays: DefaultReportDays, LostAfterDays: DefaultLostAfterDays, DefaultCarrierDays: DefaultCarrierClaimDays}
}

// Validate reports the first problem with a brand's window.
func (w *ClaimWindow) Validate() error {
	in := func(n int) bool { return n >= 1 && n <= maxClaimWindowDays }
	switch {
	case !in(w.ReportDays):
		return Invalid("report_days", "report_days "+claimWindowDaysOutOfRange)
	case !in(w.LostAfterDays):
		return Invalid("lost_after_days", "lost_after_days "+claimWindowDaysOutOfRange)
	case !in(w.DefaultCarrierDays):
		return Invalid("default_carrier_days", "default_carrier_days "+claimWindowDaysOutOfRange)
	}
	for c, n := range w.CarrierDays {
		if _, ok := LookupCarrier(c); !ok {
			return Invalid("carrier_days", "unknown carrier %s", Quote(c))
		}
		if !in(n) {
			return Invalid("carrier_days", "carrier_days of %s %s", c, claimWindowDaysOutOfRange)
		}
	}
	return nil
}

// carrierDays returns the claim deadline of a carrier in days.
func (w *ClaimWindow) carrierDays(carrier string) int {
	if n, ok := w.CarrierDays[carrier]; ok {
		return n
	}
	return w.DefaultCarrierDays
}

// endOfDayAfter returns the end of the n-th day (China time) after the day
// of t: the first instant of the day after it.
func endOfDayAfter(t time.Time, n int) time.Time {
	return chinaDay(t).Start().AddDate(0, 0, n+1)
}

// refuse is the 422 of CanReport: a reason a consumer reads.
func refuse(format string, args ...any) error {
	return &Error{Code: EINVALID, Field: "type", Message: fmt.Sprintf(format, args...)}
}

// CanReport reports whether a claim of type t may be opened on the parcel
// at now under the brand's window. EINVALID naming "type", with a reason
// the consumer reads (Chinese first), when it may not:
//
//   - damaged and missing need a delivered parcel, reported through the
//     end of the ReportDays-th day after the delivery day, China time
//     (delivered 12月1日 any time, a 15-day window: through 12月16日
//     23:59:59).
//   - lost needs a parcel not delivered, picked up (its last scan is not
//     the waybill's creation), not returned to the brand, whose last scan
//     is at least LostAfterDays × 24 hours before now.
func CanReport(s *Shipment, t ClaimType, now time.Time, w ClaimWindow) error {
	switch t {
	case ClaimDamaged, ClaimMissing:
		if s.DeliveredAt == nil {
			return refuse("包裹尚未签收，签收后如有破损或少件可以申报 / the parcel has not been delivered; report damage or missing items after delivery")
		}
		end := endOfDayAfter(*s.DeliveredAt, w.ReportDays)
		if !now.Before(end) {
			return refuse("已超过签收后 %d 天的申报期限（截至%s） / the %d days to report after delivery ended on %s",
				w.ReportDays, end.Add(-time.Second).In(ChinaTime).Format("1月2日"), w.ReportDays, chinaDay(end.Add(-time.Second)))
		}
		return nil
	case ClaimLost:
		switch {
		case s.DeliveredAt != nil:
			return refuse("包裹已签收，不能申报丢失；如未收到请联系客服 / the parcel was delivered and cannot be reported lost; contact customer service if it did not reach you")
		case s.Status == StatusReturned:
			return refuse("包裹已退回商家，不能申报丢失 / the parcel went back to the brand and cannot be reported lost")
		case s.LastEventAt == nil || s.Status == StatusCreated:
			return refuse("包裹尚未揽收，不能申报丢失 / the parcel has not been picked up and cannot be reported lost")
		}
		from := s.LastEventAt.Add(time.Duration(w.LostAfterDays) * 24 * time.Hour)
		if now.Before(from) {
			return refuse("包裹最后一条物流信息不足 %d 天，%s起可以申报丢失 / a parcel can be reported lost %d days after its last scan, from %s",
				w.LostAfterDays, chinaClock(from), w.LostAfterDays, from.In(ChinaTime).Format("2006-01-02 15:04"))
		}
		return nil
	}
	return Invalid("type", "请选择问题类型（破损、少件或丢失） / type must be damaged, missing or lost, not %s", Quote(t))
}

// CarrierDeadline returns the instant the brand's claim on the parcel
// must be filed with the carrier by: the end of the N-th day (China time,
// N the carrier's days in the window) after the parcel's first damage
// scan or its delivery, whichever came first; for a parcel neither
// damaged nor delivered (a lost parcel), after its last scan. Zero if
// the parcel has had no scan at all.
func CarrierDeadline(s *Shipment, w ClaimWindow) time.Time {
	var from *time.Time
	for i := range s.Events {
		if e := &s.Events[i]; e.SubStatus == SubDamaged && (from == nil || e.Time.Before(*from)) {
			from = &e.Time
		}
	}
	if s.DeliveredAt != nil && (from == nil || s.DeliveredAt.Before(*from)) {
		from = s.DeliveredAt
	}
	if from == nil {
		from = s.LastEventAt
	}
	if from == nil {
		return time.Time{}
	}
	return endOfDayAfter(*from, w.carrierDays(s.Carrier))
}

// ClaimPatch is an agent's change to a claim: a customer-track move with
// a note, a carrier-track step, or a note alone. Resolving goes through
// ReshipClaim and RefundClaim, or Status resolved with Reject.
type ClaimPatch struct {
	Status *ClaimStatus `json:"status,omitempty"`
	// Reject, with Status resolved, is the reason the consumer reads.
	Reject  string        `json:"reject,omitempty"`
	Note    string        `json:"note,omitempty"`
	Carrier *CarrierClaim `json:"carrier,omitempty"`
}

// Normalize trims the patch's text.
func (p *ClaimPatch) Normalize() {
	p.Note, p.Reject = strings.TrimSpace(p.Note), strings.TrimSpace(p.Reject)
}

// Validate reports the first problem with a normalised patch, before the
// claim is known.
func (p *ClaimPatch) Validate() error {
	switch {
	case p.Status == nil && p.Carrier == nil && p.Note == "":
		return Invalid("status", "nothing to change: give status, carrier or note")
	case len([]rune(p.Note)) > MaxClaimReason:
		return Invalid("note", "备注最多 %d 字 / note must be at most %d characters", MaxClaimReason, MaxClaimReason)
	case len([]rune(p.Reject)) > MaxClaimReason:
		return Invalid("reject", "拒绝原因最多 %d 字 / reject must be at most %d characters", MaxClaimReason, MaxClaimReason)
	case p.Status != nil && *p.Status == ClaimResolved && p.Reject == "":
		return Invalid("reject", "resolve by reship or refund, or give the reason the consumer reads in reject")
	case p.Reject != "" && (p.Status == nil || *p.Status != ClaimResolved):
		return Invalid("reject", "reject goes with status resolved")
	}
	if p.Status != nil {
		if _, ok := claimMoves[*p.Status]; !ok {
			return Invalid("status", "未知的理赔状态 %s / unknown claim status %s; one of %s", Quote(*p.Status), Quote(*p.Status), claimStatusList())
		}
	}
	return nil
}

// ClaimReship resolves a claim by sending the items again in a new parcel
// (补发) on the same order. BatchNo names a new production batch for a
// customised item that must be made again.
type ClaimReship struct {
	Carrier    string      `json:"carrier"`
	TrackingNo string      `json:"tracking_no"`
	Items      []ClaimItem `json:"items"`
	BatchNo    string      `json:"batch_no,omitempty"`
	Note       string      `json:"note,omitempty"`
}

// Normalize brings the reship's identifiers to canonical form.
func (r *ClaimReship) Normalize() {
	r.Carrier, r.TrackingNo = NormalizeCarrier(r.Carrier), NormalizeTrackingNo(r.TrackingNo)
	r.BatchNo, r.Note = strings.TrimSpace(r.BatchNo), strings.TrimSpace(r.Note)
	for i := range r.Items {
		r.Items[i].SKU = strings.TrimSpace(r.Items[i].SKU)
	}
}

// Validate reports the first problem with a normalised reship of claim
// c: a known carrier, a tracking number, items among the claim's and at
// most as many.
func (r *ClaimReship) Validate(c *Claim) error {
	if err := validateWaybill(r.Carrier, r.TrackingNo); err != nil {
		return err
	}
	if r.BatchNo != "" && !codePattern.MatchString(r.BatchNo) {
		return Invalid("batch_no", "batch_no must be 1–64 letters, digits, dots, dashes or underscores")
	}
	if len([]rune(r.Note)) > MaxClaimReason {
		return Invalid("note", "备注最多 %d 字 / note must be at most %d characters", MaxClaimReason, MaxClaimReason)
	}
	claimed := make([]ShipmentItem, len(c.Items))
	for i, it := range c.Items {
		claimed[i] = ShipmentItem{SKU: it.SKU, Quantity: it.Quantity}
	}
	return CheckClaimItems(r.Items, claimed)
}

// ClaimRefund resolves a claim by a refund to the buyer.
type ClaimRefund struct {
	Amount Fen    `json:"amount"`
	Note   string `json:"note,omitempty"`
}

// ClaimFilter selects claims. Results come as the claims queue wants
// them: by carrier deadline, soonest first, then by the order's occasion,
// soonest first (orders without one last), then newest; paged by Cursor.
type ClaimFilter struct {
	Status        ClaimStatus        // "" for all
	CarrierStatus CarrierClaimStatus // "" for all
	Carrier       string             // "" for all
	OrderNo       string             // "" for all
	Cursor        string             // where the previous page ended; "" from the start
	Limit         int                // 1..MaxSearchLimit
}

// Validate reports the first problem with a filter.
func (f *ClaimFilter) Validate() error {
	if _, ok := claimMoves[f.Status]; f.Status != "" && !ok {
		return Invalid("status", "unknown claim status %s; one of %s", Quote(f.Status), claimStatusList())
	}
	if _, ok := carrierMoves[f.CarrierStatus]; f.CarrierStatus != "" && !ok {
		return Invalid("carrier_status", "unknown carrier claim status %s; one of %s", Quote(f.CarrierStatus), carrierStatusList())
	}
	if f.Carrier != "" && !isCarrier(f.Carrier) {
		return Invalid("carrier", "unknown carrier code %s", Quote(f.Carrier))
	}
	if f.Limit < 1 || f.Limit > MaxSearchLimit {
		return Invalid("limit", "limit must be between 1 and %d", MaxSearchLimit)
	}
	return nil
}

// ClaimPage is one page of claims.
type ClaimPage struct {
	Claims []*Claim `json:"claims"`
	Next   string   `json:"next,omitempty"` // the cursor of the next page; "" on the last
}

// ClaimService stores claims and their history. It is the contract the
// stores implement and the API and console call; no implementation exists
// yet. Every method works within one brand: another brand's order or
// claim is ENOTFOUND, never visible.
type ClaimService interface {
	// CreateClaim opens a claim on the parcel with c's carrier and tracking
	// number of order c.OrderNo; c must be normalised and valid, and the
	// caller has checked CanReport. It fills c's ID, status (reported),
	// carrier track (not_filed), times and the opened entry of the
	// history. ENOTFOUND if the brand has no such order or the order no
	// such parcel; EINVALID naming the item if the items are not in the
	// parcel (CheckClaimItems); ECONFLICT if the parcel already has an
	// open claim of the same type.
	CreateClaim(ctx context.Context, brandID int64, c *Claim) error

	// Claim returns a claim with its history. ENOTFOUND if the brand has
	// no such claim.
	Claim(ctx context.Context, brandID, id int64) (*Claim, error)

	// Claims returns a page of the brand's claims, without history.
	// EINVALID if f does not validate or its cursor is not one this method
	// made.
	Claims(ctx context.Context, brandID int64, f ClaimFilter) (*ClaimPage, error)

	// UpdateClaim applies an agent's patch (validated) in one transaction
	// and records each step in the history under actor: the customer-track
	// move (CheckClaimMove), a rejection as the resolution, the
	// carrier-track step (CarrierClaim.Advance), the note. ENOTFOUND if the
	// brand has no such claim; ECONFLICT for a move the track does not
	// allow; EINVALID for a carrier step missing what its status needs.
	// Nothing changes on any error.
	UpdateClaim(ctx context.Context, brandID, id int64, actor string, p ClaimPatch) (*Claim, error)

	// ReshipClaim resolves an open claim by a new parcel (补发) on the
	// claim's order carrying r's items, linked to the claim; r must be
	// normalised and valid for the claim. ENOTFOUND if the brand has no
	// such claim; ECONFLICT if the claim is not open or the tracking
	// number is already another parcel's; EINVALID if the items exceed
	// the claim's. Nothing changes on any error.
	ReshipClaim(ctx context.Context, brandID, id int64, actor string, r ClaimReship) (*Claim, *Shipment, error)

	// RefundClaim resolves an open claim by a refund, checked by
	// CheckRefund against the claimed items' value on the order.
	// ENOTFOUND if the brand has no such claim; ECONFLICT if the claim is
	// not open; EINVALID naming "amount".
	RefundClaim(ctx context.Context, brandID, id int64, actor string, r ClaimRefund) (*Claim, error)

	// ClaimHistory returns a claim's history, oldest first. ENOTFOUND if
	// the brand has no such claim.
	ClaimHistory(ctx context.Context, brandID, id int64) ([]ClaimEvent, error)

	// ClaimWindow returns a brand's claim settings, DefaultClaimWindow if
	// it has changed none.
	ClaimWindow(ctx context.Context, brandID int64) (ClaimWindow, error)

	// PutClaimWindow replaces a brand's claim settings; w must be valid.
	// Claims already open keep the deadline they opened with.
	PutClaimWindow(ctx context.Context, brandID int64, w ClaimWindow) error
}

// ClaimFiler files a claim with a carrier through the carrier's own API.
// No carrier publishes one today (reference/claims-and-analytics.md), so
// nothing implements this seam: agents file the evidence packet through
// the carrier's channel and record the answer with UpdateClaim. A carrier
// API, when one appears, plugs in here.
type ClaimFiler interface {
	// File submits the claim with its evidence packet (the ZIP an agent
	// would download) and returns the carrier's case number.
	File(ctx context.Context, c *Claim, packet io.Reader) (caseNo string, err error)
}
