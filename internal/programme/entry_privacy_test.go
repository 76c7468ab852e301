package programme_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/programme"
)

// sentinel marks staff-only text; sentinelTime marks a staff-only instant.
const sentinel = "STAFF-ONLY-SENTINEL"

var sentinelTime = time.Date(2016, 12, 5, 10, 59, 59, 987654321, time.UTC)

// reachable calls found for every string and time.Time reachable from v,
// following struct fields (exported or not), pointers, interfaces, slices,
// arrays and maps.
func reachable(v reflect.Value, path string, found func(path string, v reflect.Value)) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			reachable(v.Elem(), path, found)
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			found(path, v)
			return
		}
		for i := range v.NumField() {
			reachable(v.Field(i), path+"."+v.Type().Field(i).Name, found)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			reachable(v.Index(i), path+"[]", found)
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			reachable(it.Key(), path+"{key}", found)
			reachable(it.Value(), path+"{}", found)
		}
	case reflect.String:
		found(path, v)
	}
}

// sentinels lists the paths below root whose value is a sentinel.
func sentinels(root any) []string {
	var out []string
	reachable(reflect.ValueOf(root), reflect.TypeOf(root).String(), func(path string, v reflect.Value) {
		switch {
		case v.Kind() == reflect.String && strings.Contains(v.String(), sentinel):
			out = append(out, path)
		case v.Kind() == reflect.Struct:
			// Read through Interface only when allowed; unexported time
			// fields are compared by their exported fields' walk instead.
			if v.CanInterface() && v.Interface().(time.Time).Equal(sentinelTime) {
				out = append(out, path)
			}
		}
	})
	return out
}

// TestEntryReachesNoStaffOnlyField fills every staff-only field of a
// programme with a sentinel and checks, by walking each entry of every feed
// with reflection, that no sentinel can be reached from an Entry: not as
// text, not through a pointer into the programme.
func TestEntryReachesNoStaffOnlyField(t *testing.T) {
	p := fixture(t)
	at := sentinelTime
	for i := range p.Delegations {
		p.Delegations[i].Note = sentinel + " delegation note"
	}
	for i := range p.People {
		p.People[i].Note = sentinel + " person note"
		p.People[i].Email = sentinel + "@example.org"
		p.People[i].Phone = sentinel + " phone"
	}
	for i := range p.Rooms {
		for j := range p.Rooms[i].Reservations {
			p.Rooms[i].Reservations[j].Note = sentinel + " reservation note"
			p.Rooms[i].Reservations[j].ReleasedFrom = &at
		}
	}
	for i := range p.Sessions {
		for j := range p.Sessions[i].Slots {
			sl := &p.Sessions[i].Slots[j]
			sl.Note = sentinel + " slot note"
			sl.AvailableFrom, sl.AvailableUntil = &at, &at
		}
	}
	for i := range p.Transport {
		r := &p.Transport[i]
		r.StayingBehind = append(r.StayingBehind, programme.StayingBehind{
			Person: "omar-ansari", Note: sentinel + " staying-behind note", Active: true, Changes: 1, Since: edited,
		})
		if r.Poll != nil {
			// Who voted for what is not for other riders to see.
			r.Poll.Votes = append(r.Poll.Votes, programme.Vote{Person: sentinel + "-voter", Option: "17:30"})
		}
	}

	// The walk must see the sentinels where they are, or finding none in
	// the entries would prove nothing.
	planted := sentinels(p)
	for _, want := range []string{".Delegations[].Note", ".People[].Email", ".People[].Phone", ".People[].Note",
		".Reservations[].Note", ".Reservations[].ReleasedFrom", ".Slots[].Note", ".Slots[].AvailableFrom",
		".Slots[].AvailableUntil", ".StayingBehind[].Note", ".Poll.Votes[].Person"} {
		if !slices.ContainsFunc(planted, func(path string) bool { return strings.HasSuffix(path, want) }) {
			t.Fatalf("no sentinel found at %s; the walk found them at:\n%s", want, strings.Join(planted, "\n"))
		}
	}

	feeds := []struct {
		kind programme.FeedKind
		key  string
	}{
		{programme.FeedPerson, "omar-ansari"}, {programme.FeedPerson, "joe-gattuso"},
		{programme.FeedPerson, "sally-wentworth"}, {programme.FeedDelegation, "af"},
		{programme.FeedRoom, "room-10"}, {programme.FeedSpeaker, "noel"},
		{programme.FeedProgramme, "igf2016-cldp"},
	}
	for _, f := range feeds {
		entries := feedEntries(t, p, f.kind, f.key, edited)
		if len(entries) == 0 {
			t.Fatalf("%s/%s has no entries: nothing to check", f.kind, f.key)
		}
		for _, e := range entries {
			if found := sentinels(e); len(found) > 0 {
				t.Errorf("%s/%s %s reaches staff-only values at %v", f.kind, f.key, e.ID, found)
			}
		}
	}
}

// TestEntryHoldsNoProgrammeType checks Entry's type itself: no field, however
// deep, is a programme type, so that no future field can carry a whole item
// (and its notes) to a template.
func TestEntryHoldsNoProgrammeType(t *testing.T) {
	entry := reflect.TypeFor[programme.Entry]()
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type, path string) []string
	walk = func(typ reflect.Type, path string) []string {
		if seen[typ] {
			return nil
		}
		seen[typ] = true
		var bad []string
		if typ != entry && typ.PkgPath() == entry.PkgPath() && typ.Kind() == reflect.Struct {
			bad = append(bad, path+" ("+typ.String()+")")
		}
		switch typ.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array:
			bad = append(bad, walk(typ.Elem(), path)...)
		case reflect.Map:
			bad = append(bad, walk(typ.Key(), path)...)
			bad = append(bad, walk(typ.Elem(), path)...)
		case reflect.Struct:
			for i := range typ.NumField() {
				bad = append(bad, walk(typ.Field(i).Type, path+"."+typ.Field(i).Name)...)
			}
		}
		return bad
	}
	if bad := walk(entry, "Entry"); len(bad) > 0 {
		t.Errorf("Entry reaches programme types: %v", bad)
	}
}
