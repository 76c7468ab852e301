package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/planner-dev/planner/internal/programme"
)

// indexPage is the page data of index.html: the list of programmes.
type indexPage struct {
	page
	Programmes []programmeSummary
}

// programmeSummary is a programme as the list shows it.
type programmeSummary struct {
	URL      string
	Title    string
	Dates    string
	Location string
}

// programmePage is the page data of programme.html: one programme by day.
type programmePage struct {
	page
	Organizer   string
	Dates       string
	Location    string
	Description string
	Days        []dayView
}

// handleProgrammeList shows every public programme with its dates and
// location. Programmes are private unless an editor made them public:
// delegations of governments are sensitive, and staff see every programme
// on their own pages.
func (s *Server) handleProgrammeList(c echo.Context) error {
	list, err := s.store.Programmes(c.Request().Context())
	if err != nil {
		return err
	}
	data := indexPage{page: page{Title: "Programmes", Canonical: s.URL("/")}}
	for _, p := range list {
		if !p.Public {
			continue
		}
		data.Programmes = append(data.Programmes, programmeSummary{
			URL:      s.path("/p/" + p.Slug),
			Title:    p.Title,
			Dates:    dateRange(p.StartsOn, p.EndsOn),
			Location: p.Location,
		})
	}
	return c.Render(http.StatusOK, "index", data)
}

// handleProgrammeShow shows one programme day by day, in local times.
func (s *Server) handleProgrammeShow(c echo.Context) error {
	slug := c.Param("slug")
	// A slug follows the key rules; anything else cannot exist, and need
	// not reach the database.
	if !programme.ValidKey(slug) {
		return programme.Errorf(programme.ENOTFOUND, "There is no such programme.")
	}
	p, err := s.store.Programme(c.Request().Context(), slug)
	if programme.ErrorCode(err) == programme.ENOTFOUND {
		err = nil // answered below in the words of a private programme
	}
	if err != nil {
		return err
	}
	if p == nil || !p.Public {
		// The Store contract says ENOTFOUND, but a nil programme must
		// not become a panic if an implementation returns nil, nil. A
		// private programme is not found either, in the same words, so
		// that its slug is not confirmed to exist.
		return programme.Errorf(programme.ENOTFOUND, "There is no such programme.")
	}
	data := programmePage{
		page:        page{Title: p.Title, Canonical: s.URL("/p/" + p.Slug)},
		Organizer:   p.Organizer,
		Dates:       dateRange(p.StartsOn, p.EndsOn),
		Location:    p.Location,
		Description: p.Description,
		Days:        programmeDays(p, s.now()),
	}
	return c.Render(http.StatusOK, "programme", data)
}

// dateRange writes two YYYY-MM-DD dates for people, without repeating what
// they share: "5–9 December 2016", "28 November – 9 December 2016",
// "28 December 2016 – 2 January 2017". Unparsable dates are shown as stored.
func dateRange(from, to string) string {
	a, errA := programme.ParseDate(from)
	b, errB := programme.ParseDate(to)
	switch {
	case errA != nil || errB != nil:
		if to == "" || to == from {
			return from
		}
		return from + " – " + to
	case a.Equal(b):
		return a.Format("2 January 2006")
	case a.Year() != b.Year():
		return a.Format("2 January 2006") + " – " + b.Format("2 January 2006")
	case a.Month() != b.Month():
		return a.Format("2 January") + " – " + b.Format("2 January 2006")
	default:
		return a.Format("2") + "–" + b.Format("2 January 2006")
	}
}
