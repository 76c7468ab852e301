package programme

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// SourceDelegate is the source of a change a delegate made on their own
// agenda page, by their secret link: a vote, staying behind.
const SourceDelegate = "delegate"

// RunRiders returns the people who ride r, in the programme's order of
// people: every member of its delegations and every person it names,
// those staying behind included (see StaysBehind).
func (p *Programme) RunRiders(r *Run) []*Person {
	var out []*Person
	for i := range p.People {
		if memberOf(r.Riders, subjectOf(&p.People[i])).active {
			out = append(out, &p.People[i])
		}
	}
	return out
}

// Rides reports whether person is one of r's riders.
func (p *Programme) Rides(r *Run, person string) bool {
	pe := p.Person(person)
	return pe != nil && memberOf(r.Riders, subjectOf(pe)).active
}

// ridesRun reports whether the person with key person, in delegation (""
// for none), is one of r's riders by its lists, for the validation, which
// knows a person's delegation from the batch or the stored programme. The
// lists are what a file, the API and the run form give; the store's
// history of members (Riders.Former) follows them.
func ridesRun(r *Run, person, delegation string) bool {
	return slices.Contains(r.Riders.People, person) ||
		delegation != "" && slices.Contains(r.Riders.Delegations, delegation)
}

// notRiding is the one message for a staying-behind entry of someone who
// does not ride the run, wherever it comes from (a file, the API, a staff
// page, the delegate's own form): only a rider can stay behind.
func notRiding(person string) string {
	return fmt.Sprintf("%q does not ride this run: add them to its riders, or take them off its staying_behind", clip(person))
}

// notRidingError is the validation's refusal of person staying behind on
// r, at the path the entry would have in the programme file.
func (p *Programme) notRidingError(r *Run, person string) error {
	i := slices.IndexFunc(p.Transport, func(t Run) bool { return t.Key == r.Key })
	active := activeEntries(r.StayingBehind)
	j := slices.IndexFunc(active, func(sb StayingBehind) bool { return sb.Person == person })
	if j < 0 {
		j = len(active)
	}
	var fe FieldErrors
	fe.Add(fmt.Sprintf("transport[%d].staying_behind[%d].person", i, j), "%s", notRiding(person))
	return fe.Err(fmt.Sprintf("%s cannot take this staying-behind entry", quote(r.Title)))
}

// StaysBehind returns the active staying-behind entry of person on r.
func (r *Run) StaysBehind(person string) (StayingBehind, bool) {
	for _, sb := range r.StayingBehind {
		if sb.Person == person && sb.Active {
			return sb, true
		}
	}
	return StayingBehind{}, false
}

// Headcount is how many people a run takes.
type Headcount struct {
	Riders        int // everyone on the run's list
	StayingBehind int // riders who said they make their own way
	Expected      int // Riders less StayingBehind
	Capacity      int // 0 when unknown
	// SeatsLeft is Capacity less Expected; negative when over capacity,
	// and meaningless while Capacity is 0.
	SeatsLeft int
}

// Over reports whether more people are expected than the run has seats.
func (h Headcount) Over() bool { return h.Capacity > 0 && h.SeatsLeft < 0 }

// OverBy is how many more people are expected than the run has seats; 0
// when they fit.
func (h Headcount) OverBy() int {
	if !h.Over() {
		return 0
	}
	return -h.SeatsLeft
}

// RunHeadcount counts r's riders.
func (p *Programme) RunHeadcount(r *Run) Headcount {
	h := Headcount{Capacity: r.Capacity}
	for _, pe := range p.RunRiders(r) {
		h.Riders++
		if _, ok := r.StaysBehind(pe.Key); ok {
			h.StayingBehind++
		}
	}
	h.Expected = h.Riders - h.StayingBehind
	h.SeatsLeft = h.Capacity - h.Expected
	return h
}

// PollOpen reports whether r's poll takes votes at now: it exists, is not
// decided, and has not closed.
func (r *Run) PollOpen(now time.Time) bool {
	return r.Poll != nil && r.Poll.Decided == "" && (r.Poll.ClosesAt == nil || now.Before(*r.Poll.ClosesAt))
}

// VoteOf returns the option person voted for, or "".
func (r *Run) VoteOf(person string) string {
	if r.Poll == nil {
		return ""
	}
	for _, v := range r.Poll.Votes {
		if v.Person == person {
			return v.Option
		}
	}
	return ""
}

// copyRun returns a copy of r whose lists can be changed without touching
// r's. Only the active staying-behind entries are kept: a batch lists
// those, and the store keeps the history (see Merge).
func copyRun(r *Run) *Run {
	c := *r
	c.Riders.Delegations = slices.Clone(r.Riders.Delegations)
	c.Riders.People = slices.Clone(r.Riders.People)
	c.StayingBehind = activeEntries(r.StayingBehind)
	if r.Poll != nil {
		poll := *r.Poll
		poll.Options = slices.Clone(r.Poll.Options)
		poll.Votes = slices.Clone(r.Poll.Votes)
		c.Poll = &poll
	}
	return &c
}

// rider finds run key and checks that person rides it, for a delegate's
// own action on it.
func (p *Programme) rider(key, person string) (*Run, error) {
	r := p.Run(key)
	if r == nil {
		return nil, Errorf(ENOTFOUND, "There is no run %q.", key)
	}
	if !p.Rides(r, person) {
		return nil, Errorf(EINVALID, "You are not on the list of riders of %s.", quote(r.Title))
	}
	if r.Status == StatusCancelled {
		return nil, Errorf(ECONFLICT, "%s is cancelled.", quote(r.Title))
	}
	return r, nil
}

// CastVote returns run key with person's vote for option, replacing any
// earlier vote of theirs. A person who does not ride the run, an option
// the poll does not offer, and a poll that is decided or closed at now
// are refused.
func (p *Programme) CastVote(key, person, option string, now time.Time) (*Run, error) {
	r, err := p.rider(key, person)
	if err != nil {
		return nil, err
	}
	if r.Poll == nil {
		return nil, Errorf(ENOTFOUND, "%s has no poll.", quote(r.Title))
	}
	if !r.PollOpen(now) {
		return nil, Errorf(ECONFLICT, "The poll of %s is closed: votes can no longer change.", quote(r.Title))
	}
	if !slices.Contains(r.Poll.Options, option) {
		return nil, Errorf(EINVALID, "%q is not one of the poll's options (%s).", clip(option), strings.Join(r.Poll.Options, ", "))
	}
	out := copyRun(r)
	if i := slices.IndexFunc(out.Poll.Votes, func(v Vote) bool { return v.Person == person }); i >= 0 {
		out.Poll.Votes[i].Option = option
	} else {
		out.Poll.Votes = append(out.Poll.Votes, Vote{Person: person, Option: option})
	}
	return out, nil
}

// DecidePoll returns run key with its poll decided for option and its
// departure moved to that time on the same local day, so that every
// rider's feed shows the new time.
func (p *Programme) DecidePoll(key, option string) (*Run, error) {
	r := p.Run(key)
	if r == nil {
		return nil, Errorf(ENOTFOUND, "There is no run %q.", key)
	}
	if r.Poll == nil {
		return nil, Errorf(ENOTFOUND, "%s has no poll.", quote(r.Title))
	}
	if !slices.Contains(r.Poll.Options, option) {
		return nil, Errorf(EINVALID, "%q is not one of the poll's options (%s).", clip(option), strings.Join(r.Poll.Options, ", "))
	}
	loc := p.Loc(r.TimeZone)
	departs, err := ParseLocal(r.DepartsAt.In(loc).Format(DateLayout)+"T"+option, loc)
	if err != nil {
		return nil, Errorf(EINVALID, "%s cannot be the departure: %v.", option, err)
	}
	out := copyRun(r)
	out.Poll.Decided, out.DepartsAt = option, departs
	if out.Poll.ClosesAt != nil && out.Poll.ClosesAt.After(departs) {
		// The poll closes when it is decided; a closing time after the new
		// departure would be refused by the file's rules.
		closes := departs
		out.Poll.ClosesAt = &closes
	}
	return out, nil
}

// StayBehind returns run key with person staying behind, with note. A
// person already staying behind gets the new note. A person who does not
// ride the run is refused with the validation's path and message (the same
// as for a file or the API); the action is refused once the run left.
func (p *Programme) StayBehind(key, person, note string, now time.Time) (*Run, error) {
	if r := p.Run(key); r != nil && !p.Rides(r, person) {
		// The validation's rule and message, as for a file or the API.
		return nil, p.notRidingError(r, person)
	}
	r, err := p.rider(key, person)
	if err != nil {
		return nil, err
	}
	if !now.Before(r.DepartsAt) {
		return nil, Errorf(ECONFLICT, "%s has left already.", quote(r.Title))
	}
	out := copyRun(r)
	if i := slices.IndexFunc(out.StayingBehind, func(sb StayingBehind) bool { return sb.Person == person }); i >= 0 {
		out.StayingBehind[i].Note = note
	} else {
		out.StayingBehind = append(out.StayingBehind, StayingBehind{Person: person, Note: note, Active: true})
	}
	return out, nil
}

// RideAgain returns run key with person taken off its staying-behind list.
// It is refused once the run left.
func (p *Programme) RideAgain(key, person string, now time.Time) (*Run, error) {
	r, err := p.rider(key, person)
	if err != nil {
		return nil, err
	}
	if !now.Before(r.DepartsAt) {
		return nil, Errorf(ECONFLICT, "%s has left already.", quote(r.Title))
	}
	out := copyRun(r)
	out.StayingBehind = slices.DeleteFunc(out.StayingBehind, func(sb StayingBehind) bool { return sb.Person == person })
	return out, nil
}

// Announcement is the message about r for a delegation's messaging group,
// in plain words: "Bus back to the hotel: now 17:15 from the main
// entrance." and, when the run has a note, the note after it. A run
// without a known pick-up point says it is to be announced; a cancelled
// run says so.
func (p *Programme) Announcement(r *Run) string {
	loc := p.Loc(r.TimeZone)
	title := r.Title
	if r.Status == StatusCancelled {
		return title + ": cancelled."
	}
	from := p.placeName(r.From)
	if from == "" {
		from = "a pick-up point to be announced"
	}
	msg := fmt.Sprintf("%s: now %s from %s.", title, r.DepartsAt.In(loc).Format("15:04"), from)
	if note := strings.TrimSpace(r.Note); note != "" {
		msg += " " + note
	}
	return msg
}

// WhatsAppLink opens WhatsApp with text ready to send. Spaces are written
// %20, not "+", which some WhatsApp clients show as it is.
func WhatsAppLink(text string) string {
	return "https://wa.me/?text=" + strings.ReplaceAll(url.QueryEscape(text), "+", "%20")
}
