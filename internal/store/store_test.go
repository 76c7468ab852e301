package store_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
	"github.com/planner-dev/planner/migrations"
)

func TestDialectFollowsEnvironment(t *testing.T) {
	want := store.DialectSQLite
	if os.Getenv(storetest.EnvURL) != "" {
		want = store.DialectPostgres
	}
	if got := storetest.Open(t).Dialect(); got != want {
		t.Errorf("Dialect() = %q, want %q", got, want)
	}
}

func TestOpenSQLitePaths(t *testing.T) {
	tests := []struct {
		name string
		url  func(path string) string
	}{
		{"plain path", func(p string) string { return p }},
		{"sqlite: prefix", func(p string) string { return "sqlite:" + p }},
		{"file: URI with its own query", func(p string) string { return "file:" + p + "?_pragma=cache_size(-2000)" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "with space.db")
			s := storetest.OpenURL(t, tt.url(path))
			if s.Dialect() != store.DialectSQLite {
				t.Errorf("Dialect() = %q, want sqlite", s.Dialect())
			}
			if err := s.Migrate(t.Context()); err != nil {
				t.Fatalf("Migrate: %v", err)
			}
			if _, err := os.Stat(path); err != nil {
				t.Errorf("database file: %v", err)
			}
			var fk, timeout int
			var journal string
			db := s.DB()
			db.Raw("PRAGMA foreign_keys").Scan(&fk)
			db.Raw("PRAGMA busy_timeout").Scan(&timeout)
			db.Raw("PRAGMA journal_mode").Scan(&journal)
			if fk != 1 || timeout != 10000 || journal != "wal" {
				t.Errorf("foreign_keys=%d busy_timeout=%d journal_mode=%q, want 1, 10000, wal", fk, timeout, journal)
			}
		})
	}
}

func TestOpenUnreachablePostgresIsUnavailable(t *testing.T) {
	// Port 1 refuses connections: no server is needed for this test.
	_, err := store.Open(t.Context(), "postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=5")
	if code := programme.ErrorCode(err); code != programme.EUNAVAILABLE {
		t.Fatalf("Open: %v (code %q), want %q", err, code, programme.EUNAVAILABLE)
	}
	if msg := programme.ErrorMessage(err); strings.Contains(msg, "127.0.0.1") {
		t.Errorf("message %q shows connection details", msg)
	}
}

func TestMigrateTwiceAndConcurrently(t *testing.T) {
	url := storetest.FreshURL(t)
	a, b := storetest.OpenURL(t, url), storetest.OpenURL(t, url)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, s := range []*store.Store{a, b} {
		wg.Go(func() { errs[i] = s.Migrate(t.Context()) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Migrate %d: %v", i, err)
		}
	}
	if err := a.Migrate(t.Context()); err != nil {
		t.Errorf("Migrate again: %v", err)
	}
	for _, m := range store.Models {
		if !a.DB().Migrator().HasTable(m) {
			t.Errorf("table of %T missing after migration", m)
		}
	}
	storetest.MustImport(t, b, fixture(t))
}

func TestMigrationFoldersMatch(t *testing.T) {
	names := func(fsys fs.FS) []string {
		t.Helper()
		entries, err := fs.ReadDir(fsys, ".")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range entries {
			out = append(out, e.Name())
		}
		return out
	}
	sqlite, postgres := names(migrations.For("sqlite")), names(migrations.For("postgres"))
	if len(sqlite) == 0 || !slices.Equal(sqlite, postgres) {
		t.Errorf("sqlite migrations %v, postgres migrations %v: want the same non-empty list", sqlite, postgres)
	}
	if migrations.For("mysql") != nil {
		t.Error("For(mysql) is not nil")
	}
}

// ddlRecorder is a GORM logger that keeps every statement.
type ddlRecorder struct {
	logger.Interface
	mu    sync.Mutex
	stmts []string
}

func (r *ddlRecorder) LogMode(logger.LogLevel) logger.Interface { return r }

func (r *ddlRecorder) Trace(_ context.Context, _ time.Time, fc func() (string, int64), _ error) {
	sql, _ := fc()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stmts = append(r.stmts, sql)
}

func TestSchemaMatchesModels(t *testing.T) {
	migrated := storetest.Open(t)

	t.Run("AutoMigrate after goose changes nothing", func(t *testing.T) {
		rec := &ddlRecorder{Interface: logger.Discard}
		errRollback := &struct{ error }{}
		err := migrated.DB().Session(&gorm.Session{Logger: rec}).Transaction(func(tx *gorm.DB) error {
			if err := tx.AutoMigrate(store.Models...); err != nil {
				return err
			}
			return errRollback
		})
		if err != errRollback {
			t.Fatalf("AutoMigrate: %v", err)
		}
		for _, stmt := range rec.stmts {
			verb := strings.ToUpper(strings.Fields(stmt)[0])
			if verb != "SELECT" && verb != "PRAGMA" {
				t.Errorf("AutoMigrate wanted to change the migrated schema: %s", stmt)
			}
		}
	})

	t.Run("columns equal those of AutoMigrate", func(t *testing.T) {
		auto := storetest.OpenEmpty(t)
		if err := auto.DB().AutoMigrate(store.Models...); err != nil {
			t.Fatal(err)
		}
		for _, m := range store.Models {
			got, want := columns(t, migrated.DB(), m), columns(t, auto.DB(), m)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%T: migrated columns %v, AutoMigrate columns %v", m, got, want)
			}
		}
	})
}

// columns maps a table's column names to whether they accept NULL.
func columns(t *testing.T, db *gorm.DB, model any) map[string]bool {
	t.Helper()
	types, err := db.Migrator().ColumnTypes(model)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, c := range types {
		nullable, _ := c.Nullable()
		out[c.Name()] = nullable
	}
	if len(out) == 0 {
		t.Fatalf("%T: no columns", model)
	}
	return out
}

func TestProgrammesAndVersion(t *testing.T) {
	s, clock := openClocked(t)
	ctx := t.Context()
	if list, err := s.Programmes(ctx); err != nil || len(list) != 0 {
		t.Fatalf("Programmes() on an empty store = %v, %v", list, err)
	}
	later, earlier := fixture(t), fixture(t)
	later.Slug, later.StartsOn, later.EndsOn = "b-later", "2017-01-01", "2017-01-12"
	earlier.Slug = "z-earlier"
	same := fixture(t)
	same.Slug = "a-same-day"
	for _, p := range []*programme.Programme{later, earlier, same} {
		storetest.MustImport(t, s, p)
		clock.Advance(time.Minute)
	}
	list, err := s.Programmes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var slugs []string
	for _, p := range list {
		slugs = append(slugs, p.Slug)
		if p.Sessions != nil || p.Version != 1 || p.Title == "" {
			t.Errorf("%s: listed with items or without its fields: %+v", p.Slug, p)
		}
	}
	if want := []string{"a-same-day", "z-earlier", "b-later"}; !slices.Equal(slugs, want) {
		t.Errorf("Programmes() order = %v, want %v", slugs, want)
	}

	version, updated, err := s.ProgrammeVersion(ctx, "z-earlier")
	if err != nil || version != 1 || !updated.Equal(t0.Add(time.Minute)) || updated.Location() != time.UTC {
		t.Errorf("ProgrammeVersion = %d, %v, %v; want 1, %v in UTC", version, updated, err, t0.Add(time.Minute).UTC())
	}
	if _, _, err := s.ProgrammeVersion(ctx, "nope"); programme.ErrorCode(err) != programme.ENOTFOUND {
		t.Errorf("ProgrammeVersion(nope) = %v, want ENOTFOUND", err)
	}
	if _, err := s.Programme(ctx, "nope"); programme.ErrorCode(err) != programme.ENOTFOUND {
		t.Errorf("Programme(nope) = %v, want ENOTFOUND", err)
	}
	edited := fixture(t)
	edited.Slug, edited.Description = "z-earlier", "New description."
	t1 := clock.Advance(time.Hour)
	storetest.MustImport(t, s, edited)
	if version, updated, _ := s.ProgrammeVersion(ctx, "z-earlier"); version != 2 || !updated.Equal(t1) {
		t.Errorf("after a top-level edit: version %d updated %v, want 2 and %v", version, updated, t1)
	}
}

// TestMigrationsPending tells a database that needs migrating from one that
// does not, and applies nothing itself.
func TestMigrationsPending(t *testing.T) {
	s := storetest.OpenURL(t, storetest.FreshURL(t))
	pending, err := s.MigrationsPending(t.Context())
	if err != nil || !pending {
		t.Fatalf("MigrationsPending on a new database = %v, %v; want true", pending, err)
	}
	// Asking applied nothing: still pending, and no table of the schema.
	if pending, err := s.MigrationsPending(t.Context()); err != nil || !pending {
		t.Fatalf("MigrationsPending asked again = %v, %v; want true", pending, err)
	}
	for _, m := range store.Models {
		if s.DB().Migrator().HasTable(m) {
			t.Errorf("table of %T exists before Migrate", m)
		}
	}
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if pending, err := s.MigrationsPending(t.Context()); err != nil || pending {
		t.Fatalf("MigrationsPending after Migrate = %v, %v; want false", pending, err)
	}
}
