package main

import (
	"bytes"
	"context"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store/storetest"
)

// result is what one run of the command left behind.
type result struct {
	stdout string
	// stderr holds what the command wrote and then what exitCode reported,
	// as a user would see it in the terminal.
	stderr string
	err    error
	code   int
}

// testEnv returns an environment with a fresh database (SQLite, or
// PostgreSQL when PLANNER_TEST_DATABASE_URL is set) and a key file in a
// temporary directory, so that no test reads the real environment or writes
// into the working directory.
func testEnv(t *testing.T) map[string]string {
	t.Helper()
	return map[string]string{
		"DATABASE_URL":     storetest.FreshURL(t),
		"PLANNER_KEY_FILE": filepath.Join(t.TempDir(), "planner.key"),
	}
}

// with returns a copy of env with the given variables added or replaced.
func with(env map[string]string, kv ...string) map[string]string {
	out := maps.Clone(env)
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// without returns a copy of env without the given variables.
func without(env map[string]string, keys ...string) map[string]string {
	out := maps.Clone(env)
	for _, k := range keys {
		delete(out, k)
	}
	return out
}

// getenv looks variables up in env only.
func getenv(env map[string]string) func(string) string {
	return func(key string) string { return env[key] }
}

// planner runs the command in process with env as its whole environment and
// stdin as its standard input; args exclude the program name.
func planner(t *testing.T, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), append([]string{"planner"}, args...), getenv(env), strings.NewReader(stdin), &stdout, &stderr)
	code := exitCode(err, &stderr)
	return result{stdout: stdout.String(), stderr: stderr.String(), err: err, code: code}
}

// mustPlanner runs the command and fails the test unless it succeeds.
func mustPlanner(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	r := planner(t, env, "", args...)
	if r.code != 0 {
		t.Fatalf("planner %s: exit code %d, err %v\nstderr:\n%s", strings.Join(args, " "), r.code, r.err, r.stderr)
	}
	return r.stdout
}

// wantFailure fails the test unless the run ended with code and stderr
// contains every one of wants.
func wantFailure(t *testing.T, r result, code int, wants ...string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code %d, want %d (err %v)\nstderr:\n%s", r.code, code, r.err, r.stderr)
	}
	for _, want := range wants {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr does not mention %q:\n%s", want, r.stderr)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a server goroutine writing while a
// test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestUsageErrors(t *testing.T) {
	env := testEnv(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"help on an unknown command", []string{"help", "frobnicate"}, `unknown command "frobnicate"`},
		{"unknown flag", []string{"--frobnicate", "migrate"}, "frobnicate"},
		{"unknown subcommand flag", []string{"export", "--frobnicate", "igf2016-cldp"}, "frobnicate"},
		{"import without a file", []string{"import"}, "import takes one FILE"},
		{"import with two files", []string{"import", "a.json", "b.json"}, "import takes one FILE"},
		{"export without a slug", []string{"export"}, "export takes one programme SLUG"},
		{"export with two slugs", []string{"export", "igf2016-cldp", "other"}, "export takes one programme SLUG"},
		{"feeds without a slug", []string{"feeds"}, "feeds takes one programme SLUG"},
		{"bad log level", []string{"--log-level", "loud", "migrate"}, `--log-level: "loud"`},
		{"healthcheck with a bad URL", []string{"healthcheck", "--url", "http://[::1"}, "--url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantFailure(t, planner(t, env, "", tt.args...), 2, tt.want)
		})
	}
}

func TestBadLogLevelFromEnvironment(t *testing.T) {
	env := with(testEnv(t), "PLANNER_LOG_LEVEL", "chatty")
	wantFailure(t, planner(t, env, "", "migrate"), 2, `--log-level: "chatty"`)
}

func TestHelp(t *testing.T) {
	env := testEnv(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bare", nil, "COMMANDS:"},
		{"help", []string{"help"}, "COMMANDS:"},
		{"--help", []string{"--help"}, "COMMANDS:"},
		{"help import", []string{"help", "import"}, "planner import"},
		{"import --help", []string{"import", "--help"}, "--dry-run"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := mustPlanner(t, env, tt.args...)
			if !strings.Contains(out, tt.want) {
				t.Errorf("help does not contain %q:\n%s", tt.want, out)
			}
		})
	}
}

func TestMigrateTwice(t *testing.T) {
	env := testEnv(t)
	for i := range 2 {
		out := mustPlanner(t, env, "migrate")
		if !strings.Contains(out, "database is up to date") {
			t.Errorf("migrate #%d printed %q, want it to say the database is up to date", i+1, out)
		}
	}
}

// TestDatabaseFlagWinsOverEnvironment imports into the database the flag
// names and checks that the one the variable names stayed empty.
func TestDatabaseFlagWinsOverEnvironment(t *testing.T) {
	env := testEnv(t)
	flagURL := storetest.FreshURL(t)
	mustPlanner(t, env, "--database", flagURL, "demo")

	mustPlanner(t, env, "--database", flagURL, "export", "igf2016-cldp")
	wantFailure(t, planner(t, env, "", "export", "igf2016-cldp"), 1, "not found")
}

func TestExitCode(t *testing.T) {
	tests := []struct {
		name string
		err  error
		code int
		want string
	}{
		{"success", nil, 0, ""},
		{"usage", usageError{io.EOF}, 2, "planner: EOF"},
		{"other", io.ErrUnexpectedEOF, 1, "planner: unexpected EOF"},
		{"not found", programme.Errorf(programme.ENOTFOUND, "programme %q not found", "x"), 1, `planner: programme "x" not found`},
		{"unavailable", &programme.Error{Code: programme.EUNAVAILABLE, Message: "The database is unavailable.", Err: io.EOF}, 1, "planner: The database is unavailable.\n  cause: EOF"},
		{"invalid, with fields", invalid(), 2, "planner: The file has 2 problems\n  a.b: is wrong\n  c[1]: is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			if got := exitCode(tt.err, &stderr); got != tt.code {
				t.Errorf("exitCode=%d, want %d", got, tt.code)
			}
			if got := strings.TrimSpace(stderr.String()); got != tt.want {
				t.Errorf("stderr=%q, want %q", got, tt.want)
			}
		})
	}
}

func invalid() error {
	var fe programme.FieldErrors
	fe.Add("a.b", "is wrong")
	fe.Add("c[1]", "is missing")
	return fe.Err("The file has 2 problems")
}

// TestRunStopsWithItsContext checks that a cancelled context reaches the
// subcommands: a store cannot be opened on a context already done.
func TestRunStopsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var stdout, stderr bytes.Buffer
	env := testEnv(t)
	if err := run(ctx, []string{"planner", "demo"}, getenv(env), strings.NewReader(""), &stdout, &stderr); err == nil {
		t.Fatalf("demo on a cancelled context succeeded; stdout:\n%s", stdout.String())
	}
}

// TestDatabaseURLs checks from the command line that a mistyped scheme is
// bad usage naming the accepted forms, and that a libpq key=value string
// means PostgreSQL: neither leaves a SQLite file named after it.
func TestDatabaseURLs(t *testing.T) {
	t.Chdir(t.TempDir())
	env := testEnv(t)
	wantFailure(t, planner(t, with(env, "DATABASE_URL", "postgress://planner@db/planner"), "", "migrate"), 2,
		`unknown scheme "postgress:"`, "postgres://", "postgresql://", "key=value", "sqlite:PATH", "file:PATH", "plain file path")
	wantFailure(t, planner(t, with(env, "DATABASE_URL", "host=127.0.0.1 port=1 user=x dbname=y connect_timeout=5"), "", "migrate"), 1,
		"The database is unavailable")
	if entries, _ := os.ReadDir("."); len(entries) != 0 {
		t.Errorf("the working directory holds %v, want nothing", entries)
	}
}
