package web

import (
	"bytes"
	"compress/gzip"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"
	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"github.com/planner-dev/planner/internal/demo"
	"github.com/planner-dev/planner/internal/exchange"
	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
)

// importedAt is when the demo is first imported: a week before the
// programme starts, when staff send the links out.
var importedAt = time.Date(2016, 11, 20, 12, 0, 0, 0, time.UTC)

// feedEnv is a server over a real store holding one programme, with the feed
// service, the clock and the captured log.
type feedEnv struct {
	t     *testing.T
	clock *storetest.Clock // moved by hand; the store, the feed service and the server all read it
	st    *store.Store
	svc   *feeds.Service
	srv   *Server
	logs  *logBuffer
	slug  string
}

// newFeedEnv imports p into a fresh store (SQLite, or PostgreSQL when
// PLANNER_TEST_DATABASE_URL is set) at importedAt and builds a server on it.
func newFeedEnv(t *testing.T, p *programme.Programme) *feedEnv {
	t.Helper()
	clock := storetest.NewClock(importedAt)
	st := storetest.Open(t, store.WithNow(clock.Now))
	storetest.MustImport(t, st, p)
	storetest.MustMakePublic(t, st, p.Slug)
	keys, err := feeds.NewKeyring(bytes.Repeat([]byte{7}, feeds.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	svc := feeds.NewService(st, keys, "https://planner.example.org", clock.Now)
	// Agenda pages rendered again in the background end before the store
	// closes.
	t.Cleanup(func() { svc.PageRefreshes() })
	logs := &logBuffer{}
	srv := New(Config{
		BaseURL: "https://planner.example.org",
		Logger:  slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:     clock.Now,
		Feeds:   svc,
	}, st)
	return &feedEnv{t: t, clock: clock, st: st, svc: svc, srv: srv, logs: logs, slug: p.Slug}
}

// newDemoEnv is newFeedEnv with the demo programme.
func newDemoEnv(t *testing.T) *feedEnv {
	t.Helper()
	return newFeedEnv(t, sample.Demo(t))
}

// reimport imports p over the stored programme, as staff do after an edit.
func (env *feedEnv) reimport(p *programme.Programme) store.ImportReport {
	env.t.Helper()
	return storetest.MustImport(env.t, env.st, p)
}

// listing returns the staff view of one feed, creating tokens as needed.
func (env *feedEnv) listing(kind programme.FeedKind, key string) feeds.Listing {
	env.t.Helper()
	list, err := env.svc.List(env.t.Context(), env.slug, true)
	if err != nil {
		env.t.Fatalf("List: %v", err)
	}
	for _, l := range list {
		if l.Kind == kind && l.Key == key {
			return l
		}
	}
	env.t.Fatalf("no %s feed %q in %s", kind, key, env.slug)
	return feeds.Listing{}
}

// token returns the secret token of one feed, taken from its URL.
func (env *feedEnv) token(kind programme.FeedKind, key string) string {
	env.t.Helper()
	l := env.listing(kind, key)
	tok, ok := strings.CutPrefix(l.URL, "https://planner.example.org/feeds/")
	if !ok {
		env.t.Fatalf("feed URL %q is not under the base URL", l.URL)
	}
	return strings.TrimSuffix(tok, ".ics")
}

// fetch sends one request for a feed with the given headers.
func (env *feedEnv) fetch(method, token string, header map[string]string) (*http.Response, string) {
	env.t.Helper()
	return do(env.t, env.srv.Handler(), method, "/feeds/"+token+".ics", header)
}

// calendar fetches a feed with a plain GET, checks it is a 200, and parses it.
func (env *feedEnv) calendar(token string) *goical.Calendar {
	env.t.Helper()
	res, body := env.fetch(http.MethodGet, token, nil)
	if res.StatusCode != http.StatusOK {
		env.t.Fatalf("GET feed: %d %s", res.StatusCode, body)
	}
	return parseCalendar(env.t, body)
}

// parseCalendar reads a feed with an independent parser.
func parseCalendar(t *testing.T, body string) *goical.Calendar {
	t.Helper()
	cal, err := goical.NewDecoder(strings.NewReader(body)).Decode()
	if err != nil {
		t.Fatalf("go-ical cannot read the feed: %v\n%s", err, body)
	}
	return cal
}

// editedDemo returns a fresh copy of the demo changed by edit.
func editedDemo(t *testing.T, edit func(p *programme.Programme)) *programme.Programme {
	t.Helper()
	p, _, err := exchange.Decode(bytes.NewReader(demo.JSON))
	if err != nil {
		t.Fatalf("decode demo: %v", err)
	}
	edit(p)
	return p
}

// sessionOf returns the session of p with key, failing the test if none.
func sessionOf(t *testing.T, p *programme.Programme, key string) *programme.Session {
	t.Helper()
	return found(t, p.Session(key), "no session %q", key)
}

// slotOf returns the slot of s with key, failing the test if none.
func slotOf(t *testing.T, s *programme.Session, key string) *programme.Slot {
	t.Helper()
	return found(t, s.Slot(key), "session %q has no slot %q", s.Key, key)
}

// found returns v, failing the test with the message format and args when it
// is nil: a test that names an item its programme lacks is broken, and says
// so rather than panicking on a nil pointer.
func found[T any](t *testing.T, v *T, format string, args ...any) *T {
	t.Helper()
	if v == nil {
		t.Fatalf(format, args...)
	}
	return v
}

// eventsByUID returns the events of cal by UID.
func eventsByUID(t *testing.T, cal *goical.Calendar) map[string]goical.Event {
	t.Helper()
	out := map[string]goical.Event{}
	for _, ev := range cal.Events() {
		uid := propText(t, ev.Props, goical.PropUID)
		if _, dup := out[uid]; dup {
			t.Fatalf("UID %s occurs twice in one feed", uid)
		}
		out[uid] = ev
	}
	return out
}

// propText is the text of a property, "" when it is absent.
func propText(t *testing.T, props goical.Props, name string) string {
	t.Helper()
	p := props.Get(name)
	if p == nil {
		return ""
	}
	s, err := p.Text()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}

// sequenceOf is an event's SEQUENCE.
func sequenceOf(t *testing.T, ev goical.Event) int {
	t.Helper()
	p := ev.Props.Get(goical.PropSequence)
	if p == nil {
		t.Fatalf("event %s has no SEQUENCE", propText(t, ev.Props, goical.PropUID))
	}
	n, err := p.Int()
	if err != nil {
		t.Fatalf("SEQUENCE: %v", err)
	}
	return n
}

// uidOf is the calendar UID of an item of the demo, such as "session/town-hall".
func uidOf(id string) string { return programme.UID(demo.Slug, id) }

func TestFeedGetServesTheCalendar(t *testing.T) {
	env := newDemoEnv(t)
	tok := env.token(programme.FeedPerson, "omar-ansari")

	res, body := env.fetch(http.MethodGet, tok, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200: %s", res.StatusCode, body)
	}
	for _, tt := range []struct{ header, want string }{
		{"Content-Type", "text/calendar; charset=utf-8"},
		{"Cache-Control", "private, max-age=300"},
		{"Vary", "Accept-Encoding"},
		// Nothing has changed since the import, which is also today.
		{"Last-Modified", "Sun, 20 Nov 2016 12:00:00 GMT"},
		{"Content-Encoding", ""},
		{"Content-Disposition", ""},
	} {
		if got := res.Header.Get(tt.header); got != tt.want {
			t.Errorf("%s = %q, want %q", tt.header, got, tt.want)
		}
	}
	etag := res.Header.Get("ETag")
	if !strings.HasPrefix(etag, `"`) || !strings.HasSuffix(etag, `"`) || len(etag) < 10 {
		t.Errorf("ETag = %q, want a strong entity tag", etag)
	}

	cal := parseCalendar(t, body)
	if got, want := propText(t, cal.Props, "NAME"), "Omar Ansari — CLDP-supported delegations at IGF 2016"; got != want {
		t.Errorf("NAME = %q, want %q", got, want)
	}
	events := eventsByUID(t, cal)
	for _, id := range []string{"session/dc-day1", "session/day0-seminar", "session/town-hall", "session/closing-lunch", "run/day0-bus"} {
		if _, ok := events[uidOf(id)]; !ok {
			t.Errorf("Omar's feed has no event for %s", id)
		}
	}
	if len(events) != 10 {
		t.Errorf("Omar's feed has %d events, want 10", len(events))
	}

	// The same state gives the same bytes and the same validator.
	again, body2 := env.fetch(http.MethodGet, tok, nil)
	if again.Header.Get("ETag") != etag || body2 != body {
		t.Error("a second GET of an unchanged feed gave other bytes or another ETag")
	}
}

func TestFeedDownload(t *testing.T) {
	env := newDemoEnv(t)
	tok := env.token(programme.FeedPerson, "omar-ansari")
	res, body := do(t, env.srv.Handler(), http.MethodGet, "/feeds/"+tok+".ics?download=1", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", res.StatusCode)
	}
	if got, want := res.Header.Get("Content-Disposition"), `attachment; filename="agenda.ics"`; got != want {
		t.Errorf("Content-Disposition = %q, want %q", got, want)
	}
	_, plain := env.fetch(http.MethodGet, tok, nil)
	if body != plain {
		t.Error("the download differs from the feed")
	}
}

// checkNotModifiedHeaders checks that a 304 carries what RFC 9110 asks of
// it, as on the 200 (ok): the ETag, Cache-Control and Vary; and no other
// metadata (section 15.4.5): not Last-Modified, since the ETag is there, nor
// the security headers, which guard content and which the client keeps
// from its stored 200. A request ID is no metadata of the feed.
func checkNotModifiedHeaders(t *testing.T, res, ok *http.Response) {
	t.Helper()
	for _, h := range []string{"Cache-Control", "Vary"} {
		if res.Header.Get(h) != ok.Header.Get(h) || res.Header.Get(h) == "" {
			t.Errorf("304 %s = %q, want %q as on the 200", h, res.Header.Get(h), ok.Header.Get(h))
		}
	}
	var names []string
	for name := range res.Header {
		names = append(names, name)
	}
	slices.Sort(names)
	if want := []string{"Cache-Control", "Etag", "Vary", "X-Request-Id"}; !slices.Equal(names, want) {
		t.Errorf("304 headers %v, want %v", names, want)
	}
}

func TestFeedConditionalGet(t *testing.T) {
	env := newDemoEnv(t)
	tok := env.token(programme.FeedPerson, "omar-ansari")
	first, _ := env.fetch(http.MethodGet, tok, nil)
	etag, lastModified := first.Header.Get("ETag"), first.Header.Get("Last-Modified")
	bare := strings.Trim(etag, `"`)
	lm, err := http.ParseTime(lastModified)
	if err != nil {
		t.Fatalf("Last-Modified %q: %v", lastModified, err)
	}

	tests := []struct {
		name   string
		header map[string]string
		want   int
	}{
		{"exact ETag", map[string]string{"If-None-Match": etag}, http.StatusNotModified},
		{"weak ETag", map[string]string{"If-None-Match": "W/" + etag}, http.StatusNotModified},
		{"ETag in a list", map[string]string{"If-None-Match": `"0123456789abcdef", ` + etag + `, W/"x"`}, http.StatusNotModified},
		{"any ETag", map[string]string{"If-None-Match": "*"}, http.StatusNotModified},
		{"gzip ETag", map[string]string{"If-None-Match": `"` + bare + `-gzip"`}, http.StatusNotModified},
		{"stale ETag", map[string]string{"If-None-Match": `"0123456789abcdef0123456789abcdef"`}, http.StatusOK},
		{"stale weak ETag", map[string]string{"If-None-Match": `W/"0123456789abcdef"`}, http.StatusOK},
		{"ETag with a suffix", map[string]string{"If-None-Match": `"` + bare + `x"`}, http.StatusOK},
		{"unquoted ETag", map[string]string{"If-None-Match": bare}, http.StatusNotModified},
		{"unquoted gzip ETag", map[string]string{"If-None-Match": bare + "-gzip"}, http.StatusNotModified},
		{"gzip ETag of another version", map[string]string{"If-None-Match": `"0123456789abcdef-gzip"`}, http.StatusOK},
		{"gzip suffix alone", map[string]string{"If-None-Match": `"-gzip"`}, http.StatusOK},
		{"If-Modified-Since the Last-Modified", map[string]string{"If-Modified-Since": lastModified}, http.StatusNotModified},
		{"If-Modified-Since later", map[string]string{"If-Modified-Since": lm.Add(time.Hour).Format(http.TimeFormat)}, http.StatusNotModified},
		{"If-Modified-Since earlier", map[string]string{"If-Modified-Since": lm.Add(-time.Second).Format(http.TimeFormat)}, http.StatusOK},
		{"If-Modified-Since garbage", map[string]string{"If-Modified-Since": "yesterday"}, http.StatusOK},
		// RFC 9110: If-None-Match, when present, decides alone.
		{"stale ETag wins over a current date", map[string]string{"If-None-Match": `"stale"`, "If-Modified-Since": lastModified}, http.StatusOK},
		{"current ETag wins over an old date", map[string]string{"If-None-Match": etag, "If-Modified-Since": lm.Add(-time.Hour).Format(http.TimeFormat)}, http.StatusNotModified},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := env.fetch(http.MethodGet, tok, tt.header)
			if res.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.want)
			}
			if res.Header.Get("ETag") != etag {
				t.Errorf("ETag = %q, want %q", res.Header.Get("ETag"), etag)
			}
			if tt.want == http.StatusNotModified {
				if body != "" {
					t.Errorf("a 304 has a body of %d bytes", len(body))
				}
				checkNotModifiedHeaders(t, res, first)
			} else {
				parseCalendar(t, body)
			}
		})
	}

	t.Run("after a change", func(t *testing.T) {
		env.clock.Advance(time.Hour)
		env.reimport(editedDemo(t, func(p *programme.Programme) {
			sessionOf(t, p, "town-hall").Description = "Speak from the floor for two minutes."
		}))
		for _, header := range []map[string]string{
			{"If-None-Match": etag},
			{"If-Modified-Since": lastModified},
		} {
			res, body := env.fetch(http.MethodGet, tok, header)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%v after a change: status %d, want 200", header, res.StatusCode)
			}
			if !strings.Contains(body, "two minutes") {
				t.Errorf("%v: the body does not carry the change", header)
			}
			if res.Header.Get("ETag") == etag {
				t.Errorf("%v: the ETag did not change", header)
			}
			if got, want := res.Header.Get("Last-Modified"), "Sun, 20 Nov 2016 13:00:00 GMT"; got != want {
				t.Errorf("Last-Modified = %q, want %q", got, want)
			}
		}
	})
}

func TestFeedHead(t *testing.T) {
	env := newDemoEnv(t)
	tok := env.token(programme.FeedPerson, "omar-ansari")
	got, _ := env.fetch(http.MethodGet, tok, nil)

	res, body := env.fetch(http.MethodHead, tok, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("HEAD status %d, want 200", res.StatusCode)
	}
	if body != "" {
		t.Errorf("HEAD has a body of %d bytes", len(body))
	}
	for _, h := range []string{"Content-Type", "ETag", "Last-Modified", "Cache-Control", "Vary"} {
		if res.Header.Get(h) != got.Header.Get(h) {
			t.Errorf("HEAD %s = %q, want %q as on the GET", h, res.Header.Get(h), got.Header.Get(h))
		}
	}
	res, body = env.fetch(http.MethodHead, tok, map[string]string{"If-None-Match": got.Header.Get("ETag")})
	if res.StatusCode != http.StatusNotModified || body != "" {
		t.Errorf("conditional HEAD: %d with %d bytes, want 304 with none", res.StatusCode, len(body))
	}
}

func TestFeedGzip(t *testing.T) {
	env := newDemoEnv(t)
	tok := env.token(programme.FeedPerson, "omar-ansari")
	plain, identity := env.fetch(http.MethodGet, tok, nil)
	bare := strings.Trim(plain.Header.Get("ETag"), `"`)

	tests := []struct {
		acceptEncoding string
		gzip           bool
	}{
		{"gzip", true},
		{"gzip, deflate, br", true},
		{"br;q=1.0, gzip;q=0.8", true},
		{"GZIP", true},
		{"x-gzip", true},
		{"*", true},
		{"gzip;q=0", false},
		{"gzip; q=0.000", false},
		{"gzip;Q=0", false},
		{"gzip;q=0, *", false},
		{"*;q=0", false},
		{"gzip;q=nonsense", false},
		{"identity", false},
		{"deflate, br", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.acceptEncoding, func(t *testing.T) {
			res, body := env.fetch(http.MethodGet, tok, map[string]string{"Accept-Encoding": tt.acceptEncoding})
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200", res.StatusCode)
			}
			if !tt.gzip {
				if enc := res.Header.Get("Content-Encoding"); enc != "" || body != identity {
					t.Errorf("Content-Encoding %q, want the identity body", enc)
				}
				if res.Header.Get("ETag") != `"`+bare+`"` {
					t.Errorf("ETag = %q, want the identity ETag", res.Header.Get("ETag"))
				}
				return
			}
			if enc := res.Header.Get("Content-Encoding"); enc != "gzip" {
				t.Fatalf("Content-Encoding %q, want gzip", enc)
			}
			if got := gunzip(t, body); got != identity {
				t.Error("the gzip body does not decompress to the calendar")
			}
			// Each encoding has its own validator, and either one revalidates.
			if got, want := res.Header.Get("ETag"), `"`+bare+`-gzip"`; got != want {
				t.Errorf("ETag = %q, want %q", got, want)
			}
			if res.Header.Get("Vary") != "Accept-Encoding" {
				t.Errorf("Vary = %q, want Accept-Encoding", res.Header.Get("Vary"))
			}
		})
	}
}

func TestFeedGzipFollowsTheProgramme(t *testing.T) {
	env := newDemoEnv(t)
	tok := env.token(programme.FeedPerson, "omar-ansari")
	gzipHeader := map[string]string{"Accept-Encoding": "gzip"}

	// The gzip body first, then the plain one: either order serves the same
	// calendar, and a second gzip request gets the same bytes.
	first, gz := env.fetch(http.MethodGet, tok, gzipHeader)
	_, identity := env.fetch(http.MethodGet, tok, nil)
	again, gzAgain := env.fetch(http.MethodGet, tok, gzipHeader)
	if gunzip(t, gz) != identity {
		t.Fatal("the gzip body does not decompress to the plain body")
	}
	if gzAgain != gz || again.Header.Get("ETag") != first.Header.Get("ETag") {
		t.Error("a second gzip GET of an unchanged feed gave other bytes or another ETag")
	}

	env.clock.Advance(time.Hour)
	env.reimport(editedDemo(t, func(p *programme.Programme) {
		sessionOf(t, p, "town-hall").Description = "Speak from the floor for two minutes."
	}))
	tests := []struct {
		name   string
		header map[string]string
	}{
		{"unconditional", gzipHeader},
		{"with the old gzip ETag", map[string]string{"Accept-Encoding": "gzip", "If-None-Match": first.Header.Get("ETag")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := env.fetch(http.MethodGet, tok, tt.header)
			if res.StatusCode != http.StatusOK || res.Header.Get("Content-Encoding") != "gzip" {
				t.Fatalf("status %d, Content-Encoding %q; want 200, gzip", res.StatusCode, res.Header.Get("Content-Encoding"))
			}
			changed := gunzip(t, body)
			if !strings.Contains(changed, "two minutes") {
				t.Error("after the change the gzip body is the old calendar")
			}
			if res.Header.Get("ETag") == first.Header.Get("ETag") {
				t.Error("the gzip ETag did not change")
			}
			if _, plain := env.fetch(http.MethodGet, tok, nil); plain != changed {
				t.Error("after the change the gzip and plain bodies differ")
			}
		})
	}
}

// TestFeedGzipConcurrently is meant for -race: gzip and plain GETs of two
// feeds at once, each of which must be the feed's calendar.
func TestFeedGzipConcurrently(t *testing.T) {
	env := newDemoEnv(t)
	tokens := []string{env.token(programme.FeedPerson, "omar-ansari"), env.token(programme.FeedProgramme, demo.Slug)}
	want := make([]string, len(tokens))
	for i, tok := range tokens {
		_, want[i] = env.fetch(http.MethodGet, tok, nil)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for n := range 6 {
				i := (g + n) % len(tokens)
				req := httptest.NewRequest(http.MethodGet, "/feeds/"+tokens[i]+".ics", nil)
				gz := n%3 != 0
				if gz {
					req.Header.Set("Accept-Encoding", "gzip")
				}
				rec := httptest.NewRecorder()
				env.srv.Handler().ServeHTTP(rec, req)
				body := rec.Body.Bytes()
				var err error
				if rec.Code != http.StatusOK {
					err = fmt.Errorf("feed %d: status %d", i, rec.Code)
				} else if gz {
					var zr *gzip.Reader
					if zr, err = gzip.NewReader(bytes.NewReader(body)); err == nil {
						body, err = io.ReadAll(zr)
					}
				}
				if err == nil && string(body) != want[i] {
					err = fmt.Errorf("feed %d (gzip %v): the body is not the calendar", i, gz)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// gunzip decompresses a gzip body.
func gunzip(t *testing.T, body string) string {
	t.Helper()
	zr, err := gzip.NewReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gzip: %v", err)
	}
	return string(out)
}

func TestFeedNotFoundRevealsNothing(t *testing.T) {
	env := newDemoEnv(t)
	omar := env.token(programme.FeedPerson, "omar-ansari")
	revoked := env.token(programme.FeedPerson, "jordan-solomon")
	if err := env.svc.Revoke(t.Context(), demo.Slug, programme.FeedPerson, "jordan-solomon"); err != nil {
		t.Fatal(err)
	}
	rotatedAway := env.token(programme.FeedPerson, "shamim")
	if _, err := env.svc.Rotate(t.Context(), demo.Slug, programme.FeedPerson, "shamim"); err != nil {
		t.Fatal(err)
	}
	unknown := strings.Repeat("a", len(omar))

	tests := []struct{ name, path string }{
		{"unknown token", "/feeds/" + unknown + ".ics"},
		{"revoked token", "/feeds/" + revoked + ".ics"},
		{"rotated-away token", "/feeds/" + rotatedAway + ".ics"},
		{"path traversal", "/feeds/..%2F..%2Fetc%2Fpasswd.ics"},
		{"dot-dot", "/feeds/...ics"},
		{"too short", "/feeds/" + omar[:10] + ".ics"},
		{"too long", "/feeds/" + omar + "a.ics"},
		{"uppercase", "/feeds/" + strings.ToUpper(omar) + ".ics"},
		{"no .ics", "/feeds/" + omar},
		{"other extension", "/feeds/" + omar + ".json"},
		{"padding", "/feeds/" + omar[:len(omar)-1] + "=.ics"},
	}
	// A fixed request ID, which error pages quote, makes the bodies comparable.
	header := map[string]string{"X-Request-Id": "same-for-all"}
	var want string
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := do(t, env.srv.Handler(), http.MethodGet, tt.path, header)
			if res.StatusCode != http.StatusNotFound {
				t.Fatalf("status %d, want 404", res.StatusCode)
			}
			if i == 0 {
				want = body
			} else if body != want {
				t.Errorf("the 404 differs from an unknown token's:\n%s\nwant\n%s", body, want)
			}
			for _, secret := range []string{demo.Slug, "CLDP", "Omar", "Jordan", "Shamim", "revoked", "rotated", omar, revoked, rotatedAway} {
				if strings.Contains(strings.ToLower(body), strings.ToLower(secret)) {
					t.Errorf("the 404 mentions %q", secret)
				}
			}
			if res.Header.Get("ETag") != "" || strings.Contains(res.Header.Get("Cache-Control"), "max-age") {
				t.Errorf("the 404 carries the feed's caching headers: %v", res.Header)
			}
		})
	}
	if !strings.Contains(want, "There is no such calendar.") {
		t.Errorf("the 404 page does not say so plainly:\n%s", want)
	}

	// The live token of the same programme still works.
	if res, _ := env.fetch(http.MethodGet, omar, nil); res.StatusCode != http.StatusOK {
		t.Errorf("Omar's feed: status %d, want 200", res.StatusCode)
	}
}

func TestFeedTokenReachesOnlyItsOwnAgenda(t *testing.T) {
	env := newDemoEnv(t)
	omarTok := env.token(programme.FeedPerson, "omar-ansari")
	omar := env.calendar(omarTok)
	joe := env.calendar(env.token(programme.FeedPerson, "joe-gattuso"))
	jordan := env.calendar(env.token(programme.FeedPerson, "jordan-solomon"))
	shamim := env.calendar(env.token(programme.FeedPerson, "shamim"))

	// Joe speaks at the seminar: his feed has his slots; Omar's has none.
	omarEvents := eventsByUID(t, omar)
	joeSlots := 0
	for uid, ev := range eventsByUID(t, joe) {
		if strings.HasPrefix(propText(t, ev.Props, goical.PropSummary), "Speaking:") {
			joeSlots++
			if _, ok := omarEvents[uid]; ok {
				t.Errorf("Omar's feed carries Joe's slot %s", uid)
			}
		}
	}
	if joeSlots != 2 {
		t.Errorf("Joe's feed has %d speaking slots, want 2 (welcome, closing)", joeSlots)
	}
	for _, ev := range omar.Events() {
		if s := propText(t, ev.Props, goical.PropSummary); strings.HasPrefix(s, "Speaking:") {
			t.Errorf("Omar's feed has a speaking slot: %q", s)
		}
		// No event carries the token: each links to its item on the public
		// programme page.
		if got, want := ev.Props.Get(goical.PropURL).Value, "https://planner.example.org/p/igf2016-cldp#"; !strings.HasPrefix(got, want) || strings.Contains(got, omarTok) {
			t.Errorf("event URL %q, want the programme page's item, never the token", got)
		}
	}

	// Jordan Solomon is in the seminar's audience by name only, and no delegation's.
	jordanEvents := eventsByUID(t, jordan)
	if _, ok := jordanEvents[uidOf("session/day0-seminar")]; !ok || len(jordanEvents) != 1 {
		t.Errorf("Jordan's feed has %d events, want the seminar alone", len(jordanEvents))
	}

	names := map[string]string{
		"Omar":   propText(t, omar.Props, "NAME"),
		"Shamim": propText(t, shamim.Props, "NAME"),
	}
	if !strings.HasPrefix(names["Omar"], "Omar Ansari") || !strings.HasPrefix(names["Shamim"], "Shamim") {
		t.Errorf("feed names %v, want each person's own", names)
	}
}

// queryCounter counts the statements a store runs and the tables they touch.
type queryCounter struct {
	mu     sync.Mutex
	n      int
	tables []string
}

// countQueries registers GORM callbacks on db that count every statement
// after it ran: creates, queries, updates, deletes, Row and Raw.
func countQueries(t *testing.T, db *gorm.DB) *queryCounter {
	t.Helper()
	c := &queryCounter{}
	count := func(tx *gorm.DB) {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.n++
		c.tables = append(c.tables, tx.Statement.Table)
	}
	cb := db.Callback()
	const name = "web_test:count"
	for _, err := range []error{
		cb.Create().After("gorm:create").Register(name, count),
		cb.Query().After("gorm:query").Register(name, count),
		cb.Update().After("gorm:update").Register(name, count),
		cb.Delete().After("gorm:delete").Register(name, count),
		cb.Row().After("gorm:row").Register(name, count),
		cb.Raw().After("gorm:raw").Register(name, count),
	} {
		if err != nil {
			t.Fatalf("register the query counter: %v", err)
		}
	}
	return c
}

// during returns how many statements fn ran and the tables they touched.
func (c *queryCounter) during(fn func()) (int, []string) {
	c.mu.Lock()
	c.n, c.tables = 0, nil
	c.mu.Unlock()
	fn()
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n, slices.Clone(c.tables)
}

func TestFeedQueryCount(t *testing.T) {
	small := newDemoEnv(t)
	large := newFeedEnv(t, sample.MustScaled(t, sample.Demo(t), 5))

	type cost struct {
		ok, notModified int
		events          int
		tables304       []string
	}
	measure := func(env *feedEnv) cost {
		t.Helper()
		tok := env.token(programme.FeedPerson, "omar-ansari")
		counter := countQueries(t, env.st.DB())
		var c cost
		var res *http.Response
		var body string
		c.ok, _ = counter.during(func() { res, body = env.fetch(http.MethodGet, tok, nil) })
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET: status %d", res.StatusCode)
		}
		c.events = len(parseCalendar(t, body).Events())
		c.notModified, c.tables304 = counter.during(func() {
			res, _ = env.fetch(http.MethodGet, tok, map[string]string{"If-None-Match": res.Header.Get("ETag")})
		})
		if res.StatusCode != http.StatusNotModified {
			t.Fatalf("conditional GET: status %d, want 304", res.StatusCode)
		}
		return c
	}
	s, l := measure(small), measure(large)
	t.Logf("a 200 costs %d queries, a 304 %d (%v)", s.ok, s.notModified, s.tables304)

	if l.events != 5*s.events {
		t.Fatalf("the large feed has %d events, want 5 × %d", l.events, s.events)
	}
	if s.ok != l.ok {
		t.Errorf("a 200 costs %d queries for the demo but %d for a programme 5× larger", s.ok, l.ok)
	}
	for _, c := range []cost{s, l} {
		if c.notModified > 3 {
			t.Errorf("a 304 costs %d queries (%v), want at most 3", c.notModified, c.tables304)
		}
		for _, table := range c.tables304 {
			if table != "feed_tokens" && table != "programmes" {
				t.Errorf("a 304 read table %q: it must not load the programme", table)
			}
		}
	}
}

func TestFeedFetchTracking(t *testing.T) {
	env := newDemoEnv(t)
	omar := env.token(programme.FeedPerson, "omar-ansari")
	jordan := env.token(programme.FeedPerson, "jordan-solomon")

	if l := env.listing(programme.FeedPerson, "omar-ansari"); l.LastFetchedAt != nil || l.Current {
		t.Fatalf("before any fetch: LastFetchedAt %v, Current %v", l.LastFetchedAt, l.Current)
	}

	// A HEAD is not a fetch: it carries no calendar.
	env.fetch(http.MethodHead, omar, nil)
	if l := env.listing(programme.FeedPerson, "omar-ansari"); l.LastFetchedAt != nil {
		t.Errorf("a HEAD was recorded as a fetch at %v", l.LastFetchedAt)
	}

	env.clock.Advance(time.Hour)
	fetchedAt := env.clock.Now()
	first, _ := env.fetch(http.MethodGet, omar, nil)
	env.fetch(http.MethodGet, jordan, nil)
	l := env.listing(programme.FeedPerson, "omar-ansari")
	if l.LastFetchedAt == nil || !l.LastFetchedAt.Equal(fetchedAt) || !l.Current {
		t.Fatalf("after a GET: LastFetchedAt %v, Current %v; want %v, true", l.LastFetchedAt, l.Current, fetchedAt)
	}

	// A 304 is a fetch too: the calendar has the latest change.
	env.clock.Advance(time.Minute)
	res, _ := env.fetch(http.MethodGet, omar, map[string]string{"If-None-Match": first.Header.Get("ETag")})
	if res.StatusCode != http.StatusNotModified {
		t.Fatalf("conditional GET: status %d, want 304", res.StatusCode)
	}
	if l := env.listing(programme.FeedPerson, "omar-ansari"); l.LastFetchedAt == nil || !l.LastFetchedAt.Equal(env.clock.Now()) {
		t.Errorf("after a 304: LastFetchedAt %v, want %v", l.LastFetchedAt, env.clock.Now())
	}

	// Staff move the bus: Omar rides it, Jordan does not.
	env.clock.Advance(time.Hour)
	changedAt := env.clock.Now()
	env.reimport(editedDemo(t, func(p *programme.Programme) {
		p.Transport[0].DepartsAt = p.Transport[0].DepartsAt.Add(15 * time.Minute)
		p.Transport[0].Poll.Decided = "17:30" // the decided time moves with it
	}))
	l = env.listing(programme.FeedPerson, "omar-ansari")
	if l.Current || !l.LatestChange.Equal(changedAt) {
		t.Errorf("after the bus moved: Current %v, LatestChange %v; want false, %v", l.Current, l.LatestChange, changedAt)
	}
	if l := env.listing(programme.FeedPerson, "jordan-solomon"); !l.Current {
		t.Error("Jordan's feed lost its Current mark over a bus he does not ride")
	}

	env.clock.Advance(time.Minute)
	if res, _ := env.fetch(http.MethodGet, omar, map[string]string{"If-None-Match": first.Header.Get("ETag")}); res.StatusCode != http.StatusOK {
		t.Fatalf("GET after the change: status %d, want 200", res.StatusCode)
	}
	if l := env.listing(programme.FeedPerson, "omar-ansari"); !l.Current {
		t.Error("Omar's feed is not Current after he fetched the change")
	}
}

// failingQueriesOn makes every query of table fail from now on, as a
// database that breaks between two statements would.
func failingQueriesOn(t *testing.T, db *gorm.DB, table string) {
	t.Helper()
	err := db.Callback().Query().Before("gorm:query").Register("web_test:fail_"+table, func(tx *gorm.DB) {
		if tx.Statement.Table == table {
			_ = tx.AddError(errors.New("injected failure reading " + table))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestFeedRenderFailureCarriesNoValidators(t *testing.T) {
	env := newDemoEnv(t)
	tok := env.token(programme.FeedPerson, "omar-ansari")
	// The token and version queries work; loading the programme fails.
	failingQueriesOn(t, env.st.DB(), "sessions")
	res, body := env.fetch(http.MethodGet, tok, map[string]string{"Accept-Encoding": "gzip"})
	if res.StatusCode < 500 {
		t.Fatalf("status %d, want a 5xx", res.StatusCode)
	}
	for _, h := range []string{"ETag", "Last-Modified", "Content-Encoding", "Content-Disposition"} {
		if v := res.Header.Get(h); v != "" {
			t.Errorf("the error response has %s %q", h, v)
		}
	}
	if strings.Contains(res.Header.Get("Cache-Control"), "max-age") {
		t.Errorf("the error response may be cached: Cache-Control %q", res.Header.Get("Cache-Control"))
	}
	if strings.Contains(body, "injected") {
		t.Error("the error page shows the database error")
	}
	// The listing needs the programme, which cannot load now; the tokens
	// alone can.
	toks, err := env.st.FeedTokens(t.Context(), demo.Slug)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range toks {
		if tok.LastFetchedAt != nil {
			t.Errorf("a failed GET was recorded as a fetch of %s/%s", tok.Kind, tok.Key)
		}
	}
}

func TestHealthWithStore(t *testing.T) {
	env := newDemoEnv(t)
	if res, body := get(t, env.srv.Handler(), "/healthz"); res.StatusCode != http.StatusOK || body != "ok" {
		t.Fatalf("healthz: %d %q, want 200 ok", res.StatusCode, body)
	}
	if err := env.st.Close(); err != nil {
		t.Fatal(err)
	}
	if res, body := get(t, env.srv.Handler(), "/healthz"); res.StatusCode != http.StatusServiceUnavailable || body != "unavailable" {
		t.Fatalf("healthz after Close: %d %q, want 503 unavailable", res.StatusCode, body)
	}
}

// outage makes every query fail as a dropped connection does while down is
// true, so that the store reports the database as unavailable.
func outage(t *testing.T, db *gorm.DB) *atomic.Bool {
	t.Helper()
	var down atomic.Bool
	fail := func(tx *gorm.DB) {
		if down.Load() {
			_ = tx.AddError(driver.ErrBadConn)
		}
	}
	for name, p := range map[string]interface {
		Register(string, func(*gorm.DB)) error
	}{
		"query": db.Callback().Query().Before("gorm:query"),
		"row":   db.Callback().Row().Before("gorm:row"),
		"raw":   db.Callback().Raw().Before("gorm:raw"),
	} {
		if err := p.Register("web_test:outage_"+name, fail); err != nil {
			t.Fatal(err)
		}
	}
	return &down
}

func TestFeedsOutliveADatabaseOutage(t *testing.T) {
	env := newDemoEnv(t)
	down := outage(t, env.st.DB())
	omar := env.token(programme.FeedPerson, "omar-ansari")
	shamim := env.token(programme.FeedPerson, "shamim")
	gz := map[string]string{"Accept-Encoding": "gzip"}

	plain, plainBody := env.fetch(http.MethodGet, omar, nil)
	zipped, zippedBody := env.fetch(http.MethodGet, omar, gz)
	if plain.StatusCode != http.StatusOK || zipped.StatusCode != http.StatusOK {
		t.Fatalf("before the outage: %d and %d, want 200", plain.StatusCode, zipped.StatusCode)
	}

	down.Store(true)
	res, body := env.fetch(http.MethodGet, omar, nil)
	if res.StatusCode != http.StatusOK || body != plainBody {
		t.Fatalf("during the outage Omar's feed answers %d, want 200 with the last version", res.StatusCode)
	}
	if got := res.Header.Get("ETag"); got != plain.Header.Get("ETag") {
		t.Errorf("ETag during the outage = %s, want the last version's %s", got, plain.Header.Get("ETag"))
	}
	if got := res.Header.Get("Cache-Control"); got != "private, max-age=60" {
		t.Errorf("Cache-Control during the outage = %q, want a minute's freshness", got)
	}
	if got := res.Header.Get("Last-Modified"); got != "" {
		t.Errorf("Last-Modified during the outage = %q, want none", got)
	}
	res, _ = env.fetch(http.MethodGet, omar, map[string]string{"If-None-Match": plain.Header.Get("ETag")})
	if res.StatusCode != http.StatusNotModified {
		t.Errorf("a calendar holding the last version gets %d, want 304", res.StatusCode)
	} else if got := res.Header.Get("Cache-Control"); got != "private, max-age=60" || res.Header.Get("X-Frame-Options") != "" {
		t.Errorf("the 304 during the outage: Cache-Control %q, X-Frame-Options %q; want the stale freshness and no security headers", got, res.Header.Get("X-Frame-Options"))
	}
	res, body = env.fetch(http.MethodGet, omar, gz)
	if res.StatusCode != http.StatusOK || body != zippedBody || res.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("the gzip feed during the outage: %d, encoding %q, same body %v", res.StatusCode, res.Header.Get("Content-Encoding"), body == zippedBody)
	}
	// A feed this process never rendered has nothing to fall back on: it
	// says when to come back.
	if res, _ := env.fetch(http.MethodGet, shamim, nil); res.StatusCode != http.StatusServiceUnavailable ||
		res.Header.Get("Retry-After") != RetryAfterSeconds {
		t.Errorf("a feed never rendered answers %d, Retry-After %q during the outage, want 503 and %s",
			res.StatusCode, res.Header.Get("Retry-After"), RetryAfterSeconds)
	}
	// The agenda page needs the database (it is not kept in memory): 503,
	// with Retry-After, rather than an error page that looks final.
	page := "/a/" + omar
	if res, _ := get(t, env.srv.Handler(), page); res.StatusCode != http.StatusServiceUnavailable ||
		res.Header.Get("Retry-After") != RetryAfterSeconds {
		t.Errorf("the agenda page during the outage answers %d, Retry-After %q; want 503 and %s",
			res.StatusCode, res.Header.Get("Retry-After"), RetryAfterSeconds)
	}
	if !strings.Contains(env.logs.String(), "serving the last rendered feed") {
		t.Error("the outage fallback was not logged")
	}

	down.Store(false)
	res, _ = env.fetch(http.MethodGet, omar, nil)
	if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "private, max-age=300" || res.Header.Get("Last-Modified") == "" {
		t.Errorf("after the outage: %d, Cache-Control %q, Last-Modified %q; want the normal 200", res.StatusCode, res.Header.Get("Cache-Control"), res.Header.Get("Last-Modified"))
	}
}

func TestAnOutageIsLoggedOnceWithACount(t *testing.T) {
	env := newDemoEnv(t)
	down := outage(t, env.st.DB())
	omar := env.token(programme.FeedPerson, "omar-ansari")
	if res, _ := env.fetch(http.MethodGet, omar, nil); res.StatusCode != http.StatusOK {
		t.Fatalf("before the outage: %d", res.StatusCode)
	}
	warnings := func() (begun, ended []map[string]any) {
		for _, rec := range env.logs.records(t) {
			msg, _ := rec["msg"].(string)
			switch {
			case strings.HasPrefix(msg, "the database is unavailable"):
				begun = append(begun, rec)
			case strings.HasPrefix(msg, "the database answers again"):
				ended = append(ended, rec)
			}
		}
		return begun, ended
	}
	for outages, served := range []int{5, 3} {
		down.Store(true)
		for range served {
			if res, _ := env.fetch(http.MethodGet, omar, nil); res.StatusCode != http.StatusOK {
				t.Fatalf("during the outage: %d, want the last version", res.StatusCode)
			}
		}
		begun, ended := warnings()
		if len(begun) != outages+1 || len(ended) != outages {
			t.Fatalf("after %d outages (the last still on), %d lines say one begun and %d one ended", outages+1, len(begun), len(ended))
		}
		if begun[outages]["level"] != "WARN" {
			t.Errorf("the outage is logged at %v, want WARN", begun[outages]["level"])
		}
		down.Store(false)
		if res, _ := env.fetch(http.MethodGet, omar, nil); res.StatusCode != http.StatusOK {
			t.Fatalf("after the outage: %d", res.StatusCode)
		}
		_, ended = warnings()
		if len(ended) != outages+1 {
			t.Fatalf("the end of the outage was logged %d times, want once", len(ended)-outages)
		}
		if got := ended[outages]["stale_feeds_served"]; got != float64(served) {
			t.Errorf("the end of the outage counts %v stale responses, want %d", got, served)
		}
	}
}

func TestFeedsDeclareTheirLength(t *testing.T) {
	env := newDemoEnv(t)
	down := outage(t, env.st.DB())
	omar := env.token(programme.FeedPerson, "omar-ansari")
	gz := map[string]string{"Accept-Encoding": "gzip"}
	check := func(when string, header map[string]string) {
		t.Helper()
		get, body := env.fetch(http.MethodGet, omar, header)
		if get.StatusCode != http.StatusOK {
			t.Fatalf("%s: GET %d", when, get.StatusCode)
		}
		if got := get.Header.Get("Content-Length"); got != strconv.Itoa(len(body)) {
			t.Errorf("%s: GET (%s) Content-Length %q, body %d bytes", when, get.Header.Get("Content-Encoding"), got, len(body))
		}
		head, _ := env.fetch(http.MethodHead, omar, header)
		if got := head.Header.Get("Content-Length"); got != strconv.Itoa(len(body)) {
			t.Errorf("%s: HEAD (%s) Content-Length %q, the GET's body %d bytes", when, head.Header.Get("Content-Encoding"), got, len(body))
		}
	}
	// A HEAD before any GET renders the feed, since its ETag is a hash of
	// the bytes, and so knows the GET's length too.
	shamim := env.token(programme.FeedPerson, "shamim")
	head, _ := env.fetch(http.MethodHead, shamim, nil)
	if get, body := env.fetch(http.MethodGet, shamim, nil); head.StatusCode != http.StatusOK ||
		head.Header.Get("Content-Length") != strconv.Itoa(len(body)) || head.Header.Get("ETag") != get.Header.Get("ETag") {
		t.Errorf("a HEAD of a feed never rendered: %d, Content-Length %q, ETag %s; the GET's body has %d bytes, ETag %s",
			head.StatusCode, head.Header.Get("Content-Length"), head.Header.Get("ETag"), len(body), get.Header.Get("ETag"))
	}
	check("plain", nil)
	check("gzip", gz)
	down.Store(true)
	check("plain during an outage", nil)
	check("gzip during an outage", gz)
}

// TestFeedsFromMemoryAnswerAheadOfEcho: once memory answers for a feed (its
// token known and the programme's version current), its 304s, HEADs and
// 200s of a kept body are answered without Echo's router and middleware,
// and carry what that chain gives every response: a request ID, the
// security headers, and a log line. Anything memory cannot answer (an
// unknown token, a feed not rendered yet) still takes the usual way.
func TestFeedsFromMemoryAnswerAheadOfEcho(t *testing.T) {
	env := newDemoEnv(t)
	tok := env.token(programme.FeedPerson, "omar-ansari")
	throughEcho := countThroughEcho(env.srv)
	fetch := func(method string, header map[string]string, want int) (*http.Response, bool) {
		t.Helper()
		before := throughEcho.Load()
		res, _ := env.fetch(method, tok, header)
		if res.StatusCode != want {
			t.Fatalf("%s %v: status %d, want %d", method, header, res.StatusCode, want)
		}
		return res, throughEcho.Load() != before
	}

	// Memory is not current before the first check: Echo answers.
	viaEcho, echoed := fetch(http.MethodGet, nil, http.StatusOK)
	if !echoed {
		t.Fatal("a feed served before memory is current did not go through Echo")
	}
	if err := env.svc.SyncChanges(t.Context()); err != nil {
		t.Fatal(err)
	}
	etag := viaEcho.Header.Get("ETag")
	env.logs.buf.Reset()
	cases := []struct {
		method string
		header map[string]string
		want   int
	}{
		{http.MethodGet, map[string]string{"If-None-Match": etag}, http.StatusNotModified},
		{http.MethodGet, nil, http.StatusOK},
		{http.MethodHead, nil, http.StatusOK},
		{http.MethodGet, map[string]string{"Accept-Encoding": "gzip", "If-None-Match": etag}, http.StatusNotModified},
		{http.MethodGet, map[string]string{"If-Modified-Since": viaEcho.Header.Get("Last-Modified")}, http.StatusNotModified},
	}
	for _, c := range cases {
		res, echoed := fetch(c.method, c.header, c.want)
		if echoed {
			t.Errorf("%s %v went through Echo, with the feed in memory", c.method, c.header)
		}
		if c.want == http.StatusNotModified {
			checkNotModifiedHeaders(t, res, viaEcho)
			continue
		}
		for _, name := range []string{"X-Request-Id", "X-Content-Type-Options", "X-Frame-Options", "Content-Security-Policy", "Referrer-Policy", "Cache-Control", "Vary", "Last-Modified", "Etag", "Content-Type"} {
			if got, want := res.Header.Get(name), viaEcho.Header.Get(name); got == "" || (name != "X-Request-Id" && got != want) {
				t.Errorf("%s %v: %s %q, want %q as through Echo", c.method, c.header, name, got, want)
			}
		}
		if c.want == http.StatusOK && res.Header.Get("Content-Length") != viaEcho.Header.Get("Content-Length") {
			t.Errorf("%s: Content-Length %q, want %q", c.method, res.Header.Get("Content-Length"), viaEcho.Header.Get("Content-Length"))
		}
	}
	reqs := env.logs.requests(t)
	if len(reqs) != len(cases) {
		t.Fatalf("%d request log lines for %d requests", len(reqs), len(cases))
	}
	for i, r := range reqs {
		if r["path"] != "/feeds/…" || r["status"] != float64(cases[i].want) || r["request_id"] == "" || r["level"] != "INFO" {
			t.Errorf("log line %v, want the redacted path, status %d and a request ID", r, cases[i].want)
		}
		if strings.Contains(env.logs.String(), tok) {
			t.Fatal("the token is in the log")
		}
	}
	// A request ID from a proxy is kept, as by the middleware.
	res, _ := fetch(http.MethodGet, map[string]string{"If-None-Match": etag, "X-Request-Id": "lb-1234"}, http.StatusNotModified)
	if got := res.Header.Get("X-Request-Id"); got != "lb-1234" {
		t.Errorf("X-Request-Id %q, want the proxy's", got)
	}

	// An unknown token, a POST, a path beside the feeds: the usual way.
	for _, target := range []string{"/feeds/" + strings.Repeat("x", len(tok)) + ".ics", "/feeds/" + tok, "/feeds/" + tok + ".ics/"} {
		before := throughEcho.Load()
		res, _ := do(t, env.srv.Handler(), http.MethodGet, target, nil)
		if res.StatusCode != http.StatusNotFound || throughEcho.Load() == before {
			t.Errorf("GET %s: status %d, through Echo %v; want Echo's 404", strings.ReplaceAll(target, tok, "TOKEN"), res.StatusCode, throughEcho.Load() != before)
		}
	}
	before := throughEcho.Load()
	if res, _ := env.fetch(http.MethodPost, tok, nil); res.StatusCode != http.StatusMethodNotAllowed || throughEcho.Load() == before {
		t.Errorf("POST: status %d, want Echo's 405", res.StatusCode)
	}
	// A change makes memory's version of the feed stale: the next request
	// renders it through Echo, the one after it is answered from memory.
	env.clock.Advance(time.Minute)
	env.reimport(editedDemo(t, func(p *programme.Programme) { p.Title += " (revised)" }))
	if err := env.svc.SyncChanges(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, echoed := fetch(http.MethodGet, map[string]string{"If-None-Match": etag}, http.StatusOK); !echoed {
		t.Error("the first request after a change did not go through Echo to render the feed")
	}
	if _, echoed := fetch(http.MethodGet, nil, http.StatusOK); echoed {
		t.Error("the second request after a change went through Echo")
	}
}

// countThroughEcho counts the requests that reach Echo's middleware.
func countThroughEcho(srv *Server) *atomic.Int64 {
	var n atomic.Int64
	srv.Echo().Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			n.Add(1)
			return next(c)
		}
	})
	return &n
}

// TestFeedsFromMemoryHaveTheHeadersOfEcho: a feed answered from memory
// (serveFeedFromMemory) carries exactly the headers and body the same
// request gets through Echo, in either encoding, for a 200, a HEAD and a
// 304: only the request ID differs.
func TestFeedsFromMemoryHaveTheHeadersOfEcho(t *testing.T) {
	env := newDemoEnv(t)
	tok := env.token(programme.FeedPerson, "omar-ansari")
	throughEcho := countThroughEcho(env.srv)
	// Memory is not current before the first check: Echo answers.
	first, _ := env.fetch(http.MethodGet, tok, nil)
	etag := first.Header.Get("ETag")
	gzipETag := strings.TrimSuffix(etag, `"`) + `-gzip"`
	cases := []struct {
		name   string
		method string
		header map[string]string
		want   int
	}{
		{"200", http.MethodGet, nil, http.StatusOK},
		{"200 gzip", http.MethodGet, map[string]string{"Accept-Encoding": "gzip"}, http.StatusOK},
		{"HEAD", http.MethodHead, nil, http.StatusOK},
		{"HEAD gzip", http.MethodHead, map[string]string{"Accept-Encoding": "gzip"}, http.StatusOK},
		{"304", http.MethodGet, map[string]string{"If-None-Match": etag}, http.StatusNotModified},
		{"304 gzip", http.MethodGet, map[string]string{"Accept-Encoding": "gzip", "If-None-Match": gzipETag}, http.StatusNotModified},
		{"304 gzip by the plain ETag", http.MethodGet, map[string]string{"Accept-Encoding": "gzip", "If-None-Match": etag}, http.StatusNotModified},
	}
	type answer struct {
		header http.Header
		body   string
	}
	answers := func(viaEcho bool) []answer {
		t.Helper()
		var out []answer
		for _, c := range cases {
			before := throughEcho.Load()
			res, body := env.fetch(c.method, tok, c.header)
			if res.StatusCode != c.want {
				t.Fatalf("%s: status %d, want %d", c.name, res.StatusCode, c.want)
			}
			if echoed := throughEcho.Load() != before; echoed != viaEcho {
				t.Fatalf("%s: through Echo %v, want %v", c.name, echoed, viaEcho)
			}
			if res.Header.Get("X-Request-Id") == "" {
				t.Errorf("%s: no request ID", c.name)
			}
			h := res.Header.Clone()
			delete(h, "X-Request-Id")
			out = append(out, answer{h, body})
		}
		return out
	}
	echoed := answers(true)
	if err := env.svc.SyncChanges(t.Context()); err != nil {
		t.Fatal(err)
	}
	fromMemory := answers(false)
	for i, c := range cases {
		if got, want := fromMemory[i], echoed[i]; !reflect.DeepEqual(got.header, want.header) || got.body != want.body {
			t.Errorf("%s from memory: headers %v, body of %d bytes; want %v, %d bytes as through Echo", c.name, got.header, len(got.body), want.header, len(want.body))
		}
	}
}
