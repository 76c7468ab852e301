package web

import (
	"cmp"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/planner-dev/planner/internal/exchange"
	"github.com/planner-dev/planner/internal/programme"
)

// The people, delegations, venues and rooms of a programme are each edited
// by one small form of their own fields. Their handlers are the same but
// for the fields, so they are made once here from an itemKind each
// (staff_people.go, staff_venues.go): new, create, edit, update and remove,
// all through the store's one write path (Changes.Change), with the item's
// revision in the form so that a save over someone else's is refused and
// both versions shown.

// itemKind is one kind of item edited by the generic item form.
type itemKind struct {
	kind string // programme.KindPerson and the others
	list string // the item's list in the programme file: "people"
	noun string // "person", in headings and messages
	// section is the programme page of the list the item belongs to:
	// "people" or "venues", also the navigation's current page.
	section string
	// path is the item's address under the section: "" for people,
	// "/delegations" and "/rooms".
	path   string
	fields []itemFieldSpec
	// values are the form's values of a stored item.
	values func(p *programme.Programme, key string) url.Values
	// item adds the item of the form to batch, keeping what the form does
	// not show from the stored item, if any. It may Fail fields it checks
	// itself.
	item func(f *form, stored, batch *programme.Programme, key string)
	// options are the choices of the item's select fields.
	options func(p *programme.Programme, key string) map[string][]selectOption
	// warnings, when set, lists what the item's editor page warns about.
	warnings func(p *programme.Programme, key string) []string
}

type itemFieldSpec struct{ name, label, typ, hint string }

// itemFormPage is the page data of staff/people_form.html, the form of
// one person, delegation, venue or room.
type itemFormPage struct {
	staffPage
	Nav          staffNav
	Heading      string
	Noun         string
	Action       string
	RemoveAction string
	Back         string
	Creating     bool
	Revision     string
	Errors       map[string]string
	Fields       []itemField
	Stale        *staleView
	// References, after a refused removal, lists what refers to the item.
	References []string
	Warnings   []string
	// Room is set on a room's page: its reservations.
	Room *roomReservations
}

// itemField is one field of an item form: an input, or a select when it
// has options.
type itemField struct {
	fieldView
	Options []selectOption
}

// Input is the field as the shared partial "staff-field" draws inputs.
func (f itemField) Input() fieldView { return f.fieldView }

type selectOption struct {
	Value, Label string
	Selected     bool
}

// base is the address of a programme's staff pages.
func (s *Server) programmeBase(slug string) string { return s.path("/staff/p/" + url.PathEscape(slug)) }

func (k *itemKind) ref(key string) programme.ItemRef {
	return programme.ItemRef{Kind: k.kind, Key: key}
}

// listURL is the page listing items of the kind.
func (s *Server) itemListURL(k *itemKind, slug string) string {
	return s.programmeBase(slug) + "/" + k.section
}

// itemURL is the address of the item's pages; "/new" for a new one.
func (s *Server) itemURL(k *itemKind, slug, key string) string {
	return s.programmeBase(slug) + "/" + k.section + k.path + "/" + url.PathEscape(key)
}

// fieldOf maps the path of a problem of the batch's one item, such as
// "people[0].email", to a field of the form.
func (k *itemKind) fieldOf(path string) string {
	m := itemPath.FindStringSubmatch(path)
	if m == nil || m[1] != k.list {
		return ""
	}
	for _, f := range k.fields {
		if f.name == m[2] {
			return f.name
		}
	}
	return ""
}

var itemPath = regexp.MustCompile(`^([a-z]+)\[[0-9]+\]\.([a-z_]+)$`)

// itemForm fills the page from the form.
func (s *Server) itemForm(c echo.Context, k *itemKind, p *programme.Programme, f *form, key string) (itemFormPage, error) {
	creating := key == ""
	title := "New " + k.noun
	if !creating {
		title = "Edit the " + k.noun + " " + cmp.Or(programme.ItemTitle(p, k.ref(key)), key)
	}
	base, err := s.staffPageOf(c, title)
	if err != nil {
		return itemFormPage{}, err
	}
	nav, err := s.staffNavOf(c, p, k.section)
	if err != nil {
		return itemFormPage{}, err
	}
	out := itemFormPage{staffPage: base, Nav: nav, Heading: title, Noun: k.noun, Creating: creating,
		Errors: f.Errors, Revision: f.Values.Get("revision"), Back: s.itemListURL(k, p.Slug)}
	if creating {
		out.Action = s.itemURL(k, p.Slug, "new")
		v := f.field("key", "Key", "text")
		v.Required = true
		v.Hint = "Names the " + k.noun + " in the programme file and in addresses: lower-case letters, digits and hyphens. It cannot change later."
		out.Fields = append(out.Fields, itemField{fieldView: v})
	} else {
		out.Action = s.itemURL(k, p.Slug, key) + "/edit"
		out.RemoveAction = s.itemURL(k, p.Slug, key) + "/remove"
		if k.warnings != nil {
			out.Warnings = k.warnings(p, key)
		}
	}
	var options map[string][]selectOption
	if k.options != nil {
		options = k.options(p, key)
	}
	for _, fs := range k.fields {
		v := f.field(fs.name, fs.label, fs.typ)
		v.Hint = fs.hint
		v.Required = fs.name == "name"
		field := itemField{fieldView: v}
		for _, o := range options[fs.name] {
			o.Selected = o.Value == v.Value
			field.Options = append(field.Options, o)
		}
		out.Fields = append(out.Fields, field)
	}
	return out, nil
}

// handleItemNew shows the form of a new item.
func (s *Server) handleItemNew(k *itemKind) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, err := s.storedProgramme(c)
		if err != nil {
			return err
		}
		f := &form{Values: url.Values{}, Errors: map[string]string{}}
		data, err := s.itemForm(c, k, p, f, "")
		if err != nil {
			return err
		}
		return c.Render(http.StatusOK, "staff/people_form", data)
	}
}

// handleItemCreate creates an item from its form.
func (s *Server) handleItemCreate(k *itemKind) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, err := s.storedProgramme(c)
		if err != nil {
			return err
		}
		f, err := newForm(c)
		if err != nil {
			return err
		}
		key := f.Get("key")
		switch {
		case key == "":
			f.Fail("key", "Enter a key, such as "+exampleKey[k.kind]+".")
		case !programme.ValidKey(key):
			f.Fail("key", "Use lower-case letters, digits and hyphens only, starting with a letter or digit.")
		case exchange.Fragment(p, k.ref(key)) != nil:
			f.Fail("key", "A "+k.noun+" with this key already exists.")
		}
		if err := s.saveItem(c, k, p, f, key, ""); err == nil {
			return c.Redirect(http.StatusSeeOther, s.itemListURL(k, p.Slug))
		} else if !errors.Is(err, errFormRefused) {
			return err
		}
		data, err := s.itemForm(c, k, p, f, "")
		if err != nil {
			return err
		}
		return c.Render(http.StatusUnprocessableEntity, "staff/people_form", data)
	}
}

var exampleKey = map[string]string{
	programme.KindPerson: "syed-shah", programme.KindDelegation: "pk",
	programme.KindVenue: "expo", programme.KindRoom: "room-10",
}

// errFormRefused says the form's problems are recorded in it, to show.
var errFormRefused = errors.New("the form has problems")

// saveItem saves the item of the form as one change, expecting the stored
// item at revision ("" when creating). It returns errFormRefused after
// recording problems in f, a *programme.Stale error when the item changed
// meanwhile, or another error.
func (s *Server) saveItem(c echo.Context, k *itemKind, p *programme.Programme, f *form, key, revision string) error {
	batch := p.Header()
	k.item(f, p, batch, key)
	if !f.Valid() {
		return errFormRefused
	}
	base, err := s.staffPageOf(c, "")
	if err != nil {
		return err
	}
	_, err = s.changes.Change(c.Request().Context(), p.Slug, programme.ChangeRequest{
		Batch: batch, Author: authorOf(base.User), Source: programme.SourceWeb,
		Expect: map[programme.ItemRef]string{k.ref(key): revision},
	})
	switch {
	case err == nil:
		return nil
	case revision == "" && programme.ErrorCode(err) == programme.ECONFLICT:
		// Someone created an item of the same key meanwhile.
		f.Fail("key", "A "+k.noun+" with this key already exists.")
		return errFormRefused
	case f.failWith(err, k.fieldOf):
		return errFormRefused
	}
	return err
}

// itemKey is the route's key of an existing item of the kind.
func itemKey(c echo.Context, k *itemKind, p *programme.Programme) (string, error) {
	key := c.Param("key")
	if exchange.Fragment(p, k.ref(key)) == nil {
		return "", programme.Errorf(programme.ENOTFOUND, "There is no such %s in this programme.", k.noun)
	}
	return key, nil
}

// handleItemEdit shows the form of a stored item with its revision.
func (s *Server) handleItemEdit(k *itemKind) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, err := s.storedProgramme(c)
		if err != nil {
			return err
		}
		key, err := itemKey(c, k, p)
		if err != nil {
			return err
		}
		f := &form{Values: s.itemValues(k, p, key), Errors: map[string]string{}}
		data, err := s.itemForm(c, k, p, f, key)
		if err != nil {
			return err
		}
		return c.Render(http.StatusOK, "staff/people_form", data)
	}
}

func (s *Server) itemValues(k *itemKind, p *programme.Programme, key string) url.Values {
	v := k.values(p, key)
	v.Set("revision", exchange.Revision(p, k.ref(key)))
	return v
}

// handleItemUpdate saves a stored item; a save from an older revision is
// refused with both versions shown (409).
func (s *Server) handleItemUpdate(k *itemKind) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, err := s.storedProgramme(c)
		if err != nil {
			return err
		}
		key, err := itemKey(c, k, p)
		if err != nil {
			return err
		}
		f, err := newForm(c)
		if err != nil {
			return err
		}
		err = s.saveItem(c, k, p, f, key, f.Values.Get("revision"))
		if err == nil {
			return c.Redirect(http.StatusSeeOther, s.itemListURL(k, p.Slug))
		}
		var stale *programme.Stale
		switch {
		case errors.As(err, &stale):
			return s.renderStaleItem(c, k, f, key, err)
		case !errors.Is(err, errFormRefused):
			return err
		}
		data, err := s.itemForm(c, k, p, f, key)
		if err != nil {
			return err
		}
		return c.Render(http.StatusUnprocessableEntity, "staff/people_form", data)
	}
}

// renderStaleItem shows the form again with the user's input, the version
// saved meanwhile beside it, and the stored revision, so that saving again
// is a choice made with both in sight (409).
func (s *Server) renderStaleItem(c echo.Context, k *itemKind, f *form, key string, refusal error) error {
	current, err := s.storedProgramme(c)
	if err != nil {
		return err
	}
	data, err := s.itemForm(c, k, current, f, key)
	if err != nil {
		return err
	}
	data.Stale = &staleView{Message: programme.ErrorMessage(refusal)}
	if exchange.Fragment(current, k.ref(key)) == nil {
		// Deleted meanwhile: there is nothing to save over.
		data.Creating, data.Action, data.RemoveAction = true, "", ""
		return c.Render(http.StatusConflict, "staff/people_form", data)
	}
	theirs := s.itemValues(k, current, key)
	data.Revision = theirs.Get("revision")
	for _, fs := range k.fields {
		t, y := theirs.Get(fs.name), f.Get(fs.name)
		data.Stale.Rows = append(data.Stale.Rows, staleRow{Label: fs.label, Theirs: t, Yours: y, Differ: t != y})
	}
	return c.Render(http.StatusConflict, "staff/people_form", data)
}

// handleItemRemove deletes a stored item, as one change, when nothing
// refers to it; else the form says what does (422).
func (s *Server) handleItemRemove(k *itemKind) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, err := s.storedProgramme(c)
		if err != nil {
			return err
		}
		key, err := itemKey(c, k, p)
		if err != nil {
			return err
		}
		f, err := newForm(c)
		if err != nil {
			return err
		}
		base, err := s.staffPageOf(c, "")
		if err != nil {
			return err
		}
		ref := k.ref(key)
		_, err = s.changes.Change(c.Request().Context(), p.Slug, programme.ChangeRequest{
			Remove: []programme.ItemRef{ref}, Author: authorOf(base.User), Source: programme.SourceWeb,
			Expect: map[programme.ItemRef]string{ref: f.Values.Get("revision")},
		})
		if err == nil {
			return c.Redirect(http.StatusSeeOther, s.itemListURL(k, p.Slug))
		}
		// The form shows the stored item again, not what the remove
		// button carried.
		shown := &form{Values: s.itemValues(k, p, key), Errors: map[string]string{}}
		var stale *programme.Stale
		if errors.As(err, &stale) {
			return s.renderStaleItem(c, k, shown, key, err)
		}
		if programme.ErrorCode(err) != programme.EINVALID {
			return err
		}
		shown.Fail("", programme.ErrorMessage(err)+". Nothing was deleted.")
		data, err := s.itemForm(c, k, p, shown, key)
		if err != nil {
			return err
		}
		data.References = programme.ReferencesTo(p, ref, nil)
		return c.Render(http.StatusUnprocessableEntity, "staff/people_form", data)
	}
}

// atoiField reads a whole number field, failing it when it is not one.
func atoiField(f *form, name string) int {
	v := f.Get(name)
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		f.Fail(name, "Enter a whole number, such as 40.")
	}
	return n
}
