package programme

import (
	"iter"
	"slices"
)

// audienceIndex lists, for each person and each delegation, the items
// whose audience names them: the sessions whose audience and the runs whose
// riders name them, now or in a Former row, and the speaker slots a person
// speaks in or was taken off. These are the only items memberOf can find
// them in, active or removed, so a person's or a delegation's feed visits
// its own items rather than every item of the programme: its cost follows
// what the feed holds, not the size of the programme. For a conference's
// delegate (bench/large) that is about 60 sessions, 5 slots and 3 runs of
// 400, 2,000 and 60.
//
// Like the rest of keyIndex it describes p as it was when IndexKeys ran:
// unlike the lookups by key, which check each position against its key, a
// feed of a programme edited afterwards would miss what the edit added.
// Programmes are indexed once loaded and shared read-only (the feeds
// service's copy), so none is.
type audienceIndex struct {
	sessions, runs audienceRefs
	// slots maps a person to the slots whose Speakers or FormerSpeakers
	// name them, in the programme's order.
	slots map[string][]slotRef
}

// audienceRefs maps each person and each delegation named by an audience
// (in People, Delegations or a Former row) to the positions of the items
// whose audience it is, ascending.
type audienceRefs struct {
	people, delegations map[string][]int
}

// slotRef is the position of a slot: p.Sessions[session].Slots[slot].
type slotRef struct{ session, slot int }

func indexAudiences(p *Programme) *audienceIndex {
	ix := &audienceIndex{sessions: newAudienceRefs(), runs: newAudienceRefs(), slots: map[string][]slotRef{}}
	for i := range p.Sessions {
		s := &p.Sessions[i]
		ix.sessions.add(s.Audience, i)
		for j := range s.Slots {
			sl := &s.Slots[j]
			ref := slotRef{i, j}
			for _, k := range sl.Speakers {
				addRef(ix.slots, k, ref)
			}
			for _, f := range sl.FormerSpeakers {
				addRef(ix.slots, f.Person, ref)
			}
		}
	}
	for i := range p.Transport {
		ix.runs.add(p.Transport[i].Riders, i)
	}
	return ix
}

func newAudienceRefs() audienceRefs {
	return audienceRefs{people: map[string][]int{}, delegations: map[string][]int{}}
}

// add records that a is the audience of the item at position i, which is
// past every position recorded so far.
func (r audienceRefs) add(a Audience, i int) {
	for _, k := range a.People {
		addRef(r.people, k, i)
	}
	for _, d := range a.Delegations {
		addRef(r.delegations, d, i)
	}
	for _, f := range a.Former {
		addRef(r.people, f.Person, i)
		addRef(r.delegations, f.Delegation, i)
	}
}

// addRef adds position v to key's list unless it is its last already:
// positions are added in order, so a list holds each once. The empty key
// names nobody (memberOf never matches it) and is left out.
func addRef[T comparable](m map[string][]T, key string, v T) {
	if key == "" {
		return
	}
	list := m[key]
	if n := len(list); n > 0 && list[n-1] == v {
		return
	}
	m[key] = append(list, v)
}

// of returns the positions, ascending, of the items among n whose audience
// memberOf may find s in: those naming s's person, s's delegation or a
// delegation of s's history (subject.delegations), which is every way
// memberOf has of finding a subject. Without an index (r is nil) it is
// every position.
func (r *audienceRefs) of(s subject, n int) iter.Seq[int] {
	if r == nil {
		return every(n)
	}
	var lists [][]int
	if s.person != "" {
		lists = append(lists, r.people[s.person])
	}
	if s.delegation != "" {
		lists = append(lists, r.delegations[s.delegation])
	}
	for _, h := range s.delegations {
		if h.Delegation != "" {
			lists = append(lists, r.delegations[h.Delegation])
		}
	}
	return inRange(union(lists), n)
}

// slotsOf returns the positions of the slots whose speakers memberOf may
// find person in, in the programme's order: every slot without an index.
func (ix *audienceIndex) slotsOf(p *Programme, person string) iter.Seq[slotRef] {
	if ix == nil {
		return func(yield func(slotRef) bool) {
			for i := range p.Sessions {
				for j := range p.Sessions[i].Slots {
					if !yield(slotRef{i, j}) {
						return
					}
				}
			}
		}
	}
	return func(yield func(slotRef) bool) {
		for _, ref := range ix.slots[person] {
			if ref.session < len(p.Sessions) && ref.slot < len(p.Sessions[ref.session].Slots) && !yield(ref) {
				return
			}
		}
	}
}

// union merges lists of ascending positions into one, each position once.
// A single list is returned as it is.
func union(lists [][]int) []int {
	lists = slices.DeleteFunc(lists, func(l []int) bool { return len(l) == 0 })
	switch len(lists) {
	case 0:
		return nil
	case 1:
		return lists[0]
	}
	var out []int
	for _, l := range lists {
		out = append(out, l...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// every yields 0 to n-1.
func every(n int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := range n {
			if !yield(i) {
				return
			}
		}
	}
}

// inRange yields the positions of list below n.
func inRange(list []int, n int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for _, i := range list {
			if i < n && !yield(i) {
				return
			}
		}
	}
}

// sessionAudiences and runAudiences are the index's positions of sessions
// and runs, nil without an index.
func (k *keyIndex) sessionAudiences() *audienceRefs {
	if k == nil || k.audiences == nil {
		return nil
	}
	return &k.audiences.sessions
}

func (k *keyIndex) runAudiences() *audienceRefs {
	if k == nil || k.audiences == nil {
		return nil
	}
	return &k.audiences.runs
}

// speakerSlots is the index of speakers' slots, nil without an index.
func (k *keyIndex) speakerSlots() *audienceIndex {
	if k == nil {
		return nil
	}
	return k.audiences
}
