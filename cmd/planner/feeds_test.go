package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/demo"
	"github.com/planner-dev/planner/internal/exchange"
	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/store/storetest"
)

// feedLine is one line of `planner feeds`.
type feedLine struct {
	kind, key, name, url, fetched, current string
}

// parseFeeds splits the output of `planner feeds` into its lines, failing
// the test unless every line has exactly six tab-separated columns.
func parseFeeds(t *testing.T, out string) []feedLine {
	t.Helper()
	var lines []feedLine
	for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		cols := strings.Split(line, "\t")
		if len(cols) != 6 {
			t.Fatalf("line %d has %d columns, want 6: %q", i+1, len(cols), line)
		}
		lines = append(lines, feedLine{cols[0], cols[1], cols[2], cols[3], cols[4], cols[5]})
	}
	return lines
}

// feedURLs maps each feed's KIND:KEY to its URL column.
func feedURLs(t *testing.T, out string) map[string]string {
	t.Helper()
	urls := map[string]string{}
	for _, l := range parseFeeds(t, out) {
		urls[l.kind+":"+l.key] = l.url
	}
	return urls
}

// demoFeedCount is how many feeds the demo programme has.
func demoFeedCount(t *testing.T) int {
	t.Helper()
	p, _, err := exchange.Decode(bytes.NewReader(demo.JSON))
	if err != nil {
		t.Fatalf("decode the demo: %v", err)
	}
	return len(feeds.Subjects(p))
}

func TestFeedsList(t *testing.T) {
	env := with(testEnv(t), "PLANNER_BASE_URL", "https://planner.example.org")
	mustPlanner(t, env, "demo")

	out := mustPlanner(t, env, "feeds", demo.Slug)
	lines := parseFeeds(t, out)
	if got, want := len(lines), demoFeedCount(t); got != want {
		t.Errorf("%d lines, want one per feed (%d):\n%s", got, want, out)
	}
	seen := map[string]bool{}
	for _, l := range lines {
		if seen[l.kind+":"+l.key] {
			t.Errorf("feed %s:%s is listed twice", l.kind, l.key)
		}
		seen[l.kind+":"+l.key] = true
		token, ok := strings.CutPrefix(l.url, "https://planner.example.org/feeds/")
		if !ok || !strings.HasSuffix(token, ".ics") || !feeds.ValidTokenSyntax(strings.TrimSuffix(token, ".ics")) {
			t.Errorf("%s:%s URL=%q, want https://planner.example.org/feeds/TOKEN.ics", l.kind, l.key, l.url)
		}
		if l.fetched != "never fetched" || l.current != "not subscribed yet" {
			t.Errorf("%s:%s fetched=%q current=%q, want a feed nobody fetched", l.kind, l.key, l.fetched, l.current)
		}
	}
	for _, want := range []feedLine{
		{kind: "programme", key: demo.Slug, name: "CLDP-supported delegations at IGF 2016"},
		{kind: "delegation", key: "af", name: "Afghanistan"},
		{kind: "person", key: "omar-ansari", name: "Omar Ansari"},
	} {
		found := false
		for _, l := range lines {
			found = found || (l.kind == want.kind && l.key == want.key && l.name == want.name)
		}
		if !found {
			t.Errorf("no line for %s %s %q:\n%s", want.kind, want.key, want.name, out)
		}
	}

	// Tokens are kept: a second run prints the same URLs.
	if again := mustPlanner(t, env, "feeds", demo.Slug); again != out {
		t.Errorf("second run printed other feeds:\nfirst:\n%s\nsecond:\n%s", out, again)
	}

	// The flag wins over PLANNER_BASE_URL; only the base of the URLs changes.
	local := feedURLs(t, mustPlanner(t, env, "feeds", "--base-url", "http://localhost:9999/", demo.Slug))
	for feed, url := range feedURLs(t, out) {
		if want := strings.Replace(url, "https://planner.example.org/", "http://localhost:9999/", 1); local[feed] != want {
			t.Errorf("%s with --base-url: URL=%q, want %q", feed, local[feed], want)
		}
	}

	// The key file keeps the URLs: it was created on first use where asked.
	if _, err := os.Stat(env["PLANNER_KEY_FILE"]); err != nil {
		t.Errorf("key file: %v", err)
	}
}

func TestFeedsAlign(t *testing.T) {
	env := testEnv(t)
	mustPlanner(t, env, "demo")
	out := mustPlanner(t, env, "feeds", "--align", demo.Slug)
	if strings.Contains(out, "\t") {
		t.Errorf("--align output has tabs:\n%s", out)
	}
	if got, want := strings.Count(out, "\n"), demoFeedCount(t); got != want {
		t.Errorf("--align printed %d lines, want %d", got, want)
	}
}

func TestFeedsRotateAndRevoke(t *testing.T) {
	const omar = "person:omar-ansari"
	tests := []struct {
		name string
		flag string
		// check tests Omar's new line against his old URL.
		check func(t *testing.T, old string, l feedLine)
	}{
		{"rotate", "--rotate", func(t *testing.T, old string, l feedLine) {
			if l.url == old || !strings.HasPrefix(l.url, "http://127.0.0.1:8080/feeds/") {
				t.Errorf("rotated URL=%q, want a new feed URL (old %q)", l.url, old)
			}
		}},
		{"revoke", "--revoke", func(t *testing.T, old string, l feedLine) {
			if l.url != "revoked" || l.current != "-" {
				t.Errorf("revoked feed: URL=%q current=%q, want \"revoked\" and \"-\"", l.url, l.current)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := testEnv(t)
			mustPlanner(t, env, "demo")
			before := feedURLs(t, mustPlanner(t, env, "feeds", demo.Slug))

			out := mustPlanner(t, env, "feeds", tt.flag, omar, demo.Slug)
			after := feedURLs(t, out)
			for _, l := range parseFeeds(t, out) {
				if l.kind+":"+l.key == omar {
					tt.check(t, before[omar], l)
				}
			}
			for feed, url := range before {
				if feed != omar && after[feed] != url {
					t.Errorf("%s changed %s's URL: %q, was %q", tt.flag, feed, after[feed], url)
				}
			}
			// The change is kept: a plain run shows it too.
			if again := feedURLs(t, mustPlanner(t, env, "feeds", demo.Slug)); again[omar] != after[omar] {
				t.Errorf("after %s a plain run shows %q, want %q", tt.flag, again[omar], after[omar])
			}
		})
	}
}

func TestFeedsErrors(t *testing.T) {
	env := testEnv(t)
	mustPlanner(t, env, "demo")
	before := mustPlanner(t, env, "feeds", demo.Slug)
	tests := []struct {
		name  string
		args  []string
		code  int
		wants []string
	}{
		{"spec without a colon", []string{"--rotate", "person"}, 2, []string{`--rotate "person": want KIND:KEY`}},
		{"spec without a key", []string{"--revoke", "person:"}, 2, []string{`--revoke "person:"`}},
		{"spec without a kind", []string{"--revoke", ":omar-ansari"}, 2, []string{`--revoke ":omar-ansari"`}},
		{"unknown kind", []string{"--revoke", "guest:omar-ansari"}, 2, []string{`the kind "guest" is not one of`}},
		// A bad second spec must stop the first from being applied.
		{"good spec then bad spec", []string{"--revoke", "person:omar-ansari", "--revoke", "person"}, 2, []string{`--revoke "person"`}},
		{"unknown person", []string{"--rotate", "person:nobody"}, 1, []string{`no person feed "nobody"`}},
		{"bad base URL", []string{"--base-url", "ftp://planner.example.org"}, 2, []string{"--base-url", "http:// or https://"}},
		{"short secret key", []string{"--secret-key", "abcd"}, 2, []string{"--secret-key", "want at least 32"}},
		{"secret key not hex", []string{"--secret-key", strings.Repeat("zz", 32)}, 2, []string{"--secret-key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append(append([]string{"feeds"}, tt.args...), demo.Slug)
			wantFailure(t, planner(t, env, "", args...), tt.code, tt.wants...)
			if after := mustPlanner(t, env, "feeds", demo.Slug); after != before {
				t.Errorf("a failed run changed the feeds:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}

	t.Run("unknown programme", func(t *testing.T) {
		wantFailure(t, planner(t, env, "", "feeds", "no-such-programme"), 1, `programme "no-such-programme" not found`)
	})
	t.Run("unknown programme in a new database", func(t *testing.T) {
		fresh := testEnv(t)
		wantFailure(t, planner(t, fresh, "", "feeds", demo.Slug), 1, "not found")
		if _, err := os.Stat(fresh["PLANNER_KEY_FILE"]); !os.IsNotExist(err) {
			t.Errorf("a key file was made for a programme that does not exist: %v", err)
		}
	})
	t.Run("bad base URL from the environment", func(t *testing.T) {
		wantFailure(t, planner(t, with(env, "PLANNER_BASE_URL", "planner.example.org"), "", "feeds", demo.Slug), 2, "--base-url")
	})
	t.Run("short secret key from the environment", func(t *testing.T) {
		wantFailure(t, planner(t, with(env, "PLANNER_SECRET_KEY", "00ff"), "", "feeds", demo.Slug), 2, "--secret-key")
	})
}

// TestFeedsSecretKey checks that the URLs derive from the secret: the same
// key given as hex gives the same URLs on every run, whether from the flag or
// the environment, and another database given another key file gets other
// URLs for its feeds.
func TestFeedsSecretKey(t *testing.T) {
	env := testEnv(t)
	mustPlanner(t, env, "demo")
	key := strings.Repeat("0123456789abcdef", 4)
	first := feedURLs(t, mustPlanner(t, with(env, "PLANNER_SECRET_KEY", key), "feeds", demo.Slug))
	second := feedURLs(t, mustPlanner(t, env, "feeds", "--secret-key", key, demo.Slug))
	for feed, url := range first {
		if second[feed] != url {
			t.Errorf("%s: --secret-key gave %q, PLANNER_SECRET_KEY %q", feed, second[feed], url)
		}
	}
	// With a key given, no key file is made.
	if _, err := os.Stat(env["PLANNER_KEY_FILE"]); !os.IsNotExist(err) {
		t.Errorf("a key file was made although a secret key was given: %v", err)
	}

	// --key-file wins over PLANNER_KEY_FILE: another database, another
	// key file, created on first use and read back on the next.
	other := with(testEnv(t), "PLANNER_KEY_FILE", env["PLANNER_KEY_FILE"])
	mustPlanner(t, other, "demo")
	otherKey := filepath.Join(t.TempDir(), "other.key")
	created := feedURLs(t, mustPlanner(t, other, "feeds", "--key-file", otherKey, demo.Slug))
	reread := feedURLs(t, mustPlanner(t, other, "feeds", "--key-file", otherKey, demo.Slug))
	for feed, url := range created {
		if url == first[feed] {
			t.Errorf("%s: --key-file gave the URL of another key", feed)
		}
		if reread[feed] != url {
			t.Errorf("%s: the same key file gave %q, then %q", feed, url, reread[feed])
		}
	}
	if _, err := os.Stat(env["PLANNER_KEY_FILE"]); !os.IsNotExist(err) {
		t.Errorf("PLANNER_KEY_FILE was made although --key-file named another file: %v", err)
	}
}

// TestFeedsRefuseAnotherKey gives a database whose feeds were listed with
// one key every other kind of key: each run stops with exit 2, says which key
// it used and how to give the right one, changes nothing and makes no file.
func TestFeedsRefuseAnotherKey(t *testing.T) {
	env := testEnv(t)
	mustPlanner(t, env, "demo")
	before := mustPlanner(t, env, "feeds", demo.Slug)
	dir := t.TempDir()
	otherKeyFile := filepath.Join(dir, "other.key")
	if err := os.WriteFile(otherKeyFile, []byte(strings.Repeat("ab", 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.key")
	config := t.TempDir()
	defaultKeyFile := filepath.Join(config, "planner", "planner.key")
	if !strings.HasPrefix(env["DATABASE_URL"], "postgres") {
		defaultKeyFile = strings.TrimSuffix(env["DATABASE_URL"], ".db") + ".key"
	}
	tests := []struct {
		name  string
		env   map[string]string
		args  []string
		wants []string
	}{
		{"another --secret-key", env, []string{"--secret-key", strings.Repeat("cd", 32)},
			[]string{"--secret-key", "is not the secret key this database's feed URLs were made with", "--key-file (PLANNER_KEY_FILE)"}},
		{"another PLANNER_SECRET_KEY", with(env, "PLANNER_SECRET_KEY", strings.Repeat("cd", 32)), nil,
			[]string{"PLANNER_SECRET_KEY", "is not the secret key"}},
		{"another key file", env, []string{"--key-file", otherKeyFile},
			[]string{"the key file " + otherKeyFile, "is not the secret key"}},
		{"a key file that does not exist", with(env, "PLANNER_KEY_FILE", missing), nil,
			[]string{"the key file " + missing + " does not exist", "no new key was made", "--secret-key (PLANNER_SECRET_KEY)"}},
		{"the default key file, which does not exist", with(without(env, "PLANNER_KEY_FILE"), "XDG_CONFIG_HOME", config), []string{"--secret-key", strings.Repeat("cd", 32)},
			[]string{"(by default " + defaultKeyFile + ")"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append(append([]string{"feeds"}, tt.args...), demo.Slug)
			wantFailure(t, planner(t, tt.env, "", args...), 2, tt.wants...)
			if _, err := os.Stat(missing); !os.IsNotExist(err) {
				t.Errorf("a key file was made for a database that has a key: %v", err)
			}
			if after := mustPlanner(t, env, "feeds", demo.Slug); after != before {
				t.Errorf("a refused run changed the feeds:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
	t.Run("serve", func(t *testing.T) {
		wantFailure(t, planner(t, env, "", "serve", "--addr", "127.0.0.1:0", "--secret-key", strings.Repeat("cd", 32)), 2, "is not the secret key")
	})
}

// TestFeedsFromAnotherWorkingDirectory runs `planner feeds` as a user would
// from two directories with the database named by an absolute path and no
// key given: the default key file belongs to the database, not to the
// working directory, so both runs print the same URLs and neither leaves a
// key in its directory.
func TestFeedsFromAnotherWorkingDirectory(t *testing.T) {
	env := testEnv(t)
	delete(env, "PLANNER_KEY_FILE")
	config := t.TempDir()
	env["XDG_CONFIG_HOME"] = config
	mustPlanner(t, env, "demo")

	first, second := t.TempDir(), t.TempDir()
	t.Chdir(first)
	r := planner(t, env, "", "feeds", demo.Slug)
	if r.code != 0 {
		t.Fatalf("feeds: exit %d\n%s", r.code, r.stderr)
	}
	want := filepath.Join(config, "planner", "planner.key")
	if !strings.HasPrefix(env["DATABASE_URL"], "postgres") {
		want = strings.TrimSuffix(env["DATABASE_URL"], ".db") + ".key"
	}
	if _, err := os.Stat(want); err != nil {
		t.Errorf("no key file beside the database: %v", err)
	}
	if !strings.Contains(r.stderr, "created a new feed secret key file") || !strings.Contains(r.stderr, want) {
		t.Errorf("the first run did not say it created %s:\n%s", want, r.stderr)
	}
	t.Chdir(second)
	again := planner(t, env, "", "feeds", demo.Slug)
	if again.code != 0 || again.stdout != r.stdout {
		t.Errorf("from another directory: exit %d, output\n%s\nwant the same URLs as\n%s\nstderr:\n%s", again.code, again.stdout, r.stdout, again.stderr)
	}
	if strings.Contains(again.stderr, "created") {
		t.Errorf("the second run created a key:\n%s", again.stderr)
	}
	// The old default, a key file in the working directory, is refused
	// without leaving a file there.
	wantFailure(t, planner(t, env, "", "feeds", "--key-file", "planner.key", demo.Slug), 2,
		filepath.Join(second, "planner.key")+" does not exist")
	for _, dir := range []string{first, second} {
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("%s holds %v, want nothing", dir, entries)
		}
	}
}

// TestFeedsCheckTokensMadeBeforeFingerprints forgets the recorded
// fingerprint, as a database from before fingerprints has none, and checks
// that the feed tokens it already has still turn another key away.
func TestFeedsCheckTokensMadeBeforeFingerprints(t *testing.T) {
	env := testEnv(t)
	mustPlanner(t, env, "demo")
	before := mustPlanner(t, env, "feeds", demo.Slug)
	forget := func() {
		st := storetest.OpenURL(t, env["DATABASE_URL"])
		if err := st.DB().Exec("DELETE FROM feed_key_fingerprints").Error; err != nil {
			t.Fatal(err)
		}
		st.Close()
	}
	forget()
	wantFailure(t, planner(t, env, "", "feeds", "--secret-key", strings.Repeat("cd", 32), demo.Slug), 2,
		"none recorded yet, but its feed tokens were made with another key")
	missing := filepath.Join(t.TempDir(), "planner.key")
	wantFailure(t, planner(t, with(env, "PLANNER_KEY_FILE", missing), "", "feeds", demo.Slug), 2, missing+" does not exist")
	if after := mustPlanner(t, env, "feeds", demo.Slug); after != before {
		t.Errorf("the right key printed other URLs:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

func TestCurrentTextNamesTheChangeNotSeen(t *testing.T) {
	fetched := time.Date(2016, 12, 5, 20, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		l    feeds.Listing
		want string
	}{
		{"revoked", feeds.Listing{Revoked: true}, "-"},
		{"never fetched", feeds.Listing{}, "not subscribed yet"},
		{"current", feeds.Listing{LastFetchedAt: &fetched, Current: true}, "has the latest change"},
		{"behind", feeds.Listing{LastFetchedAt: &fetched, LatestChange: fetched.Add(time.Hour), LatestTitle: "Bus back\tto the hotel"},
			`has not seen the change to "Bus back to the hotel" of 2016-12-05T21:00:00Z`},
	}
	for _, tt := range tests {
		if got := currentText(tt.l); got != tt.want {
			t.Errorf("%s: currentText = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestUserConfigDirReadsTheAppsEnvironment(t *testing.T) {
	real, realErr := os.UserConfigDir()
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"XDG_CONFIG_HOME": "/x/config", "HOME": "/home/u"}, "/x/config"},
		{map[string]string{"XDG_CONFIG_HOME": "relative", "HOME": "/home/u"}, "/home/u/.config"},
		{map[string]string{"HOME": "/home/u"}, "/home/u/.config"},
		{map[string]string{}, real},
	}
	for _, tt := range tests {
		if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
			// There os.UserConfigDir does not read XDG_CONFIG_HOME.
			tt.want, tt.env = real, map[string]string{}
		}
		a := &app{getenv: getenv(tt.env)}
		got, err := a.userConfigDir()
		if got != tt.want || (len(tt.env) > 0 && err != nil) || (len(tt.env) == 0 && (err == nil) != (realErr == nil)) {
			t.Errorf("env %v: %q, %v; want %q", tt.env, got, err, tt.want)
		}
	}
}
