package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/planner-dev/planner/internal/calimport"
	"github.com/planner-dev/planner/internal/programme"
)

// calendarCommand groups what is done with published calendars (.ics).
func (a *app) calendarCommand() *cli.Command {
	return &cli.Command{
		Name:  "calendar",
		Usage: "bring a published calendar (.ics: pretalx, frab, Sched, Indico, Google) into a programme",
		Commands: []*cli.Command{{
			Name:      "import",
			Usage:     "import a calendar file or URL: picked events become sessions, and those that came from it before follow it",
			ArgsUsage: "SLUG FILE|URL",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "source", Value: "calendar", Usage: "the calendar's name within the programme: later versions must use the same"},
				&cli.StringSliceFlag{Name: "pick", Usage: "the UID of an event to bring in as a session (repeatable; a recurring event's UID picks every occurrence)"},
				&cli.BoolFlag{Name: "all", Usage: "bring in every event the calendar has"},
				&cli.StringSliceFlag{Name: "delegation", Usage: "the new sessions' audience: a delegation key (repeatable)"},
				&cli.StringSliceFlag{Name: "person", Usage: "the new sessions' audience: a person key (repeatable)"},
				&cli.StringFlag{Name: "kind", Value: "other", Usage: "the new sessions' kind: " + strings.Join(programme.SessionKinds, ", ")},
				&cli.BoolFlag{Name: "dry-run", Usage: "check and list what would change, changing nothing"},
			},
			Action:       a.calendarImport,
			OnUsageError: onUsageError,
		}},
	}
}

func (a *app) calendarImport(ctx context.Context, cmd *cli.Command) error {
	if cmd.NArg() != 2 {
		return usageError{fmt.Errorf("calendar import takes a programme SLUG and a FILE or an http(s) URL")}
	}
	slug, where := cmd.Args().Get(0), cmd.Args().Get(1)
	pick := calimport.Pick{
		Audience: programme.Audience{Delegations: cmd.StringSlice("delegation"), People: cmd.StringSlice("person")},
		Kind:     cmd.String("kind"),
	}
	req := calimport.Request{Slug: slug, Source: cmd.String("source"), All: cmd.Bool("all"), AllPick: pick,
		Picks: calimport.Picks{}, DryRun: cmd.Bool("dry-run")}
	for _, uid := range cmd.StringSlice("pick") {
		req.Picks[uid] = pick
	}

	st, err := a.openStore(ctx, cmd)
	if err != nil {
		return err
	}
	defer st.Close()

	var body io.Reader
	name := where
	if isURL(where) {
		// A calendar fetched before is asked for again only if changed.
		etag := ""
		if src, err := st.CalendarSource(ctx, slug, req.Source); err == nil && src.URL == where {
			etag = src.ETag
		}
		got, err := calimport.Fetch(ctx, &http.Client{Timeout: calimport.FetchTimeout}, where, etag)
		if err != nil {
			return err
		}
		if got.NotModified && len(req.Picks) == 0 && !req.All {
			fmt.Fprintf(a.stdout, "%s: the calendar has not changed since it was last fetched, nothing to do\n", slug)
			return nil
		}
		if got.NotModified {
			// New picks need the calendar itself.
			if got, err = calimport.Fetch(ctx, nil, where, ""); err != nil {
				return err
			}
		}
		now := a.now()
		req.URL, req.ETag, req.FetchedAt = where, got.ETag, &now
		body = bytes.NewReader(got.Body)
	} else {
		f, err := os.Open(where)
		if err != nil {
			return usageError{fmt.Errorf("cannot read %s: %w", where, err)}
		}
		defer f.Close()
		if info, err := f.Stat(); err == nil && info.IsDir() {
			return usageError{fmt.Errorf("cannot read %s: it is a directory, not a calendar file", where)}
		}
		body = f
	}

	out, err := calimport.Import(ctx, st, body, req)
	for _, p := range out.Problems {
		fmt.Fprintf(a.stderr, "%s: %s\n", name, p)
	}
	if err != nil {
		return err
	}
	verb := ""
	if req.DryRun {
		verb = "would "
	}
	for _, act := range out.Plan.Preview {
		fmt.Fprintf(a.stdout, "  %s%s\n", verb, act)
	}
	taken := map[string]bool{}
	for _, it := range out.Plan.Items {
		taken[it.UID] = true
	}
	left := 0
	for _, ev := range out.Calendar.Events {
		if !taken[ev.UID] {
			left++
		}
	}
	refused := 0
	for _, p := range out.Problems {
		if p.Refused {
			refused++
		}
	}
	fmt.Fprintf(a.stdout, "%s: %d events in the calendar, %d refused, %d not brought in (--pick UID or --all)\n",
		name, out.Calendar.Total, refused, left)
	r := out.Report
	switch {
	case req.DryRun:
		fmt.Fprintf(a.stdout, "%s: the import would create %d, update %d and cancel %d sessions (dry run, nothing changed)\n",
			slug, r.Created, r.Updated, countActions(out.Plan.Preview, calimport.ActionCancel))
	case !r.Changed:
		fmt.Fprintf(a.stdout, "%s: already up to date, nothing changed\n", slug)
	default:
		fmt.Fprintf(a.stdout, "%s: imported from calendar %q (%d created, %d updated, of which %d cancelled)\n",
			slug, req.Source, r.Created, r.Updated, countActions(out.Plan.Preview, calimport.ActionCancel))
	}
	return nil
}

// isURL tells a calendar URL from a file name: any scheme but a Windows
// drive letter; CheckURL then refuses the schemes that are not fetched.
func isURL(s string) bool {
	i := strings.Index(s, "://")
	return i > 1
}

func countActions(preview []calimport.Action, action string) int {
	n := 0
	for _, a := range preview {
		if a.Action == action {
			n++
		}
	}
	return n
}
