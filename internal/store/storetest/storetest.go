// Package storetest opens fresh, migrated stores for tests: a SQLite file by
// default, or a new PostgreSQL schema when PLANNER_TEST_DATABASE_URL names a
// PostgreSQL database, so that every store test runs on either.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver for schema set-up

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
)

// EnvURL names the variable that selects PostgreSQL for the tests.
const EnvURL = "PLANNER_TEST_DATABASE_URL"

// Open returns a fresh, migrated store, closed when the test ends.
func Open(t testing.TB, opts ...store.Option) *store.Store {
	t.Helper()
	s := OpenEmpty(t, opts...)
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("storetest: migrate: %v", err)
	}
	return s
}

// OpenEmpty returns a store on a fresh, empty database (no migrations), for
// tests of migrating itself.
func OpenEmpty(t testing.TB, opts ...store.Option) *store.Store {
	t.Helper()
	return OpenURL(t, FreshURL(t), opts...)
}

// FreshURL returns the URL of a new, empty database that is removed when the
// test ends: a SQLite file in t.TempDir(), or a new schema in the database
// of PLANNER_TEST_DATABASE_URL. It never skips: a database that cannot be
// reached fails the test.
func FreshURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		return filepath.Join(t.TempDir(), "planner.db")
	}
	if !strings.HasPrefix(base, "postgres://") && !strings.HasPrefix(base, "postgresql://") {
		t.Fatalf("storetest: %s must be a postgres:// URL, not %q", EnvURL, base)
	}
	schema := "test_" + strings.ToLower(rand.Text())
	admin := adminDB(t, base)
	if _, err := admin.ExecContext(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("storetest: create schema: %v", err)
	}
	t.Cleanup(func() {
		// The test's context is already cancelled when cleanups run.
		if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("storetest: drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("storetest: %s: %v", EnvURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// adminDB connects to the base database for creating and dropping schemas.
func adminDB(t testing.TB, base string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("storetest: %s: %v", EnvURL, err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.PingContext(context.Background()); err != nil {
		t.Fatalf("storetest: cannot connect to %s: %v", EnvURL, err)
	}
	return db
}

// OpenURL opens (without migrating) the store at url, closed when the test ends.
func OpenURL(t testing.TB, url string, opts ...store.Option) *store.Store {
	t.Helper()
	s, err := store.Open(t.Context(), url, opts...)
	if err != nil {
		t.Fatalf("storetest: open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("storetest: close: %v", err)
		}
	})
	return s
}

// MustImport imports p, failing the test on any error, and returns the report.
func MustImport(t testing.TB, s *store.Store, p *programme.Programme) store.ImportReport {
	t.Helper()
	report, err := s.Import(t.Context(), p, store.ImportOptions{})
	if err != nil {
		t.Fatalf("storetest: import %s: %v", describe(p), err)
	}
	return report
}

func describe(p *programme.Programme) string {
	if p == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%q", p.Slug)
}

// MustMakePublic makes the programme slug public, as an editor would, so
// that its tokenless page is shown without a login.
func MustMakePublic(t testing.TB, s *store.Store, slug string) {
	t.Helper()
	public := true
	if _, err := s.Change(t.Context(), slug, programme.ChangeRequest{
		Public: &public, Author: programme.Author{Name: "storetest"}, Source: programme.SourceCLI,
	}); err != nil {
		t.Fatalf("storetest: make %s public: %v", slug, err)
	}
}
