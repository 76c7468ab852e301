package web

import (
	"cmp"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/skip2/go-qrcode"

	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/programme"
)

// recentlyChanged is how long the personal agenda page marks an item that changed.
const recentlyChanged = 72 * time.Hour

// personalPage is the page data of personal.html: the personal agenda page
// behind a feed token, one feed's items by day, with the buttons to
// subscribe to it.
type personalPage struct {
	page
	Name           string // Omar Ansari
	What           string // "Personal agenda", "Delegation agenda", ...
	ProgrammeTitle string
	// ProgrammeURL links to the public programme page; empty when the
	// programme page is not public.
	ProgrammeURL string
	Dates        string
	FeedURL      string
	// WebcalURL is a template.URL because html/template lets only http,
	// https and mailto through and would write "#ZgotmplZ" for webcal:.
	WebcalURL   template.URL
	GoogleURL   string
	DownloadURL string
	QRURL       string
	// Now is the item in progress and Next the one after it, with when it
	// starts ("in 25 min"); either may be nil.
	Now, Next *itemView
	NextIn    string
	Days      []dayView
	// Earlier holds the days already past while the programme runs, so
	// that today comes first on a phone.
	Earlier []dayView
	Changed int // items marked as recently changed
	// Transport lists the runs a person rides, with their polls and
	// staying-behind forms (personal_actions.go); nil for other feeds.
	Transport *transportView
}

// handlePersonalShow shows the personal agenda page behind a token. The
// token is the only credential: it reaches that one feed's agenda and
// nothing else.
func (s *Server) handlePersonalShow(c echo.Context) error {
	token := c.Param("token")
	if s.feeds == nil {
		return errNoFeed
	}
	ctx := c.Request().Context()
	f, err := s.feeds.Lookup(ctx, token)
	if err != nil {
		return hideFeedError(err)
	}
	a, err := s.feeds.Page(ctx, f, token)
	if err != nil {
		return hideFeedError(err)
	}
	h := c.Response().Header()
	// The page is personal: no shared cache keeps it, no search engine lists it.
	h.Set(echo.HeaderCacheControl, "private, no-cache")
	h.Set("X-Robots-Tag", "noindex, nofollow")
	data := s.personalPage(a, token)
	data.Transport = s.transportOf(a, token, c.QueryParam("saved"))
	return c.Render(http.StatusOK, "personal", data)
}

// programmePagePublic reports whether the programme page of p may be linked
// from a personal agenda page. Every programme page is public today; this is
// the one place to ask once programmes can be private.
func programmePagePublic(*programme.Programme) bool { return true }

func (s *Server) personalPage(a *feeds.Page, token string) personalPage {
	p := a.Programme
	data := personalPage{
		page:           page{Title: a.Subject.Name},
		Name:           a.Subject.Name,
		What:           feedLabel(a.Subject.Kind),
		ProgrammeTitle: p.Title,
		Dates:          dateRange(p.StartsOn, p.EndsOn),
		FeedURL:        a.FeedURL,
		WebcalURL:      webcalLink(a.WebcalURL),
		GoogleURL:      a.GoogleURL,
		DownloadURL:    s.path("/feeds/" + token + ".ics?download=1"),
		QRURL:          s.path("/a/" + token + "/qr.png"),
	}
	if programmePagePublic(p) {
		data.ProgrammeURL = s.path("/p/" + p.Slug)
	}
	if a.Subject.Kind == programme.FeedProgramme {
		data.Name = p.Title
	}
	dir := publicNames(p)
	book := newDayBook(a.Now)
	var now, next *programme.Entry
	for i, e := range a.Entries {
		item, ok := entryView(p, dir, e, a.Subject.Kind)
		if !ok {
			continue
		}
		if e.Removed || e.Status == programme.StatusCancelled {
			item.Ago = recentText(e, a.Now)
		} else {
			item.Changed = changedText(e, a.Now)
			// Entries are sorted by start: the first in progress is now,
			// the first still ahead is next.
			switch {
			case !a.Now.Before(e.StartsAt) && a.Now.Before(e.EndsAt) && now == nil:
				now = &a.Entries[i]
				item.Now = true
			case a.Now.Before(e.StartsAt) && next == nil:
				next = &a.Entries[i]
				item.Next = true
			}
		}
		if item.Changed != "" || item.Ago != "" {
			data.Changed++
		}
		book.add(item, e.TimeZone, p.Loc(e.TimeZone))
	}
	days := book.sorted()
	for _, d := range days {
		for j := range d.Items {
			switch it := &d.Items[j]; {
			case it.Now:
				data.Now = it
			case it.Next:
				data.Next = it
			}
		}
	}
	if next != nil {
		data.NextIn = startsIn(next.StartsAt, a.Now, p.Loc(next.TimeZone))
	}
	// While the programme runs, today and the days ahead come first.
	today := a.Now.In(p.Loc("")).Format(programme.DateLayout)
	running := p.StartsOn <= today && today <= p.EndsOn
	for _, d := range days {
		if running && d.key < today {
			data.Earlier = append(data.Earlier, d)
		} else {
			data.Days = append(data.Days, d)
		}
	}
	return data
}

// entryView is the item of one feed entry, as the programme page
// shows it, with the status and title the subject sees. It reports false for
// an entry whose item the programme no longer has.
func entryView(p *programme.Programme, dir directory, e programme.Entry, kind programme.FeedKind) (itemView, bool) {
	var item itemView
	switch e.Kind {
	case programme.EntrySession, programme.EntrySlot:
		ses := p.Session(e.SessionKey)
		if ses == nil {
			return item, false
		}
		item = sessionView(p, dir, ses)
		if e.Kind == programme.EntrySlot {
			sl := ses.Slot(e.SlotKey)
			if sl == nil {
				return item, false
			}
			// A speaker's own slot: its time, with the session it belongs
			// to in the title, and no running order of its own.
			loc := p.Loc(e.TimeZone)
			item.ID = "slot-" + e.SessionKey + "-" + e.SlotKey
			item.Kind = programme.EntrySlot
			item.KindLabel = "Speaking slot"
			item.When = span(e.StartsAt, e.EndsAt, loc, true)
			item.Datetime = e.StartsAt.In(loc).Format(time.RFC3339)
			item.Description, item.Required, item.Slots = "", false, nil
			item.start, item.end, item.key = e.StartsAt, e.EndsAt, e.SessionKey+"/"+e.SlotKey
		}
	case programme.EntryRun:
		run := p.Run(e.RunKey)
		if run == nil {
			return item, false
		}
		item = runView(p, run)
	default:
		return item, false
	}
	item.Title = cmp.Or(e.Title, item.Title)
	item.Cancelled = e.Status == programme.StatusCancelled && !e.Removed
	item.Tentative = e.Status == programme.StatusTentative
	if e.Removed {
		item.Removed = removedText(e, kind)
	}
	return item, true
}

// removedText says how the subject of a feed lost an item: a person or
// delegation taken off it, or staying behind for a run; a speaker taken off
// a slot; a session that moved to another room.
func removedText(e programme.Entry, kind programme.FeedKind) string {
	switch {
	case kind == programme.FeedRoom:
		return "No longer in this room"
	case e.Kind == programme.EntryRun:
		return "You are not on this " + strings.ToLower(cmp.Or(label(e.Category), "run"))
	}
	return "No longer on your agenda"
}

// startsIn says when an item starts, as people say it: "in 25 min",
// "in 2 h 5 min", "tomorrow at 09:00", "on Wed 7 Dec at 15:00".
func startsIn(start, now time.Time, loc *time.Location) string {
	d := start.Sub(now)
	switch {
	case d < time.Minute:
		return "in less than a minute"
	case d < time.Hour:
		return fmt.Sprintf("in %d min", int(d/time.Minute))
	case d < 6*time.Hour:
		if m := int(d/time.Minute) % 60; m > 0 {
			return fmt.Sprintf("in %d h %d min", int(d/time.Hour), m)
		}
		return fmt.Sprintf("in %d h", int(d/time.Hour))
	}
	s, n := start.In(loc), now.In(loc)
	switch {
	case s.Format(programme.DateLayout) == n.Format(programme.DateLayout):
		return "today at " + s.Format("15:04")
	case s.Format(programme.DateLayout) == n.AddDate(0, 0, 1).Format(programme.DateLayout):
		return "tomorrow at " + s.Format("15:04")
	}
	return "on " + s.Format("Mon 2 Jan") + " at " + s.Format("15:04")
}

// webcalLink vouches for a webcal URL built from the server's own base URL.
// The escaper still escapes it for the attribute; only the scheme check is
// lifted, and only for webcal, so that nothing else (javascript:, for one)
// can ride on the trust.
func webcalLink(u string) template.URL {
	if strings.HasPrefix(u, "webcal://") {
		return template.URL(u)
	}
	return template.URL("#")
}

// changedText marks an entry that changed after it was first published
// within the last few days: "Changed 2 h ago".
func changedText(e programme.Entry, now time.Time) string {
	if e.ModifiedAt.IsZero() || now.Sub(e.ModifiedAt) > recentlyChanged || !e.ModifiedAt.After(e.CreatedAt) {
		return ""
	}
	return "Changed " + feeds.Ago(now.Sub(e.ModifiedAt))
}

// recentText says how long ago an entry was cancelled or lost, "2 h ago",
// when that was within the last few days.
func recentText(e programme.Entry, now time.Time) string {
	if e.ModifiedAt.IsZero() || now.Sub(e.ModifiedAt) > recentlyChanged {
		return ""
	}
	return feeds.Ago(now.Sub(e.ModifiedAt))
}

func feedLabel(kind programme.FeedKind) string {
	return cmp.Or(map[programme.FeedKind]string{
		programme.FeedPerson:     "Personal agenda",
		programme.FeedDelegation: "Delegation agenda",
		programme.FeedRoom:       "Room bookings",
		programme.FeedSpeaker:    "Speaking slots",
		programme.FeedProgramme:  "Whole programme",
	}[kind], "Agenda")
}

// handlePersonalQR draws the feed URL as a QR code, to scan from a laptop
// screen with a phone.
func (s *Server) handlePersonalQR(c echo.Context) error {
	token := c.Param("token")
	if s.feeds == nil {
		return errNoFeed
	}
	if _, err := s.feeds.Lookup(c.Request().Context(), token); err != nil {
		return hideFeedError(err)
	}
	png, err := qrcode.Encode(s.feeds.FeedURL(token), qrcode.Medium, 320)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "private, max-age=86400")
	return c.Blob(http.StatusOK, "image/png", png)
}
