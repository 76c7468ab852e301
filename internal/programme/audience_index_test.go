package programme_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/planner-dev/planner/bench/large"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
)

// Every feed has the same entries with the index of audiences and the kept
// session descriptions (IndexKeys)
// as without it, whatever histories the audiences, the speaker slots, the
// riders and the people carry: the index only spares the feed the items it
// is not in.
func TestFeedEntriesSameIndexed(t *testing.T) {
	small := large.Params{Slug: "small-conference", People: 240, Delegations: 12, Sessions: 60, Days: 2, Rooms: 5,
		SlotsPerSession: 3, Runs: 12, AudiencePerSession: 3}
	programmes := []struct {
		name string
		load func(t *testing.T) *programme.Programme
	}{
		{"demo", func(t *testing.T) *programme.Programme { return sample.Demo(t) }},
		{"generated", func(t *testing.T) *programme.Programme {
			p, err := large.Generate(small)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}},
	}
	for _, prog := range programmes {
		for seed := range uint64(4) {
			t.Run(fmt.Sprintf("%s/seed%d", prog.name, seed), func(t *testing.T) {
				plain, indexed := prog.load(t), prog.load(t)
				// Seed 0 keeps the programme as it is; the others add histories.
				if seed > 0 {
					addHistories(plain, seed)
					addHistories(indexed, seed)
				}
				indexed.IndexKeys()
				compareFeeds(t, plain, indexed)
				if got, want := indexed.Years(), plain.Years(); got != want {
					t.Errorf("Years: %+v with the index, %+v without", got, want)
				}
			})
		}
	}
}

// compareFeeds compares every person's, speaker's and delegation's feed of
// two copies of a programme, before, during and long after it.
func compareFeeds(t *testing.T, plain, indexed *programme.Programme) {
	t.Helper()
	first, last := plain.Sessions[0].StartsAt, plain.Sessions[0].EndsAt
	for _, s := range plain.Sessions {
		if s.StartsAt.Before(first) {
			first = s.StartsAt
		}
		if s.EndsAt.After(last) {
			last = s.EndsAt
		}
	}
	instants := []time.Time{
		first.Add(-48 * time.Hour),
		first.Add(last.Sub(first) / 2),
		last.Add(programme.TombstoneTTL / 2),
		last.Add(2 * programme.TombstoneTTL),
	}
	type feed struct {
		kind programme.FeedKind
		key  string
	}
	var feeds []feed
	for _, pe := range plain.People {
		feeds = append(feeds, feed{programme.FeedPerson, pe.Key}, feed{programme.FeedSpeaker, pe.Key})
	}
	for _, d := range plain.Delegations {
		feeds = append(feeds, feed{programme.FeedDelegation, d.Key})
	}
	nonEmpty := 0
	for _, now := range instants {
		for _, f := range feeds {
			want, err := plain.FeedEntries(f.kind, f.key, now)
			if err != nil {
				t.Fatal(err)
			}
			got, err := indexed.FeedEntries(f.kind, f.key, now)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s feed of %s at %s: %d entries with the index, %d without\nwith:    %+v\nwithout: %+v",
					f.kind, f.key, now, len(got), len(want), got, want)
			}
			if len(want) > 0 {
				nonEmpty++
			}
		}
	}
	// The comparison means something only if feeds hold entries.
	if nonEmpty < len(feeds) {
		t.Fatalf("only %d of %d feeds × instants have entries", nonEmpty, len(feeds)*len(instants))
	}
}

// addHistories gives p, the same way for the same seed, the rows the store
// keeps of what changed: members added to and taken off audiences and
// riders (Former), speakers taken off slots, people who moved between
// delegations (FormerDelegations). Some rows name nobody, or nobody of p,
// and some contradict the lists, as a programme edited over weeks may.
func addHistories(p *programme.Programme, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 12))
	people := []string{"", "nobody"}
	for _, pe := range p.People {
		people = append(people, pe.Key)
	}
	delegations := []string{"", "no-such-delegation"}
	for _, d := range p.Delegations {
		delegations = append(delegations, d.Key)
	}
	pick := func(keys []string) string { return keys[r.IntN(len(keys))] }
	around := func(at time.Time) time.Time { return at.Add(time.Duration(r.IntN(24*14)-24*10) * time.Hour) }
	member := func(at time.Time) programme.Member {
		m := programme.Member{Active: r.IntN(2) == 0, Changes: r.IntN(4), ChangedAt: around(at)}
		if r.IntN(2) == 0 {
			m.Person = pick(people)
		} else {
			m.Delegation = pick(delegations)
		}
		return m
	}
	history := func(a *programme.Audience, at time.Time) {
		for range r.IntN(4) {
			a.Former = append(a.Former, member(at))
		}
		if r.IntN(4) == 0 {
			a.People = append(a.People, pick(people[2:]))
		}
		if r.IntN(4) == 0 {
			a.Delegations = append(a.Delegations, pick(delegations[2:]))
		}
	}
	for i := range p.Sessions {
		s := &p.Sessions[i]
		if r.IntN(3) == 0 {
			history(&s.Audience, s.StartsAt)
		}
		for j := range s.Slots {
			sl := &s.Slots[j]
			if r.IntN(3) != 0 {
				continue
			}
			for range 1 + r.IntN(3) {
				sl.FormerSpeakers = append(sl.FormerSpeakers, programme.Member{
					Person: pick(people), Active: r.IntN(2) == 0, Changes: r.IntN(4), ChangedAt: around(s.StartsAt)})
			}
			if r.IntN(3) == 0 {
				sl.Speakers = append(sl.Speakers, pick(people[2:]))
			}
		}
	}
	for i := range p.Transport {
		if r.IntN(3) == 0 {
			history(&p.Transport[i].Riders, p.Transport[i].DepartsAt)
		}
	}
	at := p.Sessions[0].StartsAt
	for i := range p.People {
		if r.IntN(3) != 0 {
			continue
		}
		for range 1 + r.IntN(3) {
			p.People[i].FormerDelegations = append(p.People[i].FormerDelegations, programme.Member{
				Delegation: pick(delegations), Active: r.IntN(2) == 0, Changes: r.IntN(4), ChangedAt: around(at)})
		}
	}
}
