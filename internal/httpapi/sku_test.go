package httpapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/bottletrail/bottletrail/internal/trail"
)

func TestSKUPut(t *testing.T) {
	t.Parallel()
	const want = `{"sku":"PLUM-330","name":"青梅酒 330ml","fragile":true,"alcohol":true,
		"temperature_sensitive":true,"max_temp_c":30,"lead_time_days":{"min":5,"max":10}}`
	tests := []struct {
		name       string
		body       string
		created    bool
		wantStatus int
	}{
		{"new SKU", `{"name":"青梅酒 330ml","fragile":true,"alcohol":true,"temperature_sensitive":true,"max_temp_c":30,"lead_time_days":{"min":5,"max":10}}`, true, http.StatusCreated},
		{"replaced SKU", `{"name":"青梅酒 330ml","fragile":true,"alcohol":true,"temperature_sensitive":true,"max_temp_c":30,"lead_time_days":{"min":5,"max":10}}`, false, http.StatusOK},
		{"sku in body equal to path", `{"sku":"PLUM-330","name":"青梅酒 330ml","fragile":true,"alcohol":true,"temperature_sensitive":true,"max_temp_c":30,"lead_time_days":{"min":5,"max":10}}`, true, http.StatusCreated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			var got *trail.SKU
			b.catalog.PutSKUFunc = func(_ context.Context, brandID int64, s *trail.SKU) (bool, error) {
				if brandID != brandA {
					t.Errorf("PutSKU brand: got %d, want %d", brandID, brandA)
				}
				got = s
				return tt.created, nil
			}
			rec := b.do(t, "PUT", "/api/v1/skus/PLUM-330", keyA, tt.body)
			mustStatus(t, rec, tt.wantStatus)
			mustJSONEqual(t, rec.Body.Bytes(), want)
			if got == nil || got.Code != "PLUM-330" || got.MaxTempC == nil || *got.MaxTempC != 30 {
				t.Errorf("PutSKU got %+v, want code PLUM-330 with max_temp_c 30", got)
			}
		})
	}
}
