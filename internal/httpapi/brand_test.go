package httpapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/bottletrail/bottletrail/internal/trail"
)

func TestServiceContact(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var stored *trail.ServiceContact
	b.brands.PutServiceContactFunc = func(_ context.Context, brandID int64, c trail.ServiceContact) error {
		if brandID != brandA {
			t.Errorf("PutServiceContact brand: got %d, want %d", brandID, brandA)
		}
		stored = &c
		return nil
	}
	rec := b.do(t, "PUT", "/api/v1/service-contact", keyA, `{"phone":" 400-820-1234 ","wechat":"meizi_kefu","hours":"每天 9:00–21:00"}`)
	mustStatus(t, rec, http.StatusOK)
	mustJSONEqual(t, rec.Body.Bytes(), `{"phone":"400-820-1234","wechat":"meizi_kefu","hours":"每天 9:00–21:00"}`)
	if stored == nil || *stored != (trail.ServiceContact{Phone: "400-820-1234", WeChat: "meizi_kefu", Hours: "每天 9:00–21:00"}) {
		t.Fatalf("stored: got %+v", stored)
	}

	// A bad WeChat ID is refused naming the field, and nothing is stored.
	stored = nil
	rec = b.do(t, "PUT", "/api/v1/service-contact", keyA, `{"phone":"400-820-1234","wechat":"1bad"}`)
	mustStatus(t, rec, http.StatusUnprocessableEntity)
	if e := mustError(t, rec); e.Code != trail.EINVALID || e.Field != "wechat" {
		t.Errorf("error: got %+v", e)
	}
	if stored != nil {
		t.Errorf("stored a bad contact: %+v", stored)
	}

	b.brands.BrandByAPIKeyFunc = func(context.Context, string) (*trail.Brand, error) {
		return &trail.Brand{ID: brandA, Slug: "plum-house", Service: trail.ServiceContact{Phone: "400-820-1234"}}, nil
	}
	rec = b.do(t, "GET", "/api/v1/service-contact", keyA, "")
	mustStatus(t, rec, http.StatusOK)
	mustJSONEqual(t, rec.Body.Bytes(), `{"phone":"400-820-1234","wechat":"","hours":""}`)
}
