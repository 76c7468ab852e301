package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/html"
)

// Target is a running planner with the demo programme and what the
// writers need to reach it: an API token, a staff account (editor or
// admin) and the personal agenda tokens of the demo's people.
type Target struct {
	Base          string // http://127.0.0.1:PORT, no trailing slash
	Slug          string
	APIToken      string
	StaffEmail    string
	StaffPassword string
	// Agendas maps a person's key to the token of their agenda page (/a/TOKEN).
	Agendas map[string]string
}

// The kinds of write, each counted apart.
const (
	KindAPI     = "api"     // PATCH /api/v1 with If-Match; a 412 is retried after a fresh GET
	KindForm    = "form"    // a staff edit form, logged in, with its CSRF token and revision
	KindVote    = "vote"    // a delegate's vote on the bus poll from their agenda page
	KindBoard   = "board"   // a staff tick on the bus's boarding list
	KindHandout = "handout" // a staff tick on a hand-out's checklist
)

// Kinds lists the kinds in the order the summary prints them.
var Kinds = []string{KindAPI, KindForm, KindVote, KindBoard, KindHandout}

// Counts is what happened to the writes of one kind.
type Counts struct {
	OK        int // 2xx and 3xx
	Conflicts int // 409 and 412: a legitimate refusal of a stale write
	Retries   int // 412 answers to API writes that were retried with a fresh GET
	Other4xx  int // any other 4xx: a bug of the bench or of the server
	Server5xx int
	Transport int // no answer at all
}

// Result is the outcome of a run.
type Result struct {
	Writers  int
	Elapsed  time.Duration
	ByKind   map[string]*Counts
	Failures []string // the first few unexpected answers, for the report
}

// Total sums the counts over every kind.
func (r *Result) Total() Counts {
	var t Counts
	for _, c := range r.ByKind {
		t.OK += c.OK
		t.Conflicts += c.Conflicts
		t.Retries += c.Retries
		t.Other4xx += c.Other4xx
		t.Server5xx += c.Server5xx
		t.Transport += c.Transport
	}
	return t
}

// Summary is the result as a small table.
func (r *Result) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d writers for %s\n", r.Writers, r.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(&b, "%-8s %8s %9s %8s %8s %5s %9s %8s\n", "kind", "ok", "conflicts", "retries", "other4xx", "5xx", "transport", "ok/s")
	line := func(name string, c Counts) {
		fmt.Fprintf(&b, "%-8s %8d %9d %8d %8d %5d %9d %8.1f\n", name, c.OK, c.Conflicts, c.Retries, c.Other4xx, c.Server5xx, c.Transport,
			float64(c.OK)/r.Elapsed.Seconds())
	}
	for _, k := range Kinds {
		line(k, *r.ByKind[k])
	}
	line("total", r.Total())
	for _, f := range r.Failures {
		fmt.Fprintf(&b, "unexpected: %s\n", f)
	}
	return b.String()
}

// Clean reports whether no write failed: no 5xx, no unexpected 4xx, no
// request without an answer.
func (r *Result) Clean() bool {
	t := r.Total()
	return t.Server5xx == 0 && t.Other4xx == 0 && t.Transport == 0
}

// plan is what Setup found or made: who rides the bus, who gets the
// hand-out, and which items the API and the forms edit.
type plan struct {
	riders    []string // people on the bus, with an agenda token
	delegates []string // people of a delegation, on the hand-out's list
	people    []string // every person: the items edited by the API and forms
	handout   string   // the hand-out's staff page path
}

// LockPatterns are what a server log says when SQLite could not get its lock.
var LockPatterns = []string{"database is locked", "SQLITE_BUSY", "database table is locked", "SQLITE_LOCKED"}

// LockErrors counts the lines of log that report a lock error.
func LockErrors(log string) int {
	n := 0
	for _, line := range strings.Split(log, "\n") {
		for _, p := range LockPatterns {
			if strings.Contains(line, p) {
				n++
				break
			}
		}
	}
	return n
}

// Run opens the bus poll, creates a hand-out, then has writers write
// concurrently for d (each at least once of every kind, however long that
// takes), and returns what happened.
func Run(ctx context.Context, t Target, writers int, d time.Duration) (*Result, error) {
	setup, err := newStaff(ctx, t)
	if err != nil {
		return nil, err
	}
	pl, err := prepare(ctx, t, setup)
	if err != nil {
		return nil, fmt.Errorf("setup: %w", err)
	}
	var ws []*writer
	for i := range writers {
		s, err := newStaff(ctx, t)
		if err != nil {
			return nil, fmt.Errorf("writer %d: %w", i, err)
		}
		ws = append(ws, &writer{id: i, t: t, pl: pl, staff: s, rng: rand.New(rand.NewPCG(uint64(i), 42)),
			counts: map[string]*Counts{}})
	}
	res := &Result{Writers: writers, ByKind: map[string]*Counts{}}
	for _, k := range Kinds {
		res.ByKind[k] = &Counts{}
	}
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.loop(ctx, deadline)
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	for _, w := range ws {
		for k, c := range w.counts {
			r := res.ByKind[k]
			r.OK += c.OK
			r.Conflicts += c.Conflicts
			r.Retries += c.Retries
			r.Other4xx += c.Other4xx
			r.Server5xx += c.Server5xx
			r.Transport += c.Transport
		}
		for _, f := range w.failures {
			if len(res.Failures) < 10 {
				res.Failures = append(res.Failures, f)
			}
		}
	}
	return res, nil
}

// staff is a logged-in staff browser: its cookies and CSRF token.
type staff struct {
	client *http.Client
	csrf   string
}

var csrfAttr = []byte(`name="_csrf" value="`)

// newStaff logs in as t's staff account.
func newStaff(ctx context.Context, t Target) (*staff, error) {
	jar, _ := cookiejar.New(nil)
	s := &staff{client: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	_, code, err := s.page(ctx, t.Base+"/staff/login")
	if err != nil || code != http.StatusOK || s.csrf == "" {
		return nil, fmt.Errorf("login page: %d %v", code, err)
	}
	code, _, err = s.post(ctx, t, "/staff/login", url.Values{"email": {t.StaffEmail}, "password": {t.StaffPassword}}, false)
	if err != nil || code != http.StatusSeeOther {
		return nil, fmt.Errorf("login as %s: %d %v", t.StaffEmail, code, err)
	}
	// The CSRF token belongs to the login session, which login renews.
	s.csrf = ""
	_, code, err = s.page(ctx, t.Base+"/staff")
	if err != nil || code != http.StatusOK || s.csrf == "" {
		return nil, fmt.Errorf("staff home after login: %d %v", code, err)
	}
	return s, nil
}

// page GETs a staff page, keeps the CSRF token it holds, and returns the fields of its first POST form
// whose action is not the logout, as a browser would submit them.
func (s *staff) page(ctx context.Context, target string) (url.Values, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, 0, err
	}
	res, err := s.client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, res.StatusCode, err
	}
	if i := bytes.Index(body, csrfAttr); i >= 0 {
		if token, _, ok := bytes.Cut(body[i+len(csrfAttr):], []byte(`"`)); ok {
			s.csrf = string(token)
		}
	}
	form, err := firstForm(body)
	return form, res.StatusCode, err
}

// post submits form to path with the CSRF token, as a page's form does, or
// in the background (Accept: application/json) as a checklist's script does.
func (s *staff) post(ctx context.Context, t Target, path string, form url.Values, background bool) (int, http.Header, error) {
	form.Set("_csrf", s.csrf)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.Base+path, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", t.Base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if background {
		req.Header.Set("Accept", "application/json")
	}
	res, err := s.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, res.Header, nil
}

// firstForm reads the fields of the first POST form of a page that is not
// the logout's: hidden and text inputs, checked boxes, textareas and the
// selected option of each select.
func firstForm(page []byte) (url.Values, error) {
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return nil, err
	}
	attr := func(n *html.Node, name string) (string, bool) {
		for _, a := range n.Attr {
			if a.Key == name {
				return a.Val, true
			}
		}
		return "", false
	}
	var form *html.Node
	var find func(n *html.Node)
	find = func(n *html.Node) {
		if form != nil {
			return
		}
		if n.Type == html.ElementNode && n.Data == "form" {
			method, _ := attr(n, "method")
			action, _ := attr(n, "action")
			if strings.EqualFold(method, "post") && !strings.HasSuffix(action, "/logout") {
				form = n
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			find(c)
		}
	}
	find(doc)
	out := url.Values{}
	if form == nil {
		return out, nil
	}
	var text func(n *html.Node) string
	text = func(n *html.Node) string {
		var b strings.Builder
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.TextNode {
				b.WriteString(c.Data)
			} else {
				b.WriteString(text(c))
			}
		}
		return b.String()
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			name, named := attr(n, "name")
			switch n.Data {
			case "input":
				typ, _ := attr(n, "type")
				value, _ := attr(n, "value")
				_, checked := attr(n, "checked")
				switch strings.ToLower(typ) {
				case "checkbox", "radio":
					if named && checked {
						if _, ok := attr(n, "value"); !ok {
							value = "on"
						}
						out.Add(name, value)
					}
				case "submit", "button", "file", "image", "reset":
				default:
					if named {
						out.Add(name, value)
					}
				}
			case "textarea":
				if named {
					out.Add(name, strings.TrimPrefix(text(n), "\n"))
				}
			case "select":
				if named {
					first, chosen := "", ""
					var opts func(n *html.Node)
					opts = func(n *html.Node) {
						for c := n.FirstChild; c != nil; c = c.NextSibling {
							if c.Type == html.ElementNode && c.Data == "option" {
								v, ok := attr(c, "value")
								if !ok {
									v = strings.TrimSpace(text(c))
								}
								if first == "" {
									first = v
								}
								if _, sel := attr(c, "selected"); sel && chosen == "" {
									chosen = v
								}
							}
							opts(c)
						}
					}
					opts(n)
					if chosen == "" {
						chosen = first
					}
					out.Add(name, chosen)
				}
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(form)
	return out, nil
}

// apiCall sends one API request with the token; it returns the status, the
// ETag and the body.
func apiCall(ctx context.Context, t Target, method, path, ifMatch string, body any) (int, string, []byte, error) {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return 0, "", nil, err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, t.Base+"/api/v1/programmes/"+t.Slug+path, rd)
	if err != nil {
		return 0, "", nil, err
	}
	req.Header.Set("Authorization", "Bearer "+t.APIToken)
	if body != nil {
		req.Header.Set("Content-Type", "application/merge-patch+json")
	}
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	res, err := noRedirects.Do(req)
	if err != nil {
		return 0, "", nil, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("ETag"), data, err
}

// prepare opens the demo's bus poll (it was decided in 2016) through the
// API, creates a hand-out through the staff form and lists who is on each.
func prepare(ctx context.Context, t Target, s *staff) (*plan, error) {
	code, etag, body, err := apiCall(ctx, t, http.MethodGet, "/runs/"+busKey, "", nil)
	if err != nil || code != http.StatusOK {
		return nil, fmt.Errorf("GET the bus run: %d %v %s", code, err, body)
	}
	var run struct {
		Riders struct {
			Delegations []string `json:"delegations"`
			People      []string `json:"people"`
		} `json:"riders"`
	}
	if err := json.Unmarshal(body, &run); err != nil {
		return nil, err
	}
	code, _, body, err = apiCall(ctx, t, http.MethodPatch, "/runs/"+busKey, etag,
		map[string]any{"poll": map[string]any{"decided": nil, "closes_at": nil}})
	if err != nil || code != http.StatusOK {
		return nil, fmt.Errorf("opening the bus poll: %d %v %s", code, err, body)
	}
	code, _, body, err = apiCall(ctx, t, http.MethodGet, "/people", "", nil)
	if err != nil || code != http.StatusOK {
		return nil, fmt.Errorf("GET people: %d %v %s", code, err, body)
	}
	var list struct {
		Items []struct {
			Key        string `json:"key"`
			Delegation string `json:"delegation"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, fmt.Errorf("people: %v", err)
	}
	people := list.Items
	pl := &plan{}
	for _, p := range people {
		pl.people = append(pl.people, p.Key)
		if p.Delegation != "" {
			pl.delegates = append(pl.delegates, p.Key)
		}
		rides := contains(run.Riders.People, p.Key) || p.Delegation != "" && contains(run.Riders.Delegations, p.Delegation)
		if _, ok := t.Agendas[p.Key]; ok && rides {
			pl.riders = append(pl.riders, p.Key)
		}
	}
	sort.Strings(pl.riders)
	if len(pl.riders) == 0 || len(pl.delegates) == 0 || len(pl.people) == 0 {
		return nil, fmt.Errorf("nobody to write for: %d riders with an agenda, %d delegates, %d people", len(pl.riders), len(pl.delegates), len(pl.people))
	}
	handouts := "/staff/p/" + t.Slug + "/handouts"
	if _, code, err := s.page(ctx, t.Base+handouts); err != nil || code != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %d %v", handouts, code, err)
	}
	code, h, err := s.post(ctx, t, handouts, url.Values{"title": {"Bench badges"}, "day": {"2016-12-05"}}, false)
	if err != nil || code != http.StatusSeeOther {
		return nil, fmt.Errorf("creating a hand-out: %d %v", code, err)
	}
	loc, err := url.Parse(h.Get("Location"))
	if err != nil || loc.Path == "" {
		return nil, fmt.Errorf("the new hand-out is at %q", h.Get("Location"))
	}
	pl.handout = loc.Path
	return pl, nil
}

const busKey = "day0-bus"

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// writer is one of the concurrent writers: each has its own staff login.
type writer struct {
	id       int
	t        Target
	pl       *plan
	staff    *staff
	rng      *rand.Rand
	n        int
	counts   map[string]*Counts
	failures []string
}

// loop writes until the deadline, and at least once of every kind: its
// first writes go through the kinds in turn (each writer starting at its
// own), the others are picked at random. A write under way at the
// deadline is finished.
func (w *writer) loop(ctx context.Context, deadline time.Time) {
	for w.n < len(Kinds) || time.Now().Before(deadline) {
		if ctx.Err() != nil {
			return
		}
		kind := Kinds[(w.id+w.n)%len(Kinds)]
		if w.n >= len(Kinds) {
			kind = Kinds[w.rng.IntN(len(Kinds))]
		}
		w.n++
		var err error
		switch kind {
		case KindAPI:
			err = w.apiWrite(ctx)
		case KindForm:
			err = w.formWrite(ctx)
		case KindVote:
			err = w.vote(ctx)
		case KindBoard:
			person := w.pl.riders[w.rng.IntN(len(w.pl.riders))]
			err = w.tick(ctx, KindBoard, "/staff/p/"+w.t.Slug+"/runs/"+busKey+"/boarding", person)
		case KindHandout:
			person := w.pl.delegates[w.rng.IntN(len(w.pl.delegates))]
			err = w.tick(ctx, KindHandout, w.pl.handout+"/ticks", person)
		}
		if err != nil && ctx.Err() == nil {
			w.count(kind).Transport++
			w.fail(fmt.Sprintf("%s: %v", kind, err))
		}
	}
}

func (w *writer) count(kind string) *Counts {
	c, ok := w.counts[kind]
	if !ok {
		c = &Counts{}
		w.counts[kind] = c
	}
	return c
}

func (w *writer) fail(s string) {
	if len(w.failures) < 10 {
		w.failures = append(w.failures, s)
	}
}

// record counts one answer of kind.
func (w *writer) record(kind string, code int, what string) {
	c := w.count(kind)
	switch {
	case code >= 200 && code < 400:
		c.OK++
	case code == http.StatusConflict || code == http.StatusPreconditionFailed:
		c.Conflicts++
	case code >= 500:
		c.Server5xx++
		w.fail(fmt.Sprintf("%s %s: %d", kind, what, code))
	default:
		c.Other4xx++
		w.fail(fmt.Sprintf("%s %s: %d", kind, what, code))
	}
}

// apiWrite changes a person's note through the API: GET for the ETag, then
// PATCH with If-Match; a 412 (someone wrote in between) is retried with a
// fresh GET, up to three times.
func (w *writer) apiWrite(ctx context.Context) error {
	person := w.pl.people[w.rng.IntN(len(w.pl.people))]
	path := "/people/" + person
	for attempt := 0; ; attempt++ {
		code, etag, body, err := apiCall(ctx, w.t, http.MethodGet, path, "", nil)
		if err != nil {
			return err
		}
		if code != http.StatusOK {
			w.record(KindAPI, code, "GET "+path+": "+string(body))
			return nil
		}
		note := fmt.Sprintf("API writer %d, write %d", w.id, w.n)
		code, _, body, err = apiCall(ctx, w.t, http.MethodPatch, path, etag, map[string]any{"note": note})
		if err != nil {
			return err
		}
		if code == http.StatusPreconditionFailed && attempt < 3 {
			w.count(KindAPI).Retries++
			continue
		}
		w.record(KindAPI, code, "PATCH "+path+": "+string(body))
		return nil
	}
}

// formWrite changes a person's note through the staff edit form, as a
// browser does: the form as the page fills it (with its revision), one
// field changed. A stale revision is a 409.
func (w *writer) formWrite(ctx context.Context) error {
	person := w.pl.people[w.rng.IntN(len(w.pl.people))]
	page := "/staff/p/" + w.t.Slug + "/people/" + person + "/edit"
	form, code, err := w.staff.page(ctx, w.t.Base+page)
	if err != nil {
		return err
	}
	if code != http.StatusOK || form.Get("revision") == "" {
		w.record(KindForm, code, "GET "+page+" (or no revision in its form)")
		return nil
	}
	form.Set("note", fmt.Sprintf("Form writer %d, write %d", w.id, w.n))
	code, _, err = w.staff.post(ctx, w.t, page, form, false)
	if err != nil {
		return err
	}
	w.record(KindForm, code, "POST "+page)
	return nil
}

// vote casts a rider's vote from their agenda page.
func (w *writer) vote(ctx context.Context) error {
	person := w.pl.riders[w.rng.IntN(len(w.pl.riders))]
	option := []string{"17:15", "17:30"}[w.rng.IntN(2)]
	target := w.t.Base + "/a/" + w.t.Agendas[person] + "/runs/" + busKey + "/vote"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(url.Values{"option": {option}}.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", w.t.Base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := noRedirects.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	w.record(KindVote, res.StatusCode, "vote of "+person)
	return nil
}

var noRedirects = &http.Client{Timeout: 30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// tick ticks or unticks a person on a checklist, in the background as the
// checklist's script does.
func (w *writer) tick(ctx context.Context, kind, path, person string) error {
	ticked := []string{"0", "1"}[w.rng.IntN(2)]
	code, _, err := w.staff.post(ctx, w.t, path, url.Values{"person": {person}, "ticked": {ticked}}, true)
	if err != nil {
		return err
	}
	w.record(kind, code, "tick of "+person+" at "+path)
	return nil
}
