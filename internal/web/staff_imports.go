package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/planner-dev/planner/internal/exchange"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
)

// importPage is the page data of staff/import.html: the upload form, or,
// once a file is checked, the preview of what importing it would do, with
// the file carried in a hidden field to the confirmation.
type importPage struct {
	staffPage
	Errors map[string]string
	// Problems lists what is wrong with the file, each with its path.
	Problems []string
	Prune    bool
	// Set for the preview.
	Preview *importPreview
}

// importPreview is what an import would do, by action.
type importPreview struct {
	Slug      string
	Title     string
	New       bool
	Content   string
	Created   []previewItem
	Updated   []previewItem
	Cancelled []previewItem
	Unchanged int
}

// previewItem is one item an import would create, update or cancel.
type previewItem struct {
	Kind  string
	Key   string
	Title string
	Lines []string
}

// handleImportNew shows the upload form.
func (s *Server) handleImportNew(c echo.Context) error {
	base, err := s.staffPageOf(c, "Import a programme file")
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "staff/import", importPage{staffPage: base, Errors: map[string]string{}})
}

// handleImportPreview checks an uploaded file as a dry run and shows what
// importing it would create, update and cancel, changing nothing.
func (s *Server) handleImportPreview(c echo.Context) error {
	base, err := s.staffPageOf(c, "Import a programme file")
	if err != nil {
		return err
	}
	data := importPage{staffPage: base, Errors: map[string]string{}, Prune: c.FormValue("prune") != ""}
	content, ok := uploadedFile(c, data.Errors)
	if !ok {
		return c.Render(http.StatusUnprocessableEntity, "staff/import", data)
	}
	res, p, err := s.importFile(c.Request().Context(), content, store.ImportOptions{
		DryRun: true, Prune: data.Prune, Author: authorOf(base.User), Source: programme.SourceImport,
	})
	if err != nil {
		if data.Problems, ok = fileProblems(err); !ok {
			return err
		}
		data.Errors["file"] = programme.ErrorMessage(err) + "; nothing was imported."
		return c.Render(http.StatusUnprocessableEntity, "staff/import", data)
	}
	preview := &importPreview{Slug: p.Slug, Title: p.Title, Content: content, Unchanged: res.Report.Unchanged}
	if _, err := s.store.Programme(c.Request().Context(), p.Slug); programme.ErrorCode(err) == programme.ENOTFOUND {
		preview.New = true
	} else if err != nil {
		return err
	}
	if res.Change != nil {
		for _, it := range res.Change.Items {
			item := previewItem{Kind: it.Ref.Kind, Key: it.Ref.Key, Title: it.Title, Lines: it.Lines}
			switch it.Action {
			case store.ActionCreate:
				preview.Created = append(preview.Created, item)
			case store.ActionCancel:
				preview.Cancelled = append(preview.Cancelled, item)
			default:
				preview.Updated = append(preview.Updated, item)
			}
		}
	}
	data.Preview = preview
	return c.Render(http.StatusOK, "staff/import", data)
}

// handleImportCreate imports the file the preview showed.
func (s *Server) handleImportCreate(c echo.Context) error {
	base, err := s.staffPageOf(c, "Import a programme file")
	if err != nil {
		return err
	}
	data := importPage{staffPage: base, Errors: map[string]string{}, Prune: c.FormValue("prune") != ""}
	content := c.FormValue("content")
	if strings.TrimSpace(content) == "" {
		data.Errors["file"] = "Choose a programme file to import."
		return c.Render(http.StatusUnprocessableEntity, "staff/import", data)
	}
	_, p, err := s.importFile(c.Request().Context(), content, store.ImportOptions{
		Prune: data.Prune, Author: authorOf(base.User), Source: programme.SourceImport,
	})
	if err != nil {
		var ok bool
		if data.Problems, ok = fileProblems(err); !ok {
			return err
		}
		data.Errors["file"] = programme.ErrorMessage(err) + "; nothing was imported."
		return c.Render(http.StatusUnprocessableEntity, "staff/import", data)
	}
	return c.Redirect(http.StatusSeeOther, s.path("/staff/p/"+p.Slug+"/history"))
}

// importFile decodes a programme file onto the stored programme of its
// slug, as `planner import` does, and imports it.
func (s *Server) importFile(ctx context.Context, content string, opt store.ImportOptions) (store.ChangeResult, *programme.Programme, error) {
	p, _, err := exchange.DecodeOnto(strings.NewReader(content), func(slug string) (*programme.Programme, error) {
		p, err := s.store.Programme(ctx, slug)
		if programme.ErrorCode(err) == programme.ENOTFOUND {
			return nil, nil
		}
		return p, err
	})
	if err != nil {
		return store.ChangeResult{}, nil, err
	}
	res, err := s.changes.ImportChange(ctx, p, opt)
	return res, p, err
}

// uploadedFile reads the uploaded file of the field "file".
func uploadedFile(c echo.Context, errs map[string]string) (string, bool) {
	fh, err := c.FormFile("file")
	if err != nil {
		errs["file"] = "Choose a programme file to import."
		return "", false
	}
	f, err := fh.Open()
	if err != nil {
		errs["file"] = "The file could not be read; try again."
		return "", false
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, exchange.MaxFileBytes+1))
	if err != nil {
		errs["file"] = "The file could not be read; try again."
		return "", false
	}
	return string(b), true
}

// fileProblems lists the problems of a refused file, each with its path,
// and reports whether err was such a refusal.
func fileProblems(err error) ([]string, bool) {
	if programme.ErrorCode(err) != programme.EINVALID {
		return nil, false
	}
	var out []string
	var e *programme.Error
	if errors.As(err, &e) {
		for _, f := range e.Fields {
			out = append(out, f.Error())
		}
	}
	return out, true
}
