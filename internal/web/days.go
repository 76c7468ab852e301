package web

import (
	"cmp"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/planner-dev/planner/internal/programme"
)

// The programme page and the personal agenda page show the same days and
// the same items, through one set of view types and one item template
// (templates/_item.html). The view types copy just the fields that may be
// shown, so a template cannot reach a staff note, an e-mail address or a
// phone number even by mistake: slot and delegation notes, people's contact
// details, reservations, who stays behind, poll votes and a run's contact
// are never copied.

// dayView is one local calendar day of a programme, or of one feed on a
// personal agenda page.
type dayView struct {
	ID      string // HTML id, such as d2016-12-05
	Heading string // Monday 5 December 2016
	Short   string // Mon 5 Dec
	Zones   string // the day's zones, such as America/Mexico_City (CST)
	Today   bool
	Items   []itemView
	// ItemsHTML is the HTML of Items, when it was kept
	// (programmeViews.fillItemsHTML): the day template writes it as it is
	// rather than each item. Empty on the pages that render their items.
	ItemsHTML template.HTML

	date  time.Time // midnight of the local date, in the day's first zone
	key   string    // YYYY-MM-DD
	zones []string
}

// itemView is a session, a speaker slot or a transport run on a day.
type itemView struct {
	ID        string // HTML id, such as session-day0-seminar
	Kind      string // "session", "slot" or "run", for CSS
	KindLabel string // Seminar, Reception, Bus
	Title     string
	When      string // 09:00–13:00 CST
	Datetime  string // the start, RFC 3339 with the local offset
	Place     string
	// MapURL links the item's venue to OpenStreetMap when the venue has
	// coordinates, and MapOf names it for the link's accessible name.
	MapURL      string
	MapOf       string
	Description string
	Note        string // a run's practical note, which is public
	Cancelled   bool
	Tentative   bool
	Required    bool
	// Removed says how the subject of a feed lost the item ("No longer
	// on your agenda", "You are not on this bus"); empty when they did not.
	// It is not the same as Cancelled: the item still happens, for others.
	Removed string
	// Notice is what the subject's calendar says happened to the item,
	// from programme.Entry.Notice: the badge's words ("Cancelled", "No
	// longer on your agenda") and NoticeDetail the sentence under it. Empty
	// on the programme page, whose items are nobody's in particular.
	Notice, NoticeDetail string
	// Changed is "Changed 2 h ago" for an item that changed recently, and
	// Ago is "2 h ago" for an item recently cancelled or lost: the page
	// says what happened once, beside the status it gave the item.
	Changed string
	Ago     string
	// Now and Next mark the item in progress and the one after it on a
	// personal agenda page.
	Now, Next bool
	Slots     []slotView

	start, end time.Time
	order      int // 0 for sessions and slots, 1 for runs
	key        string
	// hidden names the slots whose ID is left out (hideSlotIDs), for the
	// item's key (itemKey).
	hidden string
}

// Struck reports whether the item is shown struck through: cancelled, or
// no longer the subject's.
func (it itemView) Struck() bool { return it.Cancelled || it.Removed != "" }

// slotView is one speaker slot, in running order.
type slotView struct {
	// ID is the slot's HTML id, the anchor that calendar events of speaker
	// slots link to on the programme page; empty on an agenda page that has
	// the slot as an item of its own, with that id.
	ID        string
	When      string // 09:00–09:10
	Title     string
	Speakers  string // names, comma-separated
	Cancelled bool
	Tentative bool
}

// sessionView is the public view of a session: its running order, place and
// status, in the session's own zone.
func sessionView(p *programme.Programme, dir directory, ses *programme.Session) itemView {
	loc := p.Loc(ses.TimeZone)
	item := itemView{
		ID:          programme.Entry{Kind: programme.EntrySession, SessionKey: ses.Key}.Anchor(),
		Kind:        programme.EntrySession,
		KindLabel:   label(ses.Kind),
		Title:       ses.Title,
		When:        span(ses.StartsAt, ses.EndsAt, loc, true),
		Datetime:    ses.StartsAt.In(loc).Format(time.RFC3339),
		Place:       dir.place(ses.Room, ses.Venue, ses.Location),
		MapURL:      mapURL(p, ses.Room, ses.Venue),
		MapOf:       mapOf(p, ses.Room, ses.Venue),
		Description: ses.Description,
		Cancelled:   ses.Status == programme.StatusCancelled,
		Tentative:   ses.Status == programme.StatusTentative,
		Required:    ses.Required,
		start:       ses.StartsAt,
		end:         ses.EndsAt,
		key:         ses.Key,
	}
	for _, sl := range ses.Slots {
		status := cmp.Or(sl.Status, ses.Status)
		if ses.Status == programme.StatusCancelled {
			status = programme.StatusCancelled
		}
		item.Slots = append(item.Slots, slotView{
			ID:        programme.Entry{Kind: programme.EntrySlot, SessionKey: ses.Key, SlotKey: sl.Key}.Anchor(),
			When:      span(sl.StartsAt, sl.EndsAt, loc, false),
			Title:     sl.Title,
			Speakers:  dir.names(sl.Speakers),
			Cancelled: status == programme.StatusCancelled,
			Tentative: status == programme.StatusTentative,
		})
	}
	return item
}

// runView is the public view of a transport run: its way, vehicle and
// practical note, and the times still in the poll while it is open. A
// decided poll says nothing more: its answer is the departure time.
func runView(p *programme.Programme, run *programme.Run) itemView {
	loc := p.Loc(run.TimeZone)
	item := itemView{
		ID:        programme.Entry{Kind: programme.EntryRun, RunKey: run.Key}.Anchor(),
		Kind:      programme.EntryRun,
		KindLabel: label(run.Kind),
		Title:     run.Title,
		When:      run.DepartsAt.In(loc).Format("15:04 MST"),
		Datetime:  run.DepartsAt.In(loc).Format(time.RFC3339),
		Place:     p.Route(run.From, run.To),
		MapURL:    mapURL(p, "", run.From),
		MapOf:     mapOf(p, "", run.From),
		Note:      run.Note,
		Cancelled: run.Status == programme.StatusCancelled,
		Tentative: run.Status == programme.StatusTentative,
		start:     run.DepartsAt,
		end:       run.DepartsAt,
		order:     1,
		key:       run.Key,
	}
	if item.Title == "" {
		item.Title = cmp.Or(label(run.Kind), "Transport")
	}
	var extra []string
	if run.Vehicle != "" {
		extra = append(extra, "Vehicle: "+run.Vehicle+".")
	}
	if run.Poll != nil && run.Poll.Decided == "" && len(run.Poll.Options) > 0 {
		extra = append(extra, "Departure time not decided yet: "+strings.Join(run.Poll.Options, " or ")+".")
	}
	item.Description = strings.Join(extra, " ")
	return item
}

// dayBook collects items into local days: each item on the local date of
// its start in its own zone.
type dayBook struct {
	days map[string]*dayView
	now  time.Time
	// last is the day of the last item added, and lastDate its local
	// date, which alone makes its key: items come mostly day by day, and
	// their day is found without formatting its key again.
	last     *dayView
	lastDate [3]int
}

func newDayBook(now time.Time) *dayBook { return &dayBook{days: map[string]*dayView{}, now: now} }

// add puts item on its day in zone, which loc is the location of.
func (b *dayBook) add(item itemView, zone string, loc *time.Location) {
	local := item.start.In(loc)
	y, m, dd := local.Date()
	d := b.last
	if d == nil || b.lastDate != [3]int{y, int(m), dd} {
		key := local.Format(programme.DateLayout)
		d = b.days[key]
		if d == nil {
			d = &dayView{
				ID:      "d" + key,
				key:     key,
				date:    time.Date(y, m, dd, 0, 0, 0, 0, loc),
				Heading: local.Format("Monday 2 January 2006"),
				Short:   local.Format("Mon 2 Jan"),
				Today:   b.now.In(loc).Format(programme.DateLayout) == key,
			}
			b.days[key] = d
		}
		b.last, b.lastDate = d, [3]int{y, int(m), dd}
	}
	// A day may hold items in two zones (a flight day, a video call):
	// name each zone once, with its abbreviation on that day.
	abbr, _ := local.Zone()
	if abbr == "" {
		abbr = local.Format("MST")
	}
	if !slices.ContainsFunc(d.zones, func(z string) bool { return isZoneLabel(z, zone, abbr) }) {
		d.zones = append(d.zones, zone+" ("+abbr+")")
	}
	d.Items = append(d.Items, item)
}

// isZoneLabel reports whether z is zone + " (" + abbr + ")".
func isZoneLabel(z, zone, abbr string) bool {
	return len(z) == len(zone)+len(abbr)+3 && strings.HasPrefix(z, zone) &&
		z[len(zone):len(zone)+2] == " (" && z[len(zone)+2:len(z)-1] == abbr && z[len(z)-1] == ')'
}

// sorted returns the days in date order, items in time order.
func (b *dayBook) sorted() []dayView {
	out := make([]dayView, 0, len(b.days))
	for _, d := range b.days {
		slices.SortStableFunc(d.Items, func(a, b itemView) int {
			// At the same start a session comes before a run, as the
			// session is what people look for; keys break any tie so the
			// order never depends on the order of the input.
			return cmp.Or(a.start.Compare(b.start), cmp.Compare(a.order, b.order),
				a.end.Compare(b.end), cmp.Compare(a.key, b.key))
		})
		d.Zones = strings.Join(d.zones, ", ")
		out = append(out, *d)
	}
	slices.SortFunc(out, func(a, b dayView) int { return cmp.Compare(a.key, b.key) })
	return out
}

// programmeDays lays out a whole programme for the programme page, day by
// day: days in date order, items in time order.
func programmeDays(p *programme.Programme, now time.Time) []dayView {
	dir := publicNames(p)
	book := newDayBook(now)
	for i := range p.Sessions {
		ses := &p.Sessions[i]
		book.add(sessionView(p, dir, ses), p.ZoneOf(ses.TimeZone), p.Loc(ses.TimeZone))
	}
	for i := range p.Transport {
		run := &p.Transport[i]
		book.add(runView(p, run), p.ZoneOf(run.TimeZone), p.Loc(run.TimeZone))
	}
	return book.sorted()
}

// span formats a time range in loc: "09:00–17:00 EST". The zone abbreviation
// is Go's for that date, so it reads EDT or EST as the season requires; when
// it changes inside the range (a DST night) both ends carry their own. An end
// on a later day says so.
func span(start, end time.Time, loc *time.Location, withZone bool) string {
	s, e := start.In(loc), end.In(loc)
	var out string
	switch {
	case withZone && s.Format("MST") != e.Format("MST"):
		out = s.Format("15:04 MST") + "–" + e.Format("15:04 MST")
	case withZone:
		out = s.Format("15:04") + "–" + e.Format("15:04 MST")
	default:
		out = s.Format("15:04") + "–" + e.Format("15:04")
	}
	if sy, sm, sd := s.Date(); !(e.Year() == sy && e.Month() == sm && e.Day() == sd) {
		out += " (ends " + e.Format("Mon 2 Jan") + ")"
	}
	return out
}

// label turns a kind such as main_session into "Main session".
func label(kind string) string {
	if kind == "" {
		return ""
	}
	s := strings.ReplaceAll(kind, "_", " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

// directory resolves keys to the public names of people, rooms and venues.
type directory struct {
	people map[string]string
	rooms  map[string]programme.Room
	venues map[string]string
}

func publicNames(p *programme.Programme) directory {
	d := directory{people: map[string]string{}, rooms: map[string]programme.Room{}, venues: map[string]string{}}
	for _, x := range p.People {
		d.people[x.Key] = x.Name
	}
	for _, x := range p.Rooms {
		d.rooms[x.Key] = x
	}
	for _, x := range p.Venues {
		d.venues[x.Key] = x.Name
	}
	return d
}

func (d directory) names(keys []string) string {
	names := make([]string, 0, len(keys))
	for _, k := range keys {
		names = append(names, cmp.Or(d.people[k], k))
	}
	return strings.Join(names, ", ")
}

// place names where a session happens: the room and its venue, else the
// venue, else the free-text location.
func (d directory) place(room, venue, location string) string {
	if r, ok := d.rooms[room]; ok {
		if v := d.venues[cmp.Or(r.Venue, venue)]; v != "" {
			return r.Name + ", " + v
		}
		return r.Name
	}
	if v, ok := d.venues[venue]; ok {
		return v
	}
	return location
}

// mapVenue is the venue of a room, or else the venue itself, when it has
// coordinates; nil otherwise. The room's venue wins, as in the feeds.
func mapVenue(p *programme.Programme, room, venue string) *programme.Venue {
	if r := p.Room(room); r != nil && r.Venue != "" {
		venue = r.Venue
	}
	if v := p.Venue(venue); v != nil && v.Geo != nil {
		return v
	}
	return nil
}

// mapURL links a venue with coordinates to OpenStreetMap, with a marker
// on it: an https link opens on every phone and computer (a geo: URI does
// nothing in a browser without a maps app registered for it, as on most
// desktops and in Safari), needs no account or key, and tells no
// advertiser who looked. Empty when there is nothing to show.
func mapURL(p *programme.Programme, room, venue string) string {
	v := mapVenue(p, room, venue)
	if v == nil {
		return ""
	}
	lat := strconv.FormatFloat(v.Geo.Lat, 'f', -1, 64)
	lon := strconv.FormatFloat(v.Geo.Lon, 'f', -1, 64)
	return "https://www.openstreetmap.org/?mlat=" + lat + "&mlon=" + lon + "#map=17/" + lat + "/" + lon
}

// mapOf names the venue mapURL shows, for the link's accessible name.
func mapOf(p *programme.Programme, room, venue string) string {
	if v := mapVenue(p, room, venue); v != nil {
		return v.Name
	}
	return ""
}
