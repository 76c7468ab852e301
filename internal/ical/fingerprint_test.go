package ical_test

import (
	"bytes"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/ical"
	"github.com/planner-dev/planner/internal/programme"
)

// Changing any field of any entry changes the fingerprint: a field added
// to programme.Entry and not to the fingerprint fails here, before a feed
// showing it could be served unchanged.
func TestFingerprintSeesEveryEntryField(t *testing.T) {
	base := feeds(t)["person"]
	want := ical.Fingerprint(base)
	typ := reflect.TypeFor[programme.Entry]()
	for i := range typ.NumField() {
		field := typ.Field(i)
		for _, at := range []int{0, len(base.Entries) - 1} {
			f := base
			f.Entries = slices.Clone(base.Entries)
			v := reflect.ValueOf(&f.Entries[at]).Elem().Field(i)
			if !changeValue(v) {
				t.Fatalf("Entry.%s: the test cannot change a %s; teach changeValue", field.Name, field.Type)
			}
			if ical.Fingerprint(f) == want {
				t.Errorf("changing Entry.%s of entry %d leaves the fingerprint as it was", field.Name, at)
			}
		}
	}
}

// changeValue gives v another value of its type, reporting false for a
// type it does not know.
func changeValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.String:
		v.SetString(v.String() + "x")
	case reflect.Int, reflect.Int64:
		v.SetInt(v.Int() + 1)
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.Float64:
		v.SetFloat(v.Float() + 0.5)
	default:
		t, ok := v.Interface().(time.Time)
		if !ok {
			return false
		}
		v.Set(reflect.ValueOf(t.Add(time.Second)))
	}
	return true
}

// The feed's own fields and what Encode reads of the programme are in the
// fingerprint too.
func TestFingerprintSeesTheFeedAndTheProgramme(t *testing.T) {
	base := feeds(t)["person"]
	want := ical.Fingerprint(base)
	// Every field of ical.Feed is changed below: one added fails here.
	if n := reflect.TypeFor[ical.Feed]().NumField(); n != 6 {
		t.Fatalf("ical.Feed has %d fields, the test changes 6: is the new one in Fingerprint?", n)
	}
	withProgramme := func(edit func(p *programme.Programme)) func(f *ical.Feed) {
		return func(f *ical.Feed) {
			p := *f.Programme
			p.Sessions = slices.Clone(p.Sessions)
			edit(&p)
			f.Programme = &p
		}
	}
	for name, change := range map[string]func(f *ical.Feed){
		"Name":           func(f *ical.Feed) { f.Name += " (2)" },
		"Description":    func(f *ical.Feed) { f.Description = "Changed." },
		"PublicPageURL":  func(f *ical.Feed) { f.PublicPageURL += "-2" },
		"Refresh":        func(f *ical.Feed) { f.Refresh = 2 * time.Hour },
		"Entries":        func(f *ical.Feed) { f.Entries = f.Entries[1:] },
		"Programme.Slug": withProgramme(func(p *programme.Programme) { p.Slug += "-2" }),
		"Programme.TimeZone": withProgramme(func(p *programme.Programme) {
			p.TimeZone = newYork
		}),
		"Programme.UpdatedAt": withProgramme(func(p *programme.Programme) {
			p.UpdatedAt = p.UpdatedAt.Add(time.Minute)
		}),
		// The years the zone definitions cover: a session a year later.
		"Programme's years": withProgramme(func(p *programme.Programme) {
			p.Sessions[0].EndsAt = p.Sessions[0].EndsAt.AddDate(1, 0, 0)
		}),
	} {
		f := base
		change(&f)
		if ical.Fingerprint(f) == want {
			t.Errorf("changing %s leaves the fingerprint as it was", name)
		}
	}
	// Nothing else: the same feed again, from another copy, has the same.
	again := feeds(t)["person"]
	if ical.Fingerprint(again) != want {
		t.Error("the same feed from another copy of the programme has another fingerprint")
	}
}

// Feeds with one fingerprint encode to the same bytes, and feeds with
// different bytes have different fingerprints, over the golden feeds at
// many instants (tombstones go, the programme's notices change).
func TestFingerprintFollowsTheBytes(t *testing.T) {
	p := fixture(t)
	byPrint := map[uint64][]byte{}
	byBytes := map[string]uint64{}
	for _, kind := range []struct {
		kind programme.FeedKind
		key  string
	}{
		{programme.FeedPerson, "omar-ansari"},
		{programme.FeedSpeaker, "maria-elena-flores"},
		{programme.FeedProgramme, "ical-test"},
	} {
		for h := -48; h < 24*40; h += 7 {
			entries, err := p.FeedEntries(kind.kind, kind.key, edited.Add(time.Duration(h)*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			f := ical.Feed{Name: "Feed", Programme: p, Entries: entries}
			fp, body := ical.Fingerprint(f), encode(t, f)
			if seen, ok := byPrint[fp]; ok && !bytes.Equal(seen, body) {
				t.Fatalf("%s %s at %+dh: the fingerprint of other bytes", kind.kind, kind.key, h)
			}
			if seen, ok := byBytes[string(body)]; ok && seen != fp {
				t.Fatalf("%s %s at %+dh: the same bytes with another fingerprint", kind.kind, kind.key, h)
			}
			byPrint[fp], byBytes[string(body)] = body, fp
		}
	}
	// Three feeds, and at least one of them changing as its tombstones go.
	if len(byPrint) < 4 {
		t.Fatalf("only %d different feeds: the instants show too little", len(byPrint))
	}
}
