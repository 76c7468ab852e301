package web

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestStaticAssets(t *testing.T) {
	s, _ := newTestServer(t, storeWith())
	_, page := get(t, s.Handler(), "/")
	m := regexp.MustCompile(`href="(/static/app\.css\?v=([0-9a-f]+))"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("layout links no versioned app.css:\n%s", page)
	}
	versioned, hash := m[1], m[2]

	tests := []struct {
		name        string
		target      string
		header      map[string]string
		wantStatus  int
		wantCache   string
		wantType    string
		wantContent string
	}{
		{"versioned", versioned, nil, 200, cacheVersioned, "text/css", "font-family: system-ui"},
		{"unversioned", "/static/app.css", nil, 200, cacheUnversioned, "text/css", "@media print"},
		{"stale version", "/static/app.css?v=0000", nil, 200, cacheUnversioned, "text/css", ""},
		{"icon", "/static/favicon.svg", nil, 200, cacheUnversioned, "image/svg+xml", "<svg"},
		{"revalidated", "/static/app.css", map[string]string{"If-None-Match": `"` + hash + `"`}, 304, cacheUnversioned, "", ""},
		{"unknown", "/static/nope.js", nil, 404, "", "text/html", ""},
		{"no embed source", "/static/embed.go", nil, 404, "", "text/html", ""},
		{"no traversal", "/static/..%2fgo.mod", nil, 404, "", "text/html", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := do(t, s.Handler(), http.MethodGet, tt.target, tt.header)
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.wantStatus)
			}
			if got := res.Header.Get("Cache-Control"); got != tt.wantCache {
				t.Errorf("Cache-Control %q, want %q", got, tt.wantCache)
			}
			if got := res.Header.Get("Content-Type"); !strings.HasPrefix(got, tt.wantType) {
				t.Errorf("Content-Type %q, want %q", got, tt.wantType)
			}
			if tt.wantStatus == 200 && res.Header.Get("ETag") != `"`+hashOf(t, s, tt.target)+`"` {
				t.Errorf("ETag %q", res.Header.Get("ETag"))
			}
			if !strings.Contains(body, tt.wantContent) {
				t.Errorf("body lacks %q", tt.wantContent)
			}
		})
	}
}

func hashOf(t *testing.T, s *Server, target string) string {
	t.Helper()
	name := strings.TrimPrefix(target, "/static/")
	name, _, _ = strings.Cut(name, "?")
	return s.assets.files[name].hash
}

func TestTemplatesParse(t *testing.T) {
	s, _ := newTestServer(t, storeWith())
	for _, name := range []string{"index", "programme", "error"} {
		if _, ok := s.render.pages[name]; !ok {
			t.Errorf("no page %q", name)
		}
	}
}
