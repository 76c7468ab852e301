package web

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"sync"
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
	WebcalURL template.URL
	GoogleURL string
	// OutlookURL opens Outlook.com's "subscribe from web" with the feed.
	OutlookURL  string
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
	// Resolve, not Lookup: the page needs no ETag, so no feed rendered.
	// It checks the token every time, from memory while Watch runs: a
	// revoked token finds nothing, whatever was kept for it.
	f, err := s.feeds.Resolve(ctx, token)
	if err != nil {
		return hideFeedError(err)
	}
	h := c.Response().Header()
	// The page is personal: no shared cache keeps it, no search engine lists it.
	h.Set(echo.HeaderCacheControl, "private, no-cache")
	h.Set("X-Robots-Tag", "noindex, nofollow")
	// The bytes depend on the token, the programme's version (which holds
	// the person's votes and staying behind), the clock (see pageUntil),
	// the message after a form and whether htmx asked for a fragment:
	// the feeds' cache keeps them by token and the last two, and serves
	// them only for that version and while the clock is in their interval,
	// or just past it while they are rendered again (feeds.StalePage).
	saved := c.QueryParam("saved")
	if _, ok := savedMessages[saved]; !ok {
		saved = ""
	}
	v := agendaVariant{saved: saved, fragment: wantsFragment(c)}
	// Caches must keep the fragment and the page apart.
	h.Add(echo.HeaderVary, "HX-Request")
	body, ok := s.feeds.CachedPage(f, token, v.key())
	if !ok {
		refresh := func() { s.refreshPersonal(context.WithoutCancel(ctx), f, token, v) }
		body, ok = s.feeds.StalePage(f, token, v.key(), refresh)
	}
	if !ok {
		if body, err = s.renderPersonal(ctx, f, token, v); err != nil {
			return hideFeedError(err)
		}
	}
	// Read lately, the page is rendered again in the background as its
	// interval ends (feeds.RefreshPages), so that the next request finds
	// it current even after a quiet spell. Not a page with the message
	// after a form: it is read once, after the form's redirect.
	if v.saved == "" {
		s.feeds.NotePageRead(f, token, v.key(), s.agendaRefresh)
	}
	return c.HTMLBlob(http.StatusOK, body)
}

// agendaVariant is what the agenda page of a token depends on besides the
// programme's version and the clock: the message after a form, and whether
// htmx asked for a fragment.
type agendaVariant struct {
	saved    string
	fragment bool
}

// key names v in the feeds' cache.
func (v agendaVariant) key() string {
	if v.fragment {
		return v.saved + "/fragment"
	}
	return v.saved
}

// variantOf is the variant whose key is key.
func variantOf(key string) agendaVariant {
	saved, fragment := strings.CutSuffix(key, "/fragment")
	return agendaVariant{saved: saved, fragment: fragment}
}

// refreshTimeout bounds a page's render in the background: one that cannot
// load its programme by then leaves the page to be rendered by a request.
const refreshTimeout = 10 * time.Second

// refreshPersonal renders and keeps again, in the background, the agenda
// page of token in variant v from f: the page that feeds.StalePage served
// past its interval (f is then the request's, and so is the clock of the
// stale answer), or one read lately whose interval ended
// (feeds.RefreshPages, which resolved the token again into f). Only ctx's
// values are kept when it comes from a request, which ends with the
// answer; the render ends when ctx does otherwise. A failure is logged and
// otherwise forgotten: the next request past MaxPageStale renders the page
// itself, and meets the same error if it lasts.
func (s *Server) refreshPersonal(ctx context.Context, f *feeds.Feed, token string, v agendaVariant) (err error) {
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, refreshTimeout)
	defer cancel()
	// Nothing recovers a panic outside a request: this one costs the
	// refresh, not the process.
	defer func() {
		if r := recover(); r != nil {
			s.log.ErrorContext(ctx, "agenda page refresh panicked", "panic", r)
			err = fmt.Errorf("agenda page refresh panicked: %v", r)
		}
	}()
	_, err = s.renderPersonal(ctx, f, token, v)
	// A render cut off by the server's shutdown is no failure.
	if err != nil && parent.Err() == nil {
		s.log.WarnContext(ctx, "agenda page refresh failed", "err", err)
	}
	return err
}

// refreshAgenda is the feeds.PageRender of the agenda pages (see
// refreshPersonal); Server.agendaRefresh holds it, made once.
func (s *Server) refreshAgenda(ctx context.Context, f *feeds.Feed, token, variant string) error {
	return s.refreshPersonal(ctx, f, token, variantOf(variant))
}

// renderPersonal renders the agenda page of token's feed f as of f's clock,
// in variant v, and keeps it in the feeds' cache for as long as it holds
// (see pageUntil).
func (s *Server) renderPersonal(ctx context.Context, f *feeds.Feed, token string, v agendaVariant) ([]byte, error) {
	s.agendaRenders.Add(1)
	a, err := s.feeds.Page(ctx, f, token)
	if err != nil {
		return nil, err
	}
	t, ok := s.render.pages["personal"]
	if !ok {
		return nil, errors.New("no template \"personal\"")
	}
	views := s.views.of(a.Programme)
	data := s.personalPage(a, token, views)
	// The items as kept for this version (item_cache.go); the day
	// template writes them as they are.
	if err := views.fillItemsHTML(t, data.Days); err != nil {
		return nil, fmt.Errorf("render personal: %w", err)
	}
	if err := views.fillItemsHTML(t, data.Earlier); err != nil {
		return nil, fmt.Errorf("render personal: %w", err)
	}
	data.Transport = s.transportOf(a, token, v.saved)
	// The blocks Renderer.Render picks; a render in the background has no
	// echo.Context to give it.
	block := "layout"
	if v.fragment {
		block = "content"
	}
	buf := pageBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledAgendaPage {
			pageBuffers.Put(buf)
		}
	}()
	buf.Reset()
	if err := t.ExecuteTemplate(buf, block, data); err != nil {
		return nil, fmt.Errorf("render personal: %w", err)
	}
	// An exact copy: the page is kept, and the buffer's spare room (up to
	// as much again) would be kept with it.
	body := bytes.Clone(buf.Bytes())
	until, firm := pageUntil(a)
	s.feeds.KeepPage(f, token, v.key(), body, until, firm)
	return body, nil
}

// pageBuffers are the buffers agenda pages render into, reused from one
// render to the next: the pages of everyone read lately are rendered again
// every minute (feeds.PageRefreshWindow), and a buffer grown anew for each
// would be several times the page in garbage.
var pageBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledAgendaPage bounds the buffers kept in pageBuffers; a page is
// tens of kilobytes even for a busy delegate.
const maxPooledAgendaPage = 512 << 10

// pageUntil is the first instant after a.Now at which the agenda page of a
// may read differently with the same programme: the next minute on the
// clock at the latest; before it, the start or end of an item (now, next),
// the next whole minute since an item changed or before it starts ("2 min
// ago", "in 25 min"), a departure, a poll's closing, midnight (today and
// tomorrow, the days past). firm is the first of these instants at which
// more than a count of minutes changes, and until which the page may still
// be served while it is rendered again (see feeds.StalePage): a page one
// render late says "in 25 min" for "in 24 min", never "next" for an item
// under way or a form for a poll that closed.
func pageUntil(a *feeds.Page) (until, firm time.Time) {
	now := a.Now
	until = now.Truncate(time.Minute).Add(time.Minute)
	firm = until.Add(feeds.MaxPageStale)
	// count lowers until alone, at lowers both.
	count := func(t time.Time) {
		if t.After(now) && t.Before(until) {
			until = t
		}
	}
	at := func(t time.Time) {
		count(t)
		if t.After(now) && t.Before(firm) {
			firm = t
		}
	}
	// tick bounds the texts that count whole minutes from ref: "2 min
	// ago" (ref past) holds until the next whole minute since ref; "in 25
	// min" (ref ahead) holds from the last whole minute before ref on,
	// so only for that one instant when now is a whole number of minutes
	// before ref.
	tick := func(ref time.Time) {
		if d := now.Sub(ref); d >= 0 {
			count(ref.Add((d/time.Minute + 1) * time.Minute))
			return
		}
		t := ref.Add(-(ref.Sub(now) / time.Minute) * time.Minute)
		if t.Equal(now) {
			until = now // keep nothing
		}
		count(t)
	}
	p := a.Programme
	for _, e := range a.Entries {
		at(e.StartsAt)
		at(e.EndsAt)
		tick(e.StartsAt)
		if !e.ModifiedAt.IsZero() {
			tick(e.ModifiedAt)
			// "Changed 3 days ago" holds up to and with the instant
			// recentlyChanged after the change; cancelled and lost items
			// leave the feed TombstoneTTL after it.
			at(e.ModifiedAt.Add(recentlyChanged + time.Nanosecond))
			at(e.ModifiedAt.Add(programme.TombstoneTTL))
		}
		y, m, d := now.In(p.Loc(e.TimeZone)).Date()
		at(time.Date(y, m, d+1, 0, 0, 0, 0, p.Loc(e.TimeZone)))
	}
	y, m, d := now.In(p.Loc("")).Date()
	at(time.Date(y, m, d+1, 0, 0, 0, 0, p.Loc("")))
	if a.Subject.Kind == programme.FeedPerson {
		for i := range p.Transport {
			r := &p.Transport[i]
			at(r.DepartsAt)
			if r.Poll != nil && r.Poll.ClosesAt != nil {
				at(*r.Poll.ClosesAt)
			}
		}
	}
	return until, firm
}

// personalPage is the page data of a's agenda page, its items' views
// from views (freshViews for a programme that is not shared).
func (s *Server) personalPage(a *feeds.Page, token string, views baseViews) personalPage {
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
		OutlookURL:     outlookURL(a.FeedURL, calendarName(a.Subject, p)),
		DownloadURL:    s.path("/feeds/" + token + ".ics?download=1"),
		QRURL:          s.path("/a/" + token + "/qr.png"),
	}
	if p.PagePublic() {
		data.ProgrammeURL = s.path("/p/" + p.Slug)
	}
	if a.Subject.Kind == programme.FeedProgramme {
		data.Name = p.Title
	}
	// A speaker's own slot is an item with the slot's id: the running
	// order of its session, on the same page, must not repeat the id.
	ownSlots := map[string]bool{}
	for _, e := range a.Entries {
		if e.Kind == programme.EntrySlot {
			ownSlots[e.Anchor()] = true
		}
	}
	book := newDayBook(a.Now)
	var now, next *programme.Entry
	for i, e := range a.Entries {
		item, ok := entryView(p, views, e)
		if !ok {
			continue
		}
		if len(ownSlots) > 0 {
			hideSlotIDs(&item, func(id string) bool { return ownSlots[id] })
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
// an entry whose item the programme no longer has. The item's Slots may be
// shared with views: a caller copies them before it changes one.
func entryView(p *programme.Programme, views baseViews, e programme.Entry) (itemView, bool) {
	var item itemView
	switch e.Kind {
	case programme.EntrySession, programme.EntrySlot:
		ses := p.Session(e.SessionKey)
		if ses == nil {
			return item, false
		}
		item = views.session(ses)
		if e.Kind == programme.EntrySlot {
			sl := ses.Slot(e.SlotKey)
			if sl == nil {
				return item, false
			}
			// A speaker's own slot: its time, with the session it belongs
			// to in the title, and no running order of its own.
			loc := p.Loc(e.TimeZone)
			item.ID = e.Anchor()
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
		item = views.run(run)
	default:
		return item, false
	}
	item.Title = cmp.Or(e.Title, item.Title)
	// The words are the calendar's (programme.Entry.Notice): what the
	// phone's calendar says of an event, the page says of the item.
	n := e.Notice()
	item.Notice, item.NoticeDetail = n.Label, n.Detail
	item.Cancelled = e.Cancelled
	item.Tentative = e.Status == programme.StatusTentative
	if e.Removed && !e.Cancelled {
		item.Removed = n.Label
	}
	return item, true
}

// calendarName is the name a calendar gives the feed, as the feed's own
// X-WR-CALNAME: "Omar Ansari — CLDP-supported delegations at IGF 2016", or
// the programme's title for the whole programme.
func calendarName(sub feeds.Subject, p *programme.Programme) string {
	if sub.Kind == programme.FeedProgramme {
		return p.Title
	}
	return sub.Name + " — " + p.Title
}

// outlookURL is the link that opens Outlook.com's "subscribe from web"
// with the feed and the calendar's name filled in. Microsoft does not
// document the form; it is the one Outlook.com's own "add calendar" page
// uses, and is widely linked.
func outlookURL(feedURL, name string) string {
	return "https://outlook.live.com/calendar/0/addfromweb?url=" + url.QueryEscape(feedURL) + "&name=" + url.QueryEscape(name)
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

// handlePersonalQR draws the agenda page's URL as a QR code, to scan from
// a laptop screen with a phone.
func (s *Server) handlePersonalQR(c echo.Context) error {
	token := c.Param("token")
	if s.feeds == nil {
		return errNoFeed
	}
	if _, err := s.feeds.Resolve(c.Request().Context(), token); err != nil {
		return hideFeedError(err)
	}
	// The code opens this page, not the feed: a phone's camera opens an
	// https page, where the button for that phone's calendar is, but
	// cannot subscribe to a bare feed address.
	png, err := qrcode.Encode(s.feeds.PageURL(token), qrcode.Medium, 320)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "private, max-age=86400")
	return c.Blob(http.StatusOK, "image/png", png)
}
