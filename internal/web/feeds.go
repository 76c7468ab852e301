package web

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/programme"
)

// feedCacheControl suits calendar clients that poll: no shared cache may keep
// a personal feed, and a client may reuse its copy for five minutes before it
// must revalidate (which costs it a 304 when nothing changed).
const feedCacheControl = "private, max-age=300"

// handleFeedGet serves a calendar feed by token, for GET and HEAD.
//
// The ETag is a hash of the feed's bytes, so that a change elsewhere in the
// programme still answers 304 to a calendar whose feed it did not touch.
// While the feeds service is watched (feeds.Service.Watch), a 304 or a 200
// of an unchanged feed asks the database nothing; the first request after a
// change renders the feed once from the programme loaded once.
func (s *Server) handleFeedGet(c echo.Context) error {
	token, ok := strings.CutSuffix(c.Param("file"), ".ics")
	if !ok || s.feeds == nil {
		return errNoFeed
	}
	ctx := c.Request().Context()
	f, err := s.feeds.Lookup(ctx, token)
	if err != nil {
		// A client that went away is no outage, whatever the driver made
		// of its cancelled query: the database may well have answered that
		// the token is revoked.
		if programme.ErrorCode(err) == programme.EUNAVAILABLE && !clientGone(ctx) {
			if last, ok := s.feeds.LastRendered(token); ok {
				return s.serveLastRendered(c, last, err)
			}
		}
		return hideFeedError(err)
	}
	s.staleFeeds.databaseBack(s.log)
	req := c.Request()
	rep := feedRepresentation{
		etag:             f.ETag,
		gzipETag:         f.GzipETag(),
		lastModified:     f.LastModified,
		lastModifiedText: f.LastModifiedHTTP(),
		gzip:             acceptsGzip(req),
		download:         wantsDownload(req),
	}
	if notModified(req, f.ETag, rep.lastModified) {
		rep.setHeaders(c.Response().Header(), false)
		s.recordFetch(c, f)
		return c.NoContent(http.StatusNotModified)
	}
	if req.Method == http.MethodHead {
		// A HEAD gets the GET's headers without its body. Loading and
		// rendering the programme would be thrown away by net/http, and a
		// response writer that does not drop the body (httptest's, a
		// wrapping middleware's) would send it.
		rep.setHeaders(c.Response().Header(), true)
		if body, ok := s.feeds.Kept(f, token, rep.gzip); ok {
			setContentLength(c.Response().Header(), body)
		}
		return c.NoContent(http.StatusOK)
	}
	// The gzip body, like the plain one, is made once per token and
	// version and then served from memory.
	render := s.feeds.Render
	if rep.gzip {
		render = s.feeds.RenderGzip
	}
	body, err := render(ctx, f, token)
	if err != nil {
		// No validator or freshness is set yet, so that neither a cache
		// nor a calendar keeps the error page as the feed.
		return err
	}
	// A body rendered anew (its cached copy was evicted) may come from a
	// programme changed since the lookup, under its own validators.
	rep.etag, rep.gzipETag = f.ETag, f.GzipETag()
	rep.lastModified, rep.lastModifiedText = f.LastModified, f.LastModifiedHTTP()
	rep.setHeaders(c.Response().Header(), true)
	setContentLength(c.Response().Header(), body)
	s.recordFetch(c, f)
	return writeBody(c, body)
}

// writeBody sends a 200 with body, whose headers (Content-Type included)
// are set already.
func writeBody(c echo.Context, body []byte) error {
	res := c.Response()
	res.WriteHeader(http.StatusOK)
	_, err := res.Write(body)
	return err
}

// wantsDownload reports whether the feed is asked for as a file to save
// (?download=1) rather than a subscription. A request without a query
// string, as calendars send, parses none.
func wantsDownload(req *http.Request) bool {
	return req.URL.RawQuery != "" && req.URL.Query().Get("download") != ""
}

// setContentLength declares the length of a full response, so that clients
// (and HEAD requests) know it up front rather than getting chunks.
func setContentLength(h http.Header, body []byte) {
	h[echo.HeaderContentLength] = []string{strconv.Itoa(len(body))}
}

// serveLastRendered answers while the database is unavailable with the last
// version of the feed this process rendered, rather than an error that
// makes Thunderbird disable the calendar. It is fresh for a minute only, has
// no Last-Modified (nothing says when it last changed), and records no fetch.
func (s *Server) serveLastRendered(c echo.Context, last feeds.Stale, cause error) error {
	req := c.Request()
	s.staleFeeds.served(s.log, cause, c.Response().Header().Get(echo.HeaderXRequestID))
	rep := feedRepresentation{
		etag:     last.ETag,
		gzip:     acceptsGzip(req) && last.Gzip != nil,
		download: wantsDownload(req),
		stale:    true,
	}
	if req.Header.Get("If-None-Match") != "" && notModified(req, last.ETag, time.Time{}) {
		rep.setHeaders(c.Response().Header(), false)
		return c.NoContent(http.StatusNotModified)
	}
	rep.setHeaders(c.Response().Header(), true)
	body := last.Body
	if rep.gzip {
		body = last.Gzip
	}
	setContentLength(c.Response().Header(), body)
	if req.Method == http.MethodHead {
		return c.NoContent(http.StatusOK)
	}
	return writeBody(c, body)
}

// staleFeedLog says once per outage that feeds are served from memory, and
// when the database answers again how many responses were: a line per
// response wrote a hundred megabytes of log in a twenty-second outage.
type staleFeedLog struct {
	// active is read on every successful lookup; mu guards the rest.
	active atomic.Bool
	mu     sync.Mutex
	since  time.Time
	count  int64
}

// served counts one response served from memory, and logs the first of an
// outage.
func (l *staleFeedLog) served(log *slog.Logger, cause error, requestID string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.active.Load() {
		l.since, l.count = time.Now(), 0
		l.active.Store(true)
		log.Warn("the database is unavailable: serving the last rendered feeds until it answers again",
			"err", cause, "request_id", requestID)
	}
	l.count++
}

// databaseBack ends the outage, if one was logged, with the count of
// responses served from memory during it.
func (l *staleFeedLog) databaseBack(log *slog.Logger) {
	if !l.active.Load() {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.active.Load() {
		return
	}
	l.active.Store(false)
	log.Info("the database answers again: the outage is over",
		"stale_feeds_served", l.count, "outage", time.Since(l.since).Round(time.Millisecond))
}

// staleCacheControl lets a calendar keep a feed served during an outage for
// a minute only, so that it asks again soon after the database is back.
const staleCacheControl = "private, max-age=60"

// feedRepresentation is what the headers of a feed response say about it.
type feedRepresentation struct {
	etag         string // of the identity encoding
	gzipETag     string // of the gzip encoding; made from etag when empty
	lastModified time.Time
	// lastModifiedText is lastModified as an HTTP date; made from it when
	// empty.
	lastModifiedText string
	gzip             bool
	download         bool
	// stale marks the last rendered version served during an outage.
	stale bool
}

// setHeaders writes the representation's headers. They are set only on the
// way out of a 200 or 304: an error page must not carry the feed's ETag,
// freshness or Content-Encoding. A 304 gets the validators and caching
// headers but, as RFC 9110 (section 15.4.5) advises, not the content's
// metadata, since it has no content.
func (r feedRepresentation) setHeaders(h http.Header, withContent bool) {
	// The headers are assigned rather than Set: the names are canonical
	// already, and the values that never change are shared slices (see
	// secure for why that is safe).
	etag := r.etag
	if r.gzip {
		// Each encoding is its own representation with its own validator.
		etag = r.gzipETag
		if etag == "" {
			etag = feeds.GzipETag(r.etag)
		}
	}
	h[echo.HeaderCacheControl] = feedCacheControlValue
	h[echo.HeaderVary] = varyAcceptEncoding
	h["Etag"] = []string{etag}
	if r.stale {
		h[echo.HeaderCacheControl] = staleCacheControlValue
	} else {
		lastModified := r.lastModifiedText
		if lastModified == "" {
			lastModified = r.lastModified.UTC().Format(http.TimeFormat)
		}
		h[echo.HeaderLastModified] = []string{lastModified}
	}
	if !withContent {
		return
	}
	h[echo.HeaderContentType] = feedContentTypeValue
	if r.gzip {
		h[echo.HeaderContentEncoding] = gzipValue
	}
	if r.download {
		h[echo.HeaderContentDisposition] = attachmentValue
	}
}

// The values of feed headers that never change, shared by every response.
var (
	feedCacheControlValue  = []string{feedCacheControl}
	staleCacheControlValue = []string{staleCacheControl}
	varyAcceptEncoding     = []string{echo.HeaderAcceptEncoding}
	feedContentTypeValue   = []string{feedContentType}
	gzipValue              = []string{"gzip"}
	attachmentValue        = []string{`attachment; filename="agenda.ics"`}
)

// feedContentType is the media type of every feed.
const feedContentType = "text/calendar; charset=utf-8"

// errNoFeed is what every unknown, revoked or malformed token gets: a 404
// that says nothing about why.
var errNoFeed = programme.Errorf(programme.ENOTFOUND, "There is no such calendar.")

// hideFeedError turns "not found" of any kind into the one plain 404, and
// passes outages on (they become 503s, which calendar clients retry).
func hideFeedError(err error) error {
	if programme.ErrorCode(err) == programme.ENOTFOUND {
		return errNoFeed
	}
	return err
}

// recordFetch notes a GET by a calendar. A HEAD fetches nothing, and a failure
// to record must not cost the calendar its feed: it is logged and forgotten.
func (s *Server) recordFetch(c echo.Context, f *feeds.Feed) {
	if c.Request().Method != http.MethodGet {
		return
	}
	if err := s.feeds.RecordFetch(c.Request().Context(), f); err != nil {
		s.log.Warn("recording a feed fetch failed", "err", err, "request_id", c.Response().Header().Get(echo.HeaderXRequestID))
	}
}

// notModified applies RFC 9110's conditional rules: If-None-Match wins over
// If-Modified-Since; entity tags compare weakly, and either encoding's tag
// of the current version matches.
func notModified(req *http.Request, etag string, lastModified time.Time) bool {
	if inm := req.Header.Get("If-None-Match"); inm != "" {
		base := strings.Trim(etag, `"`)
		for rest, more := inm, true; more; {
			var candidate string
			candidate, rest, more = strings.Cut(rest, ",")
			candidate = strings.TrimPrefix(strings.TrimSpace(candidate), "W/")
			candidate = strings.Trim(candidate, `"`)
			if candidate == "*" || candidate == base || candidate == base+"-gzip" {
				return true
			}
		}
		return false
	}
	if ims := req.Header.Get(echo.HeaderIfModifiedSince); ims != "" {
		t, err := http.ParseTime(ims)
		return err == nil && !lastModified.Truncate(time.Second).After(t)
	}
	return false
}

// acceptsGzip reports whether the client takes gzip: named with a q above
// zero, or covered by "*" when not named (RFC 9110, section 12.5.3). Codings
// and the q parameter are case-insensitive; a q that does not parse counts
// as a refusal, since identity is always safe.
func acceptsGzip(req *http.Request) bool {
	gzipQ, anyQ := -1.0, -1.0
	for rest, more := req.Header.Get(echo.HeaderAcceptEncoding), true; more; {
		var part string
		part, rest, more = strings.Cut(rest, ",")
		coding, params, _ := strings.Cut(part, ";")
		coding = strings.TrimSpace(coding)
		switch {
		case strings.EqualFold(coding, "gzip"), strings.EqualFold(coding, "x-gzip"):
			gzipQ = max(gzipQ, qValue(params))
		case coding == "*":
			anyQ = max(anyQ, qValue(params))
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return anyQ > 0
}

// qValue reads the weight from the parameters of one Accept-Encoding
// element: 1 when absent, 0 when it does not parse.
func qValue(params string) float64 {
	for rest, more := params, true; more; {
		var param string
		param, rest, more = strings.Cut(rest, ";")
		name, value, _ := strings.Cut(param, "=")
		if !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil || q < 0 || q > 1 {
			return 0
		}
		return q
	}
	return 1
}
