package web

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"

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
