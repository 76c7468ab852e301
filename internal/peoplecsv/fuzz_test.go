package peoplecsv

import (
	"bytes"
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
