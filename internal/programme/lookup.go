package programme

// The lookups below find an item of a programme by its key. Each returns a
// pointer into the programme's own slice, so that a caller may edit the item
// in place, or nil when no item has the key. An empty key names nothing:
// empty is how an item says it has no room, venue or lead, and must never
// match an item that lacks a key.

// Session returns the session with key, or nil.
func (p *Programme) Session(key string) *Session {
	return indexed(p.Sessions, p.keys.of(func(k *keyIndex) map[string]int { return k.sessions }), key, sessionKey)
}

// Run returns the transport run with key, or nil.
func (p *Programme) Run(key string) *Run {
	return indexed(p.Transport, p.keys.of(func(k *keyIndex) map[string]int { return k.runs }), key, runKey)
}

// Person returns the person with key, or nil.
func (p *Programme) Person(key string) *Person {
	return indexed(p.People, p.keys.of(func(k *keyIndex) map[string]int { return k.people }), key, personKey)
}

// Delegation returns the delegation with key, or nil.
func (p *Programme) Delegation(key string) *Delegation {
	return indexed(p.Delegations, p.keys.of(func(k *keyIndex) map[string]int { return k.delegations }), key, delegationKey)
}

// Room returns the room with key, or nil.
func (p *Programme) Room(key string) *Room {
	return indexed(p.Rooms, p.keys.of(func(k *keyIndex) map[string]int { return k.rooms }), key, roomKey)
}

// Venue returns the venue with key, or nil.
func (p *Programme) Venue(key string) *Venue {
	return indexed(p.Venues, p.keys.of(func(k *keyIndex) map[string]int { return k.venues }), key, venueKey)
}

func sessionKey(s *Session) string       { return s.Key }
func runKey(r *Run) string               { return r.Key }
func personKey(pe *Person) string        { return pe.Key }
func delegationKey(d *Delegation) string { return d.Key }
func roomKey(r *Room) string             { return r.Key }
func venueKey(v *Venue) string           { return v.Key }

// keyIndex maps each key of a programme's items to its position.
type keyIndex struct {
	sessions, runs, people, delegations, rooms, venues map[string]int
	// audiences finds the items a person's or a delegation's feed holds
	// (audience_index.go).
	audiences *audienceIndex
	// descriptions holds each session's description, by position
	// (describe).
	descriptions []sessionText
	// years is what Years returns.
	years YearSpan
}

// IndexKeys makes the lookups by key (Person, Session, ...) take constant
// time rather than a scan: a feed of a conference looks up thousands of
// speakers among thousands of people. It also indexes who is in which
// audience, so that a person's feed visits only their own items
// (audience_index.go), and writes each session's description once for
// every feed that holds it, and the years its items span (Years). Call it before p is shared between goroutines,
// since it sets a field, and once p is complete: lookups by key stay right
// after an edit (every indexed position is checked against the key, and a
// lookup that misses falls back to the scan), but feeds would miss what an
// edit added to an audience, and show descriptions as they were. Call it
// again after editing p.
func (p *Programme) IndexKeys() {
	p.keys = &keyIndex{
		sessions:    positions(p.Sessions, sessionKey),
		runs:        positions(p.Transport, runKey),
		people:      positions(p.People, personKey),
		delegations: positions(p.Delegations, delegationKey),
		rooms:       positions(p.Rooms, roomKey),
		venues:      positions(p.Venues, venueKey),
		audiences:   indexAudiences(p),
	}
	// The descriptions name speakers: written once the people are indexed.
	p.keys.descriptions = describeSessions(p)
	p.keys.years = p.years()
}

// of returns one map of the index, nil without an index.
func (k *keyIndex) of(m func(*keyIndex) map[string]int) map[string]int {
	if k == nil {
		return nil
	}
	return m(k)
}

// positions maps each key to the position of its first item.
func positions[T any](items []T, keyOf func(*T) string) map[string]int {
	out := make(map[string]int, len(items))
	for i := range items {
		if _, dup := out[keyOf(&items[i])]; !dup {
			out[keyOf(&items[i])] = i
		}
	}
	return out
}

// indexed is byKey through an index of positions, checked against the key.
func indexed[T any](items []T, index map[string]int, key string, keyOf func(*T) string) *T {
	if i, ok := index[key]; ok && key != "" && i < len(items) && keyOf(&items[i]) == key {
		return &items[i]
	}
	return byKey(items, key, keyOf)
}

// Slot returns the slot of s with key, or nil. A nil session has no slots,
// so that p.Session(a).Slot(b) is nil rather than a panic when either is
// missing.
func (s *Session) Slot(key string) *Slot {
	if s == nil {
		return nil
	}
	return byKey(s.Slots, key, func(sl *Slot) string { return sl.Key })
}

// byKey returns the first of items whose key is key, or nil. Keys are unique
// within a valid programme; for an invalid one the first match wins.
func byKey[T any](items []T, key string, keyOf func(*T) string) *T {
	if key == "" {
		return nil
	}
	for i := range items {
		if keyOf(&items[i]) == key {
			return &items[i]
		}
	}
	return nil
}
