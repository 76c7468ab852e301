package calimport

import (
	"cmp"
	"context"
	"io"
	"strings"
	"time"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
)

// Request is one import of a calendar into a stored programme.
type Request struct {
	Slug   string // the programme
	Source string // the source's name within the programme
	URL    string // where the calendar was fetched, empty for a file
	// Picks are the events to bring in (a recurring event's UID picks all
	// its occurrences); with All, every accepted event is picked with
	// AllPick unless Picks names it.
	Picks   Picks
	All     bool
	AllPick Pick
	// ETag and FetchedAt are what the fetch answered, recorded with the
	// source; FetchedAt nil for an uploaded file.
	ETag      string
	FetchedAt *time.Time
	DryRun    bool
	// Author and Via go into the programme's change log: who imported, and
	// from where (programme.SourceWeb, SourceImport); Via defaults to
	// programme.SourceImport.
	Author programme.Author
	Via    string
}

// Store is what Import needs of the database; *store.Store has it.
type Store interface {
	Programme(ctx context.Context, slug string) (*programme.Programme, error)
	CalendarSource(ctx context.Context, slug, name string) (*store.CalendarSource, error)
	ImportCalendar(ctx context.Context, batch *programme.Programme, src store.CalendarSource, opt store.ImportOptions) (store.ImportReport, error)
}

// Outcome is what Import found and did.
type Outcome struct {
	Calendar Calendar
	Problems []Problem
	Plan     Result
	Report   store.ImportReport
}

// Import reads a calendar, plans it onto the stored programme and applies
// the plan with the source's bookkeeping in one transaction
// (store.ImportCalendar): the one write path of calendar imports, for the
// command line now and the staff pages later. A dry run changes nothing.
func Import(ctx context.Context, st Store, r io.Reader, req Request) (Outcome, error) {
	var out Outcome
	if req.Source == "" {
		return out, programme.Errorf(programme.EINVALID, "the calendar source needs a name")
	}
	stored, err := st.Programme(ctx, req.Slug)
	if err != nil {
		return out, err
	}
	out.Calendar, out.Problems, err = Parse(r, Options{TimeZone: stored.TimeZone, StartsOn: stored.StartsOn, EndsOn: stored.EndsOn})
	if err != nil {
		return out, err
	}
	src := Source{Name: req.Source, URL: req.URL, Items: map[string]Item{}}
	rec, err := st.CalendarSource(ctx, req.Slug, req.Source)
	switch {
	case programme.ErrorCode(err) == programme.ENOTFOUND:
	case err != nil:
		return out, err
	default:
		if req.URL == "" {
			src.URL = rec.URL
		}
		for _, it := range rec.Items {
			src.Items[it.UID] = Item{UID: it.UID, SessionKey: it.SessionKey, Sequence: it.Sequence, Stamp: it.Stamp}
		}
	}
	picks := req.Picks
	if req.All {
		picks = Picks{}
		for _, ev := range out.Calendar.Events {
			picks[ev.UID] = req.AllPick
		}
		for uid, p := range req.Picks {
			picks[uid] = p
		}
	}
	out.Plan, err = Plan(stored, src, out.Calendar, picks)
	if err != nil {
		return out, err
	}
	record := store.CalendarSource{Name: req.Source, URL: src.URL, ETag: req.ETag, LastFetchedAt: req.FetchedAt}
	for _, it := range out.Plan.Items {
		record.Items = append(record.Items, store.CalendarSourceItem{UID: it.UID, SessionKey: it.SessionKey, Sequence: it.Sequence, Stamp: it.Stamp})
	}
	out.Report, err = st.ImportCalendar(ctx, out.Plan.Batch, record, store.ImportOptions{
		DryRun: req.DryRun, Author: req.Author, Source: cmp.Or(req.Via, programme.SourceImport),
	})
	return out, err
}

// pickFor finds an event's pick: its own UID's, else, for an occurrence of
// a recurring event, the recurring event's.
func pickFor(picked Picks, uid string) (Pick, bool) {
	if p, ok := picked[uid]; ok {
		return p, true
	}
	if i := strings.LastIndex(uid, "/"); i > 0 {
		p, ok := picked[uid[:i]]
		return p, ok
	}
	return Pick{}, false
}
