package trail_test

import (
	"strings"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// validBatch is a cocktail batch: blended, not brewed, so brewing is skipped.
func validBatch() *trail.Batch {
	return &trail.Batch{
		BatchNo: "B-2026.12-01",
		SKU:     "MOJITO-330",
		Plan: map[trail.Stage]trail.Date{
			trail.StageIngredients: "2026-12-01",
			trail.StageFilling:     "2026-12-03",
			trail.StagePackaging:   "2026-12-03",
			trail.StageQC:          "2026-12-04",
			trail.StageReady:       "2026-12-05",
		},
	}
}

func TestBatchValidate(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name   string
		change func(b *trail.Batch)
		field  string
	}{
		{"valid, with skipped stages and two stages on one day", func(b *trail.Batch) {}, ""},
		{"one stage only", func(b *trail.Batch) { b.Plan = map[trail.Stage]trail.Date{trail.StageReady: "2026-12-05"} }, ""},
		{"every stage after scheduled", func(b *trail.Batch) {
			b.Plan = map[trail.Stage]trail.Date{}
			for i, st := range trail.Stages[1:] {
				b.Plan[st] = trail.Date(time.Date(2026, 12, 1+i, 0, 0, 0, 0, time.UTC).Format(time.DateOnly))
			}
		}, ""},
		{"batch_no missing", func(b *trail.Batch) { b.BatchNo = "" }, "batch_no"},
		{"batch_no with a space", func(b *trail.Batch) { b.BatchNo = "B 1" }, "batch_no"},
		{"sku missing", func(b *trail.Batch) { b.SKU = "" }, "sku"},
		{"nil plan", func(b *trail.Batch) { b.Plan = nil }, "plan"},
		{"empty plan", func(b *trail.Batch) { b.Plan = map[trail.Stage]trail.Date{} }, "plan"},
		{"scheduled in the plan", func(b *trail.Batch) { b.Plan[trail.StageScheduled] = "2026-11-30" }, "plan.scheduled"},
		{"unknown stage", func(b *trail.Batch) { b.Plan["bottling"] = "2026-12-02" }, "plan.bottling"},
		{"stage in the wrong case", func(b *trail.Batch) { b.Plan["QC"] = "2026-12-04" }, "plan.QC"},
		{"dates going backwards", func(b *trail.Batch) { b.Plan[trail.StagePackaging] = "2026-12-02" }, "plan.packaging"},
		{"last stage before the first", func(b *trail.Batch) { b.Plan[trail.StageReady] = "2026-11-30" }, "plan.ready"},
		{"impossible date", func(b *trail.Batch) { b.Plan[trail.StageFilling] = "2026-02-30" }, "plan.filling"},
		{"date without leading zeros", func(b *trail.Batch) { b.Plan[trail.StageQC] = "2026-12-4" }, "plan.qc"},
		{"empty date", func(b *trail.Batch) { b.Plan[trail.StageIngredients] = "" }, "plan.ingredients"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := validBatch()
			tt.change(b)
			checkInvalid(t, b.Validate(), tt.field)
		})
	}
}

func TestBatchEventValidate(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name  string
		event trail.BatchEvent
		field string
	}{
		{"started", trail.BatchEvent{Stage: trail.StageFilling, State: trail.StateStarted, At: at(0)}, ""},
		{"completed", trail.BatchEvent{Stage: trail.StageReady, State: trail.StateCompleted, At: at(0)}, ""},
		{"delayed with a reason", trail.BatchEvent{Stage: trail.StageFilling, State: trail.StateDelayed, At: at(0), Reason: "原料到货晚 2 天"}, ""},
		{"delayed without a reason", trail.BatchEvent{Stage: trail.StageFilling, State: trail.StateDelayed, At: at(0)}, "reason"},
		{"delayed with only spaces", trail.BatchEvent{Stage: trail.StageFilling, State: trail.StateDelayed, At: at(0), Reason: "  \t "}, "reason"},
		{"reason of 200 runes", trail.BatchEvent{Stage: trail.StageQC, State: trail.StateDelayed, At: at(0), Reason: strings.Repeat("晚", 200)}, ""},
		{"reason of 201 runes", trail.BatchEvent{Stage: trail.StageQC, State: trail.StateDelayed, At: at(0), Reason: strings.Repeat("晚", 201)}, "reason"},
		{"unknown state", trail.BatchEvent{Stage: trail.StageFilling, State: "paused", At: at(0)}, "state"},
		{"no state", trail.BatchEvent{Stage: trail.StageFilling, At: at(0)}, "state"},
		{"stage scheduled", trail.BatchEvent{Stage: trail.StageScheduled, State: trail.StateCompleted, At: at(0)}, "stage"},
		{"unknown stage", trail.BatchEvent{Stage: "bottling", State: trail.StateStarted, At: at(0)}, "stage"},
		{"no stage", trail.BatchEvent{State: trail.StateStarted, At: at(0)}, "stage"},
		{"zero time", trail.BatchEvent{Stage: trail.StageFilling, State: trail.StateStarted}, "at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := tt.event
			e.Normalize()
			checkInvalid(t, e.Validate(), tt.field)
		})
	}

	t.Run("normalize", func(t *testing.T) {
		t.Parallel()
		e := trail.BatchEvent{Reason: "  原料到货晚 2 天\n", At: MustParseTime(t, "2026-12-01T09:00:00+08:00")}
		e.Normalize()
		if e.Reason != "原料到货晚 2 天" {
			t.Errorf("Reason: got %q, want %q", e.Reason, "原料到货晚 2 天")
		}
		if e.At.Location() != time.UTC || !e.At.Equal(MustParseTime(t, "2026-12-01T01:00:00Z")) {
			t.Errorf("At: got %v, want 2026-12-01T01:00:00Z in UTC", e.At)
		}
	})
}

func TestBatchProgress(t *testing.T) {
	t.Parallel()

	b := validBatch()
	b.Events = []trail.BatchEvent{
		{Stage: trail.StageIngredients, State: trail.StateStarted, At: at(0)},
		{Stage: trail.StageIngredients, State: trail.StateCompleted, At: at(60)},
		{Stage: trail.StageFilling, State: trail.StateStarted, At: at(120)},
		{Stage: trail.StageFilling, State: trail.StateDelayed, At: at(130), Reason: "瓶子破损"},
		{Stage: trail.StageFilling, State: trail.StateDelayed, At: at(140), Reason: "原料到货晚 2 天"},
		{Stage: trail.StageFilling, State: trail.StateStarted, At: at(3000)}, // restarted: the first start stays
		{Stage: trail.StageBrewing, State: trail.StateStarted, At: at(10)},   // reported although not planned
	}
	got := b.Progress()

	type row struct {
		stage                     trail.Stage
		planned                   string
		started, completed, delay *time.Time
		reason                    string
	}
	want := []row{
		{stage: trail.StageIngredients, planned: "2026-12-01", started: ptrAt(0), completed: ptrAt(60)},
		{stage: trail.StageBrewing, started: ptrAt(10)},
		{stage: trail.StageFilling, planned: "2026-12-03", started: ptrAt(120), delay: ptrAt(140), reason: "原料到货晚 2 天"},
		{stage: trail.StagePackaging, planned: "2026-12-03"},
		{stage: trail.StageQC, planned: "2026-12-04"},
		{stage: trail.StageReady, planned: "2026-12-05"},
	}
	if len(got) != len(want) {
		var stages []trail.Stage
		for _, p := range got {
			stages = append(stages, p.Stage)
		}
		t.Fatalf("Progress stages: got %v, want %d stages in production order", stages, len(want))
	}
	for i, w := range want {
		p := got[i]
		if p.Stage != w.stage {
			t.Errorf("[%d].Stage: got %q, want %q", i, p.Stage, w.stage)
		}
		planned := ""
		if p.Planned != nil {
			planned = string(*p.Planned)
		}
		if planned != w.planned {
			t.Errorf("[%d] %s Planned: got %q, want %q", i, w.stage, planned, w.planned)
		}
		if !sameTime(p.StartedAt, w.started) {
			t.Errorf("[%d] %s StartedAt: got %s, want %s", i, w.stage, fmtTime(p.StartedAt), fmtTime(w.started))
		}
		if !sameTime(p.CompletedAt, w.completed) {
			t.Errorf("[%d] %s CompletedAt: got %s, want %s", i, w.stage, fmtTime(p.CompletedAt), fmtTime(w.completed))
		}
		if !sameTime(p.DelayedAt, w.delay) {
			t.Errorf("[%d] %s DelayedAt: got %s, want %s", i, w.stage, fmtTime(p.DelayedAt), fmtTime(w.delay))
		}
		if p.DelayReason != w.reason {
			t.Errorf("[%d] %s DelayReason: got %q, want %q", i, w.stage, p.DelayReason, w.reason)
		}
	}
	if got, want := got[2].DelayText(), "灌装环节延迟：原料到货晚 2 天"; got != want {
		t.Errorf("filling DelayText: got %q, want %q", got, want)
	}
	if got := got[0].DelayText(); got != "" {
		t.Errorf("ingredients DelayText: got %q, want \"\"", got)
	}

	t.Run("a batch with no plan and no events has no progress", func(t *testing.T) {
		t.Parallel()
		if got := (&trail.Batch{}).Progress(); len(got) != 0 {
			t.Errorf("Progress: got %d stages, want none", len(got))
		}
	})
}

func TestStageProgressDelayText(t *testing.T) {
	t.Parallel()

	tests := []struct {
		stage  trail.Stage
		reason string
		want   string
	}{
		{trail.StageFilling, "原料到货晚 2 天", "灌装环节延迟：原料到货晚 2 天"},
		{trail.StagePackaging, "定制标签返工", "定制包装环节延迟：定制标签返工"},
		{trail.StageBrewing, "发酵温度偏低", "酿造/调配环节延迟：发酵温度偏低"},
		{trail.StageQC, "", ""},
	}
	for _, tt := range tests {
		p := trail.StageProgress{Stage: tt.stage, DelayReason: tt.reason}
		if got := p.DelayText(); got != tt.want {
			t.Errorf("DelayText(%s, %q): got %q, want %q", tt.stage, tt.reason, got, tt.want)
		}
	}
	for _, st := range trail.Stages {
		if trail.StageNames[st] == "" {
			t.Errorf("StageNames[%q]: got \"\", want a Chinese name", st)
		}
	}
}

func TestBatchDone(t *testing.T) {
	t.Parallel()

	ev := func(st trail.Stage, state string) trail.BatchEvent {
		e := trail.BatchEvent{Stage: st, State: state, At: at(len(st))}
		if state == trail.StateDelayed {
			e.Reason = "原料到货晚 2 天"
		}
		return e
	}
	completed := func(stages ...trail.Stage) []trail.BatchEvent {
		var out []trail.BatchEvent
		for _, st := range stages {
			out = append(out, ev(st, trail.StateStarted), ev(st, trail.StateCompleted))
		}
		return out
	}
	plan := func(stages ...trail.Stage) map[trail.Stage]trail.Date {
		m := map[trail.Stage]trail.Date{}
		for _, st := range stages {
			m[st] = "2026-12-05"
		}
		return m
	}
	const (
		ingredients = trail.StageIngredients
		brewing     = trail.StageBrewing
		filling     = trail.StageFilling
		packaging   = trail.StagePackaging
		qc          = trail.StageQC
		ready       = trail.StageReady
	)

	tests := []struct {
		name        string
		plan        map[trail.Stage]trail.Date
		events      []trail.BatchEvent
		done, start bool
	}{
		{name: "nothing", done: false, start: false},
		{name: "planned, not started", plan: plan(filling, packaging), done: false, start: false},
		{name: "first stage started", plan: plan(filling, packaging), events: []trail.BatchEvent{ev(filling, trail.StateStarted)}, done: false, start: true},
		{name: "one planned stage left", plan: plan(filling, packaging), events: completed(filling), done: false, start: true},
		{name: "every planned stage completed", plan: plan(filling, packaging), events: completed(filling, packaging), done: true, start: true},
		{
			name: "every planned stage completed, skipped stages need nothing",
			plan: plan(ingredients, filling, qc), events: completed(ingredients, filling, qc), done: true, start: true,
		},
		{
			name: "a delay then completion",
			plan: plan(filling), events: append([]trail.BatchEvent{ev(filling, trail.StateDelayed)}, completed(filling)...),
			done: true, start: true,
		},
		{
			name: "delayed, not completed",
			plan: plan(filling), events: []trail.BatchEvent{ev(filling, trail.StateStarted), ev(filling, trail.StateDelayed)},
			done: false, start: true,
		},
		{
			name: "completed stages outside the plan do not stand in for a planned one",
			plan: plan(filling, packaging), events: completed(filling, brewing, qc), done: false, start: true,
		},
		{
			name: "ready completed ends production even with planned stages unreported",
			plan: plan(ingredients, filling, packaging, ready), events: completed(ready), done: true, start: true,
		},
		{
			name: "ready completed without ready in the plan",
			plan: plan(filling, packaging), events: completed(ready), done: true, start: true,
		},
		{
			name: "ready only started",
			plan: plan(filling, ready), events: append(completed(filling), ev(ready, trail.StateStarted)), done: false, start: true,
		},
		{
			name: "ready planned: every other stage completed is not enough",
			plan: plan(filling, packaging, ready), events: completed(filling, packaging), done: false, start: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := &trail.Batch{BatchNo: "B1", SKU: "S", Plan: tt.plan, Events: tt.events}
			if got := b.Done(); got != tt.done {
				t.Errorf("Done: got %v, want %v", got, tt.done)
			}
			if got := b.Started(); got != tt.start {
				t.Errorf("Started: got %v, want %v", got, tt.start)
			}
		})
	}
}
