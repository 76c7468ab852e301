package web

import (
	"container/list"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/planner-dev/planner/internal/programme"
)

// A staff page that only reads a programme can keep what it renders from
// the copy the feeds share (readProgramme): that copy is never modified, and
// a new version is a new copy, so the copy itself names the version. The
// kept part must hold nothing that differs between requests of the same
// copy: no user, role, CSRF token, clock or query; those are rendered
// around it on every request.

const (
	// partCacheBytes bounds the bytes kept: a day of a conference (bench/
	// large, about 70 sessions) is some 200 kB, so this holds every day
	// of a few large programmes.
	partCacheBytes = 16 << 20
	// partCacheEntries bounds the number of parts kept, however small.
	partCacheEntries = 256
)

// errPartPanicked is what the requests waiting for a part get when its
// render panicked (the request that rendered it re-panics).
var errPartPanicked = errors.New("rendering the page part panicked")

// partCache keeps rendered parts of pages, by the shared programme they
// were rendered from and a name (such as "day/2016-12-05"), least recently
// used first out. A programme's parts go as soon as a part of another copy
// of it (a new version) is asked for, so the cache never keeps old
// versions alive for long. Requests that ask for a part being rendered wait
// for it rather than render it again.
type partCache struct {
	mu      sync.Mutex
	entries map[partKey]*partEntry
	// used orders the rendered entries, most recently used first;
	// entries being rendered are in entries only.
	used  list.List
	bytes int
	// renders counts the parts rendered, for tests.
	renders atomic.Int64
}

// partKey names a part: the shared programme (one per version) and what
// part of it, with everything else the part depends on.
type partKey struct {
	p    *programme.Programme
	name string
}

// renderedPart is a part of a page and the page's title, when that depends
// on the same things.
type renderedPart struct {
	Title string
	// HTML is the part as html/template rendered it (see renderer.part),
	// written as it is where the page prints keptSlot (renderKept).
	HTML []byte
}

// partEntry is one part, kept or being rendered (until ready is closed).
type partEntry struct {
	key   partKey
	ready chan struct{}
	part  renderedPart
	err   error
	elem  *list.Element
}

// get returns the part key names, rendering it with render when it is not
// kept. A failed render is not kept: the next request tries again.
func (c *partCache) get(key partKey, render func() (renderedPart, error)) (renderedPart, error) {
	c.mu.Lock()
	if e, ok := c.entries[key]; ok {
		if e.elem != nil {
			c.used.MoveToFront(e.elem)
		}
		c.mu.Unlock()
		<-e.ready
		return e.part, e.err
	}
	if c.entries == nil {
		c.entries = map[partKey]*partEntry{}
	}
	c.dropOtherCopies(key.p)
	e := &partEntry{key: key, ready: make(chan struct{})}
	c.entries[key] = e
	c.mu.Unlock()

	done := false
	defer func() {
		if !done {
			e.err = errPartPanicked
		}
		close(e.ready)
		c.keep(e)
	}()
	c.renders.Add(1)
	e.part, e.err = render()
	done = true
	return e.part, e.err
}

// keep files e once rendered, or forgets it when its render failed or it
// was dropped meanwhile, then evicts the least recently used parts beyond
// the bounds.
func (c *partCache) keep(e *partEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries[e.key] != e {
		return
	}
	if e.err != nil || partSize(e) > partCacheBytes {
		delete(c.entries, e.key)
		return
	}
	e.elem = c.used.PushFront(e)
	c.bytes += partSize(e)
	for c.bytes > partCacheBytes || c.used.Len() > partCacheEntries {
		c.remove(c.used.Back().Value.(*partEntry))
	}
}

// dropOtherCopies forgets the parts of p's programme rendered from another
// copy: an older version, which readProgramme will not return again. (A
// request still holding an older copy drops the newer's parts in turn;
// they are rendered again, never mixed.) c.mu is held.
func (c *partCache) dropOtherCopies(p *programme.Programme) {
	for k, e := range c.entries {
		if k.p != p && k.p.Slug == p.Slug {
			c.remove(e)
		}
	}
}

// remove forgets e, kept or being rendered. c.mu is held.
func (c *partCache) remove(e *partEntry) {
	delete(c.entries, e.key)
	if e.elem != nil {
		c.used.Remove(e.elem)
		c.bytes -= partSize(e)
		e.elem = nil
	}
}

// partSize is what e counts against partCacheBytes.
func partSize(e *partEntry) int {
	return len(e.part.HTML) + len(e.part.Title)
}
