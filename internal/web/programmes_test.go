package web

import (
	"errors"
	"html"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/planner-dev/planner/internal/demo"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
)

func TestProgrammeList(t *testing.T) {
	other := &programme.Programme{Slug: "wsis-2017", Title: "WSIS Forum 2017", StartsOn: "2017-06-12", EndsOn: "2017-06-16", Location: "Geneva"}
	s, _ := newTestServer(t, storeWith(sample.Demo(t), other))

	res, body := get(t, s.Handler(), "/")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", res.StatusCode)
	}
	inOrder(t, body,
		`<a href="/p/igf2016-cldp">CLDP-supported delegations at IGF 2016</a>`,
		"28 November – 9 December 2016 · Washington DC, then Guadalajara, Mexico",
		`<a href="/p/wsis-2017">WSIS Forum 2017</a>`,
		"12–16 June 2017 · Geneva",
	)
}

func TestProgrammeListEmpty(t *testing.T) {
	s, _ := newTestServer(t, storeWith())
	res, body := get(t, s.Handler(), "/")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "There are no programmes yet.") {
		t.Fatalf("status %d, body %q: want 200 and the empty message", res.StatusCode, body)
	}
}

func TestProgrammeShowDemo(t *testing.T) {
	s, _ := newTestServer(t, storeWith(sample.Demo(t)))
	res, body := get(t, s.Handler(), "/p/"+demo.Slug)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", res.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("Content-Type %q, want text/html", ct)
	}

	// Days come in date order, each headed once with its zone.
	inOrder(t, body,
		"Monday 28 November 2016", "Times in America/New_York",
		"Tuesday 29 November 2016", "Times in America/New_York",
		"Monday 5 December 2016", "Times in America/Mexico_City",
		"Tuesday 6 December 2016", "Wednesday 7 December 2016", "Friday 9 December 2016",
	)

	tests := []struct {
		date string
		want []string // in this order within the day
	}{
		{"2016-11-28", []string{"09:00–17:00 EST", "Washington meetings: government and non-government parties", "Meeting · Washington DC meetings"}},
		{"2016-11-29", []string{"09:00–17:00 EST", "Washington meetings: industry visits", "Some participants meet Facebook and Microsoft."}},
		{"2016-12-05", []string{
			"09:00–13:00 CST", "Pre-Conference Seminar for CLDP Supported Delegations",
			"Attendance expected", "Workshop Room 10, Expo Guadalajara",
			// The running order, with speakers by name.
			"09:00–09:10", "Welcome and overview of the morning", "Joe Gattuso",
			"09:10–10:45", "The Internet Society: global policy, chapters and development",
			"Sally Wentworth, Raul Echeberria, Joyce, Noel",
			"10:45–10:55", "National and regional IGF initiatives; Town Hall invitation", "Marilyn Cade",
			"11:00–12:15", "Telecommunications reform and competition in Mexico", "María Elena Flores",
			"<s>12:15–12:30</s>", "<s>Informal visitors</s>", "Cancelled",
			"12:15–12:50", "U.S. international cyber policy", "Christopher Painter, Lisel Fronz",
			"12:50–13:00", "The rest of the week: bus, reception, lunch",
			"13:00–14:00 CST", "Lunch (buy meal tickets at the gift shop)",
			"14:00–17:15 CST", "IGF Day 0 events (your choice)",
			"17:15 CST", "Bus back to the hotel", "Bus · From Expo Guadalajara to Delegation hotel",
			"Pick-up point to be announced.",
			"19:00–21:00 CST", "U.S. reception", "Reception · Grand Fiesta Americana",
		}},
		{"2016-12-06", []string{"10:00–13:00 CST", "Main session: Town Hall on Internet Governance and the SDGs", "Main Session Hall, Expo Guadalajara"}},
		{"2016-12-07", []string{"15:00–18:00 CST", "Main session: National and Regional IGF Initiatives", "To be confirmed"}},
	}
	for _, tt := range tests {
		t.Run(tt.date, func(t *testing.T) {
			inOrder(t, section(t, body, tt.date), tt.want...)
		})
	}

	// Eastern items are not repeated on Guadalajara days, nor the reverse.
	if strings.Contains(section(t, body, "2016-12-05"), "EST") {
		t.Error("5 December shows an Eastern time")
	}
	if strings.Contains(section(t, body, "2016-11-28"), "CST") {
		t.Error("28 November shows a Central time")
	}
}

func TestProgrammeShowPublicOnly(t *testing.T) {
	p := sample.Demo(t)
	// Give the demo the private details it lacks, to prove none is shown.
	p.People[4].Email = "omar@example.org"
	p.People[4].Phone = "+93 700 123 456"
	p.People[4].Note = "Arrives late on Sunday."
	p.Transport[0].Contact = "Driver: +52 33 9876 5432"
	p.Transport[0].StayingBehind = []programme.StayingBehind{{Person: "omar-ansari", Note: "Dinner with the MAG.", Active: true, Changes: 1}}
	s, _ := newTestServer(t, storeWith(p))

	_, body := get(t, s.Handler(), "/p/"+demo.Slug)
	// The store serves p itself: each secret must really be in it, or
	// looking for it would prove nothing.
	held := append(staffText(p), p.Transport[0].Contact)
	for _, secret := range []string{
		"has to leave by 11:00",               // slot note
		"Added on the day",                    // slot note
		"Expected to come by informally",      // slot note of a cancelled slot
		"ISOC Afghanistan chapter approved",   // delegation note
		"Reserved for the whole day",          // reservation note
		"omar@example.org", "+93 700 123 456", // e-mail and phone
		"Arrives late on Sunday",                  // person note
		"+52 33 9876 5432", "Dinner with the MAG", // run contact, staying-behind note
	} {
		if !slices.ContainsFunc(held, func(h string) bool { return strings.Contains(h, secret) }) {
			t.Fatalf("the programme does not hold %q: looking for it proves nothing", secret)
		}
		if strings.Contains(html.UnescapeString(body), secret) {
			t.Errorf("page shows staff-only %q", secret)
		}
	}
}

func TestProgrammeShowToday(t *testing.T) {
	// testNow is 02:00 UTC on 6 December: still the evening of 5 December
	// in Guadalajara, which is the day to mark.
	s, _ := newTestServer(t, storeWith(sample.Demo(t)))
	_, body := get(t, s.Handler(), "/p/"+demo.Slug)
	if !strings.Contains(section(t, body, "2016-12-05"), "Today") {
		t.Error("5 December is not marked as today")
	}
	if strings.Contains(section(t, body, "2016-12-06"), "Today") {
		t.Error("6 December is marked as today")
	}
}

func TestProgrammeShowFragment(t *testing.T) {
	s, _ := newTestServer(t, storeWith(sample.Demo(t)))
	tests := []struct {
		name     string
		header   map[string]string
		fragment bool
	}{
		{"browser", nil, false},
		{"htmx", map[string]string{"HX-Request": "true"}, true},
		{"htmx boosted", map[string]string{"HX-Request": "true", "HX-Boosted": "true"}, false},
		{"htmx history restore", map[string]string{"HX-Request": "true", "HX-History-Restore-Request": "true"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := do(t, s.Handler(), http.MethodGet, "/p/"+demo.Slug, tt.header)
			if got := strings.Contains(body, "<!doctype html>"); got == tt.fragment {
				t.Errorf("full document = %v, want %v", got, !tt.fragment)
			}
			if !strings.Contains(body, "Pre-Conference Seminar for CLDP Supported Delegations") {
				t.Error("content missing")
			}
			if !strings.Contains(res.Header.Get("Vary"), "HX-Request") {
				t.Errorf("Vary %q lacks HX-Request", res.Header.Get("Vary"))
			}
		})
	}
}

func TestProgrammeShowCanonical(t *testing.T) {
	s, _ := newTestServer(t, storeWith(sample.Demo(t)))
	_, body := get(t, s.Handler(), "/p/"+demo.Slug)
	if want := `<link rel="canonical" href="https://planner.example.org/p/igf2016-cldp">`; !strings.Contains(body, want) {
		t.Errorf("page lacks %s", want)
	}
}

func TestProgrammeShowNotFound(t *testing.T) {
	st := storeWith(sample.Demo(t))
	// A store that answers nil, nil must not crash the page.
	st.progs["ghost"] = nil
	s, _ := newTestServer(t, st)
	for _, path := range []string{"/p/no-such-programme", "/p/ghost", "/p/Not%20A%20Key", "/p/" + strings.Repeat("a", 65)} {
		t.Run(path, func(t *testing.T) {
			res, body := get(t, s.Handler(), path)
			if res.StatusCode != http.StatusNotFound {
				t.Fatalf("status %d, want 404", res.StatusCode)
			}
			if !strings.Contains(body, "There is no") || !strings.Contains(body, "<h1>Not Found</h1>") {
				t.Errorf("body is not the plain 404 page: %s", body)
			}
		})
	}
}

func TestProgrammeStoreErrors(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantText   string
	}{
		{"unavailable", programme.Errorf(programme.EUNAVAILABLE, "The database is restarting; try again in a moment."), 503, "The database is restarting"},
		{"internal", errors.New(`pq: relation "sessions" does not exist at 10.0.0.3`), 500, msgInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := storeWith(sample.Demo(t))
			st.listErr, st.getErr = tt.err, tt.err
			s, _ := newTestServer(t, st)
			for _, path := range []string{"/", "/p/" + demo.Slug} {
				res, body := get(t, s.Handler(), path)
				if res.StatusCode != tt.wantStatus {
					t.Errorf("%s: status %d, want %d", path, res.StatusCode, tt.wantStatus)
				}
				if !strings.Contains(body, tt.wantText) {
					t.Errorf("%s: body lacks %q", path, tt.wantText)
				}
				if strings.Contains(body, "10.0.0.3") || strings.Contains(body, "relation") {
					t.Errorf("%s: body leaks the internal error", path)
				}
			}
		})
	}
}

func TestDateRange(t *testing.T) {
	tests := []struct{ from, to, want string }{
		{"2016-11-28", "2016-12-09", "28 November – 9 December 2016"},
		{"2016-12-05", "2016-12-09", "5–9 December 2016"},
		{"2016-12-05", "2016-12-05", "5 December 2016"},
		{"2016-12-28", "2017-01-02", "28 December 2016 – 2 January 2017"},
		{"2016-12-05", "", "2016-12-05"},
		{"soon", "later", "soon – later"},
	}
	for _, tt := range tests {
		if got := dateRange(tt.from, tt.to); got != tt.want {
			t.Errorf("dateRange(%q, %q) = %q, want %q", tt.from, tt.to, got, tt.want)
		}
	}
}
