package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/planner-dev/planner/static"
)

// assets are the embedded static files, read once, each with a content hash
// that versions its URL and serves as its ETag.
type assets struct {
	files map[string]asset
}

type asset struct {
	body        []byte
	hash        string
	contentType string
}

func mustLoadAssets() *assets {
	a, err := loadAssets(static.FS)
	if err != nil {
		panic(err)
	}
	return a
}

func loadAssets(fsys fs.FS) (*assets, error) {
	a := &assets{files: map[string]asset{}}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(name) == ".go" {
			return err
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		ctype := mime.TypeByExtension(path.Ext(name))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		a.files[name] = asset{body: body, hash: hex.EncodeToString(sum[:6]), contentType: ctype}
		return nil
	})
	return a, err
}

// url returns the versioned URL of an asset, for the templates' "asset"
// function. Unknown names are an error, so a typo fails the page's tests.
func (a *assets) url(name string) (string, error) {
	f, ok := a.files[name]
	if !ok {
		return "", fmt.Errorf("no static asset %q", name)
	}
	return "/static/" + name + "?v=" + f.hash, nil
}

// Cache lifetimes: a versioned URL never changes content, so browsers may keep
// it for a year; an unversioned one is revalidated after a short while.
const (
	cacheVersioned   = "public, max-age=31536000, immutable"
	cacheUnversioned = "public, max-age=300"
)

// handleStaticGet serves an embedded asset with its ETag and cache headers.
func (s *Server) handleStaticGet(c echo.Context) error {
	f, ok := s.assets.files[c.Param("name")]
	if !ok {
		return echo.ErrNotFound
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, f.contentType)
	h.Set("ETag", `"`+f.hash+`"`)
	if c.QueryParam("v") == f.hash {
		h.Set("Cache-Control", cacheVersioned)
	} else {
		h.Set("Cache-Control", cacheUnversioned)
	}
	// ServeContent answers If-None-Match with 304 and handles Range and HEAD.
	http.ServeContent(c.Response(), c.Request(), c.Param("name"), time.Time{}, bytes.NewReader(f.body))
	return nil
}
