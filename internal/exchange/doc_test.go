package exchange

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// markdownLink finds the target of every Markdown link: [text](target).
var markdownLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// TestFormatDocLinksExist checks that every relative link of the format's
// documentation leads to a file of the repository, since the document once
// pointed at an example that did not exist.
func TestFormatDocLinksExist(t *testing.T) {
	dir := filepath.Join("..", "..", "docs")
	doc, err := os.ReadFile(filepath.Join(dir, "programme-format.md"))
	if err != nil {
		t.Fatal(err)
	}
	links := markdownLink.FindAllStringSubmatch(string(doc), -1)
	if len(links) == 0 {
		t.Fatal("docs/programme-format.md has no links: the example file should be one")
	}
	for _, m := range links {
		target, _, _ := strings.Cut(m[1], "#")
		if target == "" || strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(target))); err != nil {
			t.Errorf("docs/programme-format.md links to %s, which does not exist", m[1])
		}
	}
}
