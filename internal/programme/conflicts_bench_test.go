package programme_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
)

// withPeople returns p with delegates added to its delegations, in turn,
// until it has n people: every one of them is in the audience of every
// delegation session and rides every delegation run.
func withPeople(tb testing.TB, p *programme.Programme, n int) *programme.Programme {
	tb.Helper()
	out := *p
	out.People = append([]programme.Person(nil), p.People...)
	for i := 0; len(out.People) < n; i++ {
		d := p.Delegations[i%len(p.Delegations)]
		out.People = append(out.People, programme.Person{
			Key: fmt.Sprintf("delegate-%04d", i), Name: fmt.Sprintf("Delegate %d", i), Role: "government", Delegation: d.Key,
		})
	}
	if errs := programme.Validate(&out); len(errs) > 0 {
		tb.Fatal(errs.Err("the programme with more people is invalid"))
	}
	return &out
}

// BenchmarkConflicts checks a programme of 2,000 people (issue 12 wants it
// under 100 ms): the demo repeated over 20 fortnights (180 sessions, 140
// slots, 20 runs), with its two delegations grown to almost a thousand
// each. Every copy of the bus is moved into lunch, so that the people check
// has 2,000 people to intersect for each copy.
func BenchmarkConflicts(b *testing.B) {
	for _, scale := range []int{20, 100} {
		b.Run(fmt.Sprintf("people=2000/fortnights=%d", scale), func(b *testing.B) {
			p := withPeople(b, sample.MustScaled(b, sample.Demo(b), scale), 2000)
			for i := range p.Transport {
				p.Transport[i].DepartsAt = p.Transport[i].DepartsAt.Add(-4 * time.Hour) // 13:15: at lunch
			}
			want := len(p.Conflicts())
			if want < scale {
				b.Fatalf("%d conflicts, want at least one per copy of the bus", want)
			}
			b.ReportAllocs()
			for b.Loop() {
				if got := len(p.Conflicts()); got != want {
					b.Fatalf("%d conflicts, then %d", want, got)
				}
			}
		})
	}
}
