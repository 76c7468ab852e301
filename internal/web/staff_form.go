package web

import (
	"errors"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/planner-dev/planner/internal/programme"
)

// form is a submitted staff form: the values as the user typed them, kept
// to show again, and the problems found, each beside its field. Handlers
// decode with newForm, check with Fail and the domain's validation (see
// failWith), and re-render with 422 while the form is not Valid.
type form struct {
	Values url.Values
	// Errors maps a field's name to its message; the key "" holds
	// problems of the whole form.
	Errors map[string]string
}

// newForm reads the request's form (URL-encoded or multipart).
func newForm(c echo.Context) (*form, error) {
	values, err := c.FormParams()
	if err != nil {
		return nil, programme.Errorf(programme.EINVALID, "The form could not be read.")
	}
	return &form{Values: values, Errors: map[string]string{}}, nil
}

// Get returns a field's value, trimmed of surrounding space.
func (f *form) Get(name string) string { return strings.TrimSpace(f.Values.Get(name)) }

// Checked reports whether a checkbox was ticked.
func (f *form) Checked(name string) bool { return f.Values.Get(name) != "" }

// Fail records a problem of a field, keeping the first one found.
func (f *form) Fail(field, msg string) {
	if _, ok := f.Errors[field]; !ok {
		f.Errors[field] = msg
	}
}

// Valid reports whether no problem was found.
func (f *form) Valid() bool { return len(f.Errors) == 0 }

// failWith puts the problems of a domain EINVALID error beside the fields
// they are about: field maps the path of a problem (such as
// "programme.title") to a field of the form, or to "" for problems the
// form has no field for, which are listed together at its top. It reports
// whether err was such an error; any other error is left to the caller.
func (f *form) failWith(err error, field func(path string) string) bool {
	var e *programme.Error
	if !errors.As(err, &e) || e.Code != programme.EINVALID {
		return false
	}
	if len(e.Fields) == 0 {
		f.Fail("", e.Message)
		return true
	}
	for _, fe := range e.Fields {
		name := field(fe.Path)
		msg := fe.Msg
		if name == "" {
			msg = fe.Error()
			if prev, ok := f.Errors[""]; ok {
				f.Errors[""] = prev + "; " + msg
				continue
			}
		}
		f.Fail(name, upperFirst(msg)+".")
	}
	return true
}

// upperFirst starts a domain message, written to follow a path, as a
// sentence.
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// fieldView is one input of a form as the partial _staff_field.html draws
// it: a label, the value as typed, and the error beside it.
type fieldView struct {
	Name  string
	Label string
	// Type is an input type ("text", "date", "checkbox"), or "textarea".
	Type     string
	Value    string
	Checked  bool
	Hint     string
	Error    string
	Required bool
	// List names a datalist of suggestions, when the page has one.
	List string
}

// field makes the view of one field from the form.
func (f *form) field(name, label, typ string) fieldView {
	v := fieldView{Name: name, Label: label, Type: typ, Value: f.Values.Get(name), Error: f.Errors[name]}
	if typ == "checkbox" {
		v.Checked = f.Checked(name)
	}
	return v
}
