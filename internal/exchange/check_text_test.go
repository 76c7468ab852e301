package exchange

import (
	"strings"
	"testing"

	"github.com/planner-dev/planner/internal/programme"
)

// TestCheckText: what encoding/json would turn into U+FFFD, or keep the
// last of, is refused with its path; other text passes.
func TestCheckText(t *testing.T) {
	if err := CheckText([]byte(`{"title": "Caf\u00e9 \ud83d\ude00 \\ud800 as text", "a": {"b": 1}, "c": {"b": 2}}`)); err != nil {
		t.Errorf("valid item: %v", err)
	}
	for _, tc := range []struct{ name, data, want string }{
		{"not UTF-8", "{\"title\": \"N\xffew\"}", "title: line 1, column 13: is not valid UTF-8"},
		{"lone high surrogate", `{"title": "N\ud800ew"}`, `\ud800 is half of a UTF-16 surrogate pair`},
		{"lone low surrogate", `{"t": ["\udc00"]}`, `\udc00 is half`},
		{"field twice", `{"title": "a", "slots": [{"key": "x", "key": "y"}], "title": "b"}`, "slots[0].key: appears twice"},
		{"field twice at the top", `{"title": "a", "title": "b"}`, "title: appears twice"},
	} {
		err := CheckText([]byte(tc.data))
		if programme.ErrorCode(err) != programme.EINVALID || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want EINVALID saying %q", tc.name, err, tc.want)
		}
	}
}
