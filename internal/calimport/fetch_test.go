package calimport

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/planner-dev/planner/internal/programme"
)

func TestFetch(t *testing.T) {
	body := []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/schedule.ics":
			if r.Header.Get("If-None-Match") == `"v1"` {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("ETag", `"v1"`)
			w.Write(body)
		case "/huge.ics":
			w.Write(bytes.Repeat([]byte("x"), MaxBytes+1))
		case "/away":
			http.Redirect(w, r, "ftp://example.org/schedule.ics", http.StatusFound)
		case "/broken":
			http.Error(w, "down", http.StatusBadGateway)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	ctx := t.Context()
	// httptest listens on loopback, which only the setting lets Fetch reach.
	t.Setenv(AllowPrivateSetting, "1")

	got, err := Fetch(ctx, srv.Client(), srv.URL+"/schedule.ics", "")
	if err != nil || !bytes.Equal(got.Body, body) || got.ETag != `"v1"` || got.NotModified {
		t.Fatalf("first fetch: %+v, %v", got, err)
	}
	got, err = Fetch(ctx, srv.Client(), srv.URL+"/schedule.ics", `"v1"`)
	if err != nil || !got.NotModified || got.Body != nil {
		t.Errorf("fetch with the ETag: %+v, %v; want not modified", got, err)
	}

	tests := []struct {
		url, code, want string
	}{
		{srv.URL + "/missing.ics", programme.EINVALID, "404 Not Found"},
		{srv.URL + "/huge.ics", programme.EINVALID, "larger than"},
		{srv.URL + "/broken", programme.EUNAVAILABLE, "502"},
		{srv.URL + "/away", programme.EUNAVAILABLE, "redirect to a ftp: URL"},
		{"ftp://example.org/schedule.ics", programme.EINVALID, "not http or https"},
		{"file:///etc/passwd", programme.EINVALID, "not http or https"},
		{"https:///schedule.ics", programme.EINVALID, "no host"},
	}
	for _, tt := range tests {
		_, err := Fetch(ctx, srv.Client(), tt.url, "")
		if programme.ErrorCode(err) != tt.code {
			t.Errorf("%s: %v, want %s", tt.url, err, tt.code)
			continue
		}
		msg := err.Error()
		var e *programme.Error
		if errors.As(err, &e) && e.Err != nil {
			msg += " " + e.Err.Error()
		}
		if !strings.Contains(msg, tt.want) {
			t.Errorf("%s: %q does not say %q", tt.url, msg, tt.want)
		}
	}
	if u, err := CheckURL("webcal://example.org/a.ics"); err != nil || u.Scheme != "https" {
		t.Errorf("webcal: %v, %v", u, err)
	}
}

func TestBlocked(t *testing.T) {
	for _, tt := range []struct{ addr, want string }{
		{"127.0.0.1", "loopback"},
		{"127.8.9.10", "loopback"},
		{"::1", "loopback"},
		{"10.1.2.3", "private"},
		{"172.16.0.1", "private"},
		{"172.31.255.254", "private"},
		{"192.168.1.1", "private"},
		{"fc00::1", "private"},
		{"fd12:3456::1", "private"},
		{"169.254.169.254", "link-local"},
		{"fe80::1", "link-local"},
		{"100.64.0.1", "CGNAT"},
		{"100.127.255.254", "CGNAT"},
		{"0.0.0.0", "unspecified"},
		{"0.1.2.3", "unspecified"},
		{"::", "unspecified"},
		{"224.0.0.1", "multicast"},
		{"239.255.255.250", "multicast"},
		{"ff02::1", "multicast"},
		{"255.255.255.255", "broadcast"},
		{"::ffff:127.0.0.1", "loopback"},
		{"::ffff:169.254.169.254", "link-local"},
		{"93.184.215.14", ""},
		{"172.32.0.1", ""},
		{"100.128.0.1", ""},
		{"2606:4700::1111", ""},
	} {
		got := Blocked(netip.MustParseAddr(tt.addr))
		if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
			t.Errorf("Blocked(%s) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

// TestFetchRefusesPrivateAddresses proves the guard without the setting:
// literal addresses, a name resolving to loopback, and redirects, whether
// to a literal address or to a name, are refused with a message that says
// why and how to allow it.
func TestFetchRefusesPrivateAddresses(t *testing.T) {
	t.Setenv(AllowPrivateSetting, "")
	body := []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
	inner := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
	defer inner.Close()
	outer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok.ics":
			w.Write(body)
		case "/to-metadata":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
		case "/to-inner":
			// A name, resolved only when dialled.
			http.Redirect(w, r, strings.Replace(inner.URL, "127.0.0.1", "localhost", 1)+"/x.ics", http.StatusFound)
		}
	}))
	defer outer.Close()
	ctx := t.Context()
	refused := func(url, want string) {
		t.Helper()
		_, err := Fetch(ctx, nil, url, "")
		if programme.ErrorCode(err) != programme.EINVALID || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), AllowPrivateSetting) {
			t.Errorf("%s: %v, want an EINVALID saying %q", url, err, want)
		}
	}
	refused(inner.URL+"/x.ics", "127.0.0.1 is a loopback address")
	refused(strings.Replace(inner.URL, "127.0.0.1", "localhost", 1)+"/x.ics", "loopback address")
	refused("http://169.254.169.254/latest/meta-data/", "link-local")
	refused("http://[fd00::1]/x.ics", "private address")
	refused("http://10.0.0.1/x.ics", "private address")
	refused("http://100.64.1.1/x.ics", "CGNAT")
	refused("http://[::ffff:192.168.0.1]/x.ics", "private address")

	// The outer server is let through, to prove that what it redirects to
	// is checked again.
	outerAddr := netip.MustParseAddrPort(strings.TrimPrefix(outer.URL, "http://"))
	dialExempt = func(ap netip.AddrPort) bool { return ap == outerAddr }
	t.Cleanup(func() { dialExempt = func(netip.AddrPort) bool { return false } })
	if got, err := Fetch(ctx, outer.Client(), outer.URL+"/ok.ics", ""); err != nil || !bytes.Equal(got.Body, body) {
		t.Fatalf("the exempt server: %+v, %v", got, err)
	}
	refused(outer.URL+"/to-metadata", "169.254.169.254 is a link-local address")
	refused(outer.URL+"/to-inner", "127.0.0.1 is a loopback address")
	if _, err := Fetch(ctx, outer.Client(), outer.URL+"/to-inner", ""); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("a redirect with the caller's client: %v, want refused", err)
	}
}
