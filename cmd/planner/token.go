package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/urfave/cli/v3"
)

// tokenCommand manages API tokens. A token is shown once, when created:
// only its hash is stored.
func (a *app) tokenCommand() *cli.Command {
	return &cli.Command{
		Name:  "token",
		Usage: "manage API tokens (create, list, revoke)",
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.NArg() == 0 {
				return cli.ShowSubcommandHelp(cmd)
			}
			return usageError{fmt.Errorf("unknown command \"token %s\" (planner token --help lists them)", cmd.Args().First())}
		},
		Commands: []*cli.Command{
			{
				Name:      "create",
				Usage:     "create an API token for a staff account and print it, once; it acts with the account's role",
				ArgsUsage: "EMAIL",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "name", Usage: "what the token is for, such as \"registration sync\"", Required: true},
				},
				OnUsageError: onUsageError,
				Action:       a.tokenCreate,
			},
			{
				Name:         "list",
				Usage:        "list API tokens: id, e-mail, name, created, last used, revoked, tab-separated",
				ArgsUsage:    "[EMAIL]",
				OnUsageError: onUsageError,
				Action:       a.tokenList,
			},
			{
				Name:         "revoke",
				Usage:        "revoke an API token by its id (see token list)",
				ArgsUsage:    "ID",
				OnUsageError: onUsageError,
				Action:       a.tokenRevoke,
			},
		},
	}
}

func (a *app) tokenCreate(ctx context.Context, cmd *cli.Command) error {
	if cmd.NArg() != 1 {
		return usageError{errors.New("token create takes one EMAIL and --name")}
	}
	st, err := a.openStore(ctx, cmd)
	if err != nil {
		return err
	}
	defer st.Close()
	tok, secret, err := st.CreateAPIToken(ctx, cmd.Args().First(), cmd.String("name"))
	if err != nil {
		return refused(err)
	}
	fmt.Fprintf(a.stderr, "created token %d %q for %s; it is shown only now:\n", tok.ID, tok.Name, tok.Email)
	fmt.Fprintln(a.stdout, secret)
	return nil
}

func (a *app) tokenList(ctx context.Context, cmd *cli.Command) error {
	if cmd.NArg() > 1 {
		return usageError{errors.New("token list takes at most one EMAIL")}
	}
	st, err := a.openStore(ctx, cmd)
	if err != nil {
		return err
	}
	defer st.Close()
	toks, err := st.APITokens(ctx, cmd.Args().First())
	if err != nil {
		return refused(err)
	}
	stamp := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.Format(time.RFC3339)
	}
	for _, t := range toks {
		fmt.Fprintf(a.stdout, "%d\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Email, t.Name, t.CreatedAt.Format(time.RFC3339), stamp(t.LastUsedAt), stamp(t.RevokedAt))
	}
	return nil
}

func (a *app) tokenRevoke(ctx context.Context, cmd *cli.Command) error {
	id, err := strconv.ParseInt(cmd.Args().First(), 10, 64)
	if cmd.NArg() != 1 || err != nil {
		return usageError{errors.New("token revoke takes one token ID (planner token list shows them)")}
	}
	st, err := a.openStore(ctx, cmd)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.RevokeAPIToken(ctx, id); err != nil {
		return refused(err)
	}
	fmt.Fprintf(a.stdout, "revoked token %d\n", id)
	return nil
}
