package exchange_test

import (
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/exchange"
	"github.com/planner-dev/planner/internal/programme"
)

// TestRevisionFollowsTheFileOnly: an item's revision changes with what the
// programme file says of it, and not with the store's bookkeeping, so that
// an editor's save is refused only when someone else changed the item.
func TestRevisionFollowsTheFileOnly(t *testing.T) {
	p := &programme.Programme{Slug: "x", TimeZone: "UTC", People: []programme.Person{{Key: "ana", Name: "Ana"}},
		Sessions: []programme.Session{{Key: "s", Title: "S", StartsAt: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC),
			EndsAt: time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC),
			Slots: []programme.Slot{{Key: "a", Title: "A", StartsAt: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC),
				EndsAt: time.Date(2026, 1, 1, 9, 30, 0, 0, time.UTC)}}}}}
	ana := programme.ItemRef{Kind: programme.KindPerson, Key: "ana"}
	session := programme.ItemRef{Kind: programme.KindSession, Key: "s"}
	slot := programme.ItemRef{Kind: programme.KindSlot, Key: "s/a"}
	rev, sessionRev := exchange.Revision(p, ana), exchange.Revision(p, session)
	if rev == "" || sessionRev == "" || exchange.Revision(p, slot) == "" {
		t.Fatal("a stored item has no revision")
	}
	p.People[0].FormerDelegations = []programme.Member{{Delegation: "af"}}
	p.Sessions[0].Sequence = 3
	if exchange.Revision(p, ana) != rev || exchange.Revision(p, session) != sessionRev {
		t.Error("bookkeeping changed a revision")
	}
	p.People[0].Name = "Ana López"
	if exchange.Revision(p, ana) == rev {
		t.Error("a new name left the revision as it was")
	}
	// A slot is an item of its own: editing it is no edit of its session.
	p.Sessions[0].Slots[0].Title = "B"
	if exchange.Revision(p, session) != sessionRev {
		t.Error("editing a slot changed its session's revision")
	}
	if got := exchange.Revision(p, programme.ItemRef{Kind: programme.KindPerson, Key: "nobody"}); got != "" {
		t.Errorf("a missing item has revision %q", got)
	}
}
