package ical

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"

	"github.com/planner-dev/planner/internal/programme"
)

// appleRadius is the X-APPLE-RADIUS of a venue, in metres: how near Apple
// Maps counts as arrived when it works out the travel time. A conference
// centre or hotel is about this size.
const appleRadius = 70

// setMap writes where an entry's venue is: GEO (RFC 5545), which most
// clients turn into a map link, and X-APPLE-STRUCTURED-LOCATION, from which
// Apple Calendar offers a map and the travel time. The venue's name and
// address go into parameters, which the library does not escape: they are
// quoted here (see ParamValue), and the whole property name with its
// parameters is handed to the library as the name, so that it writes them
// as they are. Only VALUE=URI goes through the library, which then leaves
// the geo: URI's comma alone, as it must for a URI.
func setMap(ev *ics.VEvent, e programme.Entry) error {
	lat, lon, err := coordinates(e.Lat, e.Lon)
	if err != nil {
		return err
	}
	ev.SetProperty(ics.ComponentPropertyGeo, lat+";"+lon)
	var name strings.Builder
	name.WriteString("X-APPLE-STRUCTURED-LOCATION")
	if addr := ParamValue(e.VenueAddress); addr != `""` {
		name.WriteString(";X-ADDRESS=" + addr)
	}
	name.WriteString(";X-APPLE-RADIUS=" + strconv.Itoa(appleRadius))
	name.WriteString(";X-TITLE=" + ParamValue(e.VenueName))
	ev.Properties = append(ev.Properties, ics.IANAProperty{BaseProperty: ics.BaseProperty{
		IANAToken:      name.String(),
		ICalParameters: map[string][]string{"VALUE": {"URI"}},
		Value:          "geo:" + lat + "," + lon,
	}})
	return nil
}

// coordinates writes a point as decimal degrees, refusing what no map
// knows: a latitude outside -90..90, a longitude outside -180..180, or a
// value that is not a number. Six decimals are about 10 cm, more than any
// venue needs.
func coordinates(lat, lon float64) (string, string, error) {
	if math.IsNaN(lat) || math.IsNaN(lon) || math.Abs(lat) > 90 || math.Abs(lon) > 180 {
		return "", "", fmt.Errorf("venue coordinates %v, %v are not a point on the Earth", lat, lon)
	}
	return degrees(lat), degrees(lon), nil
}

func degrees(v float64) string {
	s := strconv.FormatFloat(v, 'f', 6, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		s = "0"
	}
	return s
}

// ParamValue writes s as an RFC 5545 quoted parameter value, for user text
// in a parameter: DQUOTE, then any character but a control or DQUOTE, then
// DQUOTE. Characters that cannot be written so are encoded the RFC 6868
// way, which Apple Calendar, ical.js and libical read: a double quote as
// ^', a caret as ^^; a line break becomes ", " (an address's lines) and a
// tab a space; other controls and invalid UTF-8 are dropped. Nothing in the
// result can end the value, the parameter or the line.
func ParamValue(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	lines := strings.Split(Text(s), "\n")
	first := true
	for _, line := range lines {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if !first {
			b.WriteString(", ")
		}
		first = false
		for _, r := range line {
			switch {
			case r == '"':
				b.WriteString("^'")
			case r == '^':
				b.WriteString("^^")
			case r == utf8.RuneError, unicode.IsControl(r):
				// Text already made every line break "\n" and dropped the
				// other controls; this keeps the promise on its own.
			default:
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}
