package web

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/planner-dev/planner/internal/programme"
)

func TestHealth(t *testing.T) {
	tests := []struct {
		name       string
		pingErr    error
		wantStatus int
		wantBody   string
	}{
		{"database answers", nil, http.StatusOK, "ok"},
		{"database down", errors.New("dial tcp 10.0.0.3:5432: connect: connection refused"), http.StatusServiceUnavailable, "unavailable"},
		{"database restarting", programme.Errorf(programme.EUNAVAILABLE, "restarting"), http.StatusServiceUnavailable, "unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := storeWith()
			st.pingErr = tt.pingErr
			s, logs := newTestServer(t, st)

			// Probes send all sorts of Accept headers; the body stays plain.
			res, body := do(t, s.Handler(), http.MethodGet, "/healthz", map[string]string{"Accept": "text/html"})
			if res.StatusCode != tt.wantStatus || body != tt.wantBody {
				t.Fatalf("got %d %q, want %d %q", res.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
			wantRetry := ""
			if tt.wantStatus == http.StatusServiceUnavailable {
				wantRetry = RetryAfterSeconds
			}
			if got := res.Header.Get("Retry-After"); got != wantRetry {
				t.Errorf("Retry-After %q, want %q", got, wantRetry)
			}
			if got := res.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", got)
			}
			st.mu.Lock()
			hadDeadline := st.pingDeadline
			st.mu.Unlock()
			if !hadDeadline {
				t.Error("Ping ran without a deadline")
			}
			// The cause of a failed probe is in the log, not in the body.
			if tt.pingErr != nil {
				recs := logs.requests(t)
				if len(recs) != 1 || recs[0]["level"] != "ERROR" || recs[0]["error"] != tt.pingErr.Error() {
					t.Errorf("log records %v, want one ERROR with the ping error", recs)
				}
				if strings.Contains(body, "10.0.0.3") {
					t.Error("body leaks the ping error")
				}
			}
		})
	}
}
