package calimport

import (
	"strings"
	"testing"

	"github.com/planner-dev/planner/internal/programme"
)

// TestPlanRefusesAPickOfNoEvent: a pick names an event of the calendar, an
// occurrence's recurring event, or a refused event; a UID that is none of
// them is refused instead of importing nothing without a word.
func TestPlanRefusesAPickOfNoEvent(t *testing.T) {
	stored, _ := storedProgramme()
	cal := Calendar{
		Events:  []Event{calEvent("new", "New", 14, ""), calEvent("daily@x/20161227T090000Z", "Daily", 9, "")},
		Refused: map[string]string{"allday": "it is an all-day event"},
	}
	for _, ok := range []string{"new", "daily@x", "daily@x/20161227T090000Z", "allday"} {
		if _, err := Plan(stored, Source{Name: "s"}, cal, Picks{ok: {}}); err != nil {
			t.Errorf("pick %q: %v", ok, err)
		}
	}
	_, err := Plan(stored, Source{Name: "s"}, cal, Picks{"new": {}, "typo@x": {}})
	if programme.ErrorCode(err) != programme.EINVALID || !strings.Contains(programme.ErrorMessage(err)+err.Error(), `"typo@x"`) {
		t.Errorf("a pick of no event: %v", err)
	}
}

// TestParseRefusesAFileOfManyCalendars: one file holds one calendar; one
// inside it or after it would be dropped without a word.
func TestParseRefusesAFileOfManyCalendars(t *testing.T) {
	one := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20161101T000000Z\r\n" +
		"DTSTART:20161227T100000Z\r\nDTEND:20161227T110000Z\r\nSUMMARY:A\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	opt := Options{TimeZone: "Europe/Berlin", StartsOn: "2016-12-27", EndsOn: "2016-12-30"}
	if _, _, err := Parse(strings.NewReader(one+"\r\n"), opt); err != nil {
		t.Fatalf("one calendar: %v", err)
	}
	nested := strings.Replace(one, "END:VCALENDAR", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\nEND:VCALENDAR", 1)
	for name, file := range map[string]string{"two": one + one, "nested": nested, "cut short": one[:len(one)-15]} {
		if _, _, err := Parse(strings.NewReader(file), opt); programme.ErrorCode(err) != programme.EINVALID {
			t.Errorf("%s: %v, want EINVALID", name, err)
		}
	}
}
