package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
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
	// really listens, not at the default port; events link to the public
	// programme page, and never carry the feed's token.
	token := strings.TrimSuffix(strings.TrimPrefix(urls[omar], srv.url+"/feeds/"), ".ics")
	if want := "URL:" + srv.url + "/p/" + demo.Slug + "#session-day0-seminar"; !strings.Contains(unfold(body), want) {
		t.Errorf("Omar's feed does not link the seminar to the programme page as %q", want)
	}
	if strings.Contains(unfold(body), token) {
		t.Error("Omar's feed carries its own token")
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
		{"bad trusted proxy", []string{"serve", "--addr", "127.0.0.1:0", "--trusted-proxies", "10.0.0.1,nginx"}, 2, []string{`--trusted-proxies: "nginx"`}},
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

// fakeInterfaces makes serve see addrs as this machine's addresses (or err)
// until the test ends.
func fakeInterfaces(t *testing.T, err error, addrs ...string) {
	t.Helper()
	var out []net.Addr
	for _, a := range addrs {
		ip, n, perr := net.ParseCIDR(a)
		if perr != nil {
			t.Fatal(perr)
		}
		out = append(out, &net.IPNet{IP: ip, Mask: n.Mask})
	}
	saved := interfaceAddrs
	interfaceAddrs = func() ([]net.Addr, error) { return out, err }
	t.Cleanup(func() { interfaceAddrs = saved })
}

// TestServeOnEveryInterfaceLinksToThisMachine serves on 0.0.0.0 and on :PORT
// without a base URL: links, the agenda page's buttons and the printed
// addresses name this machine's address, never [::] or 0.0.0.0.
func TestServeOnEveryInterfaceLinksToThisMachine(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0"} {
		t.Run(addr, func(t *testing.T) {
			fakeInterfaces(t, nil, "127.0.0.1/8", "::1/128", "fe80::1/64", "2001:db8::5/64", "192.0.2.10/24", "198.51.100.7/24")
			srv := startServer(t, testEnv(t), "--demo", "--addr", addr)
			out := srv.stdout.String()
			if !strings.HasPrefix(srv.url, "http://192.0.2.10:") {
				t.Errorf("serving on %s, want this machine's first address 192.0.2.10:\n%s", srv.url, out)
			}
			m := agendaLine.FindStringSubmatch(out)
			if m == nil || !strings.HasPrefix(m[1], srv.url+"/a/") {
				t.Fatalf("the agenda link is not on %s:\n%s", srv.url, out)
			}
			if strings.Contains(out, "[::]") || strings.Contains(out, "0.0.0.0") {
				t.Errorf("serve printed an unspecified address:\n%s", out)
			}
			if !strings.Contains(srv.stderr.String(), "links="+srv.url) {
				t.Errorf("serve did not log the address its links use:\n%s", srv.stderr)
			}
			// The page's buttons and QR code use the same address; the
			// server listens on every interface, so loopback reaches it.
			port := srv.url[strings.LastIndex(srv.url, ":"):]
			status, body := get(t, strings.Replace(m[1], srv.url, "http://127.0.0.1"+port, 1))
			if status != http.StatusOK || !strings.Contains(body, "webcal://192.0.2.10"+port+"/feeds/") {
				t.Errorf("the agenda page (status %d) has no webcal link to 192.0.2.10%s", status, port)
			}
			if strings.Contains(body, "[::]") {
				t.Errorf("the agenda page names [::]")
			}
		})
	}
}

func TestServeOnEveryInterfaceOfALoopbackOnlyMachine(t *testing.T) {
	fakeInterfaces(t, nil, "127.0.0.1/8", "::1/128")
	srv := startServer(t, testEnv(t), "--addr", "0.0.0.0:0")
	if !strings.HasPrefix(srv.url, "http://127.0.0.1:") {
		t.Fatalf("serving on %s, want 127.0.0.1, the only address that reaches this machine", srv.url)
	}
	if status, _ := get(t, srv.url+"/healthz"); status != http.StatusOK {
		t.Errorf("GET %s/healthz: status %d", srv.url, status)
	}
}

func TestServeOnEveryInterfaceRefusesToGuessBlind(t *testing.T) {
	fakeInterfaces(t, errors.New("no interfaces for you"))
	wantFailure(t, planner(t, testEnv(t), "", "serve", "--addr", "0.0.0.0:0"), 2,
		"no interfaces for you", "--base-url (PLANNER_BASE_URL)")
	// A base URL needs no guess.
	srv := startServer(t, with(testEnv(t), "PLANNER_BASE_URL", "http://planner.example.org"), "--addr", "0.0.0.0:0")
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
}

// TestServeDemoSuggestsACommandThatWorks checks the command serve --demo
// suggests for listing feeds: under `go run` there is no planner command.
func TestServeDemoSuggestsACommandThatWorks(t *testing.T) {
	tests := []struct{ arg0, want string }{
		{"/tmp/go-build1234/b001/exe/planner", "go run ./cmd/planner feeds " + demo.Slug},
		{"./planner", "./planner feeds " + demo.Slug},
		{"planner", "planner feeds " + demo.Slug},
	}
	for _, tt := range tests {
		if got := invocation(tt.arg0) + " feeds " + demo.Slug; got != tt.want {
			t.Errorf("started as %s: suggests %q, want %q", tt.arg0, got, tt.want)
		}
	}
	srv := startServer(t, testEnv(t), "--demo")
	if !strings.Contains(srv.stdout.String(), "every feed and agenda link: planner feeds "+demo.Slug) {
		t.Errorf("serve --demo does not suggest the feeds command:\n%s", srv.stdout)
	}
}

// TestServeOnEveryInterfaceOnThisMachine serves on 0.0.0.0 with the
// machine's real interfaces: the printed address is a real one, never
// unspecified, and it answers.
func TestServeOnEveryInterfaceOnThisMachine(t *testing.T) {
	srv := startServer(t, testEnv(t), "--addr", "0.0.0.0:0")
	host, _, err := net.SplitHostPort(strings.TrimPrefix(srv.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		t.Fatalf("serving on %s, want an address of this machine", srv.url)
	}
	if status, _ := get(t, srv.url+"/healthz"); status != http.StatusOK {
		t.Errorf("GET %s/healthz: status %d", srv.url, status)
	}
}

// TestServeOutlivesALostKeyFile loses the key file of a database whose feeds
// were handed out: the server still serves them (it finds feeds by their
// tokens' hashes) and warns, while the commands that print feed URLs stop,
// and no new key file appears.
func TestServeOutlivesALostKeyFile(t *testing.T) {
	env := testEnv(t)
	mustPlanner(t, env, "demo")
	const omar = "person:omar-ansari"
	url := feedURLs(t, mustPlanner(t, env, "feeds", demo.Slug))[omar]
	if err := os.Remove(env["PLANNER_KEY_FILE"]); err != nil {
		t.Fatal(err)
	}

	srv := startServer(t, env)
	path := url[strings.Index(url, "/feeds/"):]
	if status, body := get(t, srv.url+path); status != http.StatusOK || !strings.HasPrefix(body, "BEGIN:VCALENDAR") {
		t.Errorf("GET Omar's feed without the key file: status %d, want 200 and his calendar", status)
	}
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(srv.stderr.String(), "the feed secret key file does not exist") {
		t.Errorf("serve did not warn about the missing key file:\n%s", srv.stderr)
	}

	wantFailure(t, planner(t, env, "", "serve", "--demo", "--addr", "127.0.0.1:0"), 2, env["PLANNER_KEY_FILE"]+" does not exist")
	wantFailure(t, planner(t, env, "", "feeds", demo.Slug), 2, env["PLANNER_KEY_FILE"]+" does not exist")
	if _, err := os.Stat(env["PLANNER_KEY_FILE"]); !os.IsNotExist(err) {
		t.Errorf("a new key file appeared: %v", err)
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

// TestServeNoMigrate: with --no-migrate, serve refuses a database that lacks
// migrations (and leaves it so), and serves one that `planner migrate` set up.
func TestServeNoMigrate(t *testing.T) {
	env := testEnv(t)
	wantFailure(t, planner(t, env, "", "serve", "--addr", "127.0.0.1:0", "--no-migrate"), 1, "run `planner migrate` first")
	// The refusal applied nothing: serving still refuses.
	env["PLANNER_NO_MIGRATE"] = "true"
	wantFailure(t, planner(t, env, "", "serve", "--addr", "127.0.0.1:0"), 1, "run `planner migrate` first")

	mustPlanner(t, env, "migrate")
	mustPlanner(t, env, "demo")
	s := startServer(t, env)
	if status, body := get(t, s.url+"/p/"+demo.Slug); status != http.StatusOK || !strings.Contains(body, "Pre-Conference Seminar") {
		t.Errorf("GET /p/%s: status %d", demo.Slug, status)
	}
	if err := s.stop(); err != nil {
		t.Fatalf("serve: %v", err)
	}
	if !strings.Contains(s.stderr.String(), "migrations left to `planner migrate`") {
		t.Errorf("serve's log does not say it left migrating to planner migrate:\n%s", s.stderr)
	}
}

// TestServeShutdownDrain: PLANNER_SHUTDOWN_DRAIN keeps a stopping server
// answering, with /healthz at 503, before it stops.
func TestServeShutdownDrain(t *testing.T) {
	env := testEnv(t)
	env["PLANNER_SHUTDOWN_DRAIN"] = "2s"
	s := startServer(t, env)
	if status, body := get(t, s.url+"/healthz"); status != http.StatusOK || body != "ok" {
		t.Fatalf("/healthz before stopping: %d %q", status, body)
	}
	stopped := make(chan error, 1)
	go func() { stopped <- s.stop() }()
	for i := 0; ; i++ {
		if status, body := get(t, s.url+"/healthz"); status == http.StatusServiceUnavailable {
			if body != "draining" {
				t.Errorf("/healthz while draining: %q", body)
			}
			break
		}
		if i == 100 {
			t.Fatal("/healthz never answered 503 while the server stopped")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if status, _ := get(t, s.url+"/p/"+demo.Slug); status != http.StatusNotFound {
		t.Errorf("a page while draining: %d, want the 404 of a database without the demo (served, not refused)", status)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("serve: %v", err)
	}
	if !strings.Contains(s.stderr.String(), "draining before shutdown") {
		t.Errorf("serve did not log its drain:\n%s", s.stderr)
	}
}

func TestParseTrustedProxies(t *testing.T) {
	got, err := parseTrustedProxies(" 127.0.0.1, 10.0.0.7/8,::1 ,2001:db8::/32,")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"127.0.0.1/32", "10.0.0.0/8", "::1/128", "2001:db8::/32"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("#%d: %s, want %s", i, got[i], want[i])
		}
	}
	for _, bad := range []string{"nginx", "10.0.0.0/33", "fe80::1%eth0"} {
		if _, err := parseTrustedProxies(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
