package calimport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/planner-dev/planner/internal/programme"
)

// FetchTimeout bounds a whole fetch, body included.
const FetchTimeout = 30 * time.Second

// Fetched is a calendar read from its URL.
type Fetched struct {
	Body []byte
	ETag string
	// NotModified is true when the server answered 304 to the ETag given:
	// the calendar did not change and Body is empty.
	NotModified bool
}

// AllowPrivateSetting is the environment variable that lets Fetch reach
// private, loopback and link-local addresses: for tests and for self-hosted
// setups whose calendars live on the same network. Without it ("1"), a
// staff-given URL cannot be used to probe the server's own network or a
// cloud metadata service.
const AllowPrivateSetting = "PLANNER_CALENDAR_ALLOW_PRIVATE"

// AllowPrivate reports whether the setting AllowPrivateSetting is on.
func AllowPrivate() bool { return os.Getenv(AllowPrivateSetting) == "1" }

// Fetch reads a calendar from an http or https URL, conditionally when etag
// is set, with a timeout and at most MaxBytes. A URL of another scheme, a
// calendar too large and an answer other than 2xx or 304 are errors that
// say which. client nil means a client of its own with FetchTimeout.
//
// Unless AllowPrivate, every connection the fetch makes, redirects
// included, is checked on the address it dials, after DNS resolution, so
// that a name resolving (or re-resolving) to a private address is refused
// as well as a literal one (see Blocked). The client's transport must then
// be an *http.Transport, which Fetch copies to install the check; a proxy is
// not used, since it would dial on Fetch's behalf unchecked.
func Fetch(ctx context.Context, client *http.Client, rawURL, etag string) (Fetched, error) {
	u, err := CheckURL(rawURL)
	if err != nil {
		return Fetched{}, err
	}
	if client == nil {
		client = &http.Client{Timeout: FetchTimeout}
	}
	allowPrivate := AllowPrivate()
	c := *client
	if !allowPrivate {
		if b := checkHost(u); b != nil {
			return Fetched{}, programme.Errorf(programme.EINVALID, "the calendar at %s: %v", u.Redacted(), b)
		}
		var base *http.Transport
		switch t := client.Transport.(type) {
		case nil:
			base = http.DefaultTransport.(*http.Transport)
		case *http.Transport:
			base = t
		default:
			return Fetched{}, programme.Errorf(programme.EINTERNAL, "calendar fetch: a %T cannot be guarded against private addresses", t)
		}
		tr := base.Clone()
		tr.Proxy = nil
		dialer := &net.Dialer{Timeout: FetchTimeout, KeepAlive: 30 * time.Second, Control: guardDial}
		tr.DialContext = dialer.DialContext
		tr.DialTLSContext = nil
		c.Transport = tr
	}
	// Redirects must stay on http and https too, and away from private
	// addresses written as such (names are checked when dialled).
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("more than 5 redirects")
		}
		if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
			return fmt.Errorf("a redirect to a %s: URL", req.URL.Scheme)
		}
		if b := checkHost(req.URL); b != nil && !allowPrivate {
			return b
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, FetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return Fetched{}, programme.Errorf(programme.EINVALID, "the calendar URL %q cannot be fetched: %v", rawURL, err)
	}
	req.Header.Set("Accept", "text/calendar, */*;q=0.5")
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := c.Do(req)
	var blocked *BlockedError
	if errors.As(err, &blocked) {
		return Fetched{}, programme.Errorf(programme.EINVALID, "the calendar at %s: %v", u.Redacted(), blocked)
	}
	if err != nil {
		return Fetched{}, &programme.Error{Code: programme.EUNAVAILABLE, Message: fmt.Sprintf("cannot fetch the calendar at %s", u.Redacted()), Err: err}
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return Fetched{NotModified: true, ETag: etag}, nil
	case resp.StatusCode >= 400 && resp.StatusCode < 500:
		return Fetched{}, programme.Errorf(programme.EINVALID, "the calendar at %s: the server answered %s", u.Redacted(), resp.Status)
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return Fetched{}, programme.Errorf(programme.EUNAVAILABLE, "the calendar at %s: the server answered %s; try again later", u.Redacted(), resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBytes+1))
	if err != nil {
		return Fetched{}, &programme.Error{Code: programme.EUNAVAILABLE, Message: fmt.Sprintf("cannot read the calendar at %s", u.Redacted()), Err: err}
	}
	if len(body) > MaxBytes {
		return Fetched{}, programme.Errorf(programme.EINVALID, "the calendar at %s is larger than %d bytes", u.Redacted(), MaxBytes)
	}
	return Fetched{Body: body, ETag: resp.Header.Get("ETag")}, nil
}

// CheckURL accepts an absolute http or https URL with a host, and refuses
// any other, saying why.
func CheckURL(rawURL string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return nil, programme.Errorf(programme.EINVALID, "the calendar URL %q is not a URL: %v", rawURL, err)
	}
	if u.Scheme == "webcal" || u.Scheme == "webcals" {
		// webcal:// is how sites link a calendar to subscribe to: it is
		// plain http(s) underneath.
		u.Scheme = map[string]string{"webcal": "https", "webcals": "https"}[u.Scheme]
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, programme.Errorf(programme.EINVALID, "the calendar URL %q is not http or https", rawURL)
	}
	if u.Host == "" {
		return nil, programme.Errorf(programme.EINVALID, "the calendar URL %q has no host", rawURL)
	}
	return u, nil
}

// BlockedError is a connection Fetch refused because of where it leads.
type BlockedError struct {
	Addr netip.Addr
	Why  string // "a loopback address", "a private address", ...
}

func (e *BlockedError) Error() string {
	return fmt.Sprintf("%s is %s, which calendars are not fetched from (set %s=1 to allow it on a self-hosted setup)",
		e.Addr, e.Why, AllowPrivateSetting)
}

// cgnat is the shared address space of carrier-grade NAT (RFC 6598), and
// thisNetwork 0.0.0.0/8 (RFC 1122), neither covered by netip's predicates.
var (
	cgnat       = netip.MustParsePrefix("100.64.0.0/10")
	thisNetwork = netip.MustParsePrefix("0.0.0.0/8")
)

// Blocked says why a calendar is not fetched from addr, or "" when it may
// be: loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local
// (169.254/16, where cloud metadata services answer, and fe80::/10), shared
// CGNAT (100.64/10), unspecified and multicast addresses are refused, in
// their IPv4-mapped IPv6 forms too.
func Blocked(addr netip.Addr) string {
	a := addr.Unmap()
	switch {
	case !a.IsValid():
		return "not an address"
	case a.IsLoopback():
		return "a loopback address"
	case a.IsPrivate():
		return "a private address"
	case a.IsLinkLocalUnicast():
		return "a link-local address"
	case cgnat.Contains(a):
		return "a shared (CGNAT) address"
	case a.IsUnspecified() || thisNetwork.Contains(a):
		return "an unspecified address"
	case a.IsMulticast() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "a multicast or broadcast address"
	}
	return ""
}

// guardDial is the net.Dialer Control of a guarded fetch: it runs on the
// resolved address just before each connection, so DNS rebinding cannot
// slip a private address past a check made earlier.
func guardDial(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return &BlockedError{Why: "not an address"}
	}
	if ap, err := netip.ParseAddrPort(address); err == nil && dialExempt(ap) {
		return nil
	}
	if why := Blocked(addr); why != "" {
		return &BlockedError{Addr: addr, Why: why}
	}
	return nil
}

// dialExempt lets tests reach one server of theirs on loopback with the
// guard on, to prove what it refuses after that first connection.
var dialExempt = func(netip.AddrPort) bool { return false }

// checkHost finds a URL whose host is a blocked address written as such,
// before any connection, for the same message as the dial check.
func checkHost(u *url.URL) *BlockedError {
	addr, err := netip.ParseAddr(u.Hostname())
	if err != nil {
		return nil // a name: checked when dialled
	}
	if ap, err := netip.ParseAddrPort(u.Host); err == nil && dialExempt(ap) {
		return nil
	}
	if why := Blocked(addr); why != "" {
		return &BlockedError{Addr: addr, Why: why}
	}
	return nil
}
