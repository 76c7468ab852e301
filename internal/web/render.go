package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/labstack/echo/v4"
	"github.com/planner-dev/planner/templates"
)

// page holds what the layout needs; every page's data struct embeds it.
type page struct {
	// Title is the page's own title; the layout appends the site name.
	Title string
	// Canonical is the page's absolute public URL, when it has one.
	Canonical string
}

// layoutFile is the base every page fills in. Its "layout" template is the
// whole document and its "content" block is what htmx swaps in.
const layoutFile = "layout.html"

// renderer implements echo.Renderer over the embedded templates, parsed once:
// one template set per page, each the layout plus the page's file.
type renderer struct {
	pages map[string]*template.Template
	// parts keeps parts of pages rendered once per programme version,
	// such as the staff day view's timetable (part_cache.go); frames the
	// pages around them, per user (renderKept).
	parts  partCache
	frames frameCache
}

// mustParseTemplates parses templates.FS. The files are embedded, so a parse
// error is a bug in this repository and worth a panic at start-up.
func mustParseTemplates(a *assets, basePath string) *renderer {
	r, err := parseTemplates(templates.FS, a, basePath)
	if err != nil {
		panic(err)
	}
	return r
}

// partialFiles are the templates every page may use, such as the one item
// the programme page and the personal agenda page both show.
const partialFiles = "_*.html"

// parseTemplates parses the layout and the partials once, then each page
// over a clone of them. Links in templates go through "path" and "asset", so
// that they follow the base path (see Server.path).
func parseTemplates(fsys fs.FS, a *assets, basePath string) (*renderer, error) {
	funcs := template.FuncMap{
		"asset": func(name string) (string, error) {
			u, err := a.url(name)
			return basePath + u, err
		},
		"path": func(p string) string { return basePath + p },
	}
	base, err := template.New(layoutFile).Funcs(funcs).ParseFS(fsys, layoutFile)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", layoutFile, err)
	}
	if partials, _ := fs.Glob(fsys, partialFiles); len(partials) > 0 {
		if base, err = base.ParseFS(fsys, partialFiles); err != nil {
			return nil, fmt.Errorf("parse %s: %w", partialFiles, err)
		}
	}
	files, err := fs.Glob(fsys, "*.html")
	if err != nil {
		return nil, err
	}
	// Pages only staff see live in staff/ and are named "staff/<page>".
	staffFiles, err := fs.Glob(fsys, "staff/*.html")
	if err != nil {
		return nil, err
	}
	files = append(files, staffFiles...)
	r := &renderer{pages: map[string]*template.Template{}}
	r.frames.frames.max = maxFrames
	for _, f := range files {
		if f == layoutFile || strings.HasPrefix(f, "_") {
			continue
		}
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if t, err = t.ParseFS(fsys, f); err != nil {
			return nil, fmt.Errorf("parse %s: %w", f, err)
		}
		r.pages[strings.TrimSuffix(f, ".html")] = t
	}
	return r, nil
}

// Render writes page name with data: the "content" block alone when htmx asks
// for a fragment, the whole document otherwise. It renders into a buffer so
// that a template error never leaves half a page behind.
func (r *renderer) Render(w io.Writer, name string, data any, c echo.Context) error {
	t, ok := r.pages[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	// Caches must keep the fragment and the page apart.
	c.Response().Header().Add(echo.HeaderVary, "HX-Request")
	block := "layout"
	if wantsFragment(c) {
		block = "content"
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, block, data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	_, err := buf.WriteTo(w)
	return err
}

// part renders block of page name with data alone, for a part of a page
// that is rendered once and kept (see partCache). html/template escapes it
// as it would inside the page, so the result is safe to put back in the
// same place, where the page prints keptSlot (see renderKept).
func (r *renderer) part(name, block string, data any) ([]byte, error) {
	t, ok := r.pages[name]
	if !ok {
		return nil, fmt.Errorf("no template %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, block, data); err != nil {
		return nil, fmt.Errorf("render %s %s: %w", name, block, err)
	}
	// Kept for as long as the version is current: no spare capacity.
	return bytes.Clone(buf.Bytes()), nil
}

// keptSlot is what a page's data holds where a part kept by partCache
// goes (the day view's timetable, the session list): renderKept writes the
// part's bytes in its place. Printed through html/template as
// template.HTML, it comes out as it is, in one Write of its own; nothing
// else a template prints can be those bytes, since every other value is
// escaped (a NUL byte never comes out of html/template's escapers) and the
// templates' own text has no NUL.
const keptSlot template.HTML = "\x00planner: the kept part goes here\x00"

// errSlotTwice is a page that prints keptSlot more than once.
var errSlotTwice = errors.New("the page prints its kept part twice")

// slotBuffer is what renderKept renders a page into: the page without its
// kept part, and where the part goes.
type slotBuffer struct {
	buf bytes.Buffer
	// at is the offset in buf of the kept part, -1 until keptSlot is
	// printed.
	at int
}

// Write appends p, or marks the place of the kept part when p is keptSlot.
func (b *slotBuffer) Write(p []byte) (int, error) {
	if len(p) == len(keptSlot) && string(p) == string(keptSlot) {
		if b.at >= 0 {
			return 0, errSlotTwice
		}
		b.at = b.buf.Len()
		return len(p), nil
	}
	return b.buf.Write(p)
}

// maxPooledPage bounds the buffers kept for reuse: a page without its kept
// part is a few kilobytes; a rare big one is not kept for ever.
const maxPooledPage = 64 << 10

// slotBuffers are reused from one request to the next.
var slotBuffers = sync.Pool{New: func() any { return new(slotBuffer) }}

// renderKept is c.Render for a page holding a part kept by partCache:
// data holds keptSlot where part goes. It writes byte for byte what
// c.Render writes with part in data, status and headers alike, without
// copying the part (tens of kilobytes for a day of a conference) through
// the template, fmt and two growing buffers (this renderer's and echo's)
// on every request: the page around the part renders into a reused
// buffer, and the part's bytes go to the response as they are kept. As
// with Render, a template error writes nothing.
//
// key, when not zero, is everything data is written from (frameKeyOf):
// the page around the part is then kept under it (frameCache), and the
// next request of the same key, the same user on the same page of the
// same programme, is written from it without the template.
func (r *renderer) renderKept(c echo.Context, status int, name string, data any, key frameKey, part []byte) error {
	t, ok := r.pages[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	c.Response().Header().Add(echo.HeaderVary, "HX-Request")
	key.name, key.block = name, "layout"
	if wantsFragment(c) {
		key.block = "content"
	}
	f, kept := frame{}, false
	if key.data != nil {
		f, kept = r.frames.get(key)
	}
	if !kept {
		b := slotBuffers.Get().(*slotBuffer)
		defer func() {
			if b.buf.Cap() <= maxPooledPage {
				slotBuffers.Put(b)
			}
		}()
		b.buf.Reset()
		b.at = -1
		if err := t.ExecuteTemplate(b, key.block, data); err != nil {
			return fmt.Errorf("render %s: %w", name, err)
		}
		if b.at < 0 {
			return fmt.Errorf("render %s: the page has no place for its kept part", name)
		}
		f = frame{page: b.buf.Bytes(), at: b.at}
		if key.data != nil {
			f.page = bytes.Clone(f.page)
			r.frames.put(key, f)
		}
	}
	res := c.Response()
	if res.Header().Get(echo.HeaderContentType) == "" {
		res.Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	}
	res.WriteHeader(status)
	if _, err := res.Write(f.page[:f.at]); err != nil {
		return err
	}
	if _, err := res.Write(part); err != nil {
		return err
	}
	_, err := res.Write(f.page[f.at:])
	return err
}

// frameKey names a page around a kept part: its template, the block
// written (the page or its htmx fragment) and everything its data holds.
type frameKey struct {
	name, block string
	// data is comparable (frameKeyOf), and equal for two requests only
	// when the page's data is equal: same user, CSRF token, programme copy's
	// title and links, and so on.
	data any
}

// frameKeyOf is the key of a page written from k alone. K must hold, by
// value, everything the page prints: a pointer in it compares by address,
// so a user, loaded again for every request, goes in by value (frameUser),
// or the page would never be found again.
func frameKeyOf[K comparable](k K) frameKey { return frameKey{data: k} }

// frame is the page around a kept part, as written, and where the part
// goes in it. It is never modified once kept.
type frame struct {
	page []byte
	at   int
}

// maxFrames bounds the pages kept around parts: one per user session,
// page (the day view of each day, the session list) and programme
// version, a few kilobytes each. Past it, all are forgotten at once and
// written again as asked for.
const maxFrames = 2048

// frameCache keeps the pages around kept parts by frameKey. A page is a
// function of its data alone (the templates' functions, asset and path,
// answer the same for the server's life), so a page kept under a key is
// the page of that key for ever: nothing is ever out of date, only unused.
type frameCache struct {
	frames boundedMap[frameKey, frame]
	// written counts the pages written with the template, for tests.
	written atomic.Int64
}

func (fc *frameCache) get(k frameKey) (frame, bool) { return fc.frames.get(k) }

func (fc *frameCache) put(k frameKey, f frame) {
	fc.written.Add(1)
	fc.frames.put(k, f)
}

// wantsFragment reports whether the request comes from htmx and expects a
// fragment. Boosted links and history restores replace the whole body, so
// they get the full page.
func wantsFragment(c echo.Context) bool {
	h := c.Request().Header
	return h.Get("HX-Request") == "true" &&
		h.Get("HX-Boosted") != "true" &&
		h.Get("HX-History-Restore-Request") != "true"
}
