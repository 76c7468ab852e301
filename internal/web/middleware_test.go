package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
)

func TestSecureHeaders(t *testing.T) {
	s, _ := newTestServer(t, storeWith(sample.Demo(t)))
	s.Echo().GET("/test/panic", func(c echo.Context) error { panic("boom") })
	want := map[string]string{
		"X-Content-Type-Options": "nosniff",
		"X-Frame-Options":        "DENY",
		"Referrer-Policy":        "no-referrer",
	}
	// Error responses carry the headers too: a 404 page also shows a URL.
	for _, path := range []string{"/", "/p/igf2016-cldp", "/healthz", "/static/app.css", "/no-such-page", "/test/panic"} {
		t.Run(path, func(t *testing.T) {
			res, _ := get(t, s.Handler(), path)
			for k, v := range want {
				if got := res.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if csp := res.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'self'") {
				t.Errorf("Content-Security-Policy %q does not start with default-src 'self'", csp)
			}
		})
	}
}

// The CSP forbids inline scripts and styles, so the pages must have none.
func TestPagesHaveNoInlineScriptOrStyle(t *testing.T) {
	s, _ := newTestServer(t, storeWith(sample.Demo(t)))
	for _, path := range []string{"/", "/p/igf2016-cldp", "/no-such-page"} {
		_, body := get(t, s.Handler(), path)
		for _, bad := range []string{"<script", "<style", "style=", "onclick=", "javascript:"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s contains %q", path, bad)
			}
		}
	}
}

func TestRequestLogRedactsTokens(t *testing.T) {
	const token = "K7QW3ZP5MXN2RT4V6YB8CD9FGH"
	s, logs := newTestServer(t, storeWith())
	e := s.Echo()
	// Stand-ins for the feed routes the lead adds later; their errors quote
	// the token, as careless code would.
	e.GET("/feeds/:token", func(c echo.Context) error {
		return programme.Errorf(programme.ENOTFOUND, "no feed for token %s", strings.TrimSuffix(c.Param("token"), ".ics"))
	})
	e.GET("/a/:token/agenda", func(c echo.Context) error {
		return errors.New("lookup " + c.Param("token") + ": sql: no rows")
	})

	tests := []struct {
		target     string
		wantPath   string
		wantStatus int
	}{
		{"/feeds/" + token + ".ics", "/feeds/…", 404},
		{"/feeds/" + token + ".ics?token=" + token, "/feeds/…", 404},
		{"/a/" + token + "/agenda", "/a/…", 500},
		{"/p/igf2016-cldp?ref=" + token, "/p/igf2016-cldp", 404},
	}
	for _, tt := range tests {
		t.Run(tt.wantPath, func(t *testing.T) {
			before := len(logs.requests(t))
			res, body := get(t, s.Handler(), tt.target)
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.wantStatus)
			}
			recs := logs.requests(t)[before:]
			if len(recs) != 1 {
				t.Fatalf("%d request records, want 1", len(recs))
			}
			rec := recs[0]
			if rec["path"] != tt.wantPath || rec["method"] != "GET" || rec["status"] != float64(tt.wantStatus) {
				t.Errorf("record %v, want path %q, GET, status %d", rec, tt.wantPath, tt.wantStatus)
			}
			for _, k := range []string{"duration", "request_id"} {
				if _, ok := rec[k]; !ok {
					t.Errorf("record lacks %s", k)
				}
			}
			if tt.wantStatus == 500 && strings.Contains(body, token) {
				t.Error("500 body shows the internal error")
			}
		})
	}
	if strings.Contains(logs.String(), token) {
		t.Errorf("log shows the token:\n%s", logs)
	}
}

func TestRequestID(t *testing.T) {
	s, logs := newTestServer(t, storeWith())
	tests := []struct {
		name, sent string
		kept       bool
	}{
		{"none sent", "", false},
		{"plain one kept", "lb-1234.abcd_EF", true},
		{"garbled one replaced", "x\" injected=1", false},
		{"long one replaced", strings.Repeat("a", 65), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(logs.requests(t))
			res, _ := do(t, s.Handler(), http.MethodGet, "/healthz", map[string]string{echo.HeaderXRequestID: tt.sent})
			id := res.Header.Get(echo.HeaderXRequestID)
			if id == "" || (id == tt.sent) != tt.kept {
				t.Errorf("X-Request-Id %q for %q sent, kept want %v", id, tt.sent, tt.kept)
			}
			if got := logs.requests(t)[before]["request_id"]; got != id {
				t.Errorf("logged request_id %q, want %q", got, id)
			}
		})
	}
}

func TestPanicGives500LoggedOnce(t *testing.T) {
	s, logs := newTestServer(t, storeWith())
	s.Echo().GET("/test/panic", func(c echo.Context) error { panic("secret internal state 0xdeadbeef") })

	res, body := get(t, s.Handler(), "/test/panic")
	if res.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", res.StatusCode)
	}
	for _, leak := range []string{"0xdeadbeef", "goroutine", "panic", ".go:"} {
		if strings.Contains(body, leak) {
			t.Errorf("body shows %q", leak)
		}
	}
	if !strings.Contains(body, msgInternal) || !strings.Contains(body, res.Header.Get(echo.HeaderXRequestID)) {
		t.Errorf("body lacks the plain message or the request ID:\n%s", body)
	}

	var panics int
	for _, rec := range logs.records(t) {
		if msg, _ := rec["error"].(string); strings.Contains(msg, "0xdeadbeef") {
			panics++
			if rec["level"] != "ERROR" || rec["status"] != float64(500) {
				t.Errorf("panic record %v, want ERROR with status 500", rec)
			}
			if stack, _ := rec["stack"].(string); !strings.Contains(stack, "goroutine") {
				t.Error("panic record lacks the stack")
			}
		}
	}
	if panics != 1 {
		t.Errorf("panic logged %d times, want once:\n%s", panics, logs)
	}

	// The server goes on serving.
	if res, _ := get(t, s.Handler(), "/healthz"); res.StatusCode != http.StatusOK {
		t.Errorf("after a panic, /healthz gives %d", res.StatusCode)
	}
}

func TestBodyLimit(t *testing.T) {
	s, _ := newTestServer(t, storeWith())
	s.Echo().POST("/test/upload", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
	tests := []struct {
		size int
		want int
	}{
		{1 << 20, http.StatusNoContent},
		{2<<20 + 1, http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(http.MethodPost, "/test/upload", strings.NewReader(strings.Repeat("x", tt.size)))
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		if rec.Code != tt.want {
			t.Errorf("body of %d bytes: status %d, want %d", tt.size, rec.Code, tt.want)
		}
	}
}

func TestHandlersGetADeadline(t *testing.T) {
	s, _ := newTestServer(t, storeWith())
	s.Echo().GET("/test/deadline", func(c echo.Context) error {
		if _, ok := c.Request().Context().Deadline(); !ok {
			return c.String(http.StatusOK, "none")
		}
		return c.String(http.StatusOK, "set")
	})
	if _, body := get(t, s.Handler(), "/test/deadline"); body != "set" {
		t.Errorf("handler context deadline %s, want set", body)
	}
}

func TestRealIPIgnoresForwardingHeaders(t *testing.T) {
	s, _ := newTestServer(t, storeWith())
	s.Echo().GET("/test/ip", func(c echo.Context) error { return c.String(http.StatusOK, c.RealIP()) })
	req := httptest.NewRequest(http.MethodGet, "/test/ip", nil)
	req.RemoteAddr = "192.0.2.7:51234"
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	req.Header.Set("X-Real-Ip", "203.0.113.9")
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	if got := rec.Body.String(); got != "192.0.2.7" {
		t.Errorf("RealIP %q, want the peer 192.0.2.7", got)
	}
}

// TestRealIPBehindTrustedProxies: a request from a trusted proxy comes from
// the client its X-Forwarded-For names (the last address there that is not a
// trusted proxy); a request from anyone else comes from its peer whatever it
// says, and a loopback or private peer is not trusted unless configured.
func TestRealIPBehindTrustedProxies(t *testing.T) {
	s := New(Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/29"), netip.MustParsePrefix("2001:db8::1/128")}}, storeWith())
	s.Echo().GET("/test/ip", func(c echo.Context) error { return c.String(http.StatusOK, c.RealIP()) })
	tests := []struct{ peer, xff, want string }{
		{"192.0.2.7:51234", "203.0.113.9", "203.0.113.9"},
		{"192.0.2.7:51234", "198.51.100.1, 203.0.113.9, 192.0.2.3", "203.0.113.9"},
		{"[2001:db8::1]:51234", "203.0.113.9", "203.0.113.9"},
		{"192.0.2.7:51234", "", "192.0.2.7"},
		{"192.0.2.9:51234", "203.0.113.9", "192.0.2.9"},
		{"127.0.0.1:51234", "203.0.113.9", "127.0.0.1"},
		{"10.1.2.3:51234", "203.0.113.9", "10.1.2.3"},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(http.MethodGet, "/test/ip", nil)
		req.RemoteAddr = tt.peer
		if tt.xff != "" {
			req.Header.Set("X-Forwarded-For", tt.xff)
		}
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		if got := rec.Body.String(); got != tt.want {
			t.Errorf("from %s with X-Forwarded-For %q: RealIP %q, want %q", tt.peer, tt.xff, got, tt.want)
		}
	}
}

func TestAClientThatWentAwayIsNoError(t *testing.T) {
	for name, st := range map[string]*fakeStore{
		"store cut off":     {getErr: fmt.Errorf("cannot load: %w", context.Canceled)},
		"store says outage": {getErr: programme.Errorf(programme.EUNAVAILABLE, "The database is unavailable.")},
		"store bug":         {getErr: errors.New("boom")},
	} {
		t.Run(name, func(t *testing.T) {
			p := sample.Demo(t)
			st.progs, st.order = map[string]*programme.Programme{p.Slug: p}, []string{p.Slug}
			s, logs := newTestServer(t, st)
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			req := httptest.NewRequest(http.MethodGet, "/p/"+p.Slug, nil).WithContext(ctx)
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			if rec.Code != StatusClientClosedRequest {
				t.Errorf("status %d, want %d", rec.Code, StatusClientClosedRequest)
			}
			if got := s.ClientsGone(); got != 1 {
				t.Errorf("ClientsGone = %d, want 1", got)
			}
			reqs := logs.requests(t)
			if len(reqs) != 1 || reqs[0]["level"] != "DEBUG" || reqs[0]["status"] != float64(StatusClientClosedRequest) {
				t.Errorf("logged %v, want one DEBUG line with status 499", reqs)
			}
		})
	}
	// /healthz writes its own 503 when the ping fails; a ping cut off by
	// the client going away is no error either.
	s, logs := newTestServer(t, &fakeStore{pingErr: context.Canceled})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	s.Handler().ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/healthz", nil).WithContext(ctx))
	if reqs := logs.requests(t); len(reqs) != 1 || reqs[0]["level"] != "DEBUG" || reqs[0]["status"] != float64(StatusClientClosedRequest) || s.ClientsGone() != 1 {
		t.Errorf("a health check whose client went away logged %v (ClientsGone %d), want one DEBUG line with status 499", reqs, s.ClientsGone())
	}
	// A panic is a bug, client or not.
	s, logs = newTestServer(t, storeWith(sample.Demo(t)))
	s.Echo().GET("/test/panic", func(c echo.Context) error { panic("boom") })
	s.Handler().ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/test/panic", nil).WithContext(ctx))
	if reqs := logs.requests(t); len(reqs) != 1 || reqs[0]["level"] != "ERROR" || reqs[0]["stack"] == nil {
		t.Errorf("a panic after the client went away logged %v, want one ERROR line with the stack", reqs)
	}
	// A request that fails while its client is still there is an error.
	s, logs = newTestServer(t, &fakeStore{getErr: errors.New("boom")})
	if res, _ := get(t, s.Handler(), "/p/x"); res.StatusCode != http.StatusInternalServerError {
		t.Errorf("a failure with the client present: %d, want 500", res.StatusCode)
	}
	if reqs := logs.requests(t); len(reqs) != 1 || reqs[0]["level"] != "ERROR" || s.ClientsGone() != 0 {
		t.Errorf("a failure with the client present logged %v (ClientsGone %d), want one ERROR", reqs, s.ClientsGone())
	}
}

// TestRequestIDsDiffer: the IDs the server makes up are unique within the
// process and plain enough to be kept if a proxy sent them back.
func TestRequestIDsDiffer(t *testing.T) {
	s, _ := newTestServer(t, storeWith())
	seen := map[string]bool{}
	for range 50 {
		res, _ := do(t, s.Handler(), http.MethodGet, "/healthz", nil)
		id := res.Header.Get(echo.HeaderXRequestID)
		if !plainID(id) || seen[id] {
			t.Fatalf("request ID %q: plain %v, seen before %v", id, plainID(id), seen[id])
		}
		seen[id] = true
	}
}

// TestRequestIDsMadeInBatches: the IDs made requestIDChunk at a time stay
// unique when many requests take them at once, across batches; each is the
// process's prefix and a number, and comes as a full one-element slice, so
// that a handler appending to its response's header changes no other
// response's ID.
func TestRequestIDsMadeInBatches(t *testing.T) {
	const workers, each = 4, 3*requestIDChunk + 7
	got := make([][][]string, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for range each {
				got[w] = append(got[w], newRequestIDValue())
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, values := range got {
		for _, v := range values {
			if len(v) != 1 || cap(v) != 1 {
				t.Fatalf("request ID value %q of capacity %d, want one full element", v, cap(v))
			}
			id := v[0]
			n, ok := strings.CutPrefix(id, requestIDPrefix+"-")
			if _, err := strconv.ParseUint(n, 36, 64); !ok || err != nil || !plainID(id) {
				t.Fatalf("request ID %q is not the prefix %q and a number", id, requestIDPrefix)
			}
			if seen[id] {
				t.Fatalf("request ID %q made twice", id)
			}
			seen[id] = true
		}
	}
}

// TestSecurityHeadersOnEveryKindOfResponse: the header values shared by
// every response reach a page and a 404 alike; a handler that sets one of
// them keeps its own value, on its own response only, not the next one's;
// and a 304, of any route, carries none of them (RFC 9110, section 15.4.5:
// the stored 200 keeps its own).
func TestSecurityHeadersOnEveryKindOfResponse(t *testing.T) {
	s, _ := newTestServer(t, storeWith())
	s.Echo().GET("/test/override", func(c echo.Context) error {
		c.Response().Header().Add(echo.HeaderXFrameOptions, "SAMEORIGIN")
		return c.NoContent(http.StatusNoContent)
	})
	s.Echo().GET("/test/not-modified", func(c echo.Context) error {
		return c.NoContent(http.StatusNotModified)
	})
	for _, path := range []string{"/healthz", "/feeds/nosuchtoken.ics", "/test/override", "/healthz", "/test/not-modified", "/static/app.css", "/staff/login"} {
		res, _ := do(t, s.Handler(), http.MethodGet, path, nil)
		for _, sh := range secureHeaders {
			got := res.Header.Values(sh.name)
			switch {
			case path == "/test/not-modified":
				if len(got) != 0 {
					t.Errorf("%s: %s %q on a 304, want none", path, sh.name, got)
				}
			case path == "/test/override" && sh.name == echo.HeaderXFrameOptions:
				if len(got) != 1 || got[0] != "SAMEORIGIN" {
					t.Errorf("%s: %s %q, want the handler's own value alone", path, sh.name, got)
				}
			case len(got) != 1 || got[0] != sh.value[0]:
				t.Errorf("%s: %s %q, want %q", path, sh.name, got, sh.value[0])
			}
		}
	}
}
