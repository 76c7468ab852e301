//go:build browser

package browsertest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// axeSource is axe.min.js, read once per run.
var axeSource struct {
	once sync.Once
	js   string
	err  error
}

// loadAxe reads axe-core from $PLANNER_AXE_JS, or from the copy npm installs
// in .ci/axe, and fails the test with the command to run when it is missing.
func loadAxe(t testing.TB) string {
	t.Helper()
	axeSource.once.Do(func() {
		path := os.Getenv(envAxe)
		if path == "" {
			path = filepath.Join(repoRoot(t), defaultAxe)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			axeSource.err = fmt.Errorf("axe-core is missing (%v): run `npm ci` in .ci/axe "+
				"(`(cd .ci/axe && npm ci)`), or set %s to an axe.min.js", err, envAxe)
			return
		}
		axeSource.js = string(b)
	})
	if axeSource.err != nil {
		t.Fatalf("browsertest: %v", axeSource.err)
	}
	return axeSource.js
}

// axeReport is what the page sends back from axe.run: the violations in
// full, and the passes counted, to prove that axe really looked at the page.
type axeReport struct {
	Version    string         `json:"version"`
	Passes     int            `json:"passes"`
	URL        string         `json:"url"`
	Violations []axeViolation `json:"violations"`
}

type axeViolation struct {
	ID      string    `json:"id"`
	Impact  string    `json:"impact"`
	Help    string    `json:"help"`
	HelpURL string    `json:"helpUrl"`
	Nodes   []axeNode `json:"nodes"`
}

type axeNode struct {
	Target  string `json:"target"`
	HTML    string `json:"html"`
	Summary string `json:"summary"`
}

// axeRun runs every rule axe-core enables by default (WCAG 2.0 to 2.2, A
// and AA, and best practices) on the whole document.
const axeRun = `(async () => {
  const r = await axe.run(document, {resultTypes: ["violations"]});
  return {
    version: axe.version,
    passes: r.passes.length,
    url: r.url,
    violations: r.violations.map(v => ({
      id: v.id, impact: v.impact || "", help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.map(n => ({
        target: n.target.flat().join(" >>> "),
        html: n.html.slice(0, 200),
        summary: n.failureSummary || "",
      })),
    })),
  };
})()`

// Axe runs axe-core on the page the tab shows and fails the test on every
// serious or critical violation, each listed with the elements it concerns
// and what to fix; minor and moderate ones are logged.
func (env *Env) Axe(what string) {
	env.T.Helper()
	r, serious, minor := env.axe(what)
	if len(minor) > 0 {
		env.T.Logf("axe-core %s on %s (%s): minor or moderate:\n  %s", r.Version, what, r.URL, strings.Join(minor, "\n  "))
	}
	if len(serious) > 0 {
		env.T.Errorf("axe-core %s on %s (%s): serious or critical violations:\n  %s", r.Version, what, r.URL, strings.Join(serious, "\n  "))
	}
}

// axe runs axe-core and returns its report with the violations described,
// serious and critical ones apart. axe is injected through the DevTools
// protocol (Runtime.evaluate), which the pages' Content-Security-Policy
// (script-src 'self') does not block, as it would a script element.
func (env *Env) axe(what string) (r axeReport, serious, minor []string) {
	env.T.Helper()
	src := loadAxe(env.T)
	if !Eval[bool](env, `typeof window.axe === "object"`) {
		Eval[bool](env, src+"\n;true")
	}
	r = Eval[axeReport](env, axeRun)
	// A report without a version or without a single passed rule means
	// axe did not really run, and an empty list of violations proves
	// nothing.
	if r.Version == "" || r.Passes == 0 {
		env.T.Fatalf("browsertest: axe-core did not run on %s: version %q, %d rules passed", what, r.Version, r.Passes)
	}
	for _, v := range r.Violations {
		var b strings.Builder
		fmt.Fprintf(&b, "%s [%s]: %s (%s)", v.ID, v.Impact, v.Help, v.HelpURL)
		for _, n := range v.Nodes {
			fmt.Fprintf(&b, "\n      at %s: %s", n.Target, n.HTML)
			for _, line := range strings.Split(n.Summary, "\n") {
				if line = strings.TrimSpace(line); line != "" {
					fmt.Fprintf(&b, "\n        %s", line)
				}
			}
		}
		if v.Impact == "serious" || v.Impact == "critical" {
			serious = append(serious, b.String())
		} else {
			minor = append(minor, b.String())
		}
	}
	return r, serious, minor
}
