//go:build browser

package browsertest

import (
	"strings"
	"testing"
	"time"
)

// The harness's own checks must catch what they are there for: otherwise a
// page that passes them proves nothing.

func TestAxeReportsSeriousViolations(t *testing.T) {
	env := Start(t)
	env.Visit("/p/" + Slug)
	if _, serious, _ := env.axe("the programme page"); len(serious) > 0 {
		t.Fatalf("the programme page has serious violations already:\n%s", strings.Join(serious, "\n"))
	}
	// An image without a text alternative and a field without a label,
	// added through the DevTools protocol as axe itself is.
	Eval[bool](env, `(() => {
		const img = document.createElement("img");
		img.src = "/static/favicon.svg";
		const input = document.createElement("input");
		input.type = "text";
		document.querySelector("main").append(img, input);
		return true;
	})()`)
	r, serious, _ := env.axe("the programme page with an unlabelled image and field")
	got := strings.Join(serious, "\n")
	for _, rule := range []string{"image-alt [critical]", "label [critical]"} {
		if !strings.Contains(got, rule) {
			t.Errorf("axe-core %s did not report %s; serious violations:\n%s", r.Version, rule, got)
		}
	}
	if !strings.Contains(got, `at img: <img src="/static/favicon.svg">`) {
		t.Errorf("the report does not say where the image is:\n%s", got)
	}
}

// waitConsole waits for the page to log an error, and returns what it
// logged.
func waitConsole(t *testing.T, env *Env, what string) []consoleEntry {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if problems := env.consoleProblems(); len(problems) > 0 {
			return problems
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s logged no console error", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestCSPViolationsAreCaught(t *testing.T) {
	env := Start(t)
	env.Visit("/p/" + Slug)
	// A style attribute in markup, as a template might write one: the
	// pages' policy (default-src 'self') refuses it and says so.
	Eval[bool](env, `(() => { document.querySelector("main").insertAdjacentHTML("beforeend", '<p style="color: red">red</p>'); return true })()`)
	problems := waitConsole(t, env, "an inline style")
	if !strings.Contains(problems[0].Text, "Content Security Policy") {
		t.Errorf("the console errors do not name the policy: %v", problems)
	}
}

func TestConsoleErrorsAreCaught(t *testing.T) {
	env := Start(t)
	env.Visit("/p/" + Slug)
	if problems := env.consoleProblems(); len(problems) != 0 {
		t.Fatalf("the programme page logs errors already: %v", problems)
	}
	// A missing image logs a failed load, as a missing style sheet would.
	Eval[bool](env, `(() => {
		const img = document.createElement("img");
		img.alt = "";
		img.src = "/static/no-such-file.png";
		document.body.append(img);
		return true;
	})()`)
	problems := waitConsole(t, env, "a failed image load")
	if !strings.Contains(problems[0].Text, "404") || !strings.HasSuffix(problems[0].URL, "/static/no-such-file.png") {
		t.Errorf("the console errors do not name the 404: %v", problems)
	}
}

func TestTabReachReportsHiddenFocusAndUnreachable(t *testing.T) {
	env := Start(t)
	env.Visit("/staff/login")
	// Without its outline the password field shows no focus (a style set
	// through the DOM, which the CSP allows); the button leaves the Tab
	// order.
	Eval[bool](env, `(() => {
		document.getElementById("password").style.outline = "none";
		document.querySelector('form button[type="submit"]').tabIndex = -1;
		return true;
	})()`)
	_, problems := env.tabReach("the broken login form", `#email, #password, form button[type="submit"]`)
	got := strings.Join(problems, "\n")
	if len(problems) != 2 || !strings.Contains(got, `input#password "password" shows no focus`) ||
		!strings.Contains(got, "Tab never reaches element 2") {
		t.Errorf("problems:\n%s", got)
	}
}

func TestOverflowFindsAWidePage(t *testing.T) {
	env := Start(t)
	env.SetViewport(Phone)
	env.Visit("/p/" + Slug)
	if width, culprit := env.overflow(); width != phoneWidth || culprit != "" {
		t.Fatalf("the programme page is %d px wide on a phone already (%s)", width, culprit)
	}
	Eval[bool](env, `(() => { document.querySelector("main").style.minWidth = "600px"; return true })()`)
	if width, culprit := env.overflow(); width < 600 || culprit != "main#main" {
		t.Errorf("a 600 px main on a phone: width %d, culprit %q", width, culprit)
	}
}
