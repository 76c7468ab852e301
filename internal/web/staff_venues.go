package web

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/planner-dev/planner/internal/programme"
)

// venueKind is a venue in the item form. Its position on a map (Geo),
// which the form does not show, is kept.
var venueKind = &itemKind{
	kind: programme.KindVenue, list: "venues", noun: "venue", section: "venues",
	fields: []itemFieldSpec{
		{"name", "Name", "text", "Such as Expo Guadalajara."},
		{"address", "Address", "textarea", "As calendars show it under the events held there."},
	},
	values: func(p *programme.Programme, key string) url.Values {
		v := p.Venue(key)
		return url.Values{"key": {v.Key}, "name": {v.Name}, "address": {v.Address}}
	},
	item: func(f *form, stored, batch *programme.Programme, key string) {
		v := programme.Venue{Key: key, Name: f.Get("name"), Address: textareaValue(f, "address")}
		if old := stored.Venue(key); old != nil {
			v.Geo = old.Geo
		}
		batch.Venues = append(batch.Venues, v)
	},
}

// roomKind is a room in the item form; its reservations have forms of
// their own on its page.
var roomKind = &itemKind{
	kind: programme.KindRoom, list: "rooms", noun: "room", section: "venues", path: "/rooms",
	fields: []itemFieldSpec{
		{"name", "Name", "text", "Such as Workshop Room 10."},
		{"venue", "Venue", "text", ""},
		{"capacity", "Capacity", "number", "How many people it seats; leave empty when unknown."},
	},
	values: func(p *programme.Programme, key string) url.Values {
		r := p.Room(key)
		v := url.Values{"key": {r.Key}, "name": {r.Name}, "venue": {r.Venue}, "capacity": {""}}
		if r.Capacity > 0 {
			v.Set("capacity", strconv.Itoa(r.Capacity))
		}
		return v
	},
	item: func(f *form, stored, batch *programme.Programme, key string) {
		r := programme.Room{Key: key, Name: f.Get("name"), Venue: f.Get("venue"), Capacity: atoiField(f, "capacity")}
		if old := stored.Room(key); old != nil {
			r.Reservations = old.Reservations
		}
		batch.Rooms = append(batch.Rooms, r)
	},
	options: func(p *programme.Programme, key string) map[string][]selectOption {
		venues := []selectOption{{Value: "", Label: "None"}}
		for _, v := range p.Venues {
			venues = append(venues, selectOption{Value: v.Key, Label: v.Name})
		}
		return map[string][]selectOption{"venue": venues}
	},
	warnings: func(p *programme.Programme, key string) []string {
		var out []string
		for _, c := range p.Conflicts() {
			for _, s := range p.Sessions {
				if s.Room == key && c.Involves("session/"+s.Key) &&
					(c.Kind == programme.ConflictReleasedRoom || c.Kind == programme.ConflictOutsideReservation) {
					out = append(out, c.Message)
					break
				}
			}
		}
		return slices.Compact(out)
	},
}

// venuesPage is the page data of staff/venues.html.
type venuesPage struct {
	staffPage
	Nav    staffNav
	Base   string
	Venues []venueRow
}

// venueRow is a venue and its rooms, or the rooms of no venue.
type venueRow struct {
	Venue *programme.Venue
	Rooms []roomRow
}

type roomRow struct {
	Room         *programme.Room
	Reservations []string
}

// handleVenueIndex lists the venues with their rooms and reservations.
func (s *Server) handleVenueIndex(c echo.Context) error {
	p, err := s.sharedProgramme(c)
	if err != nil {
		return err
	}
	base, err := s.staffPageOf(c, "Venues of "+p.Title)
	if err != nil {
		return err
	}
	nav, err := s.staffNavOf(c, p, "venues")
	if err != nil {
		return err
	}
	out := venuesPage{staffPage: base, Nav: nav, Base: s.programmeBase(p.Slug)}
	at := map[string]int{}
	for i := range p.Venues {
		at[p.Venues[i].Key] = len(out.Venues)
		out.Venues = append(out.Venues, venueRow{Venue: &p.Venues[i]})
	}
	out.Venues = append(out.Venues, venueRow{})
	loc := p.Loc("")
	for i := range p.Rooms {
		r := &p.Rooms[i]
		row := roomRow{Room: r}
		for _, res := range r.Reservations {
			row.Reservations = append(row.Reservations, reservationText(r, res, loc))
		}
		j, ok := at[r.Venue]
		if !ok {
			j = len(out.Venues) - 1
		}
		out.Venues[j].Rooms = append(out.Venues[j].Rooms, row)
	}
	if len(out.Venues[len(out.Venues)-1].Rooms) == 0 {
		out.Venues = out.Venues[:len(out.Venues)-1]
	}
	return c.Render(http.StatusOK, "staff/venues", out)
}

// roomReservations are a room's reservations on its page, each with its
// release and remove forms, and the form of a new one.
type roomReservations struct {
	Base   string // the room's address
	Rows   []reservationRow
	Fields []itemField
	Errors map[string]string
	// Message says what was refused, above the reservations.
	Message string
}

// reservationRow is one reservation, with the time its release form
// suggests: now, rounded to five minutes, while the reservation runs.
type reservationRow struct {
	Index    int
	Text     string
	Day      string
	Released bool
	Suggest  string
}

// roomFields are the fields of a new reservation.
var reservationFields = []itemFieldSpec{
	{"starts_at", "Starts", "datetime-local", "Local time of the programme."},
	{"ends_at", "Ends", "datetime-local", ""},
	{"status", "Status", "text", ""},
	{"note", "Note", "text", "Staff only, such as who confirmed it."},
}

// roomReservationsOf fills a room's reservations part from f, the form of
// a new reservation.
func (s *Server) roomReservationsOf(p *programme.Programme, key string, f *form) *roomReservations {
	r := p.Room(key)
	loc := p.Loc("")
	out := &roomReservations{Base: s.itemURL(roomKind, p.Slug, key), Errors: f.Errors}
	now := s.now()
	for i, res := range r.Reservations {
		row := reservationRow{Index: i, Text: reservationText(r, res, loc), Day: res.StartsAt.In(loc).Format(programme.DateLayout),
			Released: res.Status == "released"}
		if t := roundFive(now); !t.Before(res.StartsAt) && t.Before(res.EndsAt) {
			row.Suggest = t.In(loc).Format("15:04")
		}
		out.Rows = append(out.Rows, row)
	}
	for _, fs := range reservationFields {
		v := f.field(fs.name, fs.label, fs.typ)
		v.Hint = fs.hint
		v.Required = fs.name != "note" && fs.name != "status"
		field := itemField{fieldView: v}
		if fs.name == "status" {
			for _, st := range programme.ReservationStatuses {
				field.Options = append(field.Options, selectOption{Value: st, Label: st, Selected: st == cmp.Or(v.Value, "held")})
			}
		}
		out.Fields = append(out.Fields, field)
	}
	return out
}

// roundFive rounds t to the nearest five minutes.
func roundFive(t time.Time) time.Time { return t.Round(5 * time.Minute) }

// handleRoomEdit is the room's form with its reservations.
func (s *Server) handleRoomEdit(c echo.Context) error {
	p, err := s.storedProgramme(c)
	if err != nil {
		return err
	}
	key, err := itemKey(c, roomKind, p)
	if err != nil {
		return err
	}
	return s.renderRoom(c, p, key, &form{Values: url.Values{}, Errors: map[string]string{}}, "", http.StatusOK)
}

// renderRoom shows the room's page: its form as stored, its reservations,
// and res, the form of a new reservation.
func (s *Server) renderRoom(c echo.Context, p *programme.Programme, key string, res *form, message string, status int) error {
	f := &form{Values: s.itemValues(roomKind, p, key), Errors: map[string]string{}}
	data, err := s.itemForm(c, roomKind, p, f, key)
	if err != nil {
		return err
	}
	data.Room = s.roomReservationsOf(p, key, res)
	data.Room.Message = message
	return c.Render(status, "staff/people_form", data)
}

// changeReservations saves the room with its reservations changed by edit,
// as one change expecting the room's revision from the form. It renders the
// room's page again on a problem.
func (s *Server) changeReservations(c echo.Context, edit func(p *programme.Programme, r *programme.Room, f *form)) error {
	p, err := s.storedProgramme(c)
	if err != nil {
		return err
	}
	key, err := itemKey(c, roomKind, p)
	if err != nil {
		return err
	}
	f, err := newForm(c)
	if err != nil {
		return err
	}
	room := *p.Room(key)
	room.Reservations = slices.Clone(room.Reservations)
	edit(p, &room, f)
	if !f.Valid() {
		return s.renderRoom(c, p, key, f, "", http.StatusUnprocessableEntity)
	}
	u, err := s.staffPageOf(c, "")
	if err != nil {
		return err
	}
	batch := p.Header()
	batch.Rooms = []programme.Room{room}
	ref := roomKind.ref(key)
	_, err = s.changes.Change(c.Request().Context(), p.Slug, programme.ChangeRequest{
		Batch: batch, Author: authorOf(u.User), Source: programme.SourceWeb,
		Expect: map[programme.ItemRef]string{ref: f.Values.Get("revision")},
	})
	if err == nil {
		return c.Redirect(http.StatusSeeOther, s.itemURL(roomKind, p.Slug, key)+"/edit")
	}
	var stale *programme.Stale
	if errors.As(err, &stale) {
		current, err2 := s.storedProgramme(c)
		if err2 != nil {
			return err2
		}
		if current.Room(key) == nil {
			return programme.Errorf(programme.ENOTFOUND, "This room was deleted meanwhile.")
		}
		return s.renderRoom(c, current, key, f, programme.ErrorMessage(err), http.StatusConflict)
	}
	if !f.failWith(err, reservationFieldOf) {
		return err
	}
	return s.renderRoom(c, p, key, f, f.Errors[""], http.StatusUnprocessableEntity)
}

// reservationFieldOf maps a problem of a reservation to its form's field.
func reservationFieldOf(path string) string {
	m := reservationPath.FindStringSubmatch(path)
	if m == nil {
		return ""
	}
	for _, fs := range reservationFields {
		if fs.name == m[1] {
			return m[1]
		}
	}
	return ""
}

var reservationPath = regexp.MustCompile(`^rooms\[[0-9]+\]\.reservations\[[0-9]+\]\.([a-z_]+)$`)

// handleReservationCreate adds a reservation to a room.
func (s *Server) handleReservationCreate(c echo.Context) error {
	return s.changeReservations(c, func(p *programme.Programme, r *programme.Room, f *form) {
		loc := p.Loc("")
		res := programme.Reservation{Status: cmp.Or(f.Get("status"), "held"), Note: f.Get("note")}
		for _, t := range []struct {
			name string
			to   *time.Time
		}{{"starts_at", &res.StartsAt}, {"ends_at", &res.EndsAt}} {
			v := f.Get(t.name)
			if v == "" {
				f.Fail(t.name, "Enter a date and time.")
				continue
			}
			at, err := programme.ParseLocal(v, loc)
			if err != nil {
				f.Fail(t.name, upperFirst(err.Error())+".")
				continue
			}
			*t.to = at
		}
		r.Reservations = append(r.Reservations, res)
	})
}

// reservationOf is the reservation of the route's index.
func reservationOf(c echo.Context, r *programme.Room) (*programme.Reservation, error) {
	i, err := strconv.Atoi(c.Param("i"))
	if err != nil || i < 0 || i >= len(r.Reservations) {
		return nil, programme.Errorf(programme.ENOTFOUND, "There is no such reservation of this room.")
	}
	return &r.Reservations[i], nil
}

// handleReservationRelease gives back the rest of a reservation's day,
// from the time given (local, HH:MM on the reservation's day), or from now
// rounded to five minutes. Sessions held there afterwards then show as
// conflicts, and the day view shades the released part.
func (s *Server) handleReservationRelease(c echo.Context) error {
	if err := s.checkReservation(c); err != nil {
		return err
	}
	return s.changeReservations(c, func(p *programme.Programme, r *programme.Room, f *form) {
		res, _ := reservationOf(c, r)
		loc := p.Loc("")
		from := roundFive(s.now()).UTC()
		if v := f.Get("from"); v != "" {
			day := res.StartsAt.In(loc).Format(programme.DateLayout)
			at, err := programme.ParseLocal(day+"T"+v, loc)
			if err != nil {
				f.Fail("", fmt.Sprintf("The release time: %s.", err))
				return
			}
			from = at
		}
		if from.Before(res.StartsAt) || !from.Before(res.EndsAt) {
			f.Fail("", fmt.Sprintf("The release time %s is outside the reservation (%s to %s); nothing was released.",
				from.In(loc).Format("15:04"), res.StartsAt.In(loc).Format("15:04"), res.EndsAt.In(loc).Format("15:04")))
			return
		}
		res.ReleasedFrom = &from
	})
}

// handleReservationRemove deletes one reservation of a room.
func (s *Server) handleReservationRemove(c echo.Context) error {
	if err := s.checkReservation(c); err != nil {
		return err
	}
	return s.changeReservations(c, func(p *programme.Programme, r *programme.Room, f *form) {
		i, _ := strconv.Atoi(c.Param("i"))
		r.Reservations = slices.Delete(r.Reservations, i, i+1)
	})
}

// checkReservation refuses a route naming a reservation the room lacks
// (404). The index is that of the page the user saw; the room's revision
// in the form refuses an index made stale by another change.
func (s *Server) checkReservation(c echo.Context) error {
	p, err := s.storedProgramme(c)
	if err != nil {
		return err
	}
	key, err := itemKey(c, roomKind, p)
	if err != nil {
		return err
	}
	_, err = reservationOf(c, p.Room(key))
	return err
}
