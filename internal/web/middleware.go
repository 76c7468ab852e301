package web

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
)

// secureHeaders are sent with every response, errors included. Tokens travel
// in feed URLs, so no Referer may carry them to another site. The values are
// made once: a calendar feed polled thousands of times a second paid more
// for setting these headers one by one than for finding its body.
var secureHeaders = []struct {
	name  string
	value []string
}{
	{echo.HeaderXContentTypeOptions, []string{"nosniff"}},
	{echo.HeaderXFrameOptions, []string{"DENY"}},
	{echo.HeaderContentSecurityPolicy, []string{"default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"}},
	{echo.HeaderReferrerPolicy, []string{"no-referrer"}},
}

// secure sets secureHeaders on every response that has content, but for a
// header the handler set itself: it adds them as the status is written, unless it is a 304, whose cache or client
// keeps those of the 200 it stored (RFC 9110, section 15.4.5, asks a 304 to
// carry only what would update that 200). The value slices are shared by
// every response: net/http copies them when it writes the header, a Set
// replaces them and an Add appends to a full slice, which copies it.
func secure() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			res := c.Response()
			res.Before(func() {
				if res.Status != http.StatusNotModified {
					setSecureHeaders(res.Header())
				}
			})
			return next(c)
		}
	}
}

// setSecureHeaders sets those of secureHeaders that the handler did not
// set itself.
func setSecureHeaders(h http.Header) {
	for _, sh := range secureHeaders {
		if _, set := h[sh.name]; !set {
			h[sh.name] = sh.value
		}
	}
}

// errorKey is where a handler that writes its own response (as /healthz does)
// leaves the error behind it, so that the request log still records the cause.
const errorKey = "web.error"

// requestID gives every request an ID, echoed in X-Request-Id and logged, so
// that a user quoting it from an error page leads to the log line. An ID sent
// by a proxy is kept when it is short and plain, so that logs cannot be
// flooded or garbled through the header.
func requestID() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			setRequestID(c.Request(), c.Response().Header())
			return next(c)
		}
	}
}

// setRequestID sets the request's ID on the response.
func setRequestID(req *http.Request, h http.Header) {
	id := headerValue(req.Header, echo.HeaderXRequestID)
	if !plainID(id) {
		h[echo.HeaderXRequestID] = newRequestIDValue()
		return
	}
	h[echo.HeaderXRequestID] = []string{id}
}

// requestIDPrefix and requestCount make request IDs unique without reading
// the system's random source on every request: a random prefix per process
// (so that IDs of two runs of the server do not collide in one log), then a
// counter. An ID is no secret: it only finds a log line.
var (
	requestIDPrefix = rand.Text()[:12]
	requestCount    atomic.Uint64
)

// requestIDChunk is how many request IDs newRequestIDValue makes at once.
const requestIDChunk = 256

// requestIDs holds the IDs made ahead (see newRequestIDValue).
var requestIDs atomic.Pointer[requestIDBatch]

// requestIDBatch is requestIDChunk IDs made together: one string holding
// them all, cut into one-element slices of one array. taken counts those
// handed out.
type requestIDBatch struct {
	values [requestIDChunk]string
	taken  atomic.Int64
}

// newRequestIDValue returns an ID no other request of this process had,
// as the value of a header: a one-element slice, full to its capacity, so
// that an append copies it. IDs are made requestIDChunk at a time, two
// allocations for them all rather than two per request; the numbers of a
// batch are reserved at once, so they stay unique, though two batches
// made at the same moment leave a gap of unused numbers.
func newRequestIDValue() []string {
	for {
		batch := requestIDs.Load()
		if batch != nil {
			if i := batch.taken.Add(1) - 1; i < requestIDChunk {
				return batch.values[i : i+1 : i+1]
			}
		}
		requestIDs.CompareAndSwap(batch, newRequestIDBatch())
	}
}

// newRequestIDBatch makes the next requestIDChunk IDs: the random prefix
// of the process, a dash, and a number in base 36 from the count of IDs.
func newRequestIDBatch() *requestIDBatch {
	last := requestCount.Add(requestIDChunk)
	var ends [requestIDChunk]int
	// A Builder's string shares its bytes: one allocation for all IDs.
	var sb strings.Builder
	sb.Grow(requestIDChunk * (len(requestIDPrefix) + 1 + 6))
	var num [13]byte
	for i := range uint64(requestIDChunk) {
		sb.WriteString(requestIDPrefix)
		sb.WriteByte('-')
		sb.Write(strconv.AppendUint(num[:0], last-requestIDChunk+1+i, 36))
		ends[i] = sb.Len()
	}
	all := sb.String()
	batch := &requestIDBatch{}
	start := 0
	for i, end := range ends {
		batch.values[i] = all[start:end]
		start = end
	}
	return batch
}

func plainID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// secretPrefixes are paths whose remainder is a secret token (calendar feeds
// and personal agenda links). Logs show only the prefix and an ellipsis.
var secretPrefixes = []string{"/feeds/", "/a/"}

// redactPath returns the path as it may be logged, and the secret part of it
// (empty when there is none) so that error messages can be scrubbed too.
func redactPath(r *http.Request) (logged string, secrets []string) {
	path := r.URL.Path
	for _, prefix := range secretPrefixes {
		if !strings.HasPrefix(path, prefix) {
			continue
		}
		for _, rest := range []string{strings.TrimPrefix(path, prefix), strings.TrimPrefix(r.URL.EscapedPath(), prefix)} {
			secrets = append(secrets, rest)
			// A handler may quote one segment, such as the token without
			// its ".ics". Short segments are not tokens, and scrubbing
			// them would mangle ordinary words in the message.
			for _, seg := range strings.Split(rest, "/") {
				if len(seg) >= minSecretLen {
					secrets = append(secrets, seg, strings.TrimSuffix(seg, ".ics"))
				}
			}
		}
		return prefix + "…", secrets
	}
	return path, nil
}

// minSecretLen is the shortest path segment treated as a token when scrubbing
// error messages; real tokens are 26 characters or more.
const minSecretLen = 8

func scrub(s string, secrets []string) string {
	for _, secret := range secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "…")
		}
	}
	return s
}

// requestLogger logs one line per request: method, path (redacted for secret
// URLs), status, duration and request ID, plus the error behind a failure.
// Never the query string, which may hold tokens too. It hands errors to the
// central error handler itself, so that the status it logs is the one sent.
func (s *Server) requestLogger() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			// The connection's own context: the handler's is a child of it
			// with a deadline, cancelled once the handler returns.
			conn := c.Request().Context()
			err := next(c)
			// A handler that wrote its own error response left the cause
			// behind (as /healthz does).
			cause := err
			if cause == nil {
				cause, _ = c.Get(errorKey).(error)
			}
			var p *panicError
			panicked := errors.As(cause, &p)
			// Nobody reads the answer (or, half-closed, nobody waits for
			// it any more): a query cut off by the cancellation is neither
			// a bug nor an outage, whatever its error says. A panic is a
			// bug all the same.
			gone := cause != nil && !panicked && clientGone(conn)
			switch {
			case gone:
				s.clientsGone.Add(1)
				if !c.Response().Committed {
					c.Response().WriteHeader(StatusClientClosedRequest)
				}
			case err != nil:
				c.Error(err)
			}
			req, res := c.Request(), c.Response()
			status := res.Status
			if gone {
				// Logged as nginx does, whatever a handler sent.
				status = StatusClientClosedRequest
			}
			level := slog.LevelInfo
			switch {
			case gone:
				level = slog.LevelDebug
			case status >= http.StatusInternalServerError:
				level = slog.LevelError
			}
			var stack []byte
			if panicked {
				stack = p.stack
			}
			s.logRequest(req, res.Header(), level, status, start, cause, stack)
			return nil
		}
	}
}

// logRequest writes the line of one request at level, when the logger takes
// that level: nothing of it is worked out otherwise, as on a busy server.
func (s *Server) logRequest(req *http.Request, h http.Header, level slog.Level, status int, start time.Time, cause error, stack []byte) {
	if !s.log.Enabled(req.Context(), level) {
		return
	}
	path, secrets := redactPath(req)
	attrs := []slog.Attr{
		slog.String("method", req.Method),
		slog.String("path", path),
		slog.Int("status", status),
		slog.Duration("duration", time.Since(start)),
		slog.String("request_id", h.Get(echo.HeaderXRequestID)),
	}
	if cause != nil {
		attrs = append(attrs, slog.String("error", scrub(cause.Error(), secrets)))
		if stack != nil {
			attrs = append(attrs, slog.String("stack", string(stack)))
		}
	}
	s.log.LogAttrs(req.Context(), level, "request", attrs...)
}

// StatusClientClosedRequest is the status logged (and sent, should anyone
// still read) for a request whose client went away before the answer: nginx's
// 499, not a standard status.
const StatusClientClosedRequest = 499

// clientGone reports whether ctx, a request's, was cancelled because its
// client closed the connection (or half-closed it) rather than by a deadline.
func clientGone(ctx context.Context) bool { return errors.Is(ctx.Err(), context.Canceled) }

// panicError is a recovered panic. The request logger logs it once with its
// stack; the error handler shows the user a plain 500 page.
type panicError struct {
	value any
	stack []byte
}

func (p *panicError) Error() string { return fmt.Sprintf("panic: %v", p.value) }

// recoverPanics turns a panic in a handler into a panicError, so that one bad
// request costs a 500 rather than the process.
func recoverPanics() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) (err error) {
			defer func() {
				r := recover()
				if r == nil {
					return
				}
				// net/http uses this panic on purpose to abort a response.
				if r == http.ErrAbortHandler {
					panic(r)
				}
				err = &panicError{value: r, stack: debug.Stack()}
			}()
			return next(c)
		}
	}
}
