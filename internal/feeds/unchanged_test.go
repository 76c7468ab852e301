package feeds

import (
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
	"github.com/planner-dev/planner/internal/store"
)

// A change re-renders only the feeds it touches: the first lookup of an
// untouched feed after it keeps the very bytes it had (the same array, so
// nothing was encoded), now for the new version, while a touched feed gets
// new bytes.
func TestAChangeEncodesOnlyTheFeedsItTouches(t *testing.T) {
	p := sample.Demo(t)
	// The town hall is for the Pakistani delegation only; the person whose
	// feed is looked up is Afghan.
	const edited = "town-hall"
	townHall := p.Session(edited)
	if townHall == nil {
		t.Fatal("the demo has no town hall")
	}
	townHall.Audience = programme.Audience{Delegations: []string{"pk"}}
	svc, feeds := benchService(t, p)
	ctx := t.Context()
	before := map[string]*Feed{}
	touched := map[string]bool{}
	for _, fd := range feeds {
		f, err := svc.Lookup(ctx, fd.token)
		if err != nil || f.body == nil {
			t.Fatalf("%s: %v", fd.name, err)
		}
		before[fd.name] = f
		entries, err := p.FeedEntries(fd.kind, fd.key, benchNow)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			touched[fd.name] = touched[fd.name] || e.SessionKey == edited
		}
	}
	if touched["person"] || !touched["programme"] {
		t.Fatalf("the person's feed has the town hall: %v, the programme's: %v", touched["person"], touched["programme"])
	}

	p.Session(edited).Title += " (moved upstairs)"
	if _, err := svc.Store().Import(ctx, p, store.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, fd := range feeds {
		f, err := svc.Lookup(ctx, fd.token)
		if err != nil {
			t.Fatal(err)
		}
		old := before[fd.name]
		if f.Version == old.Version {
			t.Fatalf("%s: the lookup after the import is of version %d still", fd.name, f.Version)
		}
		sameBytes := f.body != nil && &f.body[0] == &old.body[0]
		switch {
		case touched[fd.name] && (sameBytes || f.ETag == old.ETag):
			t.Errorf("%s feed, touched by the change: the old bytes (ETag %s) for the new version", fd.name, f.ETag)
		case !touched[fd.name] && !sameBytes:
			t.Errorf("%s feed, untouched by the change: encoded again (ETag %s, was %s)", fd.name, f.ETag, old.ETag)
		case !touched[fd.name] && (f.ETag != old.ETag || !f.LastModified.Equal(old.LastModified)):
			t.Errorf("%s feed, untouched: ETag %s and Last-Modified %s, were %s and %s",
				fd.name, f.ETag, f.LastModified, old.ETag, old.LastModified)
		}
		// Kept for the new version: the next lookup finds it current.
		v, body, ok := svc.bodies.current(fd.token, f.Version, feedDay(benchNow))
		if !ok || v.etag != f.ETag || body == nil || &body[0] != &f.body[0] {
			t.Errorf("%s feed: not kept current for version %d after the change", fd.name, f.Version)
		}
	}
}

// unchanged keeps the bytes only for the fingerprint they were encoded
// from, while the entry holds them in either form, and never for a lookup
// older than a drop.
func TestUnchangedKeepsOnlyWhatWouldBeEncodedAgain(t *testing.T) {
	day := time.Date(2016, 12, 5, 0, 0, 0, 0, time.UTC)
	next := day.AddDate(0, 0, 1)
	body, gz := []byte("BEGIN:VCALENDAR..."), []byte("gzip of it")
	fresh := func() (*bodyCache, lookupStamp) {
		c := newBodyCache(16, 1<<20)
		stamp := lookupStamp{subject: "person/omar", confirmed: day, epoch: c.currentEpoch()}
		c.keep("tok", validator{version: 3, day: day, etag: `"e1"`, lastModified: day.Add(-time.Hour), fingerprint: 42}, body, stamp)
		c.putGzip("tok", body, gz)
		return c, stamp
	}

	c, stamp := fresh()
	v, got, ok := c.unchanged("tok", 42, 4, next, stamp)
	if !ok || &got[0] != &body[0] || v.version != 4 || !v.day.Equal(next) || v.etag != `"e1"` || !v.lastModified.Equal(day.Add(-time.Hour)) {
		t.Fatalf("the same fingerprint: %+v, ok %v", v, ok)
	}
	if cur, b, ok := c.current("tok", 4, next); !ok || cur.etag != `"e1"` || &b[0] != &body[0] {
		t.Errorf("after unchanged the body is not current for version 4 on the next day")
	}
	if g, ok := c.getGzip("tok", `"e1"`); !ok || &g[0] != &gz[0] {
		t.Errorf("the gzip body went with the change of version")
	}

	for name, refused := range map[string]func() (*bodyCache, bool){
		"another fingerprint": func() (*bodyCache, bool) {
			c, stamp := fresh()
			_, _, ok := c.unchanged("tok", 43, 4, next, stamp)
			return c, ok
		},
		"another token": func() (*bodyCache, bool) {
			c, stamp := fresh()
			_, _, ok := c.unchanged("other", 42, 4, next, stamp)
			return c, ok
		},
		"a lookup from before a drop": func() (*bodyCache, bool) {
			c, stamp := fresh()
			c.dropToken("someone-else", true)
			_, _, ok := c.unchanged("tok", 42, 4, next, stamp)
			return c, ok
		},
		"no fingerprint": func() (*bodyCache, bool) {
			c, stamp := fresh()
			_, _, ok := c.unchanged("tok", 0, 4, next, stamp)
			return c, ok
		},
		"the entry evicted": func() (*bodyCache, bool) {
			c, stamp := fresh()
			c.remove(c.byToken["tok"])
			_, _, ok := c.unchanged("tok", 42, 4, next, stamp)
			return c, ok
		},
	} {
		c, ok := refused()
		if ok {
			t.Errorf("%s: the old bytes were kept for the new version", name)
		}
		if _, _, ok := c.current("tok", 4, next); ok {
			t.Errorf("%s: a validator of version 4 is current without a render", name)
		}
	}

	// Only the gzip body kept (the plain one dropped over the byte bound):
	// kept all the same, the plain body made from it on demand (Render).
	c, stamp = fresh()
	c.byToken["tok"].Value.(*cacheEntry).body = nil
	if _, got, ok := c.unchanged("tok", 42, 4, next, stamp); !ok || got != nil {
		t.Errorf("gzip body only: ok %v, plain body %q", ok, got)
	}
}
