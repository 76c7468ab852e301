// Command gen writes a large programme file for the load script: the built-in
// demo with its sessions and transport runs repeated, each copy two weeks
// after the previous one, under a slug of its own so that it can sit beside
// the demo in one database.
//
//	go run ./bench/gen -scale 20 > large.json
//
// It is a benchmark tool: nothing imports it, and the planner never runs it.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/planner-dev/planner/internal/demo"
	"github.com/planner-dev/planner/internal/exchange"
	"github.com/planner-dev/planner/internal/programme"
)

func main() {
	scale := flag.Int("scale", 20, "how many copies of the demo's sessions and runs")
	slug := flag.String("slug", "", "slug of the programme (default: the demo's slug with -xSCALE)")
	flag.Parse()
	if err := run(*scale, *slug); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(scale int, slug string) error {
	if scale < 1 {
		return fmt.Errorf("-scale is %d: it must be at least 1", scale)
	}
	p, _, err := exchange.Decode(bytes.NewReader(demo.JSON))
	if err != nil {
		return fmt.Errorf("the demo programme: %w", err)
	}
	if slug == "" {
		slug = fmt.Sprintf("%s-x%d", p.Slug, scale)
	}
	big, err := scaled(p, scale)
	if err != nil {
		return err
	}
	big.Slug = slug
	big.Title = fmt.Sprintf("%s (%d× larger)", p.Title, scale)
	if errs := programme.Validate(big); len(errs) > 0 {
		return errs.Err("the scaled programme is invalid")
	}
	return exchange.Encode(os.Stdout, big)
}

// scaled returns a copy of p with its sessions and runs repeated n times:
// copy k has the keys suffixed with -xK and takes place 2k weeks later, at the
// same local times. The benchmarks in internal/feeds and internal/ical build
// their large programme the same way.
func scaled(p *programme.Programme, n int) (*programme.Programme, error) {
	out := *p
	out.Sessions, out.Transport = nil, nil
	for k := range n {
		days := 14 * k
		suffix := ""
		if k > 0 {
			suffix = fmt.Sprintf("-x%d", k)
		}
		for _, s := range p.Sessions {
			shift := shifter(p.Loc(s.TimeZone), days)
			s.Key += suffix
			s.StartsAt, s.EndsAt = shift(s.StartsAt), shift(s.EndsAt)
			s.Slots = append([]programme.Slot(nil), s.Slots...)
			for j := range s.Slots {
				sl := &s.Slots[j]
				sl.StartsAt, sl.EndsAt = shift(sl.StartsAt), shift(sl.EndsAt)
				sl.AvailableFrom, sl.AvailableUntil = shiftPtr(shift, sl.AvailableFrom), shiftPtr(shift, sl.AvailableUntil)
			}
			out.Sessions = append(out.Sessions, s)
		}
		for _, r := range p.Transport {
			shift := shifter(p.Loc(r.TimeZone), days)
			r.Key += suffix
			r.DepartsAt = shift(r.DepartsAt)
			if r.Poll != nil {
				poll := *r.Poll
				poll.ClosesAt = shiftPtr(shift, poll.ClosesAt)
				r.Poll = &poll
			}
			out.Transport = append(out.Transport, r)
		}
	}
	end, err := programme.ParseDate(p.EndsOn)
	if err != nil {
		return nil, fmt.Errorf("the demo's ends_on: %w", err)
	}
	out.EndsOn = end.AddDate(0, 0, 14*(n-1)).Format(programme.DateLayout)
	return &out, nil
}

// shifter moves instants by days on the local calendar of loc, so that a copy
// keeps its wall-clock times across daylight-saving changes.
func shifter(loc *time.Location, days int) func(time.Time) time.Time {
	return func(t time.Time) time.Time {
		if t.IsZero() {
			return t
		}
		return t.In(loc).AddDate(0, 0, days).UTC()
	}
}

func shiftPtr(shift func(time.Time) time.Time, t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := shift(*t)
	return &v
}
