// Package egress keeps the service's calls to addresses a brand chooses
// (webhook endpoints, providers' and notification channels' base URLs,
// SMTP servers) off private networks (docs/ARCHITECTURE.md §11): such an address is
// checked when it is registered, and every
// connection is checked again when it is dialled, because a name may
// resolve elsewhere by then. Only an explicit setting (serve
// --allow-private-webhooks, for the demo and tests) lifts the rule.
package egress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// lookupTimeout bounds the resolution of a URL's host at registration.
const lookupTimeout = 5 * time.Second

// ErrForbidden is wrapped by the errors of refused connections.
var ErrForbidden = errors.New("egress: not a public address")

// Resolver looks up the addresses of a host name; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Policy decides which destinations outbound calls to brand-chosen URLs
// may reach. A destination is allowed when every address it has is
// public: not loopback, private (RFC 1918, fc00::/7), link-local,
// unspecified, multicast or otherwise reserved (carrier-grade NAT,
// documentation, benchmarking, IPv6 tunnels to IPv4). Build one with New;
// it is safe for concurrent use.
type Policy struct {
	allowPrivate bool
	resolver     Resolver
	dialer       net.Dialer

	once      sync.Once
	transport *http.Transport
}

// New returns a policy. allowPrivate lifts the rule (plain http and any
// address; for the demo and tests, which use loopback receivers and
// simulators). resolver answers host names, at registration and when
// dialling; nil means net.DefaultResolver.
func New(allowPrivate bool, resolver Resolver) *Policy {
	if resolver == nil {
		resolver = net.DefaultResolver
	}
	return &Policy{allowPrivate: allowPrivate, resolver: resolver,
		dialer: net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}}
}

// CheckURL reports whether raw, a URL a brand gives as field, may be
// called: an EINVALID trail.Error naming field, with a message in Chinese
// and English, unless its scheme is https and its host is a public IP
// literal (in any notation) or a name all of whose addresses are public.
// With allowPrivate it checks nothing (trail's Validate still allows
// plain http only to loopback).
func (p *Policy) CheckURL(ctx context.Context, field, raw string) error {
	if p.allowPrivate {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return trail.Invalid(field, "请输入完整的 https:// 地址 / %s must be an absolute https URL", field)
	}
	if u.Scheme != "https" {
		return trail.Invalid(field, "地址必须以 https:// 开头 / %s must be an https URL", field)
	}
	return p.checkHost(ctx, field, field+" host", u.Hostname(), "请填写公网可访问的 https 地址")
}

// CheckHost reports, like CheckURL, whether host, a server a brand gives
// as field (an SMTP server's name or IP literal, without its port), may
// be reached: an EINVALID trail.Error naming field unless every address
// it has is public. With allowPrivate it checks nothing.
func (p *Policy) CheckHost(ctx context.Context, field, host string) error {
	if p.allowPrivate {
		return nil
	}
	return p.checkHost(ctx, field, field, host, "请填写公网可访问的服务器地址")
}

// checkHost resolves host and refuses it when an address is not public.
// subject names host in English ("url host"); advice says in Chinese what
// to give instead.
func (p *Policy) checkHost(ctx context.Context, field, subject, host, advice string) error {
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	addrs, err := p.lookup(ctx, host)
	if err != nil {
		return trail.Invalid(field, "无法解析域名 %s / %s %s does not resolve", host, subject, host)
	}
	for _, a := range addrs {
		kind := Kind(a)
		if kind == "" {
			continue
		}
		if literal, ok := parseIP(host); ok && literal == a {
			return trail.Invalid(field, "不能使用%s（%s），%s / %s must reach a public address: %s is %s",
				kindNames[kind], host, advice, field, host, article(kind))
		}
		return trail.Invalid(field, "域名 %s 解析到%s %s，%s / %s must reach a public address: %s resolves to %s, %s",
			host, kindNames[kind], a, advice, field, host, a, article(kind))
	}
	return nil
}

// article names an address kind in English: "a loopback address".
func article(kind string) string {
	if kind == "unspecified" {
		return "an unspecified address"
	}
	return "a " + kind + " address"
}

// lookup returns the addresses of host: itself for an IP literal in any
// notation, else what the resolver answers: at least one address, or an
// error.
func (p *Policy) lookup(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, ok := parseIP(host); ok {
		return []netip.Addr{a}, nil
	}
	if h := strings.ToLower(strings.TrimSuffix(host, ".")); h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return []netip.Addr{netip.IPv6Loopback()}, nil // RFC 6761, whatever a resolver says
	}
	addrs, err := p.resolver.LookupNetIP(ctx, "ip", host)
	if err == nil && len(addrs) == 0 {
		err = &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
	}
	return addrs, err
}

// DialContext connects like net.Dialer.DialContext, but, unless
// allowPrivate, only to public addresses: it resolves addr's host itself
// and dials the addresses it checked, so that an answer changed since
// registration (DNS rebinding) is refused too. A refusal is a
// *net.OpError wrapping ErrForbidden; it is refused when any address of
// the host is not public.
func (p *Policy) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if p.allowPrivate {
		return p.dialer.DialContext(ctx, network, addr)
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	addrs, err := p.lookup(ctx, host)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	for _, a := range addrs {
		if kind := Kind(a); kind != "" {
			name := a.String()
			if name != host {
				name = host + " (" + name + ")"
			}
			return nil, &net.OpError{Op: "dial", Net: network,
				Err: fmt.Errorf("%w: %s is %s; serve --allow-private-webhooks allows it", ErrForbidden, name, article(kind))}
		}
	}
	var first error
	for _, a := range addrs {
		conn, err := p.dialer.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
		if err == nil {
			return conn, nil
		}
		if first == nil {
			first = err
		}
	}
	return nil, first
}

// Transport returns the policy's HTTP transport, one per policy so that
// its clients share connections: http.DefaultTransport's settings with
// DialContext, and without a proxy, since a proxy would make the
// destination's check the proxy's.
func (p *Policy) Transport() *http.Transport {
	p.once.Do(func() {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.Proxy = nil
		t.DialContext = p.DialContext
		p.transport = t
	})
	return p.transport
}

// Client returns an HTTP client on Transport with the given timeout (0:
// none). It follows at most ten redirects, and, unless allowPrivate, only
// to https URLs; every connection is dialled through DialContext.
func (p *Policy) Client(timeout time.Duration) *http.Client {
	return &http.Client{Transport: p.Transport(), Timeout: timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return errors.New("stopped after 10 redirects")
			}
			if !p.allowPrivate && req.URL.Scheme != "https" {
				return fmt.Errorf("egress: refused a redirect to %s: not https", req.URL.Redacted())
			}
			return nil
		}}
}
