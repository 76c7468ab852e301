package web

import (
	"cmp"
	"context"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/planner-dev/planner/internal/exchange"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
)

// Staff pages of transport runs (under /staff/p/:slug/runs): the list, a
// run with its poll, headcount, conflicts and the announcement to paste
// into the delegations' messaging groups; its printable manifest; and its
// boarding checklist for the phone at departure.

// Checklists is what the boarding and hand-out checklists need of the
// store: operational state outside the programme (migration 0014). The
// Store given to New provides it when it can.
type Checklists interface {
	SetTick(ctx context.Context, slug string, t store.Tick) (store.Tick, error)
	Ticks(ctx context.Context, slug, list, key string) (map[string]store.Tick, error)
	Handouts(ctx context.Context, slug string) ([]store.Handout, error)
	Handout(ctx context.Context, slug, key string) (store.Handout, error)
	SaveHandout(ctx context.Context, slug string, h store.Handout) error
}

// checklists returns the store's checklists, or a 404 when the store has none.
func (s *Server) checklists() (Checklists, error) {
	if cl, ok := s.store.(Checklists); ok {
		return cl, nil
	}
	return nil, echo.ErrNotFound
}

// runsPage is the page data of staff/runs.html.
type runsPage struct {
	staffPage
	Slug, ProgrammeTitle string
	Runs                 []runRow
	HandoutsURL          string
}

type runRow struct {
	Title, When, Route, Status, URL string
	Head                            programme.Headcount
	Conflicts                       int
	Poll                            string // "open", "decided 17:15", ""
}

// runPage is the page data of staff/run.html.
type runPage struct {
	staffPage
	Slug, ProgrammeTitle, Key string
	Title, Kind, When, Route  string
	Vehicle, Contact, Note    string
	Status                    string
	Head                      programme.Headcount
	Conflicts                 []string
	Poll                      *staffPollView
	Announcement              string
	WhatsApp                  string
	Revision                  string
	RunsURL, Action           string
	ManifestURL, BoardingURL  string
	EditURL                   string
	Message                   string
}

// staffPollView is a run's poll with its live tallies.
type staffPollView struct {
	Question, Closes string
	Open             bool
	Decided          string
	Options          []pollTally
	NotVoted         []string // names of riders who have not voted
}

type pollTally struct {
	Value   string
	Count   int
	Voters  []string
	Decided bool
}

// staffRun loads the programme and one of its runs.
func (s *Server) staffRun(c echo.Context) (*programme.Programme, *programme.Run, error) {
	p, err := s.store.Programme(c.Request().Context(), c.Param("slug"))
	if err == nil && p == nil {
		err = programme.Errorf(programme.ENOTFOUND, "There is no such programme.")
	}
	return routeRun(c, p, err)
}

// readRun is staffRun for the pages that only read: the run of the shared
// programme (sharedProgramme), not to be modified.
func (s *Server) readRun(c echo.Context) (*programme.Programme, *programme.Run, error) {
	p, err := s.sharedProgramme(c)
	return routeRun(c, p, err)
}

func routeRun(c echo.Context, p *programme.Programme, err error) (*programme.Programme, *programme.Run, error) {
	if err != nil {
		return nil, nil, err
	}
	r := p.Run(c.Param("key"))
	if r == nil {
		return nil, nil, programme.Errorf(programme.ENOTFOUND, "There is no run %q in this programme.", c.Param("key"))
	}
	return p, r, nil
}

func (s *Server) runURL(slug, key, rest string) string {
	return s.path("/staff/p/" + slug + "/runs/" + url.PathEscape(key) + rest)
}

// handleRunsIndex lists a programme's runs with their headcounts.
func (s *Server) handleRunsIndex(c echo.Context) error {
	base, err := s.staffPageOf(c, "Transport")
	if err != nil {
		return err
	}
	p, err := s.sharedProgramme(c)
	if err != nil {
		return err
	}
	conflicts := p.Conflicts()
	out := runsPage{staffPage: base, Slug: p.Slug, ProgrammeTitle: p.Title,
		HandoutsURL: s.path("/staff/p/" + p.Slug + "/handouts")}
	for i := range p.Transport {
		r := &p.Transport[i]
		row := runRow{Title: r.Title, When: runWhen(p, r), Route: p.Route(r.From, r.To), Status: r.Status,
			URL: s.runURL(p.Slug, r.Key, ""), Head: p.RunHeadcount(r)}
		for _, cf := range conflicts {
			if cf.Involves("run/" + r.Key) {
				row.Conflicts++
			}
		}
		if r.Poll != nil {
			row.Poll = "open"
			if r.Poll.Decided != "" {
				row.Poll = "decided " + r.Poll.Decided
			}
		}
		out.Runs = append(out.Runs, row)
	}
	slices.SortStableFunc(out.Runs, func(a, b runRow) int { return cmp.Compare(a.When, b.When) })
	return c.Render(http.StatusOK, "staff/runs", out)
}

func runWhen(p *programme.Programme, r *programme.Run) string {
	return r.DepartsAt.In(p.Loc(r.TimeZone)).Format("Mon 2 Jan 2006, 15:04 MST")
}

// handleRunShow shows a run: its details, conflicts, headcount, poll with
// tallies and the announcement of its current state.
func (s *Server) handleRunShow(c echo.Context) error {
	p, r, err := s.readRun(c)
	if err != nil {
		return err
	}
	base, err := s.staffPageOf(c, r.Title)
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "staff/run", s.runPageOf(base, p, r, c.QueryParam("done")))
}

func (s *Server) runPageOf(base staffPage, p *programme.Programme, r *programme.Run, done string) runPage {
	text := p.Announcement(r)
	out := runPage{
		staffPage: base, Slug: p.Slug, ProgrammeTitle: p.Title, Key: r.Key,
		Title: r.Title, Kind: label(r.Kind), When: runWhen(p, r), Route: p.Route(r.From, r.To),
		Vehicle: r.Vehicle, Contact: r.Contact, Note: r.Note, Status: cmp.Or(r.Status, programme.StatusConfirmed),
		Head: p.RunHeadcount(r), Announcement: text, WhatsApp: programme.WhatsAppLink(text),
		Revision: exchange.Revision(p, programme.ItemRef{Kind: programme.KindRun, Key: r.Key}),
		RunsURL:  s.path("/staff/p/" + p.Slug + "/runs"), Action: s.runURL(p.Slug, r.Key, "/decide"),
		ManifestURL: s.runURL(p.Slug, r.Key, "/manifest"), BoardingURL: s.runURL(p.Slug, r.Key, "/boarding"),
		EditURL: s.runURL(p.Slug, r.Key, "/edit"),
	}
	if done == "decided" && r.Poll != nil && r.Poll.Decided != "" {
		out.Message = "Decided for " + r.Poll.Decided + ": the run now departs then, and every rider's calendar shows the new time. Send the announcement below."
	}
	for _, cf := range p.Conflicts() {
		if cf.Involves("run/" + r.Key) {
			out.Conflicts = append(out.Conflicts, cf.Message)
		}
	}
	if r.Poll != nil {
		out.Poll = pollViewOf(p, r, s.now())
	}
	return out
}

// pollViewOf tallies a run's poll: who voted what, and which riders have
// not voted (those staying behind are not waited for).
func pollViewOf(p *programme.Programme, r *programme.Run, now time.Time) *staffPollView {
	loc := p.Loc(r.TimeZone)
	pv := &staffPollView{Question: r.Poll.Question, Decided: r.Poll.Decided, Open: r.PollOpen(now)}
	if r.Poll.ClosesAt != nil {
		pv.Closes = r.Poll.ClosesAt.In(loc).Format("15:04 on Mon 2 Jan")
	}
	voted := map[string]bool{}
	for _, o := range r.Poll.Options {
		t := pollTally{Value: o, Decided: o == r.Poll.Decided}
		for _, v := range r.Poll.Votes {
			if v.Option == o {
				t.Count++
				t.Voters = append(t.Voters, personName(p, v.Person))
				voted[v.Person] = true
			}
		}
		pv.Options = append(pv.Options, t)
	}
	for _, pe := range p.RunRiders(r) {
		if _, away := r.StaysBehind(pe.Key); !voted[pe.Key] && !away {
			pv.NotVoted = append(pv.NotVoted, pe.Name)
		}
	}
	return pv
}

func personName(p *programme.Programme, key string) string {
	if pe := p.Person(key); pe != nil {
		return pe.Name
	}
	return key
}

// handleRunDecide decides a run's poll: the run departs at the chosen
// time, and every rider's feed shows it with a higher SEQUENCE.
func (s *Server) handleRunDecide(c echo.Context) error {
	base, err := s.staffPageOf(c, "Decide")
	if err != nil {
		return err
	}
	f, err := newForm(c)
	if err != nil {
		return err
	}
	p, r, err := s.staffRun(c)
	if err != nil {
		return err
	}
	decided, err := p.DecidePoll(r.Key, f.Get("option"))
	if err != nil {
		return err
	}
	batch := p.Header()
	batch.Transport = []programme.Run{*decided}
	ref := programme.ItemRef{Kind: programme.KindRun, Key: r.Key}
	_, err = s.changes.Change(c.Request().Context(), p.Slug, programme.ChangeRequest{
		Batch: batch, Expect: map[programme.ItemRef]string{ref: f.Get("revision")},
		Author: authorOf(base.User), Source: programme.SourceWeb,
		Summary: "decided the poll of " + r.Title + " for " + decided.Poll.Decided,
	})
	var stale *programme.Stale
	if errors.As(err, &stale) {
		return programme.StaleError(stale)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, s.runURL(p.Slug, r.Key, "?done=decided"))
}

// manifestPage is the page data of staff/run_manifest.html, on screen and
// printed.
type manifestPage struct {
	staffPage
	Slug, ProgrammeTitle, Title, When, Route string
	Vehicle, Contact                         string
	Head                                     programme.Headcount
	Groups                                   []manifestGroup
	Staying                                  []manifestPerson
	RunURL                                   string
}

type manifestGroup struct {
	Name   string
	People []manifestPerson
}

type manifestPerson struct {
	Key, Name, Delegation, Phone string
	Tel                          template.URL
	Note                         string
}

// handleRunManifest shows who rides a run, by delegation with phone
// numbers, who stays behind and why, the headcount and the seats left.
func (s *Server) handleRunManifest(c echo.Context) error {
	p, r, err := s.readRun(c)
	if err != nil {
		return err
	}
	base, err := s.staffPageOf(c, "Manifest: "+r.Title)
	if err != nil {
		return err
	}
	out := manifestPage{staffPage: base, Slug: p.Slug, ProgrammeTitle: p.Title, Title: r.Title, When: runWhen(p, r),
		Route: p.Route(r.From, r.To), Vehicle: r.Vehicle, Contact: r.Contact, Head: p.RunHeadcount(r),
		RunURL: s.runURL(p.Slug, r.Key, "")}
	groups := map[string]int{}
	for _, pe := range p.RunRiders(r) {
		mp := riderOf(p, pe)
		if sb, away := r.StaysBehind(pe.Key); away {
			mp.Note = sb.Note
			out.Staying = append(out.Staying, mp)
			continue
		}
		i, ok := groups[mp.Delegation]
		if !ok {
			i = len(out.Groups)
			groups[mp.Delegation] = i
			out.Groups = append(out.Groups, manifestGroup{Name: mp.Delegation})
		}
		out.Groups[i].People = append(out.Groups[i].People, mp)
	}
	return c.Render(http.StatusOK, "staff/run_manifest", out)
}

// riderOf is one person as the manifest and checklists list them.
func riderOf(p *programme.Programme, pe *programme.Person) manifestPerson {
	mp := manifestPerson{Key: pe.Key, Name: pe.Name, Delegation: "Staff and guests", Phone: pe.Phone, Tel: telLink(pe.Phone)}
	if d := p.Delegation(pe.Delegation); d != nil {
		mp.Delegation = d.Name
	}
	return mp
}

// telLink is a tel: link of a phone number as people write it, keeping
// its digits and a leading plus; "" without digits. html/template lets no
// tel: link through by itself, and the number is reduced to characters
// that cannot carry anything else.
func telLink(phone string) template.URL {
	var b strings.Builder
	for i, r := range strings.TrimSpace(phone) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		}
	}
	if strings.Trim(b.String(), "+") == "" {
		return ""
	}
	return template.URL("tel:" + b.String())
}

// checklistPage is the page data of staff/checklist.html: a run's boarding
// list or a hand-out's list, ticked off person by person on a phone. The
// page works without JavaScript (each tick is a form); with it
// (static/boarding.js), ticks are sent in the background, a tick not saved
// says so with a retry, and the list follows other phones' ticks.
type checklistPage struct {
	staffPage
	Slug, ProgrammeTitle string
	Title, What, Meta    string
	BackURL, BackLabel   string
	Action, StateURL     string
	TickLabel, Untick    string // "Boarded", "Undo"
	CanTick              bool
	Total, Ticked        int
	Missing              []string
	Rows                 []checklistRow
	// Away lists people not expected (staying behind), shown apart.
	Away []manifestPerson
}

type checklistRow struct {
	manifestPerson
	Ticked bool
	By, At string
}

// checklistState is the JSON of a checklist's ticks, for the page's
// polling and as the answer to a tick sent in the background.
type checklistState struct {
	Ticks map[string]tickJSON `json:"ticks"`
}

type tickJSON struct {
	Ticked bool   `json:"ticked"`
	By     string `json:"by"`
	At     string `json:"at"`
}

func tickOf(t store.Tick, loc *time.Location) tickJSON {
	return tickJSON{Ticked: t.Ticked, By: t.By, At: t.At.In(loc).Format("15:04:05")}
}

// fillChecklist lists people with their ticks.
func fillChecklist(out *checklistPage, p *programme.Programme, people []manifestPerson, ticks map[string]store.Tick) {
	loc := p.Loc("")
	for _, mp := range people {
		row := checklistRow{manifestPerson: mp}
		if t, ok := ticks[mp.Key]; ok {
			row.Ticked, row.By, row.At = t.Ticked, t.By, t.At.In(loc).Format("15:04:05")
		}
		out.Total++
		if row.Ticked {
			out.Ticked++
		} else {
			out.Missing = append(out.Missing, mp.Name)
		}
		out.Rows = append(out.Rows, row)
	}
}

// boardingList is who a run expects: its riders less those staying
// behind, by delegation; and those staying behind.
func boardingList(p *programme.Programme, r *programme.Run) (expected, away []manifestPerson) {
	for _, pe := range p.RunRiders(r) {
		mp := riderOf(p, pe)
		if sb, ok := r.StaysBehind(pe.Key); ok {
			mp.Note = sb.Note
			away = append(away, mp)
			continue
		}
		expected = append(expected, mp)
	}
	slices.SortStableFunc(expected, func(a, b manifestPerson) int { return cmp.Compare(a.Delegation, b.Delegation) })
	return expected, away
}

// handleBoardingShow shows a run's boarding checklist.
func (s *Server) handleBoardingShow(c echo.Context) error {
	cl, err := s.checklists()
	if err != nil {
		return err
	}
	p, r, err := s.readRun(c)
	if err != nil {
		return err
	}
	base, err := s.staffPageOf(c, "Boarding: "+r.Title)
	if err != nil {
		return err
	}
	ticks, err := cl.Ticks(c.Request().Context(), p.Slug, store.ChecklistRun, r.Key)
	if err != nil {
		return err
	}
	expected, away := boardingList(p, r)
	out := checklistPage{staffPage: base, Slug: p.Slug, ProgrammeTitle: p.Title, Title: r.Title, What: "Boarding",
		Meta: runWhen(p, r) + " · " + p.Route(r.From, r.To), BackURL: s.runURL(p.Slug, r.Key, ""), BackLabel: "The run",
		Action: s.runURL(p.Slug, r.Key, "/boarding"), StateURL: s.runURL(p.Slug, r.Key, "/boarding.json"),
		TickLabel: "Boarded", Untick: "Undo", CanTick: base.CanEdit, Away: away}
	fillChecklist(&out, p, expected, ticks)
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.Render(http.StatusOK, "staff/run_checklist", out)
}

// handleBoardingState answers the boarding checklist's polling.
func (s *Server) handleBoardingState(c echo.Context) error {
	p, r, err := s.readRun(c)
	if err != nil {
		return err
	}
	return s.checklistState(c, p, store.ChecklistRun, r.Key)
}

func (s *Server) checklistState(c echo.Context, p *programme.Programme, list, key string) error {
	cl, err := s.checklists()
	if err != nil {
		return err
	}
	ticks, err := cl.Ticks(c.Request().Context(), p.Slug, list, key)
	if err != nil {
		return err
	}
	out := checklistState{Ticks: map[string]tickJSON{}}
	for person, t := range ticks {
		out.Ticks[person] = tickOf(t, p.Loc(""))
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusOK, out)
}

// handleBoardingTick ticks or unticks one rider.
func (s *Server) handleBoardingTick(c echo.Context) error {
	p, r, err := s.staffRun(c)
	if err != nil {
		return err
	}
	expected, _ := boardingList(p, r)
	return s.tick(c, p, store.ChecklistRun, r.Key, expected, s.runURL(p.Slug, r.Key, "/boarding"))
}

// tick records one tick from a checklist's form: the person must be on the
// list. A request sent in the background (Accept: application/json) gets
// the tick as stored; a form gets the page back.
func (s *Server) tick(c echo.Context, p *programme.Programme, list, key string, people []manifestPerson, page string) error {
	cl, err := s.checklists()
	if err != nil {
		return err
	}
	u, err := s.currentUser(c)
	if err != nil {
		return err
	}
	f, err := newForm(c)
	if err != nil {
		return err
	}
	person := f.Get("person")
	if !slices.ContainsFunc(people, func(mp manifestPerson) bool { return mp.Key == person }) {
		return programme.Errorf(programme.EINVALID, "%q is not on this list.", person)
	}
	ticked := f.Get("ticked") == "1"
	t, err := cl.SetTick(c.Request().Context(), p.Slug, store.Tick{List: list, Key: key, Person: person, Ticked: ticked,
		By: programme.Author{Name: u.Name, Email: u.Email}.Display()})
	if err != nil {
		return err
	}
	if strings.Contains(c.Request().Header.Get(echo.HeaderAccept), echo.MIMEApplicationJSON) {
		return c.JSON(http.StatusOK, map[string]tickJSON{person: tickOf(t, p.Loc(""))})
	}
	return c.Redirect(http.StatusSeeOther, page+"#person-"+url.PathEscape(person))
}

// runFormPage is the page data of staff/run_form.html, which creates a
// run or edits one.
type runFormPage struct {
	staffPage
	Slug, ProgrammeTitle string
	Creating             bool
	Action, BackURL      string
	Revision             string
	Errors               map[string]string
	Fields               []fieldView
	Places               []string // venue keys, suggested for from and to
}

// runFields are a run's fields in its form: the name (also the file's
// field, so that a problem's path finds it), label, input type and hint.
var runFields = []struct{ name, label, typ, hint string }{
	{"title", "Title", "text", "Such as Bus back to the hotel."},
	{"kind", "Kind", "text", "bus, shuttle, car or walk."},
	{"departs_at", "Departs at", "datetime-local", "Local time where the run leaves."},
	{"from", "From", "text", "A venue's key or any place in words; leave it empty while the pick-up point is to be announced."},
	{"to", "To", "text", "A venue's key or any place in words."},
	{"capacity", "Seats", "number", ""},
	{"vehicle", "Vehicle", "text", ""},
	{"contact", "Driver contact", "text", "Name and phone number."},
	{"status", "Status", "text", "confirmed, tentative or cancelled."},
	{"riders_delegations", "Delegations riding", "text", "Keys of delegations, separated by commas."},
	{"riders_people", "People riding", "text", "Keys of people, separated by commas."},
	{"poll_options", "Poll: departure times", "text", "Local times HH:MM separated by commas, such as 17:15, 17:30; empty for no poll."},
	{"poll_closes", "Poll closes at", "datetime-local", ""},
	{"note", "Note for riders", "textarea", "Shown to every rider, such as: Staying later? Take the IGF shuttle."},
}

// runFieldOf maps the path of a problem ("transport[0].departs_at",
// "transport[0].poll.options[1]") to the form's field.
func runFieldOf(path string) string {
	_, rest, ok := strings.Cut(path, "].")
	if !ok {
		return ""
	}
	switch {
	case strings.HasPrefix(rest, "riders.delegations"):
		return "riders_delegations"
	case strings.HasPrefix(rest, "riders.people"):
		return "riders_people"
	case strings.HasPrefix(rest, "poll.closes_at"):
		return "poll_closes"
	case strings.HasPrefix(rest, "poll"):
		return "poll_options"
	}
	name, _, _ := strings.Cut(rest, ".")
	name, _, _ = strings.Cut(name, "[")
	for _, rf := range runFields {
		if rf.name == name {
			return name
		}
	}
	if name == "key" {
		return "title"
	}
	return ""
}

func (s *Server) runForm(base staffPage, p *programme.Programme, f *form, key string) runFormPage {
	out := runFormPage{staffPage: base, Slug: p.Slug, ProgrammeTitle: p.Title, Creating: key == "",
		Errors: f.Errors, Revision: f.Values.Get("revision")}
	if key == "" {
		out.Action, out.BackURL = s.path("/staff/p/"+p.Slug+"/runs"), s.path("/staff/p/"+p.Slug+"/runs")
	} else {
		out.Action, out.BackURL = s.runURL(p.Slug, key, "/edit"), s.runURL(p.Slug, key, "")
	}
	for _, rf := range runFields {
		v := f.field(rf.name, rf.label, rf.typ)
		v.Hint = rf.hint
		v.Required = rf.name == "title" || rf.name == "departs_at"
		if rf.name == "from" || rf.name == "to" {
			v.List = "venues"
		}
		out.Fields = append(out.Fields, v)
	}
	for _, v := range p.Venues {
		out.Places = append(out.Places, v.Key)
	}
	return out
}

// runValues fills a form from a stored run.
func runValues(p *programme.Programme, r *programme.Run) url.Values {
	loc := p.Loc(r.TimeZone)
	v := url.Values{}
	v.Set("title", r.Title)
	v.Set("kind", r.Kind)
	v.Set("departs_at", r.DepartsAt.In(loc).Format("2006-01-02T15:04"))
	v.Set("from", r.From)
	v.Set("to", r.To)
	if r.Capacity > 0 {
		v.Set("capacity", strconv.Itoa(r.Capacity))
	}
	v.Set("vehicle", r.Vehicle)
	v.Set("contact", r.Contact)
	v.Set("status", r.Status)
	v.Set("riders_delegations", strings.Join(r.Riders.Delegations, ", "))
	v.Set("riders_people", strings.Join(r.Riders.People, ", "))
	v.Set("note", r.Note)
	if r.Poll != nil {
		v.Set("poll_options", strings.Join(r.Poll.Options, ", "))
		if r.Poll.ClosesAt != nil {
			v.Set("poll_closes", r.Poll.ClosesAt.In(loc).Format("2006-01-02T15:04"))
		}
	}
	v.Set("revision", exchange.Revision(p, programme.ItemRef{Kind: programme.KindRun, Key: r.Key}))
	return v
}

// runOf makes the run the form describes, over the stored one (nil for a
// new run): votes for options still offered, a decision still among them,
// the staying-behind list and the poll's question are kept.
func runOf(p *programme.Programme, f *form, stored *programme.Run, key string) *programme.Run {
	r := &programme.Run{Key: key}
	if stored != nil {
		c := *stored
		r = &c
		r.StayingBehind = nil
		for _, sb := range stored.StayingBehind {
			if sb.Active {
				r.StayingBehind = append(r.StayingBehind, sb)
			}
		}
	}
	loc := p.Loc(r.TimeZone)
	r.Title, r.Kind, r.From, r.To = f.Get("title"), f.Get("kind"), f.Get("from"), f.Get("to")
	r.Vehicle, r.Contact, r.Status = f.Get("vehicle"), f.Get("contact"), f.Get("status")
	r.Note = strings.TrimSpace(strings.ReplaceAll(f.Values.Get("note"), "\r\n", "\n"))
	r.Riders.Delegations, r.Riders.People = keyList(f.Get("riders_delegations")), keyList(f.Get("riders_people"))
	r.Capacity = 0
	if c := f.Get("capacity"); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil {
			f.Fail("capacity", "Give the number of seats as a whole number.")
		}
		r.Capacity = n
	}
	if d, err := programme.ParseLocal(f.Get("departs_at"), loc); err != nil {
		f.Fail("departs_at", upperFirst(err.Error())+".")
	} else {
		r.DepartsAt = d
	}
	options := keyList(f.Get("poll_options"))
	if len(options) == 0 {
		r.Poll = nil
		return r
	}
	poll := &programme.Poll{Options: options}
	if stored != nil && stored.Poll != nil {
		poll.Question = stored.Poll.Question
		for _, v := range stored.Poll.Votes {
			if slices.Contains(options, v.Option) {
				poll.Votes = append(poll.Votes, v)
			}
		}
		if slices.Contains(options, stored.Poll.Decided) {
			poll.Decided = stored.Poll.Decided
		}
	}
	if c := f.Get("poll_closes"); c != "" {
		if t, err := programme.ParseLocal(c, loc); err != nil {
			f.Fail("poll_closes", upperFirst(err.Error())+".")
		} else {
			poll.ClosesAt = &t
		}
	}
	r.Poll = poll
	return r
}

// keyList splits a comma-separated list of keys.
func keyList(s string) []string {
	var out []string
	for _, k := range strings.Split(s, ",") {
		if k = strings.TrimSpace(k); k != "" {
			out = append(out, k)
		}
	}
	return out
}

// handleRunNew shows the form of a new run.
func (s *Server) handleRunNew(c echo.Context) error {
	base, err := s.staffPageOf(c, "New run")
	if err != nil {
		return err
	}
	p, err := s.store.Programme(c.Request().Context(), c.Param("slug"))
	if err != nil {
		return err
	}
	f := &form{Values: url.Values{"kind": {"bus"}, "status": {programme.StatusConfirmed}}, Errors: map[string]string{}}
	return c.Render(http.StatusOK, "staff/run_form", s.runForm(base, p, f, ""))
}

// handleRunEdit shows the form of a run.
func (s *Server) handleRunEdit(c echo.Context) error {
	p, r, err := s.staffRun(c)
	if err != nil {
		return err
	}
	base, err := s.staffPageOf(c, "Edit "+r.Title)
	if err != nil {
		return err
	}
	f := &form{Values: runValues(p, r), Errors: map[string]string{}}
	return c.Render(http.StatusOK, "staff/run_form", s.runForm(base, p, f, r.Key))
}

// handleRunSave creates a run (no key in the address) or saves one.
func (s *Server) handleRunSave(c echo.Context) error {
	base, err := s.staffPageOf(c, "Run")
	if err != nil {
		return err
	}
	f, err := newForm(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p, err := s.store.Programme(ctx, c.Param("slug"))
	if err != nil {
		return err
	}
	key := c.Param("key")
	var stored *programme.Run
	if key != "" {
		if stored = p.Run(key); stored == nil {
			return programme.Errorf(programme.ENOTFOUND, "There is no run %q in this programme.", key)
		}
	} else {
		key = handoutKey("", f.Get("title"))
		if p.Run(key) != nil {
			f.Fail("title", "Another run has this title: give this one its own.")
		}
	}
	r := runOf(p, f, stored, key)
	if f.Valid() {
		batch := p.Header()
		batch.Transport = []programme.Run{*r}
		ref := programme.ItemRef{Kind: programme.KindRun, Key: key}
		_, err = s.changes.Change(ctx, p.Slug, programme.ChangeRequest{
			Batch: batch, Expect: map[programme.ItemRef]string{ref: f.Get("revision")},
			Author: authorOf(base.User), Source: programme.SourceWeb,
		})
		var stale *programme.Stale
		if errors.As(err, &stale) {
			return programme.StaleError(stale)
		}
		if err == nil {
			return c.Redirect(http.StatusSeeOther, s.runURL(p.Slug, key, ""))
		}
		if !f.failWith(err, runFieldOf) {
			return err
		}
	}
	stored2 := ""
	if stored != nil {
		stored2 = stored.Key
	}
	return c.Render(http.StatusUnprocessableEntity, "staff/run_form", s.runForm(base, p, f, stored2))
}
