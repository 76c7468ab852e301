package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/planner-dev/planner/internal/exchange"
	"github.com/planner-dev/planner/internal/peoplecsv"
	"github.com/planner-dev/planner/internal/programme"
)

// People and delegations are sensitive for visiting government
// delegations: contacts and notes are shown on these staff pages only,
// behind a login (the public page and the feeds leave them out).

// personKind is a person in the item form.
var personKind = &itemKind{
	kind: programme.KindPerson, list: "people", noun: "person", section: "people",
	fields: []itemFieldSpec{
		{"name", "Name", "text", ""},
		{"title", "Title", "text", "Such as Minister of Communications."},
		{"organization", "Organization", "text", ""},
		{"role", "Role", "text", ""},
		{"delegation", "Delegation", "text", "Speakers and staff belong to none."},
		{"email", "E-mail", "email", "Staff only."},
		{"phone", "Phone", "tel", "Staff only."},
		{"calendar_by_email", "Send their agenda to this e-mail address as calendar invitations", "checkbox",
			"Each change then reaches them as an invitation; the first asks them to accept it once."},
		{"note", "Note", "textarea", "Staff only: never on the public page or in feeds."},
	},
	values: func(p *programme.Programme, key string) url.Values {
		x := p.Person(key)
		v := url.Values{"key": {x.Key}, "name": {x.Name}, "title": {x.Title}, "organization": {x.Organization},
			"role": {x.Role}, "delegation": {x.Delegation}, "email": {x.Email}, "phone": {x.Phone}, "note": {x.Note}}
		if x.CalendarByEmail {
			v.Set("calendar_by_email", "on")
		}
		return v
	},
	item: func(f *form, stored, batch *programme.Programme, key string) {
		if msg := peoplecsv.EmailProblem(f.Get("email")); msg != "" {
			f.Fail("email", upperFirst(msg)+".")
		}
		batch.People = append(batch.People, programme.Person{Key: key, Name: f.Get("name"), Title: f.Get("title"),
			Organization: f.Get("organization"), Role: f.Get("role"), Delegation: f.Get("delegation"),
			Email: f.Get("email"), Phone: f.Get("phone"), Note: textareaValue(f, "note"),
			CalendarByEmail: f.Checked("calendar_by_email")})
	},
	options: func(p *programme.Programme, key string) map[string][]selectOption {
		roles := []selectOption{{Value: "", Label: "Choose a role"}}
		for _, r := range programme.Roles {
			roles = append(roles, selectOption{Value: r, Label: strings.ReplaceAll(r, "_", " ")})
		}
		dels := []selectOption{{Value: "", Label: "None"}}
		for _, d := range p.Delegations {
			dels = append(dels, selectOption{Value: d.Key, Label: d.Name})
		}
		return map[string][]selectOption{"role": roles, "delegation": dels}
	},
}

// delegationKind is a delegation in the item form.
var delegationKind = &itemKind{
	kind: programme.KindDelegation, list: "delegations", noun: "delegation", section: "people", path: "/delegations",
	fields: []itemFieldSpec{
		{"name", "Name", "text", "Such as Pakistan."},
		{"country", "Country code", "text", "Two capital letters (ISO 3166-1), such as PK."},
		{"lead", "Lead", "text", "One of the delegation's members; add people to it first."},
		{"note", "Note", "textarea", "Staff only."},
	},
	values: func(p *programme.Programme, key string) url.Values {
		d := p.Delegation(key)
		return url.Values{"key": {d.Key}, "name": {d.Name}, "country": {d.Country}, "lead": {d.Lead}, "note": {d.Note}}
	},
	item: func(f *form, stored, batch *programme.Programme, key string) {
		batch.Delegations = append(batch.Delegations, programme.Delegation{Key: key, Name: f.Get("name"),
			Country: f.Get("country"), Lead: f.Get("lead"), Note: textareaValue(f, "note")})
	},
	options: func(p *programme.Programme, key string) map[string][]selectOption {
		lead := []selectOption{{Value: "", Label: "None"}}
		for _, x := range p.People {
			if key != "" && x.Delegation == key {
				lead = append(lead, selectOption{Value: x.Key, Label: x.Name})
			}
		}
		return map[string][]selectOption{"lead": lead}
	},
}

// textareaValue is a textarea's text with the line ends browsers send
// made the file's.
func textareaValue(f *form, name string) string {
	return strings.TrimSpace(strings.ReplaceAll(f.Values.Get(name), "\r\n", "\n"))
}

// peoplePage is the page data of staff/people.html.
type peoplePage struct {
	staffPage
	Nav        staffNav
	Base       string
	Query      string
	Groups     []peopleGroup
	Shown, All int
}

// peopleGroup is a delegation and its people, or the people of none.
type peopleGroup struct {
	Delegation *programme.Delegation
	LeadName   string
	People     []programme.Person
}

// handlePeopleIndex lists the people by delegation, with contacts, or
// those matching the query q (name, key, title, organization, role,
// delegation, e-mail, phone), matched on the server so that the page
// works without script.
func (s *Server) handlePeopleIndex(c echo.Context) error {
	p, err := s.sharedProgramme(c)
	if err != nil {
		return err
	}
	base, err := s.staffPageOf(c, "People of "+p.Title)
	if err != nil {
		return err
	}
	nav, err := s.staffNavOf(c, p, "people")
	if err != nil {
		return err
	}
	q := strings.TrimSpace(c.QueryParam("q"))
	out := peoplePage{staffPage: base, Nav: nav, Base: s.programmeBase(p.Slug), Query: q, All: len(p.People)}
	byDel := map[string]int{}
	for i := range p.Delegations {
		d := &p.Delegations[i]
		byDel[d.Key] = len(out.Groups)
		g := peopleGroup{Delegation: d}
		if l := p.Person(d.Lead); l != nil {
			g.LeadName = l.Name
		}
		out.Groups = append(out.Groups, g)
	}
	out.Groups = append(out.Groups, peopleGroup{})
	for _, x := range p.People {
		if q != "" && !personMatches(p, &x, q) {
			continue
		}
		i, ok := byDel[x.Delegation]
		if !ok {
			i = len(out.Groups) - 1
		}
		out.Groups[i].People = append(out.Groups[i].People, x)
		out.Shown++
	}
	if q != "" {
		// A search shows only the groups with a match.
		var kept []peopleGroup
		for _, g := range out.Groups {
			if len(g.People) > 0 {
				kept = append(kept, g)
			}
		}
		out.Groups = kept
	}
	return c.Render(http.StatusOK, "staff/people", out)
}

// personMatches reports whether q is in any of x's fields, ignoring case.
func personMatches(p *programme.Programme, x *programme.Person, q string) bool {
	q = strings.ToLower(q)
	fields := []string{x.Key, x.Name, x.Title, x.Organization, x.Role, x.Delegation, x.Email, x.Phone}
	if d := p.Delegation(x.Delegation); d != nil {
		fields = append(fields, d.Name)
	}
	for _, f := range fields {
		if strings.Contains(strings.ToLower(f), q) {
			return true
		}
	}
	return false
}

// handlePeopleExport downloads the people as CSV for a spreadsheet (see
// package peoplecsv for the format and why it is so).
func (s *Server) handlePeopleExport(c echo.Context) error {
	p, err := s.sharedProgramme(c)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := peoplecsv.Write(&b, p.People); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+p.Slug+`-people.csv"`)
	// Contacts are in the file: no cache may keep it.
	h.Set(echo.HeaderCacheControl, "no-store")
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8; header=present", b.Bytes())
}

// peopleImportPage is the page data of staff/people_import.html: the upload
// form, or the preview of a file, each row with its problems.
type peopleImportPage struct {
	staffPage
	Nav     staffNav
	Base    string
	Errors  map[string]string
	Plan    *peoplecsv.Plan
	Content string
	// Digest is that of the stored people the file names, at the preview,
	// so that confirming after they changed is refused.
	Digest string
}

func (s *Server) peopleImportPageOf(c echo.Context, p *programme.Programme) (peopleImportPage, error) {
	base, err := s.staffPageOf(c, "Import people")
	if err != nil {
		return peopleImportPage{}, err
	}
	nav, err := s.staffNavOf(c, p, "people")
	if err != nil {
		return peopleImportPage{}, err
	}
	return peopleImportPage{staffPage: base, Nav: nav, Base: s.programmeBase(p.Slug), Errors: map[string]string{}}, nil
}

// handlePeopleImportNew shows the upload form of a people file.
func (s *Server) handlePeopleImportNew(c echo.Context) error {
	p, err := s.storedProgramme(c)
	if err != nil {
		return err
	}
	data, err := s.peopleImportPageOf(c, p)
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "staff/people_import", data)
}

// planPeople reads content and plans its import into p, recording a
// problem of the whole file in data.
func planPeople(data *peopleImportPage, p *programme.Programme, content string) bool {
	rows, err := peoplecsv.Read(strings.NewReader(content))
	if err != nil {
		if programme.ErrorCode(err) != programme.EINVALID {
			data.Errors["file"] = "The file could not be read; try again."
			return false
		}
		data.Errors["file"] = programme.ErrorMessage(err) + " Nothing was imported."
		return false
	}
	if len(rows) == 0 {
		data.Errors["file"] = "The file names no one: it has a header and no rows. Nothing was imported."
		return false
	}
	data.Plan = peoplecsv.PlanImport(p, rows)
	data.Content = content
	data.Digest = peopleDigest(p, rows)
	return true
}

// peopleDigest sums up the revisions of the stored people the rows name.
func peopleDigest(p *programme.Programme, rows []peoplecsv.Row) string {
	h := sha256.New()
	for _, r := range rows {
		h.Write([]byte(r.Person.Key + "=" + exchange.Revision(p, programme.ItemRef{Kind: programme.KindPerson, Key: r.Person.Key}) + "\n"))
	}
	for _, d := range p.Delegations {
		// Rows check against the delegations and their leads too.
		h.Write([]byte(d.Key + "=" + exchange.Revision(p, programme.ItemRef{Kind: programme.KindDelegation, Key: d.Key}) + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// handlePeopleImportPreview checks an uploaded file and shows each row
// with what it would do and its problems; nothing is saved.
func (s *Server) handlePeopleImportPreview(c echo.Context) error {
	p, err := s.storedProgramme(c)
	if err != nil {
		return err
	}
	data, err := s.peopleImportPageOf(c, p)
	if err != nil {
		return err
	}
	content, ok := uploadedFile(c, data.Errors)
	if !ok {
		data.Errors["file"] = "Choose a CSV file of people to import."
		return c.Render(http.StatusUnprocessableEntity, "staff/people_import", data)
	}
	if !planPeople(&data, p, content) {
		return c.Render(http.StatusUnprocessableEntity, "staff/people_import", data)
	}
	status := http.StatusOK
	if !data.Plan.Valid() {
		status = http.StatusUnprocessableEntity
	}
	return c.Render(status, "staff/people_import", data)
}

// handlePeopleImportCreate imports a previewed file as one change: every
// row or, when any has a problem, none.
func (s *Server) handlePeopleImportCreate(c echo.Context) error {
	p, err := s.storedProgramme(c)
	if err != nil {
		return err
	}
	data, err := s.peopleImportPageOf(c, p)
	if err != nil {
		return err
	}
	if !planPeople(&data, p, c.FormValue("content")) {
		return c.Render(http.StatusUnprocessableEntity, "staff/people_import", data)
	}
	if c.FormValue("digest") != data.Digest {
		data.Errors["file"] = "Someone changed these people or the delegations since your preview. Nothing was imported: check the new preview below and import again."
		return c.Render(http.StatusConflict, "staff/people_import", data)
	}
	if !data.Plan.Valid() {
		data.Errors["file"] = "Some rows have problems. Nothing was imported: correct the file and upload it again."
		return c.Render(http.StatusUnprocessableEntity, "staff/people_import", data)
	}
	if data.Plan.Batch != nil {
		_, err = s.changes.Change(c.Request().Context(), p.Slug, programme.ChangeRequest{
			Batch: data.Plan.Batch, Author: authorOf(data.User), Source: programme.SourceImport, Summary: data.Plan.Summary(),
		})
		if err != nil {
			if programme.ErrorCode(err) == programme.EINVALID {
				data.Errors["file"] = programme.ErrorMessage(err) + " Nothing was imported."
				return c.Render(http.StatusUnprocessableEntity, "staff/people_import", data)
			}
			return err
		}
	}
	return c.Redirect(http.StatusSeeOther, s.programmeBase(p.Slug)+"/people")
}
