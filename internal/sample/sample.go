// Package sample hands tests and benchmarks the programmes they work on: the
// built-in demo, decoded, and the demo scaled up to a programme many times its
// size. The planner itself never imports it.
package sample

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/demo"
	"github.com/planner-dev/planner/internal/exchange"
	"github.com/planner-dev/planner/internal/programme"
)

// Demo returns a fresh copy of the demo programme, decoded from the file.
func Demo(tb testing.TB) *programme.Programme {
	tb.Helper()
	p, _, err := exchange.Decode(bytes.NewReader(demo.JSON))
	if err != nil {
		tb.Fatalf("sample: the demo programme does not decode: %v", err)
	}
	return p
}

// Scaled returns a copy of p with its sessions and runs repeated n times:
// copy k has its keys suffixed with -xK and takes place 2k weeks later at the
// same local times, so that the result is a valid programme of n fortnights
// with the same people, rooms and audiences.
func Scaled(p *programme.Programme, n int) (*programme.Programme, error) {
	if n < 1 {
		return nil, fmt.Errorf("sample: cannot scale a programme %d times", n)
	}
	end, err := programme.ParseDate(p.EndsOn)
	if err != nil {
		return nil, fmt.Errorf("sample: ends_on: %w", err)
	}
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
	out.EndsOn = end.AddDate(0, 0, 14*(n-1)).Format(programme.DateLayout)
	if errs := programme.Validate(&out); len(errs) > 0 {
		return nil, errs.Err("sample: the scaled programme is invalid")
	}
	return &out, nil
}

// MustScaled is Scaled for tests and benchmarks.
func MustScaled(tb testing.TB, p *programme.Programme, n int) *programme.Programme {
	tb.Helper()
	out, err := Scaled(p, n)
	if err != nil {
		tb.Fatal(err)
	}
	return out
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
