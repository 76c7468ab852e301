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
		"short\r\n"
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
