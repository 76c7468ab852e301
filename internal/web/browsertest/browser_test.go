//go:build browser

// Package browsertest drives the real planner server with Debian's chromium
// through the DevTools protocol (chromedp): it logs in through the real form,
// runs axe-core on every page, checks keyboard focus and writes screenshots.
// It only builds with the tag browser, so that `go test ./...` needs no
// browser:
//
//	go test -tags browser ./internal/web/browsertest/
//
// With the tag set, a missing browser or a missing axe-core fails the tests
// with the command that installs it; nothing skips.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// Where the tests find what they need outside Go; each can be overridden by
// an environment variable.
const (
	envChromium    = "PLANNER_CHROMIUM"
	envAxe         = "PLANNER_AXE_JS"
	envScreenshots = "PLANNER_SCREENSHOTS"

	defaultChromium = "/usr/bin/chromium"
	// Relative to the repository's root.
	defaultAxe         = ".ci/axe/node_modules/axe-core/axe.min.js"
	defaultScreenshots = ".screenshots"
)

// browser is the one chromium every test of the package opens its tabs in;
// starting it once saves a second or two per test. Each test gets its own
// browser context (see Start), so cookies never leak between tests.
var browser struct {
	ctx context.Context // a chromedp context whose browser runs
	err error           // why it could not start, reported by every test
}

func TestMain(m *testing.M) {
	stop := startBrowser()
	code := m.Run()
	// Stopping the first context stops chromium and removes its profile.
	stop()
	os.Exit(code)
}

// startBrowser launches chromium headless with a fresh profile and flags for
// a closed network and a root user. An error is kept in browser.err rather
// than ending the run here, so that each test fails with it, by name.
func startBrowser() func() {
	path := os.Getenv(envChromium)
	if path == "" {
		path = defaultChromium
	}
	if _, err := os.Stat(path); err != nil {
		browser.err = fmt.Errorf("no chromium at %s (%v): install it with `apt-get install chromium`, "+
			"or set %s to a Chrome or Chromium binary", path, err, envChromium)
		return func() {}
	}
	profile, err := os.MkdirTemp("", "planner-browsertest-")
	if err != nil {
		browser.err = fmt.Errorf("cannot make chromium's profile folder: %w", err)
		return func() {}
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(profile),
		// As root, chromium refuses to start inside its sandbox.
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		// Nothing may try the network beyond the test server: the
		// machine may have none, and the tests must not wait for it.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.WindowSize(desktopWidth, desktopHeight),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	stop := func() {
		cancel()
		cancelAlloc()
		_ = os.RemoveAll(profile)
	}
	// The first Run starts the browser; it must not have a timeout, which
	// would stop the browser with it.
	if err := chromedp.Do(ctx); err != nil {
		browser.err = fmt.Errorf("chromium at %s does not start: %w", path, err)
		stop()
		return func() {}
	}
	browser.ctx = ctx
	return stop
}

// repoRoot is the folder that holds go.mod, found upwards from the test's
// working directory (the package's folder).
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("browsertest: cannot find the repository's go.mod above the working directory")
		}
		dir = parent
	}
}
