package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/demo"
)

// server is `planner serve` running in the background of a test.
type server struct {
	url    string      // http://127.0.0.1:PORT, without a trailing slash
	stdout *syncBuffer // what serve printed up to its serving line, and on
	stderr *syncBuffer
	cancel context.CancelFunc
	done   chan error
}

var servingLine = regexp.MustCompile(`serving \w+ database on (http://\S+)/`)

// agendaLine is the line of `serve --demo` that shows a delegate's agenda.
var agendaLine = regexp.MustCompile(`a delegate's agenda, as on their phone: (http://\S+)`)

// startServer runs `planner serve` with args on a free port and returns once
// it has printed the URL it serves on. The server is stopped when the test
// ends unless the test stops it first.
func startServer(t *testing.T, env map[string]string, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	s := &server{stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	pr, pw := io.Pipe()
	args = append([]string{"planner", "serve", "--addr", "127.0.0.1:0"}, args...)
	go func() {
		err := run(ctx, args, getenv(env), strings.NewReader(""), pw, s.stderr)
		pw.Close()
		s.done <- err
	}()
	t.Cleanup(func() {
		cancel()
		<-s.done
	})

	// Standard output is read to its end, so that the server never blocks
	// writing to it; the first line naming the address is the one wanted.
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		sent := false
		for sc.Scan() {
			fmt.Fprintln(s.stdout, sc.Text())
			if m := servingLine.FindStringSubmatch(sc.Text()); m != nil && !sent {
				urls <- m[1]
				sent = true
			}
		}
		close(urls)
	}()
	u, ok := <-urls
	if !ok {
		err := <-s.done
		s.done <- err // for the cleanup
		t.Fatalf("serve stopped before it printed its address: %v\nstderr:\n%s", err, s.stderr)
	}
	s.url = u
	return s
}

// stop cancels the server's context and returns what run returned.
func (s *server) stop() error {
	s.cancel()
	err := <-s.done
	s.done <- err // for the cleanup
	return err
}

// get fetches url and returns its status and body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, string(body)
}

func TestServe(t *testing.T) {
	env := testEnv(t)
	srv := startServer(t, env, "--demo")

	// serve --demo shows a delegate's agenda page, and it answers.
	m := agendaLine.FindStringSubmatch(srv.stdout.String())
	if m == nil {
		t.Fatalf("serve --demo printed no delegate's agenda:\n%s", srv.stdout)
	}
	if status, body := get(t, m[1]); status != http.StatusOK || !strings.Contains(body, "<h1>Omar Ansari</h1>") {
		t.Errorf("GET the printed agenda: status %d, want 200 and Omar Ansari's agenda", status)
	}

	tests := []struct {
		path string
		want string
	}{
		{"/healthz", ""},
		{"/p/" + demo.Slug, "Pre-Conference Seminar"},
		{"/", "CLDP-supported delegations at IGF 2016"},
	}
	for _, tt := range tests {
		status, body := get(t, srv.url+tt.path)
		if status != http.StatusOK {
			t.Errorf("GET %s: status %d, want 200\n%s", tt.path, status, body)
		}
		if !strings.Contains(body, tt.want) {
			t.Errorf("GET %s: body does not contain %q", tt.path, tt.want)
		}
	}

	// The feeds command, on the same database and key file, prints URLs
	// that the running server answers.
	const omar = "person:omar-ansari"
	urls := feedURLs(t, mustPlanner(t, env, "feeds", "--base-url", srv.url, demo.Slug))
	if !strings.HasPrefix(urls[omar], srv.url+"/feeds/") {
		t.Fatalf("Omar's feed URL=%q, want one on %s", urls[omar], srv.url)
	}
	status, body := get(t, urls[omar])
	if status != http.StatusOK || !strings.HasPrefix(body, "BEGIN:VCALENDAR\r\n") {
		t.Fatalf("GET Omar's feed: status %d, want 200 and a calendar:\n%s", status, body)
	}
	if !strings.Contains(body, "Pre-Conference Seminar") {
		t.Errorf("Omar's feed lacks the seminar:\n%s", body)
	}
	// With no --base-url the links inside the feed point where the server
	// really listens, not at the default port.
	token := strings.TrimSuffix(strings.TrimPrefix(urls[omar], srv.url+"/feeds/"), ".ics")
	if want := "URL:" + srv.url + "/a/" + token; !strings.Contains(unfold(body), want) {
		t.Errorf("Omar's feed does not link to its page as %q", want)
	}
	// The server records the fetch (in a batch, within
	// feeds.FetchFlushInterval), and the feeds command reports it.
	var lines []feedLine
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		lines = parseFeeds(t, mustPlanner(t, env, "feeds", "--base-url", srv.url, demo.Slug))
		if fetchedFeed(lines, omar) || time.Now().After(deadline) {
			break
		}
	}
	for _, l := range lines {
		fetched := strings.HasPrefix(l.fetched, "fetched ")
		if l.kind+":"+l.key == omar {
			if !fetched || l.current != "has the latest change" {
				t.Errorf("Omar's feed after a fetch: %q, %q", l.fetched, l.current)
			}
		} else if fetched {
			t.Errorf("%s:%s was never fetched but shows %q", l.kind, l.key, l.fetched)
		}
	}
	// A feed revoked by another process stops working on the running
	// server as soon as it learns of the change (feeds.ChangePollInterval
	// on SQLite, a notification on PostgreSQL).
	mustPlanner(t, env, "feeds", "--revoke", omar, demo.Slug)
	status = 0
	for deadline := time.Now().Add(30 * time.Second); status != http.StatusNotFound && time.Now().Before(deadline); {
		if status, _ = get(t, urls[omar]); status != http.StatusNotFound {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if status != http.StatusNotFound {
		t.Errorf("GET a revoked feed: status %d, want 404", status)
	}

	if out := mustPlanner(t, env, "healthcheck", "--url", srv.url+"/healthz"); strings.TrimSpace(out) != "healthy" {
		t.Errorf("healthcheck printed %q, want \"healthy\"", out)
	}
	wantFailure(t, planner(t, env, "", "healthcheck", "--url", srv.url+"/no-such-page"), 1, "answered 404")

	if err := srv.stop(); err != nil {
		t.Fatalf("serve after cancel: %v, want nil (a graceful shutdown)\nstderr:\n%s", err, srv.stderr)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.url+"/healthz", nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Errorf("the server still answers after its context was cancelled")
	}
}

// TestServeDemoTwice checks that serving the demo again on the same
// database starts cleanly: the demo import is idempotent.
func TestServeDemoTwice(t *testing.T) {
	env := testEnv(t)
	first := startServer(t, env, "--demo")
	if err := first.stop(); err != nil {
		t.Fatalf("first serve: %v", err)
	}
	second := startServer(t, env, "--demo")
	if status, body := get(t, second.url+"/p/"+demo.Slug); status != http.StatusOK || !strings.Contains(body, "Pre-Conference Seminar") {
		t.Errorf("GET /p/%s on the second server: status %d", demo.Slug, status)
	}
	if err := second.stop(); err != nil {
		t.Fatalf("second serve: %v", err)
	}
}

func TestServeErrors(t *testing.T) {
	env := testEnv(t)
	// A port that is taken makes serve fail with a plain message.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })

	tests := []struct {
		name  string
		args  []string
		code  int
		wants []string
	}{
		{"address in use", []string{"serve", "--addr", ln.Addr().String()}, 1, []string{"cannot listen on " + ln.Addr().String()}},
		{"bad base URL", []string{"serve", "--addr", "127.0.0.1:0", "--base-url", "planner.example.org"}, 2, []string{"--base-url"}},
		{"short secret key", []string{"serve", "--addr", "127.0.0.1:0", "--secret-key", "abcd"}, 2, []string{"--secret-key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantFailure(t, planner(t, env, "", tt.args...), tt.code, tt.wants...)
		})
	}
}

func TestHealthcheckClosedPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	r := planner(t, testEnv(t), "", "healthcheck", "--url", "http://"+addr+"/healthz")
	if r.err == nil {
		t.Fatalf("healthcheck against a closed port succeeded: %q", r.stdout)
	}
	wantFailure(t, r, 1, addr)
}

// unfold undoes RFC 5545 line folding.
func unfold(ics string) string { return strings.ReplaceAll(ics, "\r\n ", "") }

func TestServeWarnsWhenLinksWouldNameAnUnreachableAddress(t *testing.T) {
	const warning = "PLANNER_BASE_URL is not set and the server listens on every interface"
	quiet := startServer(t, testEnv(t))
	if err := quiet.stop(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(quiet.stderr.String(), warning) {
		t.Errorf("serve on 127.0.0.1 warned about its links:\n%s", quiet.stderr)
	}
	loud := startServer(t, testEnv(t), "--addr", "0.0.0.0:0")
	if err := loud.stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(loud.stderr.String(), warning) {
		t.Errorf("serve on 0.0.0.0 without a base URL did not warn:\n%s", loud.stderr)
	}
	withBase := startServer(t, with(testEnv(t), "PLANNER_BASE_URL", "https://planner.example.org"), "--addr", "0.0.0.0:0")
	if err := withBase.stop(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(withBase.stderr.String(), warning) {
		t.Errorf("serve with a base URL warned about its links:\n%s", withBase.stderr)
	}
}

// fetchedFeed reports whether the feeds command's lines show the feed
// "kind:key" as fetched.
func fetchedFeed(lines []feedLine, feed string) bool {
	for _, l := range lines {
		if l.kind+":"+l.key == feed && strings.HasPrefix(l.fetched, "fetched ") {
			return true
		}
	}
	return false
}
