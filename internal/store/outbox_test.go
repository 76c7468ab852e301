package store_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
)

// mailFixture is the store fixture with Omar and Syed asking for their
// agenda by e-mail.
func mailFixture(t *testing.T) *programme.Programme {
	t.Helper()
	p := fixture(t)
	p.OrganizerEmail = "events@example.org"
	for i := range p.People {
		switch p.People[i].Key {
		case "omar-ansari", "syed-shah":
			p.People[i].Email = p.People[i].Key + "@example.org"
			p.People[i].CalendarByEmail = true
		}
	}
	return p
}

func openMail(t *testing.T) (*store.Store, *storetest.Clock) {
	t.Helper()
	clock := storetest.NewClock(t0)
	return storetest.Open(t, store.WithNow(clock.Now), store.WithMailMergeDelay(30*time.Second)), clock
}

// outboxOf lists the outbox by person.
func outboxOf(t *testing.T, s *store.Store) map[string][]store.OutboxMessage {
	t.Helper()
	list, err := s.Outbox(t.Context(), "igf2016-cldp")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]store.OutboxMessage{}
	for _, m := range list {
		out[m.PersonKey] = append(out[m.PersonKey], m)
	}
	return out
}

func enqueue(t *testing.T, s *store.Store, people []string, change int64) {
	t.Helper()
	err := s.DB().Transaction(func(tx *gorm.DB) error {
		return s.EnqueueInvitations(tx, "igf2016-cldp", people, change)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestMailFieldsAreStored(t *testing.T) {
	s, _ := openMail(t)
	mustImportOpt(t, s, mailFixture(t), store.ImportOptions{})
	p := mustLoad(t, s, "igf2016-cldp")
	if p.OrganizerEmail != "events@example.org" || !p.Person("omar-ansari").CalendarByEmail || p.Person("joe-gattuso").CalendarByEmail {
		t.Errorf("OrganizerEmail %q, calendar_by_email omar %v joe %v", p.OrganizerEmail,
			p.Person("omar-ansari").CalendarByEmail, p.Person("joe-gattuso").CalendarByEmail)
	}
	// Turning it off is a change of the person that is stored.
	off := mailFixture(t)
	off.OrganizerEmail = ""
	for i := range off.People {
		off.People[i].CalendarByEmail = false
	}
	if r := mustImportOpt(t, s, off, store.ImportOptions{}); !r.Changed {
		t.Errorf("turning mail off changed nothing")
	}
	p = mustLoad(t, s, "igf2016-cldp")
	if p.OrganizerEmail != "" || p.Person("omar-ansari").CalendarByEmail {
		t.Errorf("after turning off: %q %v", p.OrganizerEmail, p.Person("omar-ansari").CalendarByEmail)
	}
}

func TestImportEnqueuesPeopleWhoGetMail(t *testing.T) {
	s, clock := openMail(t)
	mustImportOpt(t, s, mailFixture(t), store.ImportOptions{})
	box := outboxOf(t, s)
	if len(box) != 2 || len(box["omar-ansari"]) != 1 || len(box["syed-shah"]) != 1 {
		t.Fatalf("outbox %v, want one message each for omar-ansari and syed-shah", box)
	}
	if m := box["omar-ansari"][0]; m.Status != store.OutboxPending || !m.DueAt.Equal(clock.Now().Add(30*time.Second)) {
		t.Errorf("message %+v, want pending, due in 30 s", m)
	}
	// A dry run and an unchanged import enqueue nothing new.
	clock.Advance(10 * time.Second)
	mustImportOpt(t, s, mailFixture(t), store.ImportOptions{})
	mustImportOpt(t, s, mailFixture(t), store.ImportOptions{DryRun: true})
	if m := outboxOf(t, s)["omar-ansari"][0]; !m.DueAt.Equal(t0.Add(30 * time.Second)) {
		t.Errorf("an unchanged import moved the message to %v", m.DueAt)
	}
}

func TestEnqueueMergesIntoTheWaitingMessage(t *testing.T) {
	s, clock := openMail(t)
	mustImportOpt(t, s, mailFixture(t), store.ImportOptions{})
	for change := int64(1); change <= 3; change++ {
		clock.Advance(10 * time.Second)
		enqueue(t, s, []string{"omar-ansari", "joe-gattuso"}, change)
	}
	box := outboxOf(t, s)
	omar := box["omar-ansari"]
	if len(omar) != 1 || !slices.Equal(omar[0].ChangeIDs, []int64{1, 2, 3}) ||
		!omar[0].DueAt.Equal(clock.Now().Add(30*time.Second)) {
		t.Errorf("omar's messages %+v, want one carrying changes 1-3 due 30 s after the last", omar)
	}
	if len(box["joe-gattuso"]) != 0 {
		t.Errorf("joe, who gets no mail, has messages")
	}
	// Edits that never stop are held back at most ten merge delays.
	for range 40 {
		clock.Advance(20 * time.Second)
		enqueue(t, s, []string{"omar-ansari"}, 0)
	}
	if m := outboxOf(t, s)["omar-ansari"][0]; !m.DueAt.Equal(t0.Add(300 * time.Second)) {
		t.Errorf("due %v, want %v", m.DueAt, t0.Add(300*time.Second))
	}
	if err := s.DB().Transaction(func(tx *gorm.DB) error {
		return s.EnqueueInvitations(tx, "nope", nil, 0)
	}); programme.ErrorCode(err) != programme.ENOTFOUND {
		t.Errorf("unknown programme: %v", err)
	}
}

func TestClaimAndFinish(t *testing.T) {
	s, clock := openMail(t)
	ctx := t.Context()
	mustImportOpt(t, s, mailFixture(t), store.ImportOptions{})
	if _, ok, err := s.ClaimInvitation(ctx, "w1", time.Minute); err != nil || ok {
		t.Fatalf("claimed a message before it was due: %v %v", ok, err)
	}
	clock.Advance(31 * time.Second)
	first, ok, err := s.ClaimInvitation(ctx, "w1", time.Minute)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	second, ok, err := s.ClaimInvitation(ctx, "w2", time.Minute)
	if err != nil || !ok || second.ID == first.ID {
		t.Fatalf("second claim %+v %v %v", second, ok, err)
	}
	if _, ok, _ := s.ClaimInvitation(ctx, "w3", time.Minute); ok {
		t.Fatal("a third claim found a message while both were held")
	}

	// A change arrives while the first is being sent: it goes on in a new message.
	enqueue(t, s, []string{first.PersonKey}, 7)
	items := []store.SentItem{{UID: "u1", Recipient: "r@example.org", Sequence: 2, Title: "T",
		StartsAt: t0, EndsAt: t0.Add(time.Hour)}}
	if err := s.FinishInvitation(ctx, first, store.OutboxResult{Status: store.OutboxSent, Recipient: "r@example.org",
		Summary: "New on your agenda: T", Items: items}); err != nil {
		t.Fatal(err)
	}
	msgs := outboxOf(t, s)[first.PersonKey]
	if len(msgs) != 2 || msgs[0].Status != store.OutboxPending || !slices.Equal(msgs[0].ChangeIDs, []int64{7}) ||
		msgs[1].Status != store.OutboxSent || msgs[1].SentAt == nil || !slices.Equal(msgs[1].ChangeIDs, []int64{1}) {
		t.Errorf("after a change during the send: %+v", msgs)
	}
	sent, err := s.SentItems(ctx, "igf2016-cldp", first.PersonKey)
	if err != nil || sent["u1"].Sequence != 2 || !sent["u1"].StartsAt.Equal(t0) {
		t.Errorf("sent items %+v %v", sent, err)
	}
	if err := s.FinishInvitation(ctx, first, store.OutboxResult{Status: store.OutboxSent}); err != store.ErrClaimLost {
		t.Errorf("finishing twice: %v, want ErrClaimLost", err)
	}

	// A deferred attempt waits for its retry, and keeps its backoff when
	// a change merges in.
	retry := clock.Now().Add(10 * time.Minute)
	if err := s.FinishInvitation(ctx, second, store.OutboxResult{Status: store.OutboxPending, Error: "451 later",
		RetryAt: retry}); err != nil {
		t.Fatal(err)
	}
	enqueue(t, s, []string{second.PersonKey}, 8)
	m := outboxOf(t, s)[second.PersonKey][0]
	if m.Status != store.OutboxDeferred || m.Attempts != 1 || m.LastError != "451 later" || !m.DueAt.Equal(retry) {
		t.Errorf("deferred message %+v", m)
	}

	// A lease that ran out lets another worker take the message.
	clock.Advance(10*time.Minute + time.Second)
	again, ok, err := s.ClaimInvitation(ctx, "w1", time.Minute)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	clock.Advance(2 * time.Minute)
	stolen, ok, err := s.ClaimInvitation(ctx, "w2", time.Minute)
	if err != nil || !ok || stolen.ID != again.ID {
		t.Fatalf("expired lease: %+v %v %v", stolen, ok, err)
	}
	if err := s.FinishInvitation(ctx, again, store.OutboxResult{Status: store.OutboxSent}); err != store.ErrClaimLost {
		t.Errorf("the first worker finished a message taken from it: %v", err)
	}
}

// TestClaimsNeverOverlap: many workers, each with its own store on one
// database, claim every message exactly once.
func TestClaimsNeverOverlap(t *testing.T) {
	clock := storetest.NewClock(t0)
	url := storetest.FreshURL(t)
	open := func() *store.Store {
		return storetest.OpenURL(t, url, store.WithNow(clock.Now), store.WithMailMergeDelay(time.Second))
	}
	s := open()
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	p := mailFixture(t)
	for i := range 30 {
		key := "p" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		p.People = append(p.People, programme.Person{Key: key, Name: key, Role: "other",
			Email: key + "@example.org", CalendarByEmail: true})
	}
	mustImportOpt(t, s, p, store.ImportOptions{})
	clock.Advance(time.Minute)
	var mu sync.Mutex
	claimed := map[int64]int{}
	var wg sync.WaitGroup
	for w := range 4 {
		st := s
		if w%2 == 1 {
			st = open()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c, ok, err := st.ClaimInvitation(t.Context(), string(rune('A'+w)), time.Hour)
				if err != nil {
					t.Error(err)
					return
				}
				if !ok {
					return
				}
				mu.Lock()
				claimed[c.ID]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(claimed) != 32 {
		t.Errorf("%d messages claimed, want 32", len(claimed))
	}
	for id, n := range claimed {
		if n != 1 {
			t.Errorf("message %d claimed %d times", id, n)
		}
	}
}

func TestMailPause(t *testing.T) {
	s, clock := openMail(t)
	ctx := t.Context()
	mustImportOpt(t, s, mailFixture(t), store.ImportOptions{})
	if err := s.SetMailPaused(ctx, "igf2016-cldp", true); err != nil {
		t.Fatal(err)
	}
	if paused, err := s.MailPaused(ctx, "igf2016-cldp"); err != nil || !paused {
		t.Fatalf("MailPaused %v %v", paused, err)
	}
	clock.Advance(time.Hour)
	if _, ok, _ := s.ClaimInvitation(ctx, "w", time.Minute); ok {
		t.Fatal("claimed a message of a paused programme")
	}
	enqueue(t, s, nil, 0) // a later edit: due again after the merge delay
	if err := s.SetMailPaused(ctx, "igf2016-cldp", false); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.ClaimInvitation(ctx, "w", time.Minute); !ok {
		t.Error("resuming did not make the waiting messages due at once")
	}
	if err := s.SetMailPaused(ctx, "nope", true); programme.ErrorCode(err) != programme.ENOTFOUND {
		t.Errorf("unknown programme: %v", err)
	}
	if _, err := s.Outbox(ctx, "nope"); programme.ErrorCode(err) != programme.ENOTFOUND {
		t.Errorf("outbox of an unknown programme: %v", err)
	}
}

// TestSkippedMessages: a message with nothing to say is dropped, unless a
// change arrived while it was worked out.
func TestSkippedMessages(t *testing.T) {
	s, clock := openMail(t)
	ctx := t.Context()
	mustImportOpt(t, s, mailFixture(t), store.ImportOptions{})
	clock.Advance(time.Minute)
	for range 2 {
		c, ok, err := s.ClaimInvitation(ctx, "w", time.Minute)
		if err != nil || !ok {
			t.Fatal(ok, err)
		}
		if c.PersonKey == "syed-shah" {
			enqueue(t, s, []string{"syed-shah"}, 5)
		}
		if err := s.FinishInvitation(ctx, c, store.OutboxResult{Status: store.OutboxSkipped, Summary: "Nothing new."}); err != nil {
			t.Fatal(err)
		}
	}
	box := outboxOf(t, s)
	if len(box["omar-ansari"]) != 0 {
		t.Errorf("omar's skipped message is kept: %+v", box["omar-ansari"])
	}
	if m := box["syed-shah"]; len(m) != 1 || m[0].Status != store.OutboxPending || !slices.Contains(m[0].ChangeIDs, 5) {
		t.Errorf("syed's message, which change 5 reached while it was worked out: %+v", m)
	}
}

// TestChangesEnqueueWithTheirID: every recorded change, an import or a
// staff edit, marks the people who get mail with the change's id, and a
// change built from the stored header keeps the organizer's address.
func TestChangesEnqueueWithTheirID(t *testing.T) {
	s, clock := openMail(t)
	ctx := t.Context()
	imported, err := s.ImportChange(ctx, mailFixture(t), store.ImportOptions{})
	if err != nil || imported.Change == nil {
		t.Fatal(imported, err)
	}
	clock.Advance(time.Second)
	removed, err := s.Change(ctx, "igf2016-cldp", programme.ChangeRequest{
		Remove: []programme.ItemRef{{Kind: programme.KindRun, Key: "day0-bus"}}, Source: programme.SourceWeb,
	})
	if err != nil || removed.Change == nil {
		t.Fatal(removed, err)
	}
	box := outboxOf(t, s)
	for _, person := range []string{"omar-ansari", "syed-shah"} {
		if m := box[person]; len(m) != 1 || !slices.Equal(m[0].ChangeIDs, []int64{imported.Change.ID, removed.Change.ID}) {
			t.Errorf("%s: %+v, want one message with changes %d and %d", person, m, imported.Change.ID, removed.Change.ID)
		}
	}
	if p := mustLoad(t, s, "igf2016-cldp"); p.OrganizerEmail != "events@example.org" {
		t.Errorf("cancelling a run changed the organizer's e-mail to %q", p.OrganizerEmail)
	}
}
