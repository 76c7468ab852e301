package web

import (
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/skip2/go-qrcode"

	"github.com/planner-dev/planner/internal/programme"
)

const (
	omarWelcome = "/staff/p/igf2016-cldp/print/welcome/omar-ansari"
	afAgenda    = "/staff/p/igf2016-cldp/print/delegations/af"
)

var (
	qrSVG    = regexp.MustCompile(`<svg [^>]*viewBox="0 0 (\d+) (\d+)"[^>]*>.*?<path fill="#000" d="([^"]*)"/></svg>`)
	qrModule = regexp.MustCompile(`M(\d+) (\d+)h1v1h-1z`)
	sheetTag = `<article class="sheet`
)

// decodeQR reads the QR code a page draws as SVG back into its modules.
func decodeQR(t *testing.T, body string) [][]bool {
	t.Helper()
	m := qrSVG.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("the page has no QR code")
	}
	n, _ := strconv.Atoi(m[1])
	bm := make([][]bool, n)
	for i := range bm {
		bm[i] = make([]bool, n)
	}
	for _, mod := range qrModule.FindAllStringSubmatch(m[3], -1) {
		x, _ := strconv.Atoi(mod[1])
		y, _ := strconv.Atoi(mod[2])
		bm[y][x] = true
	}
	return bm
}

func sameModules(a, b [][]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for y := range a {
		if len(a[y]) != len(b[y]) {
			return false
		}
		for x := range a[y] {
			if a[y][x] != b[y][x] {
				return false
			}
		}
	}
	return true
}

func TestWelcomeSheetOfOmarAnsari(t *testing.T) {
	env := newViewsEnv(t)
	// No feed has a link yet: printing the sheet makes Omar's.
	if list, err := env.svc.List(t.Context(), "igf2016-cldp", false); err != nil || len(list) != 0 {
		t.Fatalf("before printing: %d feeds, %v", len(list), err)
	}
	res, body := env.as(programme.RoleAdmin).get(omarWelcome)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", omarWelcome, res.StatusCode, body)
	}
	token := env.omarToken()
	pageURL := "https://planner.example.org/a/" + token

	if got := strings.Count(body, sheetTag); got != 1 {
		t.Errorf("%d sheets, want 1", got)
	}
	for _, want := range []string{
		"Welcome, Omar Ansari",
		"Afghanistan delegation",
		"CLDP-supported delegations at IGF 2016 · 28 November – 9 December 2016",
		// His items, with their times in their zones, the zone named.
		"Washington meetings: government and non-government parties",
		"Times in America/New_York (EST)",
		"Pre-Conference Seminar for CLDP Supported Delegations",
		"09:00–13:00 CST",
		"Times in America/Mexico_City (CST)",
		"Bus back to the hotel",
		"Closing lunch and closing session",
		// The page the code leads to, in words too.
		`<span class="sheet-url">` + pageURL + `</span>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the welcome sheet lacks %q", want)
		}
	}
	// The QR code is the agenda page's URL, module for module.
	want, err := qrcode.New(pageURL, qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	if !sameModules(decodeQR(t, body), want.Bitmap()) {
		t.Error("the QR code is not the code of " + pageURL)
	}
	// And that page is Omar's agenda, with the subscribe buttons.
	res, page := get(t, env.srv.Handler(), "/a/"+token)
	if res.StatusCode != http.StatusOK || !strings.Contains(page, "<h1>Omar Ansari</h1>") || !strings.Contains(page, "Add to your calendar") {
		t.Errorf("GET /a/<token>: %d, not Omar's agenda page", res.StatusCode)
	}
	// Printing again keeps the link.
	_, body = env.as(programme.RoleAdmin).get(omarWelcome)
	if env.omarToken() != token || !strings.Contains(body, pageURL) {
		t.Error("printing again changed the link")
	}
}

func TestWelcomeSheetsOfADelegation(t *testing.T) {
	env := newViewsEnv(t)
	admin := env.as(programme.RoleAdmin)
	_, body := admin.get("/staff/p/igf2016-cldp/print/welcome?delegation=pk")
	inOrder(t, body, "Welcome, Dr. Syed Shah", "Welcome, Shamim", "Welcome, Pakistan civil society participant")
	if got := strings.Count(body, sheetTag); got != 3 {
		t.Errorf("%d sheets, want one per member of the Pakistan delegation (3)", got)
	}
	_, body = admin.get("/staff/p/igf2016-cldp/print/welcome")
	if got := strings.Count(body, sheetTag); got != 9 {
		t.Errorf("%d sheets, want one per delegate (9)", got)
	}
	if strings.Contains(body, "Welcome, Joe Gattuso") {
		t.Error("a speaker of no delegation has a welcome sheet among the delegates'")
	}

	// A revoked link gets no code, and staff are told why.
	if err := env.svc.Revoke(t.Context(), "igf2016-cldp", programme.FeedPerson, "shamim"); err != nil {
		t.Fatal(err)
	}
	_, body = admin.get("/staff/p/igf2016-cldp/print/welcome?delegation=pk")
	if got := strings.Count(body, "<svg "); got != 2 {
		t.Errorf("%d QR codes, want 2 (Shamim's link is revoked)", got)
	}
	if !strings.Contains(body, "No QR code for Shamim: their link is revoked.") {
		t.Error("the page does not say why Shamim's sheet has no code")
	}
}

func TestPrintedAgendaOfADelegation(t *testing.T) {
	env := newViewsEnv(t)
	viewer := env.as(programme.RoleViewer)
	res, body := viewer.get(afAgenda)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", afAgenda, res.StatusCode, body)
	}
	// One sheet per day with something on it: 28 and 29 November, 5, 6,
	// 7 and 9 December.
	if got := strings.Count(body, sheetTag); got != 6 {
		t.Errorf("%d sheets, want 6", got)
	}
	inOrder(t, body, "Monday 28 November 2016", "Tuesday 29 November 2016", "Monday 5 December 2016",
		"Tuesday 6 December 2016", "Wednesday 7 December 2016", "Friday 9 December 2016")

	res, body = viewer.get(afAgenda + "?day=2016-12-05")
	if res.StatusCode != http.StatusOK || strings.Count(body, sheetTag) != 1 {
		t.Fatalf("one day: %d, %d sheets", res.StatusCode, strings.Count(body, sheetTag))
	}
	for _, want := range []string{"Afghanistan delegation", "Monday 5 December 2016", "Times in America/Mexico_City (CST)",
		"Pre-Conference Seminar for CLDP Supported Delegations", "The Internet Society: global policy, chapters and development",
		"Sally Wentworth", "Bus back to the hotel", "17:15 CST"} {
		if !strings.Contains(body, want) {
			t.Errorf("the agenda of 5 December lacks %q", want)
		}
	}
	if strings.Contains(body, "Washington meetings") {
		t.Error("the agenda of 5 December holds another day's item")
	}

	for _, tt := range []struct{ path, want string }{
		{afAgenda + "?day=2016-12-03", "The Afghanistan delegation has nothing on &#34;2016-12-03&#34;."},
		{"/staff/p/igf2016-cldp/print/delegations/xx", "The programme has no delegation &#34;xx&#34;."},
	} {
		if res, body := viewer.get(tt.path); res.StatusCode != http.StatusNotFound || !strings.Contains(body, tt.want) {
			t.Errorf("GET %s: %d, want 404 saying %q", tt.path, res.StatusCode, tt.want)
		}
	}
}

// TestPrintoutsKeepStaffNotesToStaff checks that the paper handed to
// delegates carries none of what staff note for themselves.
func TestPrintoutsKeepStaffNotesToStaff(t *testing.T) {
	env := newViewsEnv(t)
	storeImport(t, env, func(p *programme.Programme) {
		omar := p.Person("omar-ansari")
		omar.Note, omar.Email, omar.Phone = "Arrives late on the 4th.", "omar@example.org", "+93 700 000 000"
	})
	p, err := env.st.Programme(t.Context(), "igf2016-cldp")
	if err != nil {
		t.Fatal(err)
	}
	// Each note is in the database...
	secrets := map[string]string{
		"slot note":        p.Session("day0-seminar").Slot(p.Session("day0-seminar").Slots[1].Key).Note,
		"delegation note":  p.Delegation("af").Note,
		"reservation note": p.Room("room-10").Reservations[0].Note,
		"person note":      p.Person("omar-ansari").Note,
		"e-mail":           p.Person("omar-ansari").Email,
		"phone":            p.Person("omar-ansari").Phone,
	}
	for what, s := range secrets {
		if s == "" {
			t.Fatalf("the stored demo has no %s", what)
		}
	}
	if got := secrets["slot note"]; got != "The ISOC team has to leave by 11:00." {
		t.Fatalf("slot note %q", got)
	}
	// ...and on no sheet.
	admin := env.as(programme.RoleAdmin)
	for _, path := range []string{omarWelcome, "/staff/p/igf2016-cldp/print/welcome", afAgenda, afAgenda + "?day=2016-12-05"} {
		res, body := admin.get(path)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, res.StatusCode)
		}
		body = html.UnescapeString(body)
		for what, s := range secrets {
			if strings.Contains(body, s) {
				t.Errorf("GET %s shows the %s %q", path, what, s)
			}
		}
	}
}

func TestPrintRoles(t *testing.T) {
	env := newViewsEnv(t)
	for _, tt := range []struct {
		role    programme.StaffRole
		path    string
		status  int
		without string
	}{
		{"", afAgenda, http.StatusSeeOther, ""},
		{"", omarWelcome, http.StatusSeeOther, ""},
		{programme.RoleViewer, afAgenda, http.StatusOK, ""},
		// Welcome sheets carry the secret link, which only admins see.
		{programme.RoleViewer, omarWelcome, http.StatusForbidden, ""},
		{programme.RoleEditor, omarWelcome, http.StatusForbidden, ""},
		{programme.RoleAdmin, omarWelcome, http.StatusOK, ""},
		{programme.RoleEditor, "/staff/p/igf2016-cldp/print", http.StatusOK, "/print/welcome/omar-ansari"},
		{programme.RoleAdmin, "/staff/p/igf2016-cldp/print", http.StatusOK, ""},
	} {
		res, body := env.as(tt.role).get(tt.path)
		if res.StatusCode != tt.status {
			t.Errorf("%q GET %s: %d, want %d", tt.role, tt.path, res.StatusCode, tt.status)
		}
		if tt.without != "" && strings.Contains(body, tt.without) {
			t.Errorf("%q GET %s links to %s", tt.role, tt.path, tt.without)
		}
	}
	if list, err := env.svc.List(t.Context(), "igf2016-cldp", false); err != nil || len(list) == 0 {
		t.Fatalf("the admin's welcome sheet made no link: %v", err)
	}
	_, body := env.as(programme.RoleAdmin).get("/staff/p/igf2016-cldp/print")
	for _, want := range []string{
		`href="/staff/p/igf2016-cldp/print/delegations/af"`,
		`href="/staff/p/igf2016-cldp/print/delegations/af?day=2016-12-05"`,
		`href="/staff/p/igf2016-cldp/print/welcome?delegation=pk"`,
		`href="/staff/p/igf2016-cldp/print/welcome/omar-ansari"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the print page lacks %s", want)
		}
	}
}

// TestPrintStylesheet checks that every sheet starts a new printed page
// and that the screen around the sheets is not printed.
func TestPrintStylesheet(t *testing.T) {
	s, _ := newTestServer(t, storeWith())
	u, err := s.assets.url("app.css")
	if err != nil {
		t.Fatal(err)
	}
	_, css := get(t, s.Handler(), u)
	i := strings.LastIndex(css, "@media print {")
	if i < 0 {
		t.Fatal("no print block in app.css")
	}
	printCSS := css[i:]
	for _, want := range []string{".no-print, .staffnav { display: none !important; }", "break-after: page;"} {
		if !strings.Contains(printCSS, want) {
			t.Errorf("the print stylesheet lacks %q", want)
		}
	}
}
