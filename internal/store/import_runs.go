package store

import (
	"github.com/planner-dev/planner/internal/programme"
)

func (im *importer) runs() error {
	oldRiders := groupBy(im.old.riders, func(r *riderRow) int64 { return r.RunID })
	oldBehind := groupBy(im.old.stayingBehind, func(r *stayingBehindRow) int64 { return r.RunID })
	oldOptions := groupBy(im.old.pollOptions, func(r *pollOptionRow) int64 { return r.RunID })
	oldVotes := groupBy(im.old.votes, func(r *voteRow) int64 { return r.RunID })

	type kids struct {
		behind  []programme.StayingBehind // the active entries, in file order
		options []pollOptionRow
		votes   []voteRow
	}
	incoming := make([]runRow, len(im.in.Transport))
	want := make(map[string]*kids, len(im.in.Transport))
	byKey := make(map[string]*programme.Run, len(im.in.Transport))
	for i := range im.in.Transport {
		r := &im.in.Transport[i]
		byKey[r.Key] = r
		row := runRow{
			ProgrammeKeyedRow: im.meta(r.Key), Kind: r.Kind, Title: r.Title, DepartsAt: utc(r.DepartsAt),
			TimeZone: r.TimeZone, FromPlace: r.From, ToPlace: r.To, Capacity: int64(r.Capacity),
			Vehicle: r.Vehicle, Contact: r.Contact, Status: r.Status, Note: r.Note,
		}
		k := &kids{}
		for _, sb := range r.StayingBehind {
			// An inactive entry (as Programme returns the store's history)
			// is not on the list: the store keeps its history itself.
			if sb.Active {
				k.behind = append(k.behind, sb)
			}
		}
		if r.Poll != nil {
			row.HasPoll, row.PollQuestion, row.PollClosesAt, row.PollDecided = true, r.Poll.Question, utcPtr(r.Poll.ClosesAt), r.Poll.Decided
			for j, o := range r.Poll.Options {
				k.options = append(k.options, pollOptionRow{ProgrammeID: im.progID, Position: int64(j), Value: o})
			}
			for j, v := range r.Poll.Votes {
				k.votes = append(k.votes, voteRow{ProgrammeID: im.progID, Person: v.Person, Option: v.Option, Position: int64(j)})
			}
		}
		incoming[i], want[r.Key] = row, k
	}

	plans := make(map[string]historyPlan[storedMember])
	behindPlans := make(map[string]historyPlan[stayingBehindRow])
	pollChanged := make(map[string]bool)
	runKey := func(r *programme.Run) string { return r.Key }
	stored, next := indexOf(im.base.Transport, runKey), indexOf(im.merged.Transport, runKey)
	rows, err := syncItems(im, syncSpec[runRow]{
		kind: "run", old: im.old.runs, incoming: incoming,
		order: keysOf(im.merged.Transport, runKey),
		item:  "run", title: func(r *runRow) string { return r.Title },
		change: func(o, n *runRow) programme.ItemChange {
			plans[n.Key] = im.planMembers(members(oldRiders[o.ID]), byKey[n.Key].Riders)
			k := want[n.Key]
			behindPlans[n.Key] = im.planBehind(oldBehind[o.ID], k.behind)
			pollChanged[n.Key] = !sameList(oldOptions[o.ID], k.options, optionContent) ||
				!sameList(oldVotes[o.ID], k.votes, voteContent)
			return programme.RunChange(im.base, im.merged, stored[o.Key], next[n.Key])
		},
		unlisted: func(r *runRow, prune bool) (programme.ItemChange, bool) {
			old, left := stored[r.Key], *next[r.Key]
			left.Status = pruned(left.Status, prune)
			r.Status = left.Status
			return programme.RunChange(im.base, im.merged, old, &left), left.Status != old.Status
		},
	})
	if err != nil {
		return err
	}

	var riders []riderRow
	var clearPoll []int64
	var addBehind []stayingBehindRow
	var addOptions []pollOptionRow
	var addVotes []voteRow
	for _, r := range im.in.Transport {
		id := rows[r.Key].ID
		plan, known := plans[r.Key]
		if !known {
			plan = im.planMembers(nil, r.Riders)
		}
		if err := im.saveMembers(plan, func(m MemberRow, rowID int64) any {
			return &riderRow{ID: rowID, ProgrammeID: im.progID, RunID: id, MemberRow: m}
		}, func(m MemberRow) {
			riders = append(riders, riderRow{ProgrammeID: im.progID, RunID: id, MemberRow: m})
		}); err != nil {
			return err
		}
		k := want[r.Key]
		behind, known := behindPlans[r.Key]
		if !known {
			behind = im.planBehind(nil, k.behind)
		}
		for _, b := range behind.updates {
			im.touch()
			if err := im.db().Save(&b).Error; err != nil {
				return err
			}
		}
		for _, b := range behind.inserts {
			b.ProgrammeID, b.RunID = im.progID, id
			addBehind = append(addBehind, b)
		}
		if changed, known := pollChanged[r.Key]; !known || changed {
			if known {
				clearPoll = append(clearPoll, id)
			}
			for _, o := range k.options {
				o.RunID = id
				addOptions = append(addOptions, o)
			}
			for _, v := range k.votes {
				v.RunID = id
				addVotes = append(addVotes, v)
			}
		}
	}
	if err := im.insert(riders); err != nil {
		return err
	}
	if err := im.insert(addBehind); err != nil {
		return err
	}
	if err := im.replace(&voteRow{}, "run_id", clearPoll, addVotes); err != nil {
		return err
	}
	return im.replace(&pollOptionRow{}, "run_id", clearPoll, addOptions)
}

// planBehind plans a run's staying-behind entries (see planHistory), keyed by
// person, from the file's active entries. A new entry starts at 1 Changes,
// its recording being its first change, and Since is its changed-at time.
// A changed note is written but, like a new place in the list, changes
// neither Changes nor Since.
func (im *importer) planBehind(old []stayingBehindRow, listed []programme.StayingBehind) historyPlan[stayingBehindRow] {
	rows := make([]stayingBehindRow, len(listed))
	for i, sb := range listed {
		rows[i] = stayingBehindRow{Person: sb.Person, Note: sb.Note, Changes: 1}
	}
	return planHistory(old, rows, func(r *stayingBehindRow) string { return r.Person },
		func(stored, entry *stayingBehindRow) { stored.Note = entry.Note }, im.now)
}

func optionContent(r *pollOptionRow) any {
	return struct {
		Position int64
		Value    string
	}{r.Position, r.Value}
}

func voteContent(r *voteRow) any {
	return struct {
		Position       int64
		Person, Option string
	}{r.Position, r.Person, r.Option}
}
