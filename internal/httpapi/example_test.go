package httpapi_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/bottletrail/bottletrail/internal/httpapi"
	"github.com/bottletrail/bottletrail/internal/mock"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// ExampleNew asks for an order the brand does not have; the services here
// are fakes, where a real server is given a store.
func ExampleNew() {
	srv := httpapi.New(httpapi.Config{
		Brands: &mock.BrandService{
			BrandByAPIKeyFunc: func(_ context.Context, key string) (*trail.Brand, error) {
				if key != "bt_EXAMPLE" {
					return nil, trail.Errorf(trail.ENOTFOUND, "no brand")
				}
				return &trail.Brand{ID: 1, Slug: "plum-house"}, nil
			},
		},
		Orders: &mock.OrderService{
			OrderGraphFunc: func(_ context.Context, brandID int64, orderNo string) (*trail.OrderGraph, error) {
				return nil, trail.Errorf(trail.ENOTFOUND, "order %s not found", orderNo)
			},
		},
	})

	req := httptest.NewRequest("GET", "/api/v1/orders/WX404", nil)
	req.Header.Set("Authorization", "Bearer bt_EXAMPLE")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	fmt.Print(rec.Code, " ", rec.Body)
	// Output: 404 {"error":{"code":"not_found","message":"order WX404 not found"}}
}
