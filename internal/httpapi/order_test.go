package httpapi_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// orderBody is a valid order as a shop sends it: phone numbers and the
// province are not yet in canonical form.
const orderBody = `{
  "order_no": "WX20261125001",
  "customer": {"name": " 王小明 ", "phone": "+86 139-1234-5678"},
  "recipient": {"name": "陈美玲", "phone": "13800001111"},
  "address": {"province": "浙江", "city": "杭州市", "district": "西湖区", "detail": "文三路188号"},
  "occasion": {"kind": "wedding", "date": "2026-12-20"},
  "promised_ship_by": "2026-12-05",
  "items": [
    {"sku": "PLUM-330", "quantity": 12, "customization": "囍 张三&李四", "batch_no": "B20261125-01", "unit_price": 88.00},
    {"sku": "RICE-500", "quantity": 6, "batch_no": "B20261125-02"}
  ]
}`

func TestOrderCreate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		created    bool
		wantStatus int
	}{
		{"new order", true, http.StatusCreated},
		{"replay of the same order", false, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			var stored *trail.Order
			b.orders.CreateOrderFunc = func(_ context.Context, brandID int64, o *trail.Order) (bool, error) {
				if brandID != brandA {
					t.Errorf("CreateOrder brand: got %d, want %d", brandID, brandA)
				}
				stored = o
				return tt.created, nil
			}
			b.orders.OrderGraphFunc = func(_ context.Context, brandID int64, orderNo string) (*trail.OrderGraph, error) {
				if brandID != brandA || orderNo != "WX20261125001" {
					t.Errorf("OrderGraph: got brand %d order %q, want %d %q", brandID, orderNo, brandA, "WX20261125001")
				}
				return orderGraphFixture(), nil
			}
			rec := b.do(t, "POST", "/api/v1/orders", keyA, orderBody)
			mustStatus(t, rec, tt.wantStatus)
			mustJSONEqual(t, rec.Body.Bytes(), orderGraphJSON)

			if stored == nil {
				t.Fatal("CreateOrder not called")
			}
			if got, want := stored.Customer, (trail.Contact{Name: "王小明", Phone: "13912345678"}); got != want {
				t.Errorf("customer: got %+v, want %+v (normalised)", got, want)
			}
			if got, want := stored.Address.Province+" "+stored.Address.ProvinceCode, "浙江省 330000"; got != want {
				t.Errorf("province: got %q, want %q", got, want)
			}
			if got := stored.Items[0].UnitPrice; got == nil || *got != 8800 {
				t.Errorf("unit price: got %v, want 8800 fen", got)
			}
		})
	}
}

func TestOrderCreateIgnoresClientProvinceCode(t *testing.T) {
	t.Parallel()
	b := setup(t)
	body := strings.Replace(orderBody, `"province": "浙江"`, `"province": "亚特兰蒂斯", "province_code": "330000"`, 1)
	rec := b.do(t, "POST", "/api/v1/orders", keyA, body)
	mustStatus(t, rec, http.StatusUnprocessableEntity)
	if e := mustError(t, rec); e.Field != "address.province" {
		t.Errorf("field: got %q, want %q", e.Field, "address.province")
	}
}

func TestOrderView(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var gotBrands []int64
	b.orders.OrderGraphFunc = func(_ context.Context, brandID int64, orderNo string) (*trail.OrderGraph, error) {
		gotBrands = append(gotBrands, brandID)
		if brandID != brandB || orderNo != "WX20261125001" {
			return nil, trail.Errorf(trail.ENOTFOUND, "no order %s", orderNo)
		}
		return orderGraphFixture(), nil
	}

	rec := b.do(t, "GET", "/api/v1/orders/WX20261125001", keyB, "")
	mustStatus(t, rec, http.StatusOK)
	mustJSONEqual(t, rec.Body.Bytes(), orderGraphJSON)

	tests := []struct {
		name, key, orderNo string
		wantBrand          int64
	}{
		{"unknown order", keyB, "WX404", brandB},
		{"another brand's order", keyA, "WX20261125001", brandA},
	}
	for _, tt := range tests {
		gotBrands = nil
		rec := b.do(t, "GET", "/api/v1/orders/"+tt.orderNo, tt.key, "")
		mustStatus(t, rec, http.StatusNotFound)
		if e := mustError(t, rec); e.Code != trail.ENOTFOUND {
			t.Errorf("%s: code: got %q, want %q", tt.name, e.Code, trail.ENOTFOUND)
		}
		if len(gotBrands) != 1 || gotBrands[0] != tt.wantBrand {
			t.Errorf("%s: OrderGraph brands: got %v, want [%d] (the authenticated brand)", tt.name, gotBrands, tt.wantBrand)
		}
	}
}

func TestOrderGraphHidesPersonalData(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.orders.CreateOrderFunc = func(context.Context, int64, *trail.Order) (bool, error) { return true, nil }
	b.orders.OrderGraphFunc = func(context.Context, int64, string) (*trail.OrderGraph, error) {
		return orderGraphFixture(), nil
	}
	for _, rec := range []struct {
		name string
		body string
	}{
		{"GET order", b.do(t, "GET", "/api/v1/orders/WX20261125001", keyA, "").Body.String()},
		{"POST order", b.do(t, "POST", "/api/v1/orders", keyA, orderBody).Body.String()},
	} {
		for _, secret := range []string{customerName, customerPhone, recipientName, recipientPhone, streetDetail, "文三路", "1391234", "1380000"} {
			if strings.Contains(rec.body, secret) {
				t.Errorf("%s: answer contains %q: %s", rec.name, secret, rec.body)
			}
		}
		if strings.Contains(rec.body, `"detail"`) {
			t.Errorf("%s: answer has an address detail field: %s", rec.name, rec.body)
		}
	}
}

func TestOrderCreateReadBackFails(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.orders.CreateOrderFunc = func(context.Context, int64, *trail.Order) (bool, error) { return true, nil }
	b.orders.OrderGraphFunc = func(context.Context, int64, string) (*trail.OrderGraph, error) {
		return nil, errors.New("database is locked")
	}
	rec := b.do(t, "POST", "/api/v1/orders", keyA, orderBody)
	mustStatus(t, rec, http.StatusInternalServerError)
	if !strings.Contains(b.logs.String(), "read order WX20261125001 after creating it: database is locked") {
		t.Errorf("logs lack the wrapped error: %s", b.logs)
	}
}
