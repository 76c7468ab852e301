package store

import "github.com/planner-dev/planner/internal/programme"

func (im *importer) venues() error {
	incoming := make([]venueRow, len(im.in.Venues))
	for i, v := range im.in.Venues {
		incoming[i] = venueRow{ProgrammeKeyedRow: im.meta(v.Key), Name: v.Name, Address: v.Address}
	}
	// A venue's name and address are all of it, and both are in the
	// LOCATION of the events held there: every change raises Sequence.
	rows, err := syncItems(im, syncSpec[venueRow]{
		kind: "venue", old: im.old.venues, incoming: incoming,
		order: keysOf(im.merged.Venues, func(v *programme.Venue) string { return v.Key }),
		item:  "venue", title: func(r *venueRow) string { return r.Name },
		compare: func(o, n *venueRow) (bool, bool) {
			changed := o.Name != n.Name || o.Address != n.Address
			return changed, changed
		},
	})
	if err != nil {
		return err
	}
	for key, row := range rows {
		im.after.venues[key] = row.Sequence
	}
	return nil
}

func (im *importer) meta(key string) ProgrammeKeyedRow {
	return ProgrammeKeyedRow{ProgrammeID: im.progID, KeyedRow: KeyedRow{Key: key}}
}

func (im *importer) rooms() error {
	oldKids := groupBy(im.old.reservations, func(r *reservationRow) int64 { return r.RoomID })
	incoming := make([]roomRow, len(im.in.Rooms))
	kids := make(map[string][]reservationRow, len(im.in.Rooms))
	for i, r := range im.in.Rooms {
		incoming[i] = roomRow{ProgrammeKeyedRow: im.meta(r.Key), Name: r.Name, Venue: ref(r.Venue), Capacity: int64(r.Capacity)}
		for j, res := range r.Reservations {
			kids[r.Key] = append(kids[r.Key], reservationRow{
				ProgrammeID: im.progID, Position: int64(j), StartsAt: utc(res.StartsAt), EndsAt: utc(res.EndsAt),
				Status: res.Status, ReleasedFrom: utcPtr(res.ReleasedFrom), Note: res.Note,
			})
		}
	}
	kidsChanged := make(map[string]bool)
	rows, err := syncItems(im, syncSpec[roomRow]{
		kind: "room", old: im.old.rooms, incoming: incoming,
		order: keysOf(im.merged.Rooms, func(r *programme.Room) string { return r.Key }),
		item:  "room", title: func(r *roomRow) string { return r.Name },
		compare: func(o, n *roomRow) (bool, bool) {
			kc := !sameList(oldKids[o.ID], kids[n.Key], reservationContent)
			kidsChanged[n.Key] = kc
			// Only the name and the venue reach an event's LOCATION; the
			// capacity and reservations are for staff.
			bump := o.Name != n.Name || str(o.Venue) != str(n.Venue)
			changed := bump || kc || o.Capacity != n.Capacity
			return changed, bump
		},
		lift: im.roomLift,
	})
	if err != nil {
		return err
	}
	for key, row := range rows {
		im.after.rooms[key] = roomPlace{sequence: row.Sequence, venue: str(row.Venue)}
	}
	var clear []int64
	var add []reservationRow
	for _, r := range im.in.Rooms {
		row := rows[r.Key]
		changed, known := kidsChanged[r.Key]
		if known && !changed {
			continue
		}
		if known {
			clear = append(clear, row.ID)
		}
		for _, k := range kids[r.Key] {
			k.RoomID = row.ID
			add = append(add, k)
		}
	}
	return im.replace(&reservationRow{}, "room_id", clear, add)
}

// roomLift is how far the venue count of the stored sessions held in a room
// falls when the room moves from o's venue to n's: a session there shows
// the room's venue, or its own when the room has none. Sessions that move
// in this import make up for their own fall (see importer.sessions).
func (im *importer) roomLift(o, n *roomRow) int64 {
	if str(o.Venue) == str(n.Venue) {
		return 0
	}
	var lift int64
	for _, s := range im.old.sessions {
		if str(s.Room) != o.Key {
			continue
		}
		from, to := str(o.Venue), str(n.Venue)
		if from == "" {
			from = str(s.Venue)
		}
		if to == "" {
			to = str(s.Venue)
		}
		lift = max(lift, fall(im.before.venues[from], im.after.venues[to]))
	}
	return lift
}

func reservationContent(r *reservationRow) any {
	return struct {
		Position           int64
		Starts, Ends, From int64
		Status, Note       string
	}{r.Position, micro(r.StartsAt), micro(r.EndsAt), microPtr(r.ReleasedFrom), r.Status, r.Note}
}
