package web

import (
	"cmp"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/skip2/go-qrcode"

	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/programme"
)

// recentlyChanged is how long the agenda page marks an item that changed.
const recentlyChanged = 72 * time.Hour

// personalPage is the page data of personal.html: one feed's agenda, by day,
// with the buttons to subscribe to it.
type personalPage struct {
	page
	Name           string // Omar Ansari
	What           string // "Personal agenda", "Delegation agenda", ...
	ProgrammeTitle string
	Dates          string
	FeedURL        string
	// WebcalURL is a template.URL because html/template lets only http,
	// https and mailto through and would write "#ZgotmplZ" for webcal:.
	WebcalURL   template.URL
	GoogleURL   string
	DownloadURL string
	QRURL       string
	Days        []personalDay
	// Earlier holds the days already past while the programme runs, so
	// that today comes first on a phone.
	Earlier []personalDay
	Changed int // items marked as recently changed
}

type personalDay struct {
	ID      string
	Heading string
	Zone    string // America/Mexico_City (CST)
	Today   bool
	Items   []personalItem
}

type personalItem struct {
	Kind        string // session, slot, run: for CSS
	Title       string
	When        string
	Datetime    string
	Place       string
	Description []string
	Cancelled   bool
	Tentative   bool
	Removed     bool   // no longer on this agenda
	Changed     string // "Changed 2 h ago", empty when not recent
}

// handleAgendaShow shows the agenda behind a token. The token is the only
// credential: it reaches that one feed's agenda and nothing else.
func (s *Server) handleAgendaShow(c echo.Context) error {
	token := c.Param("token")
	if s.feeds == nil {
		return errNoFeed
	}
	ctx := c.Request().Context()
	f, err := s.feeds.Lookup(ctx, token)
	if err != nil {
		return hideFeedError(err)
	}
	a, err := s.feeds.Agenda(ctx, f, token)
	if err != nil {
		return hideFeedError(err)
	}
	h := c.Response().Header()
	// The page is personal: no shared cache keeps it, no search engine lists it.
	h.Set(echo.HeaderCacheControl, "private, no-cache")
	h.Set("X-Robots-Tag", "noindex, nofollow")
	return c.Render(http.StatusOK, "personal", s.personalPage(a, token))
}

func (s *Server) personalPage(a *feeds.Agenda, token string) personalPage {
	p := a.Programme
	data := personalPage{
		page:           page{Title: a.Subject.Name},
		Name:           a.Subject.Name,
		What:           feedLabel(a.Subject.Kind),
		ProgrammeTitle: p.Title,
		Dates:          dateRange(p.StartsOn, p.EndsOn),
		FeedURL:        a.FeedURL,
		WebcalURL:      webcalLink(a.WebcalURL),
		GoogleURL:      a.GoogleURL,
		DownloadURL:    "/feeds/" + token + ".ics?download=1",
		QRURL:          "/a/" + token + "/qr.png",
	}
	if a.Subject.Kind == programme.FeedProgramme {
		data.Name = p.Title
	}
	days := map[string]*personalDay{}
	var keys []string
	for _, e := range a.Entries {
		loc := p.Loc(e.TimeZone)
		start := e.StartsAt.In(loc)
		key := start.Format(programme.DateLayout)
		d := days[key]
		if d == nil {
			d = &personalDay{
				ID:      "d" + key,
				Heading: start.Format("Monday 2 January 2006"),
				Today:   a.Now.In(loc).Format(programme.DateLayout) == key,
			}
			days[key] = d
			keys = append(keys, key)
		}
		// A day may hold items in two zones (a flight day, a video call):
		// name each zone once.
		if zone := fmt.Sprintf("%s (%s)", e.TimeZone, start.Format("MST")); !strings.Contains(d.Zone, zone) {
			if d.Zone != "" {
				d.Zone += ", "
			}
			d.Zone += zone
		}
		item := personalItem{
			Kind:        e.Kind,
			Title:       e.Title,
			When:        span(e.StartsAt, e.EndsAt, loc, true),
			Datetime:    start.Format(time.RFC3339),
			Place:       e.Location,
			Description: strings.Split(e.Description, "\n"),
			Cancelled:   e.Status == programme.StatusCancelled,
			Tentative:   e.Status == programme.StatusTentative,
			Removed:     e.Removed,
			Changed:     changedText(e, a.Now),
		}
		if e.Kind == programme.EntryRun {
			item.When = start.Format("15:04 MST")
		}
		if item.Changed != "" {
			data.Changed++
		}
		d.Items = append(d.Items, *item.trimmed())
	}
	slices.Sort(keys)
	// While the programme runs, today and the days ahead come first.
	today := a.Now.In(p.Loc("")).Format(programme.DateLayout)
	running := p.StartsOn <= today && today <= p.EndsOn
	for _, k := range keys {
		if running && k < today {
			data.Earlier = append(data.Earlier, *days[k])
		} else {
			data.Days = append(data.Days, *days[k])
		}
	}
	return data
}

// webcalLink vouches for a webcal URL built from the server's own base URL.
// The escaper still escapes it for the attribute; only the scheme check is
// lifted, and only for webcal, so that nothing else (javascript:, for one)
// can ride on the trust.
func webcalLink(u string) template.URL {
	if strings.HasPrefix(u, "webcal://") {
		return template.URL(u)
	}
	return template.URL("#")
}

// trimmed drops the empty lines a description may have.
func (it *personalItem) trimmed() *personalItem {
	it.Description = slices.DeleteFunc(it.Description, func(s string) bool { return strings.TrimSpace(s) == "" })
	return it
}

// changedText marks an entry that changed after it was first published, or
// that the subject lost, within the last few days.
func changedText(e programme.Entry, now time.Time) string {
	created := e.CreatedAt
	if e.ModifiedAt.IsZero() || now.Sub(e.ModifiedAt) > recentlyChanged {
		return ""
	}
	if !e.Removed && !e.ModifiedAt.After(created) {
		return ""
	}
	verb := "Changed"
	if e.Removed {
		verb = "Removed from this agenda"
	} else if e.Status == programme.StatusCancelled {
		verb = "Cancelled"
	}
	return verb + " " + feeds.Ago(now.Sub(e.ModifiedAt))
}

func feedLabel(kind programme.FeedKind) string {
	return cmp.Or(map[programme.FeedKind]string{
		programme.FeedPerson:     "Personal agenda",
		programme.FeedDelegation: "Delegation agenda",
		programme.FeedRoom:       "Room bookings",
		programme.FeedSpeaker:    "Speaking slots",
		programme.FeedProgramme:  "Whole programme",
	}[kind], "Agenda")
}

// handleAgendaQR draws the feed URL as a QR code, to scan from a laptop screen
// with a phone.
func (s *Server) handleAgendaQR(c echo.Context) error {
	token := c.Param("token")
	if s.feeds == nil {
		return errNoFeed
	}
	if _, err := s.feeds.Lookup(c.Request().Context(), token); err != nil {
		return hideFeedError(err)
	}
	png, err := qrcode.Encode(s.feeds.FeedURL(token), qrcode.Medium, 320)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "private, max-age=86400")
	return c.Blob(http.StatusOK, "image/png", png)
}
