package web

import (
	"cmp"
	"html/template"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/planner-dev/planner/internal/programme"
)

// The staff day view is a timetable: one column per room, one for the
// sessions held elsewhere and one for transport, one row per five minutes.
// It is an HTML table whose blocks span rows (rowspan), because the
// Content-Security-Policy forbids inline styles, so blocks cannot be placed
// by computed CSS; a table also keeps every column aligned on the clock
// however much text a block holds, and prints without help.

const (
	// dayStep is the height of one row of the timetable.
	dayStep = 5 * time.Minute
	// runBlock is how much of the timetable a transport run takes: a run
	// has a departure and no end, and a block needs room for its label.
	runBlock = 15 * time.Minute
)

// dayViewPage is the data of the timetable of staff/day.html.
type dayViewPage struct {
	page
	Heading string // Monday 5 December 2016
	// Zone names the zone of the timetable's clock, such as
	// "America/Mexico_City (CST)".
	Zone       string
	Prev, Next *dayLink
	Days       []dayLink
	Lanes      []dayLane
	Rows       []dayRow
	// Reservations explain the shading of the room columns, with the
	// reservations' notes (this page is for staff).
	Reservations []string
	// Idle names the rooms with nothing on this day.
	Idle  string
	Empty bool
}

// dayLink leads to one day of the programme.
type dayLink struct {
	Href, Label, Date string
	Current           bool
}

// dayLane is one column group of the timetable: a room, "No room" or
// "Transport". Tracks is how many blocks overlap at most, each in its own
// column.
type dayLane struct {
	Name   string
	Detail string
	Tracks int
	kind   string // "room", "none" or "transport"
	room   *programme.Room
	blocks []dayBlock
}

// dayRow is one five-minute row: the clock, when an hour starts in it, and
// the cells that start in it (cells covered by a block above are left out).
type dayRow struct {
	Hour     string // 09:00 on the row that starts an hour
	HourSpan int
	Cells    []dayCell
}

// dayCell is a free cell, shaded by the room's reservation, or a block.
type dayCell struct {
	Class string
	Span  int
	Block *dayBlock
}

// dayBlock is a session or a transport run on the timetable.
type dayBlock struct {
	Href      string
	Kind      string // "session" or "run", for CSS
	KindLabel string
	Title     string
	When      string
	Place     string
	Audience  string
	Slots     string // "7 speaker slots"
	Cancelled bool
	Tentative bool
	// Short marks a block of less than half an hour, drawn on one line.
	Short bool

	start, end time.Time
	key        string
	track      int
}

// dayPage is the page data of staff/day.html: the navigation, rendered on
// every request, around the timetable, rendered once per programme version
// and day (see dayTimetable).
type dayPage struct {
	page
	Nav staffNav
	// Timetable is keptSlot, where renderKept writes the kept timetable.
	Timetable template.HTML
}

// handleDayShow shows one day of a programme as a timetable by room.
func (s *Server) handleDayShow(c echo.Context) error {
	p, shared, err := s.readProgramme(c)
	if err != nil {
		return err
	}
	part, err := s.dayTimetable(p, shared, c.Param("date"))
	if err != nil {
		return err
	}
	nav, err := s.staffNavOf(c, p, "day")
	if err != nil {
		return err
	}
	data := dayPage{page: page{Title: part.Title}, Nav: nav, Timetable: keptSlot}
	return s.render.renderKept(c, http.StatusOK, "staff/day", data, frameKeyOf(dayFrameOf(data)), part.HTML)
}

// dayFrame is everything a day page is written from around its timetable
// (renderKept): its data, with the user it names by value.
type dayFrame struct {
	data dayPage // Nav.User nil
	user frameUser
}

func dayFrameOf(data dayPage) dayFrame {
	f := dayFrame{data: data, user: frameUserOf(data.Nav.User)}
	f.data.Nav.User = nil
	return f
}

// frameUser is a page's user by value, for a frameKey: every field, the
// time as an instant (its zone pointer may differ from one load to the
// next).
type frameUser struct {
	set         bool
	id, created int64
	email, name string
	role        programme.StaffRole
}

func frameUserOf(u *programme.User) frameUser {
	if u == nil {
		return frameUser{}
	}
	return frameUser{set: true, id: u.ID, created: u.CreatedAt.UnixNano(), email: u.Email, name: u.Name, role: u.Role}
}

// dayTimetable is the day view's timetable of date, with the page's title.
// It depends on the programme's version, the date and the base path
// alone, not on who asks or when: from the copy the feeds share (shared),
// it is rendered once per copy and date and kept (part_cache.go); a
// change makes a new copy, so it shows at once.
func (s *Server) dayTimetable(p *programme.Programme, shared bool, date string) (renderedPart, error) {
	dir := publicNames
	if shared {
		dir = func(p *programme.Programme) directory { return s.views.of(p).dir }
	}
	render := func() (renderedPart, error) {
		data, err := s.dayView(p, date, dir(p))
		if err != nil {
			return renderedPart{}, err
		}
		html, err := s.render.part("staff/day", "timetable", data)
		return renderedPart{Title: data.Title, HTML: html}, err
	}
	if !shared {
		// A copy of its own is never asked for again.
		return render()
	}
	return s.render.parts.get(partKey{p: p, name: "day/" + date}, render)
}

// staffProgramme loads the programme a staff route names by its slug.
func (s *Server) staffProgramme(c echo.Context) (*programme.Programme, error) {
	p, err := s.store.Programme(c.Request().Context(), c.Param("slug"))
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, programme.Errorf(programme.ENOTFOUND, "There is no such programme.")
	}
	return p, nil
}

// readProgramme is staffProgramme for a page that only reads the
// programme: with a feeds service, it is the copy the feeds share (shared
// is true), current by the version memory knows while Watch keeps it
// current, else by one small query (feeds.Service.Current): a change by
// this process shows at once, one by another within Watch's notification
// or poll. It is loaded again only after a change. It must not be
// modified.
func (s *Server) readProgramme(c echo.Context) (p *programme.Programme, shared bool, err error) {
	if s.feeds == nil {
		p, err = s.staffProgramme(c)
		return p, false, err
	}
	p, err = s.feeds.Current(c.Request().Context(), c.Param("slug"))
	return p, err == nil, err
}

// sharedProgramme is readProgramme without saying whether the copy is
// shared: for the staff pages that only read the programme (the list
// pages, the run and hand-out checklists, print, feeds, mail, history, the
// export). None of them may modify what it returns; TestStaffPagesLeave
// TheSharedProgrammeAlone renders each of them and compares the copy with
// a fresh load.
func (s *Server) sharedProgramme(c echo.Context) (*programme.Programme, error) {
	if !programme.ValidKey(c.Param("slug")) {
		return nil, programme.Errorf(programme.ENOTFOUND, "There is no such programme.")
	}
	p, _, err := s.readProgramme(c)
	if err == nil && p == nil {
		err = programme.Errorf(programme.ENOTFOUND, "There is no such programme.")
	}
	return p, err
}

// programmeDates lists every date from the programme's first day to its
// last, as YYYY-MM-DD.
func programmeDates(p *programme.Programme) []string {
	first, err1 := programme.ParseDate(p.StartsOn)
	last, err2 := programme.ParseDate(p.EndsOn)
	if err1 != nil || err2 != nil || last.Before(first) {
		return nil
	}
	var out []string
	// A programme of more than a year is a mistake; the bound keeps a typo
	// from making a page of thousands of links.
	for d := first; !d.After(last) && len(out) < 400; d = d.AddDate(0, 0, 1) {
		out = append(out, d.Format(programme.DateLayout))
	}
	return out
}

// dayViewOf lays out the date (YYYY-MM-DD) of p. A day holds the items that
// start on that date where they take place, as on the programme page; for
// items in the programme's zone that is the date in the programme's zone.
// The clock of the timetable is the zone most of the day's items are in
// (the programme's when none or as many are elsewhere), and an item in
// another zone shows its own local time beside its block.
func (s *Server) dayViewOf(p *programme.Programme, date string) (dayViewPage, error) {
	return s.dayView(p, date, publicNames(p))
}

// dayView is dayViewOf with the directory of p's names.
func (s *Server) dayView(p *programme.Programme, date string, dir directory) (dayViewPage, error) {
	day, err := programme.ParseDate(date)
	if err != nil || day.Format(programme.DateLayout) != date {
		return dayViewPage{}, programme.Errorf(programme.ENOTFOUND,
			"%q is not a date such as %s.", date, cmp.Or(p.StartsOn, "2016-12-05"))
	}
	dates := programmeDates(p)

	type placed struct {
		ses  *programme.Session
		run  *programme.Run
		zone string
	}
	var items []placed
	zoneCount := map[string]int{}
	for i := range p.Sessions {
		ses := &p.Sessions[i]
		if ses.StartsAt.In(p.Loc(ses.TimeZone)).Format(programme.DateLayout) == date {
			z := p.ZoneOf(ses.TimeZone)
			items = append(items, placed{ses: ses, zone: z})
			zoneCount[z]++
		}
	}
	for i := range p.Transport {
		run := &p.Transport[i]
		if run.DepartsAt.In(p.Loc(run.TimeZone)).Format(programme.DateLayout) == date {
			z := p.ZoneOf(run.TimeZone)
			items = append(items, placed{run: run, zone: z})
			zoneCount[z]++
		}
	}
	if len(items) == 0 && !slices.Contains(dates, date) {
		return dayViewPage{}, programme.Errorf(programme.ENOTFOUND,
			"The programme runs from %s to %s and has nothing on %s.", p.StartsOn, p.EndsOn, date)
	}

	zone := p.ZoneOf("")
	for _, z := range slices.Sorted(maps.Keys(zoneCount)) {
		if zoneCount[z] > zoneCount[zone] {
			zone = z
		}
	}
	loc := p.Loc(zone)
	dayStart := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc)
	dayEnd := dayStart.AddDate(0, 0, 1)

	data := dayViewPage{
		page:    page{Title: dayStart.Format("Mon 2 Jan 2006") + " · " + p.Title},
		Heading: dayStart.Format("Monday 2 January 2006"),
		Zone:    zone + " (" + dayStart.Add(12*time.Hour).Format("MST") + ")",
	}
	base := "/staff/p/" + url.PathEscape(p.Slug)
	link := func(d string) dayLink {
		t, _ := programme.ParseDate(d)
		return dayLink{Href: s.path(base + "/day/" + d), Label: t.Format("Mon 2 Jan"), Date: d, Current: d == date}
	}
	for _, d := range dates {
		data.Days = append(data.Days, link(d))
	}
	if prev := day.AddDate(0, 0, -1).Format(programme.DateLayout); slices.Contains(dates, prev) {
		l := link(prev)
		data.Prev = &l
	}
	if next := day.AddDate(0, 0, 1).Format(programme.DateLayout); slices.Contains(dates, next) {
		l := link(next)
		data.Next = &l
	}

	// Lanes: each room with anything on the day, then the sessions held
	// elsewhere, then transport.
	rooms := map[string]*dayLane{}
	var roomLanes []*dayLane
	none := &dayLane{Name: "No room", Detail: "Held at a venue or elsewhere", kind: "none"}
	transport := &dayLane{Name: "Transport", Detail: "Departures", kind: "transport"}
	laneOfRoom := func(key string) *dayLane {
		if l, ok := rooms[key]; ok {
			return l
		}
		r := p.Room(key)
		if r == nil {
			return nil
		}
		l := &dayLane{Name: r.Name, kind: "room", room: r}
		var detail []string
		if v := p.Venue(r.Venue); v != nil {
			detail = append(detail, v.Name)
		}
		if r.Capacity > 0 {
			detail = append(detail, strconv.Itoa(r.Capacity)+" seats")
		}
		l.Detail = strings.Join(detail, " · ")
		rooms[key] = l
		return l
	}

	lo, hi := dayEnd, dayStart
	widen := func(a, b time.Time) {
		a, b = later(a, dayStart), earlier(b, dayEnd)
		if a.Before(lo) {
			lo = a
		}
		if b.After(hi) {
			hi = b
		}
	}
	for _, it := range items {
		var b dayBlock
		var lane *dayLane
		if it.ses != nil {
			b = s.sessionBlock(p, dir, it.ses, zone)
			lane = laneOfRoom(it.ses.Room)
			if lane == nil {
				lane = none
				b.Place = dir.place("", it.ses.Venue, it.ses.Location)
			}
		} else {
			b = s.runBlock(p, it.run, zone)
			lane = transport
		}
		widen(b.start, b.end)
		lane.blocks = append(lane.blocks, b)
	}
	// Rooms reserved on the day are shown too, with nothing booked.
	for i := range p.Rooms {
		r := &p.Rooms[i]
		for _, res := range r.Reservations {
			if res.StartsAt.Before(dayEnd) && res.EndsAt.After(dayStart) {
				laneOfRoom(r.Key)
				widen(res.StartsAt, res.EndsAt)
				data.Reservations = append(data.Reservations, reservationText(r, res, loc))
			}
		}
	}
	var idle []string
	for i := range p.Rooms {
		if l, ok := rooms[p.Rooms[i].Key]; ok {
			roomLanes = append(roomLanes, l)
		} else {
			idle = append(idle, p.Rooms[i].Name)
		}
	}
	data.Idle = strings.Join(idle, ", ")
	lanes := roomLanes
	if len(none.blocks) > 0 {
		lanes = append(lanes, none)
	}
	if len(transport.blocks) > 0 {
		lanes = append(lanes, transport)
	}
	data.Empty = len(items) == 0

	// The clock runs in whole hours around everything on the day, or
	// through office hours on an empty day.
	if !lo.Before(hi) {
		lo, hi = dayStart.Add(8*time.Hour), dayStart.Add(18*time.Hour)
	}
	lo = floorHour(lo, loc)
	hi = ceilHour(hi, loc, dayEnd)
	data.Lanes, data.Rows = layOut(lanes, lo, hi, loc)
	return data, nil
}

// sessionBlock is the block of a session, with its time in the clock's
// zone, or in its own when that differs.
func (s *Server) sessionBlock(p *programme.Programme, dir directory, ses *programme.Session, clockZone string) dayBlock {
	zone := p.ZoneOf(ses.TimeZone)
	b := dayBlock{
		Href:      s.path("/staff/p/" + url.PathEscape(p.Slug) + "/sessions/" + url.PathEscape(ses.Key)),
		Kind:      programme.EntrySession,
		KindLabel: label(ses.Kind),
		Title:     ses.Title,
		When:      span(ses.StartsAt, ses.EndsAt, p.Loc(zone), zone != clockZone),
		Audience:  audienceText(p, ses.Audience),
		Cancelled: ses.Status == programme.StatusCancelled,
		Tentative: ses.Status == programme.StatusTentative,
		Short:     ses.EndsAt.Sub(ses.StartsAt) < 30*time.Minute,
		start:     ses.StartsAt,
		end:       ses.EndsAt,
		key:       "session/" + ses.Key,
	}
	if n := len(ses.Slots); n > 0 {
		b.Slots = plural(n, "speaker slot")
	}
	return b
}

// runBlock is the block of a transport run: its departure and route.
func (s *Server) runBlock(p *programme.Programme, run *programme.Run, clockZone string) dayBlock {
	zone := p.ZoneOf(run.TimeZone)
	layout := "15:04"
	if zone != clockZone {
		layout = "15:04 MST"
	}
	return dayBlock{
		Href:      s.path("/staff/p/" + url.PathEscape(p.Slug) + "/runs/" + url.PathEscape(run.Key)),
		Kind:      programme.EntryRun,
		KindLabel: cmp.Or(label(run.Kind), "Transport"),
		Title:     cmp.Or(run.Title, label(run.Kind), "Transport"),
		When:      "Departs " + run.DepartsAt.In(p.Loc(zone)).Format(layout),
		Place:     p.Route(run.From, run.To),
		Audience:  audienceText(p, run.Riders),
		Cancelled: run.Status == programme.StatusCancelled,
		Tentative: run.Status == programme.StatusTentative,
		Short:     true,
		start:     run.DepartsAt,
		end:       run.DepartsAt.Add(runBlock),
		key:       "run/" + run.Key,
	}
}

// audienceText names who an item is for: "Afghanistan, Pakistan + 3 people".
func audienceText(p *programme.Programme, a programme.Audience) string {
	var parts []string
	for _, k := range a.Delegations {
		if d := p.Delegation(k); d != nil {
			parts = append(parts, d.Name)
		} else {
			parts = append(parts, k)
		}
	}
	out := strings.Join(parts, ", ")
	if n := len(a.People); n > 0 {
		if out == "" {
			return plural(n, "person")
		}
		if n == 1 {
			return out + " + 1 person"
		}
		return out + " + " + strconv.Itoa(n) + " people"
	}
	return out
}

// reservationText says what a room's reservation holds, in the clock's
// zone: "Workshop Room 10: confirmed 08:30–18:00, released from 13:00. Note".
func reservationText(r *programme.Room, res programme.Reservation, loc *time.Location) string {
	out := r.Name + ": " + cmp.Or(res.Status, "held") + " " + span(res.StartsAt, res.EndsAt, loc, false)
	if res.ReleasedFrom != nil {
		out += ", released from " + res.ReleasedFrom.In(loc).Format("15:04")
	}
	out += "."
	if res.Note != "" {
		out += " " + res.Note
	}
	return out
}

// layOut places the lanes' blocks on rows of dayStep from lo to hi. Blocks
// of a lane that overlap go side by side, each on the first track free at
// its start.
func layOut(lanes []*dayLane, lo, hi time.Time, loc *time.Location) ([]dayLane, []dayRow) {
	n := int(hi.Sub(lo) / dayStep)
	rowOf := func(t time.Time) int {
		i := int((t.Sub(lo) + dayStep/2) / dayStep)
		return min(max(i, 0), n)
	}
	// A track is one column of a lane: the blocks by their first row,
	// with the number of rows each spans, and which rows they cover.
	type track struct {
		starts map[int]*dayBlock
		spans  map[int]int
		cover  []bool
	}
	newTrack := func() track {
		return track{starts: map[int]*dayBlock{}, spans: map[int]int{}, cover: make([]bool, n)}
	}
	out := make([]dayLane, len(lanes))
	grid := make([][]track, len(lanes))
	for li, l := range lanes {
		slices.SortFunc(l.blocks, func(a, b dayBlock) int {
			return cmp.Or(a.start.Compare(b.start), b.end.Compare(a.end), cmp.Compare(a.key, b.key))
		})
		var tracks []track
		for bi := range l.blocks {
			b := &l.blocks[bi]
			first, last := rowOf(b.start), rowOf(b.end)
			if first >= n {
				first = n - 1
			}
			last = max(last, first+1)
			t := 0
			for ; t < len(tracks); t++ {
				if !slices.Contains(tracks[t].cover[first:last], true) {
					break
				}
			}
			if t == len(tracks) {
				tracks = append(tracks, newTrack())
			}
			b.track = t
			tracks[t].starts[first] = b
			tracks[t].spans[first] = last - first
			for r := first; r < last; r++ {
				tracks[t].cover[r] = true
			}
		}
		if len(tracks) == 0 {
			tracks = []track{newTrack()}
		}
		grid[li] = tracks
		out[li] = *l
		out[li].Tracks = len(tracks)
	}

	rows := make([]dayRow, n)
	for r := range rows {
		at := lo.Add(time.Duration(r) * dayStep)
		local := at.In(loc)
		row := &rows[r]
		if r == 0 || local.Minute() == 0 {
			// The hour label spans the rows up to the next hour (or
			// the end), so that a DST change cannot misalign it.
			span := 1
			for r+span < n && at.Add(time.Duration(span)*dayStep).In(loc).Minute() != 0 {
				span++
			}
			row.Hour, row.HourSpan = local.Format("15:04"), span
		}
		edge := ""
		switch local.Minute() {
		case 0:
			edge = "h"
		case 30:
			edge = "m"
		}
		for li, l := range lanes {
			for _, t := range grid[li] {
				if b, ok := t.starts[r]; ok {
					row.Cells = append(row.Cells, dayCell{Class: "block", Span: t.spans[r], Block: b})
					continue
				}
				if t.cover[r] {
					continue
				}
				row.Cells = append(row.Cells, dayCell{Class: strings.TrimSpace(edge + " " + reservedAt(l.room, at))})
			}
		}
	}
	return out, rows
}

// reservedAt is the shading of a room's free cell at t: "res" inside a
// reservation, "rel" in its released part, "" outside any.
func reservedAt(r *programme.Room, t time.Time) string {
	if r == nil {
		return ""
	}
	for _, res := range r.Reservations {
		if t.Before(res.StartsAt) || !t.Before(res.EndsAt) {
			continue
		}
		if res.Status == "released" || (res.ReleasedFrom != nil && !t.Before(*res.ReleasedFrom)) {
			return "rel"
		}
		return "res"
	}
	return ""
}

// floorHour is the start of the local hour of t.
func floorHour(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return l.Add(-time.Duration(l.Minute())*time.Minute - time.Duration(l.Second())*time.Second - time.Duration(l.Nanosecond()))
}

// ceilHour is the end of the local hour of t, at most end.
func ceilHour(t time.Time, loc *time.Location, end time.Time) time.Time {
	f := floorHour(t, loc)
	if f.Equal(t) {
		return t
	}
	return earlier(f.Add(time.Hour), end)
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// staffNav is the navigation of the staff pages of one programme.
type staffNav struct {
	Slug, Title string
	// Current names the page shown: "overview", "day", "sessions",
	// "people", "venues", "runs", "feeds", "print", "history" or "edit".
	Current  string
	Overview string
	Day      string
	Sessions string
	People   string
	Venues   string
	Runs     string
	Feeds    string
	Print    string
	History  string
	Edit     string
	User     *programme.User
	// CSRF is the token of the logout form.
	CSRF string
}

// staffNavOf builds the navigation of a programme's staff pages. The day
// link leads to today while the programme runs, else to its first day.
func (s *Server) staffNavOf(c echo.Context, p *programme.Programme, current string) (staffNav, error) {
	u, err := s.currentUser(c)
	if err != nil {
		return staffNav{}, err
	}
	base := "/staff/p/" + url.PathEscape(p.Slug)
	day := p.StartsOn
	if today := s.now().In(p.Loc("")).Format(programme.DateLayout); p.StartsOn <= today && today <= p.EndsOn {
		day = today
	}
	return staffNav{
		Slug: p.Slug, Title: p.Title, Current: current, User: u, CSRF: csrfOf(c),
		Overview: s.path(base),
		Day:      s.path(base + "/day/" + day),
		Sessions: s.path(base + "/sessions"),
		People:   s.path(base + "/people"),
		Venues:   s.path(base + "/venues"),
		Runs:     s.path(base + "/runs"),
		Feeds:    s.path(base + "/feeds"),
		Print:    s.path(base + "/print"),
		History:  s.path(base + "/history"),
		Edit:     s.path(base + "/edit"),
	}, nil
}

// csrfOf is the request's CSRF token, for the forms of the navigation.
func csrfOf(c echo.Context) string {
	token, _ := c.Get(csrfContextKey).(string)
	return token
}
