package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/skip2/go-qrcode"

	"github.com/planner-dev/planner/internal/programme"
)

// Printouts are the paper handed out in the room: a delegation's agenda,
// one sheet per day, and a welcome sheet per delegate with their agenda and
// a QR code of their agenda page, where the subscribe buttons are. Items go
// through the public item views (days.go) and the shared item template, so
// a sheet can show nothing staff keep to themselves.

// printIndexPage is the page data of staff/print_index.html.
type printIndexPage struct {
	page
	Nav         staffNav
	Delegations []printDelegation
	// Welcome links to every welcome sheet at once; People to each.
	Welcome string
	People  []printLink
	// CanWelcome is false for roles that may not see feed links, which
	// welcome sheets carry.
	CanWelcome bool
}

type printDelegation struct {
	Name    string
	Agenda  string // every day
	Days    []printLink
	Welcome string
}

type printLink struct {
	Label, Href string
}

// printSheetsPage is the page data of staff/print_sheets.html.
type printSheetsPage struct {
	page
	Nav    staffNav
	What   string
	Back   string
	Sheets []printSheet
	// Missing names the people whose sheet has no QR code, as their link
	// is revoked: a warning on screen, never printed.
	Missing []string
}

// printSheet is one printed page (or more, when an agenda is long).
type printSheet struct {
	Welcome        bool
	ProgrammeTitle string
	Dates          string
	Heading        string // Omar Ansari, or Afghanistan
	Sub            string // Afghanistan delegation, or Monday 5 December 2016
	Days           []dayView
	QR             *qrView
}

// qrView is a QR code drawn as inline SVG: the page's Content-Security-Policy
// allows no data: images, and a vector code prints sharp at any size.
type qrView struct {
	URL  string
	Size int    // modules, quiet zone included
	Path string // one square per dark module
}

// newQR encodes text as a QR code with medium error correction, enough for
// a sheet that gets folded or creased.
func newQR(text string) (*qrView, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	bm := q.Bitmap()
	var b strings.Builder
	for y, row := range bm {
		for x, dark := range row {
			if dark {
				b.WriteString("M" + strconv.Itoa(x) + " " + strconv.Itoa(y) + "h1v1h-1z")
			}
		}
	}
	return &qrView{URL: text, Size: len(bm), Path: b.String()}, nil
}

// handlePrintIndex offers what can be printed for a programme.
func (s *Server) handlePrintIndex(c echo.Context) error {
	p, err := s.sharedProgramme(c)
	if err != nil {
		return err
	}
	nav, err := s.staffNavOf(c, p, "print")
	if err != nil {
		return err
	}
	base := "/staff/p/" + url.PathEscape(p.Slug) + "/print"
	data := printIndexPage{
		page:       page{Title: "Print · " + p.Title},
		Nav:        nav,
		Welcome:    s.path(base + "/welcome"),
		CanWelcome: nav.User != nil && programme.Can(nav.User.Role, programme.ActionManageFeeds) && s.feeds != nil,
	}
	dates := programmeDates(p)
	for _, d := range p.Delegations {
		agenda := s.path(base + "/delegations/" + url.PathEscape(d.Key))
		pd := printDelegation{Name: d.Name, Agenda: agenda, Welcome: s.path(base + "/welcome?delegation=" + url.QueryEscape(d.Key))}
		for _, day := range s.delegationDays(p, d.Key) {
			if slices.Contains(dates, day.key) || len(dates) == 0 {
				pd.Days = append(pd.Days, printLink{Label: day.Short, Href: agenda + "?day=" + day.key})
			}
		}
		data.Delegations = append(data.Delegations, pd)
	}
	for _, person := range p.People {
		if person.Delegation != "" {
			data.People = append(data.People, printLink{Label: person.Name, Href: s.path(base + "/welcome/" + url.PathEscape(person.Key))})
		}
	}
	return c.Render(http.StatusOK, "staff/print_index", data)
}

// agendaDays lays out the agenda of one feed's subject, as its personal
// agenda page does, less what no paper should carry: items the subject lost,
// and what changed lately or is on today.
func (s *Server) agendaDays(p *programme.Programme, kind programme.FeedKind, key string) ([]dayView, error) {
	now := s.now()
	entries, err := p.FeedEntries(kind, key, now)
	if err != nil {
		return nil, err
	}
	views := freshViews{p, publicNames(p)}
	book := newDayBook(now)
	for _, e := range entries {
		if e.Removed {
			continue
		}
		item, ok := entryView(p, views, e)
		if !ok {
			continue
		}
		book.add(item, e.TimeZone, p.Loc(e.TimeZone))
	}
	days := book.sorted()
	for i := range days {
		days[i].Today = false
	}
	return days, nil
}

func (s *Server) delegationDays(p *programme.Programme, key string) []dayView {
	days, err := s.agendaDays(p, programme.FeedDelegation, key)
	if err != nil {
		return nil
	}
	return days
}

// handlePrintDelegation prints a delegation's agenda, one sheet per day;
// ?day=YYYY-MM-DD prints that day's sheet alone.
func (s *Server) handlePrintDelegation(c echo.Context) error {
	p, err := s.sharedProgramme(c)
	if err != nil {
		return err
	}
	d := p.Delegation(c.Param("key"))
	if d == nil {
		return programme.Errorf(programme.ENOTFOUND, "The programme has no delegation %q.", c.Param("key"))
	}
	days, err := s.agendaDays(p, programme.FeedDelegation, d.Key)
	if err != nil {
		return err
	}
	if want := c.QueryParam("day"); want != "" {
		days = slices.DeleteFunc(days, func(day dayView) bool { return day.key != want })
		if len(days) == 0 {
			return programme.Errorf(programme.ENOTFOUND, "The %s delegation has nothing on %q.", d.Name, want)
		}
	}
	nav, err := s.staffNavOf(c, p, "print")
	if err != nil {
		return err
	}
	data := printSheetsPage{
		page: page{Title: "Agenda of " + d.Name + " · " + p.Title},
		Nav:  nav,
		What: "Agenda of the " + d.Name + " delegation",
		Back: nav.Print,
	}
	for _, day := range days {
		data.Sheets = append(data.Sheets, printSheet{
			ProgrammeTitle: p.Title,
			Heading:        d.Name + " delegation",
			Days:           []dayView{day},
		})
	}
	if len(data.Sheets) == 0 {
		data.Sheets = append(data.Sheets, printSheet{ProgrammeTitle: p.Title, Heading: d.Name + " delegation", Sub: "Nothing is planned yet."})
	}
	return c.Render(http.StatusOK, "staff/print_sheets", data)
}

// handlePrintWelcome prints welcome sheets: one person's (/welcome/:person),
// else every delegate's, or one delegation's (?delegation=KEY). Each carries
// a QR code of the person's agenda page; people without a feed link get one
// first, as `planner feeds` gives them.
func (s *Server) handlePrintWelcome(c echo.Context) error {
	if s.feeds == nil {
		return errNoFeeds
	}
	p, err := s.sharedProgramme(c)
	if err != nil {
		return err
	}
	var people []*programme.Person
	switch key, deleg := c.Param("person"), c.QueryParam("delegation"); {
	case key != "":
		person := p.Person(key)
		if person == nil {
			return programme.Errorf(programme.ENOTFOUND, "The programme has no person %q.", key)
		}
		people = append(people, person)
	case deleg != "" && p.Delegation(deleg) == nil:
		return programme.Errorf(programme.ENOTFOUND, "The programme has no delegation %q.", deleg)
	default:
		for _, d := range p.Delegations {
			if deleg != "" && d.Key != deleg {
				continue
			}
			for i := range p.People {
				if p.People[i].Delegation == d.Key {
					people = append(people, &p.People[i])
				}
			}
		}
	}

	list, err := s.feeds.List(c.Request().Context(), p.Slug, true)
	if err != nil {
		return err
	}
	pageURL := map[string]string{}
	for _, l := range list {
		if l.Kind == programme.FeedPerson {
			pageURL[l.Key] = s.feeds.PageURLOf(l)
		}
	}

	nav, err := s.staffNavOf(c, p, "print")
	if err != nil {
		return err
	}
	data := printSheetsPage{
		page: page{Title: "Welcome sheets · " + p.Title},
		Nav:  nav,
		What: "Welcome sheets",
		Back: nav.Print,
	}
	dates := dateRange(p.StartsOn, p.EndsOn)
	for _, person := range people {
		days, err := s.agendaDays(p, programme.FeedPerson, person.Key)
		if err != nil {
			return err
		}
		sheet := printSheet{
			Welcome:        true,
			ProgrammeTitle: p.Title,
			Dates:          dates,
			Heading:        person.Name,
			Days:           days,
		}
		if d := p.Delegation(person.Delegation); d != nil {
			sheet.Sub = d.Name + " delegation"
		}
		if u := pageURL[person.Key]; u != "" {
			if sheet.QR, err = newQR(u); err != nil {
				return err
			}
		} else {
			data.Missing = append(data.Missing, person.Name)
		}
		data.Sheets = append(data.Sheets, sheet)
	}
	if len(people) == 1 {
		data.page.Title = people[0].Name + " · " + data.page.Title
	}
	return c.Render(http.StatusOK, "staff/print_sheets", data)
}
