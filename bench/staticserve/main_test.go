package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// TestServe serves a directory and checks what load.sh relies on: the same
// bytes with the Content-Type of the prefix, an ETag from the bytes, 304 to
// that ETag, 200 to another, 404 for a path that is not a file.
func TestServe(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, body string) {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("feeds/abc.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
	write("feeds/def.ics", "BEGIN:VCALENDAR\r\nX:1\r\nEND:VCALENDAR\r\n")
	write("a/abc", "<p>agenda</p>")
	var types typeFlag
	for _, v := range []string{"/=text/plain", "/feeds/=text/calendar; charset=utf-8", "/a/=text/html; charset=utf-8"} {
		if err := types.Set(v); err != nil {
			t.Fatal(err)
		}
	}
	s, err := load(dir, types)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()

	get := func(path, inm string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if inm != "" {
			req.Header.Set("If-None-Match", inm)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, string(b)
	}

	resp, body := get("/feeds/abc.ics", "")
	if resp.StatusCode != 200 || body != "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n" {
		t.Fatalf("GET feed: %d %q", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
		t.Errorf("feed Content-Type %q", ct)
	}
	etag := resp.Header.Get("ETag")
	if len(etag) < 10 || etag[0] != '"' {
		t.Fatalf("ETag %q", etag)
	}
	other, _ := get("/feeds/def.ics", "")
	if other.Header.Get("ETag") == etag {
		t.Errorf("two different files share the ETag %s", etag)
	}

	resp, body = get("/feeds/abc.ics", etag)
	if resp.StatusCode != http.StatusNotModified || body != "" {
		t.Errorf("If-None-Match with the current ETag: %d %q, want 304 and no body", resp.StatusCode, body)
	}
	if resp.Header.Get("ETag") != etag {
		t.Errorf("304 carries ETag %q, want %q", resp.Header.Get("ETag"), etag)
	}
	resp, _ = get("/feeds/abc.ics", `"x", `+etag)
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match with a list holding the ETag: %d, want 304", resp.StatusCode)
	}
	resp, body = get("/feeds/abc.ics", other.Header.Get("ETag"))
	if resp.StatusCode != 200 || body == "" {
		t.Errorf("If-None-Match with another file's ETag: %d %q, want 200 and the body", resp.StatusCode, body)
	}

	resp, body = get("/a/abc", "")
	if resp.StatusCode != 200 || body != "<p>agenda</p>" || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("agenda: %d %q %q", resp.StatusCode, body, resp.Header.Get("Content-Type"))
	}
	if resp, _ = get("/feeds/nope.ics", ""); resp.StatusCode != 404 {
		t.Errorf("missing file: %d, want 404", resp.StatusCode)
	}
	if resp, _ = get("/feeds", ""); resp.StatusCode != 404 {
		t.Errorf("directory: %d, want 404", resp.StatusCode)
	}
	post, err := http.Post(srv.URL+"/a/abc", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	post.Body.Close()
	if post.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d, want 405", post.StatusCode)
	}
}

func TestTypeFlag(t *testing.T) {
	var types typeFlag
	for _, bad := range []string{"feeds=text/plain", "/feeds/", "/feeds/="} {
		if err := types.Set(bad); err == nil {
			t.Errorf("-type %q accepted", bad)
		}
	}
	if got := types.contentType("/x"); got != "application/octet-stream" {
		t.Errorf("no rules: %q", got)
	}
}
