package httpapi_test

import (
	"context"
	"maps"
	"net/http"
	"testing"

	"github.com/bottletrail/bottletrail/internal/trail"
)

const batchBody = `{"batch_no":"B20261125-01","sku":"PLUM-330","plan":{"ingredients":"2026-11-26","brewing":"2026-11-27",
	"filling":"2026-11-29","packaging":"2026-11-30","qc":"2026-12-01","warehoused":"2026-12-01","ready":"2026-12-02"}}`

func TestBatchCreate(t *testing.T) {
	t.Parallel()
	wantPlan := map[trail.Stage]trail.Date{
		"ingredients": "2026-11-26", "brewing": "2026-11-27", "filling": "2026-11-29", "packaging": "2026-11-30",
		"qc": "2026-12-01", "warehoused": "2026-12-01", "ready": "2026-12-02",
	}
	const want = `{"batch_no":"B20261125-01","sku":"PLUM-330","started":false,"done":false,"stages":[
		{"stage":"ingredients","name":"备料","planned":"2026-11-26"},
		{"stage":"brewing","name":"酿造/调配","planned":"2026-11-27"},
		{"stage":"filling","name":"灌装","planned":"2026-11-29"},
		{"stage":"packaging","name":"定制包装","planned":"2026-11-30"},
		{"stage":"qc","name":"质检","planned":"2026-12-01"},
		{"stage":"warehoused","name":"入库","planned":"2026-12-01"},
		{"stage":"ready","name":"待发货","planned":"2026-12-02"}]}`
	tests := []struct {
		name       string
		created    bool
		wantStatus int
	}{
		{"new batch", true, http.StatusCreated},
		{"replay of the same plan", false, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.production.CreateBatchFunc = func(_ context.Context, brandID int64, got *trail.Batch) (bool, error) {
				if brandID != brandA {
					t.Errorf("CreateBatch brand: got %d, want %d", brandID, brandA)
				}
				if got.BatchNo != "B20261125-01" || got.SKU != "PLUM-330" || !maps.Equal(got.Plan, wantPlan) {
					t.Errorf("CreateBatch got %+v, want the plan of the body", got)
				}
				return tt.created, nil
			}
			rec := b.do(t, "POST", "/api/v1/batches", keyA, batchBody)
			mustStatus(t, rec, tt.wantStatus)
			mustJSONEqual(t, rec.Body.Bytes(), want)
		})
	}
}

func TestBatchEvent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.production.RecordBatchEventFunc = func(_ context.Context, brandID int64, batchNo string, e trail.BatchEvent) (*trail.Batch, error) {
		if brandID != brandA || batchNo != "B20261125-01" {
			t.Errorf("RecordBatchEvent: got brand %d batch %q, want %d %q", brandID, batchNo, brandA, "B20261125-01")
		}
		want := trail.BatchEvent{Stage: trail.StageFilling, State: trail.StateDelayed, At: utc("2026-11-29T02:00:00Z"), Reason: "原料到货晚 2 天"}
		if e != want {
			t.Errorf("event: got %+v, want %+v in UTC", e, want)
		}
		return &trail.Batch{
			BatchNo: batchNo, SKU: "PLUM-330",
			Plan:   map[trail.Stage]trail.Date{trail.StageFilling: "2026-11-29"},
			Events: []trail.BatchEvent{e},
		}, nil
	}
	rec := b.do(t, "POST", "/api/v1/batches/B20261125-01/events", keyA,
		`{"stage":"filling","state":"delayed","at":"2026-11-29T10:00:00+08:00","reason":" 原料到货晚 2 天 "}`)
	mustStatus(t, rec, http.StatusOK)
	mustJSONEqual(t, rec.Body.Bytes(), `{"batch_no":"B20261125-01","sku":"PLUM-330","started":true,"done":false,"stages":[
		{"stage":"filling","name":"灌装","planned":"2026-11-29","delayed_at":"2026-11-29T10:00:00+08:00",
		 "delay_reason":"原料到货晚 2 天","delay_text":"灌装环节延迟：原料到货晚 2 天"}]}`)
}
