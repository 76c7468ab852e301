// Command sqlite-writers checks that SQLite takes concurrent writers through
// the web app without "database is locked": it starts `planner serve` on a
// fresh SQLite file with the demo programme, and has WRITERS (8) writers
// write at once for DURATION (30s): API PATCHes with If-Match (a 412 is
// retried with a fresh GET and counted apart), staff edit forms (logged in,
// CSRF token, revision), delegates' votes on the bus poll and ticks on the
// boarding list and a hand-out's checklist. It counts successes, conflicts
// (409 and 412, legitimate answers to stale writes), any other 4xx, any 5xx,
// and the lines of the server's log that report a lock error, prints a
// summary and exits 1 on any 5xx, unexpected 4xx, request without answer or
// lock error.
//
//	go run ./bench/sqlite-writers
//	DURATION=10s WRITERS=16 PLANNER=/path/to/planner go run ./bench/sqlite-writers
//
// Without PLANNER it builds ./cmd/planner first (run it from the module
// root). The server listens on a free port of 127.0.0.1; KEEP=1 keeps the
// temporary directory (database and server log).
package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "sqlite-writers:", err)
		os.Exit(1)
	}
}

func run() error {
	duration, err := time.ParseDuration(envOr("DURATION", "30s"))
	if err != nil {
		return fmt.Errorf("DURATION: %w", err)
	}
	writers, err := strconv.Atoi(envOr("WRITERS", "8"))
	if err != nil || writers < 1 {
		return fmt.Errorf("WRITERS must be a number above 0")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	dir, err := os.MkdirTemp("", "sqlite-writers-")
	if err != nil {
		return err
	}
	if os.Getenv("KEEP") == "" {
		defer os.RemoveAll(dir)
	} else {
		fmt.Println("keeping", dir)
	}
	planner := os.Getenv("PLANNER")
	if planner == "" {
		planner = filepath.Join(dir, "planner")
		build := exec.CommandContext(ctx, "go", "build", "-o", planner, "./cmd/planner")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("go build ./cmd/planner (run from the module root, or set PLANNER): %w", err)
		}
	}
	env := append(os.Environ(), "DATABASE_URL="+filepath.Join(dir, "planner.db"), "PLANNER_KEY_FILE="+filepath.Join(dir, "planner.key"))
	env = withoutVar(env, "PLANNER_BASE_URL")
	env = withoutVar(env, "PLANNER_SMTP_URL")
	cli := func(stdin string, args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, planner, args...)
		cmd.Env = env
		cmd.Stdin = strings.NewReader(stdin)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return "", fmt.Errorf("planner %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return string(out), nil
	}

	const email, password, slug = "bench-writers@example.org", "eight writers at once", "igf2016-cldp"
	if _, err := cli("", "demo"); err != nil {
		return err
	}
	if _, err := cli(password+"\n"+password+"\n", "user", "add", email, "--role", "editor", "--name", "Bench writers"); err != nil {
		return err
	}
	token, err := cli("", "token", "create", email, "--name", "sqlite-writers")
	if err != nil {
		return err
	}
	feeds, err := cli("", "feeds", slug)
	if err != nil {
		return err
	}
	agendas := map[string]string{}
	for _, line := range strings.Split(feeds, "\n") {
		f := strings.Split(line, "\t")
		if len(f) >= 4 && f[0] == "person" && strings.Contains(f[3], "/feeds/") {
			agendas[f[1]] = strings.TrimSuffix(f[3][strings.LastIndex(f[3], "/feeds/")+len("/feeds/"):], ".ics")
		}
	}

	logPath := filepath.Join(dir, "serve.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logFile.Close()
	serve := exec.Command(planner, "serve", "--addr", "127.0.0.1:0")
	serve.Env = env
	stdout, err := serve.StdoutPipe()
	if err != nil {
		return err
	}
	serve.Stderr = logFile
	if err := serve.Start(); err != nil {
		return err
	}
	stopped := false
	stopServer := func() error {
		if stopped {
			return nil
		}
		stopped = true
		_ = serve.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- serve.Wait() }()
		select {
		case err := <-done:
			return err
		case <-time.After(15 * time.Second):
			_ = serve.Process.Kill()
			return fmt.Errorf("planner serve did not stop within 15s of an interrupt")
		}
	}
	defer stopServer()
	serving := regexp.MustCompile(`^planner: serving \S+ database on (http://\S+?)/?$`)
	base := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			fmt.Fprintln(logFile, sc.Text())
			if m := serving.FindStringSubmatch(sc.Text()); m != nil {
				base <- m[1]
			}
		}
	}()
	var t Target
	select {
	case b := <-base:
		t = Target{Base: b, Slug: slug, APIToken: strings.TrimSpace(token), StaffEmail: email, StaffPassword: password, Agendas: agendas}
	case <-time.After(30 * time.Second):
		return fmt.Errorf("planner serve did not start within 30s; its log is %s", logPath)
	}
	fmt.Printf("planner serve at %s, SQLite file %s; %d writers for %s\n", t.Base, filepath.Join(dir, "planner.db"), writers, duration)

	res, err := Run(ctx, t, writers, duration)
	if err != nil {
		return err
	}
	if err := stopServer(); err != nil {
		fmt.Fprintln(os.Stderr, "sqlite-writers: stopping the server:", err)
	}
	logText, err := os.ReadFile(logPath)
	if err != nil {
		return err
	}
	locks := LockErrors(string(logText))
	fmt.Print(res.Summary())
	fmt.Printf("lock errors in the server log: %d\n", locks)
	for _, line := range strings.Split(string(logText), "\n") {
		if LockErrors(line) > 0 {
			fmt.Println("  " + line)
			break
		}
	}
	if !res.Clean() || locks > 0 {
		return fmt.Errorf("FAIL: %d 5xx, %d unexpected 4xx, %d requests without answer, %d lock errors (server log: %s)",
			res.Total().Server5xx, res.Total().Other4xx, res.Total().Transport, locks, logPath)
	}
	fmt.Println("PASS: no 5xx, no lock error")
	return nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func withoutVar(env []string, name string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}
