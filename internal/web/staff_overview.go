package web

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/programme"
)

// recentChanges is how many of the latest changes the overview lists.
const recentChanges = 6

// behindShown is how many feeds a change lists by name as not having it
// yet; the rest are counted.
const behindShown = 12

// overviewPage is the page data of staff/overview.html: one programme as
// staff see it at a glance.
type overviewPage struct {
	page
	Nav       staffNav
	Slug      string
	Dates     string
	Location  string
	PublicURL string
	Counts    []overviewCount
	Days      []overviewDay
	Conflicts []conflictView
	Changes   []changeView
	// FeedsKnown is false when this server has no calendar feeds, and so
	// no fetch records to say which calendars have a change.
	FeedsKnown bool
}

// overviewCount is one number of the programme: "9 sessions", with a note
// such as "1 tentative".
type overviewCount struct {
	N     int
	Label string
	Note  string
}

// overviewDay is one local day of the programme with its number of items
// and of conflicts, linked to the day's staff page.
type overviewDay struct {
	Heading   string
	URL       string
	Items     int
	Cancelled int
	Conflicts int
}

// conflictView is one conflict as the overview lists it.
type conflictView struct {
	Kind    string // a short label, such as "Double-booked"
	Message string
	DayURL  string
}

// conflictLabels are the short names of the kinds of conflict.
var conflictLabels = map[programme.ConflictKind]string{
	programme.ConflictPersonOverlap:      "Double-booked",
	programme.ConflictRoomOverlap:        "Room booked twice",
	programme.ConflictOutsideReservation: "Room not reserved",
	programme.ConflictReleasedRoom:       "Room given back",
	programme.ConflictSlotOutsideSession: "Slot outside session",
	programme.ConflictSlotOverlap:        "Slots overlap",
	programme.ConflictSpeakerUnavailable: "Speaker unavailable",
	programme.ConflictRunOverCapacity:    "Over capacity",
}

// changeView is one change: the items stored at one instant (one save or
// one import), with how far the calendars that carry them have caught up.
type changeView struct {
	// Items are the first itemsShown items changed, in the programme's
	// order; More counts the rest.
	Items []changedItem
	More  int
	// Changed is when the change was stored, for people ("2 h ago"), and
	// ChangedAt the instant for the <time> element.
	Changed   string
	ChangedAt string
	// Calendars counts the subscribed feeds (fetched at least once) that
	// carry any of the items, CaughtUp those fetched since the change, and
	// Behind names the others (at most behindShown; BehindMore counts the
	// rest).
	Calendars  int
	CaughtUp   int
	Behind     []string
	BehindMore int
	// Unsubscribed counts feeds that carry an item but were never fetched.
	Unsubscribed int

	at time.Time
	// sessions and runs are the keys of the items changed (a slot's
	// session stands for the slot).
	sessions, runs map[string]bool
}

// changedItem is one item of a change.
type changedItem struct {
	Kind   string // Seminar, Speaker slot, Bus
	Title  string
	When   string // when the item takes place: Mon 5 Dec, 17:15
	Status string // cancelled or tentative, else empty
}

// itemsShown is how many items of one change the overview names.
const itemsShown = 3

// NotYet is how many subscribed calendars lack the change.
func (c changeView) NotYet() int { return c.Calendars - c.CaughtUp }

// handleStaffOverview shows a programme to staff: its days, counts,
// conflicts, and its recent changes with how many calendars have them.
func (s *Server) handleStaffOverview(c echo.Context) error {
	slug := c.Param("slug")
	if !programme.ValidKey(slug) {
		return programme.Errorf(programme.ENOTFOUND, "There is no such programme.")
	}
	ctx := c.Request().Context()
	p, err := s.sharedProgramme(c)
	if err != nil {
		return err
	}
	now := s.now()
	conflicts := p.Conflicts()
	data := overviewPage{
		page:      page{Title: p.Title + ": overview"},
		Slug:      p.Slug,
		Dates:     dateRange(p.StartsOn, p.EndsOn),
		Location:  p.Location,
		PublicURL: s.path("/p/" + p.Slug),
		Counts:    programmeCounts(p),
	}
	conflictDays := map[string]int{}
	for _, cf := range conflicts {
		day := conflictDay(p, cf)
		conflictDays[day]++
		data.Conflicts = append(data.Conflicts, conflictView{
			Kind:    cmp.Or(conflictLabels[cf.Kind], string(cf.Kind)),
			Message: cf.Message,
			DayURL:  s.path("/staff/p/" + p.Slug + "/day/" + day),
		})
	}
	for _, d := range programmeDays(p, now) {
		od := overviewDay{
			Heading:   d.Heading,
			URL:       s.path("/staff/p/" + p.Slug + "/day/" + d.key),
			Items:     len(d.Items),
			Conflicts: conflictDays[d.key],
		}
		for _, it := range d.Items {
			if it.Cancelled {
				od.Cancelled++
			}
		}
		data.Days = append(data.Days, od)
	}
	data.Changes = latestChanges(p, now, recentChanges)
	if s.feeds != nil {
		data.FeedsKnown = true
		if err := s.catchUp(ctx, p, now, data.Changes); err != nil {
			return err
		}
	}
	if data.Nav, err = s.staffNavOf(c, p, "overview"); err != nil {
		return err
	}
	return c.Render(http.StatusOK, "staff/overview", data)
}

// programmeCounts counts what the programme holds.
func programmeCounts(p *programme.Programme) []overviewCount {
	var slots, slotsCancelled, sessionsCancelled, sessionsTentative, runsCancelled int
	for _, ses := range p.Sessions {
		switch ses.Status {
		case programme.StatusCancelled:
			sessionsCancelled++
		case programme.StatusTentative:
			sessionsTentative++
		}
		slots += len(ses.Slots)
		for _, sl := range ses.Slots {
			if sl.Status == programme.StatusCancelled || ses.Status == programme.StatusCancelled {
				slotsCancelled++
			}
		}
	}
	for _, r := range p.Transport {
		if r.Status == programme.StatusCancelled {
			runsCancelled++
		}
	}
	var sessionNotes []string
	if sessionsTentative > 0 {
		sessionNotes = append(sessionNotes, strconv.Itoa(sessionsTentative)+" tentative")
	}
	if sessionsCancelled > 0 {
		sessionNotes = append(sessionNotes, strconv.Itoa(sessionsCancelled)+" cancelled")
	}
	return []overviewCount{
		{N: len(p.Delegations), Label: pluralWord(len(p.Delegations), "delegation")},
		{N: len(p.People), Label: pluralWord(len(p.People), "person")},
		{N: len(p.Sessions), Label: pluralWord(len(p.Sessions), "session"), Note: strings.Join(sessionNotes, ", ")},
		{N: slots, Label: pluralWord(slots, "speaker slot"), Note: cancelledNote(slotsCancelled)},
		{N: len(p.Transport), Label: pluralWord(len(p.Transport), "transport run"), Note: cancelledNote(runsCancelled)},
	}
}

func cancelledNote(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n) + " cancelled"
}

// pluralWord is the word for n things, without the number.
func pluralWord(n int, word string) string {
	switch {
	case n == 1:
		return word
	case word == "person":
		return "people"
	}
	return word + "s"
}

// conflictDay is the local date a conflict begins on, in the zone of its
// first item, as the day pages file that item.
func conflictDay(p *programme.Programme, c programme.Conflict) string {
	zone := ""
	if len(c.Items) > 0 {
		kind, rest, _ := strings.Cut(c.Items[0], "/")
		key, _, _ := strings.Cut(rest, "/")
		switch kind {
		case programme.EntryRun:
			if r := p.Run(key); r != nil {
				zone = r.TimeZone
			}
		default:
			if ses := p.Session(key); ses != nil {
				zone = ses.TimeZone
			}
		}
	}
	return c.At.In(p.Loc(zone)).Format(programme.DateLayout)
}

// latestChanges returns the n latest changes, latest first: the sessions,
// slots and runs stored at one instant make one change. Items never stored
// (no ModifiedAt) are left out.
func latestChanges(p *programme.Programme, now time.Time, n int) []changeView {
	byAt := map[time.Time]*changeView{}
	add := func(it changedItem, at time.Time, loc *time.Location, start time.Time, status, session, run string) {
		if at.IsZero() {
			return
		}
		at = at.UTC()
		ch := byAt[at]
		if ch == nil {
			ch = &changeView{at: at, ChangedAt: at.Format(time.RFC3339), Changed: feeds.Ago(max(now.Sub(at), 0)),
				sessions: map[string]bool{}, runs: map[string]bool{}}
			byAt[at] = ch
		}
		it.When = start.In(loc).Format("Mon 2 Jan, 15:04")
		if status == programme.StatusCancelled || status == programme.StatusTentative {
			it.Status = status
		}
		if len(ch.Items) < itemsShown {
			ch.Items = append(ch.Items, it)
		} else {
			ch.More++
		}
		if session != "" {
			ch.sessions[session] = true
		}
		if run != "" {
			ch.runs[run] = true
		}
	}
	for _, ses := range p.Sessions {
		loc := p.Loc(ses.TimeZone)
		add(changedItem{Kind: cmp.Or(label(ses.Kind), "Session"), Title: ses.Title},
			ses.ModifiedAt, loc, ses.StartsAt, ses.Status, ses.Key, "")
		for _, sl := range ses.Slots {
			status := cmp.Or(sl.Status, ses.Status)
			if ses.Status == programme.StatusCancelled {
				status = programme.StatusCancelled
			}
			add(changedItem{Kind: "Speaker slot", Title: sl.Title + " (" + ses.Title + ")"},
				sl.ModifiedAt, loc, sl.StartsAt, status, ses.Key, "")
		}
	}
	for _, r := range p.Transport {
		add(changedItem{Kind: cmp.Or(label(r.Kind), "Transport"), Title: cmp.Or(r.Title, label(r.Kind), "Transport")},
			r.ModifiedAt, p.Loc(r.TimeZone), r.DepartsAt, r.Status, "", r.Key)
	}
	out := make([]changeView, 0, len(byAt))
	for _, ch := range byAt {
		out = append(out, *ch)
	}
	slices.SortFunc(out, func(a, b changeView) int { return b.at.Compare(a.at) })
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// catchUp fills in, for each change, how many calendars have it. A feed
// carries a change when one of its entries is an item of the change (for a
// slot, also its session, whose description lists the running order); a
// calendar has it once it fetched the feed since. The feeds package's listing supplies
// the fetch records, and its Current already says a feed has every change;
// a feed that is not current may still have the older ones.
func (s *Server) catchUp(ctx context.Context, p *programme.Programme, now time.Time, changes []changeView) error {
	if len(changes) == 0 {
		return nil
	}
	listings, err := s.feeds.List(ctx, p.Slug, false)
	if err != nil {
		return err
	}
	for _, l := range listings {
		if l.Revoked {
			continue
		}
		entries, err := p.FeedEntries(l.Kind, l.Key, now)
		if programme.ErrorCode(err) == programme.ENOTFOUND {
			continue // a former feed whose subject is gone carries nothing of the programme now
		}
		if err != nil {
			return err
		}
		for i := range changes {
			ch := &changes[i]
			if !carries(entries, ch) {
				continue
			}
			if l.LastFetchedAt == nil {
				ch.Unsubscribed++
				continue
			}
			ch.Calendars++
			if l.Current || !l.LastFetchedAt.Before(ch.at) {
				ch.CaughtUp++
			} else if len(ch.Behind) < behindShown {
				ch.Behind = append(ch.Behind, feedName(l))
			} else {
				ch.BehindMore++
			}
		}
	}
	return nil
}

// carries reports whether a feed's entries include an item of the change.
func carries(entries []programme.Entry, ch *changeView) bool {
	return slices.ContainsFunc(entries, func(e programme.Entry) bool {
		return e.RunKey != "" && ch.runs[e.RunKey] || e.SessionKey != "" && ch.sessions[e.SessionKey]
	})
}

// feedName names a feed for staff: a person's name alone, other feeds with
// their kind, "Afghanistan (delegation)".
func feedName(l feeds.Listing) string {
	switch l.Kind {
	case programme.FeedPerson:
		return l.Name
	case programme.FeedProgramme:
		return "the whole programme"
	}
	return l.Name + " (" + string(l.Kind) + ")"
}
