package web

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/planner-dev/planner/internal/programme"
)

// The programme page shows public information only. The view types below
// copy just the fields that may be shown, so a template cannot reach a staff
// note, an e-mail address or a phone number even by mistake: slot and
// delegation notes, people's contact details, reservations, who stays
// behind and a run's contact are never copied.

// agendaDay is one local calendar day of a programme.
type agendaDay struct {
	ID      string // HTML id, such as d2016-12-05
	Heading string // Monday 5 December 2016
	Short   string // Mon 5 Dec
	Zones   string // the IANA names of the day's items, such as America/Mexico_City
	Today   bool
	Items   []agendaItem
}

// agendaItem is a session or a transport run on a day.
type agendaItem struct {
	Kind        string // "session" or "transport", for CSS
	KindLabel   string // Seminar, Reception, Bus
	Title       string
	When        string // 09:00–13:00 CST
	Datetime    string // the start, RFC 3339 with the local offset
	Place       string
	Description string
	Note        string // a run's practical note, which is public
	Cancelled   bool
	Tentative   bool
	Required    bool
	Slots       []agendaSlot

	start, end time.Time
	order      int // 0 for sessions, 1 for runs
	key        string
}

// agendaSlot is one speaker slot, in running order.
type agendaSlot struct {
	When      string // 09:00–09:10
	Title     string
	Speakers  string // names, comma-separated
	Cancelled bool
	Tentative bool
}

// agenda lays out a programme day by day: each item on the local date of its
// start in its own zone, days in date order, items in time order.
func agenda(p *programme.Programme, now time.Time) []agendaDay {
	dir := publicNames(p)
	type dayAcc struct {
		date  time.Time // midnight of the local date, in the day's first zone
		zones []string
		items []agendaItem
	}
	days := map[string]*dayAcc{}
	add := func(item agendaItem, zone string, loc *time.Location) {
		local := item.start.In(loc)
		key := local.Format(programme.DateLayout)
		d := days[key]
		if d == nil {
			d = &dayAcc{date: time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)}
			days[key] = d
		}
		if !slices.Contains(d.zones, zone) {
			d.zones = append(d.zones, zone)
		}
		d.items = append(d.items, item)
	}

	for _, ses := range p.Sessions {
		zone, loc := p.ZoneOf(ses.TimeZone), p.Loc(ses.TimeZone)
		item := agendaItem{
			Kind:        "session",
			KindLabel:   label(ses.Kind),
			Title:       ses.Title,
			When:        span(ses.StartsAt, ses.EndsAt, loc, true),
			Datetime:    ses.StartsAt.In(loc).Format(time.RFC3339),
			Place:       dir.place(ses.Room, ses.Venue, ses.Location),
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
			item.Slots = append(item.Slots, agendaSlot{
				When:      span(sl.StartsAt, sl.EndsAt, loc, false),
				Title:     sl.Title,
				Speakers:  dir.names(sl.Speakers),
				Cancelled: status == programme.StatusCancelled,
				Tentative: status == programme.StatusTentative,
			})
		}
		add(item, zone, loc)
	}

	for _, run := range p.Transport {
		zone, loc := p.ZoneOf(run.TimeZone), p.Loc(run.TimeZone)
		item := agendaItem{
			Kind:      "transport",
			KindLabel: label(run.Kind),
			Title:     run.Title,
			When:      run.DepartsAt.In(loc).Format("15:04 MST"),
			Datetime:  run.DepartsAt.In(loc).Format(time.RFC3339),
			Place:     p.Route(run.From, run.To),
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
		add(item, zone, loc)
	}

	out := make([]agendaDay, 0, len(days))
	for key, d := range days {
		slices.SortStableFunc(d.items, func(a, b agendaItem) int {
			// At the same start a session comes before a run, as the
			// session is what people look for; keys break any tie so the
			// order never depends on the order of the input.
			return cmp.Or(a.start.Compare(b.start), cmp.Compare(a.order, b.order),
				a.end.Compare(b.end), cmp.Compare(a.key, b.key))
		})
		today := now.In(d.date.Location()).Format(programme.DateLayout) == key
		out = append(out, agendaDay{
			ID:      "d" + key,
			Heading: d.date.Format("Monday 2 January 2006"),
			Short:   d.date.Format("Mon 2 Jan"),
			Zones:   strings.Join(d.zones, ", "),
			Today:   today,
			Items:   d.items,
		})
	}
	slices.SortFunc(out, func(a, b agendaDay) int { return cmp.Compare(a.ID, b.ID) })
	return out
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
			return fmt.Sprintf("%s, %s", r.Name, v)
		}
		return r.Name
	}
	if v, ok := d.venues[venue]; ok {
		return v
	}
	return location
}
