package hostile

import (
	"embed"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/planner-dev/planner/internal/programme"
)

//go:embed testdata
var files embed.FS

// Input is one bad input: a short name that says what is wrong with it, and
// its bytes.
type Input struct {
	Name string
	Data []byte
}

// Files returns the inputs of one folder of testdata ("programme", "ics",
// "csv", "api"), each named after its file without the extension, in the
// order of their names.
func Files(dir string) []Input {
	entries, err := fs.ReadDir(files, path.Join("testdata", dir))
	if err != nil {
		panic("hostile: " + err.Error())
	}
	var out []Input
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		data, err := files.ReadFile(path.Join("testdata", dir, e.Name()))
		if err != nil {
			panic("hostile: " + err.Error())
		}
		out = append(out, Input{Name: strings.TrimSuffix(e.Name(), path.Ext(e.Name())), Data: data})
	}
	slices.SortFunc(out, func(a, b Input) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Value is a text that no field of any item may hold, whatever the field:
// each breaks a rule of programme.checkText that holds for one-line text,
// codes and multi-line text alike (a carriage return, a control character,
// bytes that are not UTF-8, more characters than the longest field takes).
type Value struct {
	Name, Text string
}

// Values are put in each text field of each form and item in turn.
var Values = []Value{
	// iCalendar injection: a line break ends the property, and what follows
	// would be read as properties and components of its own.
	{"crlf-end-vcalendar", "Talk\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"},
	{"crlf-begin-vevent", "x\r\nBEGIN:VEVENT\r\nUID:evil@example.org\r\nSUMMARY:<script>alert(1)</script>\r\nEND:VEVENT"},
	{"cr-alone", "first\rsecond"},
	{"nul", "a\x00b"},
	{"nul-sql", "'; DROP TABLE sessions; --\x00"},
	{"bell", "ring\x07"},
	{"ansi-escape", "\x1b[31mred\x1b[0m"},
	{"delete-char", "a\x7fb"},
	{"next-line-c1", "a\u0085b"},
	{"vertical-tab", "a\vb"},
	{"form-feed", "a\fb"},
	{"bad-utf8", "\xff\xfe<script>alert(1)</script>"},
	{"lone-surrogate-bytes", "a\xed\xa0\x80b"},
	{"overlong-slash", "\xc0\xaf..\xc0\xafetc"},
	{"truncated-utf8", "caf\xc3"},
	{"too-long", strings.Repeat("a", programme.MaxDescriptionLength+1)},
	{"too-long-multibyte", strings.Repeat("é", programme.MaxDescriptionLength+1)},
}
