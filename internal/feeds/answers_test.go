package feeds

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
)

// answersRun is a Service ("here") and a second one on the same database
// with a store of its own ("other"), as two `serve` processes are, with the
// demo's feeds and one clock.
type answersRun struct {
	t           *testing.T
	clock       *storetest.Clock
	here, other *Service
	p           *programme.Programme
	// tokens holds every token either Service handed out, revoked ones too.
	tokens []string
	known  map[string]bool
	edits  int
}

func newAnswersRun(t *testing.T) *answersRun {
	t.Helper()
	// A minute before midnight UTC: the run goes on into the next day,
	// whose feeds are worked out again.
	clock := storetest.NewClock(time.Date(2016, 12, 5, 23, 59, 0, 0, time.UTC))
	r := &answersRun{t: t, clock: clock, p: sample.Demo(t), known: map[string]bool{}}
	r.here, r.other = twoServices(t, clock, r.p)
	// A cache too small for the demo's feeds, so that entries are evicted
	// and plain bodies dropped for their gzip ones as the run goes.
	r.here.bodies = newBodyCache(12, 200<<10)
	r.listTokens()
	return r
}

// listTokens adds the tokens of every feed of the programme, made when
// missing, to r.tokens.
func (r *answersRun) listTokens() {
	r.t.Helper()
	list, err := r.other.List(r.t.Context(), r.p.Slug, true)
	if err != nil {
		r.t.Fatal(err)
	}
	for _, l := range list {
		if token, ok := strings.CutSuffix(strings.TrimPrefix(l.URL, "https://planner.example.org/feeds/"), ".ics"); ok && !r.known[token] {
			r.known[token] = true
			r.tokens = append(r.tokens, token)
		}
	}
}

// poll does what a calendar's GET does here: the lookup, a render when
// memory alone does not answer, and the fetch record.
func (r *answersRun) poll(token string, gzip bool) {
	r.t.Helper()
	ctx := r.t.Context()
	f := new(Feed)
	if !r.here.LookupInMemory(token, f) {
		var err error
		if f, err = r.here.Lookup(ctx, token); err != nil {
			if programme.ErrorCode(err) != programme.ENOTFOUND {
				r.t.Fatalf("Lookup: %v", err)
			}
			return
		}
	}
	render := r.here.Render
	if gzip {
		render = r.here.RenderGzip
	}
	if _, err := render(ctx, f, token); err != nil {
		r.t.Fatalf("Render: %v", err)
	}
	if err := r.here.RecordFetch(ctx, f); err != nil {
		r.t.Fatalf("RecordFetch: %v", err)
	}
}

// edit changes a session's title, through here's store or other's.
func (r *answersRun) edit(svc *Service) {
	r.t.Helper()
	r.edits++
	s := &r.p.Sessions[r.edits%len(r.p.Sessions)]
	s.Title = fmt.Sprintf("%s (%d)", strings.SplitN(s.Title, " (", 2)[0], r.edits)
	if _, err := svc.Store().Import(r.t.Context(), r.p, store.ImportOptions{}); err != nil {
		r.t.Fatal(err)
	}
}

// subject picks one of the programme's feeds.
func (r *answersRun) subject(rnd *rand.Rand) (programme.FeedKind, string) {
	switch rnd.IntN(3) {
	case 0:
		return programme.FeedProgramme, r.p.Slug
	case 1:
		return programme.FeedDelegation, r.p.Delegations[rnd.IntN(len(r.p.Delegations))].Key
	}
	return programme.FeedPerson, r.p.People[rnd.IntN(len(r.p.People))].Key
}

// check looks token up here, and again with the answers set aside, and
// fails unless both say the same. It reports whether the first was given
// from a kept answer.
func (r *answersRun) check(step int, op, token string) (answered bool) {
	r.t.Helper()
	var got, want Feed
	gotOK := r.here.LookupInMemory(token, &got)
	kept := r.here.bodies.answers
	r.here.bodies.answers = nil
	wantOK := r.here.LookupInMemory(token, &want)
	r.here.bodies.answers = kept
	answered = gotOK && got.answer != nil
	where := fmt.Sprintf("step %d (after %s), token %.6s…, answered %v", step, op, token, answered)
	switch {
	case gotOK != wantOK:
		r.t.Fatalf("%s: found %v, want %v", where, gotOK, wantOK)
	case !gotOK:
		return false
	}
	if got.Token.ID != want.Token.ID || got.Version != want.Version || !got.UpdatedAt.Equal(want.UpdatedAt) ||
		got.ETag != want.ETag || !got.LastModified.Equal(want.LastModified) || !got.now.Equal(want.now) ||
		got.stamp.subject != want.stamp.subject || got.stamp.epoch != want.stamp.epoch ||
		got.lastModifiedText != want.lastModifiedText || got.gzipETag != want.gzipETag || got.etagValues != want.etagValues {
		r.t.Fatalf("%s: gave\n%+v\nwant\n%+v", where, got, want)
	}
	if (got.body == nil) != (want.body == nil) || got.body != nil && !sameArray(got.body, want.body) {
		r.t.Fatalf("%s: gave a body of %d bytes, want %d bytes (the same array)", where, len(got.body), len(want.body))
	}
	// The answer's confirmation may be older, by less than answerRefresh.
	if d := want.stamp.confirmed.Sub(got.stamp.confirmed); d < 0 || d >= answerRefresh {
		r.t.Fatalf("%s: confirmed at %v, memory checked at %v", where, got.stamp.confirmed, want.stamp.confirmed)
	}
	return answered
}

// checkBodies fails when an answer holds a body that the cache does not:
// answers must keep no memory beyond the cache's bounds.
func (r *answersRun) checkBodies(step int, op string) {
	r.t.Helper()
	c := r.here.bodies
	c.mu.RLock()
	defer c.mu.RUnlock()
	c.answers.mu.RLock()
	defer c.answers.mu.RUnlock()
	for token, a := range c.answers.byToken {
		if a.f.body == nil {
			continue
		}
		el, ok := c.byToken[token]
		if !ok || !sameArray(el.Value.(*cacheEntry).body, a.f.body) {
			r.t.Fatalf("step %d (after %s): the answer of %.6s… holds a body of %d bytes that the cache let go of", step, op, token, len(a.f.body))
		}
	}
}

// TestAnswersAreWhatMemoryWouldWorkOut: through a random run of what a
// server goes through (polls, plain and gzip; renders; evictions; changes
// to the programme made here and by another process; revocations and
// rotations, here and elsewhere; memory's checks, missed checks and lost
// trust; the clock moving on, past midnight too), every lookup that a kept
// answer gives is the one memory and the cache would work out without it,
// a revoked or rotated token included, and no answer holds a body the
// cache let go of.
func TestAnswersAreWhatMemoryWouldWorkOut(t *testing.T) {
	r := newAnswersRun(t)
	ctx := t.Context()
	rnd := rand.New(rand.NewPCG(12, 5))
	answered, found := 0, 0
	const steps = 1000
	for step := range steps {
		var op string
		switch n := rnd.IntN(100); {
		case n < 62:
			op = "a poll"
			r.poll(r.tokens[rnd.IntN(len(r.tokens))], rnd.IntN(4) == 0)
		case n < 72:
			op = "a check of memory"
			if err := r.here.SyncChanges(ctx); err != nil {
				t.Fatal(err)
			}
		case n < 84:
			op = "time passing"
			d := time.Duration(rnd.IntN(3000)) * time.Millisecond
			if rnd.IntN(8) == 0 {
				d = time.Duration(rnd.IntN(120)) * time.Second
			}
			if rnd.IntN(16) == 0 {
				// To a second before the next midnight UTC, which the
				// next steps pass: a new day for every feed.
				now := r.clock.Now()
				d = now.Truncate(24 * time.Hour).Add(24*time.Hour - time.Second).Sub(now)
			}
			r.clock.Advance(d)
			// As Watch does every second, but for a missed check now and
			// then.
			if rnd.IntN(4) > 0 {
				op = "time passing, and a check of memory"
				if err := r.here.SyncChanges(ctx); err != nil {
					t.Fatal(err)
				}
			}
		case n < 86:
			op = "a change here"
			r.edit(r.here)
		case n < 88:
			op = "a change elsewhere"
			r.edit(r.other)
		case n < 90:
			kind, key := r.subject(rnd)
			svc, where := r.here, "here"
			if rnd.IntN(2) == 0 {
				svc, where = r.other, "elsewhere"
			}
			op = "a revocation " + where
			if rnd.IntN(2) == 0 {
				op = "a rotation " + where
				if _, err := svc.Rotate(ctx, r.p.Slug, kind, key); err != nil {
					t.Fatal(err)
				}
			} else if err := svc.Revoke(ctx, r.p.Slug, kind, key); err != nil {
				t.Fatal(err)
			}
			r.listTokens()
		case n < 92:
			op = "memory's trust lost"
			r.here.mem.distrust()
		default:
			op = "a burst of polls"
			for range 8 {
				r.poll(r.tokens[rnd.IntN(len(r.tokens))], false)
			}
		}
		r.checkBodies(step, op)
		for range 3 {
			token := r.tokens[rnd.IntN(len(r.tokens))]
			if r.check(step, op, token) {
				answered++
			}
			if ok := r.here.LookupInMemory(token, new(Feed)); ok {
				found++
			}
		}
	}
	// The run must have given answers, and also worked lookups out.
	if answered < steps/4 || found-answered < steps/20 {
		t.Errorf("%d lookups given from kept answers and %d found in all, in %d steps: the run tests too little", answered, found, steps)
	}
	t.Logf("%d lookups given from kept answers, %d found in all, %d tokens, %d edits", answered, found, len(r.tokens), r.edits)
}

// answerCase is a body cache holding one feed body, "tok", with its answer.
type answerCase struct {
	c    *bodyCache
	day  time.Time
	body []byte
}

func newAnswerCase(t *testing.T) *answerCase {
	t.Helper()
	ac := &answerCase{c: newBodyCache(4, 1<<20), day: feedDay(time.Date(2016, 12, 5, 9, 0, 0, 0, time.UTC)),
		body: bytes.Repeat([]byte("BEGIN:VEVENT\r\n"), 40)}
	ac.c.keep("tok", validator{version: 7, day: ac.day, etag: "e", fingerprint: 99}, ac.body, lookupStamp{subject: "s"})
	ac.remember(t, "tok", true)
	return ac
}

// remember makes token's answer from the cache, as LookupInMemory does, and
// fails unless it was kept as want says.
func (ac *answerCase) remember(t *testing.T, token string, want bool) {
	t.Helper()
	f := &Feed{Version: 7, stamp: lookupStamp{subject: "s", epoch: ac.c.currentEpoch()}}
	v, body, ok := ac.c.confirmCurrent(token, time.Time{}, f.stamp.epoch, 7, ac.day)
	if !ok {
		t.Fatalf("%s is not current in the cache", token)
	}
	f.use(v, body)
	ac.c.remember(token, f, ac.day, 0)
	if got := ac.answered(token); got != want {
		t.Fatalf("%s answered %v after remember, want %v", token, got, want)
	}
}

func (ac *answerCase) answered(token string) bool {
	ac.c.answers.mu.RLock()
	defer ac.c.answers.mu.RUnlock()
	return ac.c.answers.byToken[token] != nil
}

// TestEveryChangeToAFeedEntryDropsItsAnswer: whatever changes a feed's
// entry or validator in the body cache (a new body, an unchanged one for a
// new version, eviction, the plain body dropped for the gzip one or given
// back, the token dropped, forgotten validators) deletes its answer, and a
// new epoch (another token dropped) deletes them all. An agenda page kept
// or evicted deletes none.
func TestEveryChangeToAFeedEntryDropsItsAnswer(t *testing.T) {
	body2 := []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
	for _, tc := range []struct {
		name   string
		change func(ac *answerCase)
		// kept is whether the answer must stay.
		kept bool
	}{
		{"a new body", func(ac *answerCase) {
			ac.c.keep("tok", validator{version: 8, day: ac.day, etag: "f"}, body2, lookupStamp{})
		}, false},
		{"an unchanged body for a new version", func(ac *answerCase) {
			if _, _, ok := ac.c.unchanged("tok", 99, 8, ac.day, lookupStamp{subject: "s"}); !ok {
				panic("not unchanged")
			}
		}, false},
		{"eviction", func(ac *answerCase) {
			for i := range 4 {
				ac.c.keep(fmt.Sprint("other", i), validator{version: 7, day: ac.day, etag: "o"}, body2, lookupStamp{})
			}
		}, false},
		{"the plain body dropped for the gzip one", func(ac *answerCase) {
			ac.c.putGzip("tok", ac.body, []byte("gz"))
			ac.c.maxBytes = len(ac.body)
			ac.c.keep("other", validator{version: 7, day: ac.day, etag: "o"}, body2, lookupStamp{})
		}, false},
		{"the plain body given back", func(ac *answerCase) {
			gz := []byte("gz")
			ac.c.putGzip("tok", ac.body, gz)
			ac.c.mu.Lock()
			e := ac.c.byToken["tok"].Value.(*cacheEntry)
			ac.c.size -= len(e.body)
			e.body = nil
			ac.c.mu.Unlock()
			ac.c.restorePlain("tok", gz, ac.body)
		}, false},
		{"the token dropped", func(ac *answerCase) { ac.c.dropToken("tok", false) }, false},
		{"another token dropped: a new epoch", func(ac *answerCase) { ac.c.dropToken("unknown", true) }, false},
		{"its feed revoked", func(ac *answerCase) { ac.c.dropSubject("s") }, false},
		{"another feed revoked: a new epoch", func(ac *answerCase) { ac.c.dropSubject("other") }, false},
		{"validators forgotten", func(ac *answerCase) {
			ac.c.maxValidators = 1
			ac.c.keep("other", validator{version: 7, day: ac.day, etag: "o"}, body2, lookupStamp{})
		}, false},
		{"a confirmation", func(ac *answerCase) { ac.c.confirm("tok", time.Now(), ac.c.currentEpoch()) }, true},
		{"its gzip body", func(ac *answerCase) { ac.c.putGzip("tok", ac.body, []byte("gz")) }, true},
		{"another feed's body", func(ac *answerCase) {
			ac.c.keep("other", validator{version: 7, day: ac.day, etag: "o"}, body2, lookupStamp{})
		}, true},
		{"an agenda page kept and evicted", func(ac *answerCase) {
			now := time.Date(2016, 12, 5, 9, 0, 0, 0, time.UTC)
			for i := range 6 {
				ac.c.keepPage(fmt.Sprint("page", i), "tok", 7, now, now.Add(time.Minute), now.Add(time.Hour), body2, lookupStamp{epoch: ac.c.currentEpoch()})
			}
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ac := newAnswerCase(t)
			tc.change(ac)
			if got := ac.answered("tok"); got != tc.kept {
				t.Errorf("answer kept %v, want %v", got, tc.kept)
			}
		})
	}
}

// TestRememberKeepsOnlyWhatTheCacheHolds: an answer is kept only when the
// cache still holds, in the lookup's epoch, the validator and the very
// body the lookup found; else the next lookup works the feed out again.
func TestRememberKeepsOnlyWhatTheCacheHolds(t *testing.T) {
	ac := newAnswerCase(t)
	ac.c.answers.dropAll()
	good := func() *Feed {
		f := &Feed{Version: 7, stamp: lookupStamp{subject: "s", epoch: ac.c.currentEpoch()}}
		v, body, _ := ac.c.confirmCurrent("tok", time.Time{}, f.stamp.epoch, 7, ac.day)
		f.use(v, body)
		return f
	}
	for _, tc := range []struct {
		name   string
		change func(f *Feed) time.Time // the day to remember f for
	}{
		{"an older epoch", func(f *Feed) time.Time { f.stamp.epoch--; return ac.day }},
		{"another ETag", func(f *Feed) time.Time { f.ETag = "other"; return ac.day }},
		{"another version", func(f *Feed) time.Time { f.Version = 6; return ac.day }},
		{"another day", func(f *Feed) time.Time { return ac.day.AddDate(0, 0, -1) }},
		{"a copy of the body", func(f *Feed) time.Time { f.body = bytes.Clone(f.body); return ac.day }},
	} {
		f := good()
		ac.c.remember("tok", f, tc.change(f), 0)
		if ac.answered("tok") {
			t.Errorf("%s: an answer was kept", tc.name)
			ac.c.answers.dropAll()
		}
	}
	ac.c.remember("tok", good(), ac.day, 0)
	if !ac.answered("tok") {
		t.Error("no answer was kept of what the cache holds")
	}
	// An answer made under an older counter of memory is not kept; one
	// made under a newer one replaces the others.
	ac.c.remember("tok", good(), ac.day, 5)
	ac.c.answers.dropAll()
	ac.c.remember("tok", good(), ac.day, 4)
	if ac.answered("tok") {
		t.Error("an answer made under an older counter of memory was kept")
	}
}

// TestEveryChangeToMemoryRaisesItsCounter: what memory says of a token it
// knows changes only as its counter rises: a check that finds a change
// (versions, tokens dropped), a feed revoked here, this process's own
// change, and the known tokens forgotten beyond their bound. A check that
// finds nothing changed only moves its trust on.
func TestEveryChangeToMemoryRaisesItsCounter(t *testing.T) {
	r := newAnswersRun(t)
	ctx := t.Context()
	if err := r.here.SyncChanges(ctx); err != nil {
		t.Fatal(err)
	}
	m := r.here.mem
	raises := func(what string, want bool, fn func()) {
		t.Helper()
		before := m.changes.Load()
		fn()
		if got := m.changes.Load() != before; got != want {
			t.Errorf("%s: counter raised %v, want %v", what, got, want)
		}
	}
	raises("a check finding nothing changed", false, func() {
		r.clock.Advance(time.Second)
		if err := r.here.SyncChanges(ctx); err != nil {
			t.Fatal(err)
		}
		if got, want := m.checked.Load(), r.clock.Now().UnixNano(); got != want {
			t.Errorf("memory checked at %d, want %d", got, want)
		}
		if got, want := m.trusted.Load(), r.clock.Now().Add(ChangeTrustWindow).UnixNano(); got != want {
			t.Errorf("memory trusted until %d, want %d", got, want)
		}
	})
	raises("a check finding a change elsewhere", true, func() {
		r.edit(r.other)
		if err := r.here.SyncChanges(ctx); err != nil {
			t.Fatal(err)
		}
	})
	raises("a change here", true, func() { r.edit(r.here) })
	raises("a feed revoked here", true, func() { m.dropSubject(r.p.Slug, "person", "anyone") })
	raises("a token learnt", false, func() { m.addToken(HashToken("x"), store.FeedToken{Programme: r.p.Slug}, "x", m.generation()) })
	raises("trust lost", false, func() {
		m.distrust()
		if m.trusted.Load() != 0 {
			t.Error("memory is still trusted")
		}
	})
	m.mu.Lock()
	m.maxTokens = len(m.tokens)
	m.mu.Unlock()
	raises("the known tokens forgotten", true, func() { m.addToken(HashToken("y"), store.FeedToken{}, "y", m.generation()) })
}

// TestAnAnsweredPollRecordsItsFetch: a poll given from a kept answer
// records its fetch as any other poll does: once a minute for the same
// version, and a fetch of another version at once.
func TestAnAnsweredPollRecordsItsFetch(t *testing.T) {
	r := newAnswersRun(t)
	ctx := t.Context()
	r.here.fetches.setBatching(true)
	token := r.tokens[0]
	step := func(d time.Duration) (f *Feed, latest store.FeedFetch) {
		t.Helper()
		r.clock.Advance(d)
		if err := r.here.SyncChanges(ctx); err != nil {
			t.Fatal(err)
		}
		r.poll(token, false)
		f = new(Feed)
		if !r.here.LookupInMemory(token, f) {
			t.Fatal("the polled feed is not in memory")
		}
		latest, ok := r.here.fetches.latest(f.Token)
		if !ok {
			t.Fatal("no fetch recorded")
		}
		return f, latest
	}
	_, first := step(0)
	if !first.At.Equal(r.clock.Now()) {
		t.Fatalf("the first fetch recorded at %v, want %v", first.At, r.clock.Now())
	}
	for i := range 10 {
		f, latest := step(5 * time.Second)
		if f.answer == nil {
			t.Fatalf("poll %d was not given from its answer", i)
		}
		// The minute from the first fetch is over with the 12th poll.
		if i < 11 && !latest.At.Equal(first.At) {
			t.Fatalf("poll %d, %v after the first, recorded a fetch at %v", i, r.clock.Now().Sub(first.At), latest.At)
		}
	}
	_, latest := step(15 * time.Second)
	if !latest.At.Equal(r.clock.Now()) {
		t.Errorf("a poll %v after the first fetch recorded none (latest %v)", r.clock.Now().Sub(first.At), latest.At)
	}
	r.edit(r.other)
	f, latest := step(time.Second)
	if latest.Version != f.Version || !latest.At.Equal(r.clock.Now()) || f.Version == first.Version {
		t.Errorf("after a change: fetch of version %d at %v recorded, want version %d at %v", latest.Version, latest.At, f.Version, r.clock.Now())
	}

	// A feed given from an answer and then rendered from a newer version
	// of the programme (loaded meanwhile by another request) records its
	// fetch, whatever the answer saw of the older version's.
	if f, _ = step(time.Second); f.answer == nil {
		t.Fatal("the poll after was not given from its answer")
	}
	g := *f
	g.now, g.Version = r.clock.Now(), f.Version+1
	g.answer.fetched.Store(r.clock.Now().UnixNano())
	if err := r.here.RecordFetch(ctx, &g); err != nil {
		t.Fatal(err)
	}
	if latest, _ := r.here.fetches.latest(g.Token); latest.Version != g.Version {
		t.Errorf("a fetch of version %d was not recorded: latest is of version %d", g.Version, latest.Version)
	}
}
