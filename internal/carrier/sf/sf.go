// Package sf implements trail.Provider for SF Express's open platform
// (顺丰丰桥, the "标准接口" JSON API): route queries, route registration and
// route pushes, signed with msgDigest as the platform specifies
// (docs/CARRIER-PROTOCOLS.md §3).
package sf

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// ProductionURL is the base URL of SF's production gateway. The sandbox is
// https://sfapi-sbox.sf-express.com.
const ProductionURL = "https://sfapi.sf-express.com"

// servicePath is the gateway's one endpoint; serviceCode picks the service.
const servicePath = "/std/service"

// Credential keys of an SF account (trail.CarrierAccount.Credentials).
const (
	CredPartnerID = "partner_id" // 顾客编码, sent as partnerID
	CredCheckWord = "check_word" // 校验码, the secret of msgDigest
)

// Service codes of the gateway.
const (
	ServiceSearchRoutes  = "EXP_RECE_SEARCH_ROUTES"
	ServiceRegisterRoute = "EXP_RECE_REGISTER_ROUTE"
)

// carrierCode is the canonical code of the carrier pushes are reported
// under; queries also serve 顺丰快运 (shunfengkuaiyun) parcels.
const carrierCode = "shunfeng"

// DefaultTimeout bounds one request when Client.HTTP is nil.
const DefaultTimeout = 10 * time.Second

var defaultHTTP = &http.Client{Timeout: DefaultTimeout}

// Client talks to SF's open platform. The zero value is ready to use; it is
// safe for concurrent use as long as its fields are not changed.
type Client struct {
	// HTTP sends the requests; nil means a client with DefaultTimeout.
	HTTP *http.Client
	// Now is the clock behind the timestamp field; nil means time.Now.
	Now func() time.Time
	// NewRequestID returns the requestID of each request, which the gateway
	// wants unique (it rejects a repeat with A1007); nil means a random
	// UUID version 4.
	NewRequestID func() string
}

var _ trail.Provider = (*Client)(nil)

// Name returns trail.ProviderSF.
func (c *Client) Name() string { return trail.ProviderSF }

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return defaultHTTP
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) requestID() string {
	if c.NewRequestID != nil {
		return c.NewRequestID()
	}
	return newUUID()
}

// newUUID returns a random UUID version 4 (RFC 9562) from crypto/rand.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails: crypto/rand.Read panics rather than return an error
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// endpoint returns the gateway URL of acct: its BaseURL (with or without
// the /std/service path) or production.
func endpoint(acct *trail.CarrierAccount) string {
	base := strings.TrimRight(strings.TrimSpace(acct.BaseURL), "/")
	if base == "" {
		base = ProductionURL
	}
	return strings.TrimSuffix(base, servicePath) + servicePath
}

// credential returns one of acct's credentials, "" if acct is nil or lacks it.
func credential(acct *trail.CarrierAccount, key string) string {
	if acct == nil {
		return ""
	}
	return strings.TrimSpace(acct.Credentials[key])
}

// carrier checks that req names a parcel SF carries and returns its
// canonical carrier code and tracking number.
func carrier(req trail.TrackRequest) (code, trackingNo string, err error) {
	code = strings.ToLower(strings.TrimSpace(req.Carrier))
	if code != carrierCode && code != "shunfengkuaiyun" {
		return "", "", trail.Invalid("carrier", "the sf provider serves only SF Express (shunfeng, shunfengkuaiyun), not %q", req.Carrier)
	}
	trackingNo = trail.NormalizeTrackingNo(req.TrackingNo)
	if trackingNo == "" || len(trackingNo) > maxTrackingNo {
		return "", "", trail.Invalid("tracking_no", "tracking_no must be 1–%d characters", maxTrackingNo)
	}
	return code, trackingNo, nil
}
