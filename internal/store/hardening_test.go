package store_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
)

func TestOpenRefusesAnUnknownScheme(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, url := range []string{
		"postgress://planner:secret@db/planner",
		"mysql://planner@db/planner",
		"sqlite3:planner.db",
		// Schemes are matched as written: the drivers read lowercase only.
		"SQLITE:planner.db",
	} {
		_, err := store.Open(t.Context(), url)
		if code := programme.ErrorCode(err); code != programme.EINVALID {
			t.Errorf("Open(%q): %v (code %q), want %q", url, err, code, programme.EINVALID)
			continue
		}
		msg := programme.ErrorMessage(err)
		for _, want := range []string{"unknown scheme", "postgres://", "postgresql://", "key=value", "sqlite:PATH", "file:PATH", "plain file path"} {
			if !strings.Contains(msg, want) {
				t.Errorf("Open(%q): message %q does not mention %q", url, msg, want)
			}
		}
		if strings.Contains(msg, "secret") {
			t.Errorf("Open(%q): message %q shows the password", url, msg)
		}
	}
	if entries, _ := os.ReadDir("."); len(entries) != 0 {
		t.Errorf("refused URLs left files behind: %v", entries)
	}
}

// TestOpenLibpqKeyValueIsPostgres opens a libpq key=value string on a port
// where nothing listens: it must try PostgreSQL (and find it unavailable),
// never create a SQLite file named after the string.
func TestOpenLibpqKeyValueIsPostgres(t *testing.T) {
	t.Chdir(t.TempDir())
	_, err := store.Open(t.Context(), "host=127.0.0.1 port=1 user=x dbname=y connect_timeout=5")
	if code := programme.ErrorCode(err); code != programme.EUNAVAILABLE {
		t.Fatalf("Open: %v (code %q), want %q from PostgreSQL", err, code, programme.EUNAVAILABLE)
	}
	if entries, _ := os.ReadDir("."); len(entries) != 0 {
		t.Errorf("a key=value string left files behind: %v", entries)
	}
}

func TestOpenKeepsWindowsDrivesAndColonsInPaths(t *testing.T) {
	dir := t.TempDir()
	// "C:" is a drive letter, not a scheme; on Unix it is part of a name.
	path := filepath.Join(dir, "C:planner.db")
	s := storetest.OpenURL(t, path)
	if s.Dialect() != store.DialectSQLite || s.Path() != path {
		t.Errorf("Dialect()=%q Path()=%q, want sqlite and %q", s.Dialect(), s.Path(), path)
	}
}

// TestMigrateManyAtOnceOnANewDatabase starts several migrations of one new
// database together: every one succeeds and goose records each version once.
func TestMigrateManyAtOnceOnANewDatabase(t *testing.T) {
	url := storetest.FreshURL(t)
	const n = 6
	stores := make([]*store.Store, n)
	for i := range stores {
		stores[i] = storetest.OpenURL(t, url)
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i, s := range stores {
		wg.Go(func() { errs[i] = s.Migrate(t.Context()) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Migrate %d: %v", i, err)
		}
	}
	var dups []int64
	if err := stores[0].DB().Raw("SELECT version_id FROM goose_db_version GROUP BY version_id HAVING COUNT(*) > 1").Scan(&dups).Error; err != nil {
		t.Fatal(err)
	}
	if len(dups) > 0 {
		t.Errorf("goose recorded versions %v more than once", dups)
	}
	storetest.MustImport(t, stores[n-1], fixture(t))
}

// TestStatementLogHoldsNoValues logs every statement of an import and a read
// at debug level, the most the log shows: staff-only notes and e-mail
// addresses must not be in it, while the statements are.
func TestStatementLogHoldsNoValues(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(lockedWriter{&mu, &buf}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := storetest.Open(t, store.WithLogger(log))
	p := fixture(t)
	storetest.MustImport(t, s, p)
	if _, err := s.Programme(t.Context(), p.Slug); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	out := buf.String()
	if !strings.Contains(out, "INSERT INTO") || !strings.Contains(out, "level=DEBUG") {
		t.Fatalf("the debug log has no statements:\n%s", out)
	}
	if strings.Contains(out, "level=INFO msg=\"SQL executed\"") {
		t.Errorf("statements are logged above debug level")
	}
	for _, secret := range []string{"The ISOC team has to leave by 11:00.", "Takes the IGF shuttle.", "Runs the day.", "joe@example.org", "+1 202 555 0100"} {
		if strings.Contains(out, secret) {
			t.Errorf("the statement log shows %q", secret)
		}
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// migrateHelperURL, when set, makes the test binary a helper process that
// migrates the database it names and exits.
const migrateHelperURL = "PLANNER_TEST_MIGRATE_HELPER_URL"

func TestMain(m *testing.M) {
	if url := os.Getenv(migrateHelperURL); url != "" {
		os.Exit(migrateHelper(url))
	}
	os.Exit(m.Run())
}

func migrateHelper(url string) int {
	ctx := context.Background()
	s, err := store.Open(ctx, url)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// TestMigrateInSeveralProcessesAtOnce starts processes that open and migrate
// one new database together, as two commands started at once do: each
// succeeds and goose records each version once. (Goroutines of one process
// rarely collide; processes, without the lock, collide in migrating most
// rounds, and now and then in switching the new file to WAL mode.)
func TestMigrateInSeveralProcessesAtOnce(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for round := range 5 {
		url := storetest.FreshURL(t)
		const n = 6
		cmds := make([]*exec.Cmd, n)
		outs := make([]bytes.Buffer, n)
		for i := range cmds {
			cmds[i] = exec.CommandContext(t.Context(), exe, "-test.run=^$")
			cmds[i].Env = append(os.Environ(), migrateHelperURL+"="+url)
			cmds[i].Stderr = &outs[i]
			if err := cmds[i].Start(); err != nil {
				t.Fatal(err)
			}
		}
		for i, cmd := range cmds {
			if err := cmd.Wait(); err != nil {
				t.Errorf("round %d, process %d: %v\n%s", round, i, err, outs[i].String())
			}
		}
		s := storetest.OpenURL(t, url)
		var dups []int64
		if err := s.DB().Raw("SELECT version_id FROM goose_db_version GROUP BY version_id HAVING COUNT(*) > 1").Scan(&dups).Error; err != nil {
			t.Fatal(err)
		}
		if len(dups) > 0 {
			t.Errorf("round %d: goose recorded versions %v more than once", round, dups)
		}
	}
}
