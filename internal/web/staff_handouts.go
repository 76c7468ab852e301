package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
)

// Hand-outs: what staff hand every delegate on a day (badges, meal tickets
// for Monday's lunch, welcome packs), each ticked off per delegate with the
// boarding checklist's pattern (staff_runs.go). Delegates are the people of
// the programme's delegations.

// handoutsPage is the page data of staff/handouts.html.
type handoutsPage struct {
	staffPage
	Slug, ProgrammeTitle string
	Handouts             []handoutRow
	Action               string
	Form                 *form
	RunsURL              string
}

type handoutRow struct {
	store.Handout
	Day       string
	URL       string
	Given, Of int
}

// handleHandoutsIndex lists the hand-outs with how many delegates received
// each, and the form of a new one.
func (s *Server) handleHandoutsIndex(c echo.Context) error {
	f := &form{Values: url.Values{}, Errors: map[string]string{}}
	return s.renderHandouts(c, f, http.StatusOK)
}

func (s *Server) renderHandouts(c echo.Context, f *form, status int) error {
	cl, err := s.checklists()
	if err != nil {
		return err
	}
	base, err := s.staffPageOf(c, "Hand-outs")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p, err := s.sharedProgramme(c)
	if err != nil {
		return err
	}
	list, err := cl.Handouts(ctx, p.Slug)
	if err != nil {
		return err
	}
	delegates := delegatesOf(p)
	out := handoutsPage{staffPage: base, Slug: p.Slug, ProgrammeTitle: p.Title, Form: f,
		Action: s.path("/staff/p/" + p.Slug + "/handouts"), RunsURL: s.path("/staff/p/" + p.Slug + "/runs")}
	for _, h := range list {
		ticks, err := cl.Ticks(ctx, p.Slug, store.ChecklistHandout, h.Key)
		if err != nil {
			return err
		}
		row := handoutRow{Handout: h, Day: dayLabel(h.Day), URL: s.handoutURL(p.Slug, h.Key, ""), Of: len(delegates)}
		for _, d := range delegates {
			if ticks[d.Key].Ticked {
				row.Given++
			}
		}
		out.Handouts = append(out.Handouts, row)
	}
	return c.Render(status, "staff/handouts", out)
}

func dayLabel(day string) string {
	t, err := programme.ParseDate(day)
	if err != nil {
		return day
	}
	return t.Format("Mon 2 Jan")
}

func (s *Server) handoutURL(slug, key, rest string) string {
	return s.path("/staff/p/" + slug + "/handouts/" + url.PathEscape(key) + rest)
}

// delegatesOf is everyone in a delegation, by delegation.
func delegatesOf(p *programme.Programme) []manifestPerson {
	var out []manifestPerson
	for _, d := range p.Delegations {
		for i := range p.People {
			if p.People[i].Delegation == d.Key {
				out = append(out, riderOf(p, &p.People[i]))
			}
		}
	}
	return out
}

// handleHandoutCreate adds a hand-out. Its key is made of its day and
// title, so that the same hand-out entered twice is one.
func (s *Server) handleHandoutCreate(c echo.Context) error {
	cl, err := s.checklists()
	if err != nil {
		return err
	}
	f, err := newForm(c)
	if err != nil {
		return err
	}
	h := store.Handout{Day: f.Get("day"), Title: f.Get("title"), Note: f.Get("note")}
	h.Key = handoutKey(h.Day, h.Title)
	err = cl.SaveHandout(c.Request().Context(), c.Param("slug"), h)
	if f.failWith(err, func(path string) string {
		name, _ := strings.CutPrefix(path, "handout.")
		if name == "key" {
			return "title"
		}
		return name
	}) {
		return s.renderHandouts(c, f, http.StatusUnprocessableEntity)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, s.handoutURL(c.Param("slug"), h.Key, ""))
}

// handoutKey makes a key of lower-case letters, digits and hyphens.
func handoutKey(day, title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(day + " " + title) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	key := strings.Trim(b.String(), "-")
	if len(key) > 60 {
		key = strings.Trim(key[:60], "-")
	}
	return key
}

// staffHandout loads the programme and one hand-out.
func (s *Server) staffHandout(c echo.Context) (*programme.Programme, store.Handout, error) {
	cl, err := s.checklists()
	if err != nil {
		return nil, store.Handout{}, err
	}
	p, err := s.sharedProgramme(c)
	if err != nil {
		return nil, store.Handout{}, err
	}
	h, err := cl.Handout(c.Request().Context(), p.Slug, c.Param("key"))
	return p, h, err
}

// handleHandoutShow is a hand-out's checklist: who has not received it.
func (s *Server) handleHandoutShow(c echo.Context) error {
	p, h, err := s.staffHandout(c)
	if err != nil {
		return err
	}
	base, err := s.staffPageOf(c, h.Title)
	if err != nil {
		return err
	}
	cl, _ := s.checklists()
	ticks, err := cl.Ticks(c.Request().Context(), p.Slug, store.ChecklistHandout, h.Key)
	if err != nil {
		return err
	}
	out := checklistPage{staffPage: base, Slug: p.Slug, ProgrammeTitle: p.Title, Title: h.Title, What: "Hand-out",
		Meta: strings.TrimSuffix(dayLabel(h.Day)+" · "+h.Note, " · "), BackURL: s.path("/staff/p/" + p.Slug + "/handouts"), BackLabel: "Hand-outs",
		Action: s.handoutURL(p.Slug, h.Key, "/ticks"), StateURL: s.handoutURL(p.Slug, h.Key, "/state.json"),
		TickLabel: "Given", Untick: "Undo", CanTick: base.CanEdit}
	fillChecklist(&out, p, delegatesOf(p), ticks)
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.Render(http.StatusOK, "staff/run_checklist", out)
}

// handleHandoutState answers the hand-out checklist's polling.
func (s *Server) handleHandoutState(c echo.Context) error {
	p, h, err := s.staffHandout(c)
	if err != nil {
		return err
	}
	return s.checklistState(c, p, store.ChecklistHandout, h.Key)
}

// handleHandoutTick ticks or unticks one delegate.
func (s *Server) handleHandoutTick(c echo.Context) error {
	p, h, err := s.staffHandout(c)
	if err != nil {
		return err
	}
	return s.tick(c, p, store.ChecklistHandout, h.Key, delegatesOf(p), s.handoutURL(p.Slug, h.Key, ""))
}
