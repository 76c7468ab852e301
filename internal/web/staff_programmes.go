package web

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/planner-dev/planner/internal/exchange"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
)

// Changes is how the staff pages change programmes: the store's one write
// path, whose rules an import follows too (see store.Change). The store
// implements it; New picks it up from the Store it is given.
type Changes interface {
	Change(ctx context.Context, slug string, req programme.ChangeRequest) (store.ChangeResult, error)
	ImportChange(ctx context.Context, p *programme.Programme, opt store.ImportOptions) (store.ChangeResult, error)
	Undo(ctx context.Context, slug string, id int64, author programme.Author, source string) (store.ChangeResult, error)
	History(ctx context.Context, slug string, limit int) ([]store.Change, error)
}

// authorOf names the logged-in staff member in the change log.
func authorOf(u *programme.User) programme.Author {
	return programme.Author{UserID: u.ID, Name: u.Name, Email: u.Email}
}

// staffPage is what every staff page shows around its content.
type staffPage struct {
	page
	CSRF    string
	User    *programme.User
	CanEdit bool
}

// staffPageOf fills a staffPage for the logged-in user (requireRole ran).
func (s *Server) staffPageOf(c echo.Context, title string) (staffPage, error) {
	u, err := s.currentUser(c)
	if err != nil {
		return staffPage{}, err
	}
	if u == nil {
		return staffPage{}, echo.NewHTTPError(http.StatusUnauthorized, "Log in first.")
	}
	token, _ := c.Get(csrfContextKey).(string)
	return staffPage{page: page{Title: title}, CSRF: token, User: u,
		CanEdit: programme.Can(u.Role, programme.ActionEditProgrammes)}, nil
}

// staffProgrammesPage is the page data of staff/programmes.html.
type staffProgrammesPage struct {
	staffPage
	Programmes []staffProgrammeRow
}

// staffProgrammeRow is one programme in the staff's list.
type staffProgrammeRow struct {
	Slug     string
	Title    string
	Dates    string
	Location string
	Public   bool
}

// handleProgrammeIndex lists every programme, public or not, with what
// staff can do with each.
func (s *Server) handleProgrammeIndex(c echo.Context) error {
	data, err := s.staffPageOf(c, "Programmes")
	if err != nil {
		return err
	}
	progs, err := s.store.Programmes(c.Request().Context())
	if err != nil {
		return err
	}
	out := staffProgrammesPage{staffPage: data}
	for _, p := range progs {
		out.Programmes = append(out.Programmes, staffProgrammeRow{
			Slug: p.Slug, Title: p.Title, Dates: dateRange(p.StartsOn, p.EndsOn), Location: p.Location, Public: p.Public,
		})
	}
	return c.Render(http.StatusOK, "staff/programmes", out)
}

// programmeFormPage is the page data of staff/programme_form.html, which
// creates a programme or edits one's own fields.
type programmeFormPage struct {
	staffPage
	Action   string
	Creating bool
	Slug     string
	Revision string
	Errors   map[string]string
	Fields   []fieldView
	// Stale, when set, shows the version someone else saved beside the
	// user's, after a save refused as stale.
	Stale *staleView
	// Nav is the programme's navigation, when editing one.
	Nav *staffNav
}

// staleView is someone else's newer version of an item beside the user's.
type staleView struct {
	Message string
	Rows    []staleRow
}

type staleRow struct {
	Label  string
	Theirs string
	Yours  string
	Differ bool
}

// programmeFields are the programme's own fields in its forms: the name of
// the form field, which is also the file's (the path of its problems is
// "programme.<name>"), and its label.
var programmeFields = []struct{ name, label, typ, hint string }{
	{"title", "Title", "text", ""},
	{"organizer", "Organizer", "text", ""},
	{"organizer_email", "Organizer's e-mail", "text", "The address calendar invitations come from and replies go to; optional."},
	{"time_zone", "Time zone", "text", "The zone of every time that names none: an IANA name such as America/Mexico_City."},
	{"starts_on", "First day", "date", ""},
	{"ends_on", "Last day", "date", ""},
	{"location", "Location", "text", "Such as Guadalajara, Mexico."},
	{"description", "Description", "textarea", ""},
}

// programmeFieldOf maps the path of a problem to the form's field.
func programmeFieldOf(path string) string {
	name, ok := strings.CutPrefix(path, "programme.")
	if !ok {
		return ""
	}
	for _, f := range programmeFields {
		if f.name == name {
			return name
		}
	}
	if name == "slug" {
		return "slug"
	}
	return ""
}

// programmeForm fills the page's fields from the form.
func (s *Server) programmeForm(base staffPage, f *form, creating bool, slug string) programmeFormPage {
	out := programmeFormPage{staffPage: base, Creating: creating, Slug: slug, Errors: f.Errors, Revision: f.Values.Get("revision")}
	if creating {
		out.Action = s.path("/staff/programmes")
		v := f.field("slug", "Short name", "text")
		v.Hint = "Part of every address of the programme, such as igf2016-cldp: lower-case letters, digits and hyphens. It cannot change later."
		v.Required = true
		out.Fields = append(out.Fields, v)
	} else {
		out.Action = s.path("/staff/p/" + slug + "/edit")
	}
	for _, pf := range programmeFields {
		v := f.field(pf.name, pf.label, pf.typ)
		v.Hint = pf.hint
		v.Required = pf.name == "title" || pf.name == "time_zone" || pf.name == "starts_on" || pf.name == "ends_on"
		out.Fields = append(out.Fields, v)
	}
	public := f.field("public", "Public: its page and its place in the list are shown without a login", "checkbox")
	public.Hint = "Leave it off for programmes of government delegations; delegates' own links work either way."
	out.Fields = append(out.Fields, public)
	return out
}

// headerOf is the programme's own fields as the form gives them.
func headerOf(f *form, slug string) *programme.Programme {
	return &programme.Programme{
		Slug: slug, Title: f.Get("title"), Organizer: f.Get("organizer"), TimeZone: f.Get("time_zone"),
		StartsOn: f.Get("starts_on"), EndsOn: f.Get("ends_on"), Location: f.Get("location"),
		Description:    strings.TrimSpace(strings.ReplaceAll(f.Values.Get("description"), "\r\n", "\n")),
		OrganizerEmail: f.Get("organizer_email"),
	}
}

// handleProgrammeNew shows the form of a new programme.
func (s *Server) handleProgrammeNew(c echo.Context) error {
	base, err := s.staffPageOf(c, "New programme")
	if err != nil {
		return err
	}
	f := &form{Values: map[string][]string{}, Errors: map[string]string{}}
	return c.Render(http.StatusOK, "staff/programme_form", s.programmeForm(base, f, true, ""))
}

// handleProgrammeCreate creates a programme with no items yet.
func (s *Server) handleProgrammeCreate(c echo.Context) error {
	base, err := s.staffPageOf(c, "New programme")
	if err != nil {
		return err
	}
	f, err := newForm(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	slug := f.Get("slug")
	switch {
	case slug == "":
		f.Fail("slug", "Enter a short name, such as igf2016-cldp.")
	case !programme.ValidKey(slug):
		f.Fail("slug", "Use lower-case letters, digits and hyphens only, starting with a letter or digit.")
	default:
		if _, err := s.store.Programme(ctx, slug); err == nil {
			f.Fail("slug", "A programme with this short name already exists.")
		} else if programme.ErrorCode(err) != programme.ENOTFOUND {
			return err
		}
	}
	if f.Valid() {
		public := f.Checked("public")
		_, err = s.changes.Change(ctx, slug, programme.ChangeRequest{
			Batch: headerOf(f, slug), Public: &public, Author: authorOf(base.User), Source: programme.SourceWeb,
			// Expecting no programme refuses a second creation under the
			// same name that raced this one.
			Expect: map[programme.ItemRef]string{{Kind: programme.KindProgramme, Key: slug}: ""},
		})
		switch {
		case err == nil:
			return c.Redirect(http.StatusSeeOther, s.path("/staff"))
		case programme.ErrorCode(err) == programme.ECONFLICT:
			f.Fail("slug", "A programme with this short name already exists.")
		case !f.failWith(err, programmeFieldOf):
			return err
		}
	}
	return c.Render(http.StatusUnprocessableEntity, "staff/programme_form", s.programmeForm(base, f, true, ""))
}

// storedProgramme loads the programme of the route's slug.
func (s *Server) storedProgramme(c echo.Context) (*programme.Programme, error) {
	slug := c.Param("slug")
	if !programme.ValidKey(slug) {
		return nil, programme.Errorf(programme.ENOTFOUND, "There is no such programme.")
	}
	p, err := s.store.Programme(c.Request().Context(), slug)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, programme.Errorf(programme.ENOTFOUND, "There is no such programme.")
	}
	return p, nil
}

// programmeValues are the form's values of a stored programme.
func programmeValues(p *programme.Programme) map[string][]string {
	v := map[string][]string{
		"title": {p.Title}, "organizer": {p.Organizer}, "time_zone": {p.TimeZone}, "starts_on": {p.StartsOn},
		"ends_on": {p.EndsOn}, "location": {p.Location}, "description": {p.Description},
		"organizer_email": {p.OrganizerEmail},
		"revision":        {exchange.Revision(p, programme.ItemRef{Kind: programme.KindProgramme, Key: p.Slug})},
	}
	if p.Public {
		v["public"] = []string{"on"}
	}
	return v
}

// handleProgrammeEdit shows the form of a programme's own fields, with the
// revision it shows, so that a save over someone else's is refused.
func (s *Server) handleProgrammeEdit(c echo.Context) error {
	p, err := s.storedProgramme(c)
	if err != nil {
		return err
	}
	base, err := s.staffPageOf(c, "Edit "+p.Title)
	if err != nil {
		return err
	}
	f := &form{Values: programmeValues(p), Errors: map[string]string{}}
	data := s.programmeForm(base, f, false, p.Slug)
	if data.Nav, err = s.programmeNav(c, p); err != nil {
		return err
	}
	return c.Render(http.StatusOK, "staff/programme_form", data)
}

// handleProgrammeUpdate saves a programme's own fields and whether it is
// public, as one change.
func (s *Server) handleProgrammeUpdate(c echo.Context) error {
	p, err := s.storedProgramme(c)
	if err != nil {
		return err
	}
	base, err := s.staffPageOf(c, "Edit "+p.Title)
	if err != nil {
		return err
	}
	f, err := newForm(c)
	if err != nil {
		return err
	}
	public := f.Checked("public")
	ref := programme.ItemRef{Kind: programme.KindProgramme, Key: p.Slug}
	_, err = s.changes.Change(c.Request().Context(), p.Slug, programme.ChangeRequest{
		Batch: headerOf(f, p.Slug), Public: &public, Author: authorOf(base.User), Source: programme.SourceWeb,
		Expect: map[programme.ItemRef]string{ref: f.Values.Get("revision")},
	})
	if err == nil {
		return c.Redirect(http.StatusSeeOther, s.path("/staff"))
	}
	var stale *programme.Stale
	if refusal := err; errors.As(refusal, &stale) {
		// Their version beside the user's; the form now carries the
		// stored revision, so that saving again is a choice made with
		// both in sight.
		current, err := s.store.Programme(c.Request().Context(), p.Slug)
		if err != nil {
			return err
		}
		data := s.programmeForm(base, f, false, p.Slug)
		if data.Nav, err = s.programmeNav(c, p); err != nil {
			return err
		}
		data.Revision = exchange.Revision(current, ref)
		data.Stale = &staleView{Message: programme.ErrorMessage(refusal)}
		theirs := programmeValues(current)
		for _, pf := range programmeFields {
			t, y := theirs[pf.name][0], f.Get(pf.name)
			data.Stale.Rows = append(data.Stale.Rows, staleRow{Label: pf.label, Theirs: t, Yours: y, Differ: t != y})
		}
		return c.Render(http.StatusConflict, "staff/programme_form", data)
	}
	if !f.failWith(err, programmeFieldOf) {
		return err
	}
	data := s.programmeForm(base, f, false, p.Slug)
	if data.Nav, err = s.programmeNav(c, p); err != nil {
		return err
	}
	return c.Render(http.StatusUnprocessableEntity, "staff/programme_form", data)
}

// programmeNav is the navigation of the programme's pages, on its edit
// page.
func (s *Server) programmeNav(c echo.Context, p *programme.Programme) (*staffNav, error) {
	nav, err := s.staffNavOf(c, p, "edit")
	return &nav, err
}

// handleProgrammeExport downloads the programme as its file.
func (s *Server) handleProgrammeExport(c echo.Context) error {
	p, err := s.sharedProgramme(c)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := exchange.Encode(&b, p); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+p.Slug+`.json"`)
	return c.Blob(http.StatusOK, "application/json; charset=utf-8", b.Bytes())
}
