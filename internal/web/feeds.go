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
// of an unchanged feed asks the database nothing, and is answered ahead of
// Echo (serveFeedFromMemory); what reaches this handler is the rest: an
// unknown or revoked token, a feed to render after a change, an outage.
// The first request after a change renders the feed once from the programme
// loaded once.
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
	gzip := acceptsGzip(req)
	fresh := notModified(req, f.ETag, f.LastModified)
	var body []byte
	switch {
	case fresh:
	case req.Method == http.MethodHead:
		// A HEAD gets the GET's headers without its body. Loading and
		// rendering the programme would be thrown away by net/http, and a
		// response writer that does not drop the body (httptest's, a
		// wrapping middleware's) would send it. Its length is told when
		// the body is kept.
		body, _ = s.feeds.Kept(f, token, gzip)
	default:
		// The gzip body, like the plain one, is made once per token and
		// version and then served from memory. A body rendered anew (its
		// cached copy was evicted) may come from a programme changed since
		// the lookup: Render leaves f with that body's validators.
		render := s.feeds.Render
		if gzip {
			render = s.feeds.RenderGzip
		}
		if body, err = render(ctx, f, token); err != nil {
			// No validator or freshness is set yet, so that neither a
			// cache nor a calendar keeps the error page as the feed.
			return err
		}
	}
	_, err = s.writeFeed(c.Response(), req, f, gzip, fresh, body)
	return err
}

// serveFeedFromMemory answers, ahead of Echo's router and middleware, a
// request for a feed that memory answers alone (feeds.LookupInMemory): a
// 304, a HEAD, or a 200 whose body is kept. Nearly every request of a
// calendar is one of them, and the chain around handleFeedGet cost as much
// as the answer (a context with a timer, six middleware, the router). It
// does for such a request what that chain does: a request ID, the security
// headers (on a 200: a 304 has no content for them to guard, and leaves
// those of the stored 200 in place), the request's log line; no query
// runs, so no timeout is needed. It has no panic recovery of its own: it
// calls nothing that could panic on input, and net/http would log one and
// close the connection.
// It returns false, having written nothing, for any other request, which
// then takes the usual way.
func (s *Server) serveFeedFromMemory(w http.ResponseWriter, req *http.Request) bool {
	if s.feeds == nil || (req.Method != http.MethodGet && req.Method != http.MethodHead) {
		return false
	}
	file, ok := strings.CutPrefix(req.URL.Path, "/feeds/")
	if !ok {
		return false
	}
	token, ok := strings.CutSuffix(file, ".ics")
	if !ok {
		return false
	}
	// On the stack: nothing keeps f past the request.
	var feed feeds.Feed
	f := &feed
	if !s.feeds.LookupInMemory(token, f) {
		return false
	}
	gzip := acceptsGzip(req)
	fresh := notModified(req, f.ETag, f.LastModified)
	var body []byte
	if !fresh {
		body, ok = s.feeds.Kept(f, token, gzip)
		if !ok && req.Method == http.MethodGet {
			return false // to render
		}
	}
	// The start is taken only for a log line: on a busy server, whose
	// logger takes warnings only, no request of a calendar has one.
	var start time.Time
	logged := s.log.Enabled(req.Context(), slog.LevelInfo) || s.log.Enabled(req.Context(), slog.LevelDebug)
	if logged {
		start = time.Now()
	}
	h := w.Header()
	setRequestID(req, h)
	if !fresh {
		setSecureHeaders(h)
	}
	s.staleFeeds.databaseBack(s.log)
	status, err := s.writeFeed(w, req, f, gzip, fresh, body)
	level := slog.LevelInfo
	if err != nil && clientGone(req.Context()) {
		// As the request logger does for the other routes.
		s.clientsGone.Add(1)
		status, level, err = StatusClientClosedRequest, slog.LevelDebug, nil
	}
	if logged {
		s.logRequest(req, h, level, status, start, err, nil)
	}
	return true
}

// writeFeed answers req with f: a 304 when the request's validators match
// (fresh), or else a 200 with body (nil for a HEAD whose body is unknown:
// its length is then not told). It records a calendar's fetch of the feed.
func (s *Server) writeFeed(w http.ResponseWriter, req *http.Request, f *feeds.Feed, gzip, fresh bool, body []byte) (status int, err error) {
	rep := feedRepresentation{
		etag:             f.ETag,
		etagValue:        f.ETagValue(gzip),
		gzipETag:         f.GzipETag(),
		lastModified:     f.LastModified,
		lastModifiedText: f.LastModifiedHTTP(),
		gzip:             gzip,
		download:         wantsDownload(req),
	}
	h := w.Header()
	if fresh {
		rep.setHeaders(h, false)
		s.recordFetch(req, h, f)
		w.WriteHeader(http.StatusNotModified)
		return http.StatusNotModified, nil
	}
	rep.setHeaders(h, true)
	if body != nil {
		setContentLength(h, body)
	}
	if req.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return http.StatusOK, nil
	}
	s.recordFetch(req, h, f)
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(body)
	return http.StatusOK, err
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
	etag string // of the identity encoding
	// etagValue, when not nil, is the ETag header's value for the
	// encoding sent, shared by every response of the body (see
	// feeds.Feed.ETagValue): etag, or gzipETag for gzip.
	etagValue    []string
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
// freshness or Content-Encoding. A 304 gets what RFC 9110 (section 15.4.5)
// asks of it, the ETag and the caching headers (Cache-Control, Vary), and,
// as it advises, no other metadata: not the content's, since it has none,
// nor Last-Modified, since the ETag is there. A cache or calendar that
// gets a 304 keeps the headers of the 200 it stored, updated by those of
// the 304.
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
	if r.etagValue != nil {
		h["Etag"] = r.etagValue
	} else {
		h["Etag"] = []string{etag}
	}
	if r.stale {
		h[echo.HeaderCacheControl] = staleCacheControlValue
	}
	if !withContent {
		return
	}
	if !r.stale {
		lastModified := r.lastModifiedText
		if lastModified == "" {
			lastModified = r.lastModified.UTC().Format(http.TimeFormat)
		}
		h[echo.HeaderLastModified] = []string{lastModified}
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
// While Watch runs (as it does in serve, and as memory answers only then),
// a fetch is noted in memory and written in batches: no query.
func (s *Server) recordFetch(req *http.Request, h http.Header, f *feeds.Feed) {
	if req.Method != http.MethodGet {
		return
	}
	if err := s.feeds.RecordFetch(req.Context(), f); err != nil {
		s.log.Warn("recording a feed fetch failed", "err", err, "request_id", h.Get(echo.HeaderXRequestID))
	}
}

// notModified applies RFC 9110's conditional rules: If-None-Match wins over
// If-Modified-Since; entity tags compare weakly, and either encoding's tag
// of the current version matches.
func notModified(req *http.Request, etag string, lastModified time.Time) bool {
	if inm := headerValue(req.Header, "If-None-Match"); inm != "" {
		base := unquote(etag)
		for rest, more := inm, true; more; {
			var candidate string
			candidate, rest, more = strings.Cut(rest, ",")
			candidate = unquote(strings.TrimPrefix(strings.TrimSpace(candidate), "W/"))
			plain, gzip := strings.CutSuffix(candidate, "-gzip")
			if candidate == "*" || candidate == base || (gzip && plain == base) {
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

// headerValue is h.Get(key) for a key in canonical form, as net/http
// leaves every key of a request it read: it skips the canonicalization,
// which for a key canonical already finds nothing to change.
func headerValue(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// unquote returns an entity tag's opaque part, without its double quotes;
// a tag a client sent unquoted is taken as it is.
func unquote(tag string) string {
	if len(tag) >= 2 && tag[0] == '"' && tag[len(tag)-1] == '"' {
		return tag[1 : len(tag)-1]
	}
	return tag
}

// acceptsGzip reports whether the client takes gzip: named with a q above
// zero, or covered by "*" when not named (RFC 9110, section 12.5.3). Codings
// and the q parameter are case-insensitive; a q that does not parse counts
// as a refusal, since identity is always safe.
func acceptsGzip(req *http.Request) bool {
	gzipQ, anyQ := -1.0, -1.0
	for rest, more := headerValue(req.Header, echo.HeaderAcceptEncoding), true; more; {
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
