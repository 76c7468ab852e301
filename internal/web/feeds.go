package web

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strings"
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
// A 304 costs two queries and no rendering: the ETag comes from the token's
// subject, the programme's version and the day.
func (s *Server) handleFeedGet(c echo.Context) error {
	token, ok := strings.CutSuffix(c.Param("file"), ".ics")
	if !ok || s.feeds == nil {
		return errNoFeed
	}
	ctx := c.Request().Context()
	f, err := s.feeds.Lookup(ctx, token)
	if err != nil {
		return hideFeedError(err)
	}
	req, res := c.Request(), c.Response()
	gz := acceptsGzip(req)
	etag := f.ETag
	if gz {
		// Each encoding is its own representation with its own validator.
		etag = strings.TrimSuffix(etag, `"`) + `-gzip"`
	}
	lastModified := feedLastModified(f, s.now())
	h := res.Header()
	h.Set(echo.HeaderCacheControl, feedCacheControl)
	h.Set(echo.HeaderVary, echo.HeaderAcceptEncoding)
	h.Set("ETag", etag)
	h.Set(echo.HeaderLastModified, lastModified.UTC().Format(http.TimeFormat))
	if notModified(req, f.ETag, lastModified) {
		s.recordFetch(c, f)
		return c.NoContent(http.StatusNotModified)
	}
	body, err := s.feeds.Render(ctx, f, token)
	if err != nil {
		return err
	}
	if c.QueryParam("download") != "" {
		h.Set(echo.HeaderContentDisposition, `attachment; filename="agenda.ics"`)
	}
	if gz {
		body = gzipped(body)
		h.Set(echo.HeaderContentEncoding, "gzip")
	}
	s.recordFetch(c, f)
	return c.Blob(http.StatusOK, "text/calendar; charset=utf-8", body)
}

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

// feedLastModified is the later of the programme's last change and the start
// of the current UTC day, the granularity at which old tombstones leave a feed,
// so that If-Modified-Since agrees with the ETag.
func feedLastModified(f *feeds.Feed, now time.Time) time.Time {
	day := now.UTC().Truncate(24 * time.Hour)
	if f.UpdatedAt.After(day) {
		return f.UpdatedAt.Truncate(time.Second)
	}
	return day
}

// notModified applies RFC 9110's conditional rules: If-None-Match wins over
// If-Modified-Since; entity tags compare weakly, and either encoding's tag
// of the current version matches.
func notModified(req *http.Request, etag string, lastModified time.Time) bool {
	if inm := req.Header.Get("If-None-Match"); inm != "" {
		base := strings.Trim(etag, `"`)
		for _, candidate := range strings.Split(inm, ",") {
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

// acceptsGzip reports whether the client takes gzip (and did not refuse it
// with q=0).
func acceptsGzip(req *http.Request) bool {
	for _, part := range strings.Split(req.Header.Get(echo.HeaderAcceptEncoding), ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}

func gzipped(body []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(body)
	zw.Close()
	return buf.Bytes()
}
