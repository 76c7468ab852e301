package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/programme"
)

const venuesBase = "/staff/p/" + demoSlug + "/venues"

func conflictsOf(t *testing.T, f *staffFixture, kind programme.ConflictKind) []programme.Conflict {
	t.Helper()
	p, err := f.st.Programme(t.Context(), demoSlug)
	if err != nil {
		t.Fatal(err)
	}
	var out []programme.Conflict
	for _, c := range p.Conflicts() {
		if c.Kind == kind {
			out = append(out, c)
		}
	}
	return out
}

func TestReleaseTheRestOfTheDay(t *testing.T) {
	f := newProgrammeFixture(t)
	b := f.loggedIn(t, "emily@example.org")
	room := venuesBase + "/rooms/room-10/edit"
	if got := conflictsOf(t, f, programme.ConflictReleasedRoom); len(got) != 0 {
		t.Fatalf("the demo starts with %v", got)
	}
	// At 10:02 in Guadalajara, the release form suggests 10:00.
	f.clock.Set(time.Date(2016, 12, 5, 16, 2, 0, 0, time.UTC))
	_, body := b.get(room)
	if !strings.Contains(body, `name="from" type="time" step="300" value="10:00"`) {
		t.Fatalf("the release form does not suggest now:\n%s", body)
	}
	v := formValuesOf(body, "revision")
	v.Set("from", "")
	res, body := b.post(room, venuesBase+"/rooms/room-10/reservations/0/release", v)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("release now: %d\n%s", res.StatusCode, body)
	}
	p, _ := f.st.Programme(t.Context(), demoSlug)
	if got := p.Room("room-10").Reservations[0].ReleasedFrom; got == nil || !got.Equal(time.Date(2016, 12, 5, 16, 0, 0, 0, time.UTC)) {
		t.Fatalf("released from %v, want 10:00 local", got)
	}
	// The morning seminar is now held in a released room: a conflict, on
	// the room's page and the overview, and the day view says so.
	if got := conflictsOf(t, f, programme.ConflictReleasedRoom); len(got) != 1 || !got[0].Involves("session/day0-seminar") {
		t.Fatalf("conflicts after the release: %v", got)
	}
	if _, body := b.get(room); !strings.Contains(body, `class="warning"`) {
		t.Error("the room's page does not warn of the conflict")
	}
	_, day := b.get("/staff/p/" + demoSlug + "/day/2016-12-05")
	if !strings.Contains(day, "released from 10:00") {
		t.Errorf("the day view does not show the release:\n%s", day)
	}
	// Releasing from a chosen time after the seminar removes the conflict.
	v = itemFormValues(t, b, room, "revision")
	v.Set("from", "13:30")
	if res, body := b.post(room, venuesBase+"/rooms/room-10/reservations/0/release", v); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("release at 13:30: %d\n%s", res.StatusCode, body)
	}
	if got := conflictsOf(t, f, programme.ConflictReleasedRoom); len(got) != 0 {
		t.Errorf("conflicts after releasing from 13:30: %v", got)
	}
	if _, day := b.get("/staff/p/" + demoSlug + "/day/2016-12-05"); !strings.Contains(day, "released from 13:30") {
		t.Error("the day view does not show the new release")
	}
	// A time outside the reservation is refused and changes nothing.
	v = itemFormValues(t, b, room, "revision")
	v.Set("from", "19:00")
	res, body = b.post(room, venuesBase+"/rooms/room-10/reservations/0/release", v)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "outside the reservation") {
		t.Errorf("release at 19:00: %d\n%s", res.StatusCode, body)
	}
	// A release from a page older than the last change is refused (409).
	stale := url.Values{"revision": {v.Get("revision")}, "from": {"12:00"}}
	other := f.loggedIn(t, "ana@example.org")
	if res, _ := other.post(room, venuesBase+"/rooms/room-10/reservations/0/release", url.Values{"revision": {v.Get("revision")}, "from": {"14:00"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("Ana's release: %d", res.StatusCode)
	}
	res, body = b.post(room, venuesBase+"/rooms/room-10/reservations/0/release", stale)
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "Ana changed this room") {
		t.Errorf("stale release: %d\n%s", res.StatusCode, body)
	}
}

func TestVenuesRoomsAndReservations(t *testing.T) {
	f := newProgrammeFixture(t)
	b := f.loggedIn(t, "emily@example.org")
	if _, body := b.get(venuesBase); !strings.Contains(body, "Workshop Room 10") || !strings.Contains(body, "released from 13:00") {
		t.Fatalf("the venues page lacks the rooms and reservations:\n%s", body)
	}
	vf := url.Values{"key": {"riu"}, "name": {"Hotel Riu"}, "address": {"Av. López Mateos 830, Guadalajara"}}
	if res, body := b.post(venuesBase+"/new", venuesBase+"/new", vf); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("new venue: %d\n%s", res.StatusCode, body)
	}
	rf := url.Values{"key": {"salon-a"}, "name": {"Salón A"}, "venue": {"riu"}, "capacity": {"-4"}}
	res, body := b.post(venuesBase+"/rooms/new", venuesBase+"/rooms/new", rf)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-capacity-error"`) ||
		!strings.Contains(body, `<option value="riu" selected>`) {
		t.Fatalf("negative capacity: %d\n%s", res.StatusCode, body)
	}
	rf.Set("capacity", "60")
	if res, body := b.post(venuesBase+"/rooms/new", venuesBase+"/rooms/new", rf); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("new room: %d\n%s", res.StatusCode, body)
	}
	room := venuesBase + "/rooms/salon-a/edit"
	v := itemFormValues(t, b, room, "revision")
	v.Set("starts_at", "2016-12-06T09:00")
	v.Set("ends_at", "2016-12-06T08:00")
	v.Set("note", "Held by phone")
	res, body = b.post(room, venuesBase+"/rooms/salon-a/reservations", v)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-ends_at-error"`) ||
		!strings.Contains(body, `value="2016-12-06T08:00"`) {
		t.Fatalf("a reservation ending before it starts: %d\n%s", res.StatusCode, body)
	}
	v.Set("ends_at", "2016-12-06T18:00")
	if res, body := b.post(room, venuesBase+"/rooms/salon-a/reservations", v); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add reservation: %d\n%s", res.StatusCode, body)
	}
	p, _ := f.st.Programme(t.Context(), demoSlug)
	r := p.Room("salon-a")
	if r == nil || r.Venue != "riu" || r.Capacity != 60 || len(r.Reservations) != 1 || r.Reservations[0].Status != "held" {
		t.Fatalf("stored room %+v", r)
	}
	// The venue cannot go while its room is there; the room can.
	vv := itemFormValues(t, b, venuesBase+"/riu/edit", "revision")
	res, body = b.post(venuesBase+"/riu/edit", venuesBase+"/riu/remove", vv)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "room &#34;salon-a&#34; is at it") {
		t.Errorf("removing a venue with a room: %d\n%s", res.StatusCode, body)
	}
	// Editing the room keeps its reservations.
	ev := itemFormValues(t, b, room, "name", "venue", "capacity", "revision")
	ev.Set("name", "Salón Jalisco")
	if res, body := b.post(room, room, ev); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit room: %d\n%s", res.StatusCode, body)
	}
	p, _ = f.st.Programme(t.Context(), demoSlug)
	if r := p.Room("salon-a"); r.Name != "Salón Jalisco" || len(r.Reservations) != 1 {
		t.Errorf("edited room %+v", r)
	}
	ev = itemFormValues(t, b, room, "revision")
	if res, body := b.post(room, venuesBase+"/rooms/salon-a/reservations/0/remove", ev); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove reservation: %d\n%s", res.StatusCode, body)
	}
	ev = itemFormValues(t, b, room, "revision")
	if res, body := b.post(room, venuesBase+"/rooms/salon-a/remove", ev); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove room: %d\n%s", res.StatusCode, body)
	}
	vv = itemFormValues(t, b, venuesBase+"/riu/edit", "revision")
	if res, body := b.post(venuesBase+"/riu/edit", venuesBase+"/riu/remove", vv); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove venue: %d\n%s", res.StatusCode, body)
	}
	if res, _ := b.post(venuesBase+"/rooms/room-10/edit", venuesBase+"/rooms/room-10/reservations/7/remove", url.Values{}); res.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown reservation: %d, want 404", res.StatusCode)
	}
}
