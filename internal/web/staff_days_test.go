package web

import (
	"bytes"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
)

const dayZero = "/staff/p/igf2016-cldp/day/2016-12-05"

// laneOf returns the lane of the day view called name.
func laneOf(t *testing.T, d dayViewPage, name string) dayLane {
	t.Helper()
	for _, l := range d.Lanes {
		if l.Name == name {
			return l
		}
	}
	t.Fatalf("no lane %q among %+v", name, d.Lanes)
	return dayLane{}
}

func blockTitles(l dayLane) []string {
	var out []string
	for _, b := range l.blocks {
		out = append(out, b.Title)
	}
	return out
}

var tableRow = regexp.MustCompile(`(?s)<tr>(.*?)</tr>`)

func TestDayViewShowsDayZeroByRoom(t *testing.T) {
	env := newViewsEnv(t)
	res, body := env.as(programme.RoleViewer).get(dayZero)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", dayZero, res.StatusCode, body)
	}
	for _, want := range []string{
		"<h1>Monday 5 December 2016</h1>",
		"Times in America/Mexico_City (CST)",
		// The room's reservation, its released part, and its note (staff see it).
		"Workshop Room 10: confirmed 08:30–18:00, released from 13:00.",
		"secretariat told late",
		`href="/staff/p/igf2016-cldp/day/2016-12-04" rel="prev"`,
		`href="/staff/p/igf2016-cldp/day/2016-12-06" rel="next"`,
		"Nothing booked or reserved: Main Session Hall.",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the day view lacks %q", want)
		}
	}
	// The lanes, in order: the room, the sessions held elsewhere, transport.
	inOrder(t, body, `class="lane">Workshop Room 10`, `class="lane">No room`, `class="lane">Transport`)

	// The seminar is the first block of its row, under the first lane
	// (Workshop Room 10), and links to its editor.
	var seminarRow string
	for _, m := range tableRow.FindAllStringSubmatch(body, -1) {
		if strings.Contains(m[1], "sessions/day0-seminar") {
			seminarRow = m[1]
		}
	}
	if seminarRow == "" {
		t.Fatal("no row holds the seminar's block")
	}
	if !strings.Contains(seminarRow, ">09:00</th>") {
		t.Errorf("the seminar does not start on the 09:00 row:\n%s", seminarRow)
	}
	first := strings.Index(seminarRow, "<td")
	if first < 0 || !strings.HasPrefix(seminarRow[first:], `<td rowspan="48" class="block block-session`) {
		t.Errorf("the seminar is not the first cell of its row, four hours long:\n%s", seminarRow)
	}
	if !strings.Contains(seminarRow, `<a href="/staff/p/igf2016-cldp/sessions/day0-seminar">`) {
		t.Errorf("the seminar does not link to its editor:\n%s", seminarRow)
	}

	// Free cells of the room: reserved, then released from 13:00.
	p, err := env.st.Programme(t.Context(), "igf2016-cldp")
	if err != nil {
		t.Fatal(err)
	}
	d, err := env.srv.dayViewOf(p, "2016-12-05")
	if err != nil {
		t.Fatal(err)
	}
	if got := blockTitles(laneOf(t, d, "Workshop Room 10")); len(got) != 1 || !strings.HasPrefix(got[0], "Pre-Conference Seminar") {
		t.Errorf("Workshop Room 10 holds %q, want the seminar", got)
	}
	if got := strings.Join(blockTitles(laneOf(t, d, "No room")), "|"); got != "Lunch (buy meal tickets at the gift shop)|IGF Day 0 events (your choice)|U.S. reception" {
		t.Errorf("No room holds %q", got)
	}
	if got := blockTitles(laneOf(t, d, "Transport")); len(got) != 1 || got[0] != "Bus back to the hotel" {
		t.Errorf("Transport holds %q", got)
	}
	// The clock starts at 08:00 (the reservation at 08:30) and ends at
	// 21:00 (the reception).
	if got, want := d.Rows[0].Hour, "08:00"; got != want {
		t.Errorf("first row %q, want %q", got, want)
	}
	if got, want := len(d.Rows), 13*12; got != want {
		t.Errorf("%d rows, want %d (08:00 to 21:00)", got, want)
	}
	// 08:40 is reserved and free, 13:30 released.
	if got := d.Rows[8].Cells[0].Class; got != "res" {
		t.Errorf("08:40 in room 10: class %q, want res", got)
	}
	if got := d.Rows[66].Cells[0].Class; got != "m rel" {
		t.Errorf("13:30 in room 10: class %q, want m rel", got)
	}
}

// checkGrid fails unless every row of the timetable has exactly one cell
// per track, counting the blocks that span into it from above.
func checkGrid(t *testing.T, d dayViewPage) {
	t.Helper()
	tracks := 0
	for _, l := range d.Lanes {
		tracks += l.Tracks
	}
	covered := make([]int, len(d.Rows)+1)
	for r, row := range d.Rows {
		n := covered[r]
		for _, c := range row.Cells {
			n++
			if c.Block != nil {
				if c.Span < 1 || r+c.Span > len(d.Rows) {
					t.Fatalf("row %d: block %q spans %d rows of %d", r, c.Block.Title, c.Span, len(d.Rows))
				}
				for k := r + 1; k < r+c.Span; k++ {
					covered[k]++
				}
			}
		}
		if n != tracks {
			t.Fatalf("row %d (%s) has %d cells, want %d", r, row.Hour, n, tracks)
		}
	}
}

func TestDayViewOverlappingSessionsGoSideBySide(t *testing.T) {
	p := sample.Demo(t)
	seminar := sessionOf(t, p, "day0-seminar")
	clash := *seminar
	clash.Key, clash.Title, clash.Slots = "clash", "Double-booked briefing", nil
	clash.StartsAt, clash.EndsAt = seminar.StartsAt.Add(time.Hour), seminar.StartsAt.Add(2*time.Hour)
	p.Sessions = append(p.Sessions, clash)
	s, _ := newTestServer(t, storeWith(p))
	d, err := s.dayViewOf(p, "2016-12-05")
	if err != nil {
		t.Fatal(err)
	}
	room := laneOf(t, d, "Workshop Room 10")
	if room.Tracks != 2 {
		t.Fatalf("Workshop Room 10 has %d tracks, want 2", room.Tracks)
	}
	for _, b := range room.blocks {
		if want := map[string]int{"clash": 1}[strings.TrimPrefix(b.key, "session/")]; b.track != want {
			t.Errorf("%s on track %d, want %d", b.key, b.track, want)
		}
	}
	checkGrid(t, d)
}

func TestDayViewWashingtonDayRunsOnWashingtonTime(t *testing.T) {
	p := sample.Demo(t)
	s, _ := newTestServer(t, storeWith(p))
	d, err := s.dayViewOf(p, "2016-11-28")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := d.Zone, "America/New_York (EST)"; got != want {
		t.Errorf("zone %q, want %q", got, want)
	}
	if d.Prev != nil || d.Next == nil || d.Next.Date != "2016-11-29" {
		t.Errorf("first day: prev %+v, next %+v; want none and 2016-11-29", d.Prev, d.Next)
	}
	b := laneOf(t, d, "No room").blocks
	if len(b) != 1 || b[0].When != "09:00–17:00" {
		t.Errorf("No room blocks %+v, want the 09:00–17:00 meetings", b)
	}
	if d.Rows[0].Hour != "09:00" {
		t.Errorf("first row %q, want 09:00", d.Rows[0].Hour)
	}
	checkGrid(t, d)

	// A free day of the programme is an empty timetable, not an error.
	d, err = s.dayViewOf(p, "2016-12-03")
	if err != nil || !d.Empty {
		t.Errorf("free day: %+v, %v", d.Empty, err)
	}
}

func TestDayViewRefusals(t *testing.T) {
	env := newViewsEnv(t)
	visitor := env.as("")
	res, _ := visitor.get(dayZero)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/staff/login?next=%2Fstaff%2Fp%2Figf2016-cldp%2Fday%2F2016-12-05" {
		t.Errorf("visitor: %d to %q, want 303 to the login page", res.StatusCode, res.Header.Get("Location"))
	}
	viewer := env.as(programme.RoleViewer)
	for _, tt := range []struct{ path, want string }{
		{"/staff/p/igf2016-cldp/day/2016-13-01", `&#34;2016-13-01&#34; is not a date such as 2016-11-28.`},
		{"/staff/p/igf2016-cldp/day/5-12-2016", "is not a date"},
		{"/staff/p/igf2016-cldp/day/2017-01-01", "The programme runs from 2016-11-28 to 2016-12-09 and has nothing on 2017-01-01."},
		{"/staff/p/no-such/day/2016-12-05", "no-such"},
	} {
		res, body := viewer.get(tt.path)
		if res.StatusCode != http.StatusNotFound || !strings.Contains(body, tt.want) {
			t.Errorf("GET %s: %d, want 404 saying %q\n%s", tt.path, res.StatusCode, tt.want, body)
		}
	}
}

// busyDay is the demo with seventy more sessions on Day 0, ten in each of
// seven rooms, some overlapping.
func busyDay(tb testing.TB) *programme.Programme {
	p := sample.Demo(tb)
	seminar := *p.Session("day0-seminar")
	for r := range 7 {
		key := fmt.Sprintf("busy-room-%d", r)
		p.Rooms = append(p.Rooms, programme.Room{Key: key, Name: fmt.Sprintf("Room %d", r+1), Venue: "expo", Capacity: 30})
		for i := range 10 {
			ses := seminar
			ses.Key, ses.Title, ses.Room = fmt.Sprintf("busy-%d-%d", r, i), fmt.Sprintf("Workshop %d.%d", r+1, i+1), key
			ses.StartsAt = seminar.StartsAt.Add(time.Duration(i*65+r*5) * time.Minute)
			ses.EndsAt = ses.StartsAt.Add(time.Duration(40+15*(i%4)) * time.Minute)
			p.Sessions = append(p.Sessions, ses)
		}
	}
	return p
}

func TestDayViewBusyDayIsAWholeGrid(t *testing.T) {
	p := busyDay(t)
	s, _ := newTestServer(t, storeWith(p))
	d, err := s.dayViewOf(p, "2016-12-05")
	if err != nil {
		t.Fatal(err)
	}
	if got := len(laneOf(t, d, "Room 7").blocks); got != 10 {
		t.Errorf("Room 7 has %d blocks, want 10", got)
	}
	checkGrid(t, d)
}

// BenchmarkDayView lays out and renders a day of 77 sessions, what the
// day view does once per programme version and day: it must stay well
// under 50 ms.
func BenchmarkDayView(b *testing.B) {
	p := busyDay(b)
	s := New(Config{BaseURL: "https://planner.example.org"}, storeWith(p))
	tmpl := s.render.pages["staff/day"]
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		d, err := s.dayViewOf(p, "2016-12-05")
		if err != nil {
			b.Fatal(err)
		}
		buf.Reset()
		if err := tmpl.ExecuteTemplate(&buf, "timetable", d); err != nil {
			b.Fatal(err)
		}
	}
}

func TestDayViewLinksFollowTheBasePath(t *testing.T) {
	p := sample.Demo(t)
	s := New(Config{BaseURL: "https://example.org/planner/"}, storeWith(p))
	d, err := s.dayViewOf(p, "2016-12-05")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := d.Prev.Href, "/planner/staff/p/igf2016-cldp/day/2016-12-04"; got != want {
		t.Errorf("previous day %q, want %q", got, want)
	}
	if got, want := laneOf(t, d, "Workshop Room 10").blocks[0].Href, "/planner/staff/p/igf2016-cldp/sessions/day0-seminar"; got != want {
		t.Errorf("seminar links to %q, want %q", got, want)
	}
	if got, want := laneOf(t, d, "Transport").blocks[0].Href, "/planner/staff/p/igf2016-cldp/runs/day0-bus"; got != want {
		t.Errorf("bus links to %q, want %q", got, want)
	}
}
