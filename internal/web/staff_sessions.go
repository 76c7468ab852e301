package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/planner-dev/planner/internal/exchange"
	"github.com/planner-dev/planner/internal/programme"
)

// The session editor: a session's own fields, its audience and status, and
// its speaker slots in running order, which staff add, edit, remove,
// reorder and shift by the minute on the day. Every save is one change
// through the store's write path, with the revision the page showed, so
// that a second editor's save is refused beside the first one's version
// rather than silently overwriting it. Conflicts are shown as warnings and
// never block a save.

// selectOption is one choice of a select.
type selectOption struct {
	Value, Label string
	Selected     bool
}

// selectView is a select of a form, as _staff_choice.html draws it.
type selectView struct {
	Name, Label, Error string
	Options            []selectOption
}

// checksView is a group of checkboxes of one name, as _staff_choice.html
// draws it.
type checksView struct {
	Name, Label, Hint, Error string
	Options                  []checkOption
}

// checkOption is one box of a group of checkboxes.
type checkOption struct {
	Value, Label, Detail string
	Checked              bool
}

// sessionListPage is the page data of staff/sessions.html.
type sessionListPage struct {
	staffPage
	Nav    staffNav
	NewURL string
	// List is keptSlot, where renderKept writes the sessions by day,
	// rendered from sessionDays.
	List template.HTML
}

type sessionDay struct {
	Label    string
	Sessions []sessionRow
}

type sessionRow struct {
	Title, When, Where, Status, Href string
	Cancelled                        bool
	Slots, Conflicts                 int
}

// handleSessionIndex lists the programme's sessions by day, with their
// status and how many conflicts each is part of.
func (s *Server) handleSessionIndex(c echo.Context) error {
	p, base, nav, err := s.sessionReadBase(c, "Sessions")
	if err != nil {
		return err
	}
	out := sessionListPage{staffPage: base, Nav: nav, NewURL: s.sessionsPath(p) + "/new"}
	render := func() (renderedPart, error) {
		html, err := s.render.part("staff/sessions", "sessionlist", struct{ Days []sessionDay }{s.sessionDays(p)})
		return renderedPart{HTML: html}, err
	}
	// The list depends on the programme's version alone: from the copy
	// the feeds share, it is rendered once per version (part_cache.go).
	var list renderedPart
	if s.feeds != nil {
		list, err = s.render.parts.get(partKey{p: p, name: "sessions"}, render)
	} else {
		list, err = render()
	}
	if err != nil {
		return err
	}
	out.List = keptSlot
	return s.render.renderKept(c, http.StatusOK, "staff/sessions", out, frameKeyOf(sessionListFrameOf(out)), list.HTML)
}

// sessionListFrame is everything the session list is written from around
// its kept list (renderKept): its data, with the users it names by value.
type sessionListFrame struct {
	data          sessionListPage // User and Nav.User nil
	user, navUser frameUser
}

func sessionListFrameOf(data sessionListPage) sessionListFrame {
	f := sessionListFrame{data: data, user: frameUserOf(data.User), navUser: frameUserOf(data.Nav.User)}
	f.data.User, f.data.Nav.User = nil, nil
	return f
}

// sessionDays lists p's sessions by day, with their conflicts.
func (s *Server) sessionDays(p *programme.Programme) []sessionDay {
	var days []sessionDay
	conflicts := p.Conflicts()
	order := slices.Clone(p.Sessions)
	slices.SortStableFunc(order, func(a, b programme.Session) int { return a.StartsAt.Compare(b.StartsAt) })
	for _, ss := range order {
		loc := p.Loc(ss.TimeZone)
		day := ss.StartsAt.In(loc).Format("Monday 2 January 2006")
		if len(days) == 0 || days[len(days)-1].Label != day {
			days = append(days, sessionDay{Label: day})
		}
		n := 0
		for _, cf := range conflicts {
			if cf.Involves("session/" + ss.Key) {
				n++
			}
		}
		row := sessionRow{
			Title: ss.Title, When: clockSpan(ss.StartsAt, ss.EndsAt, loc), Where: placeOf(p, &ss), Status: ss.Status,
			Href: s.sessionsPath(p) + "/" + url.PathEscape(ss.Key), Cancelled: ss.Status == programme.StatusCancelled,
			Slots: len(ss.Slots), Conflicts: n,
		}
		d := &days[len(days)-1]
		d.Sessions = append(d.Sessions, row)
	}
	return days
}

// sessionPageBase loads the route's programme and what every page of the
// editor shows around its content.
func (s *Server) sessionPageBase(c echo.Context, title string) (*programme.Programme, staffPage, staffNav, error) {
	return s.sessionPage(c, title, s.storedProgramme)
}

// sessionReadBase is sessionPageBase for the pages that only show: the
// programme is the shared copy (sharedProgramme), not to be modified.
func (s *Server) sessionReadBase(c echo.Context, title string) (*programme.Programme, staffPage, staffNav, error) {
	return s.sessionPage(c, title, s.sharedProgramme)
}

func (s *Server) sessionPage(c echo.Context, title string, load func(echo.Context) (*programme.Programme, error)) (*programme.Programme, staffPage, staffNav, error) {
	p, err := load(c)
	if err != nil {
		return nil, staffPage{}, staffNav{}, err
	}
	base, err := s.staffPageOf(c, title)
	if err != nil {
		return nil, staffPage{}, staffNav{}, err
	}
	nav, err := s.staffNavOf(c, p, "sessions")
	return p, base, nav, err
}

func (s *Server) sessionsPath(p *programme.Programme) string {
	return s.path("/staff/p/" + url.PathEscape(p.Slug) + "/sessions")
}

func (s *Server) sessionPath(p *programme.Programme, key string) string {
	return s.sessionsPath(p) + "/" + url.PathEscape(key)
}

// clockSpan writes a span as "09:00–10:45" in loc, with the end's date when
// it ends on another day.
func clockSpan(from, to time.Time, loc *time.Location) string {
	a, b := from.In(loc), to.In(loc)
	if a.Format(programme.DateLayout) != b.Format(programme.DateLayout) {
		return a.Format("15:04") + "–" + b.Format("Mon 2 Jan 15:04")
	}
	return a.Format("15:04") + "–" + b.Format("15:04")
}

// zoneName names a zone as the pages show it beside times:
// "America/Mexico_City (CST)".
func zoneName(loc *time.Location, at time.Time) string {
	abbr, _ := at.In(loc).Zone()
	return loc.String() + " (" + abbr + ")"
}

// placeOf names where a session is held.
func placeOf(p *programme.Programme, ss *programme.Session) string {
	switch {
	case ss.Room != "":
		if r := p.Room(ss.Room); r != nil {
			return r.Name
		}
		return ss.Room
	case ss.Venue != "":
		if v := p.Venue(ss.Venue); v != nil {
			return v.Name
		}
		return ss.Venue
	}
	return ss.Location
}

// sessionFormPage is the page data of staff/session_form.html: the
// session's fields and, when it exists, its running order.
type sessionFormPage struct {
	staffPage
	Nav      staffNav
	Creating bool
	Action   string
	Key      string
	Revision string
	Zone     string
	Errors   map[string]string
	Fields   []fieldView
	// Fields after the time fields.
	Kind, Status, Room, Venue selectView
	Delegations, People       checksView
	Required                  fieldView
	Stale                     *staleView
	Conflicts                 []string
	Cancelled                 bool

	// The running order, for an existing session.
	Slots         []slotRow
	SlotsRevision string
	OrderURL      string
	NewSlotURL    string
	CancelURL     string
	// OrderStale, when set, shows the running order someone else saved
	// beside the one the user asked for.
	OrderStale *staleView
	Notice     string
}

// slotRow is one slot of the running order on the session's page.
type slotRow struct {
	Key, Title, When, Speakers, Availability, Status string
	Cancelled, First, Last                           bool
	EditURL, RemoveURL                               string
	Revision                                         string
	Conflicts                                        []string
}

// sessionFieldNames are the session's fields that map one to one onto
// problems at "sessions[0].<name>".
var sessionFieldNames = []string{"key", "title", "kind", "description", "starts_at", "ends_at", "time_zone",
	"room", "venue", "location", "status", "required"}

// sessionFieldOf maps the path of a problem of the batch's one session to
// the form's field; problems of its slots and of other items go to the top.
func sessionFieldOf(path string) string {
	rest, ok := strings.CutPrefix(path, "sessions[0]")
	if !ok {
		return ""
	}
	rest = strings.TrimPrefix(rest, ".")
	switch {
	case rest == "":
		return "title"
	case strings.HasPrefix(rest, "audience.delegations"):
		return "audience_delegation"
	case strings.HasPrefix(rest, "audience.people"):
		return "audience_person"
	case strings.HasPrefix(rest, "audience"):
		return "audience_delegation"
	case strings.HasPrefix(rest, "slots"):
		return ""
	}
	name := rest
	if i := strings.IndexAny(name, ".["); i >= 0 {
		name = name[:i]
	}
	if slices.Contains(sessionFieldNames, name) {
		return name
	}
	return ""
}

// sessionValues are the form's values of a stored session, times as local
// wall-clock in the session's zone.
func sessionValues(p *programme.Programme, ss *programme.Session) url.Values {
	loc := p.Loc(ss.TimeZone)
	v := url.Values{
		"key": {ss.Key}, "title": {ss.Title}, "kind": {ss.Kind}, "description": {ss.Description},
		"starts_at": {programme.FormatLocal(ss.StartsAt, loc)}, "ends_at": {programme.FormatLocal(ss.EndsAt, loc)},
		"time_zone": {ss.TimeZone}, "room": {ss.Room}, "venue": {ss.Venue}, "location": {ss.Location},
		"status": {ss.Status}, "audience_delegation": ss.Audience.Delegations, "audience_person": ss.Audience.People,
		"revision": {exchange.Revision(p, sessionRef(ss.Key))},
	}
	if ss.Required {
		v.Set("required", "on")
	}
	return v
}

func sessionRef(key string) programme.ItemRef {
	return programme.ItemRef{Kind: programme.KindSession, Key: key}
}

func slotRef(session, slot string) programme.ItemRef {
	return programme.ItemRef{Kind: programme.KindSlot, Key: programme.SlotKey(session, slot)}
}

// parseWallClock reads a datetime-local field in loc, recording a problem
// beside it when it is missing (and required) or does not read.
func parseWallClock(f *form, name string, loc *time.Location, required bool) *time.Time {
	v := f.Get(name)
	if v == "" {
		if required {
			f.Fail(name, "Enter a date and time, such as 2016-12-05T09:00.")
		}
		return nil
	}
	t, err := programme.ParseLocal(v, loc)
	if err != nil {
		f.Fail(name, upperFirst(err.Error())+".")
		return nil
	}
	return &t
}

// zoneOfForm is the zone the form's times are in: the time_zone field when
// it names a zone, else the programme's.
func zoneOfForm(p *programme.Programme, f *form) *time.Location {
	if z := f.Get("time_zone"); z != "" {
		if loc, err := programme.LoadZone(z); err == nil {
			return loc
		}
		f.Fail("time_zone", "Use an IANA zone name, such as America/Mexico_City, or leave it empty for the programme's zone.")
	}
	return p.Loc("")
}

// sessionOfForm is the session the form describes; stored, when the
// session exists, gives what the form does not show (its slots stay out:
// a batch without them keeps them).
func sessionOfForm(p *programme.Programme, f *form, key string) programme.Session {
	loc := zoneOfForm(p, f)
	ss := programme.Session{
		Key: key, Title: f.Get("title"), Kind: f.Get("kind"), TimeZone: f.Get("time_zone"),
		Description: strings.TrimSpace(strings.ReplaceAll(f.Values.Get("description"), "\r\n", "\n")),
		Room:        f.Get("room"), Venue: f.Get("venue"), Location: f.Get("location"),
		Required: f.Checked("required"), Status: f.Get("status"),
		Audience: programme.Audience{Delegations: nonEmpty(f.Values["audience_delegation"]), People: nonEmpty(f.Values["audience_person"])},
	}
	if t := parseWallClock(f, "starts_at", loc, true); t != nil {
		ss.StartsAt = *t
	}
	if t := parseWallClock(f, "ends_at", loc, true); t != nil {
		ss.EndsAt = *t
	}
	return ss
}

func nonEmpty(list []string) []string {
	var out []string
	for _, v := range list {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// sessionForm fills the session page from the form and, for an existing
// session, the stored running order.
func (s *Server) sessionForm(p *programme.Programme, base staffPage, nav staffNav, f *form, stored *programme.Session) sessionFormPage {
	out := sessionFormPage{staffPage: base, Nav: nav, Errors: f.Errors, Revision: f.Values.Get("revision"), Creating: stored == nil}
	loc := zoneOfFormQuiet(p, f)
	at := time.Now()
	if t, err := programme.ParseLocal(f.Get("starts_at"), loc); err == nil {
		at = t
	}
	out.Zone = zoneName(loc, at)
	if stored == nil {
		out.Action = s.sessionsPath(p) + "/new"
		k := f.field("key", "Short name", "text")
		k.Hint = "Part of the session's address, such as day0-seminar. Leave it empty to make one from the title."
		out.Fields = append(out.Fields, k)
	} else {
		out.Key = stored.Key
		out.Action = s.sessionPath(p, stored.Key)
		out.CancelURL = out.Action + "/cancel"
		out.Cancelled = stored.Status == programme.StatusCancelled
	}
	title := f.field("title", "Title", "text")
	title.Required = true
	out.Fields = append(out.Fields, title)
	for _, name := range []struct{ name, label string }{{"starts_at", "Starts"}, {"ends_at", "Ends"}} {
		v := f.field(name.name, name.label, "datetime-local")
		v.Required = true
		v.Hint = "Wall-clock time in " + out.Zone + "."
		out.Fields = append(out.Fields, v)
	}
	tz := f.field("time_zone", "Time zone", "text")
	tz.Hint = "Leave empty for the programme's zone, " + p.TimeZone + "."
	out.Fields = append(out.Fields, tz)
	loc2 := f.field("location", "Location", "text")
	loc2.Hint = "Free text, only when neither a room nor a venue applies."
	out.Fields = append(out.Fields, loc2, f.field("description", "Description", "textarea"))
	out.Required = f.field("required", "Required: delegates are expected to attend", "checkbox")

	out.Kind = selectView{Name: "kind", Label: "Kind", Error: f.Errors["kind"]}
	for _, k := range programme.SessionKinds {
		out.Kind.Options = append(out.Kind.Options, selectOption{Value: k, Label: strings.ReplaceAll(k, "_", " "), Selected: f.Get("kind") == k})
	}
	out.Status = selectView{Name: "status", Label: "Status", Error: f.Errors["status"]}
	for _, st := range programme.Statuses {
		out.Status.Options = append(out.Status.Options, selectOption{Value: st, Label: st, Selected: f.Get("status") == st})
	}
	out.Room = selectView{Name: "room", Label: "Room", Error: f.Errors["room"],
		Options: []selectOption{{Value: "", Label: "No room", Selected: f.Get("room") == ""}}}
	for _, r := range p.Rooms {
		label := r.Name
		if v := p.Venue(r.Venue); v != nil {
			label += " (" + v.Name + ")"
		}
		out.Room.Options = append(out.Room.Options, selectOption{Value: r.Key, Label: label, Selected: f.Get("room") == r.Key})
	}
	out.Venue = selectView{Name: "venue", Label: "Venue, when no room applies", Error: f.Errors["venue"],
		Options: []selectOption{{Value: "", Label: "No venue", Selected: f.Get("venue") == ""}}}
	for _, v := range p.Venues {
		out.Venue.Options = append(out.Venue.Options, selectOption{Value: v.Key, Label: v.Name, Selected: f.Get("venue") == v.Key})
	}
	out.Delegations = checksView{Name: "audience_delegation", Label: "Audience: delegations", Error: f.Errors["audience_delegation"],
		Hint: "Every member of a ticked delegation has the session on their agenda."}
	for _, d := range p.Delegations {
		out.Delegations.Options = append(out.Delegations.Options, checkOption{Value: d.Key, Label: d.Name,
			Checked: slices.Contains(f.Values["audience_delegation"], d.Key)})
	}
	out.People = checksView{Name: "audience_person", Label: "Audience: people", Error: f.Errors["audience_person"],
		Hint: "People outside those delegations, such as staff and guests.", Options: peopleOptions(p, f.Values["audience_person"])}

	if stored != nil {
		out.OrderURL = out.Action + "/slots/order"
		out.NewSlotURL = out.Action + "/slots/new"
		out.SlotsRevision = slotsRevision(p, stored)
		conflicts := p.Conflicts()
		sloc := p.Loc(stored.TimeZone)
		active := 0
		for i := range stored.Slots {
			if stored.Slots[i].Status != programme.StatusCancelled {
				active++
			}
		}
		n := 0
		for i := range stored.Slots {
			sl := &stored.Slots[i]
			row := slotRow{
				Key: sl.Key, Title: sl.Title, When: clockSpan(sl.StartsAt, sl.EndsAt, sloc),
				Speakers: peopleNames(p, sl.Speakers), Availability: availability(sl, sloc), Status: sl.Status,
				Cancelled: sl.Status == programme.StatusCancelled,
				EditURL:   out.Action + "/slots/" + url.PathEscape(sl.Key),
				Revision:  exchange.Revision(p, slotRef(stored.Key, sl.Key)),
			}
			row.RemoveURL = row.EditURL + "/remove"
			if !row.Cancelled {
				row.First, row.Last = n == 0, n == active-1
				n++
			}
			for _, cf := range conflicts {
				if cf.Involves("slot/" + stored.Key + "/" + sl.Key) {
					row.Conflicts = append(row.Conflicts, cf.Message)
				}
			}
			out.Slots = append(out.Slots, row)
		}
		for _, cf := range conflicts {
			if cf.Involves("session/" + stored.Key) {
				out.Conflicts = append(out.Conflicts, cf.Message)
			}
		}
	}
	return out
}

// zoneOfForm without recording a problem, for showing the page.
func zoneOfFormQuiet(p *programme.Programme, f *form) *time.Location {
	if z := f.Get("time_zone"); z != "" {
		if loc, err := programme.LoadZone(z); err == nil {
			return loc
		}
	}
	return p.Loc("")
}

// peopleOptions lists every person as a checkbox, with their delegation
// or organisation beside their name.
func peopleOptions(p *programme.Programme, checked []string) []checkOption {
	var out []checkOption
	for _, x := range p.People {
		detail := x.Organization
		if d := p.Delegation(x.Delegation); d != nil {
			detail = d.Name
		}
		out = append(out, checkOption{Value: x.Key, Label: x.Name, Detail: detail, Checked: slices.Contains(checked, x.Key)})
	}
	return out
}

func peopleNames(p *programme.Programme, keys []string) string {
	var names []string
	for _, k := range keys {
		if x := p.Person(k); x != nil {
			names = append(names, x.Name)
		} else {
			names = append(names, k)
		}
	}
	return strings.Join(names, ", ")
}

// availability says when a slot's speakers can be there, as staff read it
// beside the slot: "Available until 11:00".
func availability(sl *programme.Slot, loc *time.Location) string {
	from, until := sl.AvailableFrom, sl.AvailableUntil
	switch {
	case from != nil && until != nil:
		return "Available " + clockSpan(*from, *until, loc)
	case from != nil:
		return "Available from " + from.In(loc).Format("15:04")
	case until != nil:
		return "Available until " + until.In(loc).Format("15:04")
	}
	return ""
}

// slotsRevision is the revision of a session's whole running order, as the
// reorder forms carry it: each slot's key and revision, in order.
func slotsRevision(p *programme.Programme, ss *programme.Session) string {
	var parts []string
	for _, sl := range ss.Slots {
		parts = append(parts, sl.Key+":"+exchange.Revision(p, slotRef(ss.Key, sl.Key)))
	}
	return strings.Join(parts, ",")
}

// expectSlots reads a slotsRevision back as the revisions a change expects.
// It reports false when the form's slots are not the session's now (one
// was added or dropped since the page was loaded).
func expectSlots(value string, ss *programme.Session) (map[programme.ItemRef]string, bool) {
	expect := map[programme.ItemRef]string{}
	for _, part := range strings.Split(value, ",") {
		key, rev, ok := strings.Cut(part, ":")
		if !ok {
			continue
		}
		expect[slotRef(ss.Key, key)] = rev
	}
	if len(expect) != len(ss.Slots) {
		return expect, false
	}
	for _, sl := range ss.Slots {
		if _, ok := expect[slotRef(ss.Key, sl.Key)]; !ok {
			return expect, false
		}
	}
	return expect, true
}

// storedSession loads the route's session.
func storedSession(c echo.Context, p *programme.Programme) (*programme.Session, error) {
	ss := p.Session(c.Param("key"))
	if ss == nil {
		return nil, programme.Errorf(programme.ENOTFOUND, "There is no such session.")
	}
	return ss, nil
}

// handleSessionNew shows the form of a new session, starting on the
// programme's first day.
func (s *Server) handleSessionNew(c echo.Context) error {
	p, base, nav, err := s.sessionPageBase(c, "New session")
	if err != nil {
		return err
	}
	f := &form{Values: url.Values{"kind": {"meeting"}, "status": {programme.StatusConfirmed},
		"starts_at": {p.StartsOn + "T09:00"}, "ends_at": {p.StartsOn + "T10:00"}}, Errors: map[string]string{}}
	return c.Render(http.StatusOK, "staff/session_form", s.sessionForm(p, base, nav, f, nil))
}

// handleSessionCreate saves a new session.
func (s *Server) handleSessionCreate(c echo.Context) error {
	p, base, nav, err := s.sessionPageBase(c, "New session")
	if err != nil {
		return err
	}
	f, err := newForm(c)
	if err != nil {
		return err
	}
	key := f.Get("key")
	switch {
	case key == "":
		key = keyFrom(f.Get("title"), func(k string) bool { return p.Session(k) != nil })
		f.Values.Set("key", key)
	case !programme.ValidKey(key):
		f.Fail("key", "Use lower-case letters, digits and hyphens only, starting with a letter or digit.")
	case p.Session(key) != nil:
		f.Fail("key", "A session with this short name already exists.")
	}
	ss := sessionOfForm(p, f, key)
	if f.Valid() {
		batch := p.Header()
		batch.Sessions = []programme.Session{ss}
		_, err := s.changes.Change(c.Request().Context(), p.Slug, programme.ChangeRequest{
			Batch: batch, Author: authorOf(base.User), Source: programme.SourceWeb,
			Expect: map[programme.ItemRef]string{sessionRef(key): ""},
		})
		switch {
		case err == nil:
			return c.Redirect(http.StatusSeeOther, s.sessionPath(p, key))
		case programme.ErrorCode(err) == programme.ECONFLICT:
			f.Fail("key", "A session with this short name already exists.")
		case !f.failWith(err, sessionFieldOf):
			return err
		}
	}
	return c.Render(http.StatusUnprocessableEntity, "staff/session_form", s.sessionForm(p, base, nav, f, nil))
}

// keyFrom makes a key from a title: "Squeeze Marilyn in" becomes
// "squeeze-marilyn-in", with a number after it while taken says it is
// used.
func keyFrom(title string, taken func(string) bool) string {
	k := strings.Trim(nonKey.ReplaceAllString(strings.ToLower(title), "-"), "-")
	if len(k) > 40 {
		k = strings.TrimRight(k[:40], "-")
	}
	if k == "" {
		k = "item"
	}
	out := k
	for n := 2; taken(out); n++ {
		out = fmt.Sprintf("%s-%d", k, n)
	}
	return out
}

var nonKey = regexp.MustCompile(`[^a-z0-9]+`)

// handleSessionEdit shows a session's fields and running order.
func (s *Server) handleSessionEdit(c echo.Context) error {
	p, base, nav, err := s.sessionReadBase(c, "Session")
	if err != nil {
		return err
	}
	ss, err := storedSession(c, p)
	if err != nil {
		return err
	}
	base.Title = ss.Title
	f := &form{Values: sessionValues(p, ss), Errors: map[string]string{}}
	data := s.sessionForm(p, base, nav, f, ss)
	data.Notice = noticeOf(c.QueryParam("done"))
	return c.Render(http.StatusOK, "staff/session_form", data)
}

// noticeOf says what the last action did, after its redirect.
func noticeOf(done string) string {
	switch done {
	case "saved":
		return "Saved."
	case "order":
		return "The running order is saved."
	case "shifted":
		return "The following slots moved."
	case "slot":
		return "The slot is saved."
	case "removed":
		return "The slot is cancelled."
	}
	return ""
}

// handleSessionUpdate saves a session's own fields, leaving its slots.
func (s *Server) handleSessionUpdate(c echo.Context) error {
	p, base, nav, err := s.sessionPageBase(c, "Session")
	if err != nil {
		return err
	}
	stored, err := storedSession(c, p)
	if err != nil {
		return err
	}
	base.Title = stored.Title
	f, err := newForm(c)
	if err != nil {
		return err
	}
	ss := sessionOfForm(p, f, stored.Key)
	if f.Valid() {
		batch := p.Header()
		batch.Sessions = []programme.Session{ss}
		_, err = s.changes.Change(c.Request().Context(), p.Slug, programme.ChangeRequest{
			Batch: batch, Author: authorOf(base.User), Source: programme.SourceWeb,
			Expect: map[programme.ItemRef]string{sessionRef(stored.Key): f.Values.Get("revision")},
		})
		if err == nil {
			return c.Redirect(http.StatusSeeOther, s.sessionPath(p, stored.Key)+"?done=saved")
		}
		var stale *programme.Stale
		if errors.As(err, &stale) {
			return s.sessionStale(c, base, nav, f, err)
		}
		if !f.failWith(err, sessionFieldOf) {
			return err
		}
	}
	return c.Render(http.StatusUnprocessableEntity, "staff/session_form", s.sessionForm(p, base, nav, f, stored))
}

// sessionStale answers a refused stale save with 409: the session as
// saved now beside the user's form, which now carries the stored
// revision, so that saving again is a choice made with both in sight.
func (s *Server) sessionStale(c echo.Context, base staffPage, nav staffNav, f *form, refusal error) error {
	current, err := s.storedProgramme(c)
	if err != nil {
		return err
	}
	ss, err := storedSession(c, current)
	if err != nil {
		return err
	}
	data := s.sessionForm(current, base, nav, f, ss)
	theirs := sessionValues(current, ss)
	data.Revision = theirs.Get("revision")
	data.Stale = &staleView{Message: programme.ErrorMessage(refusal)}
	rows := []struct{ name, label string }{
		{"title", "Title"}, {"kind", "Kind"}, {"starts_at", "Starts"}, {"ends_at", "Ends"}, {"time_zone", "Time zone"},
		{"room", "Room"}, {"venue", "Venue"}, {"location", "Location"}, {"status", "Status"}, {"description", "Description"},
	}
	for _, r := range rows {
		t, y := theirs.Get(r.name), f.Get(r.name)
		data.Stale.Rows = append(data.Stale.Rows, staleRow{Label: r.label, Theirs: t, Yours: y, Differ: t != y})
	}
	td, yd := strings.Join(theirs["audience_delegation"], ", "), strings.Join(nonEmpty(f.Values["audience_delegation"]), ", ")
	tp, yp := strings.Join(theirs["audience_person"], ", "), strings.Join(nonEmpty(f.Values["audience_person"]), ", ")
	data.Stale.Rows = append(data.Stale.Rows,
		staleRow{Label: "Delegations", Theirs: td, Yours: yd, Differ: td != yd},
		staleRow{Label: "People", Theirs: tp, Yours: yp, Differ: tp != yp})
	return c.Render(http.StatusConflict, "staff/session_form", data)
}

// handleSessionCancel cancels a session: sessions are never deleted, so
// that the delegates' calendars show it as cancelled.
func (s *Server) handleSessionCancel(c echo.Context) error {
	p, base, nav, err := s.sessionPageBase(c, "Session")
	if err != nil {
		return err
	}
	ss, err := storedSession(c, p)
	if err != nil {
		return err
	}
	f, err := newForm(c)
	if err != nil {
		return err
	}
	_, err = s.changes.Change(c.Request().Context(), p.Slug, programme.ChangeRequest{
		Remove: []programme.ItemRef{sessionRef(ss.Key)}, Author: authorOf(base.User), Source: programme.SourceWeb,
		Expect: map[programme.ItemRef]string{sessionRef(ss.Key): f.Values.Get("revision")},
	})
	var stale *programme.Stale
	if errors.As(err, &stale) {
		// The user's form is the stored session's as they saw it.
		f.Values = sessionValues(p, ss)
		f.Values.Set("status", programme.StatusCancelled)
		return s.sessionStale(c, base, nav, f, err)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, s.sessionsPath(p))
}

// handleSlotOrder saves a new running order: either the keys in order
// ("order", from dragging or the keyboard in the browser) or one slot
// moved one place ("move" and "dir", the Move up and Move down buttons).
// The times follow ReorderSlots: from the first slot's start, each slot
// keeping its length and the breaks staying in their places.
func (s *Server) handleSlotOrder(c echo.Context) error {
	p, base, nav, err := s.sessionPageBase(c, "Session")
	if err != nil {
		return err
	}
	ss, err := storedSession(c, p)
	if err != nil {
		return err
	}
	base.Title = ss.Title
	f, err := newForm(c)
	if err != nil {
		return err
	}
	order := nonEmpty(f.Values["order"])
	if key := f.Get("move"); key != "" {
		places := 1
		if f.Get("dir") == "up" {
			places = -1
		}
		if order, err = programme.MoveSlot(ss, key, places); err != nil {
			return err
		}
	}
	expect, same := expectSlots(f.Values.Get("slots_revision"), ss)
	var refusal error
	if !same {
		refusal = programme.Errorf(programme.ECONFLICT, "Someone else added or removed a slot of this session after you opened it. Nothing was saved: compare the two orders and move the slots again.")
	} else {
		slots, err := programme.ReorderSlots(ss, order)
		if err != nil {
			return err
		}
		batch := p.Header()
		c2 := *ss
		c2.Slots = slots
		batch.Sessions = []programme.Session{c2}
		expect[sessionRef(ss.Key)] = exchange.Revision(p, sessionRef(ss.Key))
		_, err = s.changes.Change(c.Request().Context(), p.Slug, programme.ChangeRequest{
			Batch: batch, Author: authorOf(base.User), Source: programme.SourceWeb, Expect: expect,
			Summary: "Reordered the slots of " + ss.Title,
		})
		if err == nil {
			return c.Redirect(http.StatusSeeOther, s.sessionPath(p, ss.Key)+"?done=order#slots")
		}
		var stale *programme.Stale
		if !errors.As(err, &stale) {
			return err
		}
		refusal = err
	}
	// Their running order beside the one the user asked for.
	current, err := s.storedProgramme(c)
	if err != nil {
		return err
	}
	now, err := storedSession(c, current)
	if err != nil {
		return err
	}
	data := s.sessionForm(current, base, nav, &form{Values: sessionValues(current, now), Errors: map[string]string{}}, now)
	data.OrderStale = &staleView{Message: programme.ErrorMessage(refusal)}
	var theirs []string
	for _, sl := range now.Slots {
		if sl.Status != programme.StatusCancelled {
			theirs = append(theirs, sl.Title)
		}
	}
	for i := 0; i < max(len(theirs), len(order)); i++ {
		var t, y string
		if i < len(theirs) {
			t = theirs[i]
		}
		if i < len(order) {
			y = order[i]
			if sl := ss.Slot(order[i]); sl != nil {
				y = sl.Title
			}
		}
		data.OrderStale.Rows = append(data.OrderStale.Rows, staleRow{Label: fmt.Sprint(i + 1), Theirs: t, Yours: y, Differ: t != y})
	}
	return c.Render(http.StatusConflict, "staff/session_form", data)
}

// slotFormPage is the page data of staff/slot_form.html.
type slotFormPage struct {
	staffPage
	Nav          staffNav
	Creating     bool
	Action       string
	SessionTitle string
	SessionURL   string
	SessionWhen  string
	Zone         string
	Revision     string
	Errors       map[string]string
	Fields       []fieldView
	Status       selectView
	Speakers     checksView
	Stale        *staleView
}

// slotFieldOf maps the path of a problem of the batch's one slot to the
// form's field.
func slotFieldOf(path string) string {
	rest, ok := strings.CutPrefix(path, "sessions[0].slots[0]")
	if !ok {
		return ""
	}
	rest = strings.TrimPrefix(rest, ".")
	if rest == "" {
		return "title"
	}
	if i := strings.IndexAny(rest, ".["); i >= 0 {
		rest = rest[:i]
	}
	switch rest {
	case "speakers":
		return "speaker"
	case "key", "title", "starts_at", "ends_at", "available_from", "available_until", "status", "note":
		return rest
	}
	return ""
}

// slotValues are the form's values of a stored slot.
func slotValues(p *programme.Programme, ss *programme.Session, sl *programme.Slot) url.Values {
	loc := p.Loc(ss.TimeZone)
	v := url.Values{
		"key": {sl.Key}, "title": {sl.Title}, "speaker": sl.Speakers, "status": {sl.Status}, "note": {sl.Note},
		"starts_at": {programme.FormatLocal(sl.StartsAt, loc)}, "ends_at": {programme.FormatLocal(sl.EndsAt, loc)},
		"revision": {exchange.Revision(p, slotRef(ss.Key, sl.Key))},
	}
	if sl.AvailableFrom != nil {
		v.Set("available_from", programme.FormatLocal(*sl.AvailableFrom, loc))
	}
	if sl.AvailableUntil != nil {
		v.Set("available_until", programme.FormatLocal(*sl.AvailableUntil, loc))
	}
	return v
}

func (s *Server) slotForm(p *programme.Programme, base staffPage, nav staffNav, f *form, ss *programme.Session, creating bool) slotFormPage {
	loc := p.Loc(ss.TimeZone)
	out := slotFormPage{staffPage: base, Nav: nav, Creating: creating, SessionTitle: ss.Title,
		SessionURL: s.sessionPath(p, ss.Key), SessionWhen: clockSpan(ss.StartsAt, ss.EndsAt, loc),
		Zone: zoneName(loc, ss.StartsAt), Revision: f.Values.Get("revision"), Errors: f.Errors}
	if creating {
		out.Action = out.SessionURL + "/slots"
		k := f.field("key", "Short name", "text")
		k.Hint = "Unique in the session, such as isoc. Leave it empty to make one from the title."
		out.Fields = append(out.Fields, k)
	} else {
		out.Action = out.SessionURL + "/slots/" + url.PathEscape(f.Values.Get("key"))
	}
	title := f.field("title", "Title", "text")
	title.Required = true
	out.Fields = append(out.Fields, title)
	for _, t := range []struct {
		name, label string
		required    bool
		hint        string
	}{
		{"starts_at", "Starts", true, "Wall-clock time in " + out.Zone + "."},
		{"ends_at", "Ends", true, "Moving the end offers to move the slots after it by as much."},
		{"available_from", "Speakers available from", false, "When the speakers can be there at the earliest."},
		{"available_until", "Speakers available until", false, "When the speakers must leave, such as 11:00."},
	} {
		v := f.field(t.name, t.label, "datetime-local")
		v.Required, v.Hint = t.required, t.hint
		out.Fields = append(out.Fields, v)
	}
	note := f.field("note", "Note for staff", "textarea")
	out.Fields = append(out.Fields, note)
	out.Status = selectView{Name: "status", Label: "Status", Error: f.Errors["status"],
		Options: []selectOption{{Value: "", Label: "As the session", Selected: f.Get("status") == ""}}}
	for _, st := range programme.Statuses {
		out.Status.Options = append(out.Status.Options, selectOption{Value: st, Label: st, Selected: f.Get("status") == st})
	}
	out.Speakers = checksView{Name: "speaker", Label: "Speakers", Error: f.Errors["speaker"], Options: peopleOptions(p, f.Values["speaker"])}
	return out
}

// slotOfForm is the slot the form describes.
func slotOfForm(p *programme.Programme, ss *programme.Session, f *form, key string) programme.Slot {
	loc := p.Loc(ss.TimeZone)
	sl := programme.Slot{Key: key, Title: f.Get("title"), Speakers: nonEmpty(f.Values["speaker"]), Status: f.Get("status"),
		Note: strings.TrimSpace(strings.ReplaceAll(f.Values.Get("note"), "\r\n", "\n"))}
	if t := parseWallClock(f, "starts_at", loc, true); t != nil {
		sl.StartsAt = *t
	}
	if t := parseWallClock(f, "ends_at", loc, true); t != nil {
		sl.EndsAt = *t
	}
	sl.AvailableFrom = parseWallClock(f, "available_from", loc, false)
	sl.AvailableUntil = parseWallClock(f, "available_until", loc, false)
	return sl
}

// handleSlotNew shows the form of a new slot, starting when the running
// order ends.
func (s *Server) handleSlotNew(c echo.Context) error {
	p, base, nav, err := s.sessionPageBase(c, "New slot")
	if err != nil {
		return err
	}
	ss, err := storedSession(c, p)
	if err != nil {
		return err
	}
	start := ss.StartsAt
	for _, sl := range ss.Slots {
		if sl.Status != programme.StatusCancelled && sl.EndsAt.After(start) {
			start = sl.EndsAt
		}
	}
	loc := p.Loc(ss.TimeZone)
	f := &form{Values: url.Values{"starts_at": {programme.FormatLocal(start, loc)},
		"ends_at": {programme.FormatLocal(start.Add(15*time.Minute), loc)}}, Errors: map[string]string{}}
	return c.Render(http.StatusOK, "staff/slot_form", s.slotForm(p, base, nav, f, ss, true))
}

// handleSlotCreate adds a slot at the end of the running order.
func (s *Server) handleSlotCreate(c echo.Context) error {
	p, base, nav, err := s.sessionPageBase(c, "New slot")
	if err != nil {
		return err
	}
	ss, err := storedSession(c, p)
	if err != nil {
		return err
	}
	f, err := newForm(c)
	if err != nil {
		return err
	}
	key := f.Get("key")
	switch {
	case key == "":
		key = keyFrom(f.Get("title"), func(k string) bool { return ss.Slot(k) != nil })
		f.Values.Set("key", key)
	case !programme.ValidKey(key):
		f.Fail("key", "Use lower-case letters, digits and hyphens only, starting with a letter or digit.")
	case ss.Slot(key) != nil:
		f.Fail("key", "This session already has a slot with this short name.")
	}
	sl := slotOfForm(p, ss, f, key)
	if f.Valid() {
		err := s.saveSlot(c, p, ss, sl, base.User, "")
		switch {
		case err == nil:
			return c.Redirect(http.StatusSeeOther, s.sessionPath(p, ss.Key)+"?done=slot#slots")
		case programme.ErrorCode(err) == programme.ECONFLICT:
			f.Fail("key", "This session already has a slot with this short name.")
		case !f.failWith(err, slotFieldOf):
			return err
		}
	}
	return c.Render(http.StatusUnprocessableEntity, "staff/slot_form", s.slotForm(p, base, nav, f, ss, true))
}

// saveSlot stores one slot of ss as one change, expecting the slot's
// revision and the session as the page loaded it (the batch carries it).
func (s *Server) saveSlot(c echo.Context, p *programme.Programme, ss *programme.Session, sl programme.Slot, u *programme.User, revision string) error {
	batch := p.Header()
	c2 := *ss
	c2.Slots = []programme.Slot{sl}
	batch.Sessions = []programme.Session{c2}
	_, err := s.changes.Change(c.Request().Context(), p.Slug, programme.ChangeRequest{
		Batch: batch, Author: authorOf(u), Source: programme.SourceWeb,
		Expect: map[programme.ItemRef]string{
			slotRef(ss.Key, sl.Key): revision,
			sessionRef(ss.Key):      exchange.Revision(p, sessionRef(ss.Key)),
		},
	})
	return err
}

// storedSlot loads the route's slot.
func storedSlot(c echo.Context, ss *programme.Session) (*programme.Slot, error) {
	sl := ss.Slot(c.Param("slot"))
	if sl == nil {
		return nil, programme.Errorf(programme.ENOTFOUND, "The session has no such slot.")
	}
	return sl, nil
}

// handleSlotEdit shows one slot's form.
func (s *Server) handleSlotEdit(c echo.Context) error {
	p, base, nav, err := s.sessionReadBase(c, "Slot")
	if err != nil {
		return err
	}
	ss, err := storedSession(c, p)
	if err != nil {
		return err
	}
	sl, err := storedSlot(c, ss)
	if err != nil {
		return err
	}
	base.Title = sl.Title
	f := &form{Values: slotValues(p, ss, sl), Errors: map[string]string{}}
	return c.Render(http.StatusOK, "staff/slot_form", s.slotForm(p, base, nav, f, ss, false))
}

// handleSlotUpdate saves one slot. When its end moved and slots follow
// it, it offers to move them by as much (handleShiftShow).
func (s *Server) handleSlotUpdate(c echo.Context) error {
	p, base, nav, err := s.sessionPageBase(c, "Slot")
	if err != nil {
		return err
	}
	ss, err := storedSession(c, p)
	if err != nil {
		return err
	}
	old, err := storedSlot(c, ss)
	if err != nil {
		return err
	}
	base.Title = old.Title
	f, err := newForm(c)
	if err != nil {
		return err
	}
	f.Values.Set("key", old.Key)
	sl := slotOfForm(p, ss, f, old.Key)
	if f.Valid() {
		err := s.saveSlot(c, p, ss, sl, base.User, f.Values.Get("revision"))
		if err == nil {
			delta := sl.EndsAt.Sub(old.EndsAt)
			if delta != 0 && sl.Status != programme.StatusCancelled && len(programme.FollowingSlots(ss, old.Key)) > 0 {
				return c.Redirect(http.StatusSeeOther, s.sessionPath(p, ss.Key)+"/slots/"+url.PathEscape(old.Key)+"/shift?by="+url.QueryEscape(delta.String()))
			}
			return c.Redirect(http.StatusSeeOther, s.sessionPath(p, ss.Key)+"?done=slot#slots")
		}
		var stale *programme.Stale
		if errors.As(err, &stale) {
			current, err2 := s.storedProgramme(c)
			if err2 != nil {
				return err2
			}
			data := s.slotForm(current, base, nav, f, ss, false)
			data.Stale = &staleView{Message: programme.ErrorMessage(err)}
			if nss := current.Session(ss.Key); nss != nil && nss.Slot(old.Key) != nil {
				theirs := slotValues(current, nss, nss.Slot(old.Key))
				data.Revision = theirs.Get("revision")
				for _, r := range []struct{ name, label string }{{"title", "Title"}, {"starts_at", "Starts"}, {"ends_at", "Ends"},
					{"available_from", "Available from"}, {"available_until", "Available until"}, {"status", "Status"}, {"note", "Note"}} {
					t, y := theirs.Get(r.name), f.Get(r.name)
					data.Stale.Rows = append(data.Stale.Rows, staleRow{Label: r.label, Theirs: t, Yours: y, Differ: t != y})
				}
				t, y := peopleNames(current, theirs["speaker"]), peopleNames(current, nonEmpty(f.Values["speaker"]))
				data.Stale.Rows = append(data.Stale.Rows, staleRow{Label: "Speakers", Theirs: t, Yours: y, Differ: t != y})
			}
			return c.Render(http.StatusConflict, "staff/slot_form", data)
		}
		if !f.failWith(err, slotFieldOf) {
			return err
		}
	}
	return c.Render(http.StatusUnprocessableEntity, "staff/slot_form", s.slotForm(p, base, nav, f, ss, false))
}

// handleSlotRemove cancels a slot: its speakers' calendars show it as
// cancelled.
func (s *Server) handleSlotRemove(c echo.Context) error {
	p, base, nav, err := s.sessionPageBase(c, "Slot")
	if err != nil {
		return err
	}
	ss, err := storedSession(c, p)
	if err != nil {
		return err
	}
	base.Title = ss.Title
	sl, err := storedSlot(c, ss)
	if err != nil {
		return err
	}
	f, err := newForm(c)
	if err != nil {
		return err
	}
	_, err = s.changes.Change(c.Request().Context(), p.Slug, programme.ChangeRequest{
		Remove: []programme.ItemRef{slotRef(ss.Key, sl.Key)}, Author: authorOf(base.User), Source: programme.SourceWeb,
		Expect: map[programme.ItemRef]string{slotRef(ss.Key, sl.Key): f.Values.Get("revision")},
	})
	var stale *programme.Stale
	if errors.As(err, &stale) {
		// The slot as saved now beside the user's wish to remove it; the
		// page's Remove button now carries the stored revision.
		data := s.sessionForm(p, base, nav, &form{Values: sessionValues(p, ss), Errors: map[string]string{}}, ss)
		loc := p.Loc(ss.TimeZone)
		data.OrderStale = &staleView{Message: programme.ErrorMessage(err), Rows: []staleRow{{
			Label: sl.Title, Theirs: clockSpan(sl.StartsAt, sl.EndsAt, loc) + " " + sl.Title + " (" + peopleNames(p, sl.Speakers) + ")",
			Yours: "Removed", Differ: true,
		}}}
		return c.Render(http.StatusConflict, "staff/session_form", data)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, s.sessionPath(p, ss.Key)+"?done=removed#slots")
}

// shiftPage is the page data of staff/slot_shift.html: the new times of
// the slots that follow one, to confirm.
type shiftPage struct {
	staffPage
	Nav           staffNav
	SessionTitle  string
	SessionURL    string
	SlotTitle     string
	By            string // as the form sends it, "10m0s"
	Words         string // "10 minutes later"
	Zone          string
	Rows          []shiftRow
	NewEnd        string
	Action        string
	SlotsRevision string
	Revision      string
}

type shiftRow struct{ Title, From, To string }

// shiftOf reads the route's slot and the form's delta, and computes the
// new times of the following slots.
func shiftOf(c echo.Context, p *programme.Programme, by string) (*programme.Session, *programme.Slot, time.Duration, []programme.Slot, time.Time, error) {
	ss, err := storedSession(c, p)
	if err != nil {
		return nil, nil, 0, nil, time.Time{}, err
	}
	sl, err := storedSlot(c, ss)
	if err != nil {
		return nil, nil, 0, nil, time.Time{}, err
	}
	delta, err := time.ParseDuration(by)
	if err != nil || delta == 0 || delta%time.Minute != 0 || delta > 24*time.Hour || delta < -24*time.Hour {
		return nil, nil, 0, nil, time.Time{}, programme.Errorf(programme.EINVALID, "The shift %q is not a whole number of minutes within a day, such as 10m.", by)
	}
	moved, end, err := programme.ShiftFollowing(ss, sl.Key, delta)
	return ss, sl, delta, moved, end, err
}

// minutesWords writes a shift as "10 minutes later" or "1 hour 5 minutes
// earlier".
func minutesWords(d time.Duration) string {
	dir := "later"
	if d < 0 {
		d, dir = -d, "earlier"
	}
	h, m := int(d.Hours()), int(d.Minutes())%60
	var parts []string
	if h == 1 {
		parts = append(parts, "1 hour")
	} else if h > 1 {
		parts = append(parts, fmt.Sprintf("%d hours", h))
	}
	if m == 1 {
		parts = append(parts, "1 minute")
	} else if m > 1 {
		parts = append(parts, fmt.Sprintf("%d minutes", m))
	}
	return strings.Join(parts, " ") + " " + dir
}

// handleShiftShow offers to move the slots after one by the time its end
// moved, listing their new times.
func (s *Server) handleShiftShow(c echo.Context) error {
	p, base, nav, err := s.sessionPageBase(c, "Move the following slots")
	if err != nil {
		return err
	}
	ss, sl, delta, moved, end, err := shiftOf(c, p, c.QueryParam("by"))
	if err != nil {
		return err
	}
	loc := p.Loc(ss.TimeZone)
	out := shiftPage{staffPage: base, Nav: nav, SessionTitle: ss.Title, SessionURL: s.sessionPath(p, ss.Key),
		SlotTitle: sl.Title, By: delta.String(), Words: minutesWords(delta), Zone: zoneName(loc, ss.StartsAt),
		SlotsRevision: slotsRevision(p, ss), Revision: exchange.Revision(p, sessionRef(ss.Key))}
	out.Action = out.SessionURL + "/slots/" + url.PathEscape(sl.Key) + "/shift"
	for _, m := range moved {
		old := ss.Slot(m.Key)
		out.Rows = append(out.Rows, shiftRow{Title: m.Title, From: clockSpan(old.StartsAt, old.EndsAt, loc), To: clockSpan(m.StartsAt, m.EndsAt, loc)})
	}
	if !end.IsZero() {
		out.NewEnd = clockSpan(ss.StartsAt, end, loc)
	}
	return c.Render(http.StatusOK, "staff/slot_shift", out)
}

// handleShiftCreate moves the following slots, and the session's end
// when they would pass it, as one change.
func (s *Server) handleShiftCreate(c echo.Context) error {
	p, base, nav, err := s.sessionPageBase(c, "Move the following slots")
	if err != nil {
		return err
	}
	f, err := newForm(c)
	if err != nil {
		return err
	}
	ss, _, _, moved, end, err := shiftOf(c, p, f.Get("by"))
	if err != nil {
		return err
	}
	expect, same := expectSlots(f.Values.Get("slots_revision"), ss)
	if !same {
		return programme.Errorf(programme.ECONFLICT, "Someone else added or removed a slot of this session after you opened this page. Nothing was moved: go back to the session and look again.")
	}
	batch := p.Header()
	c2 := *ss
	c2.Slots = moved
	if !end.IsZero() {
		c2.EndsAt = end
	}
	batch.Sessions = []programme.Session{c2}
	expect[sessionRef(ss.Key)] = f.Values.Get("revision")
	_, err = s.changes.Change(c.Request().Context(), p.Slug, programme.ChangeRequest{
		Batch: batch, Author: authorOf(base.User), Source: programme.SourceWeb, Expect: expect,
		Summary: "Moved the slots after " + ss.Slot(c.Param("slot")).Title + " of " + ss.Title,
	})
	var stale *programme.Stale
	if errors.As(err, &stale) {
		now, err2 := s.storedProgramme(c)
		if err2 != nil {
			return err2
		}
		nss, err2 := storedSession(c, now)
		if err2 != nil {
			return err2
		}
		data := s.sessionForm(now, base, nav, &form{Values: sessionValues(now, nss), Errors: map[string]string{}}, nss)
		data.OrderStale = &staleView{Message: programme.ErrorMessage(err) + " The running order as saved now is below."}
		return c.Render(http.StatusConflict, "staff/session_form", data)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, s.sessionPath(p, ss.Key)+"?done=shifted#slots")
}
