package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
)

// historyLimit is how many changes the history page shows, newest first.
const historyLimit = 200

// historyPage is the page data of staff/history.html: a programme's
// changes as a log a person would write.
type historyPage struct {
	staffPage
	Nav            staffNav
	Slug           string
	ProgrammeTitle string
	// Message says why an undo was refused.
	Message string
	Changes []historyEntry
}

// historyEntry is one change in the log.
type historyEntry struct {
	ID      int64
	At      string
	Author  string
	Source  string
	Summary string
	// Lines say what happened to each item, such as "Bus back to the
	// hotel: 17:30 → 17:15".
	Lines   []string
	UndoOf  int64
	CanUndo bool
}

// handleHistoryIndex shows a programme's changes, newest first, each with
// an undo button for editors.
func (s *Server) handleHistoryIndex(c echo.Context) error {
	return s.renderHistory(c, http.StatusOK, "")
}

// handleHistoryUndo undoes one change as a new change by the logged-in
// editor. A change whose items changed since is refused, with a message.
func (s *Server) handleHistoryUndo(c echo.Context) error {
	u, err := s.currentUser(c)
	if err != nil {
		return err
	}
	slug := c.Param("slug")
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || !programme.ValidKey(slug) {
		return programme.Errorf(programme.ENOTFOUND, "There is no such change.")
	}
	_, err = s.changes.Undo(c.Request().Context(), slug, id, authorOf(u), programme.SourceWeb)
	switch programme.ErrorCode(err) {
	case "":
		return c.Redirect(http.StatusSeeOther, s.path("/staff/p/"+slug+"/history"))
	case programme.ECONFLICT:
		return s.renderHistory(c, http.StatusConflict, "Not undone: "+programme.ErrorMessage(err))
	case programme.EINVALID:
		msg := programme.ErrorMessage(err)
		if e := fieldsOf(err); e != "" {
			msg += ": " + e
		}
		return s.renderHistory(c, http.StatusUnprocessableEntity, "Not undone: "+msg)
	}
	return err
}

// fieldsOf joins the field problems of a domain error.
func fieldsOf(err error) string {
	problems, _ := fileProblems(err)
	return strings.Join(problems, "; ")
}

func (s *Server) renderHistory(c echo.Context, status int, message string) error {
	p, err := s.sharedProgramme(c)
	if err != nil {
		return err
	}
	base, err := s.staffPageOf(c, "History of "+p.Title)
	if err != nil {
		return err
	}
	changes, err := s.changes.History(c.Request().Context(), p.Slug, historyLimit)
	if err != nil {
		return err
	}
	loc := p.Loc("")
	data := historyPage{staffPage: base, Slug: p.Slug, ProgrammeTitle: p.Title, Message: message}
	for _, ch := range changes {
		e := historyEntry{
			ID: ch.ID, At: ch.At.In(loc).Format("Mon 2 Jan 2006, 15:04 MST"), Author: ch.Author.Display(),
			Source: ch.Source, Summary: ch.Summary, UndoOf: ch.UndoOf, CanUndo: base.CanEdit,
		}
		for _, it := range ch.Items {
			if it.Ref.Kind == programme.KindProgramme && it.Action == store.ActionCreate {
				e.CanUndo = false // the programme's creation cannot be undone
			}
			e.Lines = append(e.Lines, itemLine(it))
		}
		data.Changes = append(data.Changes, e)
	}
	if data.Nav, err = s.staffNavOf(c, p, "history"); err != nil {
		return err
	}
	return c.Render(status, "staff/history", data)
}

// itemLine says in one line what a change did to an item.
func itemLine(it store.ChangeItem) string {
	name := it.Title
	if name == "" {
		name = it.Ref.Kind + " " + it.Ref.Key
	}
	switch it.Action {
	case store.ActionCreate:
		return name + " (" + it.Ref.Kind + ") created"
	case store.ActionCancel:
		return name + " (" + it.Ref.Kind + ") cancelled"
	case store.ActionDelete:
		return name + " (" + it.Ref.Kind + ") deleted"
	}
	if len(it.Lines) == 0 {
		return name + ": moved in the order"
	}
	if it.Ref.Kind == programme.KindVisibility {
		return name + " " + strings.Join(it.Lines, ", ")
	}
	return name + ": " + strings.Join(it.Lines, ", ")
}
