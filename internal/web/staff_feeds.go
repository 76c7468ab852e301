package web

import (
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/programme"
)

// flashKey is where a staff action leaves the sentence the next page shows.
const flashKey = "flash"

// errNoFeeds answers the feed pages of a server run without feed links.
var errNoFeeds = programme.Errorf(programme.ENOTFOUND, "Feed links are not set up on this server.")

// staffFeedsPage is the page data of staff/feeds.html: every feed of a
// programme, whether calendars follow it, and (for admins) its link with
// the buttons to rotate or revoke it.
type staffFeedsPage struct {
	page
	Nav   staffNav
	CSRF  string
	Admin bool
	Flash string
	// Groups are the feeds by kind, people first: they are who staff ask
	// about ("has Omar's phone got the change?").
	Groups []feedGroup
	// Behind counts the subscribed feeds that have not fetched their
	// latest change.
	Behind, Subscribed, Total int
}

type feedGroup struct {
	Heading string
	Rows    []feedRow
}

// feedRow is one feed as staff see it. URL and PageURL are empty for
// anyone but an admin: a feed link reads an agenda without logging in.
type feedRow struct {
	ID        string // HTML id: feed-person-omar-ansari
	Name      string
	Detail    string // a person's delegation, or their role
	Key       string
	Former    bool
	Revoked   bool
	URL       string
	PageURL   string
	Fetched   string // "3 h ago", "never"
	FetchedAt string // RFC 3339, for <time>
	// State is whether the calendar has the latest change, in words, and
	// StateClass its badge: "ok", "behind", "none".
	State       string
	StateClass  string
	StateDetail string
	Rotate      string // form actions
	Revoke      string
}

// feedGroupOrder puts people first, then the other kinds.
var feedGroupOrder = []struct {
	kind    programme.FeedKind
	heading string
}{
	{programme.FeedPerson, "People"},
	{programme.FeedDelegation, "Delegations"},
	{programme.FeedSpeaker, "Speakers"},
	{programme.FeedRoom, "Rooms"},
	{programme.FeedProgramme, "Whole programme"},
}

// handleStaffFeedList lists a programme's feeds. Like `planner feeds`, it
// creates the tokens of feeds that have none, so that every row has a link
// to hand out; existing tokens never change here.
func (s *Server) handleStaffFeedList(c echo.Context) error {
	if s.feeds == nil {
		return errNoFeeds
	}
	p, err := s.sharedProgramme(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	list, err := s.feeds.List(ctx, p.Slug, true)
	if err != nil {
		return err
	}
	nav, err := s.staffNavOf(c, p, "feeds")
	if err != nil {
		return err
	}
	token, _ := c.Get(csrfContextKey).(string)
	data := staffFeedsPage{
		page:  page{Title: "Feed links · " + p.Title},
		Nav:   nav,
		CSRF:  token,
		Admin: nav.User != nil && programme.Can(nav.User.Role, programme.ActionManageFeeds),
		Flash: s.staff.manager.PopString(ctx, flashKey),
	}
	now := s.now()
	loc := p.Loc("")
	for _, g := range feedGroupOrder {
		group := feedGroup{Heading: g.heading}
		for _, l := range list {
			if l.Kind != g.kind {
				continue
			}
			row := s.feedRowOf(p, l, now, loc, data.Admin)
			data.Total++
			if !l.Revoked && l.LastFetchedAt != nil {
				data.Subscribed++
				if !l.Current {
					data.Behind++
				}
			}
			group.Rows = append(group.Rows, row)
		}
		if len(group.Rows) > 0 {
			data.Groups = append(data.Groups, group)
		}
	}
	return c.Render(http.StatusOK, "staff/feeds", data)
}

func (s *Server) feedRowOf(p *programme.Programme, l feeds.Listing, now time.Time, loc *time.Location, admin bool) feedRow {
	action := "/staff/p/" + url.PathEscape(p.Slug) + "/feeds/" + url.PathEscape(string(l.Kind)) + "/" + url.PathEscape(l.Key)
	row := feedRow{
		ID:      "feed-" + string(l.Kind) + "-" + l.Key,
		Name:    l.Name,
		Key:     l.Key,
		Former:  l.Former,
		Revoked: l.Revoked,
		Fetched: "never",
		Rotate:  s.path(action + "/rotate"),
		Revoke:  s.path(action + "/revoke"),
	}
	if x := p.Person(l.Key); x != nil && (l.Kind == programme.FeedPerson || l.Kind == programme.FeedSpeaker) {
		if d := p.Delegation(x.Delegation); d != nil {
			row.Detail = d.Name
		} else {
			row.Detail = label(x.Role)
		}
	}
	if admin && !l.Revoked {
		row.URL = l.URL
		row.PageURL = s.feeds.PageURLOf(l)
	}
	if l.LastFetchedAt != nil {
		row.Fetched = feeds.Ago(now.Sub(*l.LastFetchedAt))
		row.FetchedAt = l.LastFetchedAt.In(loc).Format(time.RFC3339)
	}
	switch {
	case l.Revoked:
		row.State, row.StateClass = "Revoked: the link answers 404", "none"
	case l.LastFetchedAt == nil:
		row.State, row.StateClass = "Not subscribed yet", "none"
	case l.Current:
		row.State, row.StateClass = "Has the latest change", "ok"
	default:
		row.State, row.StateClass = "Not up to date", "behind"
		row.StateDetail = "Has not seen the change to “" + l.LatestTitle + "” of " +
			l.LatestChange.In(loc).Format("Mon 2 Jan 15:04 MST")
	}
	return row
}

// feedParams reads the feed a rotate or revoke names. An unknown kind is a
// 404, as an unknown key is.
func feedParams(c echo.Context) (programme.FeedKind, string, error) {
	kind := programme.FeedKind(c.Param("kind"))
	if !slices.Contains(programme.FeedKinds, kind) {
		return "", "", programme.Errorf(programme.ENOTFOUND, "There is no kind of feed called %q.", kind)
	}
	return kind, c.Param("key"), nil
}

// handleStaffFeedRotate gives one feed a new link, as
// `planner feeds --rotate KIND:KEY` does: the old link stops at once, and
// a revoked feed works again under the new one.
func (s *Server) handleStaffFeedRotate(c echo.Context) error {
	if s.feeds == nil {
		return errNoFeeds
	}
	kind, key, err := feedParams(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	l, err := s.feeds.Rotate(ctx, c.Param("slug"), kind, key)
	if err != nil {
		return err
	}
	s.log.InfoContext(ctx, "feed rotated", "programme", c.Param("slug"), "kind", kind, "key", key)
	s.staff.manager.Put(ctx, flashKey, l.Name+" has a new link. The old one no longer works: hand out the new one.")
	return s.backToFeeds(c, kind, key)
}

// handleStaffFeedRevoke disables one feed's link, as
// `planner feeds --revoke KIND:KEY` does. Rotating it later gives it a
// new, working link.
func (s *Server) handleStaffFeedRevoke(c echo.Context) error {
	if s.feeds == nil {
		return errNoFeeds
	}
	kind, key, err := feedParams(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	slug := c.Param("slug")
	if err := s.feeds.Revoke(ctx, slug, kind, key); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "feed revoked", "programme", slug, "kind", kind, "key", key)
	s.staff.manager.Put(ctx, flashKey, "The "+string(kind)+" feed “"+key+"” is revoked: its link answers 404. Make a new link to enable it again.")
	return s.backToFeeds(c, kind, key)
}

// backToFeeds sends the browser back to the feed's row of the list.
func (s *Server) backToFeeds(c echo.Context, kind programme.FeedKind, key string) error {
	to := s.path("/staff/p/"+url.PathEscape(c.Param("slug"))+"/feeds") + "#feed-" + string(kind) + "-" + url.PathEscape(key)
	return c.Redirect(http.StatusSeeOther, to)
}
