package peoplecsv

import (
	"bytes"
	"encoding/csv"
	"reflect"
	"strings"
	"testing"

	"github.com/planner-dev/planner/internal/programme"
)

// FuzzRead checks that Read never panics, that every row it reads without
// problems writes and reads back to the same person.
func FuzzRead(f *testing.F) {
	f.Add("key,name,email\r\nana,Ana,ana@example.org\r\n")
	f.Add("\uFEFFkey,name,note\r\nb,\"=1+1\",\"two\r\nlines\"\r\n")
	f.Add("key\r\n\xff\r\n")
	f.Add("key,name\r\n\"unterminated\r\n")
	f.Add("key,name,note\r\n0,0,\"0\r0\"\r\n") // a lone CR, which csv.Writer drops
	f.Add("key,name\r\n0,\"0\r0\"\r\n")
	f.Fuzz(func(t *testing.T, file string) {
		rows, err := Read(strings.NewReader(file))
		if err != nil {
			if programme.ErrorCode(err) != programme.EINVALID {
				t.Fatalf("err %v, want EINVALID", err)
			}
			return
		}
		var good []programme.Person
		for _, r := range rows {
			if len(r.Errors) == 0 {
				good = append(good, r.Person)
			}
		}
		var b bytes.Buffer
		if err := Write(&b, good); err != nil {
			t.Fatal(err)
		}
		again, err := Read(&b)
		if err != nil {
			t.Fatalf("re-reading the written file: %v", err)
		}
		var back []programme.Person
		for _, r := range again {
			back = append(back, r.Person)
		}
		if !reflect.DeepEqual(back, good) {
			t.Fatalf("round trip\n%+v\nwant\n%+v", back, good)
		}
	})
}

// FuzzWrite writes one person with any text in every column: a spreadsheet
// must see no cell that starts a formula (=, +, -, @, tab, carriage return),
// every cell must read back, unescaped, as written, and Read must take the
// file without panicking.
func FuzzWrite(f *testing.F) {
	f.Add("ana", "=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "\tx", "\ry", "'quoted", "a,b\r\n\"c\"")
	f.Add("", "", "", "", "", "", "", "", "")
	f.Add("k", "\uFEFFname", "\xff", "é", "\x00", "delegate", "af", "ana@example.org", "+1 202 555 0100")
	f.Fuzz(func(t *testing.T, key, name, title, org, role, delegation, email, phone, note string) {
		in := programme.Person{Key: key, Name: name, Title: title, Organization: org, Role: role, Delegation: delegation, Email: email, Phone: phone, Note: note}
		var b bytes.Buffer
		if err := Write(&b, []programme.Person{in}); err != nil {
			t.Fatal(err)
		}
		data := b.Bytes()
		if !bytes.HasPrefix(data, []byte(bom)) {
			t.Fatal("no byte order mark")
		}
		records, err := csv.NewReader(bytes.NewReader(data[len(bom):])).ReadAll()
		if err != nil {
			t.Fatalf("encoding/csv cannot read the file: %v\n%q", err, data)
		}
		if len(records) != 2 {
			t.Fatalf("%d records, want the header and one row:\n%q", len(records), data)
		}
		want := []string{key, name, title, org, role, delegation, email, phone, note}
		for i, cell := range records[1] {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("column %s starts a formula: %q", Columns[i], cell)
			}
			// Stored text never holds a carriage return (validation
			// refuses it everywhere), and a CSV file with CRLF line ends
			// cannot carry one: encoding/csv drops a lone \r and reads
			// \r\n as \n. Any other text reads back exactly.
			if strings.ContainsRune(want[i], '\r') {
				continue
			}
			if got := Unescape(cell); got != want[i] {
				t.Errorf("column %s reads back %q, want %q", Columns[i], got, want[i])
			}
		}
		if _, err := Read(bytes.NewReader(data)); err != nil && programme.ErrorCode(err) != programme.EINVALID {
			t.Fatalf("Read of a written file: %v", err)
		}
	})
}
