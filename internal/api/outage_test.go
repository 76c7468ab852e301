package api_test

import (
	"context"
	"database/sql"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/ncruces/go-sqlite3/driver" // a second connection that holds the write lock

	"github.com/planner-dev/planner/internal/api"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
)

// TestAnUnavailableDatabaseAnswers503WithRetryAfter takes the real database
// away from the API and brings it back: on PostgreSQL the store reaches it
// through a TCP proxy that the test cuts (every connection dropped, new ones
// refused, as during a restart); on SQLite another connection holds the
// write lock, as another process's long import does, past a short busy
// timeout. A write then answers 503 at once, as a problem detail with
// Retry-After, and the same write succeeds once the database is back,
// with nothing restarted.
func TestAnUnavailableDatabaseAnswers503WithRetryAfter(t *testing.T) {
	u := storetest.FreshURL(t)
	var cut, restore func()
	if strings.HasPrefix(u, "postgres") {
		p := startProxy(t, u)
		u, cut, restore = p.url, p.cut, p.restore
	} else {
		path := u
		u = "file:" + path + "?_pragma=busy_timeout(200)"
		cut, restore = holdWriteLock(t, path)
	}
	st, err := store.Open(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	f := newFixtureOn(t, st, true)
	put := func(key string) res {
		return f.do(programme.RoleEditor, http.MethodPut, "/api/v1/programmes/"+f.slug+"/sessions/"+key, map[string]any{
			"title": "Outage " + key, "kind": "meeting", "starts_at": "2016-12-08T08:00", "ends_at": "2016-12-08T08:30",
			"venue": "expo", "status": "confirmed",
		})
	}
	f.want(put("outage-1"), http.StatusCreated)

	cut()
	began := time.Now()
	r := put("outage-2")
	took := time.Since(began)
	if r.Code != http.StatusServiceUnavailable {
		t.Fatalf("during the outage: %d %s, want 503", r.Code, r.Body)
	}
	if got := r.Header().Get("Retry-After"); got != api.RetryAfterSeconds {
		t.Errorf("Retry-After %q, want %q", got, api.RetryAfterSeconds)
	}
	if ct := r.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q, want application/problem+json", ct)
	}
	detail, _ := r.json["detail"].(string)
	if !strings.Contains(detail, "try again") {
		t.Errorf("detail %q does not say to try again", detail)
	}
	for _, leak := range []string{"127.0.0.1", "SQLSTATE", "locked", "dial"} {
		if strings.Contains(r.Body.String(), leak) {
			t.Errorf("the answer leaks %q: %s", leak, r.Body)
		}
	}
	// Not a timing assertion of speed, a bound on hanging: the answer
	// must not wait for a TCP or pool timeout (tens of seconds).
	if took > 5*time.Second {
		t.Errorf("the 503 took %v", took)
	}

	restore()
	// Back by itself: the pool drops the dead connections and dials again.
	deadline := time.Now().Add(10 * time.Second)
	for {
		r = put("outage-2")
		if r.Code != http.StatusServiceUnavailable || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	f.want(r, http.StatusCreated)
	p, err := st.Programme(t.Context(), f.slug)
	if err != nil {
		t.Fatal(err)
	}
	if p.Session("outage-2") == nil {
		t.Error("the write acknowledged after the outage is not in the programme")
	}
}

// holdWriteLock returns functions that take and release SQLite's write
// lock on the file at path from a connection of their own.
func holdWriteLock(t *testing.T, path string) (take, release func()) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var conn *sql.Conn
	take = func() {
		if conn, err = db.Conn(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
			t.Fatal(err)
		}
	}
	release = func() {
		if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
			t.Fatal(err)
		}
		conn.Close()
	}
	return take, release
}

// proxy forwards TCP connections to a PostgreSQL server; cut drops every
// connection and refuses new ones, restore listens again on the same port.
type proxy struct {
	t      *testing.T
	url    string
	addr   string
	target string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func startProxy(t *testing.T, raw string) *proxy {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{t: t, target: u.Host}
	if u.Port() == "" {
		p.target = net.JoinHostPort(u.Hostname(), "5432")
	}
	p.listen("127.0.0.1:0")
	u.Host = p.addr
	p.url = u.String()
	t.Cleanup(p.cut)
	return p
}

func (p *proxy) listen(addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(s, c); s.Close() }()
			go func() { _, _ = io.Copy(c, s); c.Close() }()
		}
	}()
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *proxy) restore() { p.listen(p.addr) }
