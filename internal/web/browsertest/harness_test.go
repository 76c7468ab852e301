//go:build browser

package browsertest

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/planner-dev/planner/internal/accounts"
	"github.com/planner-dev/planner/internal/demo"
	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
	"github.com/planner-dev/planner/internal/web"
)

// The two widths every page is checked and photographed at: a laptop, and a
// phone (390×844 CSS pixels, an iPhone 12 to 15).
const (
	desktopWidth  = 1280
	desktopHeight = 800
	phoneWidth    = 390
	phoneHeight   = 844

	// adminEmail is the staff account Start creates and Login logs in with.
	adminEmail = "admin@example.org"

	// actionTimeout bounds one step in the browser, so that a page that
	// never loads fails the test with a message instead of hanging it.
	actionTimeout = 30 * time.Second
)

// Slug is the demo programme's slug, which every page path below starts from.
const Slug = demo.Slug

// Clock is the server's time in every browser test: 10:00 in Guadalajara on
// Day 0 of the demo, during the seminar, so that pages that show "now" and
// "next" show both, the same way on every run.
var Clock = time.Date(2016, 12, 5, 16, 0, 0, 0, time.UTC)

// cheapHashes keep logins quick; the parameters travel in each hash.
var cheapHashes = argon2id.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// Viewport is a browser window size.
type Viewport struct {
	Name          string // used in screenshot file names
	Width, Height int64
	Phone         bool // mobile emulation: the page's meta viewport and touch apply
}

var (
	// Desktop is a laptop's window.
	Desktop = Viewport{Name: "1280", Width: desktopWidth, Height: desktopHeight}
	// Phone is a phone held upright, at twice the pixels, as phones draw.
	Phone = Viewport{Name: "390", Width: phoneWidth, Height: phoneHeight, Phone: true}
)

// Env is the planner serving the demo on a real store and a tab of chromium
// pointed at it. Every test gets its own (Start), with its own database,
// server and cookies.
type Env struct {
	T *testing.T
	// BaseURL is where the server listens: http://127.0.0.1:PORT.
	BaseURL string
	// Store, Feeds and Accounts are the server's own, for a test to set up
	// data or read what a page changed.
	Store    *store.Store
	Feeds    *feeds.Service
	Accounts *accounts.Service
	// Password is the password of adminEmail.
	Password string

	ctx     context.Context // the tab
	console *console
	// viewport is shared by the Envs of subtests (In), as the tab is.
	viewport *Viewport
}

// console keeps the tab's console errors and uncaught exceptions since the
// last page load.
type console struct {
	mu       sync.Mutex
	problems []consoleEntry
}

// consoleEntry is one error the page logged; URL is the resource whose
// load failed, if any.
type consoleEntry struct{ Text, URL string }

// In returns env for a subtest: the same server and tab, failing t.
func (env *Env) In(t *testing.T) *Env {
	sub := *env
	sub.T = t
	return &sub
}

// Start serves the demo on 127.0.0.1 with an admin account and opens a tab
// in a fresh browser context (no cookies). Everything stops when the test
// ends. It fails the test, never skips it, when chromium did not start.
func Start(t *testing.T) *Env {
	t.Helper()
	if browser.err != nil {
		t.Fatalf("browsertest: %v", browser.err)
	}
	st := storetest.Open(t)
	storetest.MustImport(t, st, sample.Demo(t))
	// The demo is a public event: its programme page and list are shown
	// without a login, as serve --demo does.
	storetest.MustMakePublic(t, st, Slug)
	keys, err := feeds.NewKeyring(bytes.Repeat([]byte{7}, feeds.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	acc := accounts.New(st, accounts.WithParams(cheapHashes))
	password := rand.Text()
	if _, err := acc.Add(t.Context(), adminEmail, programme.RoleAdmin, password); err != nil {
		t.Fatalf("browsertest: add the admin account: %v", err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	now := func() time.Time { return Clock }
	svc := feeds.NewService(st, keys, base, now)
	srv := web.New(web.Config{
		Addr:     ln.Addr().String(),
		BaseURL:  base,
		Now:      now,
		Feeds:    svc,
		Accounts: acc,
		Sessions: st,
	}, st)
	serveCtx, stopServing := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Run(serveCtx, ln) }()
	// Cleanups run last in first: the tab (below) closes before the
	// server stops, and the server before the store closes.
	t.Cleanup(func() {
		stopServing()
		if err := <-served; err != nil {
			t.Errorf("browsertest: server: %v", err)
		}
	})

	env := &Env{T: t, BaseURL: base, Store: st, Feeds: svc, Accounts: acc, Password: password,
		console: &console{}, viewport: &Viewport{}}
	tab, closeTab := chromedp.NewContext(browser.ctx,
		chromedp.WithNewBrowserContext(),
		chromedp.WithListener(env.listen))
	env.ctx = tab
	// The first Run opens the tab, which lives as long as the context
	// given to it: the tab's own, never one with a timeout.
	if err := chromedp.Do(tab); err != nil {
		closeTab()
		t.Fatalf("browsertest: open a tab: %v", err)
	}
	t.Cleanup(closeTab)
	env.SetViewport(Desktop)
	return env
}

// listen keeps the page's console errors and uncaught exceptions: a page
// whose style sheet, script or image fails to load, or that breaks its
// Content-Security-Policy, logs one.
func (env *Env) listen(ev any) {
	var problem, url string
	switch ev := ev.(type) {
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError {
			problem = fmt.Sprintf("console (%s): %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
			url = ev.Entry.URL
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		problem = "uncaught exception: " + d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			problem += " " + d.Exception.Description
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError {
			problem = "console.error called"
		}
	}
	if problem != "" {
		env.console.mu.Lock()
		env.console.problems = append(env.console.problems, consoleEntry{Text: problem, URL: url})
		env.console.mu.Unlock()
	}
}

// Do runs chromedp actions in the tab, failing the test on error.
func (env *Env) Do(what string, actions ...chromedp.Action[chromedp.Void]) {
	env.T.Helper()
	ctx, cancel := context.WithTimeout(env.ctx, actionTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		env.T.Fatalf("browsertest: %s: %v", what, err)
	}
}

// Eval evaluates a JavaScript expression in the page and decodes its value
// into T; a promise is awaited. Runtime.evaluate runs in the page's world
// but is not subject to its Content-Security-Policy.
func Eval[T any](env *Env, expression string) T {
	env.T.Helper()
	ctx, cancel := context.WithTimeout(env.ctx, actionTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expression, chromedp.EvalAwaitPromise))
	if err != nil {
		env.T.Fatalf("browsertest: evaluate %.80q: %v", expression, err)
	}
	return v
}

// URL is the absolute address of a path on the test server.
func (env *Env) URL(path string) string { return env.BaseURL + path }

// Visit loads path and waits for it, failing the test when the document's
// status is not 200 or the page logs an error (a missing style sheet, a CSP
// violation, an exception).
func (env *Env) Visit(path string) {
	env.T.Helper()
	env.clearProblems()
	ctx, cancel := context.WithTimeout(env.ctx, actionTimeout)
	defer cancel()
	res, err := chromedp.Run(ctx, chromedp.NavigateResponse(env.URL(path)))
	if err != nil {
		env.T.Fatalf("browsertest: visit %s: %v", path, err)
	}
	if res.Status != http.StatusOK {
		env.T.Fatalf("browsertest: visit %s: status %d %s, want 200", path, res.Status, res.StatusText)
	}
	env.CheckConsole(path, "")
}

// Submit runs action, which must load a new page (a click on a submit
// button or a link), and returns the new page's status, which may be an
// error (a form sent back with its mistakes is a 422); the page's console is
// checked as Visit does, except for the browser's note of that status.
func (env *Env) Submit(what string, action chromedp.Action[chromedp.Void]) int64 {
	env.T.Helper()
	env.clearProblems()
	ctx, cancel := context.WithTimeout(env.ctx, actionTimeout)
	defer cancel()
	res, err := chromedp.RunResponse(ctx, action)
	if err != nil {
		env.T.Fatalf("browsertest: %s: %v", what, err)
	}
	env.CheckConsole(what, res.URL)
	return res.Status
}

// CheckConsole fails the test if the page logged an error since it loaded,
// other than failing to load document, the page's own address when the test
// expects its error status.
func (env *Env) CheckConsole(what, document string) {
	env.T.Helper()
	var problems []string
	for _, p := range env.consoleProblems() {
		if document == "" || p.URL != document {
			problems = append(problems, p.Text)
		}
	}
	if len(problems) > 0 {
		env.T.Errorf("browsertest: %s logged errors:\n  %s", what, strings.Join(problems, "\n  "))
	}
}

// consoleProblems returns the errors the page logged since it loaded.
func (env *Env) consoleProblems() []consoleEntry {
	env.T.Helper()
	// Console events can trail the load event by a moment; a round trip
	// to the page lets the ones already sent arrive.
	Eval[chromedp.Void](env, "0")
	env.console.mu.Lock()
	defer env.console.mu.Unlock()
	return append([]consoleEntry(nil), env.console.problems...)
}

func (env *Env) clearProblems() {
	env.console.mu.Lock()
	env.console.problems = nil
	env.console.mu.Unlock()
}

// Location is the path (and query) of the page in the tab.
func (env *Env) Location() string {
	env.T.Helper()
	return Eval[string](env, "location.pathname + location.search")
}

// Login logs in as the admin through the login form, as a person does, and
// fails the test unless it lands on the staff home page.
func (env *Env) Login() {
	env.T.Helper()
	env.LoginAs(adminEmail, env.Password)
}

// AddAccount creates a staff account with role and returns its e-mail
// address (ROLE@example.org) and password, for LoginAs.
func (env *Env) AddAccount(role programme.StaffRole) (email, password string) {
	env.T.Helper()
	email, password = string(role)+"@example.org", rand.Text()
	if _, err := env.Accounts.Add(env.T.Context(), email, role, password); err != nil {
		env.T.Fatalf("browsertest: add the %s account: %v", role, err)
	}
	return email, password
}

// LoginAs logs in through the login form with email and password, and fails
// the test unless it lands on the staff home page.
func (env *Env) LoginAs(email, password string) {
	env.T.Helper()
	env.Visit("/staff/login")
	env.Do("fill in the login form",
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
	)
	if status := env.Submit("log in", chromedp.Click(chromedp.CSS(`form button[type="submit"]`))); status != http.StatusOK {
		env.T.Fatalf("browsertest: logging in as %s answered %d", email, status)
	}
	if got := env.Location(); got != "/staff" {
		env.T.Fatalf("browsertest: after logging in as %s the browser is at %s, want /staff", email, got)
	}
}

// SetViewport resizes the tab's window to v.
func (env *Env) SetViewport(v Viewport) {
	env.T.Helper()
	var opts []chromedp.EmulateViewportOption
	if v.Phone {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateScale(2))
	}
	env.Do("set the viewport to "+v.Name, chromedp.EmulateViewport(v.Width, v.Height, opts...))
	*env.viewport = v
}

// Screenshot writes a PNG of the whole page, at the current viewport, to
// the screenshot folder as NAME-WIDTH.png, and returns its path.
func (env *Env) Screenshot(name string) string {
	env.T.Helper()
	dir := ScreenshotDir(env.T)
	ctx, cancel := context.WithTimeout(env.ctx, actionTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		env.T.Fatalf("browsertest: screenshot %s: %v", name, err)
	}
	path := filepath.Join(dir, name+"-"+env.viewport.Name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		env.T.Fatalf("browsertest: %v", err)
	}
	return path
}

// ScreenshotDir is the folder screenshots go to, created if missing:
// $PLANNER_SCREENSHOTS, or .screenshots at the repository's root (which git
// ignores).
func ScreenshotDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv(envScreenshots)
	if dir == "" {
		dir = filepath.Join(repoRoot(t), defaultScreenshots)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("browsertest: screenshot folder: %v", err)
	}
	return dir
}

// Check is the one line a page needs: it visits path, and at the desktop and
// then the phone viewport runs axe-core (no serious or critical violation)
// and writes a screenshot NAME-1280.png and NAME-390.png. It leaves the tab
// at the desktop viewport.
func (env *Env) Check(name, path string) {
	env.T.Helper()
	env.Visit(path)
	env.CheckHere(name)
}

// CheckHere does what Check does on the page the tab shows, for a page that
// takes more than a visit to reach (a form after a mistake, a dialog open).
func (env *Env) CheckHere(name string) {
	env.T.Helper()
	for _, v := range []Viewport{Desktop, Phone} {
		env.SetViewport(v)
		env.Axe(name + " at " + v.Name)
		env.Screenshot(name)
	}
	env.SetViewport(Desktop)
}

// RequireFitsWidth fails the test when the page shown is wider than the
// viewport, so that a phone would have to zoom out or scroll sideways.
func (env *Env) RequireFitsWidth() {
	env.T.Helper()
	if width, culprit := env.overflow(); width > env.viewport.Width {
		env.T.Errorf("%s is %d px wide on a %d px screen; the first element past the edge: %s",
			env.Location(), width, env.viewport.Width, culprit)
	}
}

// overflow returns the page's width and the first element that reaches past
// the viewport's right edge, if any.
func (env *Env) overflow() (width int64, culprit string) {
	env.T.Helper()
	width = Eval[int64](env, `document.documentElement.scrollWidth`)
	culprit = Eval[string](env, fmt.Sprintf(`(() => {
		for (const el of document.querySelectorAll("body *"))
			if (el.getBoundingClientRect().right > %d)
				return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className ? "." + String(el.className).trim().split(/\s+/).join(".") : "");
		return "";
	})()`, env.viewport.Width))
	return width, culprit
}

// AgendaPath is the path of a delegate's personal agenda page (/a/TOKEN) in
// the demo, creating the feed tokens as `planner feeds` does.
func (env *Env) AgendaPath(kind programme.FeedKind, key string) string {
	env.T.Helper()
	list, err := env.Feeds.List(env.T.Context(), Slug, true)
	if err != nil {
		env.T.Fatalf("browsertest: list the feeds: %v", err)
	}
	for _, l := range list {
		if l.Kind == kind && l.Key == key && l.URL != "" {
			path := strings.TrimPrefix(l.URL, env.BaseURL)
			return strings.Replace(strings.TrimSuffix(path, ".ics"), "/feeds/", "/a/", 1)
		}
	}
	env.T.Fatalf("browsertest: the demo has no %s feed %q", kind, key)
	return ""
}
