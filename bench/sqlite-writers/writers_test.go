package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"

	"github.com/planner-dev/planner/internal/accounts"
	"github.com/planner-dev/planner/internal/api"
	"github.com/planner-dev/planner/internal/demo"
	"github.com/planner-dev/planner/internal/exchange"
	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/web"
)

// syncBuffer is a log that many goroutines write.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestEightWritersOnSQLite runs the bench's writers for three seconds
// against the web app in this process, over real HTTP, on a real SQLite
// file: every kind of write must succeed at least once, nothing may answer
// 5xx or an unexpected 4xx, and the log must hold no lock error. It is
// always SQLite, whatever PLANNER_TEST_DATABASE_URL says: SQLite's single
// writer is what it checks.
func TestEightWritersOnSQLite(t *testing.T) {
	ctx := t.Context()
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "planner.db"), store.WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if st.Dialect() != "sqlite" {
		t.Fatalf("dialect %q, want sqlite", st.Dialect())
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	p, _, err := exchange.Decode(bytes.NewReader(demo.JSON))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Import(ctx, p, store.ImportOptions{Source: programme.SourceDemo}); err != nil {
		t.Fatal(err)
	}
	const email, password = "bench-writers@example.org", "eight writers at once"
	staff := accounts.New(st, accounts.WithParams(argon2id.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}))
	if _, err := staff.Add(ctx, email, programme.RoleEditor, password); err != nil {
		t.Fatal(err)
	}
	_, token, err := st.CreateAPIToken(ctx, email, "sqlite-writers")
	if err != nil {
		t.Fatal(err)
	}
	keys, err := feeds.NewKeyring(bytes.Repeat([]byte{7}, feeds.KeySize))
	if err != nil {
		t.Fatal(err)
	}

	ts := httptest.NewUnstartedServer(nil)
	base := "http://" + ts.Listener.Addr().String()
	svc := feeds.NewService(st, keys, base, time.Now)
	srv := web.New(web.Config{
		BaseURL: base, Logger: logger, Feeds: svc, Accounts: staff, Sessions: st,
		API: api.New(api.Config{Store: st, Feeds: svc, Logger: logger}),
	}, st)
	ts.Config.Handler = srv.Handler()
	ts.Start()
	t.Cleanup(ts.Close)

	list, err := svc.List(ctx, demo.Slug, true)
	if err != nil {
		t.Fatal(err)
	}
	agendas := map[string]string{}
	for _, l := range list {
		if l.Kind == programme.FeedPerson && l.URL != "" {
			agendas[l.Key] = strings.TrimSuffix(l.URL[strings.LastIndex(l.URL, "/feeds/")+len("/feeds/"):], ".ics")
		}
	}

	target := Target{Base: base, Slug: demo.Slug, APIToken: token, StaffEmail: email, StaffPassword: password, Agendas: agendas}
	res, err := Run(context.Background(), target, 8, 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + res.Summary())
	if !res.Clean() {
		t.Errorf("writes failed:\n%s", res.Summary())
	}
	for _, k := range Kinds {
		if res.ByKind[k].OK == 0 {
			t.Errorf("no %s write succeeded", k)
		}
	}
	if n := LockErrors(logs.String()); n > 0 {
		t.Errorf("%d lock errors in the log, such as:\n%s", n, firstLockLine(logs.String()))
	}
	// The log is the server's: it did record the writes.
	if !strings.Contains(logs.String(), `"status":303`) {
		t.Errorf("the log records no form post; the lock check read the wrong log:\n%.2000s", logs.String())
	}
}

func firstLockLine(log string) string {
	for _, line := range strings.Split(log, "\n") {
		if LockErrors(line) > 0 {
			return line
		}
	}
	return ""
}

func TestLockErrors(t *testing.T) {
	log := `{"msg":"request","status":200}
{"level":"ERROR","msg":"change","err":"sqlite3: database is locked"}
{"level":"ERROR","msg":"begin","err":"SQLITE_BUSY"}
{"msg":"request","status":409}`
	if n := LockErrors(log); n != 2 {
		t.Fatalf("LockErrors = %d, want 2", n)
	}
}

func TestFirstForm(t *testing.T) {
	page := `<form method="post" action="/staff/logout"><input type="hidden" name="_csrf" value="x"></form>
<form method="post" action="/staff/p/s/people/a/edit">
<input type="hidden" name="_csrf" value="x"><input type="hidden" name="revision" value="r1">
<input name="name" type="text" value="Ann &amp; Bo"><input name="flag" type="checkbox"><input name="on" type="checkbox" checked>
<select name="role"><option value="a">A</option><option value="b" selected>B</option></select>
<select name="d"><option value="first">F</option></select>
<textarea name="note">
two
lines</textarea><button type="submit" name="go">Save</button></form>`
	form, err := firstForm([]byte(page))
	if err != nil {
		t.Fatal(err)
	}
	want := "_csrf=x&d=first&name=Ann+%26+Bo&note=two%0Alines&on=on&revision=r1&role=b"
	if got := form.Encode(); got != want {
		t.Fatalf("form = %s\nwant   %s", got, want)
	}
}
