package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/planner-dev/planner/internal/calimport"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
)

// Calendars is what the calendar pages need of the store; *store.Store has
// it, and the pages answer 404 with a store that has not.
type Calendars interface {
	calimport.Store
	CalendarSources(ctx context.Context, slug string) ([]store.CalendarSourceSummary, error)
}

// maxCalendarBytes bounds a calendar brought in from the staff pages. The
// calendar travels between the pick, preview and confirm steps in a hidden
// field, base64 so that the browser cannot change a byte of it (forms turn
// line breaks into CRLF), and must fit the server's 2 MiB body limit with
// its picks; larger calendars go through `planner calendar import`.
const maxCalendarBytes = 1 << 20

// Modes of the calendar form: a new source, a newer file of a source, or a
// source's URL fetched again.
const (
	calendarNew     = "new"
	calendarNewer   = "newer"
	calendarRefetch = "refetch"
)

// calendarsPage is the page data of staff/calendars.html: a programme's
// calendar sources and the form to add one.
type calendarsPage struct {
	staffPage
	Slug, ProgrammeTitle string
	Sources              []calendarSourceView
	Errors               map[string]string
	Name, URL            string // the add form as typed
	Notice               string
}

// calendarSourceView is one source in the list.
type calendarSourceView struct {
	store.CalendarSourceSummary
	Fetched string // when it was last fetched, in the programme's zone
}

// calendarState is what the pick, preview and confirm steps carry from
// one to the next in hidden fields: the calendar exactly as read, and where
// it came from.
type calendarState struct {
	Mode, Source, URL, ETag, FetchedAt string
	Content                            string // base64 of the calendar's bytes
}

// calendarPickPage is the page data of staff/calendar_pick.html.
type calendarPickPage struct {
	staffPage
	calendarState
	Slug, ProgrammeTitle string
	CalendarName         string
	Events               []calendarEventView
	Refused              []calimport.Problem
	Warnings             []calimport.Problem
	Delegations          []programme.Delegation
	People               []programme.Person
	Kinds                []string
	Errors               map[string]string
}

// calendarEventView is one event of the pick page.
type calendarEventView struct {
	UID, Title, Location, When string
	// Linked is true for an event that already became a session from this
	// source: it follows the calendar without being picked.
	Linked bool
}

// calendarPreviewPage is the page data of staff/calendar_preview.html.
type calendarPreviewPage struct {
	staffPage
	calendarState
	Slug, ProgrammeTitle string
	Actions              []calimport.Action
	Changes              int // actions that change a session
	Picks                []string
	Delegations, People  []string
	Kind                 string
	Problems             []calimport.Problem
}

func (s *Server) calendarStore() (Calendars, error) {
	cs, ok := s.store.(Calendars)
	if !ok {
		return nil, echo.ErrNotFound
	}
	return cs, nil
}

// handleCalendarIndex lists a programme's calendar sources.
func (s *Server) handleCalendarIndex(c echo.Context) error {
	data, err := s.calendarsPageOf(c)
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "staff/calendars", data)
}

func (s *Server) calendarsPageOf(c echo.Context) (calendarsPage, error) {
	cs, err := s.calendarStore()
	if err != nil {
		return calendarsPage{}, err
	}
	ctx := c.Request().Context()
	p, err := s.store.Programme(ctx, c.Param("slug"))
	if err != nil {
		return calendarsPage{}, err
	}
	base, err := s.staffPageOf(c, "Calendars · "+p.Title)
	if err != nil {
		return calendarsPage{}, err
	}
	sources, err := cs.CalendarSources(ctx, p.Slug)
	if err != nil {
		return calendarsPage{}, err
	}
	data := calendarsPage{staffPage: base, Slug: p.Slug, ProgrammeTitle: p.Title, Errors: map[string]string{}}
	for _, src := range sources {
		v := calendarSourceView{CalendarSourceSummary: src}
		if src.LastFetchedAt != nil {
			v.Fetched = src.LastFetchedAt.In(p.Loc("")).Format("Mon 2 Jan 2006, 15:04 MST")
		}
		data.Sources = append(data.Sources, v)
	}
	return data, nil
}

// calendarFailure shows the list page again with a message beside the
// field it is about and the status of the error: 422 for a bad file or a
// refused URL, 502 when the calendar's server cannot be reached.
func (s *Server) calendarFailure(c echo.Context, field string, err error, name, rawURL string) error {
	data, perr := s.calendarsPageOf(c)
	if perr != nil {
		return perr
	}
	pr := problemOf(err)
	status := pr.Status
	switch {
	case programme.ErrorCode(err) == programme.EUNAVAILABLE:
		status = http.StatusBadGateway
	case status >= http.StatusInternalServerError:
		return err
	}
	data.Errors[field] = pr.Message
	data.Name, data.URL = name, rawURL
	return c.Render(status, "staff/calendars", data)
}

// handleCalendarRead reads a calendar, from an uploaded file or its URL,
// and shows its events to pick from.
func (s *Server) handleCalendarRead(c echo.Context) error {
	cs, err := s.calendarStore()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	slug := c.Param("slug")
	mode := c.FormValue("mode")
	name := strings.TrimSpace(c.FormValue("source"))
	rawURL := strings.TrimSpace(c.FormValue("url"))
	if mode != calendarNewer && mode != calendarRefetch {
		mode = calendarNew
	}
	field := "file"
	if mode == calendarRefetch {
		field = "source"
	}
	fail := func(field string, err error) error { return s.calendarFailure(c, field, err, name, rawURL) }
	if name == "" {
		return fail("source", programme.Errorf(programme.EINVALID, "Give the calendar a name, such as the conference's."))
	}
	src, err := cs.CalendarSource(ctx, slug, name)
	switch {
	case programme.ErrorCode(err) == programme.ENOTFOUND && mode != calendarNew:
		return fail(field, programme.Errorf(programme.EINVALID, "The programme has no calendar called %q.", name))
	case programme.ErrorCode(err) == programme.ENOTFOUND:
		src = nil
	case err != nil:
		return err
	case mode == calendarNew:
		return fail("source", programme.Errorf(programme.EINVALID,
			"The programme already has a calendar called %q: upload a newer version of it from its line in the list, or choose another name.", name))
	}

	st := calendarState{Mode: mode, Source: name}
	var content []byte
	// A browser sends an empty file part when no file was chosen.
	fh, ferr := c.FormFile("file")
	hasFile := ferr == nil && fh.Size > 0
	switch {
	case mode == calendarRefetch:
		if src.URL == "" {
			return fail(field, programme.Errorf(programme.EINVALID, "The calendar %q was uploaded as a file: it has no URL to fetch again.", name))
		}
		rawURL = src.URL
		fallthrough
	case mode == calendarNew && !hasFile && rawURL != "":
		field = "url"
		etag := ""
		if mode == calendarRefetch {
			// Asked for again only if changed since the last fetch.
			etag = src.ETag
		}
		fetched, err := calimport.Fetch(ctx, nil, rawURL, etag)
		if err != nil {
			return fail(field, err)
		}
		if fetched.NotModified {
			data, err := s.calendarsPageOf(c)
			if err != nil {
				return err
			}
			data.Notice = fmt.Sprintf("The calendar %q has not changed since it was last fetched: nothing to do.", name)
			return c.Render(http.StatusOK, "staff/calendars", data)
		}
		now := s.now().UTC()
		content, st.URL, st.ETag, st.FetchedAt = fetched.Body, rawURL, fetched.ETag, now.Format(time.RFC3339)
	case hasFile:
		f, err := fh.Open()
		if err != nil {
			return fail("file", programme.Errorf(programme.EINVALID, "The file could not be read; try again."))
		}
		defer f.Close()
		if content, err = io.ReadAll(io.LimitReader(f, maxCalendarBytes+1)); err != nil {
			return fail("file", programme.Errorf(programme.EINVALID, "The file could not be read; try again."))
		}
	default:
		return fail(field, programme.Errorf(programme.EINVALID, "Choose a calendar file (.ics), or give the calendar's URL."))
	}
	if len(content) > maxCalendarBytes {
		return fail(field, programme.Errorf(programme.EINVALID,
			"The calendar is larger than %d bytes, more than these pages carry; import it with `planner calendar import`.", maxCalendarBytes))
	}
	st.Content = base64.StdEncoding.EncodeToString(content)
	return s.renderCalendarPick(c, cs, st, src, field, name, rawURL)
}

// renderCalendarPick parses the calendar and shows the pick page, or the
// list page with the parser's message when the calendar cannot be read.
func (s *Server) renderCalendarPick(c echo.Context, cs Calendars, st calendarState, src *store.CalendarSource, field, name, rawURL string) error {
	ctx := c.Request().Context()
	p, err := cs.Programme(ctx, c.Param("slug"))
	if err != nil {
		return err
	}
	content, _ := base64.StdEncoding.DecodeString(st.Content)
	cal, problems, err := calimport.Parse(bytes.NewReader(content), calimport.Options{TimeZone: p.TimeZone, StartsOn: p.StartsOn, EndsOn: p.EndsOn})
	if err != nil {
		return s.calendarFailure(c, field, err, name, rawURL)
	}
	base, err := s.staffPageOf(c, "Pick events · "+p.Title)
	if err != nil {
		return err
	}
	linked := map[string]bool{}
	if src != nil {
		for _, it := range src.Items {
			linked[it.UID] = true
		}
	}
	data := calendarPickPage{staffPage: base, calendarState: st, Slug: p.Slug, ProgrammeTitle: p.Title,
		CalendarName: cal.Name, Delegations: p.Delegations, People: p.People, Kinds: programme.SessionKinds,
		Errors: map[string]string{}}
	for _, ev := range cal.Events {
		master, _, _ := strings.Cut(ev.UID, "/")
		data.Events = append(data.Events, calendarEventView{UID: ev.UID, Title: ev.Title, Location: ev.Location,
			When: eventWhen(ev), Linked: linked[ev.UID] || linked[master]})
	}
	for _, pr := range problems {
		if pr.Refused {
			data.Refused = append(data.Refused, pr)
		} else {
			data.Warnings = append(data.Warnings, pr)
		}
	}
	return c.Render(http.StatusOK, "staff/calendar_pick", data)
}

// eventWhen is an event's date and times in its own zone, named.
func eventWhen(ev calimport.Event) string {
	loc, err := time.LoadLocation(ev.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	start, end := ev.StartsAt.In(loc), ev.EndsAt.In(loc)
	if start.Format("20060102") == end.Format("20060102") {
		return fmt.Sprintf("%s, %s–%s (%s)", start.Format("Mon 2 Jan 2006"), start.Format("15:04"), end.Format("15:04"), loc)
	}
	return fmt.Sprintf("%s – %s (%s)", start.Format("Mon 2 Jan 2006, 15:04"), end.Format("Mon 2 Jan 2006, 15:04"), loc)
}

// calendarRequest rebuilds the import a pick, preview or confirm form
// describes, from exactly the bytes read at the first step.
func (s *Server) calendarRequest(c echo.Context) (calendarState, calimport.Request, []byte, error) {
	st := calendarState{Mode: c.FormValue("mode"), Source: c.FormValue("source"), URL: c.FormValue("url"),
		ETag: c.FormValue("etag"), FetchedAt: c.FormValue("fetched_at"), Content: c.FormValue("calendar")}
	content, err := base64.StdEncoding.DecodeString(st.Content)
	if err != nil || st.Content == "" || st.Source == "" {
		return st, calimport.Request{}, nil, programme.Errorf(programme.EINVALID, "The form lost its calendar; start again from the list of calendars.")
	}
	u, err := s.currentUser(c)
	if err != nil {
		return st, calimport.Request{}, nil, err
	}
	form, _ := c.FormParams()
	pick := calimport.Pick{Audience: programme.Audience{Delegations: form["delegation"], People: form["person"]}, Kind: c.FormValue("kind")}
	req := calimport.Request{Slug: c.Param("slug"), Source: st.Source, URL: st.URL, ETag: st.ETag, Picks: calimport.Picks{},
		Author: authorOf(u), Via: programme.SourceWeb}
	for _, uid := range form["pick"] {
		req.Picks[uid] = pick
	}
	if st.FetchedAt != "" {
		if t, err := time.Parse(time.RFC3339, st.FetchedAt); err == nil {
			req.FetchedAt = &t
		}
	}
	return st, req, content, nil
}

// handleCalendarPreview shows what importing the picked events would do,
// changing nothing.
func (s *Server) handleCalendarPreview(c echo.Context) error {
	return s.calendarImport(c, true)
}

// handleCalendarConfirm imports what the preview showed, as one change
// logged under the staff member.
func (s *Server) handleCalendarConfirm(c echo.Context) error {
	return s.calendarImport(c, false)
}

func (s *Server) calendarImport(c echo.Context, dryRun bool) error {
	cs, err := s.calendarStore()
	if err != nil {
		return err
	}
	st, req, content, err := s.calendarRequest(c)
	if err != nil {
		return s.calendarFailure(c, "file", err, st.Source, st.URL)
	}
	req.DryRun = dryRun
	out, err := calimport.Import(c.Request().Context(), cs, bytes.NewReader(content), req)
	if err != nil {
		// A bad calendar or audience (422), or a programme changed in a
		// way the import cannot follow (409), is shown on the list page.
		return s.calendarFailure(c, "file", err, st.Source, st.URL)
	}
	if !dryRun {
		return c.Redirect(http.StatusSeeOther, s.path("/staff/p/"+url.PathEscape(req.Slug)+"/history"))
	}
	p, err := cs.Programme(c.Request().Context(), req.Slug)
	if err != nil {
		return err
	}
	base, err := s.staffPageOf(c, "Preview · "+p.Title)
	if err != nil {
		return err
	}
	form, _ := c.FormParams()
	data := calendarPreviewPage{staffPage: base, calendarState: st, Slug: p.Slug, ProgrammeTitle: p.Title,
		Actions: out.Plan.Preview, Picks: form["pick"], Delegations: form["delegation"], People: form["person"],
		Kind: c.FormValue("kind"), Problems: out.Problems}
	for _, a := range out.Plan.Preview {
		if slices.Contains([]string{calimport.ActionCreate, calimport.ActionUpdate, calimport.ActionMove, calimport.ActionCancel}, a.Action) {
			data.Changes++
		}
	}
	return c.Render(http.StatusOK, "staff/calendar_preview", data)
}
