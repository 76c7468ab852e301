package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/planner-dev/planner/internal/demo"
	"github.com/planner-dev/planner/internal/programme"
)

// TestHeadIsAnsweredWhereverGetIs sends every GET route a GET and then a HEAD
// over real HTTP: the HEAD must get the GET's status and headers, and no body.
func TestHeadIsAnsweredWhereverGetIs(t *testing.T) {
	env := newDemoEnv(t)
	omar := env.token(programme.FeedPerson, "omar-ansari")
	ts := httptest.NewServer(env.srv.Handler())
	defer ts.Close()
	// One real path per route; a new GET route without one fails the test.
	paths := map[string]string{
		"/healthz":         "/healthz",
		"/":                "/",
		"/p/:slug":         "/p/" + demo.Slug,
		"/static/:name":    "/static/app.css",
		"/feeds/:file":     "/feeds/" + omar + ".ics",
		"/a/:token":        "/a/" + omar,
		"/a/:token/qr.png": "/a/" + omar + "/qr.png",
	}
	heads := map[string]bool{}
	for _, r := range env.srv.Echo().Routes() {
		if r.Method == http.MethodHead {
			heads[r.Path] = true
		}
	}
	for _, r := range env.srv.Echo().Routes() {
		if r.Method != http.MethodGet {
			continue
		}
		t.Run(r.Path, func(t *testing.T) {
			if !heads[r.Path] {
				t.Errorf("GET %s has no HEAD route", r.Path)
			}
			path, ok := paths[r.Path]
			if !ok {
				t.Fatalf("no example path for the GET route %s: add one", r.Path)
			}
			get := send(t, http.MethodGet, ts.URL+path)
			head := send(t, http.MethodHead, ts.URL+path)
			if get.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d, want 200", path, get.StatusCode)
			}
			if head.StatusCode != get.StatusCode {
				t.Errorf("HEAD answers %d, GET %d", head.StatusCode, get.StatusCode)
			}
			for _, h := range []string{"Content-Type", "Cache-Control", "ETag", "Last-Modified", "Content-Encoding", "X-Content-Type-Options"} {
				if head.Header.Get(h) != get.Header.Get(h) {
					t.Errorf("%s: HEAD %q, GET %q", h, head.Header.Get(h), get.Header.Get(h))
				}
			}
			if head.ContentLength != get.ContentLength {
				t.Errorf("Content-Length: HEAD %d, GET %d", head.ContentLength, get.ContentLength)
			}
			if head.body != "" {
				t.Errorf("HEAD has a body of %d bytes", len(head.body))
			}
		})
	}
}

type sent struct {
	*http.Response
	body string
}

// send makes one request without compression, so that headers are as sent.
func send(t *testing.T, method, url string) sent {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return sent{res, string(body)}
}
