package programme

import (
	"slices"
	"time"
)

// Speaker slots change by the minute on the day: "squeeze Marilyn in after
// the break", "ISOC must leave by 11:00". The helpers here compute the new
// times of a running order; they change nothing stored, and the caller
// sends the slots they return as one change.
//
// All arithmetic is on instants, so a slot keeps its real length: on a day
// when the clocks change, a one-hour talk that starts at 01:30 in Berlin on
// the last Sunday of March ends at 03:30 on the wall clock, which is when
// it really ends. The wall-clock times the pages show are then always ones
// that exist in the session's zone.

// activeSlots returns the places in s.Slots of the slots that are not
// cancelled, in running order.
func activeSlots(s *Session) []int {
	var out []int
	for i := range s.Slots {
		if s.Slots[i].Status != StatusCancelled {
			out = append(out, i)
		}
	}
	return out
}

// ReorderSlots returns s's slots in a new running order: order lists the
// keys of every slot that is not cancelled, each once. The first slot of
// the new order starts when the first slot of the old order started; each
// slot keeps its own length; and the gap after the n-th place (a break,
// or an overlap when negative) stays after the n-th place, so that the
// break stays where it was in the morning while the talks move around it.
// Cancelled slots keep their times and follow the others. Reordering a
// running order into itself changes nothing.
func ReorderSlots(s *Session, order []string) ([]Slot, error) {
	active := activeSlots(s)
	if len(order) != len(active) {
		return nil, Errorf(EINVALID, "The new order names %d slots; the session has %d that are not cancelled.", len(order), len(active))
	}
	byKey := make(map[string]int, len(active))
	for _, i := range active {
		byKey[s.Slots[i].Key] = i
	}
	seen := make(map[string]bool, len(order))
	for _, key := range order {
		if _, ok := byKey[key]; !ok {
			return nil, Errorf(EINVALID, "The new order names %q, which is not a slot of this session that can move.", clip(key))
		}
		if seen[key] {
			return nil, Errorf(EINVALID, "The new order names %q twice.", clip(key))
		}
		seen[key] = true
	}
	out := make([]Slot, 0, len(s.Slots))
	if len(active) > 0 {
		at := s.Slots[active[0]].StartsAt
		for n, key := range order {
			sl := s.Slots[byKey[key]]
			length := sl.EndsAt.Sub(sl.StartsAt)
			sl.StartsAt, sl.EndsAt = at, at.Add(length)
			out = append(out, sl)
			if n+1 < len(active) {
				gap := s.Slots[active[n+1]].StartsAt.Sub(s.Slots[active[n]].EndsAt)
				at = sl.EndsAt.Add(gap)
			}
		}
	}
	for i := range s.Slots {
		if s.Slots[i].Status == StatusCancelled {
			out = append(out, s.Slots[i])
		}
	}
	return out, nil
}

// MoveSlot returns the running order of s's slots that are not cancelled
// with the slot key moved by places (-1 is one place earlier), as
// ReorderSlots takes it. A move past either end stops there.
func MoveSlot(s *Session, key string, places int) ([]string, error) {
	var order []string
	at := -1
	for _, i := range activeSlots(s) {
		if s.Slots[i].Key == key {
			at = len(order)
		}
		order = append(order, s.Slots[i].Key)
	}
	if at < 0 {
		return nil, Errorf(ENOTFOUND, "The session has no slot %q that can move.", clip(key))
	}
	to := min(max(at+places, 0), len(order)-1)
	order = slices.Delete(order, at, at+1)
	return slices.Insert(order, to, key), nil
}

// FollowingSlots returns the keys of the slots that are not cancelled and
// come after the slot key in s's running order.
func FollowingSlots(s *Session, key string) []string {
	var out []string
	found := false
	for _, i := range activeSlots(s) {
		if found {
			out = append(out, s.Slots[i].Key)
		}
		if s.Slots[i].Key == key {
			found = true
		}
	}
	return out
}

// ShiftFollowing returns the slots that follow the slot key in s's running
// order (see FollowingSlots), each moved by delta and keeping its length:
// what "the ISOC talk now ends ten minutes later, so does everything after
// it" means. When the last of them would end after the session, the
// session's new end is returned too (else the zero time), so that the
// caller can offer to extend it in the same change.
func ShiftFollowing(s *Session, key string, delta time.Duration) ([]Slot, time.Time, error) {
	if s.Slot(key) == nil {
		return nil, time.Time{}, Errorf(ENOTFOUND, "The session has no slot %q.", clip(key))
	}
	var out []Slot
	var end time.Time
	for _, k := range FollowingSlots(s, key) {
		sl := *s.Slot(k)
		sl.StartsAt, sl.EndsAt = sl.StartsAt.Add(delta), sl.EndsAt.Add(delta)
		if sl.EndsAt.After(s.EndsAt) && sl.EndsAt.After(end) {
			end = sl.EndsAt
		}
		out = append(out, sl)
	}
	return out, end, nil
}
