package feeds

import (
	"context"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
	"github.com/planner-dev/planner/internal/store"
)

func storeImport(t *testing.T, svc *Service, p *programme.Programme) {
	t.Helper()
	if _, err := svc.Store().Import(t.Context(), p, store.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
}

// statements counts the statements a store runs, by table.
type statements struct {
	mu     sync.Mutex
	tables []string
}

func countStatements(t *testing.T, db *gorm.DB) *statements {
	t.Helper()
	c := &statements{}
	count := func(tx *gorm.DB) {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.tables = append(c.tables, tx.Statement.Table)
	}
	cb := db.Callback()
	const name = "feeds_test:count"
	for _, err := range []error{
		cb.Create().After("gorm:create").Register(name, count),
		cb.Query().After("gorm:query").Register(name, count),
		cb.Update().After("gorm:update").Register(name, count),
		cb.Delete().After("gorm:delete").Register(name, count),
		cb.Row().After("gorm:row").Register(name, count),
		cb.Raw().After("gorm:raw").Register(name, count),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func (c *statements) during(fn func()) []string {
	c.mu.Lock()
	c.tables = nil
	c.mu.Unlock()
	fn()
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tables
}

// TestAWatchedFeedRequestAsksTheDatabaseNothing: in steady state, with
// memory current, a lookup, a render and a fetch record of a known feed run
// no statement; the fetch is written by the next flush.
func TestAWatchedFeedRequestAsksTheDatabaseNothing(t *testing.T) {
	svc, feeds := benchService(t, sample.Demo(t))
	ctx := t.Context()
	if err := svc.SyncChanges(ctx); err != nil {
		t.Fatal(err)
	}
	svc.fetches.setBatching(true)
	counter := countStatements(t, svc.Store().DB())
	request := func(token string) {
		t.Helper()
		f, err := svc.Lookup(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.RenderGzip(ctx, f, token); err != nil {
			t.Fatal(err)
		}
		if err := svc.RecordFetch(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range feeds {
		request(f.token) // the first asks for the token
	}
	for _, f := range feeds {
		if tables := counter.during(func() { request(f.token) }); len(tables) > 0 {
			t.Errorf("a request for the %s feed ran %d statements (%v), want none", f.name, len(tables), tables)
		}
	}
	if tables := counter.during(func() {
		if err := svc.FlushFetches(ctx); err != nil {
			t.Fatal(err)
		}
	}); len(tables) == 0 {
		t.Error("flushing wrote nothing")
	}
	list, err := svc.List(ctx, "igf2016-cldp", false)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range list {
		if l.Kind == programme.FeedPerson && l.Key == "omar-ansari" && (l.LastFetchedAt == nil || !l.LastFetchedAt.Equal(benchNow)) {
			t.Errorf("after the flush Omar's feed was last fetched at %v, want %v", l.LastFetchedAt, benchNow)
		}
	}
}

// TestAChangeLoadsTheProgrammeOnce: after an import, the first lookups of
// many feeds load the programme once between them, not once per feed.
func TestAChangeLoadsTheProgrammeOnce(t *testing.T) {
	p := sample.Demo(t)
	svc, _ := benchService(t, p)
	ctx := t.Context()
	list, err := svc.List(ctx, p.Slug, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.SyncChanges(ctx); err != nil {
		t.Fatal(err)
	}
	tokens := make([]string, len(list))
	for i, l := range list {
		tokens[i] = l.URL[len("https://planner.example.org/feeds/") : len(l.URL)-len(".ics")]
		if _, err := svc.Lookup(ctx, tokens[i]); err != nil {
			t.Fatal(err)
		}
	}
	p.Sessions[0].Title += " (new title)"
	storeImport(t, svc, p)
	if err := svc.SyncChanges(ctx); err != nil {
		t.Fatal(err)
	}
	counter := countStatements(t, svc.Store().DB())
	tables := counter.during(func() {
		var wg sync.WaitGroup
		for _, token := range tokens {
			wg.Go(func() {
				if _, err := svc.Lookup(ctx, token); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	})
	loads := 0
	for _, table := range tables {
		if table == "programmes" {
			loads++
		}
	}
	if loads != 1 {
		t.Errorf("%d feeds after a change read the programmes table %d times (%d statements), want once", len(tokens), loads, len(tables))
	}
}

// TestAFetchIsWrittenWhenWatchStops: fetches collected while Watch runs
// reach the database when it stops, at the latest.
func TestAFetchIsWrittenWhenWatchStops(t *testing.T) {
	svc, feeds := benchService(t, sample.Demo(t))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		svc.Watch(ctx, nil)
	}()
	// Batching starts with Watch: wait for it rather than for a time.
	deadline := time.Now().Add(20 * time.Second)
	for !svc.fetches.isBatching() {
		if time.Now().After(deadline) {
			t.Fatal("Watch never started batching fetches")
		}
		time.Sleep(time.Millisecond)
	}
	f, err := svc.Lookup(t.Context(), feeds[0].token)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.RecordFetch(t.Context(), f); err != nil {
		t.Fatal(err)
	}
	cancel()
	<-done
	tok, err := svc.Store().FeedTokenByHash(t.Context(), HashToken(feeds[0].token))
	if err != nil {
		t.Fatal(err)
	}
	if tok.LastFetchedAt == nil || !tok.LastFetchedAt.Equal(benchNow) {
		t.Errorf("after Watch stopped the fetch record says %v, want %v", tok.LastFetchedAt, benchNow)
	}
}

// TestMemoryLookupFollowsTheVersions: a lookup finds the version of its
// token's programme through the token (memory.slugs), not in the versions
// memory holds: it must still answer exactly what they say, as each check
// replaces them, for tokens known before and after: a new version at once,
// none for a programme gone, and none while this process's own change is
// newer.
func TestMemoryLookupFollowsTheVersions(t *testing.T) {
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	m := newMemory()
	m.setTrust(m.checkedAt, now.Add(time.Second))
	hashA, hashB := HashToken("a"), HashToken("b")
	stamp := func(v int64) store.ProgrammeStamp {
		return store.ProgrammeStamp{Version: v, UpdatedAt: now.Add(time.Duration(v) * time.Minute)}
	}
	m.addToken(hashA, store.FeedToken{ID: 1, Programme: "conf", Kind: "person", Key: "a"}, "a", m.generation())
	check := func(hash []byte, want int64, known bool) {
		t.Helper()
		_, _, v, versionKnown, ok := m.lookup(hash, now)
		if !ok {
			t.Fatal("a known token was not found")
		}
		if versionKnown != known || known && v != stamp(want) {
			t.Errorf("version %v (known %v), want %v (known %v)", v, versionKnown, stamp(want), known)
		}
	}
	check(hashA, 0, false)
	set := func(versions map[string]store.ProgrammeStamp) {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.setVersions(versions)
	}
	set(map[string]store.ProgrammeStamp{"conf": stamp(3), "other": stamp(9)})
	check(hashA, 3, true)
	// A token learnt after the versions.
	m.addToken(hashB, store.FeedToken{ID: 2, Programme: "conf", Kind: "person", Key: "b"}, "b", m.generation())
	check(hashB, 3, true)
	// The first token of another programme learnt after the versions.
	hashC := HashToken("c")
	m.addToken(hashC, store.FeedToken{ID: 3, Programme: "other", Kind: "person", Key: "c"}, "c", m.generation())
	check(hashC, 9, true)
	set(map[string]store.ProgrammeStamp{"conf": stamp(4)})
	check(hashC, 0, false)
	check(hashA, 4, true)
	check(hashB, 4, true)
	// The programme deleted, then imported again.
	set(map[string]store.ProgrammeStamp{"other": stamp(9)})
	check(hashA, 0, false)
	set(map[string]store.ProgrammeStamp{"conf": stamp(1)})
	check(hashB, 1, true)
	// This process's own change, newer than memory knows.
	m.wrote("conf", 2)
	check(hashA, 0, false)
	set(map[string]store.ProgrammeStamp{"conf": stamp(2)})
	m.mu.Lock()
	delete(m.written, "conf") // as syncChanges does once versions caught up
	m.mu.Unlock()
	check(hashA, 2, true)
}
