package main

import (
	"fmt"
	"io"
	"unicode/utf8"
)

// controlEscaper writes through to w with every control character except
// newline and tab written as a visible \u00XX escape. The commands print
// stored text (names, titles, notes) that anyone with staff access wrote; in
// a terminal an ESC or CSI in it could clear the screen, hide text or move
// the cursor over earlier lines, and a carriage return could overwrite a
// line. Newlines end lines and tabs separate columns, so they stay; the
// commands keep them out of the text they print (see oneLine). The \u00XX
// form is also a valid escape inside a JSON string, so `export` writes the
// same JSON document it would without it.
type controlEscaper struct{ w io.Writer }

func (e controlEscaper) Write(p []byte) (int, error) {
	var out []byte // nil until p needs a change
	start := 0
	for i := 0; i < len(p); {
		r, size := rune(p[i]), 1
		if p[i] >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(p[i:])
		}
		if isEscapedControl(r) {
			out = append(out, p[start:i]...)
			out = fmt.Appendf(out, `\u%04x`, r)
			start = i + size
		}
		i += size
	}
	if out == nil {
		return e.w.Write(p)
	}
	out = append(out, p[start:]...)
	if _, err := e.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// isEscapedControl reports whether r is a C0 control other than newline and
// tab, DEL, or a C1 control (U+0080 to U+009F, which some terminals obey).
func isEscapedControl(r rune) bool {
	return (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r <= 0x9f)
}
