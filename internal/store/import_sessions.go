package store

import (
	"cmp"
	"maps"
	"slices"
	"strconv"

	"github.com/planner-dev/planner/internal/programme"
)

func (im *importer) sessions() error {
	oldAudience := groupBy(im.old.audience, func(r *audienceRow) int64 { return r.SessionID })
	incoming := make([]sessionRow, len(im.in.Sessions))
	plans := make(map[string]historyPlan[storedMember], len(im.in.Sessions))
	for i, s := range im.in.Sessions {
		incoming[i] = sessionRow{
			ProgrammeKeyedRow: im.meta(s.Key), Title: s.Title, Description: s.Description, Kind: s.Kind,
			StartsAt: utc(s.StartsAt), EndsAt: utc(s.EndsAt), TimeZone: s.TimeZone,
			Room: ref(s.Room), Venue: ref(s.Venue), Location: s.Location, Required: s.Required, Status: s.Status,
		}
	}
	byKey := indexOf(im.in.Sessions, sessionKey)
	stored, next := indexOf(im.base.Sessions, sessionKey), indexOf(im.merged.Sessions, sessionKey)
	rows, err := syncItems(im, syncSpec[sessionRow]{
		kind: "session", old: im.old.sessions, incoming: incoming,
		order: keysOf(im.merged.Sessions, sessionKey),
		item:  "session", title: func(r *sessionRow) string { return r.Title },
		change: func(o, n *sessionRow) programme.ItemChange {
			plans[n.Key] = im.planMembers(members(oldAudience[o.ID]), byKey[n.Key].Audience)
			return programme.SessionChange(im.base, im.merged, stored[o.Key], next[n.Key])
		},
		unlisted: func(r *sessionRow, prune bool) (programme.ItemChange, bool) {
			old, left := stored[r.Key], *next[r.Key]
			left.Status = pruned(left.Status, prune)
			r.Status = left.Status
			return programme.SessionChange(im.base, im.merged, old, &left), left.Status != old.Status
		},
	})
	if err != nil {
		return err
	}
	var audience []audienceRow
	for _, s := range im.in.Sessions {
		id := rows[s.Key].ID
		plan, known := plans[s.Key]
		if !known {
			plan = im.planMembers(nil, s.Audience)
		}
		if err := im.saveMembers(plan, func(m MemberRow, rowID int64) any {
			return &audienceRow{ID: rowID, ProgrammeID: im.progID, SessionID: id, MemberRow: m}
		}, func(m MemberRow) {
			audience = append(audience, audienceRow{ProgrammeID: im.progID, SessionID: id, MemberRow: m})
		}); err != nil {
			return err
		}
	}
	if err := im.insert(audience); err != nil {
		return err
	}
	// The room history follows the session's Room: a move leaves the old
	// room's row inactive (see programme.Session.FormerRooms). Moving is
	// already a change of place, which raised the session's Sequence above.
	// Sessions left out of the file keep theirs as it is.
	oldRooms := groupBy(im.old.roomsOf, func(r *sessionRoomRow) int64 { return r.SessionID })
	var addRooms []sessionRoomRow
	for _, s := range im.in.Sessions {
		id := rows[s.Key].ID
		plan := planHistory(oldRooms[id], listedRef(s.Room, func(room string) sessionRoomRow {
			return sessionRoomRow{Room: room}
		}), func(r *sessionRoomRow) string { return r.Room }, nil, im.now)
		if err := saveHistory(im, plan.updates); err != nil {
			return err
		}
		for _, r := range plan.inserts {
			r.ProgrammeID, r.SessionID = im.progID, id
			addRooms = append(addRooms, r)
		}
	}
	if err := im.insert(addRooms); err != nil {
		return err
	}
	return im.slots(rows, stored, next)
}

// slots syncs the slots of every session; stored and next are the sessions
// of im.base and im.merged by key.
func (im *importer) slots(sessions map[string]*sessionRow, stored, next map[string]*programme.Session) error {
	oldSlots := groupBy(im.old.slots, func(r *slotRow) int64 { return r.SessionID })
	oldSpeakers := groupBy(im.old.speakers, func(r *slotSpeakerRow) int64 { return r.SlotID })
	inFile := make(map[string]*programme.Session, len(im.in.Sessions))
	for i := range im.in.Sessions {
		inFile[im.in.Sessions[i].Key] = &im.in.Sessions[i]
	}
	var add []slotSpeakerRow
	// Every session is visited, in the file or not, so that slots missing
	// from the file are pruned even when their whole session is.
	for _, session := range sortedSessions(sessions) {
		var in []programme.Slot
		if s := inFile[session.Key]; s != nil {
			in = s.Slots
		}
		incoming := make([]slotRow, len(in))
		for i, sl := range in {
			incoming[i] = slotRow{
				KeyedRow: KeyedRow{Key: sl.Key}, ProgrammeID: im.progID, SessionID: session.ID,
				Title: sl.Title, StartsAt: utc(sl.StartsAt), EndsAt: utc(sl.EndsAt),
				AvailableFrom: utcPtr(sl.AvailableFrom), AvailableUntil: utcPtr(sl.AvailableUntil),
				Status: sl.Status, Note: sl.Note,
			}
		}
		byKey := make(map[string]*programme.Slot, len(in))
		for i := range in {
			byKey[in[i].Key] = &in[i]
			// A speaker row is kept per person, so a person listed twice
			// would be merged into one; refuse it as the unique index would.
			seen := make(map[string]bool, len(in[i].Speakers))
			for _, person := range in[i].Speakers {
				if seen[person] {
					return programme.Errorf(programme.ECONFLICT, "the person %q is listed twice as a speaker of slot %q of session %q",
						person, in[i].Key, session.Key)
				}
				seen[person] = true
			}
		}
		plans := make(map[string]historyPlan[slotSpeakerRow])
		rows, err := syncItems(im, syncSpec[slotRow]{
			kind: "slot of session " + strconv.Quote(session.Key), old: oldSlots[session.ID], incoming: incoming,
			order: keysOf(next[session.Key].Slots, func(s *programme.Slot) string { return s.Key }),
			item:  "slot", scope: session.Key + "/", title: func(r *slotRow) string { return r.Title },
			change: func(o, n *slotRow) programme.ItemChange {
				plans[n.Key] = im.planSpeakers(oldSpeakers[o.ID], byKey[n.Key].Speakers)
				return programme.SlotChange(stored[session.Key].Slot(o.Key), next[session.Key].Slot(n.Key))
			},
			unlisted: func(r *slotRow, prune bool) (programme.ItemChange, bool) {
				old, left := stored[session.Key].Slot(r.Key), *next[session.Key].Slot(r.Key)
				left.Status = pruned(left.Status, prune)
				r.Status = left.Status
				return programme.SlotChange(old, &left), left.Status != old.Status
			},
		})
		if err != nil {
			return err
		}
		for _, sl := range in {
			id := rows[sl.Key].ID
			plan, known := plans[sl.Key]
			if !known {
				plan = im.planSpeakers(nil, sl.Speakers)
			}
			for _, r := range plan.updates {
				im.touch()
				if err := im.db().Save(&r).Error; err != nil {
					return err
				}
			}
			for _, r := range plan.inserts {
				r.ProgrammeID, r.SlotID = im.progID, id
				add = append(add, r)
			}
		}
	}
	return im.insert(add)
}

// planSpeakers plans a slot's speakers (see planHistory), keyed by person.
// A new speaker starts at 0 Changes, as an audience member does.
func (im *importer) planSpeakers(old []slotSpeakerRow, listed []string) historyPlan[slotSpeakerRow] {
	rows := make([]slotSpeakerRow, len(listed))
	for i, person := range listed {
		rows[i] = slotSpeakerRow{Person: person}
	}
	return planHistory(old, rows, func(r *slotSpeakerRow) string { return r.Person }, nil, im.now)
}

// sortedSessions returns the sessions in a fixed order (by ID), so that an
// import always writes in the same order.
func sortedSessions(m map[string]*sessionRow) []*sessionRow {
	out := slices.Collect(maps.Values(m))
	slices.SortFunc(out, func(a, b *sessionRow) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

func sessionKey(s *programme.Session) string { return s.Key }
