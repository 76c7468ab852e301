// Package large builds a conference-sized programme for benchmarks: by
// default 2,000 people in 60 delegations, 400 sessions over 6 days in 12
// rooms, 2,000 speaker slots and 60 transport runs. Everything is derived
// from the parameters alone, so the same parameters always give the same
// programme, and the result passes programme.Validate.
//
// It is a benchmark tool: the planner never uses it.
package large

import (
	"fmt"
	"time"

	"github.com/planner-dev/planner/internal/programme"
)

// Params sizes a generated programme.
type Params struct {
	Slug        string
	People      int
	Delegations int
	Sessions    int
	Days        int
	Rooms       int
	// SlotsPerSession is how many speaker slots each session has; every
	// slot has one speaker, each person speaking in at most one slot, so
	// Sessions × SlotsPerSession speaker feeds exist up to People.
	SlotsPerSession int
	Runs            int
	// AudiencePerSession is how many delegations each session is for.
	AudiencePerSession int
}

// Conference is the size issue 12 asks to measure at.
var Conference = Params{
	Slug: "bench-conference", People: 2000, Delegations: 60, Sessions: 400, Days: 6, Rooms: 12,
	SlotsPerSession: 5, Runs: 60, AudiencePerSession: 5,
}

// Scaled returns p with every count multiplied by n (days and rooms by n
// too, so that sessions still fit), under a slug naming the factor.
func (p Params) Scaled(n int) Params {
	if n <= 1 {
		return p
	}
	p.Slug = fmt.Sprintf("%s-x%d", p.Slug, n)
	p.People *= n
	p.Delegations *= n
	p.Sessions *= n
	p.Rooms *= n
	p.Runs *= n
	return p
}

// sessionLength and sessionsPerDay lay sessions out in each room: six of 90
// minutes from 08:30, back to back.
const (
	sessionLength  = 90 * time.Minute
	sessionsPerDay = 6
)

// Generate builds the programme. It fails when the sessions do not fit the
// days and rooms, or a count is not positive.
func Generate(p Params) (*programme.Programme, error) {
	if p.People < 1 || p.Delegations < 1 || p.Sessions < 1 || p.Days < 1 || p.Rooms < 1 ||
		p.SlotsPerSession < 1 || p.Runs < 0 || p.AudiencePerSession < 1 {
		return nil, fmt.Errorf("large: every count must be positive: %+v", p)
	}
	if p.Sessions > p.Days*p.Rooms*sessionsPerDay {
		return nil, fmt.Errorf("large: %d sessions do not fit %d days × %d rooms × %d a day",
			p.Sessions, p.Days, p.Rooms, sessionsPerDay)
	}
	zone := "America/Mexico_City"
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return nil, err
	}
	first := time.Date(2016, 12, 5, 0, 0, 0, 0, loc)
	prog := &programme.Programme{
		Slug:        p.Slug,
		Title:       fmt.Sprintf("Benchmark conference (%d people, %d sessions)", p.People, p.Sessions),
		Organizer:   "planner benchmarks",
		TimeZone:    zone,
		StartsOn:    first.Format(programme.DateLayout),
		EndsOn:      first.AddDate(0, 0, p.Days-1).Format(programme.DateLayout),
		Location:    "Guadalajara, Mexico",
		Description: "A generated programme of conference size, for benchmarks.",
		Venues: []programme.Venue{
			{Key: "expo", Name: "Expo Guadalajara", Address: "Av. Mariano Otero 1499, Guadalajara",
				Geo: &programme.Geo{Lat: 20.6526, Lon: -103.3915}},
			{Key: "hotel", Name: "Delegation hotel", Address: "Guadalajara"},
		},
	}
	for r := range p.Rooms {
		prog.Rooms = append(prog.Rooms, programme.Room{
			Key: fmt.Sprintf("room-%d", r+1), Name: fmt.Sprintf("Room %d", r+1), Venue: "expo", Capacity: 200,
		})
	}
	for d := range p.Delegations {
		prog.Delegations = append(prog.Delegations, programme.Delegation{
			Key: fmt.Sprintf("d%d", d+1), Name: fmt.Sprintf("Delegation %d", d+1),
			Country: string([]byte{'A' + byte(d/26%26), 'A' + byte(d%26)}),
		})
	}
	roles := []string{"government", "civil_society", "private_sector", "technical"}
	for i := range p.People {
		prog.People = append(prog.People, programme.Person{
			Key: fmt.Sprintf("p%d", i+1), Name: fmt.Sprintf("Person %d", i+1),
			Organization: fmt.Sprintf("Organisation %d", i%97+1), Role: roles[i%len(roles)],
			Delegation: fmt.Sprintf("d%d", i%p.Delegations+1),
		})
	}
	kinds := []string{"seminar", "meeting", "briefing", "workshop"}
	speaker := 0
	for s := range p.Sessions {
		// Sessions fill each day's grid room by room, day after day.
		day, rest := s/(p.Rooms*sessionsPerDay), s%(p.Rooms*sessionsPerDay)
		room, period := rest%p.Rooms, rest/p.Rooms
		start := first.AddDate(0, 0, day).Add(8*time.Hour + 30*time.Minute + time.Duration(period)*sessionLength)
		sess := programme.Session{
			Key: fmt.Sprintf("s%d", s+1), Title: fmt.Sprintf("Session %d", s+1),
			Description: "A generated session with a paragraph of description, as real sessions have one.",
			Kind:        kinds[s%len(kinds)], StartsAt: start, EndsAt: start.Add(sessionLength - 15*time.Minute),
			Room: fmt.Sprintf("room-%d", room+1), Status: programme.StatusConfirmed,
		}
		for a := range p.AudiencePerSession {
			sess.Audience.Delegations = append(sess.Audience.Delegations,
				fmt.Sprintf("d%d", (s*7+a*13)%p.Delegations+1))
		}
		sess.Audience.Delegations = dedupe(sess.Audience.Delegations)
		slotLength := (sessionLength - 15*time.Minute) / time.Duration(p.SlotsPerSession)
		for k := range p.SlotsPerSession {
			slot := programme.Slot{
				Key: fmt.Sprintf("s%d-%d", s+1, k+1), Title: fmt.Sprintf("Talk %d", k+1),
				StartsAt: start.Add(time.Duration(k) * slotLength),
				EndsAt:   start.Add(time.Duration(k+1) * slotLength),
			}
			if speaker < p.People {
				slot.Speakers = []string{fmt.Sprintf("p%d", speaker+1)}
				speaker++
			}
			sess.Slots = append(sess.Slots, slot)
		}
		prog.Sessions = append(prog.Sessions, sess)
	}
	for r := range p.Runs {
		day := r % p.Days
		departs := first.AddDate(0, 0, day).Add(7*time.Hour + time.Duration(r/p.Days)*30*time.Minute)
		from, to := "hotel", "expo"
		if r/p.Days%2 == 1 {
			from, to = "expo", "hotel"
		}
		prog.Transport = append(prog.Transport, programme.Run{
			Key: fmt.Sprintf("r%d", r+1), Kind: "bus", Title: fmt.Sprintf("Bus %d", r+1),
			DepartsAt: departs, From: from, To: to, Capacity: 50, Status: programme.StatusConfirmed,
			Riders: programme.Audience{Delegations: dedupe([]string{
				fmt.Sprintf("d%d", r%p.Delegations+1), fmt.Sprintf("d%d", (r+p.Delegations/2)%p.Delegations+1),
			})},
		})
	}
	if errs := programme.Validate(prog); len(errs) > 0 {
		return nil, errs.Err("large: the generated programme is invalid")
	}
	return prog, nil
}

func dedupe(keys []string) []string {
	seen := map[string]bool{}
	out := keys[:0]
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}
