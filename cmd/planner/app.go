package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/store"
)

// env looks a variable up; main passes os.Getenv and tests pass a map.
type env func(string) string

// envSource lets flags fall back to an injected environment, so that tests
// never depend on the real one.
type envSource struct {
	getenv env
	key    string
}

func (e envSource) Lookup() (string, bool) {
	v := e.getenv(e.key)
	return v, v != ""
}
func (e envSource) String() string   { return fmt.Sprintf("environment variable %q", e.key) }
func (e envSource) GoString() string { return fmt.Sprintf("envSource{%q}", e.key) }
func (e envSource) IsFromEnv() bool  { return true }
func (e envSource) Key() string      { return e.key }

// app holds what every subcommand shares.
type app struct {
	getenv env
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	logger *slog.Logger
	now    func() time.Time
	// self is how the user ran this binary, for commands it suggests.
	self string
}

// invocation returns how to run this binary again, given the program name
// it was started as: `go run` builds into a temporary go-build directory,
// and a user who started it that way has no planner command to type.
func invocation(arg0 string) string {
	if strings.Contains(filepath.ToSlash(arg0), "/go-build") {
		return "go run ./cmd/planner"
	}
	return arg0
}

// run parses args and runs the chosen subcommand until ctx is done.
func run(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	// Everything the commands print may hold stored text: control
	// characters in it must not reach a terminal as such.
	stdout, stderr = controlEscaper{stdout}, controlEscaper{stderr}
	a := &app{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr, now: time.Now}
	if len(args) > 0 {
		a.self = invocation(args[0])
	}
	from := func(key string) cli.ValueSourceChain {
		return cli.NewValueSourceChain(envSource{getenv, key})
	}
	cmd := &cli.Command{
		Name:  "planner",
		Usage: "plan visiting-delegation programmes and publish their calendars",
		Description: "Settings come from flags, else from the environment variables named below.\n" +
			"DATABASE_URL chooses the database: postgres://..., postgresql://... or a key=value string\n" +
			"(host=... dbname=...) for PostgreSQL; sqlite:PATH, file:PATH or a plain path for a SQLite file.",
		Writer:          stdout,
		ErrWriter:       stderr,
		Reader:          stdin,
		HideHelpCommand: true,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "database", Usage: "database URL or SQLite file path", Value: "planner.db", Sources: from("DATABASE_URL")},
			&cli.StringFlag{Name: "log-level", Usage: "debug, info, warn or error", Value: "info", Sources: from("PLANNER_LOG_LEVEL")},
		},
		Before: func(ctx context.Context, cmd *cli.Command) (context.Context, error) {
			var level slog.Level
			if err := level.UnmarshalText([]byte(cmd.String("log-level"))); err != nil {
				return ctx, usageError{fmt.Errorf("--log-level: %q is not debug, info, warn or error", cmd.String("log-level"))}
			}
			a.logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
			return ctx, nil
		},
		OnUsageError: onUsageError,
		Action:       rootAction,
		Commands: []*cli.Command{
			a.serveCommand(from),
			a.migrateCommand(),
			a.importCommand(),
			a.exportCommand(),
			a.demoCommand(),
			a.tokenCommand(), // token.go
			a.feedsCommand(from),
			a.healthcheckCommand(),
			a.userCommand(), // user.go
			a.calendarCommand(),
			a.outboxCommand(), // outbox.go
		},
	}
	// Subcommands do not inherit OnUsageError: without it an unknown flag of
	// a subcommand would exit 1 like a failure, not 2 like bad usage.
	for _, sub := range cmd.Commands {
		sub.OnUsageError = onUsageError
	}
	return cmd.Run(ctx, args)
}

// onUsageError marks a flag the command line got wrong as bad usage.
func onUsageError(ctx context.Context, cmd *cli.Command, err error, isSubcommand bool) error {
	return usageError{err}
}

// rootAction runs when no subcommand matched. Without it the root command
// answers an unknown command with its help page and a nil error, so a typo in
// a script would look like success. A bare "planner", "planner help" and
// "planner help COMMAND" still show help.
func rootAction(ctx context.Context, cmd *cli.Command) error {
	args := cmd.Args().Slice()
	if len(args) == 0 || (len(args) == 1 && args[0] == "help") {
		return cli.ShowRootCommandHelp(cmd)
	}
	name := args[0]
	if name == "help" {
		name = args[1]
		// cli's own answer to help on an unknown topic is an ExitCoder,
		// which would end the process from inside run; look it up first.
		if cmd.Command(name) != nil {
			return cli.ShowCommandHelp(ctx, cmd, name)
		}
	}
	return usageError{fmt.Errorf("unknown command %q (planner --help lists them)", name)}
}

// openStore opens and migrates the database the flags name.
func (a *app) openStore(ctx context.Context, cmd *cli.Command) (*store.Store, error) {
	st, err := store.Open(ctx, cmd.Root().String("database"), store.WithLogger(a.logger), store.WithNow(a.now))
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// openMigratedStore opens the database the flags name, which must have
// every migration of this binary already: it applies none, so that servers
// started after one `planner migrate` neither take the migration lock nor
// need the right to change the schema.
func (a *app) openMigratedStore(ctx context.Context, cmd *cli.Command) (*store.Store, error) {
	st, err := store.Open(ctx, cmd.Root().String("database"), store.WithLogger(a.logger), store.WithNow(a.now))
	if err != nil {
		return nil, err
	}
	pending, err := st.MigrationsPending(ctx)
	if err == nil && pending {
		err = fmt.Errorf("the database lacks migrations this planner has, and --no-migrate (PLANNER_NO_MIGRATE) " +
			"applies none: run `planner migrate` first")
	}
	if err != nil {
		st.Close()
		return nil, err
	}
	a.logger.Info("migrations left to `planner migrate`: the database has every one this planner has")
	return st, nil
}

// keyFlags are the flags that locate the secret key feed tokens derive from.
func keyFlags(from func(string) cli.ValueSourceChain) []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "secret-key", Usage: "feed token secret as 64+ hex digits (prefer the key file)", Sources: from("PLANNER_SECRET_KEY")},
		&cli.StringFlag{Name: "key-file", Usage: "file holding the feed token secret, created on a database's first use " +
			"(default: beside the SQLite file, NAME.key for NAME.db; for PostgreSQL planner/planner.key in the user's config directory)", Sources: from("PLANNER_KEY_FILE")},
		&cli.StringFlag{Name: "base-url", Usage: "public base URL of the server, for links", Value: "http://127.0.0.1:8080", Sources: from("PLANNER_BASE_URL")},
	}
}

// keySourceHint says how to give the right key, for the errors of feedKeys.
func (a *app) keySourceHint(st *store.Store) string {
	hint := "point --key-file (PLANNER_KEY_FILE) at the key file the database's feed URLs were made with"
	if def, err := a.defaultKeyFilePath(st); err == nil {
		hint += " (by default " + def + ")"
	}
	return hint + ", or give that key with --secret-key (PLANNER_SECRET_KEY)"
}

// feedKeys returns the keyring feed tokens derive from: --secret-key, else
// the key file (see keyFilePath), checked against the fingerprint the
// database keeps. Another key would print feed URLs that answer 404, so a
// mismatch stops the command. The first command to use a key on a database
// records its fingerprint; a key file is created only then, never for a
// database that already has a key, so that running from the wrong place does
// not leave a stray key behind.
//
// A command that can do without the key (serve, which finds feeds by their
// tokens' hashes) passes optional: then a key file that does not exist, on a
// database that has a key, gives a nil Keyring and a warning rather than an
// error, so that a lost key file does not take the feeds down with it.
func (a *app) feedKeys(ctx context.Context, cmd *cli.Command, st *store.Store, optional bool) (*feeds.Keyring, error) {
	recorded, err := st.KeyFingerprint(ctx)
	if err != nil {
		return nil, err
	}
	// Tokens made before the database kept fingerprints tell which key
	// made them.
	tokenNonce, tokenHash, hasTokens, err := st.SomeFeedToken(ctx)
	if err != nil {
		return nil, err
	}
	var (
		key    []byte
		source string // where the key came from, for errors
	)
	if text := cmd.String("secret-key"); text != "" {
		if key, err = feeds.ParseKey(text); err != nil {
			return nil, usageError{fmt.Errorf("--secret-key: %w", err)}
		}
		source = "the key given by --secret-key (PLANNER_SECRET_KEY)"
	} else {
		path, err := a.keyFilePath(cmd, st)
		if err != nil {
			return nil, err
		}
		source = "the key in the key file " + path
		if recorded != "" || hasTokens {
			key, err = feeds.LoadKeyFile(path)
			if errors.Is(err, os.ErrNotExist) && optional {
				a.logger.Warn("the feed secret key file does not exist: feeds are served, "+
					"but feed URLs cannot be printed until it is found ("+a.keySourceHint(st)+")", "path", path)
				return nil, nil
			}
			if errors.Is(err, os.ErrNotExist) {
				return nil, usageError{fmt.Errorf("this database's feed URLs were made with a secret key, "+
					"but the key file %s does not exist (no new key was made: it would print feed URLs that do not work); %s",
					path, a.keySourceHint(st))}
			}
		} else {
			var created bool
			key, created, err = feeds.LoadOrCreateKeyFile(path)
			if err == nil && created {
				a.logger.Info("created a new feed secret key file; keep it: without it this database's feed URLs cannot be printed again", "path", path)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	keys, err := feeds.NewKeyring(key)
	if err != nil {
		return nil, usageError{err}
	}
	mismatch := func() error {
		return usageError{fmt.Errorf("%s is not the secret key this database's feed URLs were made with "+
			"(key fingerprint %s, the database's %s): the feed URLs it printed would not work; %s",
			source, keys.Fingerprint(), orNone(recorded), a.keySourceHint(st))}
	}
	if recorded == "" {
		if hasTokens && !keys.Owns(tokenNonce, tokenHash) {
			return nil, mismatch()
		}
		if recorded, err = st.RecordKeyFingerprint(ctx, keys.Fingerprint()); err != nil {
			return nil, err
		}
	}
	if recorded != keys.Fingerprint() {
		return nil, mismatch()
	}
	return keys, nil
}

// orNone names a fingerprint, or says there is none recorded.
func orNone(fingerprint string) string {
	if fingerprint == "" {
		return "none recorded yet, but its feed tokens were made with another key"
	}
	return "is " + fingerprint
}

// keyFilePath returns --key-file as an absolute path, or by default a file
// beside the SQLite database (planner.key for planner.db), so that the key
// travels with the database whatever the working directory. PostgreSQL has
// no file to sit beside: its default is planner/planner.key in the user's
// configuration directory.
func (a *app) keyFilePath(cmd *cli.Command, st *store.Store) (string, error) {
	if path := cmd.String("key-file"); path != "" {
		return filepath.Abs(path)
	}
	return a.defaultKeyFilePath(st)
}

// defaultKeyFilePath returns the key file used when none is named, as an
// absolute path (see keyFilePath).
func (a *app) defaultKeyFilePath(st *store.Store) (string, error) {
	var path string
	if db := st.Path(); db != "" {
		path = strings.TrimSuffix(db, filepath.Ext(db)) + ".key"
	} else {
		dir, err := a.userConfigDir()
		if err != nil {
			return "", usageError{fmt.Errorf("no place for the feed secret key file: %v; set --key-file (PLANNER_KEY_FILE) or --secret-key (PLANNER_SECRET_KEY)", err)}
		}
		path = filepath.Join(dir, "planner", "planner.key")
	}
	return filepath.Abs(path)
}

// userConfigDir is os.UserConfigDir read from the app's environment first,
// so that tests choose it: $XDG_CONFIG_HOME, else $HOME/.config, on Unix.
// An environment that has neither (a test's) falls back to the process's.
func (a *app) userConfigDir() (string, error) {
	switch runtime.GOOS {
	case "windows", "darwin", "ios", "plan9":
		return os.UserConfigDir()
	}
	if dir := a.getenv("XDG_CONFIG_HOME"); filepath.IsAbs(dir) {
		return dir, nil
	}
	if home := a.getenv("HOME"); home != "" {
		return filepath.Join(home, ".config"), nil
	}
	return os.UserConfigDir()
}

func baseURL(cmd *cli.Command) (string, error) {
	u := strings.TrimRight(cmd.String("base-url"), "/")
	if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		return "", usageError{fmt.Errorf("--base-url: %q must start with http:// or https://", u)}
	}
	return u, nil
}
