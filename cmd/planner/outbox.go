package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/invite"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
)

func (a *app) outboxCommand() *cli.Command {
	return &cli.Command{
		Name:  "outbox",
		Usage: "list the calendar invitations sent by e-mail, pending and failed; pause or resume a programme's mail",
		Description: "Prints one line per message, newest first, tab-separated: id, programme, person,\n" +
			"status (pending, deferred, sent, failed), attempts, when it is due or was sent,\n" +
			"recipient, the change ids it carries, and what it says or the mail server's last answer.\n" +
			"--pause SLUG holds a programme's mail (its messages gather changes and wait);\n" +
			"--resume SLUG sends what waits at once. Mail goes from `planner serve` when\n" +
			invite.EnvSMTPURL + " and " + invite.EnvMailFrom + " are set.",
		ArgsUsage: "[SLUG]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "pause", Usage: "pause the mail of programme SLUG"},
			&cli.BoolFlag{Name: "resume", Usage: "resume the mail of programme SLUG and send what waits"},
			&cli.BoolFlag{Name: "align", Usage: "align columns for reading instead of plain tabs"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.NArg() > 1 {
				return usageError{fmt.Errorf("outbox takes at most one programme SLUG")}
			}
			slug := cmd.Args().First()
			pause, resume := cmd.Bool("pause"), cmd.Bool("resume")
			if pause && resume {
				return usageError{fmt.Errorf("--pause and --resume cannot go together")}
			}
			if (pause || resume) && slug == "" {
				return usageError{fmt.Errorf("--pause and --resume need the programme's SLUG")}
			}
			st, err := a.openStore(ctx, cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			if pause || resume {
				if err := st.SetMailPaused(ctx, slug, pause); err != nil {
					return err
				}
			}
			if slug != "" {
				paused, err := st.MailPaused(ctx, slug)
				if err != nil {
					return err
				}
				if paused {
					fmt.Fprintf(a.stderr, "planner: the mail of %s is paused (planner outbox --resume %s sends it)\n", slug, slug)
				}
			}
			list, err := st.Outbox(ctx, slug)
			if err != nil {
				return err
			}
			w := a.stdout
			var tw *tabwriter.Writer
			if cmd.Bool("align") {
				tw = tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
				w = tw
			}
			for _, m := range list {
				when := m.DueAt
				if m.SentAt != nil {
					when = *m.SentAt
				}
				ids := make([]string, len(m.ChangeIDs))
				for i, id := range m.ChangeIDs {
					ids[i] = strconv.FormatInt(id, 10)
				}
				what := m.Summary
				if m.Status == store.OutboxFailed || m.Status == store.OutboxDeferred {
					what = m.LastError
				}
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", m.ID, m.Slug, m.PersonKey, m.Status, m.Attempts,
					when.UTC().Format(time.RFC3339), orDash(m.Recipient), orDash(strings.Join(ids, ",")),
					orDash(strings.ReplaceAll(what, "\n", "; ")))
			}
			if tw != nil {
				return tw.Flush()
			}
			return nil
		},
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// mailConfig is the mail server serve sends invitations through, if any.
type mailConfig struct {
	invite.Config
	on bool
}

// mailSettings reads the mail settings from the environment; a bad value is
// bad usage, reported before serve changes anything.
func mailSettings(getenv env) (mailConfig, error) {
	cfg, on, err := invite.ConfigFromEnv(getenv)
	if err != nil {
		return mailConfig{}, usageError{err}
	}
	return mailConfig{Config: cfg, on: on}, nil
}

// startMail starts the invitation worker when the environment names a mail
// server, and returns what stops it and waits for it. Without
// PLANNER_SMTP_URL no mail is sent, and the log says so once.
func (a *app) startMail(ctx context.Context, mail mailConfig, st *store.Store, svc *feeds.Service, withPages bool) func() {
	if !mail.on {
		a.logger.Info(invite.EnvSMTPURL + " is not set: no calendar invitations are sent by e-mail")
		return func() {}
	}
	cfg := mail.Config
	w := &invite.Worker{Store: st, Sender: invite.NewSMTP(cfg), Config: cfg, Name: workerName(), Now: a.now,
		Log: a.logger}
	if withPages {
		w.PageURL = func(ctx context.Context, slug, person string) (string, error) {
			return agendaPage(ctx, svc, slug, person)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = w.Run(ctx)
	}()
	a.logger.Info("calendar invitations are sent by e-mail", "server", cfg.Host, "from", cfg.From)
	return func() { cancel(); <-done }
}

// workerName tells this process's claims apart from other instances'.
func workerName() string {
	return "planner-" + rand.Text()
}

// agendaPage returns a person's agenda page, creating their feed's token as
// `planner feeds` does; empty when staff revoked it.
func agendaPage(ctx context.Context, svc *feeds.Service, slug, person string) (string, error) {
	list, err := svc.List(ctx, slug, true)
	if err != nil {
		return "", err
	}
	for _, l := range list {
		if l.Kind == programme.FeedPerson && l.Key == person {
			return svc.PageURLOf(l), nil
		}
	}
	return "", nil
}
