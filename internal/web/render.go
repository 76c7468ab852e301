package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"strings"

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
	// such as the staff day view's timetable (staff_day_cache.go).
	parts partCache
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
// as it would inside the page, so the result is safe to put back as
// template.HTML in the same place.
func (r *renderer) part(name, block string, data any) (template.HTML, error) {
	t, ok := r.pages[name]
	if !ok {
		return "", fmt.Errorf("no template %q", name)
	}
	var buf strings.Builder
	if err := t.ExecuteTemplate(&buf, block, data); err != nil {
		return "", fmt.Errorf("render %s %s: %w", name, block, err)
	}
	return template.HTML(buf.String()), nil
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
