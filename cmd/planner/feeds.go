package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/programme"
)

func (a *app) feedsCommand(from func(string) cli.ValueSourceChain) *cli.Command {
	return &cli.Command{
		Name:  "feeds",
		Usage: "list a programme's calendar feeds with their URLs, creating missing tokens",
		Description: "Prints one line per feed, tab-separated: kind, key, name, URL, last fetched, and\n" +
			"whether the calendar has fetched the feed since its latest change.\n" +
			"Existing tokens never change, except with --rotate; --revoke disables one.",
		ArgsUsage: "SLUG",
		Flags: append([]cli.Flag{
			&cli.StringSliceFlag{Name: "rotate", Usage: "give the feed KIND:KEY a new URL (the old one stops working)"},
			&cli.StringSliceFlag{Name: "revoke", Usage: "disable the feed KIND:KEY"},
			&cli.BoolFlag{Name: "align", Usage: "align columns for reading instead of plain tabs"},
		}, keyFlags(from)...),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.NArg() != 1 {
				return usageError{fmt.Errorf("feeds takes one programme SLUG")}
			}
			slug := cmd.Args().First()
			// Every spec is checked before anything changes, so that a typo
			// in the last one does not leave the first ones applied, and
			// before the key file is created.
			revoke, err := parseFeedSpecs("--revoke", cmd.StringSlice("revoke"))
			if err != nil {
				return err
			}
			rotate, err := parseFeedSpecs("--rotate", cmd.StringSlice("rotate"))
			if err != nil {
				return err
			}
			base, err := baseURL(cmd)
			if err != nil {
				return err
			}
			st, err := a.openStore(ctx, cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			// An unknown programme (as in a new, empty database opened from
			// the wrong directory) must not leave a new key file behind.
			if _, _, err := st.ProgrammeVersion(ctx, slug); err != nil {
				return err
			}
			keys, err := a.feedKeys(ctx, cmd, st, false)
			if err != nil {
				return err
			}
			svc := feeds.NewService(st, keys, base, a.now)
			for _, f := range revoke {
				if err := svc.Revoke(ctx, slug, f.kind, f.key); err != nil {
					return err
				}
			}
			for _, f := range rotate {
				if _, err := svc.Rotate(ctx, slug, f.kind, f.key); err != nil {
					return err
				}
			}
			list, err := svc.List(ctx, slug, true)
			if err != nil {
				return err
			}
			w := a.stdout
			var tw *tabwriter.Writer
			if cmd.Bool("align") {
				tw = tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
				w = tw
			}
			now := a.now()
			for _, l := range list {
				url := l.URL
				if l.Revoked {
					url = "revoked"
				}
				name := oneLine(l.Name)
				if l.Former {
					name += " (no longer offered)"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", l.Kind, l.Key, name, url,
					fetchedText(l.LastFetchedAt, now), currentText(l))
			}
			if tw != nil {
				return tw.Flush()
			}
			return nil
		},
	}
}

// feedSpec names one feed on the command line: KIND:KEY.
type feedSpec struct {
	kind programme.FeedKind
	key  string
}

func parseFeedSpecs(flag string, specs []string) ([]feedSpec, error) {
	out := make([]feedSpec, 0, len(specs))
	for _, spec := range specs {
		kind, key, err := parseFeedSpec(flag, spec)
		if err != nil {
			return nil, err
		}
		out = append(out, feedSpec{kind, key})
	}
	return out, nil
}

func parseFeedSpec(flag, spec string) (programme.FeedKind, string, error) {
	kind, key, ok := strings.Cut(spec, ":")
	if !ok || kind == "" || key == "" {
		return "", "", usageError{fmt.Errorf("%s %q: want KIND:KEY, such as person:omar-ansari", flag, spec)}
	}
	// A misspelt kind is a mistake in the command line, not a missing feed.
	if !slices.Contains(programme.FeedKinds, programme.FeedKind(kind)) {
		return "", "", usageError{fmt.Errorf("%s %q: the kind %q is not one of %s", flag, spec, kind, feedKindList())}
	}
	return programme.FeedKind(kind), key, nil
}

// feedKindList names the feed kinds for error messages: "person, delegation, ...".
func feedKindList() string {
	names := make([]string, len(programme.FeedKinds))
	for i, k := range programme.FeedKinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// oneLine keeps a name from breaking the one-line-per-feed output.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s)
}

func fetchedText(at *time.Time, now time.Time) string {
	if at == nil {
		return "never fetched"
	}
	return "fetched " + at.UTC().Format(time.RFC3339) + " (" + feeds.Ago(now.Sub(*at)) + ")"
}

func currentText(l feeds.Listing) string {
	switch {
	case l.Revoked:
		return "-"
	case l.LastFetchedAt == nil:
		return "not subscribed yet"
	case l.Current:
		return "has the latest change"
	default:
		return fmt.Sprintf("has not seen the change to %q of %s", oneLine(l.LatestTitle), l.LatestChange.UTC().Format(time.RFC3339))
	}
}
