package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/planner-dev/planner/internal/programme"
)

func invalidProgramme() error {
	var fe programme.FieldErrors
	fe.Add("sessions[2].slots[1].ends_at", "ends before it starts (09:05 < 09:10)")
	fe.Add("people[0].role", "is not one of the known roles")
	return fe.Err("The programme file has 2 problems")
}

func TestErrorStatuses(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantText   string
	}{
		{"invalid", invalidProgramme(), 422, "The programme file has 2 problems"},
		{"not found", programme.Errorf(programme.ENOTFOUND, "No session %q.", "x"), 404, "No session"},
		{"conflict", programme.Errorf(programme.ECONFLICT, "Someone else changed this session."), 409, "Someone else changed"},
		{"unavailable", programme.Errorf(programme.EUNAVAILABLE, "The database is restarting."), 503, "The database is restarting."},
		{"domain internal", &programme.Error{Code: programme.EINTERNAL, Message: "row scan failed on sessions.kind", Err: errors.New("x")}, 500, msgInternal},
		{"wrapped domain", fmt.Errorf("store: %w", programme.Errorf(programme.ENOTFOUND, "No room.")), 404, "No room."},
		{"plain error", errors.New("pq: syntax error at or near \"FROM\""), 500, msgInternal},
		{"deadline", fmt.Errorf("query: %w", context.DeadlineExceeded), 503, msgUnavailable},
		{"echo 400", echo.NewHTTPError(http.StatusBadRequest, "The date must be YYYY-MM-DD."), 400, "The date must be YYYY-MM-DD."},
		{"echo 503 with cause", echo.ErrServiceUnavailable.WithInternal(errors.New("dial tcp 10.0.0.3")), 503, msgUnavailable},
		{"echo 500 with text", echo.NewHTTPError(http.StatusInternalServerError, "template: x.html:3: bad"), 500, msgInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestServer(t, storeWith())
			s.Echo().GET("/test/err", func(c echo.Context) error { return tt.err })
			res, body := get(t, s.Handler(), "/test/err")
			if res.StatusCode != tt.wantStatus {
				t.Errorf("status %d, want %d", res.StatusCode, tt.wantStatus)
			}
			// A 503 says when to come back; no other status does.
			wantRetry := ""
			if tt.wantStatus == http.StatusServiceUnavailable {
				wantRetry = RetryAfterSeconds
			}
			if got := res.Header.Get("Retry-After"); got != wantRetry {
				t.Errorf("Retry-After %q, want %q", got, wantRetry)
			}
			if !strings.Contains(body, tt.wantText) {
				t.Errorf("body lacks %q:\n%s", tt.wantText, body)
			}
			for _, leak := range []string{"pq:", "10.0.0.3", "template:", "row scan", "deadline exceeded"} {
				if strings.Contains(body, leak) {
					t.Errorf("body leaks %q", leak)
				}
			}
		})
	}
}

func TestErrorFormats(t *testing.T) {
	s, _ := newTestServer(t, storeWith())
	s.Echo().GET("/test/invalid", func(c echo.Context) error { return invalidProgramme() })
	s.Echo().HEAD("/test/invalid", func(c echo.Context) error { return invalidProgramme() })

	t.Run("html lists the fields", func(t *testing.T) {
		res, body := do(t, s.Handler(), http.MethodGet, "/test/invalid", map[string]string{"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("Content-Type %q", ct)
		}
		inOrder(t, body, "<code>sessions[2].slots[1].ends_at</code>: ends before it starts (09:05 &lt; 09:10)",
			"<code>people[0].role</code>: is not one of the known roles")
	})

	t.Run("json", func(t *testing.T) {
		res, body := do(t, s.Handler(), http.MethodGet, "/test/invalid", map[string]string{"Accept": "application/json"})
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type %q", ct)
		}
		var got struct {
			Status  int
			Code    string
			Message string
			Fields  []struct{ Path, Message string }
		}
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatalf("%v in %s", err, body)
		}
		if got.Status != 422 || got.Code != programme.EINVALID || len(got.Fields) != 2 ||
			got.Fields[0].Path != "sessions[2].slots[1].ends_at" {
			t.Errorf("got %+v", got)
		}
	})

	t.Run("plain text", func(t *testing.T) {
		res, body := do(t, s.Handler(), http.MethodGet, "/test/invalid", map[string]string{"Accept": "text/plain"})
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("Content-Type %q", ct)
		}
		want := "422 Unprocessable Entity: The programme file has 2 problems\n" +
			"sessions[2].slots[1].ends_at: ends before it starts (09:05 < 09:10)\n" +
			"people[0].role: is not one of the known roles\n"
		if body != want {
			t.Errorf("body %q, want %q", body, want)
		}
	})

	t.Run("head has no body", func(t *testing.T) {
		res, body := do(t, s.Handler(), http.MethodHead, "/test/invalid", nil)
		if res.StatusCode != 422 || body != "" {
			t.Errorf("got %d %q", res.StatusCode, body)
		}
	})

	t.Run("htmx gets the fragment", func(t *testing.T) {
		_, body := do(t, s.Handler(), http.MethodGet, "/test/invalid", map[string]string{"HX-Request": "true"})
		if strings.Contains(body, "<!doctype html>") || !strings.Contains(body, "people[0].role") {
			t.Errorf("body is not the error fragment:\n%s", body)
		}
	})
}

func TestUnknownRoute(t *testing.T) {
	s, _ := newTestServer(t, storeWith())
	tests := []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/no/such/page", http.StatusNotFound},
		{http.MethodPost, "/healthz", http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		res, body := do(t, s.Handler(), tt.method, tt.path, nil)
		if res.StatusCode != tt.want {
			t.Errorf("%s %s: status %d, want %d", tt.method, tt.path, res.StatusCode, tt.want)
		}
		// Echo's default would answer JSON; ours is the plain page.
		if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || strings.Contains(body, `{"message"`) {
			t.Errorf("%s %s: not the HTML error page: %s", tt.method, tt.path, body)
		}
	}
}

func TestNegotiate(t *testing.T) {
	tests := []struct{ accept, want string }{
		{"", echo.MIMETextHTML},
		{"*/*", echo.MIMETextHTML},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", echo.MIMETextHTML},
		{"application/json", echo.MIMEApplicationJSON},
		{"application/problem+json", echo.MIMEApplicationJSON},
		{"text/html;q=0.5, application/json", echo.MIMEApplicationJSON},
		{"application/json, text/html", echo.MIMEApplicationJSON},
		{"text/plain", echo.MIMETextPlain},
		{"text/calendar", echo.MIMETextHTML},
		{"garbage;;;", echo.MIMETextHTML},
	}
	for _, tt := range tests {
		if got := negotiate(tt.accept); got != tt.want {
			t.Errorf("negotiate(%q) = %q, want %q", tt.accept, got, tt.want)
		}
	}
}
