package store

import "time"

// The rows below mirror migrations/*/*.sql. The SQL files are the
// schema; the GORM tags only repeat the indexes so that the drift test, which
// runs AutoMigrate after goose, finds nothing to add.
//
// References between items are kept as keys (nil for none) with composite
// foreign keys on (programme_id, key), so a dangling reference fails the
// import that wrote it.

// programmeRow is one programme's top-level fields.
type programmeRow struct {
	ID          int64  `gorm:"primaryKey"`
	Slug        string `gorm:"not null;uniqueIndex:idx_programmes_slug"`
	Title       string `gorm:"not null"`
	Organizer   string `gorm:"not null"`
	TimeZone    string `gorm:"not null"`
	StartsOn    string `gorm:"not null;index:idx_programmes_starts_on,priority:1"`
	EndsOn      string `gorm:"not null"`
	Location    string `gorm:"not null"`
	Description string `gorm:"not null"`
	Version     int64  `gorm:"not null"`
	// OrganizerEmail and MailPaused come with the outbox (migration 0013);
	// see outbox.go. OrganizerEmail is NULL in rows stored before it.
	OrganizerEmail *string ``
	MailPaused     bool    `gorm:"type:boolean;not null;default:false"`
	// UpdatedAt and CreatedAt are set by the store, never by GORM, so that
	// an unchanged import leaves them alone.
	UpdatedAt time.Time `gorm:"not null;autoUpdateTime:false"`
	CreatedAt time.Time `gorm:"not null;autoCreateTime:false"`
	Public    bool      `gorm:"type:boolean;not null;default:false"`
}

func (programmeRow) TableName() string { return "programmes" }

// KeyedRow is the part of a database row that every keyed item has: its
// identity, its place in the file and its history. It and the other *Row
// types are exported only because GORM ignores the fields of unexported
// embedded structs; they are not part of the store's API.
//
// The key is unique within the item's scope (the programme, or the session
// for a slot); the index is named idx_<table>_key.
type KeyedRow struct {
	ID         int64     `gorm:"primaryKey"`
	Key        string    `gorm:"not null;uniqueIndex:,composite:key,priority:2"`
	Position   int64     `gorm:"not null"`
	Sequence   int64     `gorm:"not null"`
	ModifiedAt time.Time `gorm:"not null"`
	CreatedAt  time.Time `gorm:"not null;autoCreateTime:false"`
	// ShownModifiedAt is when what a calendar shows of the item last
	// changed (migration 0010); nil, for rows stored before, reads as
	// ModifiedAt. See programme.Change.ShownAt.
	ShownModifiedAt *time.Time ``
}

func (b *KeyedRow) base() *KeyedRow { return b }

// ProgrammeKeyedRow is the part of the row of an item keyed within its programme.
type ProgrammeKeyedRow struct {
	ProgrammeID int64 `gorm:"not null;uniqueIndex:,composite:key,priority:1"`
	KeyedRow
}

type venueRow struct {
	ProgrammeKeyedRow
	Name    string `gorm:"not null"`
	Address string `gorm:"not null"`
	// Lat and Lon are the venue's point on the map (migration 0010): both
	// set or both nil.
	Lat *float64 `gorm:"type:double precision"`
	Lon *float64 `gorm:"type:double precision"`
}

func (venueRow) TableName() string { return "venues" }

type roomRow struct {
	ProgrammeKeyedRow
	Name     string  `gorm:"not null"`
	Venue    *string ``
	Capacity int64   `gorm:"not null"`
}

func (roomRow) TableName() string { return "rooms" }

// reservationRow belongs to a room; reservations have no key and are
// rewritten as a list whenever any of a room's reservations changes.
type reservationRow struct {
	ID           int64      `gorm:"primaryKey"`
	ProgrammeID  int64      `gorm:"not null;index:idx_reservations_programme_id"`
	RoomID       int64      `gorm:"not null;index:idx_reservations_room_id"`
	Position     int64      `gorm:"not null"`
	StartsAt     time.Time  `gorm:"not null"`
	EndsAt       time.Time  `gorm:"not null"`
	Status       string     `gorm:"not null"`
	ReleasedFrom *time.Time ``
	Note         string     `gorm:"not null"`
}

func (reservationRow) TableName() string { return "reservations" }

type delegationRow struct {
	ProgrammeKeyedRow
	Name    string  `gorm:"not null"`
	Country string  `gorm:"not null"`
	Lead    *string ``
	Note    string  `gorm:"not null"`
}

func (delegationRow) TableName() string { return "delegations" }

type personRow struct {
	ProgrammeKeyedRow
	Name         string  `gorm:"not null"`
	Title        string  `gorm:"not null"`
	Organization string  `gorm:"not null"`
	Role         string  `gorm:"not null"`
	Delegation   *string ``
	Email        string  `gorm:"not null"`
	Phone        string  `gorm:"not null"`
	Note         string  `gorm:"not null"`
	// CalendarByEmail comes with the outbox (migration 0013).
	CalendarByEmail bool `gorm:"type:boolean;not null;default:false"`
}

func (personRow) TableName() string { return "people" }

// personDelegationRow is one delegation in a person's history (migration
// 0004). It is never deleted while the person exists: a person who leaves
// the delegation makes it inactive, so that their feeds can show what they
// had only through it as cancelled for a while and Changes, and with it
// their SEQUENCE, only ever rises.
type personDelegationRow struct {
	ID          int64     `gorm:"primaryKey"`
	ProgrammeID int64     `gorm:"not null;index:idx_person_delegations_programme_id"`
	PersonID    int64     `gorm:"not null;uniqueIndex:idx_person_delegations_person_delegation,priority:1"`
	Delegation  string    `gorm:"not null;uniqueIndex:idx_person_delegations_person_delegation,priority:2"`
	Position    int64     `gorm:"not null"`
	Active      bool      `gorm:"type:boolean;not null"`
	Changes     int64     `gorm:"not null"`
	ChangedAt   time.Time `gorm:"not null"`
}

func (personDelegationRow) TableName() string { return "person_delegations" }

type sessionRow struct {
	ProgrammeKeyedRow
	Title       string    `gorm:"not null"`
	Description string    `gorm:"not null"`
	Kind        string    `gorm:"not null"`
	StartsAt    time.Time `gorm:"not null"`
	EndsAt      time.Time `gorm:"not null"`
	TimeZone    string    `gorm:"not null"`
	Room        *string   ``
	Venue       *string   ``
	Location    string    `gorm:"not null"`
	Required    bool      `gorm:"type:boolean;not null"`
	Status      string    `gorm:"not null"`
}

func (sessionRow) TableName() string { return "sessions" }

// sessionRoomRow is one room in a session's history (migration 0004). It is
// never deleted while the session exists: a session that moves out of the
// room makes it inactive, so that the room's feed can show the session as
// cancelled for a while and Changes, which that feed adds to SEQUENCE, only
// ever rises.
type sessionRoomRow struct {
	ID          int64     `gorm:"primaryKey"`
	ProgrammeID int64     `gorm:"not null;index:idx_session_rooms_programme_id"`
	SessionID   int64     `gorm:"not null;uniqueIndex:idx_session_rooms_session_room,priority:1"`
	Room        string    `gorm:"not null;uniqueIndex:idx_session_rooms_session_room,priority:2"`
	Position    int64     `gorm:"not null"`
	Active      bool      `gorm:"type:boolean;not null"`
	Changes     int64     `gorm:"not null"`
	ChangedAt   time.Time `gorm:"not null"`
}

func (sessionRoomRow) TableName() string { return "session_rooms" }

// slotRow is a speaker slot; its key is unique within its session.
type slotRow struct {
	KeyedRow
	ProgrammeID    int64      `gorm:"not null;index:idx_slots_programme_id"`
	SessionID      int64      `gorm:"not null;uniqueIndex:,composite:key,priority:1"`
	Title          string     `gorm:"not null"`
	StartsAt       time.Time  `gorm:"not null"`
	EndsAt         time.Time  `gorm:"not null"`
	AvailableFrom  *time.Time ``
	AvailableUntil *time.Time ``
	Status         string     `gorm:"not null"`
	Note           string     `gorm:"not null"`
}

func (slotRow) TableName() string { return "slots" }

// slotSpeakerRow is one speaker of a slot (migrations 0001 and 0003). It is
// never deleted while its slot exists: a speaker taken off the slot becomes
// inactive, so that their feeds can show the slot as cancelled for a while
// and Changes, and with it their SEQUENCE for the slot, only ever rises.
type slotSpeakerRow struct {
	ID          int64     `gorm:"primaryKey"`
	ProgrammeID int64     `gorm:"not null;index:idx_slot_speakers_programme_id"`
	SlotID      int64     `gorm:"not null;uniqueIndex:idx_slot_speakers_slot_person,priority:1"`
	Person      string    `gorm:"not null;uniqueIndex:idx_slot_speakers_slot_person,priority:2"`
	Position    int64     `gorm:"not null"`
	Active      bool      `gorm:"type:boolean;not null"`
	Changes     int64     `gorm:"not null"`
	ChangedAt   time.Time `gorm:"not null"`
}

func (slotSpeakerRow) TableName() string { return "slot_speakers" }

// MemberRow is the part of a row that holds one delegation or person in an
// audience (or a run's riders), with its history.
type MemberRow struct {
	Delegation *string   `gorm:"uniqueIndex:,composite:delegation,priority:2"`
	Person     *string   `gorm:"uniqueIndex:,composite:person,priority:2"`
	Position   int64     `gorm:"not null"`
	Active     bool      `gorm:"type:boolean;not null"`
	Changes    int64     `gorm:"not null"`
	ChangedAt  time.Time `gorm:"not null"`
}

type audienceRow struct {
	ID          int64 `gorm:"primaryKey"`
	ProgrammeID int64 `gorm:"not null;index:idx_session_audience_programme_id"`
	SessionID   int64 `gorm:"not null;uniqueIndex:idx_session_audience_delegation,priority:1;uniqueIndex:idx_session_audience_person,priority:1"`
	MemberRow
}

func (audienceRow) TableName() string { return "session_audience" }

type runRow struct {
	ProgrammeKeyedRow
	Kind         string     `gorm:"not null"`
	Title        string     `gorm:"not null"`
	DepartsAt    time.Time  `gorm:"not null"`
	TimeZone     string     `gorm:"not null"`
	FromPlace    string     `gorm:"not null"`
	ToPlace      string     `gorm:"not null"`
	Capacity     int64      `gorm:"not null"`
	Vehicle      string     `gorm:"not null"`
	Contact      string     `gorm:"not null"`
	Status       string     `gorm:"not null"`
	Note         string     `gorm:"not null"`
	HasPoll      bool       `gorm:"type:boolean;not null"`
	PollQuestion string     `gorm:"not null"`
	PollClosesAt *time.Time ``
	PollDecided  string     `gorm:"not null"`
}

func (runRow) TableName() string { return "runs" }

type riderRow struct {
	ID          int64 `gorm:"primaryKey"`
	ProgrammeID int64 `gorm:"not null;index:idx_run_riders_programme_id"`
	RunID       int64 `gorm:"not null;uniqueIndex:idx_run_riders_delegation,priority:1;uniqueIndex:idx_run_riders_person,priority:1"`
	MemberRow
}

func (riderRow) TableName() string { return "run_riders" }

// stayingBehindRow is a rider's staying-behind entry (migrations 0001 and
// 0002). It is never deleted while its run exists: a rider taken off the list
// becomes inactive, so that Changes, and with it the rider's SEQUENCE for the
// run, only ever rises.
type stayingBehindRow struct {
	ID          int64     `gorm:"primaryKey"`
	ProgrammeID int64     `gorm:"not null;index:idx_staying_behind_programme_id"`
	RunID       int64     `gorm:"not null;uniqueIndex:idx_staying_behind_run_person,priority:1"`
	Person      string    `gorm:"not null;uniqueIndex:idx_staying_behind_run_person,priority:2"`
	Position    int64     `gorm:"not null"`
	Note        string    `gorm:"not null"`
	Since       time.Time `gorm:"not null"`
	Active      bool      `gorm:"type:boolean;not null"`
	Changes     int64     `gorm:"not null"`
}

func (stayingBehindRow) TableName() string { return "staying_behind" }

type pollOptionRow struct {
	ID          int64  `gorm:"primaryKey"`
	ProgrammeID int64  `gorm:"not null;index:idx_poll_options_programme_id"`
	RunID       int64  `gorm:"not null;index:idx_poll_options_run_id"`
	Position    int64  `gorm:"not null"`
	Value       string `gorm:"not null"`
}

func (pollOptionRow) TableName() string { return "poll_options" }

type voteRow struct {
	ID          int64  `gorm:"primaryKey"`
	ProgrammeID int64  `gorm:"not null;index:idx_votes_programme_id"`
	RunID       int64  `gorm:"not null;uniqueIndex:idx_votes_run_person,priority:1"`
	Person      string `gorm:"not null;uniqueIndex:idx_votes_run_person,priority:2"`
	Position    int64  `gorm:"not null"`
	Option      string `gorm:"not null"`
}

func (voteRow) TableName() string { return "votes" }

type feedTokenRow struct {
	ID                 int64      `gorm:"primaryKey"`
	ProgrammeID        int64      `gorm:"not null;uniqueIndex:idx_feed_tokens_subject,priority:1"`
	Kind               string     `gorm:"not null;uniqueIndex:idx_feed_tokens_subject,priority:2"`
	Key                string     `gorm:"not null;uniqueIndex:idx_feed_tokens_subject,priority:3"`
	Nonce              string     `gorm:"not null"`
	Hash               []byte     `gorm:"uniqueIndex:idx_feed_tokens_hash"`
	CreatedAt          time.Time  `gorm:"not null;autoCreateTime:false"`
	RevokedAt          *time.Time ``
	LastFetchedAt      *time.Time ``
	LastFetchedVersion int64      `gorm:"not null"`
}

func (feedTokenRow) TableName() string { return "feed_tokens" }

// models lists every row type, for the drift and round-trip tests.
var models = []any{
	&programmeRow{}, &venueRow{}, &roomRow{}, &reservationRow{}, &delegationRow{},
	&personRow{}, &personDelegationRow{}, &sessionRow{}, &sessionRoomRow{}, &slotRow{},
	&slotSpeakerRow{}, &audienceRow{}, &runRow{}, &riderRow{}, &stayingBehindRow{},
	&pollOptionRow{}, &voteRow{}, &feedTokenRow{}, &keyFingerprintRow{},
	&userRow{}, &staffSessionRow{}, // users.go
	&changeRow{}, &changeItemRow{}, // changes.go
	&outboxRow{}, &outboxChangeRow{}, &sentItemRow{}, // outbox.go
	&tickRow{}, &handoutRow{}, // boarding.go, handouts.go
}
