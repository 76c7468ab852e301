package exchange

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/planner-dev/planner/internal/programme"
)

// Decode reads a programme file. Warnings (unknown fields, kept out of the
// database) come back separately, also when the file has errors. Any error is a
// *programme.Error with Code EINVALID whose Fields list every problem found:
// syntax errors with line and column, wrong types, bad times, and everything
// programme.Validate finds, each with its JSON path.
func Decode(r io.Reader) (*programme.Programme, []programme.FieldError, error) {
	return DecodeOnto(r, nil)
}

// DecodeOnto reads a programme file that may be a batch of changes to a
// stored programme: stored returns the programme under a slug as it is now
// (nil when there is none), and references in the file may name its items.
// An error from stored is returned as it is. A nil stored makes it Decode.
func DecodeOnto(r io.Reader, stored func(slug string) (*programme.Programme, error)) (*programme.Programme, []programme.FieldError, error) {
	// One byte more than the limit tells a file at the limit from a larger
	// one without reading the rest of it.
	data, err := io.ReadAll(io.LimitReader(r, MaxFileBytes+1))
	if err != nil {
		return nil, nil, &programme.Error{Code: programme.EINVALID, Message: "The programme file could not be read", Err: err}
	}
	if len(data) > MaxFileBytes {
		var fe programme.FieldErrors
		fe.Add("", "the file is larger than %d MiB (%d bytes), the limit", MaxFileBytes>>20, MaxFileBytes)
		return nil, nil, fe.Err("The programme file is too large")
	}
	// Editors on Windows start UTF-8 files with a byte order mark, which
	// says nothing JSON needs.
	data = bytes.TrimPrefix(data, []byte(byteOrderMark))
	// A syntax error makes everything after it meaningless, so it is the one
	// problem reported alone.
	if err := json.Unmarshal(data, new(json.RawMessage)); err != nil {
		var fe programme.FieldErrors
		fe.Add("", "%s", syntaxMessage(data, err))
		return nil, nil, fe.Err("The programme file is not valid JSON")
	}

	d := &decoder{failed: map[string]bool{}}
	d.invalidUTF8(data)
	p, ok := d.file(data)
	if ok {
		var base *programme.Programme
		if stored != nil && programme.ValidKey(p.Slug) {
			if base, err = stored(p.Slug); err != nil {
				return nil, nil, err
			}
		}
		// Validation runs on what decoded; a problem already reported at a
		// path (or above it) is not reported again in other words.
		for _, f := range programme.ValidateOnto(p, base) {
			if !d.failedAt(f.Path) {
				d.errs = append(d.errs, f)
			}
		}
	}
	var warnings []programme.FieldError
	for _, group := range d.warns {
		warnings = append(warnings, group...)
	}
	if len(d.errs) > 0 {
		return nil, warnings, d.errs.Err(problems(len(d.errs)))
	}
	return p, warnings, nil
}

// MaxFileBytes is the size limit of a programme file: Decode refuses a larger
// one after reading one byte more than this. The limits on each field and
// list (see programme.MaxLineLength and the others) keep a valid programme
// far below it.
const MaxFileBytes = 8 << 20

const byteOrderMark = "\uFEFF"

func problems(n int) string {
	if n == 1 {
		return "The programme file has 1 problem"
	}
	return fmt.Sprintf("The programme file has %d problems", n)
}

// syntaxMessage turns a JSON syntax error into a sentence that starts with
// the line and column of the offending character.
func syntaxMessage(data []byte, err error) string {
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return err.Error()
	}
	// Offset counts the bytes read, including the offending one; at the end
	// of the input there is none, and the place to point at is the end.
	offset := int(se.Offset) - 1
	if strings.HasPrefix(se.Error(), "unexpected end") {
		offset = len(data)
	}
	line, col := lineColumn(data, offset)
	return fmt.Sprintf("line %d, column %d: %s", line, col, se.Error())
}

// lineColumn returns the 1-based line and column (in characters) of the byte
// at offset; an offset past the end names the place just after the last byte.
func lineColumn(data []byte, offset int) (line, col int) {
	offset = max(0, min(offset, len(data)))
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	lineStart := bytes.LastIndexByte(before, '\n') + 1
	return line, utf8.RuneCount(before[lineStart:]) + 1
}

// invalidUTF8 reports every string of data, a key or a value, that is not
// valid UTF-8, with its JSON path, line and column. encoding/json would
// silently replace each bad byte with U+FFFD, so that a file saved as
// Latin-1 stores "Mar\uFFFDa" for "María". It follows the paths through
// the document's tokens, since only they know where each string is in the
// file; data is valid JSON.
func (d *decoder) invalidUTF8(data []byte) {
	if utf8.Valid(data) {
		return
	}
	type container struct {
		path string
		list bool
		next int    // the index of a list's next element
		key  string // the name of an object's current field
		// keyNext says that an object's next token is a field name.
		keyNext bool
	}
	var open []*container
	dec := json.NewDecoder(bytes.NewReader(data))
	for last := int64(0); ; {
		tok, err := dec.Token()
		if err != nil {
			return // the end: data is valid JSON
		}
		// The bytes since the previous token hold this one; the commas,
		// colons and spaces between are ASCII.
		start, end := last, dec.InputOffset()
		last = end
		path := ""
		delim, isDelim := tok.(json.Delim)
		closing := isDelim && (delim == '}' || delim == ']')
		if n := len(open); n > 0 {
			c := open[n-1]
			switch {
			case closing:
				path = c.path
			case c.list:
				path = fmt.Sprintf("%s[%d]", c.path, c.next)
				c.next++
			case c.keyNext:
				c.key, _ = tok.(string)
				c.keyNext = false
				path = join(c.path, c.key)
			default:
				path = join(c.path, c.key)
				c.keyNext = true
			}
		}
		if raw := data[start:end]; !utf8.Valid(raw) {
			at := int(start) + firstInvalid(raw)
			line, col := lineColumn(data, at)
			d.fail(path, "line %d, column %d: is not valid UTF-8 text (byte 0x%02X): save the file as UTF-8", line, col, data[at])
		}
		switch {
		case closing:
			open = open[:len(open)-1]
		case isDelim:
			open = append(open, &container{path: path, list: delim == '[', keyNext: delim == '{'})
		}
	}
}

// firstInvalid returns the index of the first byte of b that does not begin
// a valid UTF-8 sequence.
func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// decoder walks the parsed document and collects errors and warnings.
type decoder struct {
	errs programme.FieldErrors
	// warns holds the warnings of each object, in the order the objects
	// were met: a parent before its children, so warnings read top-down.
	warns []programme.FieldErrors
	// failed holds the paths of the errors found while decoding.
	failed map[string]bool
}

func (d *decoder) fail(path, format string, args ...any) {
	d.errs.Add(path, format, args...)
	d.failed[path] = true
}

// failedAt reports whether decoding already failed at path or at a path
// that contains it.
func (d *decoder) failedAt(path string) bool {
	for i := len(path); i > 0; i-- {
		if i < len(path) && path[i] != '.' && path[i] != '[' {
			continue
		}
		if d.failed[path[:i]] {
			return true
		}
	}
	return false
}

// file decodes the whole document. ok is false when the document is too
// broken for validation to say anything useful.
func (d *decoder) file(data []byte) (p *programme.Programme, ok bool) {
	top := d.object("", data)
	if top == nil {
		return nil, false
	}
	defer top.finish()

	if raw := top.value("format"); raw == nil {
		d.fail("format", "is required: %q", Format)
	} else if format, isString := d.stringAt("format", raw); isString && format != Format {
		d.fail("format", "is %s, want %q", describe(raw), Format)
	}
	ok = !d.failed["format"]

	p = &programme.Programme{}
	head := top.object("programme")
	if head == nil {
		if !d.failed["programme"] {
			d.fail("programme", "is required")
		}
		ok = false
	} else {
		d.header(head, p)
	}

	top.each("venues", func(o *object) {
		p.Venues = append(p.Venues, programme.Venue{
			Key:     o.text("key"),
			Name:    o.text("name"),
			Address: o.text("address"),
			Geo:     geo(o.object("geo")),
		})
	})
	top.each("rooms", func(o *object) { p.Rooms = append(p.Rooms, d.room(o, p)) })
	top.each("delegations", func(o *object) {
		p.Delegations = append(p.Delegations, programme.Delegation{
			Key:     o.text("key"),
			Name:    o.text("name"),
			Country: o.text("country"),
			Lead:    o.text("lead"),
			Note:    o.text("note"),
		})
	})
	top.each("people", func(o *object) {
		p.People = append(p.People, programme.Person{
			Key:          o.text("key"),
			Name:         o.text("name"),
			Title:        o.text("title"),
			Organization: o.text("organization"),
			Role:         o.text("role"),
			Delegation:   o.text("delegation"),
			Email:        o.text("email"),
			Phone:        o.text("phone"),
			Note:         o.text("note"),
			// A person without the field gets no mail: invitations are
			// asked for, never assumed.
			CalendarByEmail: o.boolean("calendar_by_email"),
		})
	})
	top.each("sessions", func(o *object) { p.Sessions = append(p.Sessions, d.session(o, p)) })
	top.each("transport", func(o *object) { p.Transport = append(p.Transport, d.run(o, p)) })
	return p, ok
}

func (d *decoder) header(o *object, p *programme.Programme) {
	defer o.finish()
	p.Slug = o.text("slug")
	p.Title = o.text("title")
	p.Organizer = o.text("organizer")
	p.TimeZone = o.text("time_zone")
	p.StartsOn = o.text("starts_on")
	p.EndsOn = o.text("ends_on")
	p.Location = o.text("location")
	p.Description = o.text("description")
	p.OrganizerEmail = o.text("organizer_email")
}

func (d *decoder) room(o *object, p *programme.Programme) programme.Room {
	r := programme.Room{
		Key:      o.text("key"),
		Name:     o.text("name"),
		Venue:    o.text("venue"),
		Capacity: o.integer("capacity"),
	}
	// Reservations carry no zone of their own: they are in the programme's.
	loc := p.Loc("")
	o.each("reservations", func(o *object) {
		r.Reservations = append(r.Reservations, programme.Reservation{
			StartsAt:     o.instant("starts_at", loc),
			EndsAt:       o.instant("ends_at", loc),
			Status:       o.text("status"),
			ReleasedFrom: o.instantPtr("released_from", loc),
			Note:         o.text("note"),
		})
	})
	return r
}

func (d *decoder) session(o *object, p *programme.Programme) programme.Session {
	s := programme.Session{
		Key:         o.text("key"),
		Title:       o.text("title"),
		Description: o.text("description"),
		Kind:        o.text("kind"),
		TimeZone:    o.text("time_zone"),
		Room:        o.text("room"),
		Venue:       o.text("venue"),
		Location:    o.text("location"),
		Required:    o.boolean("required"),
		Status:      o.text("status"),
	}
	// An unknown zone is reported by validation; meanwhile the times are
	// read in UTC, as programme.Loc does, so that their checks still run.
	loc := p.Loc(s.TimeZone)
	s.StartsAt = o.instant("starts_at", loc)
	s.EndsAt = o.instant("ends_at", loc)
	s.Audience = audience(o.object("audience"))
	o.each("slots", func(o *object) {
		s.Slots = append(s.Slots, programme.Slot{
			Key:            o.text("key"),
			Title:          o.text("title"),
			Speakers:       o.texts("speakers"),
			StartsAt:       o.instant("starts_at", loc),
			EndsAt:         o.instant("ends_at", loc),
			AvailableFrom:  o.instantPtr("available_from", loc),
			AvailableUntil: o.instantPtr("available_until", loc),
			Status:         o.text("status"),
			Note:           o.text("note"),
		})
	})
	return s
}

func (d *decoder) run(o *object, p *programme.Programme) programme.Run {
	r := programme.Run{
		Key:      o.text("key"),
		Kind:     o.text("kind"),
		Title:    o.text("title"),
		TimeZone: o.text("time_zone"),
		From:     o.text("from"),
		To:       o.text("to"),
		Capacity: o.integer("capacity"),
		Vehicle:  o.text("vehicle"),
		Contact:  o.text("contact"),
		Status:   o.text("status"),
		Riders:   audience(o.object("riders")),
		Note:     o.text("note"),
	}
	loc := p.Loc(r.TimeZone)
	r.DepartsAt = o.instant("departs_at", loc)
	o.each("staying_behind", func(o *object) {
		// Everyone the file lists stays behind now; the store keeps the
		// history (Changes, Since).
		r.StayingBehind = append(r.StayingBehind, programme.StayingBehind{
			Person: o.text("person"),
			Note:   o.text("note"),
			Active: true,
		})
	})
	if po := o.object("poll"); po != nil {
		defer po.finish()
		poll := &programme.Poll{
			Question: po.text("question"),
			Options:  po.texts("options"),
			ClosesAt: po.instantPtr("closes_at", loc),
			Decided:  po.text("decided"),
		}
		po.each("votes", func(o *object) {
			poll.Votes = append(poll.Votes, programme.Vote{
				Person: o.text("person"),
				Option: o.text("option"),
			})
		})
		r.Poll = poll
	}
	return r
}

// audience reads a session's audience or a run's riders; o may be nil.
func audience(o *object) programme.Audience {
	if o == nil {
		return programme.Audience{}
	}
	defer o.finish()
	return programme.Audience{
		Delegations: o.texts("delegations"),
		People:      o.texts("people"),
	}
}

// geo reads a venue's point on the map; o may be nil. Both coordinates
// are required, since a missing one cannot be told from 0 once decoded.
func geo(o *object) *programme.Geo {
	if o == nil {
		return nil
	}
	defer o.finish()
	lat, latOK := o.number("lat")
	lon, lonOK := o.number("lon")
	if !latOK || !lonOK {
		return nil
	}
	return &programme.Geo{Lat: lat, Lon: lon}
}

// object is one JSON object of the document, with its path. Its accessors
// report wrong types as errors and remember which fields they read, so that
// finish can warn about the others.
type object struct {
	d      *decoder
	path   string
	names  []string // in file order
	values map[string]json.RawMessage
	read   map[string]bool
	// warnings is the index of this object's group in decoder.warns.
	warnings int
}

// object parses raw as an object at path; it reports an error and returns
// nil when raw is something else.
func (d *decoder) object(path string, raw json.RawMessage) *object {
	o := d.emptyObject(path)
	if kind(raw) != '{' {
		d.fail(path, "want an object {...}, got %s", describe(raw))
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // the opening brace
		d.fail(path, "%s", err)
		return nil
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			d.fail(path, "%s", err)
			return nil
		}
		name, _ := tok.(string)
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			d.fail(path, "%s", err)
			return nil
		}
		if _, dup := o.values[name]; dup {
			// encoding/json would silently keep the last one; a file that
			// says two things about one field is better fixed than guessed.
			d.fail(join(path, name), "appears twice in the same object")
			continue
		}
		o.names = append(o.names, name)
		o.values[name] = value
	}
	return o
}

// emptyObject returns an object with no fields at path.
func (d *decoder) emptyObject(path string) *object {
	d.warns = append(d.warns, nil)
	return &object{d: d, path: path, values: map[string]json.RawMessage{}, read: map[string]bool{}, warnings: len(d.warns) - 1}
}

// value returns a field's raw value, or nil when it is absent or null, which
// the format treats alike.
func (o *object) value(name string) json.RawMessage {
	o.read[name] = true
	raw, ok := o.values[name]
	if !ok || kind(raw) == 'n' {
		return nil
	}
	return raw
}

// finish warns about every field that no accessor read.
func (o *object) finish() {
	for _, name := range o.names {
		if !o.read[name] {
			o.d.warns[o.warnings].Add(join(o.path, name), "unknown field, ignored")
		}
	}
}

// str returns a string field and whether it held a string.
func (o *object) str(name string) (string, bool) {
	raw := o.value(name)
	if raw == nil {
		return "", false
	}
	return o.d.stringAt(join(o.path, name), raw)
}

func (d *decoder) stringAt(path string, raw json.RawMessage) (string, bool) {
	if kind(raw) != '"' {
		d.fail(path, "want a string, got %s", describe(raw))
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		d.fail(path, "%s", err)
		return "", false
	}
	// encoding/json turns an escaped half of a surrogate pair into U+FFFD
	// as silently as it does a byte that is not UTF-8.
	if esc := loneSurrogate(raw); esc != "" {
		d.fail(path, "%s is half of a UTF-16 surrogate pair, not a character", esc)
		return "", false
	}
	return s, true
}

// loneSurrogate returns the first \uXXXX escape of a JSON string that is
// half of a surrogate pair without its other half, or "".
func loneSurrogate(raw json.RawMessage) string {
	if !bytes.Contains(raw, []byte(`\u`)) {
		return ""
	}
	// escape returns the code unit of a \uXXXX escape at i, or -1.
	escape := func(i int) int {
		if i+6 > len(raw) || raw[i] != '\\' || raw[i+1] != 'u' {
			return -1
		}
		n, err := strconv.ParseUint(string(raw[i+2:i+6]), 16, 16)
		if err != nil {
			return -1
		}
		return int(n)
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		u := escape(i)
		switch {
		case u >= 0xD800 && u <= 0xDBFF:
			if low := escape(i + 6); low >= 0xDC00 && low <= 0xDFFF {
				i += 11
				continue
			}
			return string(raw[i : i+6])
		case u >= 0xDC00 && u <= 0xDFFF:
			return string(raw[i : i+6])
		}
		i++ // the escaped character, which may be a backslash
	}
	return ""
}

func (o *object) text(name string) string {
	s, _ := o.str(name)
	return s
}

func (o *object) boolean(name string) bool {
	raw := o.value(name)
	if raw == nil {
		return false
	}
	switch string(raw) {
	case "true":
		return true
	case "false":
		return false
	}
	o.d.fail(join(o.path, name), "want true or false, got %s", describe(raw))
	return false
}

// number reads a required number, and whether it was there and a number.
func (o *object) number(name string) (float64, bool) {
	raw := o.value(name)
	path := join(o.path, name)
	if raw == nil {
		o.d.fail(path, "is required")
		return 0, false
	}
	if kind(raw) != '0' {
		o.d.fail(path, "want a number, got %s", describe(raw))
		return 0, false
	}
	n, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		o.d.fail(path, "%s is not a number this format can hold", describe(raw))
		return 0, false
	}
	return n, true
}

// integer reads a whole number. It is kept within 32 bits, the size of the
// database columns that store capacities.
func (o *object) integer(name string) int {
	raw := o.value(name)
	if raw == nil {
		return 0
	}
	path := join(o.path, name)
	if kind(raw) != '0' {
		o.d.fail(path, "want a whole number, got %s", describe(raw))
		return 0
	}
	n, err := strconv.ParseInt(string(raw), 10, 32)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			o.d.fail(path, "%s is too large: at most %d", raw, math.MaxInt32)
		} else {
			o.d.fail(path, "want a whole number, got %s", describe(raw))
		}
		return 0
	}
	return int(n)
}

// texts reads a list of strings. An empty list decodes as nil, as an
// absent one does, so that both encode alike.
func (o *object) texts(name string) []string {
	var out []string
	o.elements(name, func(path string, raw json.RawMessage) {
		s, _ := o.d.stringAt(path, raw)
		out = append(out, s)
	})
	return out
}

// object returns a nested object, or nil when it is absent, null or not an
// object (then with an error).
func (o *object) object(name string) *object {
	raw := o.value(name)
	if raw == nil {
		return nil
	}
	return o.d.object(join(o.path, name), raw)
}

// each calls fn for every object of a list, in order. An element that is not
// an object is reported and passed as an empty object, so that the items
// after it keep their index for the paths of later messages.
func (o *object) each(name string, fn func(item *object)) {
	o.elements(name, func(path string, raw json.RawMessage) {
		item := o.d.object(path, raw)
		if item == nil {
			item = o.d.emptyObject(path)
		}
		fn(item)
		item.finish()
	})
}

// elements calls fn with the path and raw value of each element of a list.
func (o *object) elements(name string, fn func(path string, raw json.RawMessage)) {
	raw := o.value(name)
	if raw == nil {
		return
	}
	path := join(o.path, name)
	if kind(raw) != '[' {
		o.d.fail(path, "want a list [...], got %s", describe(raw))
		return
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		o.d.fail(path, "%s", err)
		return
	}
	for i, item := range items {
		fn(fmt.Sprintf("%s[%d]", path, i), item)
	}
}

// instant reads a time in loc, the zone that applies to the item.
func (o *object) instant(name string, loc *time.Location) time.Time {
	t := o.instantPtr(name, loc)
	if t == nil {
		return time.Time{}
	}
	return *t
}

func (o *object) instantPtr(name string, loc *time.Location) *time.Time {
	s, ok := o.str(name)
	if !ok {
		return nil
	}
	path := join(o.path, name)
	t, err := programme.ParseLocal(s, loc)
	if err != nil {
		o.d.fail(path, "%s", err)
		return nil
	}
	// Wall-clock times have whole seconds, so a fraction would be lost on
	// export; refusing it keeps export and import faithful.
	if t.Nanosecond() != 0 {
		o.d.fail(path, "%q has a fraction of a second: give whole seconds", s)
		return nil
	}
	return &t
}

// plainName is a field name that reads well after a dot in a path.
var plainName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// join appends a field name to a path, quoting names that would make the
// path ambiguous.
func join(path, name string) string {
	if !plainName.MatchString(name) {
		return fmt.Sprintf("%s[%s]", path, strconv.Quote(name))
	}
	if path == "" {
		return name
	}
	return path + "." + name
}

// kind classifies a JSON value by its first byte: '{', '[', '"', 't' or 'f'
// (booleans), 'n' (null) or '0' (numbers).
func kind(raw json.RawMessage) byte {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return 0
	}
	switch c := raw[0]; c {
	case '{', '[', '"', 't', 'f', 'n':
		return c
	default:
		return '0'
	}
}

// describe names a JSON value for a message: strings, numbers and literals
// as written (shortened), objects and lists by their kind.
func describe(raw json.RawMessage) string {
	switch kind(raw) {
	case '{':
		return "an object"
	case '[':
		return "a list"
	}
	s := strings.TrimSpace(string(raw))
	if utf8.RuneCountInString(s) > 40 {
		s = string([]rune(s)[:37]) + "..."
	}
	return s
}

// duplicateNames reports every field that an object of data names twice,
// as decoding a file does: encoding/json keeps the last of them without a
// word, so that an API body saying two things would be read as saying one
// of them. data is valid JSON.
func (d *decoder) duplicateNames(data []byte) {
	type container struct {
		path    string
		list    bool
		next    int
		names   map[string]bool
		key     string
		keyNext bool
	}
	var open []*container
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err != nil {
			return
		}
		delim, isDelim := tok.(json.Delim)
		if isDelim && (delim == '}' || delim == ']') {
			open = open[:len(open)-1]
			continue
		}
		path := ""
		if n := len(open); n > 0 {
			c := open[n-1]
			switch {
			case c.list:
				path = fmt.Sprintf("%s[%d]", c.path, c.next)
				c.next++
			case c.keyNext:
				c.key, _ = tok.(string)
				c.keyNext = false
				if c.names[c.key] {
					d.fail(join(c.path, c.key), "appears twice in the same object")
				}
				c.names[c.key] = true
				continue
			default:
				path = join(c.path, c.key)
				c.keyNext = true
			}
		}
		if isDelim {
			open = append(open, &container{path: path, list: delim == '[', keyNext: delim == '{', names: map[string]bool{}})
		}
	}
}
