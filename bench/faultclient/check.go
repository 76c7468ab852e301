package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"
)

type checkArgs struct {
	feed, mail         string
	down, start, ready int64
}

// check prints one PASS or FAIL line per check and reports whether all
// passed.
func (c *client) check(a checkArgs) bool {
	ok := true
	report := func(pass bool, name, format string, args ...any) {
		word := "PASS"
		if !pass {
			word, ok = "FAIL", false
		}
		fmt.Printf("%s  %-22s %s\n", word, name, fmt.Sprintf(format, args...))
	}
	reqs, err := readRequests(filepath.Join(c.out, "requests.tsv"))
	if err != nil {
		report(false, "logs", "%v", err)
		return false
	}
	acked, err1 := readNumbers(filepath.Join(c.out, "acked.txt"))
	applied, err2 := readNumbers(filepath.Join(c.out, "applied.txt"))
	if err1 != nil || err2 != nil {
		report(false, "logs", "%v %v", err1, err2)
		return false
	}

	// 1. While PostgreSQL is down, what needs it answers 503 at once, with
	// Retry-After. The window is from the moment pg_ctl stop returned to
	// the moment pg_ctl start was run: requests started in it cannot reach
	// the database. Requests that started before the stop may have been
	// answered by the database as it went; they are not counted.
	var outage, fast, withRA, s503 int
	var slowest int64
	statuses := map[int]int{}
	for _, r := range reqs {
		if (r.kind != "write" && r.kind != "healthz") || r.start < a.down || r.start > a.start {
			continue
		}
		outage++
		statuses[r.status]++
		d := r.end - r.start
		slowest = max(slowest, d)
		if d < 1000 {
			fast++
		}
		if r.status == http.StatusServiceUnavailable {
			s503++
			// healthz answers a plain 503 for probes; the rule of
			// Retry-After is for every 503.
			if r.retryAfter != "-" {
				withRA++
			}
		}
	}
	report(outage > 0 && s503 == outage, "outage-503", "%d API writes and /healthz during the outage: statuses %v", outage, statuses)
	report(outage > 0 && fast == outage, "outage-fast", "%d of %d answered in under 1 s; slowest %d ms", fast, outage, slowest)
	report(outage > 0 && withRA == s503, "outage-retry-after", "%d of %d 503 answers had Retry-After", withRA, s503)

	// No answer is a 500, or no answer at all (a client timeout of 10 s),
	// at any time of the run.
	var bad []string
	for _, r := range reqs {
		if r.status == 0 || r.status >= 500 && r.status != http.StatusServiceUnavailable {
			bad = append(bad, fmt.Sprintf("%s %s: %d after %d ms", r.kind, r.path, r.status, r.end-r.start))
		}
	}
	report(len(bad) == 0, "no-500", "%d requests answered 5xx other than 503 or nothing %s", len(bad), firstFew(bad))

	// 2. Feeds already rendered keep being served from memory during the
	// outage (internal/feeds keeps the last rendered body of each). The
	// agenda pages are not kept in memory: they must answer 200, or a 503
	// in under 1 s with Retry-After, never hang or fail otherwise.
	var feedN, feedOK, pageN, pageServed, page503 int
	for _, r := range reqs {
		if r.kind != "probe" || r.start < a.down || r.start > a.start {
			continue
		}
		good := r.status == http.StatusOK || r.status == http.StatusNotModified
		if strings.HasPrefix(r.path, "/feeds/") {
			feedN++
			if good {
				feedOK++
			}
			continue
		}
		pageN++
		switch {
		case good:
			pageServed++
		case r.status == http.StatusServiceUnavailable && r.end-r.start < 1000 && r.retryAfter != "-":
			page503++
		}
	}
	report(feedN > 0 && feedOK == feedN, "outage-feeds", "%d of %d feed requests during the outage answered 200/304", feedOK, feedN)
	report(pageN > 0 && pageServed+page503 == pageN, "outage-agenda-pages",
		"%d agenda page requests during the outage: %d served, %d a quick 503 with Retry-After", pageN, pageServed, page503)

	// 3. Recovery by itself: how long after PostgreSQL was ready (pg_ctl
	// start -w returned) the first /healthz 200 and the first API write
	// acknowledged (201) arrived. A write sent while PostgreSQL was still
	// starting counts when it succeeds: the app retried nothing for it,
	// its pool connected again. (pg_ctl notices readiness by polling, so a
	// success may arrive a little before "ready": that counts as 0.)
	firstOK := func(kind string, want int) (after, took int64) {
		after, took = -1, 0
		for _, r := range reqs {
			if r.kind == kind && r.status == want && r.end >= a.start && (after < 0 || r.end < a.ready+after) {
				after, took = max(r.end-a.ready, 0), r.end-r.start
			}
		}
		return after, took
	}
	h, _ := firstOK("healthz", http.StatusOK)
	w, wTook := firstOK("write", http.StatusCreated)
	report(h >= 0 && w >= 0 && h <= 5000 && w <= 5000, "recovery",
		"first /healthz 200 %d ms and first API write 201 %d ms (the write itself took %d ms) after PostgreSQL was ready", h, w, wTook)

	// 4. Every acknowledged change is in the database.
	want := map[int]bool{}
	for _, n := range acked {
		want[n] = true
	}
	for _, n := range applied {
		want[n] = true
	}
	status, _, body := c.do("check", http.MethodGet, "/api/v1/programmes/"+slug+"/export", nil, nil)
	var doc struct {
		Sessions []struct {
			Key, Title string
		}
	}
	if status != http.StatusOK || json.Unmarshal(body, &doc) != nil {
		report(false, "database", "export answered %d", status)
		return false
	}
	inDB := map[int]bool{}
	var missing, wrong []string
	for _, s := range doc.Sessions {
		if n, err := strconv.Atoi(strings.TrimPrefix(s.Key, "fault-")); err == nil && strings.HasPrefix(s.Key, "fault-") {
			inDB[n] = true
			if s.Title != fmt.Sprintf("Fault check %d", n) {
				wrong = append(wrong, s.Key)
			}
		}
	}
	for n := range want {
		if !inDB[n] {
			missing = append(missing, strconv.Itoa(n))
		}
	}
	var extra []string
	for n := range inDB {
		if !want[n] {
			extra = append(extra, strconv.Itoa(n))
		}
	}
	report(len(acked) > 0 && len(missing) == 0 && len(wrong) == 0 && len(extra) == 0, "database",
		"%d changes acknowledged (+%d applied, answer lost); %d in the export; missing %v, wrong title %v, never acknowledged %v",
		len(acked), len(applied), len(inDB), missing, wrong, extra)

	// 5. Every change is in the delegate's feed, once, as it is now. The
	// feed follows the database through change notifications, which must
	// have come back after the restart: wait up to 10 s for it to catch up.
	var feedMissing []string
	var feedDup []string
	deadline := time.Now().Add(10 * time.Second)
	for {
		feedMissing, feedDup = nil, nil
		status, _, body := c.do("check", http.MethodGet, a.feed, nil, nil)
		counts := map[int]int{}
		if status == http.StatusOK {
			for _, m := range summaryRE.FindAllSubmatch(unfold(body), -1) {
				n, _ := strconv.Atoi(string(m[1]))
				counts[n]++
			}
		}
		for n := range want {
			switch {
			case counts[n] == 0:
				feedMissing = append(feedMissing, strconv.Itoa(n))
			case counts[n] > 1:
				feedDup = append(feedDup, strconv.Itoa(n))
			}
		}
		if len(feedMissing)+len(feedDup) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	report(len(feedMissing)+len(feedDup) == 0, "feed", "%d changes in the delegate's feed; missing %v, twice %v",
		len(want)-len(feedMissing), firstFew(feedMissing), feedDup)

	// 6. Invitations. The outbox merges a person's changes over a delay
	// (store.DefaultMailMergeDelay), so one message may carry several
	// new sessions; what must hold is that each session (each change:
	// every change here creates one) is requested of the delegate exactly
	// once over all messages, SEQUENCE 0, with its title, and that no
	// message is stored twice (the same Message-ID). Wait for the merge
	// delay and the worker's poll to pass.
	deadline = time.Now().Add(mailWait())
	var got map[int]int
	var msgs, dupIDs int
	for {
		got, msgs, dupIDs, err = readMail(a.mail)
		all := err == nil
		for n := range want {
			if got[n] == 0 {
				all = false
			}
		}
		if all || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Second)
	}
	var mailMissing, mailTwice []string
	for n := range want {
		switch {
		case got[n] == 0:
			mailMissing = append(mailMissing, strconv.Itoa(n))
		case got[n] > 1:
			mailTwice = append(mailTwice, strconv.Itoa(n))
		}
	}
	var mailExtra []string
	for n := range got {
		if !want[n] {
			mailExtra = append(mailExtra, strconv.Itoa(n))
		}
	}
	sort.Strings(mailMissing)
	report(err == nil && len(mailMissing)+len(mailTwice)+len(mailExtra) == 0 && dupIDs == 0, "invitations",
		"%d messages to %s; %d changes requested exactly once; missing %v, more than once %v, never acknowledged %v, duplicate Message-IDs %d (err %v)",
		msgs, email, len(want)-len(mailMissing)-len(mailTwice), firstFew(mailMissing), mailTwice, mailExtra, dupIDs, err)
	return ok
}

// mailWait is how long check waits for the invitations: FAULTS_MAIL_WAIT
// (a Go duration), 60 s by default.
func mailWait() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("FAULTS_MAIL_WAIT")); err == nil {
		return d
	}
	return 60 * time.Second
}

var summaryRE = regexp.MustCompile(`(?m)^SUMMARY:Fault check (\d+)\r?$`)

// unfold joins folded iCalendar lines (RFC 5545, 3.1).
func unfold(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte("\r\n "), nil)
	return bytes.ReplaceAll(b, []byte("\r\n\t"), nil)
}

func firstFew(s []string) string {
	if len(s) > 10 {
		return fmt.Sprint(s[:10]) + "..."
	}
	return fmt.Sprint(s)
}

// readMail reads the messages of the sink sent to the delegate and counts,
// per change number, the REQUESTs of its session at SEQUENCE 0 with its
// title; dupIDs counts messages whose Message-ID was already seen.
func readMail(dir string) (got map[int]int, msgs, dupIDs int, err error) {
	got = map[int]int{}
	files, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil {
		return nil, 0, 0, err
	}
	slices.Sort(files)
	seen := map[string]bool{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, 0, 0, err
		}
		m, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			return nil, 0, 0, fmt.Errorf("%s: %w", f, err)
		}
		if !strings.Contains(m.Header.Get("X-Sink-To"), email) {
			continue
		}
		msgs++
		id := m.Header.Get("Message-Id")
		if seen[id] {
			dupIDs++
		}
		seen[id] = true
		cals, err := calendars(m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body)
		if err != nil {
			return nil, 0, 0, fmt.Errorf("%s: %w", f, err)
		}
		// One message has its calendar as a part and maybe as an
		// attachment too: count each session once per message.
		inMsg := map[int]bool{}
		for _, cal := range cals {
			c, err := ics.ParseCalendar(bytes.NewReader(cal))
			if err != nil {
				return nil, 0, 0, fmt.Errorf("%s: %w", f, err)
			}
			method := ""
			for _, p := range c.CalendarProperties {
				if p.IANAToken == string(ics.PropertyMethod) {
					method = p.Value
				}
			}
			if method != "REQUEST" {
				continue
			}
			for _, e := range c.Events() {
				s := e.GetProperty(ics.ComponentPropertySummary)
				seq := e.GetProperty(ics.ComponentPropertySequence)
				if s == nil || !strings.HasPrefix(s.Value, "Fault check ") {
					continue
				}
				n, err := strconv.Atoi(strings.TrimPrefix(s.Value, "Fault check "))
				if err != nil || seq != nil && seq.Value != "0" {
					return nil, 0, 0, fmt.Errorf("%s: unexpected %q SEQUENCE %v", f, s.Value, seq)
				}
				inMsg[n] = true
			}
		}
		for n := range inMsg {
			got[n]++
		}
	}
	return got, msgs, dupIDs, nil
}

// calendars returns the text/calendar parts of a message body, decoded.
func calendars(contentType, encoding string, body io.Reader) ([][]byte, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(mt, "multipart/") {
		var out [][]byte
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return out, nil
			}
			if err != nil {
				return nil, err
			}
			sub, err := calendars(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p)
			if err != nil {
				return nil, err
			}
			out = append(out, sub...)
		}
	}
	if mt != "text/calendar" && mt != "application/ics" {
		return nil, nil
	}
	switch strings.ToLower(encoding) {
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(body)
	return [][]byte{b}, err
}
