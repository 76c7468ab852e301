package web

import (
	"bytes"
	"html/template"
	"strconv"
	"strings"
	"sync"

	"github.com/planner-dev/planner/internal/programme"
)

// An agenda page is mostly its items, and most of an item is its
// programme's: the session's title, place, running order with the
// speakers' names, the run's way and note. The rest is the subject's and
// the clock's: now, next, "Changed 3 min ago", cancelled or lost. The
// 200 pages of a conference's delegates rendered at once after a quiet
// spell share most of their items, and each page again a minute later
// shares them with itself. So the programme's part of each item (its view,
// sessionView and runView) is made once per programme version, and each
// item's HTML is rendered once per version and itemHTMLKey, everything else
// that shapes its bytes, and kept (programmeViews); the day template writes
// the kept HTML of a day's items as it is (dayView.ItemsHTML).
//
// A shared programme is never modified, and a new version is a new copy
// (see viewCache): its address names the version, and what is kept
// for it can never be out of date, only unused.

const (
	// keptProgrammes is how many programme versions keep their views and
	// items' HTML at once: the current version of a few programmes being
	// read (one conference, mostly), and the one before while pages still
	// render from it. The least recently used goes first, with all it
	// kept, so that no old version is kept alive for long.
	keptProgrammes = 4
	// maxItemHTMLBytes bounds the items' HTML kept for one version; past
	// it, all of them are forgotten and rendered again when asked for.
	// Every agenda page of a conference of 2,000 people (bench/large: 400
	// sessions of 5 slots, 60 runs; 4,073 feeds of people, speakers,
	// delegations, rooms and the whole programme), rendered at one
	// instant, keeps 4,180 items in 2.7 MB: the sessions and runs, the
	// speakers' own slots, their sessions without their slot's id, now
	// and next. Recent changes add a variant per changed item and minute
	// ("Changed 3 min ago"); 8 MB holds those of a busy half hour before
	// the map starts anew, and keptProgrammes versions of it (32 MB at
	// most, the old ones only as full as they were when replaced) stay
	// well within the app's 200 MB.
	maxItemHTMLBytes = 8 << 20
	// maxItemHTMLEntries bounds the number of items kept for one version,
	// however small (4,180 above).
	maxItemHTMLEntries = 20000
)

// viewCache keeps the programmeViews of the last few programme versions
// (keptProgrammes), by the programme's address.
type viewCache struct {
	mu      sync.Mutex
	entries [keptProgrammes]struct {
		p    *programme.Programme
		v    *programmeViews
		used uint64
	}
	clock uint64
}

// of returns the views of p, made anew when p is not among those kept.
func (c *viewCache) of(p *programme.Programme) *programmeViews {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clock++
	oldest := 0
	for i := range c.entries {
		e := &c.entries[i]
		if e.p == p {
			e.used = c.clock
			return e.v
		}
		if e.used < c.entries[oldest].used {
			oldest = i
		}
	}
	v := &programmeViews{p: p, dir: publicNames(p)}
	c.entries[oldest].p, c.entries[oldest].v, c.entries[oldest].used = p, v, c.clock
	return v
}

// programmeViews is what one shared programme version keeps: its directory
// of names (dir), the views of its sessions and runs, each made when first
// asked for (at most one per session and run of the version), and the HTML
// of its items.
type programmeViews struct {
	p   *programme.Programme
	dir directory

	viewsMu  sync.RWMutex
	sessions map[string]itemView
	runs     map[string]itemView

	mu    sync.RWMutex
	html  map[itemHTMLKey]template.HTML
	bytes int
}

// baseViews gives entryView the programme's view of a session or a run.
// The view's Slots are shared: entryView's callers copy them before they
// change one.
type baseViews interface {
	session(ses *programme.Session) itemView
	run(run *programme.Run) itemView
}

// freshViews makes each view anew, for a programme that is not shared.
type freshViews struct {
	p   *programme.Programme
	dir directory
}

func (f freshViews) session(ses *programme.Session) itemView { return sessionView(f.p, f.dir, ses) }
func (f freshViews) run(run *programme.Run) itemView         { return runView(f.p, run) }

// session is the view of ses, a session of v.p.
func (v *programmeViews) session(ses *programme.Session) itemView {
	return v.view(&v.sessions, ses.Key, func() itemView { return sessionView(v.p, v.dir, ses) })
}

// run is the view of run, a run of v.p.
func (v *programmeViews) run(run *programme.Run) itemView {
	return v.view(&v.runs, run.Key, func() itemView { return runView(v.p, run) })
}

// view returns the view of key in *views, made by build and kept when it
// is not there. Two renders at once may both build it: either is kept.
func (v *programmeViews) view(views *map[string]itemView, key string, build func() itemView) itemView {
	v.viewsMu.RLock()
	item, ok := (*views)[key]
	v.viewsMu.RUnlock()
	if ok {
		return item
	}
	item = build()
	v.viewsMu.Lock()
	defer v.viewsMu.Unlock()
	if *views == nil {
		*views = map[string]itemView{}
	}
	(*views)[key] = item
	return item
}

// itemHTMLKey is everything that shapes an item's HTML (template "item")
// besides its programme version: every field the template shows, and for
// the running order, which session's it is and which of its slots have
// their id left out. TestItemHTMLKeyHoldsEveryShownField checks that a field
// added to itemView is added here too.
type itemHTMLKey struct {
	ID, Kind, KindLabel, Title, When, Datetime string
	Place, MapURL, MapOf, Description, Note    string
	Cancelled, Tentative, Required             bool
	Removed, Notice, NoticeDetail              string
	Changed, Ago                               string
	Now, Next                                  bool
	// Slots is the key of the session whose running order the item
	// shows, and hidden the slots whose id it leaves out
	// (itemView.hidden); both empty without a running order.
	Slots, hidden string
}

func keyOf(it *itemView) itemHTMLKey {
	k := itemHTMLKey{
		ID: it.ID, Kind: it.Kind, KindLabel: it.KindLabel, Title: it.Title, When: it.When, Datetime: it.Datetime,
		Place: it.Place, MapURL: it.MapURL, MapOf: it.MapOf, Description: it.Description, Note: it.Note,
		Cancelled: it.Cancelled, Tentative: it.Tentative, Required: it.Required,
		Removed: it.Removed, Notice: it.Notice, NoticeDetail: it.NoticeDetail,
		Changed: it.Changed, Ago: it.Ago,
		Now: it.Now, Next: it.Next,
	}
	if len(it.Slots) > 0 {
		k.Slots, k.hidden = it.key, it.hidden
	}
	return k
}

// itemHTML returns the HTML of item as template "item" of t writes it,
// kept for v's version and the item's key.
func (v *programmeViews) itemHTML(t *template.Template, item *itemView, buf *bytes.Buffer) (template.HTML, error) {
	k := keyOf(item)
	v.mu.RLock()
	h, ok := v.html[k]
	v.mu.RUnlock()
	if ok {
		return h, nil
	}
	// Two renders at once may both miss and both render: the bytes are
	// the same, and either is kept.
	buf.Reset()
	if err := t.ExecuteTemplate(buf, "item", item); err != nil {
		return "", err
	}
	h = template.HTML(buf.String())
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.html == nil || v.bytes+len(h) > maxItemHTMLBytes || len(v.html) >= maxItemHTMLEntries {
		v.html, v.bytes = make(map[itemHTMLKey]template.HTML), 0
	}
	if _, ok := v.html[k]; !ok {
		v.html[k] = h
		v.bytes += len(h)
	}
	return h, nil
}

// keptItemHTML reports how many items' HTML v keeps, and their bytes.
func (v *programmeViews) keptItemHTML() (n, bytes int) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return len(v.html), v.bytes
}

// fillItemsHTML sets the ItemsHTML of each of days: the HTML of its items,
// each kept by v, one after the other as the day template writes them.
func (v *programmeViews) fillItemsHTML(t *template.Template, days []dayView) error {
	var buf bytes.Buffer
	parts := make([]template.HTML, 0, 16)
	for i := range days {
		d := &days[i]
		parts = parts[:0]
		n := 0
		for j := range d.Items {
			h, err := v.itemHTML(t, &d.Items[j], &buf)
			if err != nil {
				return err
			}
			parts = append(parts, h)
			n += len(h)
		}
		var b strings.Builder
		b.Grow(n)
		for _, h := range parts {
			b.WriteString(string(h))
		}
		d.ItemsHTML = template.HTML(b.String())
	}
	return nil
}

// hideSlotIDs leaves out the ids of the slots of item that hide reports,
// on a copy of its running order (the view's is shared), and notes them in
// item.hidden for its key.
func hideSlotIDs(item *itemView, hide func(id string) bool) {
	copied := false
	var hidden []byte
	for j := range item.Slots {
		if !hide(item.Slots[j].ID) {
			continue
		}
		if !copied {
			item.Slots = append([]slotView(nil), item.Slots...)
			copied = true
		}
		item.Slots[j].ID = ""
		hidden = strconv.AppendInt(append(hidden, ','), int64(j), 10)
	}
	if copied {
		item.hidden = string(hidden)
	}
}
