package programme_test

import (
	"strings"
	"testing"

	"github.com/planner-dev/planner/internal/programme"
)

// TestEntryNotice checks the words for each way an item can stop being
// the subject's, and that a cancelled item says so whoever lost it.
func TestEntryNotice(t *testing.T) {
	lost := func(kind, category string, how programme.Loss) programme.Entry {
		return programme.Entry{Kind: kind, Category: category, Title: "T", Status: programme.StatusCancelled,
			Removed: true, Lost: how, Description: "Text."}
	}
	for _, tt := range []struct {
		name   string
		entry  programme.Entry
		label  string
		detail string
	}{
		{"as planned", programme.Entry{Kind: programme.EntrySession, Title: "T", Status: programme.StatusConfirmed}, "", ""},
		{"cancelled session", programme.Entry{Kind: programme.EntrySession, Title: "T", Status: programme.StatusCancelled, Cancelled: true},
			"Cancelled", "This session is cancelled"},
		{"cancelled and lost", func() programme.Entry {
			e := lost(programme.EntrySession, "seminar", programme.LostAudience)
			e.Cancelled = true
			return e
		}(), "Cancelled", "no longer takes place"},
		{"delegation taken off", lost(programme.EntrySession, "seminar", programme.LostAudience),
			"No longer on your agenda", "You were taken off this session; it goes on without you."},
		{"left the delegation", lost(programme.EntrySession, "meeting", programme.LostDelegation),
			"No longer on your agenda", "through a delegation you are no longer in"},
		{"staying behind", lost(programme.EntryRun, "bus", programme.LostStayingBehind),
			"You are not on this bus", "You are staying behind: the bus leaves without you."},
		{"taken off the riders", lost(programme.EntryRun, "shuttle", programme.LostAudience),
			"You are not on this shuttle", "riders of this shuttle"},
		{"a run of no kind", lost(programme.EntryRun, "", programme.LostAudience), "You are not on this run", "run"},
		{"taken off the speakers", lost(programme.EntrySlot, "seminar", programme.LostSpeaker),
			"No longer speaking", "taken off the speakers of this slot"},
		{"moved room", lost(programme.EntrySession, "meeting", programme.LostRoom),
			"No longer in this room", "moved to another room"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n := tt.entry.Notice()
			if n.Label != tt.label || !strings.Contains(n.Detail, tt.detail) {
				t.Errorf("Notice = %+v, want label %q and a detail with %q", n, tt.label, tt.detail)
			}
			if tt.label == "" {
				if tt.entry.Summary() != "T" {
					t.Errorf("Summary = %q, want the title alone", tt.entry.Summary())
				}
				return
			}
			if got, want := tt.entry.Summary(), tt.label+": T"; got != want {
				t.Errorf("Summary = %q, want %q", got, want)
			}
			if !strings.HasPrefix(tt.entry.Text(), n.Detail) {
				t.Errorf("Text = %q, want it to start with %q", tt.entry.Text(), n.Detail)
			}
		})
	}
}

// TestEntryAnchor checks that the anchors of two slots never collide,
// though keys hold hyphens.
func TestEntryAnchor(t *testing.T) {
	a := programme.Entry{Kind: programme.EntrySlot, SessionKey: "a-b", SlotKey: "c"}.Anchor()
	b := programme.Entry{Kind: programme.EntrySlot, SessionKey: "a", SlotKey: "b-c"}.Anchor()
	if a == b {
		t.Errorf("two slots share the anchor %q", a)
	}
	for _, tt := range []struct {
		e    programme.Entry
		want string
	}{
		{programme.Entry{Kind: programme.EntrySession, SessionKey: "day0-seminar"}, "session-day0-seminar"},
		{programme.Entry{Kind: programme.EntrySlot, SessionKey: "day0-seminar", SlotKey: "cyber"}, "slot-day0-seminar_cyber"},
		{programme.Entry{Kind: programme.EntryRun, RunKey: "day0-bus"}, "run-day0-bus"},
	} {
		if got := tt.e.Anchor(); got != tt.want {
			t.Errorf("Anchor = %q, want %q", got, tt.want)
		}
	}
}
