package store

import "github.com/planner-dev/planner/internal/programme"

func (im *importer) venues() error {
	incoming := make([]venueRow, len(im.in.Venues))
	for i, v := range im.in.Venues {
		incoming[i] = venueRow{ProgrammeKeyedRow: im.meta(v.Key), Name: v.Name, Address: v.Address}
		if v.Geo != nil {
			lat, lon := v.Geo.Lat, v.Geo.Lon
			incoming[i].Lat, incoming[i].Lon = &lat, &lon
		}
	}
	rows, err := syncItems(im, syncSpec[venueRow]{
		kind: "venue", old: im.old.venues, incoming: incoming,
		order: keysOf(im.merged.Venues, func(v *programme.Venue) string { return v.Key }),
		item:  "venue", title: func(r *venueRow) string { return r.Name },
		change: func(o, n *venueRow) programme.ItemChange {
			return programme.VenueChange(im.base.Venue(o.Key), im.merged.Venue(n.Key))
		},
	})
	if err != nil {
		return err
	}
	for i := range im.merged.Venues {
		im.merged.Venues[i].Sequence = int(rows[im.merged.Venues[i].Key].Sequence)
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
		change: func(o, n *roomRow) programme.ItemChange {
			kidsChanged[n.Key] = !sameList(oldKids[o.ID], kids[n.Key], reservationContent)
			return programme.RoomChange(im.base, im.merged, im.base.Room(o.Key), im.merged.Room(n.Key))
		},
	})
	if err != nil {
		return err
	}
	for i := range im.merged.Rooms {
		im.merged.Rooms[i].Sequence = int(rows[im.merged.Rooms[i].Key].Sequence)
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

func reservationContent(r *reservationRow) any {
	return struct {
		Position           int64
		Starts, Ends, From int64
		Status, Note       string
	}{r.Position, micro(r.StartsAt), micro(r.EndsAt), microPtr(r.ReleasedFrom), r.Status, r.Note}
}
