package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/user"

	"github.com/urfave/cli/v3"

	"github.com/planner-dev/planner/internal/demo"
	"github.com/planner-dev/planner/internal/exchange"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
)

func (a *app) migrateCommand() *cli.Command {
	return &cli.Command{
		Name:  "migrate",
		Usage: "apply the database migrations",
		Action: func(ctx context.Context, cmd *cli.Command) error {
			st, err := a.openStore(ctx, cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			fmt.Fprintf(a.stdout, "database is up to date (%s)\n", st.Dialect())
			return nil
		},
	}
}

func (a *app) importCommand() *cli.Command {
	return &cli.Command{
		Name:      "import",
		Usage:     "import a programme file (all or nothing; - reads standard input)",
		ArgsUsage: "FILE",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "prune", Usage: "cancel sessions, slots and runs that the file no longer has"},
			&cli.BoolFlag{Name: "dry-run", Usage: "check the file and report, changing nothing"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.NArg() != 1 {
				return usageError{fmt.Errorf("import takes one FILE (or - for standard input)")}
			}
			name := cmd.Args().First()
			var r io.Reader = a.stdin
			if name == "-" {
				// Warnings start with the file's name; "-" would say nothing.
				name = "standard input"
			} else {
				f, err := os.Open(name)
				if err != nil {
					return usageError{fmt.Errorf("cannot read %s: %w", name, err)}
				}
				defer f.Close()
				// A directory opens like a file and fails only when read,
				// with an error that does not say why.
				if info, err := f.Stat(); err == nil && info.IsDir() {
					return usageError{fmt.Errorf("cannot read %s: it is a directory, not a programme file", name)}
				}
				r = f
			}
			st, err := a.openStore(ctx, cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			// A file may be a batch of changes to a stored programme, so its
			// references may name items that only the database has.
			p, err := a.decode(r, name, func(slug string) (*programme.Programme, error) {
				p, err := st.Programme(ctx, slug)
				if programme.ErrorCode(err) == programme.ENOTFOUND {
					return nil, nil
				}
				return p, err
			})
			if err != nil {
				return err
			}
			if cmd.Bool("dry-run") {
				return a.previewImport(ctx, st, p, name, store.ImportOptions{Prune: cmd.Bool("prune"), DryRun: true})
			}
			return a.importProgramme(ctx, st, p, store.ImportOptions{Prune: cmd.Bool("prune")})
		},
	}
}

// decode reads a programme file, printing its warnings. stored, when not
// nil, returns the stored programme the file changes (see exchange.DecodeOnto).
func (a *app) decode(r io.Reader, name string, stored func(slug string) (*programme.Programme, error)) (*programme.Programme, error) {
	p, warnings, err := exchange.DecodeOnto(r, stored)
	for _, w := range warnings {
		fmt.Fprintf(a.stderr, "%s: warning: %s\n", name, w.Error())
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

func (a *app) importProgramme(ctx context.Context, st *store.Store, p *programme.Programme, opt store.ImportOptions) error {
	if opt.Author.Name == "" {
		opt.Author, opt.Source = commandAuthor("planner import"), programme.SourceCLI
	}
	rep, err := st.Import(ctx, p, opt)
	if err != nil {
		return err
	}
	if !rep.Changed {
		fmt.Fprintf(a.stdout, "%s: already up to date, nothing changed\n", p.Slug)
		return nil
	}
	fmt.Fprintf(a.stdout, "%s: imported (%d created, %d updated, %d unchanged, %d cancelled)\n",
		p.Slug, rep.Created, rep.Updated, rep.Unchanged, rep.Cancelled)
	return nil
}

// previewImport runs an import as a dry run, which checks the programme as
// the file would leave it, and lists what the import would create, update
// and cancel, one item a line.
func (a *app) previewImport(ctx context.Context, st *store.Store, p *programme.Programme, name string, opt store.ImportOptions) error {
	rep, err := st.Import(ctx, p, opt)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%s: valid programme %q, nothing imported (dry run)\n", name, p.Slug)
	for _, it := range rep.Items {
		fmt.Fprintf(a.stdout, "  would %s %s %s", it.Action, it.Kind, it.Key)
		if it.Title != "" {
			fmt.Fprintf(a.stdout, " (%s)", it.Title)
		}
		fmt.Fprintln(a.stdout)
	}
	if !rep.Changed {
		fmt.Fprintf(a.stdout, "%s: already up to date, the import would change nothing\n", p.Slug)
		return nil
	}
	fmt.Fprintf(a.stdout, "%s: the import would create %d, update %d and cancel %d items (%d unchanged)\n",
		p.Slug, rep.Created, rep.Updated, rep.Cancelled, rep.Unchanged)
	return nil
}

func (a *app) exportCommand() *cli.Command {
	return &cli.Command{
		Name:      "export",
		Usage:     "write a programme to standard output in the programme file format",
		ArgsUsage: "SLUG",
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.NArg() != 1 {
				return usageError{fmt.Errorf("export takes one programme SLUG")}
			}
			st, err := a.openStore(ctx, cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			p, err := st.Programme(ctx, cmd.Args().First())
			if err != nil {
				return err
			}
			return exchange.Encode(a.stdout, p)
		},
	}
}

func (a *app) demoCommand() *cli.Command {
	return &cli.Command{
		Name:  "demo",
		Usage: "import the built-in demo: the CLDP seminar at IGF 2016 in Guadalajara",
		Action: func(ctx context.Context, cmd *cli.Command) error {
			st, err := a.openStore(ctx, cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			return a.importDemo(ctx, st)
		},
	}
}

func (a *app) importDemo(ctx context.Context, st *store.Store) error {
	p, err := a.decode(bytes.NewReader(demo.JSON), "demo", nil)
	if err != nil {
		return err
	}
	author := commandAuthor("planner demo")
	if err := a.importProgramme(ctx, st, p, store.ImportOptions{Author: author, Source: programme.SourceDemo}); err != nil {
		return err
	}
	// The demo is a public event of 2016: its page is shown without a
	// login, as the README's first command promises.
	public := true
	_, err = st.Change(ctx, p.Slug, programme.ChangeRequest{Public: &public, Author: author, Source: programme.SourceDemo})
	return err
}

// commandAuthor names the author of a change made on the command line in
// the change log: the command, and the operating-system user who ran it
// when known.
func commandAuthor(command string) programme.Author {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return programme.Author{Name: command + " (" + u.Username + ")"}
	}
	return programme.Author{Name: command}
}
