// Command staticserve serves a directory from memory with net/http, as the
// ceiling any Go server can reach for the same bytes: bench/load.sh runs it
// beside planner and nginx. Every file is read once at start; a request is a
// map lookup and a write. Each file's ETag is a hash of its bytes, and
// http.ServeContent answers If-None-Match with 304 (and HEAD, and ranges)
// as the standard library does.
//
//	go run ./bench/staticserve -dir DOCROOT -addr 127.0.0.1:0 \
//	    -type '/feeds/=text/calendar; charset=utf-8' -type '/a/=text/html; charset=utf-8'
//
// A file's URL path is its path under the directory. Its Content-Type is
// that of the longest -type prefix its path starts with, else
// application/octet-stream. It prints "serving N files on http://ADDR/" once
// it listens. It is a benchmark tool: the planner never runs it.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// file is one file held in memory.
type file struct {
	body        []byte
	etag        string
	contentType string
}

// site is every file of a directory by URL path.
type site map[string]*file

// typeRule gives the Content-Type of the paths under a prefix.
type typeRule struct{ prefix, contentType string }

// typeFlag collects -type PREFIX=TYPE flags.
type typeFlag []typeRule

func (t *typeFlag) String() string { return fmt.Sprint(*t) }

func (t *typeFlag) Set(v string) error {
	prefix, ct, ok := strings.Cut(v, "=")
	if !ok || !strings.HasPrefix(prefix, "/") || ct == "" {
		return errors.New("want /PREFIX=CONTENT-TYPE")
	}
	*t = append(*t, typeRule{prefix, ct})
	return nil
}

// contentType is the type of the longest rule whose prefix path starts with.
func (t typeFlag) contentType(path string) string {
	best, ct := -1, "application/octet-stream"
	for _, r := range t {
		if strings.HasPrefix(path, r.prefix) && len(r.prefix) > best {
			best, ct = len(r.prefix), r.contentType
		}
	}
	return ct
}

// load reads every regular file under dir.
func load(dir string, types typeFlag) (site, error) {
	s := site{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		body, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		path := "/" + filepath.ToSlash(rel)
		sum := sha256.Sum256(body)
		s[path] = &file{
			body:        body,
			etag:        `"` + hex.EncodeToString(sum[:12]) + `"`,
			contentType: types.contentType(path),
		}
		return nil
	})
	return s, err
}

func (s site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	f, ok := s[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("ETag", f.etag)
	// With the ETag set and no modification time, ServeContent answers
	// If-None-Match (304) and If-Match (412) and sends no Last-Modified.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
}

func main() {
	dir := flag.String("dir", ".", "directory to serve")
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	var types typeFlag
	flag.Var(&types, "type", "Content-Type of the files under a URL prefix, as /PREFIX=TYPE (repeatable)")
	flag.Parse()
	s, err := load(*dir, types)
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("staticserve: serving %d files on http://%s/\n", len(s), ln.Addr())
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.Serve(ln))
}
