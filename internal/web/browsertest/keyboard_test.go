//go:build browser

package browsertest

import (
	"fmt"
	"strings"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// focusStop is one element that Tab moved the focus to.
type focusStop struct {
	// Target is the position of the element among those RequireTabReach
	// was asked about, or -1 for any other element.
	Target int    `json:"target"`
	Desc   string `json:"desc"`
	// Ring is how the element's focus indicator looks while it has the
	// focus: outline and box shadow, as computed.
	Ring         string `json:"ring"`
	FocusVisible bool   `json:"focusVisible"`
	// InView says the element is on screen, at least in part.
	InView bool `json:"inView"`
}

// tagTargets marks every element that matches the selectors, in document
// order, and returns how many there are.
const tagTargets = `((selectors) => {
  let n = 0;
  for (const el of document.querySelectorAll(selectors)) el.dataset.browsertestTarget = String(n++);
  if (document.activeElement) document.activeElement.blur();
  return n;
})(%q)`

// describeFocus describes the element that has the focus.
const describeFocus = `(() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return {target: -1, desc: "(the page itself)", ring: "", focusVisible: false, inView: false};
  const s = getComputedStyle(el), r = el.getBoundingClientRect();
  const text = (el.innerText || el.value || el.getAttribute("aria-label") || el.name || "").trim().replace(/\s+/g, " ").slice(0, 50);
  return {
    target: el.dataset.browsertestTarget === undefined ? -1 : Number(el.dataset.browsertestTarget),
    desc: el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + " " + JSON.stringify(text),
    ring: s.outlineStyle + " " + s.outlineWidth + " " + s.outlineColor + " / " + s.boxShadow,
    focusVisible: el.matches(":focus-visible"),
    inView: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth,
  };
})()`

// unfocusedRings returns how each marked element looks without the focus.
const unfocusedRings = `(() => {
  if (document.activeElement) document.activeElement.blur();
  const out = [];
  for (const el of document.querySelectorAll("[data-browsertest-target]")) {
    const s = getComputedStyle(el);
    out[Number(el.dataset.browsertestTarget)] = s.outlineStyle + " " + s.outlineWidth + " " + s.outlineColor + " / " + s.boxShadow;
  }
  return out;
})()`

// RequireTabReach presses Tab from the top of the page shown until every
// element matching the CSS selectors has had the focus, and fails the test
// for each one that Tab never reaches, that is off screen when it has the
// focus, or whose focus does not show (no outline or shadow that differs
// from its look without the focus). It returns the elements in the order
// Tab reached them.
func (env *Env) RequireTabReach(what, selectors string) []focusStop {
	env.T.Helper()
	stops, problems := env.tabReach(what, selectors)
	for _, p := range problems {
		env.T.Error(p)
	}
	return stops
}

// tabReach does what RequireTabReach does, and returns the problems.
func (env *Env) tabReach(what, selectors string) (stops []focusStop, problems []string) {
	env.T.Helper()
	n := Eval[int](env, fmt.Sprintf(tagTargets, selectors))
	if n == 0 {
		env.T.Fatalf("browsertest: %s: nothing matches %s", what, selectors)
	}
	reached := make([]*focusStop, n)
	var order []focusStop
	left := n
	// Every element before the targets may take a Tab, and the focus may
	// wrap around the page once.
	for tabs := 0; left > 0 && tabs < 2*n+60; tabs++ {
		env.Do("press Tab", chromedp.KeyEvent(kb.Tab))
		stop := Eval[focusStop](env, describeFocus)
		order = append(order, stop)
		if stop.Target >= 0 && reached[stop.Target] == nil {
			reached[stop.Target] = &stop
			left--
		}
	}
	unfocused := Eval[[]string](env, unfocusedRings)
	var trail []string
	for _, s := range order {
		trail = append(trail, s.Desc)
	}
	for i, stop := range reached {
		switch {
		case stop == nil:
			problems = append(problems, fmt.Sprintf("%s: Tab never reaches element %d of %q; it went through:\n  %s",
				what, i, selectors, strings.Join(trail, "\n  ")))
		case !stop.InView:
			problems = append(problems, fmt.Sprintf("%s: %s is off screen when it has the focus", what, stop.Desc))
		case !stop.FocusVisible || stop.Ring == unfocused[i] || !hasRing(stop.Ring):
			problems = append(problems, fmt.Sprintf("%s: %s shows no focus: %q with the focus, %q without (:focus-visible %v)",
				what, stop.Desc, stop.Ring, unfocused[i], stop.FocusVisible))
		}
	}
	for _, s := range order {
		if s.Target >= 0 {
			stops = append(stops, s)
		}
	}
	return stops, problems
}

// hasRing says whether a computed "outline / box-shadow" draws anything.
func hasRing(ring string) bool {
	outline, shadow, _ := strings.Cut(ring, " / ")
	drawn := !strings.HasPrefix(outline, "none ") && !strings.HasPrefix(outline, "hidden ") && !strings.Contains(outline, " 0px ")
	return drawn || (shadow != "none" && shadow != "")
}
