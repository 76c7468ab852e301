package web

import (
	"bufio"
	"bytes"
	"database/sql/driver"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/planner-dev/planner/internal/demo"
	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/programme"
)

// Modes of holdQueries.
const (
	release = iota
	// holdThenRun runs the query once its context is cancelled, so that
	// the driver reports the cancellation in its own words.
	holdThenRun
	// holdThenBadConn fails it as a dropped connection, which is how
	// pgx's database/sql driver reports a query whose context ended before
	// it was sent (its "safe to retry" errors become driver.ErrBadConn).
	holdThenBadConn
)

// holdQueries makes every query wait, while its mode is not release, until
// its context is cancelled: a slow database, which a client that gives up
// cuts off.
func holdQueries(t *testing.T, db *gorm.DB) *atomic.Int32 {
	t.Helper()
	var mode atomic.Int32
	hold := func(tx *gorm.DB) {
		m := mode.Load()
		if m == release {
			return
		}
		select {
		case <-tx.Statement.Context.Done():
		case <-time.After(30 * time.Second):
		}
		if m == holdThenBadConn {
			_ = tx.AddError(driver.ErrBadConn)
		}
	}
	if err := db.Callback().Query().Before("gorm:query").Register("web_test:hold", hold); err != nil {
		t.Fatal(err)
	}
	return &mode
}

// halfClosedGet sends a GET for path on a new connection and half-closes it
// (no more requests: CloseWrite), then reads whatever answer comes. A status
// of 0 means the connection closed without one.
func halfClosedGet(t *testing.T, addr, path string) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: planner.test\r\n\r\n", path); err != nil {
		t.Fatal(err)
	}
	if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if err := conn.SetReadDeadline(time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, ""
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// realGet sends a plain GET over HTTP to the test server.
func realGet(t *testing.T, base, path string) (*http.Response, string) {
	t.Helper()
	res, err := http.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(body)
}

// feedsElsewhere is another process on the same database, such as
// `planner feeds --revoke` or a second `serve`: a Service with its own memory.
func (env *feedEnv) feedsElsewhere() *feeds.Service {
	env.t.Helper()
	keys, err := feeds.NewKeyring(bytes.Repeat([]byte{7}, feeds.KeySize))
	if err != nil {
		env.t.Fatal(err)
	}
	return feeds.NewService(env.st, keys, "https://planner.example.org", env.clock.Now)
}

func TestRevokedLinksStayRevoked(t *testing.T) {
	env := newDemoEnv(t)
	down := outage(t, env.st.DB())
	held := holdQueries(t, env.st.DB())
	ts := httptest.NewServer(env.srv.Handler())
	defer ts.Close()
	ctx := t.Context()
	path := func(token string) string { return "/feeds/" + token + ".ics" }

	omar := env.token(programme.FeedPerson, "omar-ansari")
	prog := env.token(programme.FeedProgramme, demo.Slug)
	shamim := env.token(programme.FeedPerson, "shamim")
	// Calendars poll all three through this server, which keeps their bodies.
	for _, token := range []string{omar, prog, shamim} {
		if res, _ := realGet(t, ts.URL, path(token)); res.StatusCode != http.StatusOK {
			t.Fatalf("before anything happens: %d, want 200", res.StatusCode)
		}
	}

	// Staff revoke Omar's link and rotate the programme's, from another
	// process on the same database.
	elsewhere := env.feedsElsewhere()
	if err := elsewhere.Revoke(ctx, demo.Slug, programme.FeedPerson, "omar-ansari"); err != nil {
		t.Fatal(err)
	}
	if _, err := elsewhere.Rotate(ctx, demo.Slug, programme.FeedProgramme, demo.Slug); err != nil {
		t.Fatal(err)
	}

	// A client that half-closes its connection cancels its request while
	// the database is busy answering: that is no outage, and the revoked
	// link must not come back from memory.
	const tries = 3
	for _, mode := range []int32{holdThenRun, holdThenBadConn} {
		held.Store(mode)
		for range tries {
			if status, body := halfClosedGet(t, ts.Listener.Addr().String(), path(omar)); status == http.StatusOK || strings.Contains(body, "BEGIN:VCALENDAR") {
				t.Fatalf("a half-closed request for a revoked link got %d with the calendar (mode %d)", status, mode)
			}
		}
	}
	held.Store(release)
	if got := env.srv.ClientsGone(); got != 2*tries {
		t.Errorf("%d requests counted as abandoned by their client, want %d", got, 2*tries)
	}
	for _, rec := range env.logs.records(t) {
		if rec["level"] == "ERROR" || rec["level"] == "WARN" {
			t.Errorf("a client that went away was logged as %s: %v", rec["level"], rec)
		}
	}

	// The rotated-away token is asked for: the 404 drops it from memory at
	// once, so an outage right after cannot serve it.
	if res, _ := realGet(t, ts.URL, path(prog)); res.StatusCode != http.StatusNotFound {
		t.Fatalf("the rotated-away link answers %d, want 404", res.StatusCode)
	}
	down.Store(true)
	if res, body := realGet(t, ts.URL, path(prog)); res.StatusCode == http.StatusOK || strings.Contains(body, "BEGIN:VCALENDAR") {
		t.Errorf("during an outage the rotated-away link answers %d with the calendar", res.StatusCode)
	}
	down.Store(false)

	// Omar's link nobody asked for since; the server's periodic check
	// (Watch runs it every RevocationCheckInterval and after every change) learns of
	// the revocation made elsewhere.
	if _, err := env.svc.CheckRevocations(ctx); err != nil {
		t.Fatal(err)
	}
	down.Store(true)
	if res, body := realGet(t, ts.URL, path(omar)); res.StatusCode == http.StatusOK || strings.Contains(body, "BEGIN:VCALENDAR") {
		t.Errorf("during an outage the revoked link answers %d with the calendar", res.StatusCode)
	}
	if status, body := halfClosedGet(t, ts.Listener.Addr().String(), path(omar)); status == http.StatusOK || strings.Contains(body, "BEGIN:VCALENDAR") {
		t.Errorf("during an outage a half-closed request for the revoked link got %d with the calendar", status)
	}
	// A link nobody revoked is still served from memory.
	if res, body := realGet(t, ts.URL, path(shamim)); res.StatusCode != http.StatusOK || !strings.Contains(body, "BEGIN:VCALENDAR") {
		t.Errorf("during an outage a working link answers %d, want 200 with its last version", res.StatusCode)
	}

	// After a restart, still during the outage, nothing is served from
	// memory: there is none.
	restarted := httptest.NewServer(New(Config{
		BaseURL: "https://planner.example.org",
		Logger:  slog.New(slog.DiscardHandler),
		Now:     env.clock.Now,
		Feeds:   env.feedsElsewhere(),
	}, env.st).Handler())
	defer restarted.Close()
	for _, token := range []string{omar, prog, shamim} {
		if res, _ := realGet(t, restarted.URL, path(token)); res.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("after a restart during the outage a link answers %d, want 503", res.StatusCode)
		}
	}
}
