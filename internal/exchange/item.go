package exchange

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"

	"github.com/planner-dev/planner/internal/programme"
)

// Fragment returns one item of p as the programme file writes it, compact
// JSON, or nil when p has no such item. A session's fragment leaves its
// slots out: slots are items of their own (kind "slot", key
// "session/slot"), so that editing a slot and editing its session are two
// changes. The programme's own fields are the item of kind "programme".
// Fragments are what the change log keeps of an item before and after a
// change, and what its revision is a hash of.
func Fragment(p *programme.Programme, ref programme.ItemRef) []byte {
	v := fragmentValue(p, ref)
	if v == nil {
		return nil
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// The file's types hold only strings, numbers and slices: they
		// always encode.
		panic(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func fragmentValue(p *programme.Programme, ref programme.ItemRef) any {
	key := ref.Key
	switch ref.Kind {
	case programme.KindProgramme:
		if p.Slug != key {
			return nil
		}
		return toFile(&programme.Programme{Slug: p.Slug, Title: p.Title, Organizer: p.Organizer, TimeZone: p.TimeZone,
			StartsOn: p.StartsOn, EndsOn: p.EndsOn, Location: p.Location, Description: p.Description}).Programme
	case programme.KindVenue:
		if v := p.Venue(key); v != nil {
			return one(p, func(q *programme.Programme) { q.Venues = []programme.Venue{*v} }).Venues[0]
		}
	case programme.KindRoom:
		if r := p.Room(key); r != nil {
			return one(p, func(q *programme.Programme) { q.Rooms = []programme.Room{*r} }).Rooms[0]
		}
	case programme.KindDelegation:
		if d := p.Delegation(key); d != nil {
			return one(p, func(q *programme.Programme) { q.Delegations = []programme.Delegation{*d} }).Delegations[0]
		}
	case programme.KindPerson:
		if x := p.Person(key); x != nil {
			return one(p, func(q *programme.Programme) { q.People = []programme.Person{*x} }).People[0]
		}
	case programme.KindSession:
		if s := p.Session(key); s != nil {
			c := *s
			c.Slots = nil
			return toSession(&c, p.Loc(s.TimeZone))
		}
	case programme.KindSlot:
		session, slot, _ := strings.Cut(key, "/")
		s := p.Session(session)
		if sl := s.Slot(slot); sl != nil {
			c := *s
			c.Slots = []programme.Slot{*sl}
			return toSession(&c, p.Loc(s.TimeZone)).Slots[0]
		}
	case programme.KindRun:
		if r := p.Run(key); r != nil {
			return toRun(r, p.Loc(r.TimeZone))
		}
	}
	return nil
}

// one encodes a programme with p's header and the one item set holds.
func one(p *programme.Programme, set func(q *programme.Programme)) fileJSON {
	q := &programme.Programme{Slug: p.Slug, TimeZone: p.TimeZone}
	set(q)
	return toFile(q)
}

// Revision is a short hash of an item's fragment (see Fragment): it changes
// whenever anything the programme file says of the item changes, and only
// then. Editors send back the revision they started from, so that a second
// save over someone else's is refused; it is also the item's ETag. An item
// p lacks has the revision "".
func Revision(p *programme.Programme, ref programme.ItemRef) string {
	return RevisionOf(Fragment(p, ref))
}

// RevisionOf is the revision of a fragment; nil has the revision "".
func RevisionOf(fragment []byte) string {
	if fragment == nil {
		return ""
	}
	sum := sha256.Sum256(fragment)
	return hex.EncodeToString(sum[:8])
}

// ItemFragment is one item's fragment, for BatchOf.
type ItemFragment struct {
	Ref  programme.ItemRef
	JSON []byte
}

// BatchOf makes a batch of changes to stored (see programme.Merge) from
// item fragments, as undoing a change needs: stored's header, or the
// fragment of kind "programme", and each item of items. A slot goes into
// its session as stored, without the session's other slots. It decodes the
// batch as an imported file would be, onto stored, so that it refuses what
// a file would refuse.
func BatchOf(stored *programme.Programme, items []ItemFragment) (*programme.Programme, error) {
	doc := map[string]any{"format": Format}
	header := json.RawMessage(Fragment(stored, programme.ItemRef{Kind: programme.KindProgramme, Key: stored.Slug}))
	lists := map[string][]json.RawMessage{}
	var order []string
	add := func(list string, raw json.RawMessage) {
		if _, ok := lists[list]; !ok {
			order = append(order, list)
		}
		lists[list] = append(lists[list], raw)
	}
	sessionAt := map[string]int{}
	for _, it := range items {
		// A fragment that is not one JSON value would fail the batch's
		// encoding below, as if the fault were the planner's.
		if !json.Valid(it.JSON) {
			return nil, programme.Errorf(programme.EINVALID, "the %s %q is not JSON", it.Ref.Kind, clip(it.Ref.Key))
		}
		switch it.Ref.Kind {
		case programme.KindProgramme:
			header = it.JSON
		case programme.KindVenue:
			add("venues", it.JSON)
		case programme.KindRoom:
			add("rooms", it.JSON)
		case programme.KindDelegation:
			add("delegations", it.JSON)
		case programme.KindPerson:
			add("people", it.JSON)
		case programme.KindRun:
			add("transport", it.JSON)
		case programme.KindSession:
			if i, ok := sessionAt[it.Ref.Key]; ok {
				// The session's slots came first: keep them.
				var s, old map[string]json.RawMessage
				if err := json.Unmarshal(it.JSON, &s); err != nil {
					return nil, programme.Errorf(programme.EINTERNAL, "a stored fragment of session %q is not JSON: %v", it.Ref.Key, err)
				}
				_ = json.Unmarshal(lists["sessions"][i], &old)
				s["slots"] = old["slots"]
				raw, _ := json.Marshal(s)
				lists["sessions"][i] = raw
				continue
			}
			sessionAt[it.Ref.Key] = len(lists["sessions"])
			add("sessions", it.JSON)
		case programme.KindSlot:
			session, _, _ := strings.Cut(it.Ref.Key, "/")
			i, ok := sessionAt[session]
			if !ok {
				raw := Fragment(stored, programme.ItemRef{Kind: programme.KindSession, Key: session})
				if raw == nil {
					return nil, programme.Errorf(programme.ECONFLICT, "the session %q of slot %q no longer exists", session, it.Ref.Key)
				}
				i = len(lists["sessions"])
				sessionAt[session] = i
				add("sessions", raw)
			}
			var s map[string]json.RawMessage
			_ = json.Unmarshal(lists["sessions"][i], &s)
			var slots []json.RawMessage
			if s["slots"] != nil {
				_ = json.Unmarshal(s["slots"], &slots)
			}
			slots = append(slots, it.JSON)
			s["slots"], _ = json.Marshal(slots)
			lists["sessions"][i], _ = json.Marshal(s)
		default:
			return nil, programme.Errorf(programme.EINVALID, "no item kind %q in a programme file", it.Ref.Kind)
		}
	}
	doc["programme"] = header
	for _, list := range order {
		doc[list] = lists[list]
	}
	data, err := json.Marshal(doc)
	if err != nil {
		return nil, programme.Errorf(programme.EINTERNAL, "cannot build a batch: %v", err)
	}
	p, _, err := DecodeOnto(bytes.NewReader(data), func(string) (*programme.Programme, error) { return stored, nil })
	return p, err
}

// CheckText reports what the file format refuses in a JSON item or
// document but encoding/json would decode without a word: strings that are
// not UTF-8 and escaped halves of surrogate pairs, both of which it
// silently turns into U+FFFD, and a field named twice in one object, of
// which it keeps the last. Decode checks a file so; the API checks
// each item's body so before decoding it (data must be valid JSON). The
// error is a *programme.Error with Code EINVALID and a FieldError for each
// problem, at its path within data.
func CheckText(data []byte) error {
	d := &decoder{failed: map[string]bool{}}
	d.invalidUTF8(data)
	d.duplicateNames(data)
	if esc := loneSurrogate(data); esc != "" {
		d.fail("", "%s is half of a UTF-16 surrogate pair, not a character", esc)
	}
	if len(d.errs) > 0 {
		return d.errs.Err("The JSON holds text that is not Unicode or a field named twice")
	}
	return nil
}

// clip shortens a key for a message.
func clip(s string) string {
	for i := range s {
		if i > 60 {
			return s[:i] + "…"
		}
	}
	return s
}
