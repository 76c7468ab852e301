// Package programme is the domain of the planner: delegation programmes, their
// venues, rooms, delegations, people, sessions with speaker slots and transport
// runs; how they are validated; and which of them reach whose agenda.
//
// It imports nothing but the standard library. Times are instants (time.Time in
// UTC) with the IANA zone they were entered in kept beside them; the zone of an
// item is its own TimeZone when set, else the programme's.
package programme

import "time"

// Kinds, roles and statuses known to the file format.
var (
	SessionKinds = []string{"seminar", "meeting", "briefing", "main_session", "workshop",
		"site_visit", "reception", "meal", "free_time", "other"}
	Roles = []string{"staff", "government", "civil_society", "private_sector", "technical",
		"academic", "speaker", "other"}
	Statuses            = []string{StatusTentative, StatusConfirmed, StatusCancelled}
	ReservationStatuses = []string{"held", "confirmed", "released"}
	TransportKinds      = []string{"bus", "shuttle", "car", "walk"}
)

// Item statuses.
const (
	StatusTentative = "tentative"
	StatusConfirmed = "confirmed"
	StatusCancelled = "cancelled"
)

// Programme is one whole delegation programme.
type Programme struct {
	Slug        string
	Title       string
	Organizer   string
	TimeZone    string // IANA name; the zone of every item that names none
	StartsOn    string // YYYY-MM-DD
	EndsOn      string // YYYY-MM-DD
	Location    string
	Description string

	Venues      []Venue
	Rooms       []Room
	Delegations []Delegation
	People      []Person
	Sessions    []Session
	Transport   []Run

	// Version rises by one with every stored change to the programme or any of
	// its items; feeds use it for their ETag. Set by the store.
	Version int64
	// UpdatedAt is when Version last rose. Set by the store.
	UpdatedAt time.Time
	// Public is true when an editor made the programme public: its page and
	// its place in the list of programmes are then shown without a login.
	// It is not part of the programme file (imports and exports ignore it);
	// set by the store, false by default, because delegations of
	// governments are sensitive.
	Public bool
}

// Venue is a place: a conference centre, a hotel, a city for a day of meetings.
type Venue struct {
	Key     string
	Name    string
	Address string
	// Geo is where the venue is on a map, when known.
	Geo *Geo
	// Change is the venue's history. Its Sequence rises only when what an
	// event's LOCATION shows of the venue changes, its name or its address,
	// so that the events held there, which add it to their SEQUENCE, rise
	// with it; ModifiedAt moves on any change.
	Change
}

// Geo is a point on the Earth in WGS84 decimal degrees: latitude from -90
// (south) to 90 (north), longitude from -180 (west) to 180 (east).
type Geo struct {
	Lat float64
	Lon float64
}

// PagePublic reports whether the programme's public page, /p/<slug>, may be
// linked from calendars and agenda pages: only when an editor made the
// programme public. A private programme's page answers 404, so a link to it
// would only tell a delegate that something is hidden there.
func (p *Programme) PagePublic() bool { return p.Public }

// Room is a bookable room at a venue.
type Room struct {
	Key          string
	Name         string
	Venue        string // venue key, optional
	Capacity     int
	Reservations []Reservation
	// Change is the room's history. Its Sequence rises only when what an
	// event's LOCATION shows of the room changes, its name or its venue
	// (never its capacity or reservations), so that the sessions held there,
	// which add it to their SEQUENCE, rise with it; ModifiedAt moves on any
	// change.
	Change
}

// Reservation is a hold on a room. The part from ReleasedFrom on is given back.
type Reservation struct {
	StartsAt     time.Time
	EndsAt       time.Time
	Status       string // held, confirmed, released
	ReleasedFrom *time.Time
	Note         string
}

// Delegation is a visiting group of people, usually one country's.
type Delegation struct {
	Key     string
	Name    string
	Country string // ISO 3166-1 alpha-2
	Lead    string // person key, optional
	Note    string // staff only
}

// Person is a delegate, a speaker, a member of staff or any other participant.
type Person struct {
	Key          string
	Name         string
	Title        string
	Organization string
	Role         string
	Delegation   string // delegation key; empty for speakers and staff
	Email        string
	Phone        string
	Note         string // staff only
	// Change is the person's history. Only their name reaches a calendar
	// (in the speakers of a running order and of a slot), so only a new name
	// moves ShownAt.
	Change
	// FormerDelegations lists every delegation the person was ever in, the
	// current one (Active) and those they left (Active false), each with
	// Delegation set and how often the person left or rejoined it (Changes),
	// so that the person's feeds can show what they had only through a
	// delegation they left as cancelled for a while, and their SEQUENCE only
	// rises when they move between delegations. Filled by the store; imports
	// and exports ignore it, and Delegation alone is the current delegation.
	FormerDelegations []Member
}

// Change is what feeds need to know of an item's history: SEQUENCE and
// LAST-MODIFIED. The store maintains it; imports and exports ignore it.
type Change struct {
	// Sequence rises by one whenever the item's time, place, title or status
	// changes, and never otherwise.
	Sequence int
	// ModifiedAt is when anything stored of the item last changed, staff-only
	// fields included.
	ModifiedAt time.Time
	// ShownAt is when anything a calendar event shows of the item last
	// changed (see ItemChange.Shown): feeds take DTSTAMP and LAST-MODIFIED
	// from it, so that a staff-only edit leaves every event's bytes alone.
	// The store reads it as ModifiedAt for items stored before it kept it.
	ShownAt time.Time
	// CreatedAt is when the item was first stored.
	CreatedAt time.Time
}

// Session is an agenda item: a meeting, a seminar, a meal, a reception.
type Session struct {
	Key         string
	Title       string
	Description string
	Kind        string
	StartsAt    time.Time
	EndsAt      time.Time
	TimeZone    string // IANA name, empty for the programme's zone
	Room        string // room key
	Venue       string // venue key
	Location    string // free text, when neither room nor venue applies
	Audience    Audience
	Required    bool
	Status      string
	Slots       []Slot // in running order
	// FormerRooms lists every room the session was ever held in, the current
	// one (Active) and those it moved out of (Active false), each with Room
	// set and how often the session left or came back to it (Changes), so
	// that a former room's feed can show the session as cancelled for a
	// while. Filled by the store; imports and exports ignore it, and Room
	// alone is the current room.
	FormerRooms []Member
	Change
}

// Slot is a speaker slot in a session's running order.
type Slot struct {
	Key            string
	Title          string
	Speakers       []string // person keys
	StartsAt       time.Time
	EndsAt         time.Time
	AvailableFrom  *time.Time
	AvailableUntil *time.Time
	Status         string // empty means as the session
	Note           string // staff only
	// FormerSpeakers lists every speaker the slot ever had, current or taken
	// off it (Active false), each with Person set and how often they were
	// taken off or put back (Changes), so that a former speaker's feeds can
	// show the slot as cancelled for a while and their SEQUENCE only rises.
	// Filled by the store; imports and exports ignore it, and Speakers alone
	// is the list of current speakers.
	FormerSpeakers []Member
	Change
}

// Audience says who has an item on their agenda: whole delegations and single people.
type Audience struct {
	Delegations []string
	People      []string
	// Former lists members removed from the audience (kept by the store so that
	// their feeds can show the item as cancelled for a while), and how often each
	// member came and went. Imports and exports ignore it.
	Former []Member
}

// Member is one delegation or one person in an audience's history, one
// delegation in a person's history, or one room in a session's history.
type Member struct {
	Delegation string // set for a delegation, or
	Person     string // set for a person, or
	// Room is set for a room in a session's history (Session.FormerRooms),
	// and only there.
	Room string
	// Active is false once the member was removed from the audience.
	Active bool
	// Changes counts how often the member was removed or added back, so that a
	// member's own feed can raise the SEQUENCE of an item it lost or regained.
	Changes int
	// ChangedAt is when the member was last added or removed.
	ChangedAt time.Time
}

// Run is a transport run: a bus, a shuttle, a car, a walk.
type Run struct {
	Key           string
	Kind          string
	Title         string
	DepartsAt     time.Time
	TimeZone      string
	From          string // venue key or free text
	To            string // venue key or free text
	Capacity      int
	Vehicle       string
	Contact       string
	Status        string
	Riders        Audience
	StayingBehind []StayingBehind
	Note          string // public: practical information for riders
	Poll          *Poll
	Change
}

// StayingBehind is a rider who told staff they will not take the run. The
// store keeps an entry once recorded, so that a rider who comes back on the
// run, and maybe stays behind again, sees the run's SEQUENCE rise each time.
type StayingBehind struct {
	Person string
	Note   string // staff only
	// Active is false once the person was taken off the staying-behind list:
	// they ride again. Decoding a file gives active entries only; imports
	// store only the active entries they are given, and exports write only
	// active entries.
	Active bool
	// Changes counts how often the entry was recorded, removed or recorded
	// again: 1 when first recorded, one more on every later change of Active.
	// It only rises, so that the person's own feed can add it to the run's
	// SEQUENCE. The store maintains it; imports and exports ignore it.
	Changes int
	// Since is when the store last recorded or removed the entry (when Active
	// or Changes last changed). Imports and exports ignore it.
	Since time.Time
}

// Poll asks riders when the run should leave.
type Poll struct {
	Question string
	Options  []string // local times HH:MM on the run's day
	ClosesAt *time.Time
	Votes    []Vote
	Decided  string // the chosen option, empty while open
}

// Vote is one person's choice in a poll.
type Vote struct {
	Person string
	Option string
}
