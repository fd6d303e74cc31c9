package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/bottletrail/bottletrail/internal/egress"
	"github.com/bottletrail/bottletrail/internal/notify/email"
	"github.com/bottletrail/bottletrail/internal/notify/sms"
	"github.com/bottletrail/bottletrail/internal/notify/wechat"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// channelSenders makes one sender per channel account and keeps it, so
// that the deliveries of an account share its WeChat access token. The
// senders connect through policy: SMS and WeChat requests, and SMTP
// connections, reach only the addresses it allows.
type channelSenders struct {
	policy  *egress.Policy
	timeout time.Duration // of an SMS or WeChat request; 0 is their DefaultTimeout
	mu      sync.Mutex
	senders map[string]trail.Sender // by the account's JSON
}

// sender returns the sender of a brand's channel account.
func (c *channelSenders) sender(a trail.NotifyChannel) (trail.Sender, error) {
	key, err := json.Marshal(a)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.senders[string(key)]; ok {
		return s, nil
	}
	cr := a.Credentials
	var s trail.Sender
	switch a.Channel {
	case trail.ChannelSMS:
		s = &sms.Client{BaseURL: a.BaseURL, AccessKeyID: cr["access_key_id"], AccessKeySecret: cr["access_key_secret"], SignName: cr["sign_name"],
			HTTP: c.policy.Client(cmp.Or(c.timeout, sms.DefaultTimeout))}
	case trail.ChannelWeChat:
		s = &wechat.Client{BaseURL: a.BaseURL, AppID: cr["app_id"], AppSecret: cr["app_secret"],
			HTTP: c.policy.Client(cmp.Or(c.timeout, wechat.DefaultTimeout))}
	case trail.ChannelEmail:
		port, err := strconv.Atoi(cr["port"])
		if err != nil {
			return nil, fmt.Errorf("email port %q: %w", cr["port"], err)
		}
		security := map[string]email.Security{"starttls": email.StartTLS, "tls": email.ImplicitTLS, "none": email.NoTLS}[cr["security"]]
		s = &email.Sender{Host: cr["host"], Port: port, Security: security, Username: cr["username"], Password: cr["password"], From: cr["from"],
			DialContextFunc: c.policy.DialContext}
	default:
		return nil, fmt.Errorf("no sender for channel %q", a.Channel)
	}
	if c.senders == nil {
		c.senders = map[string]trail.Sender{}
	}
	c.senders[string(key)] = s
	return s, nil
}
