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
	deadline := time.Now().Add(10 * time.Second)
	for {
		problems := env.consoleProblems()
		if len(problems) > 0 {
			if !strings.Contains(problems[0].Text, "404") || !strings.HasSuffix(problems[0].URL, "/static/no-such-file.png") {
				t.Errorf("the console errors do not name the 404: %v", problems)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a failed image load logged no console error")
		}
		time.Sleep(100 * time.Millisecond)
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
