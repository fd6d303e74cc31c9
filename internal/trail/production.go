package trail

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Stage is a step of production. Stages run in the order of Stages; a SKU
// may skip some (a cocktail is blended, not brewed).
type Stage string

// Production stages.
const (
	StageScheduled   Stage = "scheduled"
	StageIngredients Stage = "ingredients"
	StageBrewing     Stage = "brewing"
	StageFilling     Stage = "filling"
	StagePackaging   Stage = "packaging"
	StageQC          Stage = "qc"
	StageWarehoused  Stage = "warehoused"
	StageReady       Stage = "ready"
)

// Stages lists every stage in production order.
var Stages = []Stage{StageScheduled, StageIngredients, StageBrewing, StageFilling, StagePackaging, StageQC, StageWarehoused, StageReady}

// StageNames are the Chinese names shown to people.
var StageNames = map[Stage]string{
	StageScheduled:   "排产",
	StageIngredients: "备料",
	StageBrewing:     "酿造/调配",
	StageFilling:     "灌装",
	StagePackaging:   "定制包装",
	StageQC:          "质检",
	StageWarehoused:  "入库",
	StageReady:       "待发货",
}

func (s Stage) index() int {
	for i, v := range Stages {
		if v == s {
			return i
		}
	}
	return -1
}

// Batch is a production batch: the plan for making one SKU and what has
// actually happened.
type Batch struct {
	ID        int64
	BatchNo   string
	SKU       string
	Plan      map[Stage]Date // planned completion of each stage (end of that day, China time)
	Events    []BatchEvent   // in the order they happened
	CreatedAt time.Time
}

// Stage event states.
const (
	StateStarted   = "started"
	StateCompleted = "completed"
	StateDelayed   = "delayed"
)

// BatchEvent is a report of progress on one stage of a batch.
type BatchEvent struct {
	Stage  Stage     `json:"stage"`
	State  string    `json:"state"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason,omitempty"`
}

// Validate reports the first problem with a new batch.
func (b *Batch) Validate() error {
	if !codePattern.MatchString(b.BatchNo) {
		return Invalid("batch_no", "batch_no must be 1–64 letters, digits, dots, dashes or underscores")
	}
	if !codePattern.MatchString(b.SKU) {
		return Invalid("sku", "sku is missing or malformed")
	}
	if len(b.Plan) == 0 {
		return Invalid("plan", "a plan needs at least one stage with its planned completion date")
	}
	var last Date
	var lastStage Stage
	for _, st := range Stages {
		d, ok := b.Plan[st]
		if !ok {
			continue
		}
		if st == StageScheduled {
			return Invalid("plan.scheduled", "scheduled is the creation of the plan itself and takes no date")
		}
		if _, err := ParseDate(string(d)); err != nil {
			return Invalid("plan."+string(st), "%v", err)
		}
		if d < last {
			return Invalid("plan."+string(st), "%s is planned for %s, before %s (%s)", st, d, lastStage, last)
		}
		last, lastStage = d, st
	}
	for st := range b.Plan {
		if st.index() < 0 {
			return Invalid("plan."+Clip(st), "unknown stage %s (stages: %s)", Quote(st), stageList())
		}
	}
	return nil
}

func stageList() string {
	names := make([]string, len(Stages))
	for i, s := range Stages {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

// Normalize trims the event's text and puts its time in UTC.
func (e *BatchEvent) Normalize() {
	e.Reason = strings.TrimSpace(e.Reason)
	e.At = e.At.UTC()
}

// Validate reports the first problem with a stage event.
func (e *BatchEvent) Validate() error {
	if idx := e.Stage.index(); idx <= 0 {
		return Invalid("stage", "unknown stage %s (stages after scheduled: %s)", Quote(e.Stage), stageList())
	}
	switch e.State {
	case StateStarted, StateCompleted:
	case StateDelayed:
		if e.Reason == "" {
			return Invalid("reason", "a delay needs a reason the customer can read")
		}
	default:
		return Invalid("state", "state must be started, completed or delayed")
	}
	if e.At.IsZero() {
		return Invalid("at", "at is required (RFC 3339 time)")
	}
	if len([]rune(e.Reason)) > 200 {
		return Invalid("reason", "reason must be at most 200 characters")
	}
	return nil
}

// StageProgress is the derived state of one stage of a batch.
type StageProgress struct {
	Stage       Stage
	Planned     *Date // planned completion, nil if the stage was not planned
	StartedAt   *time.Time
	CompletedAt *time.Time
	DelayedAt   *time.Time
	DelayReason string
}

// Progress returns each planned or reported stage in production order,
// with what the events say of it.
func (b *Batch) Progress() []StageProgress {
	var out []StageProgress
	for _, st := range Stages[1:] {
		p := StageProgress{Stage: st}
		if d, ok := b.Plan[st]; ok {
			p.Planned = &d
		}
		for _, e := range b.Events {
			if e.Stage != st {
				continue
			}
			at := e.At
			switch e.State {
			case StateStarted:
				if p.StartedAt == nil {
					p.StartedAt = &at
				}
			case StateCompleted:
				p.CompletedAt = &at
			case StateDelayed:
				p.DelayedAt, p.DelayReason = &at, e.Reason
			}
		}
		if p.Planned != nil || p.StartedAt != nil || p.CompletedAt != nil || p.DelayedAt != nil {
			out = append(out, p)
		}
	}
	return out
}

// Started reports whether any stage has been reported on.
func (b *Batch) Started() bool { return len(b.Events) > 0 }

// Done reports whether production is finished: the ready stage, or every
// planned stage, is completed. Goods leave only finished: a parcel that
// carries items of a batch not done records the batch's ready stage as
// completed (ShippedEvent), so that status, pages and alerts agree that
// nothing of it is still being made.
func (b *Batch) Done() bool {
	progress := b.Progress()
	if len(progress) == 0 {
		return false
	}
	for _, p := range progress {
		if p.Stage == StageReady && p.CompletedAt != nil {
			return true
		}
	}
	for _, p := range progress {
		if p.Planned != nil && p.CompletedAt == nil {
			return false
		}
	}
	return true
}

// Late reports whether stage p of the batch is overdue at now: planned,
// its planned day over, not completed, and the batch not done. A done
// batch has no overdue stage: the stages before its ready stage are behind
// it, reported or not.
func (b *Batch) Late(p StageProgress, now time.Time) bool {
	return p.Planned != nil && p.CompletedAt == nil && !now.Before(p.Planned.End()) && !b.Done()
}

// ShippedEvent is the event a parcel records on a batch that is not done
// when it carries items of it: the ready stage completed at the parcel's
// creation, the reason naming the parcel ("随包裹 中通快递 ZT123 发出").
func ShippedEvent(s *Shipment) BatchEvent {
	return BatchEvent{Stage: StageReady, State: StateCompleted, At: s.CreatedAt.UTC(), Reason: "随包裹 " + parcelName(s) + " 发出"}
}

// DelayText explains a delay in plain Chinese: "灌装环节延迟：原料到货晚 2 天".
func (p StageProgress) DelayText() string {
	if p.DelayReason == "" {
		return ""
	}
	return fmt.Sprintf("%s环节延迟：%s", StageNames[p.Stage], p.DelayReason)
}

// ProductionService stores production batches and their progress.
type ProductionService interface {
	// CreateBatch stores a new batch plan; b must be valid. It is idempotent
	// on batch_no: the same plan again returns created=false, a different one
	// is ECONFLICT. EINVALID if the SKU is not in the catalogue or an order
	// item already names this batch for another SKU.
	CreateBatch(ctx context.Context, brandID int64, b *Batch) (created bool, err error)

	// RecordBatchEvent stores a stage event (a repeat of the same event is
	// stored once) and returns the batch with all its events. ENOTFOUND if
	// the brand has no such batch.
	RecordBatchEvent(ctx context.Context, brandID int64, batchNo string, e BatchEvent) (*Batch, error)
}
