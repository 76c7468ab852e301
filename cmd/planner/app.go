package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
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
}

// run parses args and runs the chosen subcommand until ctx is done.
func run(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	a := &app{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr, now: time.Now}
	from := func(key string) cli.ValueSourceChain {
		return cli.NewValueSourceChain(envSource{getenv, key})
	}
	cmd := &cli.Command{
		Name:  "planner",
		Usage: "plan visiting-delegation programmes and publish their calendars",
		Description: "Settings come from flags, else from the environment variables named below.\n" +
			"DATABASE_URL chooses the database: postgres://... for PostgreSQL, anything else is a SQLite file.",
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
			a.feedsCommand(from),
			a.healthcheckCommand(),
			a.userCommand(), // user.go
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

// keyFlags are the flags that locate the secret key feed tokens derive from.
func keyFlags(from func(string) cli.ValueSourceChain) []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "secret-key", Usage: "feed token secret as 64+ hex digits (prefer the key file)", Sources: from("PLANNER_SECRET_KEY")},
		&cli.StringFlag{Name: "key-file", Usage: "file holding the feed token secret, created if missing", Value: "planner.key", Sources: from("PLANNER_KEY_FILE")},
		&cli.StringFlag{Name: "base-url", Usage: "public base URL of the server, for links", Value: "http://127.0.0.1:8080", Sources: from("PLANNER_BASE_URL")},
	}
}

// keyring reads the feed secret from --secret-key, else from --key-file
// (creating the file on first use).
func (a *app) keyring(cmd *cli.Command) (*feeds.Keyring, error) {
	var key []byte
	if text := cmd.String("secret-key"); text != "" {
		k, err := feeds.ParseKey(text)
		if err != nil {
			return nil, usageError{fmt.Errorf("--secret-key: %w", err)}
		}
		key = k
	} else {
		k, created, err := feeds.LoadOrCreateKeyFile(cmd.String("key-file"))
		if err != nil {
			return nil, err
		}
		if created {
			a.logger.Info("created a new feed secret key file; keep it, or every feed URL changes", "path", cmd.String("key-file"))
		}
		key = k
	}
	return feeds.NewKeyring(key)
}

func baseURL(cmd *cli.Command) (string, error) {
	u := strings.TrimRight(cmd.String("base-url"), "/")
	if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		return "", usageError{fmt.Errorf("--base-url: %q must start with http:// or https://", u)}
	}
	return u, nil
}
