package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v3"
	"golang.org/x/term"

	"github.com/planner-dev/planner/internal/accounts"
	"github.com/planner-dev/planner/internal/programme"
)

// userCommand manages staff accounts. Passwords are never taken from the
// command line, where shell history and the process list would keep them.
func (a *app) userCommand() *cli.Command {
	return &cli.Command{
		Name:  "user",
		Usage: "manage staff accounts (add, list, remove)",
		// Without an Action, cli answers an unknown subcommand with an
		// exit code of its own (3) from inside run.
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.NArg() == 0 {
				return cli.ShowSubcommandHelp(cmd)
			}
			return usageError{fmt.Errorf("unknown command \"user %s\" (planner user --help lists them)", cmd.Args().First())}
		},
		Commands: []*cli.Command{
			{
				Name:      "add",
				Usage:     "create a staff account; the password is read from the terminal, or from standard input",
				ArgsUsage: "EMAIL",
				Description: "Without a terminal, standard input holds the password on one line, or the\n" +
					"password and its confirmation on two lines.",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "role", Usage: "admin, editor or viewer", Required: true},
					&cli.StringFlag{Name: "name", Usage: "the name the change log shows, such as \"Emily Skills\""},
				},
				OnUsageError: onUsageError,
				Action:       a.userAdd,
			},
			{
				Name:         "list",
				Usage:        "list the staff accounts: e-mail, role and when created, tab-separated",
				OnUsageError: onUsageError,
				Action:       a.userList,
			},
			{
				Name:         "remove",
				Usage:        "remove a staff account (not the last admin)",
				ArgsUsage:    "EMAIL",
				OnUsageError: onUsageError,
				Action:       a.userRemove,
			},
		},
	}
}

func (a *app) userAdd(ctx context.Context, cmd *cli.Command) error {
	if cmd.NArg() != 1 {
		return usageError{errors.New("user add takes one EMAIL (the password is read from the terminal or standard input)")}
	}
	email := cmd.Args().First()
	if _, err := programme.NormalizeEmail(email); err != nil {
		return err
	}
	role, err := programme.ParseStaffRole(cmd.String("role"))
	if err != nil {
		return usageError{fmt.Errorf("--role: %s", programme.ErrorMessage(err))}
	}
	password, err := a.readNewPassword()
	if err != nil {
		return err
	}
	st, err := a.openStore(ctx, cmd)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := accounts.New(st).AddNamed(ctx, email, strings.TrimSpace(cmd.String("name")), role, password)
	if err != nil {
		return refused(err)
	}
	a.logger.Debug("staff account created", "email", u.Email, "role", u.Role)
	fmt.Fprintf(a.stdout, "created %s account %s\n", u.Role, u.Email)
	return nil
}

func (a *app) userList(ctx context.Context, cmd *cli.Command) error {
	if cmd.NArg() != 0 {
		return usageError{errors.New("user list takes no arguments")}
	}
	st, err := a.openStore(ctx, cmd)
	if err != nil {
		return err
	}
	defer st.Close()
	users, err := accounts.New(st).Users(ctx)
	if err != nil {
		return err
	}
	for _, u := range users {
		fmt.Fprintf(a.stdout, "%s\t%s\t%s\n", u.Email, u.Role, u.CreatedAt.Format(time.RFC3339))
	}
	return nil
}

func (a *app) userRemove(ctx context.Context, cmd *cli.Command) error {
	if cmd.NArg() != 1 {
		return usageError{errors.New("user remove takes one EMAIL")}
	}
	st, err := a.openStore(ctx, cmd)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := accounts.New(st).Remove(ctx, cmd.Args().First()); err != nil {
		return refused(err)
	}
	email, _ := programme.NormalizeEmail(cmd.Args().First()) // Remove accepted it
	fmt.Fprintf(a.stdout, "removed %s\n", email)
	return nil
}

// refused turns an account that exists already, does not exist or may not
// go into bad usage (exit 2): the command asked for something that cannot
// be, and nothing changed.
func refused(err error) error {
	switch programme.ErrorCode(err) {
	case programme.ECONFLICT, programme.ENOTFOUND:
		return usageError{errors.New(programme.ErrorMessage(err))}
	}
	return err
}

// maxPasswordInput bounds what is read from standard input for a password.
const maxPasswordInput = 4096

// readNewPassword reads a new password from the terminal without echo,
// asking twice, or, when standard input is not a terminal (a pipe, a file,
// a test), from its first one or two lines: the password, and optionally the
// same again as its confirmation.
func (a *app) readNewPassword() (string, error) {
	if f, ok := a.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return a.promptNewPassword(int(f.Fd()))
	}
	data, err := io.ReadAll(io.LimitReader(a.stdin, maxPasswordInput+1))
	if err != nil {
		return "", fmt.Errorf("cannot read the password from standard input: %w", err)
	}
	if len(data) > maxPasswordInput {
		return "", usageError{errors.New("standard input: more than 4096 bytes; give the password on one line, or on two with its confirmation")}
	}
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		lines = append(lines, strings.TrimSuffix(sc.Text(), "\r"))
	}
	switch len(lines) {
	case 0:
		return "", usageError{errors.New("standard input: no password (give it on one line, or on two with its confirmation)")}
	case 1:
		return checkNewPassword(lines[0], lines[0])
	case 2:
		return checkNewPassword(lines[0], lines[1])
	default:
		return "", usageError{fmt.Errorf("standard input: %d lines; give the password on one line, or on two with its confirmation", len(lines))}
	}
}

// promptNewPassword asks on standard error, which stays on the terminal
// when standard output is redirected.
func (a *app) promptNewPassword(fd int) (string, error) {
	read := func(prompt string) (string, error) {
		fmt.Fprint(a.stderr, prompt)
		b, err := term.ReadPassword(fd)
		fmt.Fprintln(a.stderr)
		if err != nil {
			return "", fmt.Errorf("cannot read the password from the terminal: %w", err)
		}
		return string(b), nil
	}
	password, err := read("Password: ")
	if err != nil {
		return "", err
	}
	confirmation, err := read("Password again: ")
	if err != nil {
		return "", err
	}
	return checkNewPassword(password, confirmation)
}

func checkNewPassword(password, confirmation string) (string, error) {
	if password == "" {
		return "", usageError{errors.New("the password is empty")}
	}
	if password != confirmation {
		return "", usageError{errors.New("the password and its confirmation differ")}
	}
	if err := programme.CheckPassword(password); err != nil {
		return "", err
	}
	return password, nil
}
