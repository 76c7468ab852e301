package calimport

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/planner-dev/planner/internal/programme"
)

func TestFetch(t *testing.T) {
	body := []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/schedule.ics":
			if r.Header.Get("If-None-Match") == `"v1"` {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("ETag", `"v1"`)
			w.Write(body)
		case "/huge.ics":
			w.Write(bytes.Repeat([]byte("x"), MaxBytes+1))
		case "/away":
			http.Redirect(w, r, "ftp://example.org/schedule.ics", http.StatusFound)
		case "/broken":
			http.Error(w, "down", http.StatusBadGateway)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	ctx := t.Context()

	got, err := Fetch(ctx, srv.Client(), srv.URL+"/schedule.ics", "")
	if err != nil || !bytes.Equal(got.Body, body) || got.ETag != `"v1"` || got.NotModified {
		t.Fatalf("first fetch: %+v, %v", got, err)
	}
	got, err = Fetch(ctx, srv.Client(), srv.URL+"/schedule.ics", `"v1"`)
	if err != nil || !got.NotModified || got.Body != nil {
		t.Errorf("fetch with the ETag: %+v, %v; want not modified", got, err)
	}

	tests := []struct {
		url, code, want string
	}{
		{srv.URL + "/missing.ics", programme.EINVALID, "404 Not Found"},
		{srv.URL + "/huge.ics", programme.EINVALID, "larger than"},
		{srv.URL + "/broken", programme.EUNAVAILABLE, "502"},
		{srv.URL + "/away", programme.EUNAVAILABLE, "redirect to a ftp: URL"},
		{"ftp://example.org/schedule.ics", programme.EINVALID, "not http or https"},
		{"file:///etc/passwd", programme.EINVALID, "not http or https"},
		{"https:///schedule.ics", programme.EINVALID, "no host"},
	}
	for _, tt := range tests {
		_, err := Fetch(ctx, srv.Client(), tt.url, "")
		if programme.ErrorCode(err) != tt.code {
			t.Errorf("%s: %v, want %s", tt.url, err, tt.code)
			continue
		}
		msg := err.Error()
		var e *programme.Error
		if errors.As(err, &e) && e.Err != nil {
			msg += " " + e.Err.Error()
		}
		if !strings.Contains(msg, tt.want) {
			t.Errorf("%s: %q does not say %q", tt.url, msg, tt.want)
		}
	}
	if u, err := CheckURL("webcal://example.org/a.ics"); err != nil || u.Scheme != "https" {
		t.Errorf("webcal: %v, %v", u, err)
	}
}
