package httpapi

import (
	"net/http"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// batchRequest is the body of POST /api/v1/batches.
type batchRequest struct {
	BatchNo string                     `json:"batch_no"`
	SKU     string                     `json:"sku"`
	Plan    map[trail.Stage]trail.Date `json:"plan"`
}

// batchResponse is a production batch with the progress of each stage.
type batchResponse struct {
	BatchNo string          `json:"batch_no"`
	SKU     string          `json:"sku"`
	Started bool            `json:"started"`
	Done    bool            `json:"done"`
	Stages  []stageResponse `json:"stages"`
}

// stageResponse is one stage of a batch: its plan and what happened.
type stageResponse struct {
	Stage       trail.Stage `json:"stage"`
	Name        string      `json:"name"`
	Planned     *trail.Date `json:"planned,omitempty"`
	StartedAt   string      `json:"started_at,omitempty"`
	CompletedAt string      `json:"completed_at,omitempty"`
	DelayedAt   string      `json:"delayed_at,omitempty"`
	DelayReason string      `json:"delay_reason,omitempty"`
	DelayText   string      `json:"delay_text,omitempty"`
}

func newBatchResponse(b *trail.Batch) batchResponse {
	progress := b.Progress()
	resp := batchResponse{
		BatchNo: b.BatchNo,
		SKU:     b.SKU,
		Started: b.Started(),
		Done:    b.Done(),
		Stages:  make([]stageResponse, len(progress)),
	}
	for i, p := range progress {
		resp.Stages[i] = stageResponse{
			Stage:       p.Stage,
			Name:        trail.StageNames[p.Stage],
			Planned:     p.Planned,
			StartedAt:   formatTimePtr(p.StartedAt),
			CompletedAt: formatTimePtr(p.CompletedAt),
			DelayedAt:   formatTimePtr(p.DelayedAt),
			DelayReason: p.DelayReason,
			DelayText:   p.DelayText(),
		}
	}
	return resp
}

// handleBatchCreate stores a production plan, idempotently on its batch_no:
// 201 when new, 200 when the same plan was stored before, 409 otherwise.
func (s *Server) handleBatchCreate(w http.ResponseWriter, r *http.Request) error {
	var req batchRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	b := &trail.Batch{BatchNo: req.BatchNo, SKU: req.SKU, Plan: req.Plan}
	if err := b.Validate(); err != nil {
		return err
	}
	created, err := s.production.CreateBatch(r.Context(), brandID(r), b)
	if err != nil {
		return err
	}
	return writeJSON(w, createdStatus(created), newBatchResponse(b))
}

// handleBatchEvent records progress on one stage of a batch and answers the
// batch with all its progress.
func (s *Server) handleBatchEvent(w http.ResponseWriter, r *http.Request) error {
	var e trail.BatchEvent
	if err := decodeJSON(w, r, &e); err != nil {
		return err
	}
	e.Normalize()
	if err := e.Validate(); err != nil {
		return err
	}
	b, err := s.production.RecordBatchEvent(r.Context(), brandID(r), r.PathValue("batch_no"), e)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newBatchResponse(b))
}
