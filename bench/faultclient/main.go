// Command faultclient is the client side of bench/faults.sh: it makes
// numbered changes through the API while probing the server, and checks
// afterwards that none of the acknowledged changes was lost.
//
//	faultclient run   -base URL -token T -out DIR  (until DIR/stop exists)
//	faultclient check -base URL -token T -out DIR -feed PATH -mail DIR -down MS -start MS -ready MS
//	faultclient sqlite-wait -db FILE -since UNIX-MS -after MS
//
// run first gives the demo delegate (omar-ansari) an e-mail address and
// asks for their agenda by e-mail, then creates session fault-1, fault-2,
// ... one after another with PUT (no If-Match: create only), each for the
// delegate's delegation, so that it is on their agenda, in their feed and in
// their invitations. Each number is retried every 200 ms until the server
// acknowledges it (201); a 428 on a retry means an earlier attempt was
// applied but its answer was lost (the connection dropped): the number is
// recorded as applied, not acknowledged. Meanwhile two probes run: GET
// /healthz (the database) and GET of feeds and agenda pages (from memory),
// every 100 ms each. Every request is logged in DIR/requests.tsv:
//
//	start-ms end-ms kind status retry-after target
//
// with times in Unix milliseconds. Numbers go to DIR/acked.txt and
// DIR/applied.txt.
//
// check reads those files and the times the script took PostgreSQL down and
// brought it back, and prints one PASS or FAIL line per check; it exits 1
// when any check fails.
package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ncruces/go-sqlite3"
	_ "github.com/ncruces/go-sqlite3/driver"
)

const (
	slug     = "igf2016-cldp"
	delegate = "omar-ansari"
	email    = "omar.ansari@example.org"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: faultclient run|check [flags]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	base := fs.String("base", "", "server base URL")
	token := fs.String("token", "", "API token")
	out := fs.String("out", "", "directory of the logs")
	probes := fs.String("probes", "", "file of paths the probe gets, one a line, with an optional tab and ETag")
	feed := fs.String("feed", "", "path of the delegate's feed")
	mailDir := fs.String("mail", "", "directory of the messages the SMTP sink stored")
	down := fs.Int64("down", 0, "Unix ms: PostgreSQL stopped")
	start := fs.Int64("start", 0, "Unix ms: PostgreSQL being started again")
	ready := fs.Int64("ready", 0, "Unix ms: PostgreSQL accepts connections again")
	dbPath := fs.String("db", "", "sqlite-wait: the SQLite file")
	after := fs.Int64("after", 0, "sqlite-wait: ms after -since")
	since := fs.Int64("since", 0, "sqlite-wait: Unix ms the wait counts from")
	_ = fs.Parse(os.Args[2:])
	c := &client{base: strings.TrimSuffix(*base, "/"), token: *token, out: *out,
		http: &http.Client{Timeout: 10 * time.Second}}
	switch os.Args[1] {
	case "run":
		if err := c.run(*probes); err != nil {
			fmt.Fprintln(os.Stderr, "faultclient:", err)
			os.Exit(1)
		}
	case "sqlite-wait":
		// sqlite-wait -db PATH -after MS -since UNIX-MS
		if err := sqliteWait(*dbPath, time.UnixMilli(*since), time.Duration(*after)*time.Millisecond); err != nil {
			fmt.Fprintln(os.Stderr, "faultclient:", err)
			os.Exit(1)
		}
	case "check":
		ok := c.check(checkArgs{feed: *feed, mail: *mailDir, down: *down, start: *start, ready: *ready})
		if !ok {
			os.Exit(1)
		}
	default:
		fmt.Fprintln(os.Stderr, "usage: faultclient run|check [flags]")
		os.Exit(2)
	}
}

type client struct {
	base, token, out string
	http             *http.Client
	mu               sync.Mutex
	log              *os.File
}

func ms(t time.Time) int64 { return t.UnixMilli() }

// do sends one request, logs it and returns its status (0 when it failed
// without an answer), headers and body.
func (c *client) do(kind, method, path string, hdr map[string]string, body []byte) (int, http.Header, []byte) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		panic(err)
	}
	if strings.HasPrefix(path, "/api/") {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	t0 := time.Now()
	res, err := c.http.Do(req)
	status, h, b := 0, http.Header{}, []byte(nil)
	if err == nil {
		b, _ = io.ReadAll(res.Body)
		res.Body.Close()
		status, h = res.StatusCode, res.Header
	}
	t1 := time.Now()
	if c.log != nil {
		ra := h.Get("Retry-After")
		if ra == "" {
			ra = "-"
		}
		c.mu.Lock()
		fmt.Fprintf(c.log, "%d\t%d\t%s\t%d\t%s\t%s\n", ms(t0), ms(t1), kind, status, ra, path)
		c.mu.Unlock()
	}
	return status, h, b
}

func (c *client) run(probes string) error {
	f, err := os.Create(filepath.Join(c.out, "requests.tsv"))
	if err != nil {
		return err
	}
	defer f.Close()
	c.log = f
	if err := c.setup(); err != nil {
		return err
	}
	acked, err := os.Create(filepath.Join(c.out, "acked.txt"))
	if err != nil {
		return err
	}
	defer acked.Close()
	applied, err := os.Create(filepath.Join(c.out, "applied.txt"))
	if err != nil {
		return err
	}
	defer applied.Close()

	stop := filepath.Join(c.out, "stop")
	stopped := func() bool { _, err := os.Stat(stop); return err == nil }
	var paths []string
	var etags []string
	if probes != "" {
		b, err := os.ReadFile(probes)
		if err != nil {
			return err
		}
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			p, e, _ := strings.Cut(line, "\t")
			paths, etags = append(paths, p), append(etags, e)
		}
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	probe := func(kind string, next func(i int) (string, map[string]string)) {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			case <-time.After(100 * time.Millisecond):
			}
			p, h := next(i)
			c.do(kind, http.MethodGet, p, h, nil)
		}
	}
	wg.Add(1)
	go probe("healthz", func(int) (string, map[string]string) { return "/healthz", nil })
	if len(paths) > 0 {
		wg.Add(1)
		go probe("probe", func(i int) (string, map[string]string) {
			// Each path in turn, every other round with its ETag.
			j := i % len(paths)
			if (i/len(paths))%2 == 1 && etags[j] != "" {
				return paths[j], map[string]string{"If-None-Match": etags[j]}
			}
			return paths[j], nil
		})
	}
	for n := 1; !stopped(); n++ {
		body, _ := json.Marshal(session(n))
		path := fmt.Sprintf("/api/v1/programmes/%s/sessions/fault-%d", slug, n)
		for {
			status, _, _ := c.do("write", http.MethodPut, path, map[string]string{"Content-Type": "application/json"}, body)
			if status == http.StatusCreated {
				fmt.Fprintln(acked, n)
				break
			}
			if status == http.StatusPreconditionRequired {
				fmt.Fprintln(applied, n)
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		// A pace of a few changes a second, like staff at work and
		// scripts, not a write benchmark.
		time.Sleep(100 * time.Millisecond)
	}
	close(done)
	wg.Wait()
	return nil
}

// session is change number n: a new session for the delegate's delegation.
func session(n int) map[string]any {
	start := time.Date(2016, 12, 8, 7, 0, 0, 0, time.UTC).Add(time.Duration(n%600) * time.Minute)
	return map[string]any{
		"title":     fmt.Sprintf("Fault check %d", n),
		"kind":      "meeting",
		"starts_at": start.Format("2006-01-02T15:04"),
		"ends_at":   start.Add(20 * time.Minute).Format("2006-01-02T15:04"),
		"venue":     "expo",
		"audience":  map[string]any{"delegations": []string{"af"}},
		"status":    "confirmed",
	}
}

// setup asks for the delegate's agenda by e-mail.
func (c *client) setup() error {
	path := "/api/v1/programmes/" + slug + "/people/" + delegate
	status, h, b := c.do("setup", http.MethodGet, path, nil, nil)
	if status != http.StatusOK {
		return fmt.Errorf("GET %s: %d %s", path, status, b)
	}
	patch := []byte(`{"email": "` + email + `", "calendar_by_email": true}`)
	status, _, b = c.do("setup", http.MethodPatch, path,
		map[string]string{"If-Match": h.Get("ETag"), "Content-Type": "application/merge-patch+json"}, patch)
	if status != http.StatusOK {
		return fmt.Errorf("PATCH %s: %d %s", path, status, b)
	}
	return nil
}

// request is one line of requests.tsv.
type request struct {
	start, end int64
	kind       string
	status     int
	retryAfter string
	path       string
}

func readRequests(path string) ([]request, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []request
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.Split(sc.Text(), "\t")
		if len(p) != 6 {
			continue
		}
		var r request
		r.start, _ = strconv.ParseInt(p[0], 10, 64)
		r.end, _ = strconv.ParseInt(p[1], 10, 64)
		r.kind = p[2]
		r.status, _ = strconv.Atoi(p[3])
		r.retryAfter, r.path = p[4], p[5]
		out = append(out, r)
	}
	return out, sc.Err()
}

func readNumbers(path string) ([]int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []int
	for _, f := range strings.Fields(string(b)) {
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// sqliteWait returns once the SQLite database at path has a writer inside a
// transaction (its write lock is held: the planner's transactions take it at
// BEGIN, _txlock=immediate, and keep it until COMMIT or ROLLBACK) and at
// least after has passed since start; it tries for a minute.
func sqliteWait(path string, start time.Time, after time.Duration) error {
	db, err := sql.Open("sqlite3", "file:"+path+"?_pragma=busy_timeout(0)")
	if err != nil {
		return err
	}
	defer db.Close()
	for time.Since(start) < time.Minute {
		if time.Since(start) >= after {
			locked, err := writeLocked(db)
			if err != nil {
				return err
			}
			if locked {
				return nil
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("no transaction on %s within a minute", path)
}

// writeLocked reports whether another connection holds the write lock.
func writeLocked(db *sql.DB) (bool, error) {
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		var code sqlite3.ErrorCode
		if errors.As(err, &code) && code == sqlite3.BUSY {
			return true, nil
		}
		return false, err
	}
	_, err = conn.ExecContext(ctx, "ROLLBACK")
	return false, err
}
