package invite

import (
	"github.com/planner-dev/planner/internal/invite/imip"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
)

// The message, as package imip builds it without the store.
type (
	Plan   = imip.Plan
	Item   = imip.Item
	Letter = imip.Letter
)

var (
	// Calendar builds the text/calendar part (imip.Calendar).
	Calendar = imip.Calendar
	// Write writes the letter around the invitation (imip.Write).
	Write = imip.Write
)

// PlanFor plans the next message to a person from what the store says they
// were last sent (imip.PlanFor).
func PlanFor(p *programme.Programme, entries []programme.Entry, sent map[string]store.SentItem, recipient string) Plan {
	was := make(map[string]imip.SentItem, len(sent))
	for uid, s := range sent {
		was[uid] = imip.SentItem(s)
	}
	return imip.PlanFor(p, entries, was, recipient)
}

// sentItems is what a sent plan records in the store.
func sentItems(items []imip.SentItem) []store.SentItem {
	if items == nil {
		return nil
	}
	out := make([]store.SentItem, len(items))
	for i, s := range items {
		out[i] = store.SentItem(s)
	}
	return out
}
