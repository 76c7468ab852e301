// Package peoplecsv reads and writes a programme's people as CSV, the form
// staff keep delegate lists in (a spreadsheet).
//
// The file has one header row naming the columns of Columns, in any order
// (unknown columns are an error, missing ones are left empty), then one
// row per person. Fields are quoted as RFC 4180 says, lines end in CRLF.
//
// Writing starts the file with a UTF-8 byte order mark: Excel reads a CSV
// file without one in the legacy code page of the computer opening it,
// which garbles every name outside ASCII (Afghan and Pakistani delegates'
// names among them); LibreOffice, Google Sheets and Go's own encoding/csv
// reading through this package handle the mark. Reading accepts files with
// or without it.
//
// Cells are written safe from formula injection: a cell starting with =,
// +, -, @, a tab or a carriage return is what a spreadsheet runs as a
// formula, so it is written with a ' in front, which spreadsheets show as
// text and hide. A cell that itself starts with ' gets one more, so that
// reading, which drops one leading ' from every cell, gives back exactly
// what was written. A phone number "+1 202 555 0100" is so written
// "'+1 202 555 0100".
package peoplecsv

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/planner-dev/planner/internal/programme"
)

// Columns are the columns of the file, in the order Write writes them; the
// names are the programme file's own (see the file format's people).
var Columns = []string{"key", "name", "title", "organization", "role", "delegation", "email", "phone", "note"}

const bom = "\uFEFF"

// MaxRows bounds how many people one file may hold, far above any real
// programme, so that an upload cannot make the preview page unbounded.
const MaxRows = 5000

// Write writes people as CSV, with the byte order mark, the header and one
// row per person.
func Write(w io.Writer, people []programme.Person) error {
	if _, err := io.WriteString(w, bom); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(Columns); err != nil {
		return err
	}
	for i := range people {
		p := &people[i]
		row := []string{p.Key, p.Name, p.Title, p.Organization, p.Role, p.Delegation, p.Email, p.Phone, p.Note}
		for j := range row {
			row[j] = Escape(row[j])
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// Escape makes a cell safe to open in a spreadsheet (see the package
// documentation); Unescape undoes it.
func Escape(cell string) string {
	if cell == "" {
		return cell
	}
	switch cell[0] {
	case '=', '+', '-', '@', '\t', '\r', '\'':
		return "'" + cell
	}
	return cell
}

// Unescape drops the one leading ' that Escape adds, or that a spreadsheet
// user typed to keep a cell as text.
func Unescape(cell string) string { return strings.TrimPrefix(cell, "'") }

// Row is one person of a file, with the problems found in it.
type Row struct {
	// Line is the row's line number in the file, the header being line 1,
	// as a spreadsheet numbers its rows.
	Line   int
	Person programme.Person
	Errors []CellError
}

// CellError is a problem of one cell of a row: its column, or "" for the
// whole row.
type CellError struct {
	Column string
	Msg    string
}

func (e CellError) String() string {
	if e.Column == "" {
		return e.Msg
	}
	return e.Column + ": " + e.Msg
}

// failed reports whether a problem of column is recorded already.
func (r *Row) failed(column string) bool {
	return slices.ContainsFunc(r.Errors, func(e CellError) bool { return e.Column == column })
}

// lineFeeds turns the line ends a spreadsheet may save inside a cell (CRLF,
// or a lone CR from older Mac software) into the line feed that stored text
// uses.
var lineFeeds = strings.NewReplacer("\r\n", "\n", "\r", "\n")

// Fail records a problem of the row.
func (r *Row) Fail(column, format string, args ...any) {
	r.Errors = append(r.Errors, CellError{Column: column, Msg: fmt.Sprintf(format, args...)})
}

// Read reads a file of people. Problems of one row (a missing key, a key
// used twice, an address that is no e-mail address, text that is not
// UTF-8) are kept with the row, so that all of them can be shown at once;
// an error is returned only when the file as a whole cannot be read (no
// header, an unknown column, a broken quote), as an EINVALID naming the
// line.
func Read(r io.Reader) ([]Row, error) {
	data, err := io.ReadAll(io.LimitReader(r, 16<<20))
	if err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, []byte(bom))
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, programme.Errorf(programme.EINVALID, "The file is empty: it needs a header row naming the columns (%s).", strings.Join(Columns, ","))
	}
	if err != nil {
		return nil, readError(err)
	}
	index := map[string]int{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		if !utf8.ValidString(name) {
			return nil, programme.Errorf(programme.EINVALID, "Line 1, column %d: the header is not UTF-8 text; save the file as CSV UTF-8.", i+1)
		}
		if !slices.Contains(Columns, name) {
			return nil, programme.Errorf(programme.EINVALID, "Line 1, column %d: %q is not a column of a people file (use %s).", i+1, clip(h), strings.Join(Columns, ","))
		}
		if _, dup := index[name]; dup {
			return nil, programme.Errorf(programme.EINVALID, "Line 1: the column %q is named twice.", name)
		}
		index[name] = i
	}
	if _, ok := index["key"]; !ok {
		return nil, programme.Errorf(programme.EINVALID, "Line 1: the header has no key column; every person needs a key.")
	}
	var rows []Row
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, readError(err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line, as spreadsheets leave at the end
		}
		if len(rows) == MaxRows {
			return nil, programme.Errorf(programme.EINVALID, "Line %d: a file holds at most %d people.", line, MaxRows)
		}
		row := Row{Line: line}
		if len(rec) != len(header) {
			row.Fail("", "has %d cells where the header names %d columns", len(rec), len(header))
		}
		cell := func(name string) string {
			i, ok := index[name]
			if !ok || i >= len(rec) {
				return ""
			}
			v := rec[i]
			if !utf8.ValidString(v) {
				row.Fail(name, "is not UTF-8 text; save the file as CSV UTF-8")
				return ""
			}
			return strings.TrimSpace(Unescape(strings.TrimSpace(v)))
		}
		p := programme.Person{Key: cell("key"), Name: cell("name"), Title: cell("title"), Organization: cell("organization"),
			Role: cell("role"), Delegation: cell("delegation"), Email: cell("email"), Phone: cell("phone"),
			Note: lineFeeds.Replace(cell("note"))}
		switch {
		case p.Key == "":
			row.Fail("key", "is empty; every person needs a key")
		case !programme.ValidKey(p.Key):
			row.Fail("key", "%q is not a valid key: use lower-case letters, digits and -", clip(p.Key))
		default:
			if first, dup := seen[p.Key]; dup {
				row.Fail("key", "%q is also the key of line %d", p.Key, first)
			} else {
				seen[p.Key] = line
			}
		}
		if p.Name == "" {
			row.Fail("name", "is empty")
		}
		problems := programme.PersonTextProblems(p)
		for _, column := range Columns {
			if msg := problems[column]; msg != "" && !row.failed(column) {
				row.Fail(column, "%s", msg)
			}
		}
		if msg := EmailProblem(p.Email); msg != "" {
			row.Fail("email", "%s", msg)
		}
		row.Person = p
		rows = append(rows, row)
	}
	return rows, nil
}

// EmailProblem says what is wrong with an e-mail address, or "" when it is
// one (or empty: an address is optional). The programme file itself takes
// any text; forms and this importer ask for a plain address, as a mail
// client needs.
func EmailProblem(s string) string {
	if s == "" {
		return ""
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return fmt.Sprintf("%q is not an e-mail address such as name@example.org", clip(s))
	}
	return ""
}

func readError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return programme.Errorf(programme.EINVALID, "Line %d, column %d: %s; the file is not CSV as a spreadsheet saves it.", pe.Line, pe.Column, pe.Err)
	}
	return programme.Errorf(programme.EINVALID, "The file could not be read as CSV: %s.", err)
}

// clip shortens what a message quotes from the file.
func clip(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}
