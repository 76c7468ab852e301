package exchange

import (
	"encoding/json"
	"io"
	"time"

	"github.com/planner-dev/planner/internal/programme"
)

// The types below are the file format as written. Their fields follow the
// order of the tables in docs/programme-format.md, so that exported files read
// like the documentation; optional fields are left out when empty.

type fileJSON struct {
	Format      string           `json:"format"`
	Programme   headerJSON       `json:"programme"`
	Venues      []venueJSON      `json:"venues,omitempty"`
	Rooms       []roomJSON       `json:"rooms,omitempty"`
	Delegations []delegationJSON `json:"delegations,omitempty"`
	People      []personJSON     `json:"people,omitempty"`
	Sessions    []sessionJSON    `json:"sessions,omitempty"`
	Transport   []runJSON        `json:"transport,omitempty"`
}

type headerJSON struct {
	Slug        string `json:"slug"`
	Title       string `json:"title"`
	Organizer   string `json:"organizer,omitempty"`
	TimeZone    string `json:"time_zone"`
	StartsOn    string `json:"starts_on"`
	EndsOn      string `json:"ends_on"`
	Location    string `json:"location,omitempty"`
	Description string `json:"description,omitempty"`
	// OrganizerEmail is left out when empty, so that a programme without
	// it exports as it did before the field existed.
	OrganizerEmail string `json:"organizer_email,omitempty"`
}

type venueJSON struct {
	Key     string   `json:"key"`
	Name    string   `json:"name"`
	Address string   `json:"address,omitempty"`
	Geo     *geoJSON `json:"geo,omitempty"`
}

type geoJSON struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

type roomJSON struct {
	Key          string            `json:"key"`
	Name         string            `json:"name"`
	Venue        string            `json:"venue,omitempty"`
	Capacity     int               `json:"capacity,omitempty"`
	Reservations []reservationJSON `json:"reservations,omitempty"`
}

type reservationJSON struct {
	StartsAt     string `json:"starts_at"`
	EndsAt       string `json:"ends_at"`
	Status       string `json:"status,omitempty"`
	ReleasedFrom string `json:"released_from,omitempty"`
	Note         string `json:"note,omitempty"`
}

type delegationJSON struct {
	Key     string `json:"key"`
	Name    string `json:"name"`
	Country string `json:"country,omitempty"`
	Lead    string `json:"lead,omitempty"`
	Note    string `json:"note,omitempty"`
}

type personJSON struct {
	Key          string `json:"key"`
	Name         string `json:"name"`
	Title        string `json:"title,omitempty"`
	Organization string `json:"organization,omitempty"`
	Role         string `json:"role,omitempty"`
	Delegation   string `json:"delegation,omitempty"`
	Email        string `json:"email,omitempty"`
	Phone        string `json:"phone,omitempty"`
	Note         string `json:"note,omitempty"`
	// CalendarByEmail is left out when false, the default.
	CalendarByEmail bool `json:"calendar_by_email,omitempty"`
}

type sessionJSON struct {
	Key         string        `json:"key"`
	Title       string        `json:"title"`
	Description string        `json:"description,omitempty"`
	Kind        string        `json:"kind,omitempty"`
	StartsAt    string        `json:"starts_at"`
	EndsAt      string        `json:"ends_at"`
	TimeZone    string        `json:"time_zone,omitempty"`
	Room        string        `json:"room,omitempty"`
	Venue       string        `json:"venue,omitempty"`
	Location    string        `json:"location,omitempty"`
	Audience    *audienceJSON `json:"audience,omitempty"`
	Required    bool          `json:"required,omitempty"`
	Status      string        `json:"status,omitempty"`
	Slots       []slotJSON    `json:"slots,omitempty"`
}

type audienceJSON struct {
	Delegations []string `json:"delegations,omitempty"`
	People      []string `json:"people,omitempty"`
}

type slotJSON struct {
	Key   string `json:"key"`
	Title string `json:"title"`
	// Speakers is always written, even empty, so that a slot with nobody yet
	// says so plainly.
	Speakers       []string `json:"speakers"`
	StartsAt       string   `json:"starts_at"`
	EndsAt         string   `json:"ends_at"`
	AvailableFrom  string   `json:"available_from,omitempty"`
	AvailableUntil string   `json:"available_until,omitempty"`
	Status         string   `json:"status,omitempty"`
	Note           string   `json:"note,omitempty"`
}

type runJSON struct {
	Key           string              `json:"key"`
	Kind          string              `json:"kind,omitempty"`
	Title         string              `json:"title"`
	DepartsAt     string              `json:"departs_at"`
	TimeZone      string              `json:"time_zone,omitempty"`
	From          string              `json:"from,omitempty"`
	To            string              `json:"to,omitempty"`
	Capacity      int                 `json:"capacity,omitempty"`
	Vehicle       string              `json:"vehicle,omitempty"`
	Contact       string              `json:"contact,omitempty"`
	Status        string              `json:"status,omitempty"`
	Riders        *audienceJSON       `json:"riders,omitempty"`
	StayingBehind []stayingBehindJSON `json:"staying_behind,omitempty"`
	Note          string              `json:"note,omitempty"`
	Poll          *pollJSON           `json:"poll,omitempty"`
}

type stayingBehindJSON struct {
	Person string `json:"person"`
	Note   string `json:"note,omitempty"`
}

type pollJSON struct {
	Question string     `json:"question,omitempty"`
	Options  []string   `json:"options"`
	ClosesAt string     `json:"closes_at,omitempty"`
	Votes    []voteJSON `json:"votes,omitempty"`
	Decided  string     `json:"decided,omitempty"`
}

type voteJSON struct {
	Person string `json:"person"`
	Option string `json:"option"`
}

// Encode writes p in the format: 2-space indented JSON, items in the
// programme's order, times as local wall-clock in the zone that applies to
// each item, never converted to another zone. The store's bookkeeping
// (programme.Change, Audience.Former, Slot.FormerSpeakers,
// Person.FormerDelegations, Session.FormerRooms, StayingBehind.Since and
// Changes, inactive StayingBehind entries, Version, UpdatedAt) is not part of
// the file and is left out.
func Encode(w io.Writer, p *programme.Programme) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	// Titles and notes are read by people; "&" should stay "&", not \u0026.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(toFile(p)); err != nil {
		return programme.Errorf(programme.EINTERNAL, "could not write the programme file: %v", err)
	}
	return nil
}

func toFile(p *programme.Programme) fileJSON {
	f := fileJSON{
		Format: Format,
		Programme: headerJSON{
			Slug:        p.Slug,
			Title:       p.Title,
			Organizer:   p.Organizer,
			TimeZone:    p.TimeZone,
			StartsOn:    p.StartsOn,
			EndsOn:      p.EndsOn,
			Location:    p.Location,
			Description: p.Description,

			OrganizerEmail: p.OrganizerEmail,
		},
	}
	for _, v := range p.Venues {
		venue := venueJSON{Key: v.Key, Name: v.Name, Address: v.Address}
		if v.Geo != nil {
			venue.Geo = &geoJSON{Lat: v.Geo.Lat, Lon: v.Geo.Lon}
		}
		f.Venues = append(f.Venues, venue)
	}
	progLoc := p.Loc("")
	for _, r := range p.Rooms {
		room := roomJSON{Key: r.Key, Name: r.Name, Venue: r.Venue, Capacity: r.Capacity}
		for _, res := range r.Reservations {
			room.Reservations = append(room.Reservations, reservationJSON{
				StartsAt:     wallClock(res.StartsAt, progLoc),
				EndsAt:       wallClock(res.EndsAt, progLoc),
				Status:       res.Status,
				ReleasedFrom: optionalWallClock(res.ReleasedFrom, progLoc),
				Note:         res.Note,
			})
		}
		f.Rooms = append(f.Rooms, room)
	}
	for _, d := range p.Delegations {
		f.Delegations = append(f.Delegations, delegationJSON{
			Key: d.Key, Name: d.Name, Country: d.Country, Lead: d.Lead, Note: d.Note,
		})
	}
	for _, x := range p.People {
		f.People = append(f.People, personJSON{
			Key: x.Key, Name: x.Name, Title: x.Title, Organization: x.Organization, Role: x.Role,
			Delegation: x.Delegation, Email: x.Email, Phone: x.Phone, Note: x.Note,
			CalendarByEmail: x.CalendarByEmail,
		})
	}
	for i := range p.Sessions {
		f.Sessions = append(f.Sessions, toSession(&p.Sessions[i], p.Loc(p.Sessions[i].TimeZone)))
	}
	for i := range p.Transport {
		f.Transport = append(f.Transport, toRun(&p.Transport[i], p.Loc(p.Transport[i].TimeZone)))
	}
	return f
}

func toSession(s *programme.Session, loc *time.Location) sessionJSON {
	out := sessionJSON{
		Key:         s.Key,
		Title:       s.Title,
		Description: s.Description,
		Kind:        s.Kind,
		StartsAt:    wallClock(s.StartsAt, loc),
		EndsAt:      wallClock(s.EndsAt, loc),
		TimeZone:    s.TimeZone,
		Room:        s.Room,
		Venue:       s.Venue,
		Location:    s.Location,
		Audience:    toAudience(s.Audience),
		Required:    s.Required,
		Status:      s.Status,
	}
	for _, sl := range s.Slots {
		speakers := sl.Speakers
		if speakers == nil {
			speakers = []string{}
		}
		// Slots have no zone of their own: they are in their session's.
		out.Slots = append(out.Slots, slotJSON{
			Key:            sl.Key,
			Title:          sl.Title,
			Speakers:       speakers,
			StartsAt:       wallClock(sl.StartsAt, loc),
			EndsAt:         wallClock(sl.EndsAt, loc),
			AvailableFrom:  optionalWallClock(sl.AvailableFrom, loc),
			AvailableUntil: optionalWallClock(sl.AvailableUntil, loc),
			Status:         sl.Status,
			Note:           sl.Note,
		})
	}
	return out
}

func toRun(r *programme.Run, loc *time.Location) runJSON {
	out := runJSON{
		Key:       r.Key,
		Kind:      r.Kind,
		Title:     r.Title,
		DepartsAt: wallClock(r.DepartsAt, loc),
		TimeZone:  r.TimeZone,
		From:      r.From,
		To:        r.To,
		Capacity:  r.Capacity,
		Vehicle:   r.Vehicle,
		Contact:   r.Contact,
		Status:    r.Status,
		Riders:    toAudience(r.Riders),
		Note:      r.Note,
	}
	for _, sb := range r.StayingBehind {
		// The store keeps riders taken off the list as inactive entries, for
		// their feeds' sake; the file lists only who stays behind now.
		if !sb.Active {
			continue
		}
		out.StayingBehind = append(out.StayingBehind, stayingBehindJSON{Person: sb.Person, Note: sb.Note})
	}
	if poll := r.Poll; poll != nil {
		options := poll.Options
		if options == nil {
			options = []string{}
		}
		pj := &pollJSON{
			Question: poll.Question,
			Options:  options,
			ClosesAt: optionalWallClock(poll.ClosesAt, loc),
			Decided:  poll.Decided,
		}
		for _, v := range poll.Votes {
			pj.Votes = append(pj.Votes, voteJSON{Person: v.Person, Option: v.Option})
		}
		out.Poll = pj
	}
	return out
}

// toAudience returns nil for an empty audience, so that it is left out.
func toAudience(a programme.Audience) *audienceJSON {
	if len(a.Delegations) == 0 && len(a.People) == 0 {
		return nil
	}
	return &audienceJSON{Delegations: a.Delegations, People: a.People}
}

// wallClock writes t as local wall-clock time in loc. A time in the hour that
// happens twice when daylight saving time ends cannot be read back from its
// wall clock alone, so it keeps its offset (RFC 3339, still in loc).
func wallClock(t time.Time, loc *time.Location) string {
	s := programme.FormatLocal(t, loc)
	if back, err := programme.ParseLocal(s, loc); err == nil && back.Equal(t.Truncate(time.Second)) {
		return s
	}
	return t.In(loc).Format(time.RFC3339)
}

func optionalWallClock(t *time.Time, loc *time.Location) string {
	if t == nil {
		return ""
	}
	return wallClock(*t, loc)
}
