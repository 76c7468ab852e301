package web

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// listen opens a listener on a free loopback port.
func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// runServer runs s on ln. cancel ends Run's context; wait returns Run's
// result and may be called more than once. The test's cleanup calls both.
func runServer(t *testing.T, s *Server, ln net.Listener) (cancel context.CancelFunc, wait func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, ln) }()
	var once sync.Once
	var err error
	wait = func() error {
		once.Do(func() { err = <-done })
		return err
	}
	t.Cleanup(func() {
		cancel()
		_ = wait()
	})
	return cancel, wait
}

func TestRunServesAndShutsDown(t *testing.T) {
	s, _ := newTestServer(t, storeWith())
	ln := listen(t)
	cancel, wait := runServer(t, s, ln)

	res, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || string(body) != "ok" {
		t.Fatalf("got %d %q", res.StatusCode, body)
	}

	cancel()
	if err := wait(); err != nil {
		t.Fatalf("Run returned %v after cancel, want nil", err)
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Error("server still answers after shutdown")
	}
}

// A request in flight when the context ends still gets its answer.
func TestRunFinishesRequestsInFlight(t *testing.T) {
	s, _ := newTestServer(t, storeWith())
	entered, release := make(chan struct{}), make(chan struct{})
	s.Echo().GET("/test/slow", func(c echo.Context) error {
		close(entered)
		<-release
		if err := c.Request().Context().Err(); err != nil {
			return c.String(http.StatusOK, "cancelled")
		}
		return c.String(http.StatusOK, "finished")
	})
	ln := listen(t)
	cancel, wait := runServer(t, s, ln)

	type result struct {
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		res, err := http.Get("http://" + ln.Addr().String() + "/test/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		got <- result{string(b), err}
	}()

	<-entered
	// The request's context must outlive Run's: the handler checks it
	// after this cancel.
	cancel()
	close(release)
	r := <-got
	if r.err != nil || r.body != "finished" {
		t.Fatalf("in-flight request got %q, %v; want finished", r.body, r.err)
	}
	if err := wait(); err != nil {
		t.Fatalf("Run returned %v, want nil", err)
	}
}

func TestRunReportsServeErrors(t *testing.T) {
	s, _ := newTestServer(t, storeWith())
	ln := listen(t)
	ln.Close()
	if err := s.Run(context.Background(), ln); err == nil {
		t.Fatal("Run on a closed listener returned nil")
	}
}

func TestURL(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{BaseURL: "https://planner.example.org/"}, "https://planner.example.org/p/x"},
		{Config{Addr: "0.0.0.0:9000"}, "http://0.0.0.0:9000/p/x"},
		{Config{}, "http://" + DefaultAddr + "/p/x"},
	}
	for _, tt := range tests {
		if got := New(tt.cfg, storeWith()).URL("/p/x"); got != tt.want {
			t.Errorf("URL = %q, want %q", got, tt.want)
		}
	}
}

// TestRunDrainsBeforeShutdown: with a drain, a server whose context ends goes
// on serving for a while, on new connections and on the keep-alive
// connections it had (it closes none under a client's feet), but /healthz
// answers 503 and every answer closes its connection; then it shuts down.
func TestRunDrainsBeforeShutdown(t *testing.T) {
	s, _ := newTestServer(t, storeWith())
	s.shutdownDrain = 3 * time.Second
	ln := listen(t)
	cancel, wait := runServer(t, s, ln)
	base := "http://" + ln.Addr().String()

	type answer struct {
		status int
		body   string
		close  bool // the server closes the connection after it
		reused bool // it came on a connection opened before
	}
	do := func(client *http.Client, path string) answer {
		t.Helper()
		var a answer
		trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) { a.reused = info.Reused }}
		req, err := http.NewRequestWithContext(httptrace.WithClientTrace(t.Context(), trace), http.MethodGet, base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		a.status, a.body, a.close = res.StatusCode, string(b), res.Close
		return a
	}
	keepAlive := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	defer keepAlive.CloseIdleConnections()
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

	if a := do(keepAlive, "/healthz"); a.status != http.StatusOK || a.close {
		t.Fatalf("before the drain: /healthz %+v, want 200 on a connection kept open", a)
	}
	cancel()
	for i := 0; ; i++ {
		if a := do(fresh, "/healthz"); a.status == http.StatusServiceUnavailable {
			if a.body != "draining" || !a.close {
				t.Errorf("/healthz while draining: %+v, want 503 draining, closing the connection", a)
			}
			break
		}
		if i == 100 {
			t.Fatal("/healthz never answered 503 after the context ended")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The connection opened before the drain is still served, once.
	if a := do(keepAlive, "/"); a.status != http.StatusOK || !a.reused || !a.close {
		t.Errorf("while draining, on the kept connection: %+v, want 200 on the reused connection, then closed", a)
	}
	if a := do(fresh, "/"); a.status != http.StatusOK || !a.close {
		t.Errorf("while draining, on a new connection: %+v, want 200, then closed", a)
	}
	if err := wait(); err != nil {
		t.Fatalf("Run returned %v after the drain, want nil", err)
	}
	if _, err := fresh.Get(base + "/healthz"); err == nil {
		t.Error("server still answers after the drain and shutdown")
	}
}
