package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/programme"
)

// fakeStore serves programmes from memory, with errors on demand.
type fakeStore struct {
	progs   map[string]*programme.Programme
	order   []string
	pingErr error
	listErr error
	getErr  error

	mu           sync.Mutex
	pingDeadline bool
}

func (f *fakeStore) Ping(ctx context.Context) error {
	_, ok := ctx.Deadline()
	f.mu.Lock()
	f.pingDeadline = ok
	f.mu.Unlock()
	return f.pingErr
}

func (f *fakeStore) Programmes(ctx context.Context) ([]programme.Programme, error) {
	if f.listErr != nil {
		return nil, f.listErr
	}
	var out []programme.Programme
	for _, slug := range f.order {
		p := *f.progs[slug]
		// Like the real store, the list carries top-level fields only.
		p.Venues, p.Rooms, p.Delegations, p.People, p.Sessions, p.Transport = nil, nil, nil, nil, nil, nil
		out = append(out, p)
	}
	return out, nil
}

func (f *fakeStore) Programme(ctx context.Context, slug string) (*programme.Programme, error) {
	if f.getErr != nil {
		return nil, f.getErr
	}
	p, ok := f.progs[slug]
	if !ok {
		return nil, programme.Errorf(programme.ENOTFOUND, "There is no programme %q.", slug)
	}
	return p, nil
}

// storeWith returns a fake store holding the given programmes, in order,
// each made public, as the tokenless pages show only public programmes
// (see visibility_test.go for private ones).
func storeWith(ps ...*programme.Programme) *fakeStore {
	f := &fakeStore{progs: map[string]*programme.Programme{}}
	for _, p := range ps {
		p.Public = true
		f.progs[p.Slug] = p
		f.order = append(f.order, p.Slug)
	}
	return f
}

// logBuffer collects JSON log records; it is safe for concurrent use because
// Run serves requests on other goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// records decodes every log record written so far.
func (l *logBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.String()), "\n") {
		if line == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, rec)
	}
	return out
}

// requests returns the request log records only.
func (l *logBuffer) requests(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, r := range l.records(t) {
		if r["msg"] == "request" {
			out = append(out, r)
		}
	}
	return out
}

// testNow is a fixed clock: the evening of Day 0 in Guadalajara.
var testNow = time.Date(2016, 12, 6, 2, 0, 0, 0, time.UTC)

// newTestServer builds a server over st with a fixed clock and a captured log.
func newTestServer(t *testing.T, st Store) (*Server, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	s := New(Config{
		BaseURL: "https://planner.example.org/",
		Logger:  slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:     func() time.Time { return testNow },
	}, st)
	return s, logs
}

// do sends one request to h and returns the response with its body read.
func do(t *testing.T, h http.Handler, method, target string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	t.Cleanup(func() { res.Body.Close() })
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return res, string(body)
}

// get is do for a GET without headers.
func get(t *testing.T, h http.Handler, target string) (*http.Response, string) {
	t.Helper()
	return do(t, h, http.MethodGet, target, nil)
}

// section returns the HTML of one day's section of the programme page.
func section(t *testing.T, body, date string) string {
	t.Helper()
	start := strings.Index(body, `id="d`+date+`"`)
	if start < 0 {
		t.Fatalf("no section for %s in page", date)
	}
	rest := body[start:]
	if end := strings.Index(rest, "</section>"); end >= 0 {
		rest = rest[:end]
	}
	return rest
}

// inOrder fails unless every string occurs in s, each after the one before.
func inOrder(t *testing.T, s string, want ...string) {
	t.Helper()
	pos := 0
	for _, w := range want {
		i := strings.Index(s[pos:], w)
		if i < 0 {
			t.Fatalf("%q missing or out of order (after offset %d)", w, pos)
		}
		pos += i + len(w)
	}
}
