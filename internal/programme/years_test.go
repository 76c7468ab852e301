package programme_test

import (
	"testing"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
)

// Years spans the programme's dates and every session, slot and run.
func TestYears(t *testing.T) {
	for name, tt := range map[string]struct {
		edit        func(p *programme.Programme)
		first, last int
	}{
		"demo":            {func(*programme.Programme) {}, 2016, 2016},
		"a session later": {func(p *programme.Programme) { p.Sessions[2].EndsAt = p.Sessions[2].EndsAt.AddDate(1, 0, 0) }, 2016, 2017},
		"a slot earlier": {func(p *programme.Programme) {
			for i := range p.Sessions {
				if len(p.Sessions[i].Slots) > 1 {
					sl := &p.Sessions[i].Slots[1]
					sl.StartsAt = sl.StartsAt.AddDate(-2, 0, 0)
					return
				}
			}
			panic("the demo has no session with two slots")
		}, 2014, 2016},
		"a run later":  {func(p *programme.Programme) { p.Transport[0].DepartsAt = p.Transport[0].DepartsAt.AddDate(3, 0, 0) }, 2016, 2019},
		"the end date": {func(p *programme.Programme) { p.EndsOn = "2018-01-02" }, 2016, 2018},
		"nothing has a date": {func(p *programme.Programme) {
			p.StartsOn, p.EndsOn, p.Sessions, p.Transport = "", "", nil, nil
		}, 0, 0},
	} {
		p := sample.Demo(t)
		tt.edit(p)
		indexed := sample.Demo(t)
		tt.edit(indexed)
		indexed.IndexKeys()
		for _, q := range []*programme.Programme{p, indexed} {
			if got := q.Years(); got.First != tt.first || got.Last != tt.last {
				t.Errorf("%s: Years() = %+v, want %d to %d", name, got, tt.first, tt.last)
			}
		}
	}
}
