package feeds

import (
	"bytes"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
)

// currentEnv is two Services, each with its own Store on one database
// holding the demo, as two processes are; statements counts here's.
type currentEnv struct {
	clock       *storetest.Clock
	here, other *Service
	statements  *statements
	slug        string
}

func newCurrentEnv(t *testing.T) *currentEnv {
	t.Helper()
	clock := storetest.NewClock(time.Date(2016, 11, 20, 12, 0, 0, 0, time.UTC))
	p := sample.Demo(t)
	here, other := twoServices(t, clock, p)
	return &currentEnv{clock: clock, here: here, other: other, statements: countStatements(t, here.Store().DB()), slug: p.Slug}
}

// twoServices returns two Services, each with its own Store on one new
// database holding p, as two `serve` processes (or `serve` and `planner
// feeds`) are, on clock.
func twoServices(t *testing.T, clock *storetest.Clock, p *programme.Programme) (here, other *Service) {
	t.Helper()
	url := storetest.FreshURL(t)
	keys, err := NewKeyring(bytes.Repeat([]byte{42}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	var svcs [2]*Service
	for i := range svcs {
		st := storetest.OpenURL(t, url, store.WithNow(clock.Now))
		if i == 0 {
			if err := st.Migrate(t.Context()); err != nil {
				t.Fatal(err)
			}
			storetest.MustImport(t, st, p)
		}
		svcs[i] = NewService(st, keys, "https://planner.example.org", clock.Now)
	}
	return svcs[0], svcs[1]
}

// current is here's Current, with the statements it ran.
func (env *currentEnv) current(t *testing.T) (*programme.Programme, []string) {
	t.Helper()
	var p *programme.Programme
	tables := env.statements.during(func() {
		var err error
		if p, err = env.here.Current(t.Context(), env.slug); err != nil {
			t.Fatal(err)
		}
	})
	return p, tables
}

func (env *currentEnv) sync(t *testing.T) {
	t.Helper()
	if err := env.here.SyncChanges(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func (env *currentEnv) storedVersion(t *testing.T) int64 {
	t.Helper()
	v, _, err := env.here.Store().ProgrammeVersion(t.Context(), env.slug)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// rename changes the title of the programme's first session through st,
// as the session form does, and returns the new title.
func (env *currentEnv) rename(t *testing.T, st *store.Store, title string) string {
	t.Helper()
	p, err := st.Programme(t.Context(), env.slug)
	if err != nil {
		t.Fatal(err)
	}
	batch := p.Header()
	s := p.Sessions[0]
	s.Title = title
	batch.Sessions = []programme.Session{s}
	if _, err := st.Change(t.Context(), env.slug, programme.ChangeRequest{Batch: batch, Source: programme.SourceWeb}); err != nil {
		t.Fatal(err)
	}
	return title
}

// While Watch keeps memory current, Current takes the programme's version
// from memory: after the first load, it asks the database nothing.
func TestCurrentAsksTheDatabaseNothingWhileMemoryIsTrusted(t *testing.T) {
	env := newCurrentEnv(t)
	env.sync(t)
	first, _ := env.current(t)
	if first.Version != env.storedVersion(t) {
		t.Fatalf("Current gave version %d, the database holds %d", first.Version, env.storedVersion(t))
	}
	for range 3 {
		p, tables := env.current(t)
		if len(tables) > 0 {
			t.Errorf("Current with memory current ran %d statements (%v), want none", len(tables), tables)
		}
		if p != first {
			t.Error("Current gave another copy of an unchanged programme")
		}
	}
}

// A change committed by this process is seen by its next Current at once,
// before Watch learns of it, through every write path (a change, as the
// staff forms and the API make; an import; an undo); and by its feeds too.
// Once memory catches up, Current asks nothing again.
func TestCurrentSeesThisProcesssChangeAtOnce(t *testing.T) {
	env := newCurrentEnv(t)
	ctx := t.Context()
	list, err := env.here.List(ctx, env.slug, true)
	if err != nil {
		t.Fatal(err)
	}
	token := list[0].URL[len("https://planner.example.org/feeds/") : len(list[0].URL)-len(".ics")]
	env.sync(t)
	if _, tables := env.current(t); len(tables) == 0 {
		t.Fatal("the first Current loaded nothing")
	}
	if _, err := env.here.Lookup(ctx, token); err != nil {
		t.Fatal(err)
	}

	st := env.here.Store()
	title := env.rename(t, st, "Renamed through this process")
	p, tables := env.current(t)
	if p.Sessions[0].Title != title || p.Version != env.storedVersion(t) {
		t.Fatalf("after this process's change Current gave %q at version %d, want %q at %d",
			p.Sessions[0].Title, p.Version, title, env.storedVersion(t))
	}
	if len(tables) == 0 {
		t.Error("Current after this process's change asked the database nothing")
	}
	if f, err := env.here.Lookup(ctx, token); err != nil || f.Version != p.Version {
		t.Errorf("a feed after this process's change: %v, version %d, want %d", err, f.Version, p.Version)
	}

	imported := sample.Demo(t)
	imported.Sessions[0].Title = "Renamed by an import"
	res, err := st.ImportChange(ctx, imported, store.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := env.current(t); p.Sessions[0].Title != imported.Sessions[0].Title {
		t.Fatalf("after this process's import Current gave %q", p.Sessions[0].Title)
	}
	if _, err := st.Undo(ctx, env.slug, res.Change.ID, programme.Author{Name: "Staff"}, programme.SourceWeb); err != nil {
		t.Fatal(err)
	}
	if p, _ := env.current(t); p.Sessions[0].Title != title {
		t.Fatalf("after this process's undo Current gave %q, want %q", p.Sessions[0].Title, title)
	}

	env.sync(t)
	synced, _ := env.current(t)
	if p, tables := env.current(t); len(tables) > 0 || p != synced || p.Sessions[0].Title != title {
		t.Errorf("with memory caught up: %d statements (%v), %q; want none, %q", len(tables), tables, p.Sessions[0].Title, title)
	}
}

// A change by another process is seen once memory learns of it (Watch's
// next check, here SyncChanges); until then memory answers, as it does for
// the feeds, within ChangeTrustWindow.
func TestCurrentSeesAnotherProcesssChangeOnceSynced(t *testing.T) {
	env := newCurrentEnv(t)
	env.sync(t)
	before, _ := env.current(t)
	title := env.rename(t, env.other.Store(), "Renamed by another process")
	if p, tables := env.current(t); p != before || len(tables) > 0 {
		t.Errorf("before the check, Current asked %v and gave %q; want memory's copy", tables, p.Sessions[0].Title)
	}
	env.sync(t)
	if p, _ := env.current(t); p.Sessions[0].Title != title || p.Version != env.storedVersion(t) {
		t.Errorf("after the check Current gave %q at version %d, want %q at %d", p.Sessions[0].Title, p.Version, title, env.storedVersion(t))
	}
}

// Memory that Watch does not keep current (never checked, or checked
// longer than ChangeTrustWindow ago) answers nothing: Current asks the
// database, and sees another process's change at once.
func TestCurrentAsksTheDatabaseWhenMemoryIsNotTrusted(t *testing.T) {
	env := newCurrentEnv(t)
	env.current(t)
	title := env.rename(t, env.other.Store(), "Renamed before any check")
	p, tables := env.current(t)
	if len(tables) == 0 || p.Sessions[0].Title != title {
		t.Fatalf("unchecked memory: Current ran %v and gave %q, want the database's %q", tables, p.Sessions[0].Title, title)
	}

	env.sync(t)
	env.clock.Advance(ChangeTrustWindow)
	title = env.rename(t, env.other.Store(), "Renamed after the trust lapsed")
	p, tables = env.current(t)
	if len(tables) == 0 || p.Sessions[0].Title != title {
		t.Fatalf("lapsed memory: Current ran %v and gave %q, want the database's %q", tables, p.Sessions[0].Title, title)
	}
}
