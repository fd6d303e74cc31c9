package httpapi_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// Credential values of the fixtures, which no answer may show.
const (
	secretCustomer    = "CUSTOMER-7F3A9C"
	secretKey         = "KEY-Q8W2E4R6T"
	secretSalt        = "SALT-Z1X3C5V7"
	secretEBusinessID = "EBID-1234567"
	secretAppKey      = "APPKEY-56b9e1c0-7d3a"
	secretPartnerID   = "PARTNER-SF-0042"
	secretCheckWord   = "CHECKWORD-k9j8h7"
)

var secrets = []string{secretCustomer, secretKey, secretSalt, secretEBusinessID, secretAppKey, secretPartnerID, secretCheckWord}

// mustHoldNoSecret fails the test if an answer shows a credential value.
func mustHoldNoSecret(t *testing.T, body string, extra ...string) {
	t.Helper()
	for _, s := range append(slices.Clone(secrets), extra...) {
		if s != "" && strings.Contains(body, s) {
			t.Errorf("answer shows the credential %q: %s", s, body)
		}
	}
}

func TestCarrierAccountPut(t *testing.T) {
	t.Parallel()
	createdAt, updatedAt := utc("2026-11-01T02:00:00Z"), testNow
	tests := []struct {
		name      string
		provider  string // path segment
		body      string
		created   bool
		token     string // the token the store keeps (a replaced account keeps its own)
		wantCreds map[string]string
		wantBase  string
		wantRate  int
		wantJSON  string
	}{
		{
			name:     "new kuaidi100 account",
			provider: "kuaidi100",
			body: `{"credentials":{"customer":" ` + secretCustomer + ` ","key":"` + secretKey + `","salt":"` + secretSalt + `"},
				"base_url":" http://127.0.0.1:8701/ ","rate_per_minute":120}`,
			created:   true,
			token:     "tok-new",
			wantCreds: map[string]string{"customer": secretCustomer, "key": secretKey, "salt": secretSalt},
			wantBase:  "http://127.0.0.1:8701",
			wantRate:  120,
			wantJSON: `{"provider":"kuaidi100","credential_fields":["customer","key","salt"],
				"base_url":"http://127.0.0.1:8701","rate_per_minute":120,
				"callback_url":"https://track.example.com/hooks/kuaidi100/plum-house?token=tok-new",
				"created_at":"2026-11-01T10:00:00+08:00","updated_at":"2026-12-01T12:00:00+08:00"}`,
		},
		{
			name:      "replaced kdniao account keeps its token; production endpoint and default rate",
			provider:  "kdniao",
			body:      `{"credentials":{"ebusiness_id":"` + secretEBusinessID + `","app_key":"` + secretAppKey + `"}}`,
			created:   false,
			token:     "tok+old/1", // escaped in the URL
			wantCreds: map[string]string{"ebusiness_id": secretEBusinessID, "app_key": secretAppKey},
			wantRate:  trail.DefaultRatePerMinute,
			wantJSON: `{"provider":"kdniao","credential_fields":["ebusiness_id","app_key"],"rate_per_minute":60,
				"callback_url":"https://track.example.com/hooks/kdniao/plum-house?token=tok%2Bold%2F1",
				"created_at":"2026-11-01T10:00:00+08:00","updated_at":"2026-12-01T12:00:00+08:00"}`,
		},
		{
			name:      "sf, provider in capitals",
			provider:  "SF",
			body:      `{"credentials":{"partner_id":"` + secretPartnerID + `","check_word":"` + secretCheckWord + `"},"base_url":"https://sfapi-sbox.sf-express.com","rate_per_minute":30}`,
			created:   true,
			token:     "tok-sf",
			wantCreds: map[string]string{"partner_id": secretPartnerID, "check_word": secretCheckWord},
			wantBase:  "https://sfapi-sbox.sf-express.com",
			wantRate:  30,
			wantJSON: `{"provider":"sf","credential_fields":["partner_id","check_word"],
				"base_url":"https://sfapi-sbox.sf-express.com","rate_per_minute":30,
				"callback_url":"https://track.example.com/hooks/sf/plum-house?token=tok-sf",
				"created_at":"2026-11-01T10:00:00+08:00","updated_at":"2026-12-01T12:00:00+08:00"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			var stored *trail.CarrierAccount
			b.carriers.PutCarrierAccountFunc = func(_ context.Context, brandID int64, a *trail.CarrierAccount) (bool, error) {
				if brandID != brandA {
					t.Errorf("PutCarrierAccount brand: got %d, want %d", brandID, brandA)
				}
				if a.CallbackToken == "" {
					t.Error("PutCarrierAccount: the account has no callback token")
				}
				stored = a
				a.ID, a.CallbackToken, a.CreatedAt, a.UpdatedAt = 4, tt.token, createdAt, updatedAt
				return tt.created, nil
			}
			rec := b.do(t, "PUT", "/api/v1/carrier-accounts/"+tt.provider, keyA, tt.body)
			mustStatus(t, rec, map[bool]int{true: http.StatusCreated, false: http.StatusOK}[tt.created])
			mustJSONEqual(t, rec.Body.Bytes(), tt.wantJSON)
			mustHoldNoSecret(t, rec.Body.String())

			if stored == nil {
				t.Fatal("PutCarrierAccount not called")
			}
			if want := strings.ToLower(tt.provider); stored.Provider != want {
				t.Errorf("provider: got %q, want %q", stored.Provider, want)
			}
			if !maps.Equal(stored.Credentials, tt.wantCreds) {
				t.Errorf("credentials: got %v, want %v", stored.Credentials, tt.wantCreds)
			}
			if stored.BaseURL != tt.wantBase || stored.RatePerMinute != tt.wantRate {
				t.Errorf("base_url, rate: got %q %d, want %q %d", stored.BaseURL, stored.RatePerMinute, tt.wantBase, tt.wantRate)
			}
		})
	}
}

func TestCarrierAccountErrors(t *testing.T) {
	t.Parallel()
	kdniao := func(extra string) string {
		return `{"credentials":{"ebusiness_id":"` + secretEBusinessID + `","app_key":"` + secretAppKey + `"` + extra + `}`
	}
	tests := []struct {
		name        string
		provider    string
		key         string
		body        string
		wantStatus  int
		wantCode    string
		wantField   string
		wantMessage string // a part of the message
	}{
		{name: "unknown provider", provider: "zto", key: keyA, body: kdniao("") + `}`,
			wantStatus: 422, wantCode: trail.EINVALID, wantField: "provider", wantMessage: `unknown provider "zto"`},
		{name: "missing credential field", provider: "kdniao", key: keyA,
			body:       `{"credentials":{"ebusiness_id":"` + secretEBusinessID + `"}}`,
			wantStatus: 422, wantCode: trail.EINVALID, wantField: "credentials.app_key", wantMessage: "credentials.app_key"},
		{name: "blank credential field", provider: "sf", key: keyA,
			body:       `{"credentials":{"partner_id":"` + secretPartnerID + `","check_word":"   "}}`,
			wantStatus: 422, wantCode: trail.EINVALID, wantField: "credentials.check_word", wantMessage: "check_word"},
		{name: "no credentials", provider: "kuaidi100", key: keyA, body: `{}`,
			wantStatus: 422, wantCode: trail.EINVALID, wantField: "credentials.customer"},
		{name: "unexpected credential field", provider: "kdniao", key: keyA, body: kdniao(`,"password":"hunter2"`) + `}`,
			wantStatus: 422, wantCode: trail.EINVALID, wantField: "credentials.password", wantMessage: `no credential "password"`},
		{name: "another provider's field", provider: "sf", key: keyA,
			body:       `{"credentials":{"partner_id":"P","check_word":"C","salt":"S"}}`,
			wantStatus: 422, wantCode: trail.EINVALID, wantField: "credentials.salt"},
		{name: "base_url not http", provider: "kdniao", key: keyA, body: kdniao("") + `,"base_url":"ftp://api.kdniao.com"}`,
			wantStatus: 422, wantCode: trail.EINVALID, wantField: "base_url", wantMessage: "http(s) URL"},
		{name: "base_url plain http to a remote host", provider: "kdniao", key: keyA, body: kdniao("") + `,"base_url":"http://10.0.0.5:8080"}`,
			wantStatus: 422, wantCode: trail.EINVALID, wantField: "base_url", wantMessage: "must be https"},
		{name: "base_url without host", provider: "kdniao", key: keyA, body: kdniao("") + `,"base_url":"http://"}`,
			wantStatus: 422, wantCode: trail.EINVALID, wantField: "base_url"},
		{name: "base_url not a URL", provider: "kdniao", key: keyA, body: kdniao("") + `,"base_url":"api.kdniao.com"}`,
			wantStatus: 422, wantCode: trail.EINVALID, wantField: "base_url"},
		{name: "negative rate", provider: "kdniao", key: keyA, body: kdniao("") + `,"rate_per_minute":-1}`,
			wantStatus: 422, wantCode: trail.EINVALID, wantField: "rate_per_minute"},
		{name: "rate too high", provider: "kdniao", key: keyA, body: kdniao("") + `,"rate_per_minute":6001}`,
			wantStatus: 422, wantCode: trail.EINVALID, wantField: "rate_per_minute"},
		{name: "credential not a string", provider: "kdniao", key: keyA, body: `{"credentials":{"ebusiness_id":1234567,"app_key":"k"}}`,
			wantStatus: 400, wantCode: trail.EMALFORMED, wantField: "credentials"},
		{name: "unknown top-level field", provider: "kdniao", key: keyA, body: kdniao("") + `,"callback_token":"mine"}`,
			wantStatus: 400, wantCode: trail.EMALFORMED, wantField: "callback_token"},
		{name: "no API key", provider: "kdniao", body: kdniao("") + `}`,
			wantStatus: 401, wantCode: trail.EUNAUTHORIZED},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.carriers.PutCarrierAccountFunc = func(context.Context, int64, *trail.CarrierAccount) (bool, error) {
				t.Error("PutCarrierAccount called for a refused account")
				return false, nil
			}
			rec := b.do(t, "PUT", "/api/v1/carrier-accounts/"+tt.provider, tt.key, tt.body)
			mustStatus(t, rec, tt.wantStatus)
			e := mustError(t, rec)
			if e.Code != tt.wantCode || e.Field != tt.wantField {
				t.Errorf("error: got %q field %q, want %q field %q", e.Code, e.Field, tt.wantCode, tt.wantField)
			}
			if !strings.Contains(e.Message, tt.wantMessage) {
				t.Errorf("message: got %q, want it to contain %q", e.Message, tt.wantMessage)
			}
			mustHoldNoSecret(t, rec.Body.String())
		})
	}
}

func TestCarrierAccountList(t *testing.T) {
	t.Parallel()
	accounts := func() []*trail.CarrierAccount {
		return []*trail.CarrierAccount{
			{
				ID: 1, Provider: trail.ProviderKdniao,
				Credentials:   map[string]string{"ebusiness_id": secretEBusinessID, "app_key": secretAppKey},
				RatePerMinute: 60, CallbackToken: "tok-kdn",
				CreatedAt: utc("2026-11-01T02:00:00Z"), UpdatedAt: utc("2026-11-01T02:00:00Z"),
			},
			{
				ID: 2, Provider: trail.ProviderKuaidi100,
				Credentials:   map[string]string{"customer": secretCustomer, "key": secretKey, "salt": secretSalt},
				BaseURL:       "http://127.0.0.1:8701",
				RatePerMinute: 120, CallbackToken: "tok-k100",
				CreatedAt: utc("2026-11-02T02:00:00Z"), UpdatedAt: utc("2026-11-03T02:00:00Z"),
			},
		}
	}
	tests := []struct {
		name       string
		key        string
		accounts   []*trail.CarrierAccount
		wantBrand  int64
		wantStatus int
		wantJSON   string
	}{
		{
			name: "two accounts", key: keyA, accounts: accounts(), wantBrand: brandA, wantStatus: 200,
			wantJSON: `{"accounts":[
				{"provider":"kdniao","credential_fields":["ebusiness_id","app_key"],"rate_per_minute":60,
				 "callback_url":"https://track.example.com/hooks/kdniao/plum-house?token=tok-kdn",
				 "created_at":"2026-11-01T10:00:00+08:00","updated_at":"2026-11-01T10:00:00+08:00"},
				{"provider":"kuaidi100","credential_fields":["customer","key","salt"],"base_url":"http://127.0.0.1:8701",
				 "rate_per_minute":120,"callback_url":"https://track.example.com/hooks/kuaidi100/plum-house?token=tok-k100",
				 "created_at":"2026-11-02T10:00:00+08:00","updated_at":"2026-11-03T10:00:00+08:00"}]}`,
		},
		{name: "none, for the other brand", key: keyB, wantBrand: brandB, wantStatus: 200, wantJSON: `{"accounts":[]}`},
		{name: "no API key", wantStatus: 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.carriers.CarrierAccountsFunc = func(_ context.Context, brandID int64) ([]*trail.CarrierAccount, error) {
				if brandID != tt.wantBrand {
					t.Errorf("CarrierAccounts brand: got %d, want %d", brandID, tt.wantBrand)
				}
				return tt.accounts, nil
			}
			rec := b.do(t, "GET", "/api/v1/carrier-accounts", tt.key, "")
			mustStatus(t, rec, tt.wantStatus)
			if tt.wantJSON != "" {
				mustJSONEqual(t, rec.Body.Bytes(), tt.wantJSON)
			}
			mustHoldNoSecret(t, rec.Body.String())
		})
	}
}

func TestCompliancePut(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		path     string
		body     string
		created  bool
		want     trail.Compliance
		wantJSON string
	}{
		{
			name: "new", path: "/api/v1/carriers/shunfeng", created: true,
			body: `{"alcohol":true,"fragile":true,"qualification_expires":"2027-06-30"}`,
			want: trail.Compliance{Carrier: "shunfeng", Alcohol: true, Fragile: true, QualificationExpires: ptr(trail.Date("2027-06-30"))},
			wantJSON: `{"carrier":"shunfeng","alcohol":true,"fragile":true,"cold_chain":false,
				"qualification_expires":"2027-06-30"}`,
		},
		{
			name: "replaced, carrier repeated in the body", path: "/api/v1/carriers/jd", created: false,
			body:     `{"carrier":"jd","cold_chain":true}`,
			want:     trail.Compliance{Carrier: "jd", ColdChain: true},
			wantJSON: `{"carrier":"jd","alcohol":false,"fragile":false,"cold_chain":true}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			var got *trail.Compliance
			b.carriers.PutComplianceFunc = func(_ context.Context, brandID int64, c *trail.Compliance) (bool, error) {
				if brandID != brandA {
					t.Errorf("PutCompliance brand: got %d, want %d", brandID, brandA)
				}
				got = c
				return tt.created, nil
			}
			rec := b.do(t, "PUT", tt.path, keyA, tt.body)
			mustStatus(t, rec, map[bool]int{true: http.StatusCreated, false: http.StatusOK}[tt.created])
			mustJSONEqual(t, rec.Body.Bytes(), tt.wantJSON)
			if got == nil {
				t.Fatal("PutCompliance not called")
			}
			if got.Carrier != tt.want.Carrier || got.Alcohol != tt.want.Alcohol || got.Fragile != tt.want.Fragile ||
				got.ColdChain != tt.want.ColdChain || (got.QualificationExpires == nil) != (tt.want.QualificationExpires == nil) ||
				got.QualificationExpires != nil && *got.QualificationExpires != *tt.want.QualificationExpires {
				t.Errorf("PutCompliance: got %+v, want %+v", *got, tt.want)
			}
		})
	}
}

func TestComplianceErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		path, key   string
		body        string
		wantStatus  int
		wantCode    string
		wantField   string
		wantMessage string
	}{
		{name: "unknown carrier", path: "/api/v1/carriers/martian-post", key: keyA, body: `{"alcohol":true}`,
			wantStatus: 422, wantCode: trail.EINVALID, wantField: "carrier", wantMessage: `"martian-post"`},
		{name: "path and body differ", path: "/api/v1/carriers/shunfeng", key: keyA, body: `{"carrier":"yunda","alcohol":true}`,
			wantStatus: 422, wantCode: trail.EINVALID, wantField: "carrier", wantMessage: "differs"},
		{name: "impossible date", path: "/api/v1/carriers/shunfeng", key: keyA, body: `{"alcohol":true,"qualification_expires":"2027-02-30"}`,
			wantStatus: 422, wantCode: trail.EINVALID, wantField: "qualification_expires", wantMessage: "2027-02-30"},
		{name: "date with a time", path: "/api/v1/carriers/shunfeng", key: keyA, body: `{"alcohol":true,"qualification_expires":"2027-06-30T00:00:00Z"}`,
			wantStatus: 422, wantCode: trail.EINVALID, wantField: "qualification_expires"},
		{name: "date as a number", path: "/api/v1/carriers/shunfeng", key: keyA, body: `{"qualification_expires":20270630}`,
			wantStatus: 400, wantCode: trail.EMALFORMED, wantField: "qualification_expires"},
		{name: "flag as a string", path: "/api/v1/carriers/shunfeng", key: keyA, body: `{"alcohol":"yes"}`,
			wantStatus: 400, wantCode: trail.EMALFORMED, wantField: "alcohol"},
		{name: "no API key", path: "/api/v1/carriers/shunfeng", body: `{"alcohol":true}`,
			wantStatus: 401, wantCode: trail.EUNAUTHORIZED},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.carriers.PutComplianceFunc = func(context.Context, int64, *trail.Compliance) (bool, error) {
				t.Error("PutCompliance called for a refused record")
				return false, nil
			}
			rec := b.do(t, "PUT", tt.path, tt.key, tt.body)
			mustStatus(t, rec, tt.wantStatus)
			e := mustError(t, rec)
			if e.Code != tt.wantCode || e.Field != tt.wantField {
				t.Errorf("error: got %q field %q, want %q field %q", e.Code, e.Field, tt.wantCode, tt.wantField)
			}
			if !strings.Contains(e.Message, tt.wantMessage) {
				t.Errorf("message: got %q, want it to contain %q", e.Message, tt.wantMessage)
			}
		})
	}
}

// detectAnswer is the answer of GET /api/v1/carriers/detect.
type detectAnswer struct {
	TrackingNo string `json:"tracking_no"`
	Candidates []struct {
		Carrier    string  `json:"carrier"`
		Name       string  `json:"name"`
		Confidence float64 `json:"confidence"`
	} `json:"candidates"`
}

func TestCarrierDetect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		query          string
		wantNo         string
		wantFirst      string   // the top candidate; "" when none
		wantCarriers   []string // carriers that must be among the candidates
		wantAmbiguous  bool     // several candidates, none certain
		wantCandidates int      // exact count, when not ambiguous
	}{
		{name: "SF Express", query: "SF1040245060669", wantNo: "SF1040245060669", wantFirst: "shunfeng", wantCandidates: 1},
		{name: "lower case with spaces", query: url.QueryEscape(" sf1040245060669 "), wantNo: "SF1040245060669", wantFirst: "shunfeng", wantCandidates: 1},
		{name: "YTO", query: "YT1234567890123", wantNo: "YT1234567890123", wantFirst: "yuantong", wantCandidates: 1},
		{name: "ambiguous 15 digits", query: "773012345678901", wantNo: "773012345678901",
			wantCarriers: []string{"shentong", "yunda", "zhongtong", "youzhengguonei", "huitongkuaidi"}, wantAmbiguous: true},
		{name: "ambiguous 12 digits", query: "123456789012", wantNo: "123456789012",
			wantCarriers: []string{"zhongtong", "shentong", "yunda", "youzhengguonei", "huitongkuaidi"}, wantAmbiguous: true},
		{name: "no known format", query: "HELLO", wantNo: "HELLO", wantCandidates: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			rec := b.do(t, "GET", "/api/v1/carriers/detect?tracking_no="+tt.query, keyA, "")
			mustStatus(t, rec, http.StatusOK)
			if !strings.Contains(rec.Body.String(), `"candidates":[`) {
				t.Errorf("candidates is not a list: %s", rec.Body)
			}
			var got detectAnswer
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if got.TrackingNo != tt.wantNo {
				t.Errorf("tracking_no: got %q, want %q", got.TrackingNo, tt.wantNo)
			}
			var carriers []string
			sum := 0.0
			for i, c := range got.Candidates {
				carriers = append(carriers, c.Carrier)
				sum += c.Confidence
				if cr, _ := trail.LookupCarrier(c.Carrier); c.Name == "" || c.Name != cr.Name {
					t.Errorf("candidate %s: name %q, want %q", c.Carrier, c.Name, cr.Name)
				}
				if c.Confidence <= 0 || c.Confidence > 1 {
					t.Errorf("candidate %s: confidence %v outside (0, 1]", c.Carrier, c.Confidence)
				}
				if i > 0 && c.Confidence > got.Candidates[i-1].Confidence {
					t.Errorf("candidates not ranked: %s %v after %v", c.Carrier, c.Confidence, got.Candidates[i-1].Confidence)
				}
			}
			if sum > 1.005 {
				t.Errorf("confidences add up to %v, more than 1", sum)
			}
			if tt.wantFirst != "" && (len(carriers) == 0 || carriers[0] != tt.wantFirst) {
				t.Errorf("first candidate: got %v, want %s first", carriers, tt.wantFirst)
			}
			for _, c := range tt.wantCarriers {
				if !slices.Contains(carriers, c) {
					t.Errorf("candidates %v lack %s", carriers, c)
				}
			}
			if tt.wantAmbiguous {
				if len(carriers) < 2 || got.Candidates[0].Confidence >= 0.9 {
					t.Errorf("want several candidates none certain, got %+v", got.Candidates)
				}
			} else if len(carriers) != tt.wantCandidates {
				t.Errorf("candidates: got %v, want %d", carriers, tt.wantCandidates)
			}
		})
	}
}

func TestCarrierDetectErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, path, key string
		wantStatus      int
		wantCode        string
		wantField       string
	}{
		{"missing tracking_no", "/api/v1/carriers/detect", keyA, 422, trail.EINVALID, "tracking_no"},
		{"empty tracking_no", "/api/v1/carriers/detect?tracking_no=", keyA, 422, trail.EINVALID, "tracking_no"},
		{"blank tracking_no", "/api/v1/carriers/detect?tracking_no=%20%20", keyA, 422, trail.EINVALID, "tracking_no"},
		{"no API key", "/api/v1/carriers/detect?tracking_no=SF1040245060669", "", 401, trail.EUNAUTHORIZED, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := setup(t).do(t, "GET", tt.path, tt.key, "")
			mustStatus(t, rec, tt.wantStatus)
			if e := mustError(t, rec); e.Code != tt.wantCode || e.Field != tt.wantField {
				t.Errorf("error: got %q field %q, want %q field %q", e.Code, e.Field, tt.wantCode, tt.wantField)
			}
		})
	}
}
