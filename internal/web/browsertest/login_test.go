//go:build browser

package browsertest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/planner-dev/planner/internal/programme"
)

// fieldError describes a field's error message and where it is drawn.
type fieldError struct {
	Text        string  `json:"text"`
	Visible     bool    `json:"visible"`
	Invalid     string  `json:"invalid"`
	DescribedBy string  `json:"describedBy"`
	Gap         float64 `json:"gap"`     // from the field's bottom to the message's top
	Overlap     bool    `json:"overlap"` // the two share columns
}

const describeFieldError = `((field, message) => {
  const f = document.getElementById(field), m = document.getElementById(message);
  if (!f || !m) return {text: "", visible: false, invalid: "", describedBy: "", gap: -1, overlap: false};
  const a = f.getBoundingClientRect(), b = m.getBoundingClientRect();
  return {
    text: m.innerText.trim(), visible: b.width > 0 && b.height > 0,
    invalid: f.getAttribute("aria-invalid") || "", describedBy: f.getAttribute("aria-describedby") || "",
    gap: b.top - a.bottom, overlap: b.left < a.right && a.left < b.right,
  };
})`

func TestLoginForm(t *testing.T) {
	env := Start(t)
	env.Visit("/staff/login")
	submit := chromedp.Click(chromedp.CSS(`form button[type="submit"]`))

	// A missing password: the message sits under the password field and
	// the field points at it, for screen readers.
	env.Do("fill in the e-mail address only", chromedp.SendKeys(chromedp.CSS("#email"), adminEmail))
	if status := env.Submit("log in without a password", submit); status != http.StatusUnprocessableEntity {
		t.Errorf("logging in without a password answered %d, want 422", status)
	}
	e := Eval[fieldError](env, describeFieldError+`("password", "password-error")`)
	if e.Text != "Enter your password." || !e.Visible || e.Invalid != "true" || e.DescribedBy != "password-error" {
		t.Errorf("the password's error: %+v", e)
	}
	if e.Gap < 0 || e.Gap > 40 || !e.Overlap {
		t.Errorf("the password's error is not beside the field: %.0fpx below it, shares its columns: %v", e.Gap, e.Overlap)
	}
	env.CheckHere("login-error")

	// A wrong password: one message for the form, which says neither part
	// was the wrong one; the e-mail address is kept and the password is not.
	env.Do("type a wrong password", chromedp.SendKeys(chromedp.CSS("#password"), "not the password"))
	if status := env.Submit("log in with a wrong password", submit); status != http.StatusUnprocessableEntity {
		t.Errorf("logging in with a wrong password answered %d, want 422", status)
	}
	if got := env.Location(); got != "/staff/login" {
		t.Errorf("after a wrong password the browser is at %s", got)
	}
	msg := Eval[string](env, `document.querySelector('[role="alert"]')?.innerText ?? ""`)
	if !strings.Contains(msg, "not right") {
		t.Errorf("after a wrong password the alert says %q", msg)
	}
	if email := Eval[string](env, `document.getElementById("email").value`); email != adminEmail {
		t.Errorf("after a wrong password the e-mail field holds %q", email)
	}
	if focused := Eval[string](env, `document.activeElement.id`); focused != "password" {
		t.Errorf("after a wrong password the focus is on %q, want the password field", focused)
	}

	// The right password lands on the staff home page.
	env.Do("type the password", chromedp.SendKeys(chromedp.CSS("#password"), env.Password))
	if status := env.Submit("log in", submit); status != http.StatusOK {
		t.Errorf("logging in answered %d", status)
	}
	if got := env.Location(); got != "/staff" {
		t.Fatalf("after logging in the browser is at %s, want /staff", got)
	}
	if who := Eval[string](env, `document.body.innerText`); !strings.Contains(who, adminEmail) {
		t.Errorf("the staff home page does not say who is logged in")
	}
}

func TestLoginAsAnEditor(t *testing.T) {
	env := Start(t)
	email, password := env.AddAccount(programme.RoleEditor)
	env.LoginAs(email, password)
	if who := Eval[string](env, `document.body.innerText`); !strings.Contains(who, email+" (editor)") {
		t.Errorf("the staff home page does not say an editor is logged in:\n%s", who)
	}
}

func TestKeyboard(t *testing.T) {
	env := Start(t)
	t.Run("login form", func(t *testing.T) {
		env := env.In(t)
		env.Visit("/staff/login")
		stops := env.RequireTabReach("the login form", `#email, #password, form button[type="submit"]`)
		// The e-mail field has the focus when the page opens, so Tab
		// starts after it and comes back to it last: any rotation of
		// e-mail, password, button is right.
		var order []string
		for _, s := range stops {
			order = append(order, s.Desc)
		}
		for i := 1; i < len(stops); i++ {
			if stops[i].Target != (stops[i-1].Target+1)%3 {
				t.Errorf("Tab reaches the login form in the order %v, want e-mail, password, button", order)
				break
			}
		}
	})
	t.Run("personal page on a phone", func(t *testing.T) {
		env := env.In(t)
		env.SetViewport(Phone)
		defer env.SetViewport(Desktop)
		env.Visit(env.AgendaPath(programme.FeedPerson, "omar-ansari"))
		env.RequireTabReach("Omar Ansari's day links", `nav.days a`)
	})
}
