package web

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestAPIIsMountedWithItsOwnBodyLimit: Config.API answers every path under
// /api/v1, whatever the method, and gets bodies over the pages' 2 MiB limit
// (a programme file may be up to 8 MiB; the API enforces its own limits).
func TestAPIIsMountedWithItsOwnBodyLimit(t *testing.T) {
	var got []string
	var size int
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		size = len(b)
		got = append(got, r.Method+" "+r.URL.Path)
		w.WriteHeader(http.StatusTeapot)
	})
	s := New(Config{API: api}, &fakeStore{})
	body := bytes.Repeat([]byte("x"), 3<<20)
	for _, tc := range []struct {
		method, path string
		body         []byte
	}{
		{"GET", "/api/v1/openapi.json", nil},
		{"PATCH", "/api/v1/programmes/p/sessions/s", []byte("{}")},
		{"POST", "/api/v1/programmes/import", body},
	} {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, bytes.NewReader(tc.body)))
		if rec.Code != http.StatusTeapot {
			t.Fatalf("%s %s: %d, not the API's answer", tc.method, tc.path, rec.Code)
		}
		// The API's answers get the security headers as the pages' do.
		if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s %s: X-Content-Type-Options %q, want nosniff", tc.method, tc.path, got)
		}
	}
	if size != len(body) || len(got) != 3 {
		t.Fatalf("the API got %v, last body %d bytes", got, size)
	}
	// Pages keep their limit.
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("POST", "/staff/login", bytes.NewReader(body)))
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("a page took a 3 MiB body: %d", rec.Code)
	}
	// Without Config.API there is no API.
	rec = httptest.NewRecorder()
	New(Config{}, &fakeStore{}).Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/openapi.json", nil))
	if rec.Code != http.StatusNotFound {
		t.Fatalf("no API configured: %d", rec.Code)
	}
}
