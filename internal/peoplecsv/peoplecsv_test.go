package peoplecsv

import (
	"bytes"
	"encoding/csv"
	"reflect"
	"strings"
	"testing"

	"github.com/planner-dev/planner/internal/programme"
)

var people = []programme.Person{
	{Key: "syed-shah", Name: "Syed Ismail Shah", Title: "Chairman", Organization: "PTA", Role: "government",
		Delegation: "pk", Email: "syed@example.org", Phone: "+92 51 9225", Note: "Arrives late.\nVegetarian."},
	{Key: "formula", Name: "=HYPERLINK(\"http://evil\")", Organization: "-2+3", Title: "@SUM(A1)", Note: "'quoted"},
	{Key: "zaki", Name: "ذكي, \"Zaki\""},
}

func TestWriteThenReadGivesThePeopleBack(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, people); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), "\uFEFFkey,name,title,organization,role,delegation,email,phone,note\r\n") {
		t.Errorf("the file starts %q, want the BOM and the header", b.String()[:40])
	}
	rows, err := Read(&b)
	if err != nil {
		t.Fatal(err)
	}
	var got []programme.Person
	for _, r := range rows {
		if len(r.Errors) > 0 {
			t.Errorf("line %d: %v", r.Line, r.Errors)
		}
		got = append(got, r.Person)
	}
	if !reflect.DeepEqual(got, people) {
		t.Errorf("read back\n%+v\nwant\n%+v", got, people)
	}
	if rows[1].Line != 4 || rows[2].Line != 5 {
		t.Errorf("lines %d, %d; want 4 and 5 (the note of line 2 runs on to line 3)", rows[1].Line, rows[2].Line)
	}
}

// A note's line ends, CRLF or the lone CR of older Mac spreadsheets, are
// read as line feeds, which a written file carries back (encoding/csv
// would drop a lone CR on writing).
func TestReadTakesAnyLineEndInANote(t *testing.T) {
	rows, err := Read(strings.NewReader("key,name,note\r\nana,Ana,\"one\rtwo\r\nthree\nfour\"\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || len(rows[0].Errors) != 0 || rows[0].Person.Note != "one\ntwo\nthree\nfour" {
		t.Fatalf("rows %+v, want one good row with the note on four lines", rows)
	}
	var b bytes.Buffer
	if err := Write(&b, []programme.Person{rows[0].Person}); err != nil {
		t.Fatal(err)
	}
	again, err := Read(&b)
	if err != nil || len(again) != 1 || again[0].Person.Note != rows[0].Person.Note {
		t.Fatalf("read back %+v (%v), want the same note", again, err)
	}
}

func TestWriteEscapesFormulas(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, people); err != nil {
		t.Fatal(err)
	}
	// Read the cells as a spreadsheet would, with no unescaping.
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(b.String(), "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs {
		for _, cell := range rec {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("cell %q would run as a formula", cell)
			}
		}
	}
	if got := recs[2][1]; got != `'=HYPERLINK("http://evil")` {
		t.Errorf("name cell %q", got)
	}
	if got := recs[1][7]; got != "'+92 51 9225" {
		t.Errorf("phone cell %q", got)
	}
}

func TestReadKeepsEachRowsProblems(t *testing.T) {
	file := "key,name,email\r\n" +
		"ana,Ana,ana@example.org\r\n" +
		",No Key,\r\n" +
		"ana,Ana Again,not-an-address\r\n" +
		"bad key,Bad,\r\n" +
		"enc,\xff\xfe,\r\n" +
		"short\r\n" +
		"bell,\"Ring\x07\",\r\n" +
		"cr,\"Two\rLines\",\r\n"
	rows, err := Read(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	want := map[int][]string{
		2: nil,
		3: {"key: is empty; every person needs a key"},
		4: {`key: "ana" is also the key of line 2`, `email: "not-an-address" is not an e-mail address such as name@example.org`},
		5: {`key: "bad key" is not a valid key: use lower-case letters, digits and -`},
		6: {"name: is not UTF-8 text; save the file as CSV UTF-8", "name: is empty"},
		7: {"has 1 cells where the header names 3 columns", "name: is empty"},
		8: {"name: contains a control character (U+0007), which is not allowed in text"},
		9: {"name: contains a carriage return (U+000D): it must be one line"},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	for _, r := range rows {
		var got []string
		for _, e := range r.Errors {
			got = append(got, e.String())
		}
		if !reflect.DeepEqual(got, want[r.Line]) {
			t.Errorf("line %d: %q, want %q", r.Line, got, want[r.Line])
		}
	}
}

func TestReadRefusesFilesItCannotRead(t *testing.T) {
	for name, file := range map[string]string{
		"empty":          "",
		"unknown column": "key,name,shoe_size\r\n",
		"no key column":  "name\r\nAna\r\n",
		"broken quote":   "key,name\r\nana,\"Ana\r\n",
		"named twice":    "key,key\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Read(strings.NewReader(file))
			if programme.ErrorCode(err) != programme.EINVALID {
				t.Fatalf("err %v, want EINVALID", err)
			}
		})
	}
}

func TestPlanImport(t *testing.T) {
	p := &programme.Programme{Slug: "x", Title: "X", TimeZone: "UTC", StartsOn: "2026-01-01", EndsOn: "2026-01-02",
		Delegations: []programme.Delegation{{Key: "pk", Name: "Pakistan", Lead: "syed-shah"}},
		People:      people[:1]}
	file := "key,name,role,delegation\r\n" +
		"syed-shah,Syed Ismail Shah,government,pk\r\n" + // only the columns given: the rest empty, so an update
		"new-one,New One,other,nowhere\r\n" +
		"other,Other,king,\r\n" +
		"fine,Fine,other,pk\r\n"
	rows, err := Read(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	plan := PlanImport(p, rows)
	if plan.Valid() {
		t.Fatal("a plan with problems is valid")
	}
	actions := []string{ActionUpdate, ActionCreate, ActionCreate, ActionCreate}
	for i, r := range plan.Rows {
		if r.Action != actions[i] {
			t.Errorf("line %d: %s, want %s", r.Line, r.Action, actions[i])
		}
	}
	if got := plan.Rows[1].Errors; len(got) != 1 || got[0].Column != "delegation" {
		t.Errorf("unknown delegation: %v", got)
	}
	if got := plan.Rows[2].Errors; len(got) != 1 || got[0].Column != "role" {
		t.Errorf("unknown role: %v", got)
	}
	if len(plan.Rows[0].Errors)+len(plan.Rows[3].Errors) > 0 {
		t.Errorf("good rows with problems: %v %v", plan.Rows[0].Errors, plan.Rows[3].Errors)
	}

	// The file as exported changes nothing.
	var b bytes.Buffer
	_ = Write(&b, p.People)
	rows, _ = Read(&b)
	plan = PlanImport(p, rows)
	if !plan.Valid() || plan.Batch != nil || plan.Unchanged != 1 {
		t.Errorf("re-importing the export: %+v", plan)
	}
}

// TestPlanImportKeepsInvitations: the file has no calendar_by_email column,
// so an updated person keeps asking for invitations, and the programme
// keeps its organizer's address.
func TestPlanImportKeepsInvitations(t *testing.T) {
	asked := people[0]
	asked.Email, asked.CalendarByEmail = "syed@example.org", true
	p := &programme.Programme{Slug: "x", Title: "X", TimeZone: "UTC", StartsOn: "2026-01-01", EndsOn: "2026-01-02",
		OrganizerEmail: "events@example.org",
		Delegations:    []programme.Delegation{{Key: "pk", Name: "Pakistan", Lead: "syed-shah"}},
		People:         []programme.Person{asked}}
	rows, err := Read(strings.NewReader("key,name,role,delegation,email\r\nsyed-shah,Syed Shah,government,pk,syed@example.org\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	plan := PlanImport(p, rows)
	if !plan.Valid() || plan.Batch == nil || len(plan.Batch.People) != 1 {
		t.Fatalf("plan %+v", plan)
	}
	if !plan.Batch.People[0].CalendarByEmail || plan.Batch.OrganizerEmail != "events@example.org" {
		t.Errorf("the update drops calendar_by_email (%v) or organizer_email (%q)",
			plan.Batch.People[0].CalendarByEmail, plan.Batch.OrganizerEmail)
	}
}
