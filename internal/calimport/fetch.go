package calimport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/planner-dev/planner/internal/programme"
)

// FetchTimeout bounds a whole fetch, body included.
const FetchTimeout = 30 * time.Second

// Fetched is a calendar read from its URL.
type Fetched struct {
	Body []byte
	ETag string
	// NotModified is true when the server answered 304 to the ETag given:
	// the calendar did not change and Body is empty.
	NotModified bool
}

// Fetch reads a calendar from an http or https URL, conditionally when etag
// is set, with a timeout and at most MaxBytes. A URL of another scheme, a
// calendar too large and an answer other than 2xx or 304 are errors that
// say which. client nil means a client of its own with FetchTimeout.
func Fetch(ctx context.Context, client *http.Client, rawURL, etag string) (Fetched, error) {
	u, err := CheckURL(rawURL)
	if err != nil {
		return Fetched{}, err
	}
	if client == nil {
		client = &http.Client{Timeout: FetchTimeout}
	}
	// Redirects must stay on http and https too.
	c := *client
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("more than 5 redirects")
		}
		if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
			return fmt.Errorf("a redirect to a %s: URL", req.URL.Scheme)
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, FetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return Fetched{}, programme.Errorf(programme.EINVALID, "the calendar URL %q cannot be fetched: %v", rawURL, err)
	}
	req.Header.Set("Accept", "text/calendar, */*;q=0.5")
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := c.Do(req)
	if err != nil {
		return Fetched{}, &programme.Error{Code: programme.EUNAVAILABLE, Message: fmt.Sprintf("cannot fetch the calendar at %s", u.Redacted()), Err: err}
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return Fetched{NotModified: true, ETag: etag}, nil
	case resp.StatusCode >= 400 && resp.StatusCode < 500:
		return Fetched{}, programme.Errorf(programme.EINVALID, "the calendar at %s: the server answered %s", u.Redacted(), resp.Status)
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return Fetched{}, programme.Errorf(programme.EUNAVAILABLE, "the calendar at %s: the server answered %s; try again later", u.Redacted(), resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBytes+1))
	if err != nil {
		return Fetched{}, &programme.Error{Code: programme.EUNAVAILABLE, Message: fmt.Sprintf("cannot read the calendar at %s", u.Redacted()), Err: err}
	}
	if len(body) > MaxBytes {
		return Fetched{}, programme.Errorf(programme.EINVALID, "the calendar at %s is larger than %d bytes", u.Redacted(), MaxBytes)
	}
	return Fetched{Body: body, ETag: resp.Header.Get("ETag")}, nil
}

// CheckURL accepts an absolute http or https URL with a host, and refuses
// any other, saying why.
func CheckURL(rawURL string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return nil, programme.Errorf(programme.EINVALID, "the calendar URL %q is not a URL: %v", rawURL, err)
	}
	if u.Scheme == "webcal" || u.Scheme == "webcals" {
		// webcal:// is how sites link a calendar to subscribe to: it is
		// plain http(s) underneath.
		u.Scheme = map[string]string{"webcal": "https", "webcals": "https"}[u.Scheme]
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, programme.Errorf(programme.EINVALID, "the calendar URL %q is not http or https", rawURL)
	}
	if u.Host == "" {
		return nil, programme.Errorf(programme.EINVALID, "the calendar URL %q has no host", rawURL)
	}
	return u, nil
}
