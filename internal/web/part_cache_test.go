package web

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/planner-dev/planner/internal/programme"
)

// clear forgets every kept part, so that the next request renders afresh.
func (c *partCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.entries {
		c.remove(e)
	}
}

// kept is the number of parts kept and their bytes, checked against the
// list they are evicted by.
func (c *partCache) kept(t *testing.T) (n, bytes int) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for e := c.used.Front(); e != nil; e = e.Next() {
		n++
		bytes += partSize(e.Value.(*partEntry))
	}
	if n != len(c.entries) || bytes != c.bytes {
		t.Fatalf("%d parts of %d bytes in the list, %d entries and %d bytes counted", n, bytes, len(c.entries), c.bytes)
	}
	return n, bytes
}

// The cache keeps at most partCacheEntries parts and partCacheBytes bytes,
// dropping the least recently used first.
func TestPartCacheIsBounded(t *testing.T) {
	var c partCache
	p := &programme.Programme{Slug: "conf"}
	part := func(size int) func() (renderedPart, error) {
		return func() (renderedPart, error) {
			return renderedPart{HTML: []byte(strings.Repeat("x", size))}, nil
		}
	}
	get := func(name string, size int) {
		t.Helper()
		if _, err := c.get(partKey{p: p, name: name}, part(size)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 2 * partCacheEntries {
		get(fmt.Sprint("small/", i), 10)
		get("small/0", 10) // used again, so never the least recently used
	}
	if n, _ := c.kept(t); n != partCacheEntries {
		t.Errorf("%d small parts kept, want %d", n, partCacheEntries)
	}
	renders := c.renders.Load()
	get("small/0", 10)
	if c.renders.Load() != renders {
		t.Error("the part used most often was dropped")
	}

	big := partCacheBytes / 4
	for i := range 10 {
		get(fmt.Sprint("big/", i), big)
	}
	if n, bytes := c.kept(t); bytes > partCacheBytes || n > 4 {
		t.Errorf("%d parts of %d bytes kept, more than %d bytes", n, bytes, partCacheBytes)
	}
	get("huge", partCacheBytes+1)
	if _, ok := c.entries[partKey{p: p, name: "huge"}]; ok {
		t.Error("a part larger than the whole cache was kept")
	}
}

// A part of a new copy of a programme (a new version) drops the parts of
// the older copy, and only of that programme.
func TestPartCacheDropsOlderCopies(t *testing.T) {
	var c partCache
	old, other := &programme.Programme{Slug: "conf", Version: 1}, &programme.Programme{Slug: "other", Version: 1}
	text := func(s string) func() (renderedPart, error) {
		return func() (renderedPart, error) { return renderedPart{HTML: []byte(s)}, nil }
	}
	c.get(partKey{p: old, name: "day/1"}, text("old 1"))
	c.get(partKey{p: old, name: "day/2"}, text("old 2"))
	c.get(partKey{p: other, name: "day/1"}, text("other 1"))
	current := &programme.Programme{Slug: "conf", Version: 2}
	if got, _ := c.get(partKey{p: current, name: "day/1"}, text("new 1")); string(got.HTML) != "new 1" {
		t.Errorf("the new copy's part is %q", got.HTML)
	}
	if n, _ := c.kept(t); n != 2 {
		t.Errorf("%d parts kept, want the new copy's and the other programme's", n)
	}
	for _, k := range []partKey{{p: current, name: "day/1"}, {p: other, name: "day/1"}} {
		if _, ok := c.entries[k]; !ok {
			t.Errorf("%s %s dropped", k.p.Slug, k.name)
		}
	}
}

// Requests that ask for a part being rendered wait for it and share it; a
// failed or panicking render is not kept.
func TestPartCacheRendersOnceAndKeepsNoFailure(t *testing.T) {
	var c partCache
	key := partKey{p: &programme.Programme{Slug: "conf"}, name: "day/1"}
	started, release := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	results := make([]renderedPart, 8)
	wg.Go(func() {
		results[0], _ = c.get(key, func() (renderedPart, error) {
			close(started)
			<-release
			return renderedPart{HTML: []byte("day one")}, nil
		})
	})
	<-started
	for i := 1; i < len(results); i++ {
		wg.Go(func() {
			results[i], _ = c.get(key, func() (renderedPart, error) { return renderedPart{HTML: []byte("again")}, nil })
		})
	}
	close(release)
	wg.Wait()
	for i, r := range results {
		if string(r.HTML) != "day one" {
			t.Errorf("request %d got %q", i, r.HTML)
		}
	}
	if got := c.renders.Load(); got != 1 {
		t.Errorf("%d renders, want 1", got)
	}

	failing := partKey{p: key.p, name: "day/2"}
	boom := errors.New("boom")
	if _, err := c.get(failing, func() (renderedPart, error) { return renderedPart{}, boom }); err != boom {
		t.Errorf("error %v, want %v", err, boom)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the render's panic was swallowed")
			}
		}()
		c.get(failing, func() (renderedPart, error) { panic("render") })
	}()
	if got, err := c.get(failing, func() (renderedPart, error) { return renderedPart{HTML: []byte("day two")}, nil }); err != nil || string(got.HTML) != "day two" {
		t.Errorf("after failures: %q, %v", got.HTML, err)
	}
	if n, _ := c.kept(t); n != 2 {
		t.Errorf("%d parts kept, want 2", n)
	}
}
