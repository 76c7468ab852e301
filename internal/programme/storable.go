package programme

import (
	"fmt"
	"reflect"
	"strings"
	"time"
	"unicode"
)

// Instants must fall within these years (in UTC). SQLite keeps a time as
// RFC 3339 text, which has four-digit years: a later time is written but
// can never be read back, and every load of its programme fails. RFC 5545
// DATE-TIME values have four-digit years too.
const (
	minYear = 1
	maxYear = 9999
)

// storable checks every text and every instant of the programme: text for
// its length and characters (see textRules), and for what no database can
// keep: a NUL character or invalid UTF-8 (PostgreSQL refuses both, while
// SQLite stores them, so a programme would import on one dialect and fail
// with an internal error on the other); and times outside the years 1 to
// 9999. It walks the domain types by reflection, so that a field added later
// is checked too; the store's bookkeeping (see bookkeeping) is skipped. A
// path that already has a problem is not reported again.
func (v *validator) storable() {
	reported := make(map[string]bool, len(v.errs))
	for _, e := range v.errs {
		reported[e.Path] = true
	}
	report := func(path, format string, args ...any) {
		if !reported[path] {
			reported[path] = true
			v.add(path, format, args...)
		}
	}
	p := reflect.ValueOf(v.p).Elem()
	t := p.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if bookkeeping(f.Name) {
			continue
		}
		// The programme's own fields sit under "programme" in the file; its
		// lists of items sit at the top level.
		path := fileName(f.Name)
		if f.Type.Kind() != reflect.Slice {
			path = "programme." + path
		}
		walkStorable(path, t.Name()+"."+f.Name, p.Field(i), report)
	}
}

var timeType = reflect.TypeFor[time.Time]()

// walkStorable checks v at path; field is the Go type and field name that
// holds it ("Session.Title"), which picks the rule of a text.
func walkStorable(path, field string, v reflect.Value, report func(path, format string, args ...any)) {
	switch {
	case v.Type() == timeType:
		t := v.Interface().(time.Time)
		if t.IsZero() {
			return // a missing time is reported where it is required
		}
		if y := t.UTC().Year(); y < minYear || y > maxYear {
			report(path, "is in the year %d (UTC): times must fall in the years %d to %d", y, minYear, maxYear)
		}
		return
	}
	switch v.Kind() {
	case reflect.String:
		rule, ok := textRules[field]
		if !ok {
			// The tests keep textRules complete; a field they missed
			// still gets the strictest rule that holds real text.
			rule = lineText
		}
		if msg := checkText(v.String(), rule); msg != "" {
			report(path, "%s", msg)
		}
	case reflect.Pointer:
		if !v.IsNil() {
			walkStorable(path, field, v.Elem(), report)
		}
	case reflect.Slice:
		for i := range v.Len() {
			walkStorable(fmt.Sprintf("%s[%d]", path, i), field, v.Index(i), report)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if bookkeeping(f.Name) || !f.IsExported() {
				continue
			}
			walkStorable(path+"."+fileName(f.Name), t.Name()+"."+f.Name, v.Field(i), report)
		}
	}
}

// bookkeeping reports whether a field is the store's bookkeeping rather than
// part of the programme file: histories kept for feeds, versions and times
// of change. These are named alike on every domain type.
func bookkeeping(name string) bool {
	switch name {
	case "Change", "Former", "FormerSpeakers", "FormerDelegations", "FormerRooms",
		"Version", "UpdatedAt", "Active", "Changes", "Since":
		return true
	}
	return false
}

// fileName turns a Go field name into its name in the programme file:
// TimeZone becomes time_zone, AvailableFrom available_from.
func fileName(goName string) string {
	var b strings.Builder
	for i, r := range goName {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// PersonTextProblems checks the text of one person as validation does (see
// textRules), for readers of partial files such as a people CSV, which show
// every row's problems before anything is validated as a whole. It maps the
// field's name in the programme file ("note") to what is wrong with it.
func PersonTextProblems(p Person) map[string]string {
	var problems map[string]string
	walkStorable("", "Person", reflect.ValueOf(p), func(path, format string, args ...any) {
		if problems == nil {
			problems = map[string]string{}
		}
		problems[strings.TrimPrefix(path, ".")] = fmt.Sprintf(format, args...)
	})
	return problems
}
