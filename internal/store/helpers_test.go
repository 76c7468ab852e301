package store_test

import (
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
	"github.com/planner-dev/planner/migrations"
	"github.com/pressly/goose/v3"
)

// t0 is the test clock's start, in a zone other than UTC so that a store
// that forgot to convert would show it.
var t0 = time.Date(2016, 11, 1, 9, 0, 0, 0, time.FixedZone("CST", -6*3600))

// openClocked returns a fresh store whose clock the test moves.
func openClocked(t *testing.T) (*store.Store, *storetest.Clock) {
	t.Helper()
	clock := storetest.NewClock(t0)
	return storetest.Open(t, store.WithNow(clock.Now)), clock
}

// countQueries counts the statements the store runs from now on.
func countQueries(t testing.TB, s *store.Store) *atomic.Int64 {
	t.Helper()
	var n atomic.Int64
	count := func(*gorm.DB) { n.Add(1) }
	cb := s.DB().Callback()
	for _, err := range []error{
		cb.Query().After("gorm:query").Register("storetest:count_query", count),
		cb.Row().After("gorm:row").Register("storetest:count_row", count),
		cb.Raw().After("gorm:raw").Register("storetest:count_raw", count),
		cb.Create().After("gorm:create").Register("storetest:count_create", count),
		cb.Update().After("gorm:update").Register("storetest:count_update", count),
		cb.Delete().After("gorm:delete").Register("storetest:count_delete", count),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return &n
}

func mustLoad(t *testing.T, s *store.Store, slug string) *programme.Programme {
	t.Helper()
	p, err := s.Programme(t.Context(), slug)
	if err != nil {
		t.Fatalf("Programme(%q): %v", slug, err)
	}
	return p
}

func mustImportOpt(t *testing.T, s *store.Store, p *programme.Programme, opt store.ImportOptions) store.ImportReport {
	t.Helper()
	r, err := s.Import(t.Context(), p, opt)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	return r
}

// found returns v, failing the test with the message format and args when it
// is nil: a test that names an item its programme lacks is broken, and says
// so rather than panicking on a nil pointer.
func found[T any](t *testing.T, v *T, format string, args ...any) *T {
	t.Helper()
	if v == nil {
		t.Fatalf(format, args...)
	}
	return v
}

// sessionByKey, runByKey, slotByKey, roomByKey and venueByKey return the
// item with key, failing the test if there is none.
func sessionByKey(t *testing.T, p *programme.Programme, key string) *programme.Session {
	t.Helper()
	return found(t, p.Session(key), "no session %q", key)
}

func runByKey(t *testing.T, p *programme.Programme, key string) *programme.Run {
	t.Helper()
	return found(t, p.Run(key), "no run %q", key)
}

func slotByKey(t *testing.T, s *programme.Session, key string) *programme.Slot {
	t.Helper()
	return found(t, s.Slot(key), "no slot %q in session %q", key, s.Key)
}

func roomByKey(t *testing.T, p *programme.Programme, key string) *programme.Room {
	t.Helper()
	return found(t, p.Room(key), "no room %q", key)
}

func venueByKey(t *testing.T, p *programme.Programme, key string) *programme.Venue {
	t.Helper()
	return found(t, p.Venue(key), "no venue %q", key)
}

// stripStored clears what the store adds to a programme (Change fields of
// venues, rooms, sessions, slots and runs,
// audience, speaker, delegation and room history, inactive staying-behind entries, Changes and
// Since, Version, UpdatedAt), to compare with a file.
func stripStored(p *programme.Programme) *programme.Programme {
	c := *p
	c.Version, c.UpdatedAt = 0, time.Time{}
	c.Venues = slices.Clone(p.Venues)
	for i := range c.Venues {
		c.Venues[i].Change = programme.Change{}
	}
	c.Rooms = slices.Clone(p.Rooms)
	for i := range c.Rooms {
		c.Rooms[i].Change = programme.Change{}
	}
	c.People = slices.Clone(p.People)
	for i := range c.People {
		c.People[i].FormerDelegations = nil
		c.People[i].Change = programme.Change{}
	}
	c.Sessions = append([]programme.Session(nil), p.Sessions...)
	for i := range c.Sessions {
		s := &c.Sessions[i]
		s.Change = programme.Change{}
		s.FormerRooms = nil
		s.Audience.Former = nil
		s.Slots = append([]programme.Slot(nil), s.Slots...)
		for j := range s.Slots {
			s.Slots[j].Change = programme.Change{}
			s.Slots[j].FormerSpeakers = nil
		}
	}
	c.Transport = append([]programme.Run(nil), p.Transport...)
	for i := range c.Transport {
		r := &c.Transport[i]
		r.Change = programme.Change{}
		r.Riders.Former = nil
		// A file lists only who stays behind now, without history.
		r.StayingBehind = nil
		for _, sb := range p.Transport[i].StayingBehind {
			if sb.Active {
				sb.Changes, sb.Since = 0, time.Time{}
				r.StayingBehind = append(r.StayingBehind, sb)
			}
		}
	}
	return &c
}

// migrationsOf returns a goose provider over s's own migrations, for tests
// that step the schema down and up again.
func migrationsOf(t *testing.T, s *store.Store) *goose.Provider {
	t.Helper()
	sqlDB, err := s.DB().DB()
	if err != nil {
		t.Fatal(err)
	}
	dialect := goose.DialectSQLite3
	if s.Dialect() == store.DialectPostgres {
		dialect = goose.DialectPostgres
	}
	provider, err := goose.NewProvider(dialect, sqlDB, migrations.For(s.Dialect()), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	return provider
}

// changeSeq reads the change counter (FeedChangeSeq), failing the test on
// an error.
func changeSeq(t testing.TB, s *store.Store) int64 {
	t.Helper()
	n, err := s.FeedChangeSeq(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return n
}
