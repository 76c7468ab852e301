package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	goical "github.com/emersion/go-ical"
	"github.com/skip2/go-qrcode"

	"github.com/planner-dev/planner/internal/programme"
)

// TestPersonalQRCodeOpensThePage checks that the code a phone scans holds
// the agenda page's https address, where the phone finds its calendar's
// button, and not the bare feed a camera app cannot subscribe to.
func TestPersonalQRCodeOpensThePage(t *testing.T) {
	env := newDemoEnv(t)
	tok := env.token(programme.FeedPerson, "omar-ansari")
	_, body := get(t, env.srv.Handler(), "/a/"+tok+"/qr.png")
	want, err := qrcode.Encode("https://planner.example.org/a/"+tok, qrcode.Medium, 320)
	if err != nil {
		t.Fatal(err)
	}
	if body != string(want) {
		t.Error("the QR code does not hold the agenda page's address")
	}
	feed, err := qrcode.Encode("https://planner.example.org/feeds/"+tok+".ics", qrcode.Medium, 320)
	if err != nil {
		t.Fatal(err)
	}
	if body == string(feed) {
		t.Error("the QR code holds the feed's address")
	}
}

// TestSubscribeButtons checks the Outlook.com button, beside Apple's and
// Google's, and the word on Google's slow refresh.
func TestSubscribeButtons(t *testing.T) {
	env := newDemoEnv(t)
	tok := env.token(programme.FeedPerson, "omar-ansari")
	_, body := env.personal(tok)
	feedURL := "https://planner.example.org/feeds/" + tok + ".ics"
	outlook := "https://outlook.live.com/calendar/0/addfromweb?url=" + url.QueryEscape(feedURL) +
		"&name=" + url.QueryEscape("Omar Ansari — CLDP-supported delegations at IGF 2016")
	// html/template writes & as &amp; and escapes + in attributes.
	escaped := strings.NewReplacer("&", "&amp;", "+", "&#43;").Replace(outlook)
	if !strings.Contains(body, `href="`+escaped+`"`) {
		t.Errorf("the page lacks the Outlook.com button %q", escaped)
	}
	subscribe := body[strings.Index(body, `id="subscribe"`):]
	inOrder(t, subscribe, "Apple, Outlook or Thunderbird", "Google Calendar", "Outlook.com", "Download .ics")
	if !strings.Contains(subscribe, "Google Calendar checks a subscription only every few hours") {
		t.Error("the page does not say that Google may take hours to refresh")
	}
	// The whole programme's calendar is named by the programme alone.
	_, whole := env.personal(env.token(programme.FeedProgramme, env.slug))
	name := strings.ReplaceAll(url.QueryEscape("CLDP-supported delegations at IGF 2016"), "+", "&#43;")
	if !strings.Contains(whole, "&amp;name="+name+`"`) {
		t.Errorf("the programme's Outlook.com button is not named %q", name)
	}
}

// TestVenuesOnTheMap gives the Expo coordinates: the agenda page links each
// item held there to OpenStreetMap with a name a screen reader reads out,
// the feed writes GEO and X-APPLE-STRUCTURED-LOCATION, and an item held
// elsewhere gets neither.
func TestVenuesOnTheMap(t *testing.T) {
	env := newFeedEnv(t, editedDemo(t, func(p *programme.Programme) {
		found(t, p.Venue("expo"), "no expo").Geo = &programme.Geo{Lat: 20.652935, Lon: -103.391632}
	}))
	tok := env.token(programme.FeedPerson, "omar-ansari")
	_, body := env.personal(tok)
	link := `<a class="map" href="https://www.openstreetmap.org/?mlat=20.652935&amp;mlon=-103.391632#map=17/20.652935/-103.391632" rel="noopener">Map<span class="visually-hidden"> of Expo Guadalajara on OpenStreetMap</span></a>`
	if !strings.Contains(itemHTML(t, body, "session-day0-seminar"), link) {
		t.Errorf("the seminar, in a room at the Expo, lacks the map link %s", link)
	}
	if !strings.Contains(itemHTML(t, body, "run-day0-bus"), link) {
		t.Error("the bus, which picks up at the Expo, lacks the map link")
	}
	if strings.Contains(itemHTML(t, body, "session-dc-day1"), `class="map"`) {
		t.Error("the Washington meeting, at a venue with no point, has a map link")
	}

	events := eventsByUID(t, env.calendar(tok))
	seminar := events[uidOf("session/day0-seminar")]
	if got := seminar.Props.Get(goical.PropGeo); got == nil || got.Value != "20.652935;-103.391632" {
		t.Errorf("the seminar's GEO = %+v", got)
	}
	apple := seminar.Props.Get("X-APPLE-STRUCTURED-LOCATION")
	if apple == nil || apple.Value != "geo:20.652935,-103.391632" || apple.Params.Get("X-TITLE") != "Expo Guadalajara" ||
		apple.Params.Get("X-ADDRESS") != "Av. Mariano Otero 1499, Guadalajara, Jalisco, Mexico" || apple.Params.Get("VALUE") != "URI" {
		t.Errorf("the seminar's X-APPLE-STRUCTURED-LOCATION = %+v", apple)
	}
	dc := events[uidOf("session/dc-day1")]
	if dc.Props.Get(goical.PropGeo) != nil || dc.Props.Get("X-APPLE-STRUCTURED-LOCATION") != nil {
		t.Error("the Washington meeting has a point on the map")
	}
}

// TestEventURLsLeadToTheProgrammePage checks every event of every demo feed:
// its URL is the public programme page at an id that page has, and holds
// no token.
func TestEventURLsLeadToTheProgrammePage(t *testing.T) {
	env := newDemoEnv(t)
	res, page := get(t, env.srv.Handler(), "/p/"+env.slug)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("programme page: %d", res.StatusCode)
	}
	list, err := env.svc.List(t.Context(), env.slug, true)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, l := range list {
		tok := strings.TrimSuffix(strings.TrimPrefix(l.URL, "https://planner.example.org/feeds/"), ".ics")
		for _, ev := range env.calendar(tok).Events() {
			u := ev.Props.Get(goical.PropURL)
			if u == nil {
				t.Fatalf("%s/%s: an event has no URL", l.Kind, l.Key)
			}
			anchor, ok := strings.CutPrefix(u.Value, "https://planner.example.org/p/"+env.slug+"#")
			if !ok || strings.Contains(u.Value, tok) {
				t.Errorf("%s/%s: event URL %q", l.Kind, l.Key, u.Value)
				continue
			}
			if !strings.Contains(page, `id="`+anchor+`"`) {
				t.Errorf("%s/%s: the programme page has no item %q", l.Kind, l.Key, anchor)
			}
			checked++
		}
	}
	if checked < 50 {
		t.Errorf("only %d events checked", checked)
	}
	if !strings.Contains(page, `id="slot-day0-seminar_cyber"`) {
		t.Error("the programme page's running order has no slot anchors")
	}
}

// TestAgendaPageIDsAreUnique puts a speaker in the audience of the session
// they speak in: their own slot and the session's running order are both
// on their agenda page, and the slot's id must be there once.
func TestAgendaPageIDsAreUnique(t *testing.T) {
	env := newFeedEnv(t, editedDemo(t, func(p *programme.Programme) {
		seminar := found(t, p.Session("day0-seminar"), "no seminar")
		seminar.Audience.People = append(seminar.Audience.People, "chris-painter")
	}))
	_, body := env.personal(env.token(programme.FeedPerson, "chris-painter"))
	if n := strings.Count(body, `id="slot-day0-seminar_cyber"`); n != 1 {
		t.Errorf("the slot's id is on Chris's page %d times, want once", n)
	}
	if !strings.Contains(body, `id="session-day0-seminar"`) {
		t.Error("the seminar is not on Chris's page: nothing to check")
	}
}
