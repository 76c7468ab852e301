package store

import "time"

// historyRow is a pointer to a row of a list whose former members are kept
// as inactive rows rather than deleted: a session's audience, a run's riders,
// a slot's speakers, a run's staying-behind entries, a person's delegations
// and a session's rooms.
type historyRow[R any] interface {
	*R
	// history returns the fields planHistory keeps: the row's place in its
	// list, whether it is on the list, how many times it joined or left,
	// and when it last did.
	history() (position *int64, active *bool, changes *int64, changedAt *time.Time)
}

func (m *MemberRow) history() (*int64, *bool, *int64, *time.Time) {
	return &m.Position, &m.Active, &m.Changes, &m.ChangedAt
}

func (r *slotSpeakerRow) history() (*int64, *bool, *int64, *time.Time) {
	return &r.Position, &r.Active, &r.Changes, &r.ChangedAt
}

func (r *personDelegationRow) history() (*int64, *bool, *int64, *time.Time) {
	return &r.Position, &r.Active, &r.Changes, &r.ChangedAt
}

func (r *sessionRoomRow) history() (*int64, *bool, *int64, *time.Time) {
	return &r.Position, &r.Active, &r.Changes, &r.ChangedAt
}

func (r *stayingBehindRow) history() (*int64, *bool, *int64, *time.Time) {
	return &r.Position, &r.Active, &r.Changes, &r.Since
}

// historyPlan is how one such list changes: the stored rows to update and
// the rows to insert.
type historyPlan[R any] struct {
	updates []R
	inserts []R
}

func (p historyPlan[R]) changed() bool { return len(p.updates) > 0 || len(p.inserts) > 0 }

// planHistory merges the file's list into the stored rows of one list whose
// former members are kept. listed holds the file's entries as new rows, in
// file order, with their key, content and starting Changes set; key tells
// which stored row an entry is; carry, when set, copies onto a stored row
// what its entry says besides the key.
//
// Listed entries are active, in file order, and a new one is active from
// now. A stored row left out becomes inactive and moves after them, keeping
// its order. Each departure and return adds one to Changes and sets the
// row's changed-at time to now, so that the SEQUENCE feeds derive from
// Changes only ever rises; a move within the list changes neither. Only
// rows that differ from the stored ones are planned: a list as stored plans
// nothing.
func planHistory[R comparable, P historyRow[R], K comparable](
	old, listed []R, key func(*R) K, carry func(stored, entry *R), now time.Time,
) historyPlan[R] {
	var plan historyPlan[R]
	byKey := make(map[K]*R, len(old))
	for i := range old {
		byKey[key(&old[i])] = &old[i]
	}
	seen := make(map[K]bool, len(listed))
	for i := range listed {
		k := key(&listed[i])
		seen[k] = true
		prev := byKey[k]
		if prev == nil {
			row := listed[i]
			position, active, _, changedAt := P(&row).history()
			*position, *active, *changedAt = int64(i), true, now
			plan.inserts = append(plan.inserts, row)
			continue
		}
		next := *prev
		if carry != nil {
			carry(&next, &listed[i])
		}
		placeInHistory(P(&next), int64(i), true, now)
		if next != *prev {
			plan.updates = append(plan.updates, next)
		}
	}
	pos := int64(len(listed))
	for _, prev := range old {
		if seen[key(&prev)] {
			continue
		}
		next := prev
		placeInHistory(P(&next), pos, false, now)
		pos++
		if next != prev {
			plan.updates = append(plan.updates, next)
		}
	}
	return plan
}

// placeInHistory moves a stored row to position, on its list or off it; a
// departure or return counts in Changes.
func placeInHistory[R any, P historyRow[R]](row P, position int64, active bool, now time.Time) {
	pos, isActive, changes, changedAt := row.history()
	*pos = position
	if *isActive != active {
		*isActive, *changes, *changedAt = active, *changes+1, now
	}
}
