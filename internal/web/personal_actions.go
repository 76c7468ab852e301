package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/planner-dev/planner/internal/exchange"
	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/programme"
)

// A delegate acts on their runs from their personal agenda page, by its
// secret link alone: vote in a run's poll, stay behind and take it back.
// Each action is a change to the run through the one write path, by the
// delegate (source "delegate"), so that the change log, SEQUENCE and the
// feeds follow as for any staff edit.

// transportView is the part of a person's agenda page about their runs
// (templates/_logistics.html).
type transportView struct {
	Runs []delegateRunView
	// Saved says what the last action saved, from the redirect after it.
	Saved string
}

// delegateRunView is one run the person rides, with their forms.
type delegateRunView struct {
	ID, Key, Title, When, Route string
	Cancelled                   bool
	// Left is true once the run departed: nothing can change any more.
	Left bool
	// Action is the address the run's forms post to, without the verb.
	Action string
	// StayingBehind is true while the person stays behind. Their note
	// is for staff only (see programme.StayingBehind) and is not shown
	// again, not even to them: the page may be open on a shared screen.
	StayingBehind bool
	Poll          *delegatePollView
}

// delegatePollView is a run's poll as one rider sees it.
type delegatePollView struct {
	Question string
	Options  []pollChoice
	Open     bool
	Closes   string // "15:00 on Mon 5 Dec", empty without a closing time
	Decided  string
	MyVote   string
}

type pollChoice struct {
	Value  string
	Chosen bool
}

// savedMessages are the sentences the page shows after an action, by the
// saved parameter of the redirect.
var savedMessages = map[string]string{
	"vote":   "Your vote is saved. You can change it until the poll closes.",
	"stay":   "Staff now know you will make your own way. You can take it back until departure.",
	"unstay": "You are back on the run.",
}

// transportOf lists the runs the subject of a person's agenda rides, with
// their polls and whether they stay behind. Other feeds have none.
func (s *Server) transportOf(a *feeds.Page, token, saved string) *transportView {
	if a.Subject.Kind != programme.FeedPerson {
		return nil
	}
	p, person := a.Programme, a.Subject.Key
	out := &transportView{Saved: savedMessages[saved]}
	for i := range p.Transport {
		r := &p.Transport[i]
		if !p.Rides(r, person) {
			continue
		}
		loc := p.Loc(r.TimeZone)
		v := delegateRunView{
			ID: "transport-" + r.Key, Key: r.Key, Title: r.Title,
			When:      r.DepartsAt.In(loc).Format("Mon 2 Jan, 15:04 MST"),
			Route:     p.Route(r.From, r.To),
			Cancelled: r.Status == programme.StatusCancelled,
			Left:      !a.Now.Before(r.DepartsAt),
			Action:    s.path("/a/" + token + "/runs/" + url.PathEscape(r.Key)),
		}
		_, v.StayingBehind = r.StaysBehind(person)
		if r.Poll != nil {
			pv := &delegatePollView{Question: r.Poll.Question, Open: r.PollOpen(a.Now), Decided: r.Poll.Decided, MyVote: r.VoteOf(person)}
			if r.Poll.ClosesAt != nil {
				pv.Closes = r.Poll.ClosesAt.In(loc).Format("15:04 on Mon 2 Jan")
			}
			for _, o := range r.Poll.Options {
				pv.Options = append(pv.Options, pollChoice{Value: o, Chosen: o == pv.MyVote})
			}
			v.Poll = pv
		}
		out.Runs = append(out.Runs, v)
	}
	if len(out.Runs) == 0 {
		return nil
	}
	return out
}

// handleDelegateVote records the delegate's vote in a run's poll.
func (s *Server) handleDelegateVote(c echo.Context) error {
	return s.delegateAction(c, "vote", func(p *programme.Programme, person string, f url.Values, now time.Time) (*programme.Run, string, error) {
		r, err := p.CastVote(c.Param("key"), person, strings.TrimSpace(f.Get("option")), now)
		if err != nil {
			return nil, "", err
		}
		return r, "voted " + r.VoteOf(person) + " in the poll of " + r.Title, nil
	})
}

// handleDelegateStay records that the delegate stays behind, with a note.
func (s *Server) handleDelegateStay(c echo.Context) error {
	return s.delegateAction(c, "stay", func(p *programme.Programme, person string, f url.Values, now time.Time) (*programme.Run, string, error) {
		note := strings.TrimSpace(f.Get("note"))
		if len(note) > 500 {
			return nil, "", programme.Errorf(programme.EINVALID, "The note is %d characters long; keep it under 500.", len(note))
		}
		r, err := p.StayBehind(c.Param("key"), person, note, now)
		if err != nil {
			return nil, "", err
		}
		return r, "stays behind: " + r.Title, nil
	})
}

// handleDelegateUnstay takes the delegate back onto the run.
func (s *Server) handleDelegateUnstay(c echo.Context) error {
	return s.delegateAction(c, "unstay", func(p *programme.Programme, person string, _ url.Values, now time.Time) (*programme.Run, string, error) {
		r, err := p.RideAgain(c.Param("key"), person, now)
		if err != nil {
			return nil, "", err
		}
		return r, "rides again: " + r.Title, nil
	})
}

// staleRetries is how often a delegate's action is worked out again when
// someone else changed the run in between (another rider voting at the
// same moment): the change is remade on the newer run, so that no vote
// overwrites another.
const staleRetries = 5

// delegateAction checks where the request comes from and whose link it is,
// applies the action to the stored programme and saves the run, then
// sends the browser back to the agenda page.
func (s *Server) delegateAction(c echo.Context, saved string,
	apply func(p *programme.Programme, person string, f url.Values, now time.Time) (*programme.Run, string, error)) error {
	if s.feeds == nil || s.changes == nil {
		return errNoFeed
	}
	if err := s.checkSameOrigin(c.Request()); err != nil {
		return err
	}
	token := c.Param("token")
	ctx := c.Request().Context()
	f, err := s.feeds.Lookup(ctx, token)
	if err != nil {
		return hideFeedError(err)
	}
	if programme.FeedKind(f.Token.Kind) != programme.FeedPerson {
		return echo.NewHTTPError(http.StatusForbidden, "Only a person's own agenda link can do this.")
	}
	values, err := c.FormParams()
	if err != nil {
		return programme.Errorf(programme.EINVALID, "The form could not be read.")
	}
	slug, key := f.Token.Programme, c.Param("key")
	ref := programme.ItemRef{Kind: programme.KindRun, Key: key}
	for attempt := 0; ; attempt++ {
		p, err := s.store.Programme(ctx, slug)
		if err != nil {
			return err
		}
		person := p.Person(f.Token.Key)
		if person == nil {
			return errNoFeed
		}
		run, summary, err := apply(p, person.Key, values, s.now())
		if err != nil {
			return err
		}
		batch := p.Header()
		batch.Transport = []programme.Run{*run}
		_, err = s.changes.Change(ctx, slug, programme.ChangeRequest{
			Batch:   batch,
			Expect:  map[programme.ItemRef]string{ref: exchange.Revision(p, ref)},
			Author:  programme.Author{Name: person.Name},
			Source:  programme.SourceDelegate,
			Summary: person.Name + " " + summary,
		})
		var stale *programme.Stale
		if errors.As(err, &stale) && attempt < staleRetries {
			continue
		}
		if err != nil {
			return err
		}
		break
	}
	return c.Redirect(http.StatusSeeOther, s.path("/a/"+token+"?saved="+saved+"#transport-"+url.PathEscape(key)))
}

// checkSameOrigin refuses a request another site made a browser send. A
// personal link has no session cookie and no CSRF token to check: the
// token in the address is the only credential, and a page elsewhere that
// knows it could make a visitor's browser post to it. Browsers say where a
// request comes from: Origin must be this server's own (the base URL's
// scheme, host and port), and without Origin, Sec-Fetch-Site must not say
// another site. A request with neither header is let through: every
// browser in use sends Origin with a cross-site POST, so such a request
// comes from a program holding the link, which could send any header it
// liked anyway.
func (s *Server) checkSameOrigin(r *http.Request) error {
	refuse := echo.NewHTTPError(http.StatusForbidden, "This form must be sent from its own page: a request from another site is refused.")
	origin := r.Header.Get("Origin")
	if origin == "null" {
		// Pages here are served with Referrer-Policy: no-referrer, under
		// which Chromium sends Origin: null even with a page's own POST;
		// Sec-Fetch-Site, which the policy leaves alone, tells that post
		// ("same-origin") from a sandboxed or another site's page
		// ("cross-site"). Without it there is no telling: refused.
		if r.Header.Get("Sec-Fetch-Site") != "same-origin" {
			return refuse
		}
		return nil
	}
	if origin != "" {
		if origin != s.origin() {
			return refuse
		}
		return nil
	}
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
		return nil
	}
	return refuse
}

// origin is the scheme, host and port of the base URL, as browsers write
// the Origin header.
func (s *Server) origin() string {
	u, err := url.Parse(s.baseURL)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host)
}
