// Command planner runs the delegation programme planner: the web server, its
// database migrations, programme import and export, the built-in demo and the
// calendar feed links.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // zone data inside the binary, so a bare container has every IANA zone

	"github.com/planner-dev/planner/internal/programme"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// exitCode reports err on stderr and maps it to the process's exit status:
// 0 for success, 1 for a failure, 2 for bad usage or rejected input.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	// Messages may quote stored text or a file's content.
	stderr = controlEscaper{stderr}
	var usage usageError
	if errors.As(err, &usage) {
		fmt.Fprintf(stderr, "planner: %v\n", err)
		return 2
	}
	var derr *programme.Error
	if errors.As(err, &derr) && derr.Code != programme.EINTERNAL {
		fmt.Fprintf(stderr, "planner: %s\n", derr.Message)
		if derr.Code == programme.EUNAVAILABLE && derr.Err != nil {
			// Whoever runs the command operates the database too: a
			// mistyped host or a stopped server should say so.
			fmt.Fprintf(stderr, "  cause: %v\n", derr.Err)
		}
		for _, f := range derr.Fields {
			fmt.Fprintf(stderr, "  %s\n", f.Error())
		}
		if derr.Code == programme.EINVALID {
			return 2
		}
		return 1
	}
	fmt.Fprintf(stderr, "planner: %v\n", err)
	return 1
}

// usageError is a mistake in the command line.
type usageError struct{ error }
