package programme

// The lookups below find an item of a programme by its key. Each returns a
// pointer into the programme's own slice, so that a caller may edit the item
// in place, or nil when no item has the key. An empty key names nothing:
// empty is how an item says it has no room, venue or lead, and must never
// match an item that lacks a key.

// Session returns the session with key, or nil.
func (p *Programme) Session(key string) *Session {
	return byKey(p.Sessions, key, func(s *Session) string { return s.Key })
}

// Run returns the transport run with key, or nil.
func (p *Programme) Run(key string) *Run {
	return byKey(p.Transport, key, func(r *Run) string { return r.Key })
}

// Person returns the person with key, or nil.
func (p *Programme) Person(key string) *Person {
	return byKey(p.People, key, func(pe *Person) string { return pe.Key })
}

// Delegation returns the delegation with key, or nil.
func (p *Programme) Delegation(key string) *Delegation {
	return byKey(p.Delegations, key, func(d *Delegation) string { return d.Key })
}

// Room returns the room with key, or nil.
func (p *Programme) Room(key string) *Room {
	return byKey(p.Rooms, key, func(r *Room) string { return r.Key })
}

// Venue returns the venue with key, or nil.
func (p *Programme) Venue(key string) *Venue {
	return byKey(p.Venues, key, func(v *Venue) string { return v.Key })
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
