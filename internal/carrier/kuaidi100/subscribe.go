package kuaidi100

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// subscribeParam is the param of a subscription (docs/CARRIER-PROTOCOLS.md §1.2); the field
// order is the order on the wire.
type subscribeParam struct {
	Company    string              `json:"company"`
	Number     string              `json:"number"`
	Key        string              `json:"key"`
	Parameters subscribeParameters `json:"parameters"`
}

type subscribeParameters struct {
	CallbackURL string `json:"callbackurl"`
	Salt        string `json:"salt"`
	ResultV2    string `json:"resultv2"`
	Phone       string `json:"phone,omitempty"`
}

// Subscribe asks Kuaidi100 to push the parcel's updates to req.CallbackURL,
// in resultv2=4 mode and signed with the account's salt. A subscription
// Kuaidi100 already holds (returnCode 501) counts as success, so Subscribe
// is idempotent. returnCode 500 and other 5xx answers, HTTP 5xx, timeouts
// and transport errors wrap trail.ErrProviderUnavailable. EINVALID, with
// Kuaidi100's message, for a request it refuses (700, 701, 702 bad number,
// company or callback; 600, 601 bad or expired key) or one that lacks
// something it needs (key, salt, callback URL).
func (c *Client) Subscribe(ctx context.Context, acct *trail.CarrierAccount, req trail.TrackRequest) error {
	com, num, phone, err := parcel(req)
	if err != nil {
		return err
	}
	key, salt := credential(acct, CredKey), credential(acct, CredSalt)
	callback := strings.TrimSpace(req.CallbackURL)
	switch {
	case key == "":
		return trail.Invalid("credentials.key", "the kuaidi100 account has no key")
	case salt == "":
		// Without a salt pushes carry no sign and anyone could forge them.
		return trail.Invalid("credentials.salt", "the kuaidi100 account has no salt to sign pushes with")
	case callback == "":
		return trail.Invalid("callback_url", "a kuaidi100 subscription needs a callback URL")
	}
	param, err := marshal(subscribeParam{
		Company: com, Number: num, Key: key,
		Parameters: subscribeParameters{CallbackURL: callback, Salt: salt, ResultV2: ResultV2, Phone: phone},
	})
	if err != nil {
		return fmt.Errorf("kuaidi100 subscribe %s %s: %w", com, num, err)
	}
	body, err := c.post(ctx, "subscribe", endpoint(acct, SubscribePath), url.Values{"schema": {"json"}, "param": {param}})
	if err != nil {
		return err
	}
	var a answer
	if err := json.Unmarshal(body, &a); err != nil || a.ReturnCode == "" {
		return fmt.Errorf("kuaidi100 subscribe %s %s: unreadable answer: %w", com, num, trail.ErrProviderUnavailable)
	}
	switch code := string(a.ReturnCode); {
	case code == "200", code == "501": // 501: already polling, which is what we asked for
		return nil
	case code[0] == '5':
		return fmt.Errorf("kuaidi100 subscribe %s %s: returnCode %s %q: %w", com, num, code, a.Message, trail.ErrProviderUnavailable)
	default:
		return trail.Errorf(trail.EINVALID, "Kuaidi100 refused the subscription of %s %s (returnCode %s): %s", com, num, code, a.Message)
	}
}
