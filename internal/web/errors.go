package web

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/planner-dev/planner/internal/programme"
)

// statusOf maps domain error codes to HTTP statuses. It is the only place
// where the two meet; any code not listed (EINTERNAL, unknown) is a 500.
var statusOf = map[string]int{
	programme.EINVALID:     http.StatusUnprocessableEntity,
	programme.ENOTFOUND:    http.StatusNotFound,
	programme.ECONFLICT:    http.StatusConflict,
	programme.EUNAVAILABLE: http.StatusServiceUnavailable,
}

// codeOf gives errors raised by Echo itself (an unknown route, a body too
// large, a request timeout) the domain code a JSON client would expect.
var codeOf = map[int]string{
	http.StatusUnprocessableEntity: programme.EINVALID,
	http.StatusBadRequest:          programme.EINVALID,
	http.StatusNotFound:            programme.ENOTFOUND,
	http.StatusMethodNotAllowed:    programme.ENOTFOUND,
	http.StatusConflict:            programme.ECONFLICT,
	http.StatusServiceUnavailable:  programme.EUNAVAILABLE,
}

// Sentences shown for server-side failures, whose own messages are for logs.
const (
	msgInternal    = "Something went wrong on our side. Please try again later."
	msgUnavailable = "The service is unavailable for a moment. Please try again shortly."
)

// RetryAfterSeconds is the Retry-After of every 503 the server answers: a
// database restart or failover takes a few seconds, and clients that wait
// for the header (API scripts, proxies) come back then rather than at once.
const RetryAfterSeconds = "5"

// problem is an error as the user sees it.
type problem struct {
	Status  int
	Code    string
	Message string
	Fields  []programme.FieldError
}

// problemOf turns any error into what may be shown: a domain error keeps its
// message and field list, an Echo error its client-side message, and anything
// else becomes a generic sentence so that SQL or stack traces never leak.
func problemOf(err error) problem {
	var de *programme.Error
	if errors.As(err, &de) {
		status, ok := statusOf[de.Code]
		if !ok {
			status = http.StatusInternalServerError
		}
		switch {
		case status < http.StatusInternalServerError:
			return problem{Status: status, Code: de.Code, Message: de.Message, Fields: de.Fields}
		case de.Code == programme.EUNAVAILABLE:
			// Its message is written for users ("try again"); its
			// cause, such as a dial error, stays in the log.
			msg := de.Message
			if msg == "" {
				msg = msgUnavailable
			}
			return problem{Status: status, Code: de.Code, Message: msg}
		default:
			return problem{Status: status, Code: programme.EINTERNAL, Message: msgInternal}
		}
	}

	var he *echo.HTTPError
	if errors.As(err, &he) {
		p := problem{Status: he.Code, Code: codeOf[he.Code]}
		if p.Code == "" {
			p.Code = programme.EINVALID
		}
		switch {
		case he.Code >= http.StatusInternalServerError:
			p.Code, p.Message = programme.EINTERNAL, msgInternal
			if he.Code == http.StatusServiceUnavailable {
				p.Code, p.Message = programme.EUNAVAILABLE, msgUnavailable
			}
		case he.Code == http.StatusNotFound:
			p.Message = "There is no page at this address."
		default:
			p.Message = http.StatusText(he.Code) + "."
			if m, ok := he.Message.(string); ok && m != "" && !strings.EqualFold(m, http.StatusText(he.Code)) {
				p.Message = m
			}
		}
		return p
	}

	if errors.Is(err, context.DeadlineExceeded) {
		return problem{Status: http.StatusServiceUnavailable, Code: programme.EUNAVAILABLE, Message: msgUnavailable}
	}
	return problem{Status: http.StatusInternalServerError, Code: programme.EINTERNAL, Message: msgInternal}
}

// errorPage is the page data of error.html.
type errorPage struct {
	page
	Status    int
	Message   string
	Fields    []programme.FieldError
	RequestID string
}

// httpErrorHandler is Echo's central HTTPErrorHandler. It writes a plain HTML page,
// or JSON or plain text when the client asks for them. The cause is logged by
// the request logger, once.
func (s *Server) httpErrorHandler(err error, c echo.Context) {
	res := c.Response()
	if res.Committed {
		return
	}
	p := problemOf(err)
	if p.Status == http.StatusServiceUnavailable {
		res.Header().Set("Retry-After", RetryAfterSeconds)
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(p.Status)
		return
	}
	rid := res.Header().Get(echo.HeaderXRequestID)

	switch negotiate(c.Request().Header.Get(echo.HeaderAccept)) {
	case echo.MIMEApplicationJSON:
		type field struct {
			Path    string `json:"path"`
			Message string `json:"message"`
		}
		body := struct {
			Status    int     `json:"status"`
			Code      string  `json:"code"`
			Message   string  `json:"message"`
			Fields    []field `json:"fields,omitempty"`
			RequestID string  `json:"request_id,omitempty"`
		}{Status: p.Status, Code: p.Code, Message: p.Message, RequestID: rid}
		for _, f := range p.Fields {
			body.Fields = append(body.Fields, field{Path: f.Path, Message: f.Msg})
		}
		_ = c.JSON(p.Status, body)
	case echo.MIMETextPlain:
		var b strings.Builder
		b.WriteString(strconv.Itoa(p.Status) + " " + http.StatusText(p.Status) + ": " + p.Message + "\n")
		for _, f := range p.Fields {
			b.WriteString(f.Error() + "\n")
		}
		_ = c.String(p.Status, b.String())
	default:
		data := errorPage{
			page:      page{Title: http.StatusText(p.Status)},
			Status:    p.Status,
			Message:   p.Message,
			Fields:    p.Fields,
			RequestID: rid,
		}
		if rerr := c.Render(p.Status, "error", data); rerr != nil {
			// The templates are embedded and tested, but an error page
			// must not depend on them: fall back to a fixed one.
			_ = c.HTML(p.Status, "<!doctype html><title>Error</title><p>"+
				strconv.Itoa(p.Status)+" "+http.StatusText(p.Status)+"</p>")
		}
	}
}

// negotiate picks the error format from an Accept header: JSON or plain text
// when the client prefers them, HTML otherwise (browsers, */*, no header).
func negotiate(accept string) string {
	best, bestQ := echo.MIMETextHTML, 0.0
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		var kind string
		switch {
		case mt == "text/html" || mt == "application/xhtml+xml":
			kind = echo.MIMETextHTML
		case mt == "application/json" || strings.HasSuffix(mt, "+json"):
			kind = echo.MIMEApplicationJSON
		case mt == "text/plain":
			kind = echo.MIMETextPlain
		default:
			continue
		}
		// Ties go to the earlier entry, as clients list their favourite first.
		if q > bestQ {
			best, bestQ = kind, q
		}
	}
	return best
}
