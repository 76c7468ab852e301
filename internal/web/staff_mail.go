package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
)

// Mail is the outbox of the calendar invitations, as the staff mail page
// reads and pauses it. The store implements it; the page is served only
// when the Store given to New does.
type Mail interface {
	Outbox(ctx context.Context, slug string) ([]store.OutboxMessage, error)
	MailPaused(ctx context.Context, slug string) (bool, error)
	SetMailPaused(ctx context.Context, slug string, paused bool) error
}

// staffMailPage is the page data of staff/mail.html: for each person who
// asked for their agenda by e-mail, what became of their last invitation,
// beside whether their subscribed calendar has the latest change.
type staffMailPage struct {
	page
	Nav     staffNav
	CSRF    string
	CanEdit bool
	Flash   string
	// Configured is false when the server has no mail server: then no
	// message leaves, whatever the outbox holds.
	Configured bool
	Paused     bool
	// Waiting counts the messages not sent yet.
	Waiting int
	// NoFeeds is true on a server without feed links: the feed column
	// then has nothing to say.
	NoFeeds bool
	Rows    []mailRow
	Pause   string // form actions
	Resume  string
}

// mailRow is one person on the mail page.
type mailRow struct {
	ID    string // HTML id: mail-omar-ansari
	Name  string
	Email string
	// Status is the last message's status in words, StatusClass its
	// badge ("ok", "behind", "none"), and Detail the mail
	// server's answer when it refused or deferred the message.
	Status      string
	StatusClass string
	Detail      string
	Attempts    int
	When        string // RFC 3339, for <time>
	WhenText    string
	Changes     []mailChange
	// Previous is what became of the message before, when the last one
	// still waits: whether the person has had anything at all.
	Previous string
	// Feed is whether the person's subscribed calendar has the latest
	// change, in words, as on the feed links page.
	Feed      string
	FeedClass string
}

// mailChange links a change a message carried to its entry in the history.
type mailChange struct {
	ID   int64
	Href string
}

// handleStaffMail shows the invitations of a programme, person by person.
func (s *Server) handleStaffMail(c echo.Context) error {
	p, err := s.sharedProgramme(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	msgs, err := s.mail.Outbox(ctx, p.Slug)
	if err != nil {
		return err
	}
	paused, err := s.mail.MailPaused(ctx, p.Slug)
	if err != nil {
		return err
	}
	nav, err := s.staffNavOf(c, p, "mail")
	if err != nil {
		return err
	}
	base := "/staff/p/" + url.PathEscape(p.Slug)
	data := staffMailPage{
		page:       page{Title: "Mail · " + p.Title},
		Nav:        nav,
		CSRF:       csrfOf(c),
		CanEdit:    nav.User != nil && programme.Can(nav.User.Role, programme.ActionEditProgrammes),
		Flash:      s.staff.manager.PopString(ctx, flashKey),
		Configured: s.mailConfigured,
		Paused:     paused,
		NoFeeds:    s.feeds == nil,
		Pause:      s.path(base + "/mail/pause"),
		Resume:     s.path(base + "/mail/resume"),
	}
	// Outbox lists the newest message first: the first one seen of a
	// person is their latest.
	latest, finished := map[string]store.OutboxMessage{}, map[string]store.OutboxMessage{}
	for _, m := range msgs {
		waiting := m.Status == store.OutboxPending || m.Status == store.OutboxDeferred
		if waiting {
			data.Waiting++
		}
		if _, seen := latest[m.PersonKey]; !seen {
			latest[m.PersonKey] = m
		}
		if _, seen := finished[m.PersonKey]; !seen && !waiting {
			finished[m.PersonKey] = m
		}
	}
	// The feed states come from the same listing as the feed links page,
	// without creating tokens: a page that only reads must not.
	byPerson := map[string]feeds.Listing{}
	if s.feeds != nil {
		list, err := s.feeds.List(ctx, p.Slug, false)
		if err != nil {
			return err
		}
		for _, l := range list {
			if l.Kind == programme.FeedPerson {
				byPerson[l.Key] = l
			}
		}
	}
	loc := p.Loc("")
	now := s.now()
	for _, x := range p.People {
		if !x.CalendarByEmail || x.Email == "" {
			continue
		}
		row := mailRow{ID: "mail-" + x.Key, Name: x.Name, Email: x.Email}
		if m, ok := latest[x.Key]; ok {
			s.fillMailStatus(&row, m, paused, now, loc, base)
			if f, ok := finished[x.Key]; ok && f.ID != m.ID {
				var before mailRow
				s.fillMailStatus(&before, f, paused, now, loc, base)
				row.Previous = "The one before: " + strings.ToLower(before.Status[:1]) + before.Status[1:] + ", " + before.WhenText
			}
		} else {
			row.Status, row.StatusClass = "No message yet", "none"
		}
		if !data.NoFeeds {
			row.Feed, row.FeedClass = feedStateOf(byPerson[x.Key], byPerson[x.Key].Key != "")
		}
		data.Rows = append(data.Rows, row)
	}
	return c.Render(http.StatusOK, "staff/mail", data)
}

// fillMailStatus describes message m on row.
func (s *Server) fillMailStatus(row *mailRow, m store.OutboxMessage, paused bool, now time.Time, loc *time.Location, base string) {
	row.Attempts = m.Attempts
	at := m.CreatedAt
	switch m.Status {
	case store.OutboxSent:
		row.Status, row.StatusClass = "Sent", "ok"
		if m.SentAt != nil {
			at = *m.SentAt
		}
	case store.OutboxFailed:
		row.Status, row.StatusClass = "Refused by the mail server", "behind"
		row.Detail = m.LastError
	case store.OutboxDeferred:
		row.Status, row.StatusClass = "Deferred: tried again later", "behind"
		row.Detail = m.LastError
		at = m.DueAt
	default:
		row.Status, row.StatusClass = "Waiting to be sent", "behind"
		if paused {
			row.Status = "Waiting: mail is paused"
		}
		at = m.DueAt
	}
	row.When = at.In(loc).Format(time.RFC3339)
	row.WhenText = at.In(loc).Format("Mon 2 Jan 15:04 MST")
	if m.Status == store.OutboxSent && m.SentAt != nil {
		row.WhenText = feeds.Ago(now.Sub(*m.SentAt))
	}
	for _, id := range m.ChangeIDs {
		row.Changes = append(row.Changes, mailChange{ID: id,
			Href: s.path(base+"/history") + "#change-" + strconv.FormatInt(id, 10)})
	}
}

// feedStateOf says whether a person's feed has the latest change, in the
// words of the feed links page (feedRowOf).
func feedStateOf(l feeds.Listing, ok bool) (state, class string) {
	switch {
	case ok && l.Revoked:
		return "Revoked: the link answers 404", "none"
	case !ok || l.LastFetchedAt == nil:
		return "Not subscribed yet", "none"
	case l.Current:
		return "Has the latest change", "ok"
	default:
		return "Not up to date", "behind"
	}
}

// handleStaffMailPause holds a programme's invitations back: they gather
// changes until staff resume, as during a rehearsal day of edits.
func (s *Server) handleStaffMailPause(c echo.Context) error {
	return s.setMailPaused(c, true, "Mail is paused for this programme: changes wait until you resume.")
}

// handleStaffMailResume sends what waited at once: the store makes every
// pending message due now.
func (s *Server) handleStaffMailResume(c echo.Context) error {
	msg := "Mail is resumed: the waiting messages are sent now."
	if !s.mailConfigured {
		msg = "Mail is resumed, but no mail is sent until PLANNER_SMTP_URL is set."
	}
	return s.setMailPaused(c, false, msg)
}

func (s *Server) setMailPaused(c echo.Context, paused bool, flash string) error {
	ctx := c.Request().Context()
	slug := c.Param("slug")
	if err := s.mail.SetMailPaused(ctx, slug, paused); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "programme mail paused", "programme", slug, "paused", paused)
	s.staff.manager.Put(ctx, flashKey, flash)
	return c.Redirect(http.StatusSeeOther, s.path("/staff/p/"+url.PathEscape(slug)+"/mail"))
}
