package programme

import (
	"reflect"
	"testing"
	"time"
)

// slotsAt makes a session in zone of slots given as key and local start
// and end, "2016-12-05T09:00".
func slotsAt(t *testing.T, zone string, spans ...[3]string) *Session {
	t.Helper()
	loc, err := LoadZone(zone)
	if err != nil {
		t.Fatal(err)
	}
	at := func(v string) time.Time {
		x, err := ParseLocal(v, loc)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	s := &Session{Key: "s"}
	for _, sp := range spans {
		s.Slots = append(s.Slots, Slot{Key: sp[0], StartsAt: at(sp[1]), EndsAt: at(sp[2])})
	}
	s.StartsAt, s.EndsAt = s.Slots[0].StartsAt, s.Slots[len(s.Slots)-1].EndsAt
	return s
}

// wallClock writes each slot as key start-end in zone.
func wallClock(t *testing.T, zone string, slots []Slot) []string {
	t.Helper()
	loc, _ := LoadZone(zone)
	var out []string
	for _, sl := range slots {
		out = append(out, sl.Key+" "+sl.StartsAt.In(loc).Format("15:04")+"-"+sl.EndsAt.In(loc).Format("15:04"))
	}
	return out
}

func TestReorderSlotsKeepsLengthsAndBreaks(t *testing.T) {
	s := slotsAt(t, "America/Mexico_City",
		[3]string{"welcome", "2016-12-05T09:00", "2016-12-05T09:10"},
		[3]string{"isoc", "2016-12-05T09:10", "2016-12-05T10:45"},
		[3]string{"break", "2016-12-05T10:45", "2016-12-05T11:00"},
		[3]string{"ift", "2016-12-05T11:15", "2016-12-05T12:15"},
	)
	s.Slots = append(s.Slots, Slot{Key: "gone", Status: StatusCancelled, StartsAt: s.Slots[1].StartsAt, EndsAt: s.Slots[1].EndsAt})
	got, err := ReorderSlots(s, []string{"isoc", "welcome", "break", "ift"})
	if err != nil {
		t.Fatal(err)
	}
	// The 15-minute gap after the third place stays there.
	want := []string{"isoc 09:00-10:35", "welcome 10:35-10:45", "break 10:45-11:00", "ift 11:15-12:15", "gone 09:10-10:45"}
	if w := wallClock(t, "America/Mexico_City", got); !reflect.DeepEqual(w, want) {
		t.Errorf("reordered: %v, want %v", w, want)
	}
	same, _ := ReorderSlots(s, []string{"welcome", "isoc", "break", "ift"})
	if !reflect.DeepEqual(same, s.Slots) {
		t.Errorf("the same order changed the slots: %v", wallClock(t, "America/Mexico_City", same))
	}
	for _, bad := range [][]string{{"isoc", "welcome", "break"}, {"isoc", "isoc", "break", "ift"}, {"isoc", "welcome", "break", "gone"}} {
		if _, err := ReorderSlots(s, bad); ErrorCode(err) != EINVALID {
			t.Errorf("order %v: %v, want EINVALID", bad, err)
		}
	}
}

func TestMoveSlot(t *testing.T) {
	s := slotsAt(t, "UTC",
		[3]string{"a", "2026-01-01T09:00", "2026-01-01T09:10"},
		[3]string{"b", "2026-01-01T09:10", "2026-01-01T09:20"},
		[3]string{"c", "2026-01-01T09:20", "2026-01-01T09:30"},
	)
	for _, c := range []struct {
		key    string
		places int
		want   []string
	}{
		{"b", -1, []string{"b", "a", "c"}},
		{"b", 1, []string{"a", "c", "b"}},
		{"a", -1, []string{"a", "b", "c"}},
		{"c", 5, []string{"a", "b", "c"}},
	} {
		got, err := MoveSlot(s, c.key, c.places)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("move %s by %d: %v %v, want %v", c.key, c.places, got, err, c.want)
		}
	}
	if _, err := MoveSlot(s, "zz", 1); ErrorCode(err) != ENOTFOUND {
		t.Errorf("moving no slot: %v", err)
	}
}

func TestShiftFollowing(t *testing.T) {
	s := slotsAt(t, "America/Mexico_City",
		[3]string{"welcome", "2016-12-05T09:00", "2016-12-05T09:10"},
		[3]string{"isoc", "2016-12-05T09:10", "2016-12-05T10:45"},
		[3]string{"nri", "2016-12-05T10:45", "2016-12-05T10:55"},
		[3]string{"ift", "2016-12-05T11:00", "2016-12-05T12:15"},
	)
	s.Slots[2].Status = StatusCancelled
	got, end, err := ShiftFollowing(s, "isoc", 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if w := wallClock(t, "America/Mexico_City", got); !reflect.DeepEqual(w, []string{"ift 11:10-12:25"}) {
		t.Errorf("shifted %v", w)
	}
	if !end.Equal(got[0].EndsAt) {
		t.Errorf("the session's new end is %v, want %v", end, got[0].EndsAt)
	}
	if _, end, _ := ShiftFollowing(s, "isoc", -5*time.Minute); !end.IsZero() {
		t.Errorf("shifting earlier extends the session to %v", end)
	}
	if got, _, _ := ShiftFollowing(s, "ift", time.Hour); len(got) != 0 {
		t.Errorf("the last slot has followers: %v", got)
	}
}

// On the night the clocks go forward in Berlin (29 March 2026, 02:00 →
// 03:00), slots keep their real lengths and every time shown is one that
// exists on the wall clock.
func TestSlotsAcrossADSTChange(t *testing.T) {
	const zone = "Europe/Berlin"
	s := slotsAt(t, zone,
		[3]string{"a", "2026-03-29T01:00", "2026-03-29T01:30"},
		[3]string{"b", "2026-03-29T01:30", "2026-03-29T03:30"}, // one hour long
		[3]string{"c", "2026-03-29T03:30", "2026-03-29T04:00"},
	)
	got, err := ReorderSlots(s, []string{"c", "a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"c 01:00-01:30", "a 01:30-03:00", "b 03:00-04:00"}
	if w := wallClock(t, zone, got); !reflect.DeepEqual(w, want) {
		t.Errorf("reordered across the change: %v, want %v", w, want)
	}
	if d := got[2].EndsAt.Sub(got[2].StartsAt); d != time.Hour {
		t.Errorf("b lasts %v, want 1h", d)
	}
	if !got[2].EndsAt.Equal(s.EndsAt) {
		t.Errorf("the running order ends at %v, want %v", got[2].EndsAt, s.EndsAt)
	}
	shifted, _, _ := ShiftFollowing(s, "a", 30*time.Minute)
	if w := wallClock(t, zone, shifted); !reflect.DeepEqual(w, []string{"b 03:00-04:00", "c 04:00-04:30"}) {
		t.Errorf("shifted across the change: %v", w)
	}
}
