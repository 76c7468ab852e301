package store

// Feeds add the Sequence of the room and venue an event's LOCATION shows to
// the event's SEQUENCE (see programme.Entry.Sequence), so that renaming a
// room or changing a venue's address raises the SEQUENCE of every event held
// there. A sum of counters that only rise never falls as long as it counts
// the same items; but when an event moves to another room or venue, or its
// room to another venue, it counts other items, whose Sequences may be
// lower. The import then raises the Sequence of whatever moved (the session,
// the run or the room) by one plus the fall, so that the event's SEQUENCE
// still rises, by at least one.

// places holds what feeds add up of rooms and venues, at one moment of an
// import: before it, as stored, or after the import wrote rooms and venues.
type places struct {
	venues map[string]int64     // Sequence by venue key
	rooms  map[string]roomPlace // by room key
}

// roomPlace is what LOCATION counts of a room: its own Sequence and its venue.
type roomPlace struct {
	sequence int64
	venue    string // venue key, empty for none
}

// placesOf reads the Sequences of stored venues and rooms.
func placesOf(venues []venueRow, rooms []roomRow) places {
	pl := places{venues: make(map[string]int64, len(venues)), rooms: make(map[string]roomPlace, len(rooms))}
	for _, v := range venues {
		pl.venues[v.Key] = v.Sequence
	}
	for _, r := range rooms {
		pl.rooms[r.Key] = roomPlace{sequence: r.Sequence, venue: str(r.Venue)}
	}
	return pl
}

// session is what a session's LOCATION adds to SEQUENCE, by the rules of
// programme's placeOf: its room, and the room's venue or else its own.
func (pl places) session(room, venue string) int64 {
	var sum int64
	if r, ok := pl.rooms[room]; ok && room != "" {
		sum += r.sequence
		if r.venue != "" {
			venue = r.venue
		}
	}
	return sum + pl.venues[venue]
}

// run is what a run's LOCATION, its pick-up place, adds to SEQUENCE: the
// venue's Sequence when from is a venue key, else nothing.
func (pl places) run(from string) int64 { return pl.venues[from] }

// fall is how far a count fell from before to after; zero when it did not.
func fall(before, after int64) int64 { return max(0, before-after) }
