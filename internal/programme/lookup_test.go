package programme_test

import (
	"testing"

	"github.com/planner-dev/planner/internal/programme"
)

// lookupProgramme has three items of every kind: the first without a key (an
// invalid programme, so that an empty key is seen to name nothing even when
// an item lacks one), then "a" and "b". The session "b" has slots the same way.
func lookupProgramme() *programme.Programme {
	slots := []programme.Slot{{Title: "no key"}, {Key: "a", Title: "A"}, {Key: "b", Title: "B"}}
	return &programme.Programme{
		Sessions:    []programme.Session{{Title: "no key"}, {Key: "a", Title: "A"}, {Key: "b", Title: "B", Slots: slots}},
		Transport:   []programme.Run{{Title: "no key"}, {Key: "a", Title: "A"}, {Key: "b", Title: "B"}},
		People:      []programme.Person{{Name: "no key"}, {Key: "a", Name: "A"}, {Key: "b", Name: "B"}},
		Delegations: []programme.Delegation{{Name: "no key"}, {Key: "a", Name: "A"}, {Key: "b", Name: "B"}},
		Rooms:       []programme.Room{{Name: "no key"}, {Key: "a", Name: "A"}, {Key: "b", Name: "B"}},
		Venues:      []programme.Venue{{Name: "no key"}, {Key: "a", Name: "A"}, {Key: "b", Name: "B"}},
	}
}

// ptr turns a nil pointer of any type into an untyped nil, so that lookups of
// every kind can be compared in one table.
func ptr[T any](v *T) any {
	if v == nil {
		return nil
	}
	return v
}

// lookupKinds are the lookups under test: find calls one on p, and item
// returns the address of the i-th item of the slice it searches.
var lookupKinds = []struct {
	name string
	find func(p *programme.Programme, key string) any
	item func(p *programme.Programme, i int) any
}{
	{"Session", func(p *programme.Programme, k string) any { return ptr(p.Session(k)) },
		func(p *programme.Programme, i int) any { return &p.Sessions[i] }},
	{"Run", func(p *programme.Programme, k string) any { return ptr(p.Run(k)) },
		func(p *programme.Programme, i int) any { return &p.Transport[i] }},
	{"Person", func(p *programme.Programme, k string) any { return ptr(p.Person(k)) },
		func(p *programme.Programme, i int) any { return &p.People[i] }},
	{"Delegation", func(p *programme.Programme, k string) any { return ptr(p.Delegation(k)) },
		func(p *programme.Programme, i int) any { return &p.Delegations[i] }},
	{"Room", func(p *programme.Programme, k string) any { return ptr(p.Room(k)) },
		func(p *programme.Programme, i int) any { return &p.Rooms[i] }},
	{"Venue", func(p *programme.Programme, k string) any { return ptr(p.Venue(k)) },
		func(p *programme.Programme, i int) any { return &p.Venues[i] }},
	{"Slot", func(p *programme.Programme, k string) any { return ptr(p.Session("b").Slot(k)) },
		func(p *programme.Programme, i int) any { return &p.Sessions[2].Slots[i] }},
}

// TestLookup checks that each lookup returns the address of the item with the
// key inside the programme (not a copy), and nil for a key that names nothing.
func TestLookup(t *testing.T) {
	keys := []struct {
		key  string
		want int // index of the item found; -1 for nil
	}{
		{"a", 1},
		{"b", 2},
		{"missing", -1},
		{"A", -1}, // keys are matched exactly
		{"", -1},  // even though the first item has no key
	}
	for _, kind := range lookupKinds {
		for _, k := range keys {
			t.Run(kind.name+"/"+k.key, func(t *testing.T) {
				p := lookupProgramme()
				got := kind.find(p, k.key)
				if k.want < 0 {
					if got != nil {
						t.Fatalf("%s(%q) = %+v, want nil", kind.name, k.key, got)
					}
					return
				}
				if want := kind.item(p, k.want); got != want {
					t.Fatalf("%s(%q) = %p, want %p: the item at index %d of the programme", kind.name, k.key, got, want, k.want)
				}
			})
		}
	}
}

// TestLookupEditsStick checks that an edit made through a lookup's result is
// an edit of the programme itself, which is what callers rely on when they
// change an item found by key.
func TestLookupEditsStick(t *testing.T) {
	tests := []struct {
		name string
		edit func(p *programme.Programme)
		got  func(p *programme.Programme) string
	}{
		{"Session", func(p *programme.Programme) { p.Session("a").Title = "edited" },
			func(p *programme.Programme) string { return p.Sessions[1].Title }},
		{"Run", func(p *programme.Programme) { p.Run("a").Title = "edited" },
			func(p *programme.Programme) string { return p.Transport[1].Title }},
		{"Person", func(p *programme.Programme) { p.Person("a").Name = "edited" },
			func(p *programme.Programme) string { return p.People[1].Name }},
		{"Delegation", func(p *programme.Programme) { p.Delegation("a").Name = "edited" },
			func(p *programme.Programme) string { return p.Delegations[1].Name }},
		{"Room", func(p *programme.Programme) { p.Room("a").Name = "edited" },
			func(p *programme.Programme) string { return p.Rooms[1].Name }},
		{"Venue", func(p *programme.Programme) { p.Venue("a").Name = "edited" },
			func(p *programme.Programme) string { return p.Venues[1].Name }},
		{"Slot", func(p *programme.Programme) { p.Session("b").Slot("a").Title = "edited" },
			func(p *programme.Programme) string { return p.Sessions[2].Slots[1].Title }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := lookupProgramme()
			tt.edit(p)
			if got := tt.got(p); got != "edited" {
				t.Errorf("after an edit through %s(\"a\") the programme holds %q, want \"edited\"", tt.name, got)
			}
		})
	}
}

// TestSlotOfNilSession checks that Slot on a missing session is nil rather
// than a panic, so that p.Session(a).Slot(b) can be written in one go.
func TestSlotOfNilSession(t *testing.T) {
	p := lookupProgramme()
	if sl := p.Session("missing").Slot("a"); sl != nil {
		t.Errorf("Session(\"missing\").Slot(\"a\") = %+v, want nil", sl)
	}
}

// TestIndexKeysFindsWhatTheScanFinds checks the index, also once the
// programme was edited after indexing: a stale index is only slower.
func TestIndexKeysFindsWhatTheScanFinds(t *testing.T) {
	p := &programme.Programme{
		People:   []programme.Person{{Key: "a", Name: "A"}, {Key: "b", Name: "B"}, {Key: "c", Name: "C"}},
		Sessions: []programme.Session{{Key: "s1"}, {Key: "s2"}},
	}
	p.IndexKeys()
	if got := p.Person("b"); got != &p.People[1] {
		t.Fatalf("Person(b) = %v, want the second person", got)
	}
	if p.Person("") != nil || p.Person("z") != nil || p.Session("s3") != nil {
		t.Error("a missing or empty key found an item")
	}
	// Edits after indexing: removed, moved and added items.
	p.People = []programme.Person{{Key: "c", Name: "C"}, {Key: "d", Name: "D"}}
	p.Sessions = append(p.Sessions, programme.Session{Key: "s3"})
	if got := p.Person("c"); got != &p.People[0] {
		t.Errorf("Person(c) after a move = %v, want the first person", got)
	}
	if p.Person("a") != nil || p.Person("b") != nil {
		t.Error("a removed person is still found")
	}
	if got := p.Person("d"); got != &p.People[1] {
		t.Errorf("Person(d) added after indexing = %v", got)
	}
	if got := p.Session("s3"); got != &p.Sessions[2] {
		t.Errorf("Session(s3) added after indexing = %v", got)
	}
}
