package invite_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/invite"
	"github.com/planner-dev/planner/internal/store"
)

// TestInvitations follows one person's mail through a programme's life: the
// welcome with every item, a moved bus, a cancelled reception, a meeting she
// was taken off, and a burst of edits, each as one message.
func TestInvitations(t *testing.T) {
	f := newFixture(t)
	seen := 0
	a := baseAgenda()
	f.importAgenda(a)

	// Nothing goes before the merge delay.
	f.drain()
	if got := f.next(&seen); len(got) != 0 {
		t.Fatalf("%d messages before the merge delay", len(got))
	}
	f.clock.Advance(mergeDelay + time.Second)
	f.drain()

	first := only(t, f.next(&seen), "welcome")
	if first.to != "ana@example.org" {
		t.Errorf("sent to %q", first.to)
	}
	feed := f.feedUIDs()
	got := events(t, first.parsed["REQUEST"])
	if len(got) != len(feed) || len(feed) != 4 {
		t.Errorf("welcome holds %d events, the feed %d (want 4)", len(got), len(feed))
	}
	for uid, e := range feed {
		if seq, ok := got[uid]; !ok || seq != e.Sequence {
			t.Errorf("feed item %s (%s) SEQUENCE %d: in the invitation %v (%d)", uid, e.Title, e.Sequence, ok, seq)
		}
	}
	cal := string(first.raw["REQUEST"])
	for _, want := range []string{"METHOD:REQUEST", `ORGANIZER;CN="CLDP":mailto:events@example.org`,
		"mailto:ana@example.org", "RSVP=TRUE"} {
		if !strings.Contains(strings.ReplaceAll(cal, "\r\n ", ""), want) {
			t.Errorf("the calendar lacks %q:\n%s", want, cal)
		}
	}
	for _, want := range []string{"Accept this first invitation once", "https://planner.example.org/a/page-of-ana",
		"New on your agenda: Bus back to the hotel"} {
		if !strings.Contains(first.text, want) || !strings.Contains(first.html, want) {
			t.Errorf("the welcome's text or HTML lacks %q:\n%s\n%s", want, first.text, first.html)
		}
	}
	if len(f.server.messages()[0].to) != 1 {
		t.Errorf("recipients %v", f.server.messages()[0].to)
	}

	t.Run("moving the bus sends one REQUEST with a higher SEQUENCE", func(t *testing.T) {
		a.busAt = "17:15"
		f.importAgenda(a)
		f.clock.Advance(mergeDelay + time.Second)
		f.drain()
		m := only(t, f.next(&seen), "bus")
		bus := f.uidOf("run/bus-back")
		got := events(t, m.parsed["REQUEST"])
		if len(got) != 1 || got[bus] <= feed[bus].Sequence {
			t.Errorf("REQUEST events %v, want only %s above %d", got, bus, feed[bus].Sequence)
		}
		if got[bus] != f.feedUIDs()[bus].Sequence {
			t.Errorf("SEQUENCE %d, the feed's %d", got[bus], f.feedUIDs()[bus].Sequence)
		}
		if !strings.Contains(m.text, "Bus back to the hotel: now 17:15") || !strings.Contains(m.subject, "now 17:15") {
			t.Errorf("text %q, subject %q", m.text, m.subject)
		}
		if strings.Contains(m.text, "Accept this first invitation") {
			t.Errorf("a later message welcomes again")
		}
	})

	t.Run("cancelling the reception sends a CANCEL", func(t *testing.T) {
		a.reception = "cancelled"
		f.importAgenda(a)
		f.clock.Advance(mergeDelay + time.Second)
		f.drain()
		m := only(t, f.next(&seen), "reception")
		rec := f.uidOf("session/reception")
		got := events(t, m.parsed["CANCEL"])
		if len(got) != 1 || got[rec] != f.feedUIDs()[rec].Sequence {
			t.Errorf("CANCEL events %v, want %s at %d", got, rec, f.feedUIDs()[rec].Sequence)
		}
		if m.parsed["REQUEST"] != nil {
			t.Errorf("a cancellation also requests")
		}
		if !strings.Contains(m.text, "Cancelled: U.S. reception") {
			t.Errorf("text %q", m.text)
		}
	})

	t.Run("taken off the Town Hall: CANCEL, no longer on the agenda", func(t *testing.T) {
		a.townHallAna = false
		f.importAgenda(a)
		f.clock.Advance(mergeDelay + time.Second)
		f.drain()
		m := only(t, f.next(&seen), "town hall")
		if got := events(t, m.parsed["CANCEL"]); len(got) != 1 || got[f.uidOf("session/townhall")] == 0 {
			t.Errorf("CANCEL events %v", got)
		}
		if !strings.Contains(m.text, "No longer on your agenda: Town Hall") {
			t.Errorf("text %q", m.text)
		}
	})

	t.Run("three edits within the merge delay make one message", func(t *testing.T) {
		for i, title := range []string{"Briefing 1", "Briefing 2", "Morning briefing"} {
			a.meetingTitle = title
			a.busAt = []string{"17:20", "17:25", "17:30"}[i]
			f.importAgenda(a)
			f.clock.Advance(mergeDelay / 3)
			f.drain()
		}
		if got := f.next(&seen); len(got) != 0 {
			t.Fatalf("%d messages while edits kept coming", len(got))
		}
		f.clock.Advance(mergeDelay)
		f.drain()
		m := only(t, f.next(&seen), "burst")
		got := events(t, m.parsed["REQUEST"])
		if len(got) != 2 {
			t.Errorf("REQUEST events %v, want the briefing and the bus", got)
		}
		for _, want := range []string{"Briefing: now called Morning briefing", "Bus back to the hotel: now 17:30"} {
			if !strings.Contains(m.text, want) {
				t.Errorf("text lacks %q: %q", want, m.text)
			}
		}
		list, err := f.store.Outbox(t.Context(), "visit")
		if err != nil {
			t.Fatal(err)
		}
		if list[0].Status != store.OutboxSent || list[0].Summary == "" {
			t.Errorf("outbox's newest message: %+v", list[0])
		}
	})

	t.Run("a move and a cancellation in one batch: REQUEST and CANCEL parts", func(t *testing.T) {
		a.busAt = "17:45"
		a.briefing = "cancelled"
		f.importAgenda(a)
		f.clock.Advance(mergeDelay + time.Second)
		f.drain()
		m := only(t, f.next(&seen), "move and cancel")
		if got := events(t, m.parsed["REQUEST"]); len(got) != 1 || got[f.uidOf("run/bus-back")] == 0 {
			t.Errorf("REQUEST events %v, want the bus", got)
		}
		if got := events(t, m.parsed["CANCEL"]); len(got) != 1 || got[f.uidOf("session/briefing")] == 0 {
			t.Errorf("CANCEL events %v, want the briefing", got)
		}
		for _, want := range []string{"Bus back to the hotel: now 17:45", "Cancelled: Morning briefing"} {
			if !strings.Contains(m.text, want) {
				t.Errorf("text lacks %q: %q", want, m.text)
			}
		}
	})

	t.Run("nothing new for her: no message", func(t *testing.T) {
		before, err := f.store.Outbox(t.Context(), "visit")
		if err != nil {
			t.Fatal(err)
		}
		// A change to the programme that is not on her agenda.
		p := a.file(t)
		p.Description = "Now with a description."
		if _, err := f.store.Import(t.Context(), p, store.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(mergeDelay + time.Second)
		f.drain()
		if got := f.next(&seen); len(got) != 0 {
			t.Errorf("%d messages for a change she does not see", len(got))
		}
		after, err := f.store.Outbox(t.Context(), "visit")
		if err != nil {
			t.Fatal(err)
		}
		if len(after) != len(before) {
			t.Errorf("the outbox grew from %d to %d messages", len(before), len(after))
		}
	})
}

// TestMailServerDownThenUp: while the server is down the message is
// deferred with backoff, then delivered once when it is back.
func TestMailServerDownThenUp(t *testing.T) {
	f := newFixture(t)
	f.importAgenda(baseAgenda())
	f.server.stop()
	f.clock.Advance(mergeDelay + time.Second)
	for attempt := 1; attempt <= 3; attempt++ {
		f.drain()
		list, err := f.store.Outbox(t.Context(), "visit")
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].Status != store.OutboxDeferred || list[0].Attempts != attempt || list[0].LastError == "" {
			t.Fatalf("attempt %d: outbox %+v", attempt, list)
		}
		// A change while the server is down merges into the waiting message.
		a := baseAgenda()
		a.busAt = []string{"17:05", "17:10", "17:15"}[attempt-1]
		f.importAgenda(a)
		f.clock.Advance(time.Hour)
	}
	f.server.start()
	f.drain()
	f.clock.Advance(time.Hour)
	f.drain()
	msgs := f.server.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages delivered, want 1", len(msgs))
	}
	m := parseMessage(t, msgs[0])
	if !strings.Contains(m.text, "New on your agenda: Bus back to the hotel, Sun 6 Nov, 17:15") {
		t.Errorf("the message is not the latest state: %q", m.text)
	}
	list, err := f.store.Outbox(t.Context(), "visit")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Status != store.OutboxSent || list[0].SentAt == nil {
		t.Errorf("outbox %+v", list)
	}
}

// TestRefusedForGood: a 5xx answer fails the message with the server's
// words, and it is not retried.
func TestRefusedForGood(t *testing.T) {
	f := newFixture(t)
	f.server.mu.Lock()
	f.server.refuse = "ana@example.org"
	f.server.mu.Unlock()
	f.importAgenda(baseAgenda())
	f.clock.Advance(mergeDelay + time.Second)
	f.drain()
	f.clock.Advance(2 * time.Hour)
	f.drain()
	list, err := f.store.Outbox(t.Context(), "visit")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Status != store.OutboxFailed || list[0].Attempts != 1 ||
		!strings.Contains(list[0].LastError, "No such mailbox here") {
		t.Errorf("outbox %+v", list)
	}
	if n := len(f.server.messages()); n != 0 {
		t.Errorf("%d messages delivered", n)
	}
}

// TestTemporaryRefusal: a 4xx answer defers the message.
func TestTemporaryRefusal(t *testing.T) {
	f := newFixture(t)
	f.server.mu.Lock()
	f.server.tempErr = true
	f.server.mu.Unlock()
	f.importAgenda(baseAgenda())
	f.clock.Advance(mergeDelay + time.Second)
	f.drain()
	list, err := f.store.Outbox(t.Context(), "visit")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Status != store.OutboxDeferred || !strings.Contains(list[0].LastError, "Try again later") {
		t.Fatalf("outbox %+v", list)
	}
	f.server.mu.Lock()
	f.server.tempErr = false
	f.server.mu.Unlock()
	f.clock.Advance(time.Hour)
	f.drain()
	if n := len(f.server.messages()); n != 1 {
		t.Errorf("%d messages delivered, want 1", n)
	}
}

// TestPausedMail: a paused programme's messages wait, gathering changes,
// and go at once when mail resumes.
func TestPausedMail(t *testing.T) {
	f := newFixture(t)
	if err := f.store.SetMailPaused(t.Context(), "visit", true); err == nil {
		t.Fatal("pausing an unknown programme succeeded")
	}
	a := baseAgenda()
	f.importAgenda(a)
	if err := f.store.SetMailPaused(t.Context(), "visit", true); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(mergeDelay + time.Second)
	f.drain()
	a.busAt = "18:00"
	f.importAgenda(a)
	f.clock.Advance(time.Hour)
	f.drain()
	if n := len(f.server.messages()); n != 0 {
		t.Fatalf("%d messages while paused", n)
	}
	if err := f.store.SetMailPaused(t.Context(), "visit", false); err != nil {
		t.Fatal(err)
	}
	f.drain()
	if n := len(f.server.messages()); n != 1 {
		t.Fatalf("%d messages on resuming, want 1", n)
	}
}

// TestTwoWorkersNoDuplicate: two app instances, each with its own store on
// one database, send every message exactly once.
func TestTwoWorkersNoDuplicate(t *testing.T) {
	f := newFixture(t)
	a := baseAgenda()
	a.extraPeople = 12
	f.importAgenda(a)
	f.clock.Advance(mergeDelay + time.Second)

	workers := []*invite.Worker{f.worker, f.newWorker(f.open(), "w2")}
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				worked, err := w.RunOnce(t.Context())
				if err != nil {
					t.Errorf("%s: %v", w.Name, err)
					return
				}
				if !worked {
					return
				}
			}
		}()
	}
	wg.Wait()
	count := map[string]int{}
	for _, m := range f.server.messages() {
		for _, to := range m.to {
			count[to]++
		}
	}
	if len(count) != 13 {
		t.Errorf("%d recipients, want 13", len(count))
	}
	for to, n := range count {
		if n != 1 {
			t.Errorf("%s got %d messages", to, n)
		}
	}
}
