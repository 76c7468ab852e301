package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/planner-dev/planner/internal/programme"
)

// snapshot is every row of one programme, each list in stored order.
type snapshot struct {
	prog          programmeRow
	venues        []venueRow
	rooms         []roomRow
	reservations  []reservationRow
	delegations   []delegationRow
	people        []personRow
	delegationsOf []personDelegationRow
	sessions      []sessionRow
	roomsOf       []sessionRoomRow
	slots         []slotRow
	speakers      []slotSpeakerRow
	audience      []audienceRow
	runs          []runRow
	riders        []riderRow
	stayingBehind []stayingBehindRow
	pollOptions   []pollOptionRow
	votes         []voteRow
}

// loadSnapshot reads a programme's rows with one query per table, whatever
// the programme's size: children are fetched by programme_id, not per parent.
// It returns ENOTFOUND for an unknown slug.
func loadSnapshot(ctx context.Context, db *gorm.DB, slug string) (*snapshot, error) {
	var snap snapshot
	err := db.WithContext(ctx).Where("slug = ?", slug).Take(&snap.prog).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, programme.Errorf(programme.ENOTFOUND, "programme %q not found", slug)
	}
	if err != nil {
		return nil, err
	}
	if err := loadChildren(ctx, db, &snap); err != nil {
		return nil, err
	}
	return &snap, nil
}

func loadChildren(ctx context.Context, db *gorm.DB, snap *snapshot) error {
	id := snap.prog.ID
	q := func() *gorm.DB {
		return db.WithContext(ctx).Where("programme_id = ?", id).Order("position, id")
	}
	for _, dest := range []any{
		&snap.venues, &snap.rooms, &snap.reservations, &snap.delegations, &snap.people,
		&snap.delegationsOf, &snap.sessions, &snap.roomsOf, &snap.slots, &snap.speakers, &snap.audience, &snap.runs,
		&snap.riders, &snap.stayingBehind, &snap.pollOptions, &snap.votes,
	} {
		if err := q().Find(dest).Error; err != nil {
			return err
		}
	}
	return nil
}

// Programme loads one whole programme: all its items in file order, with
// their Change fields, audience histories (Audience.Former), every delegation
// a person was ever in (Person.FormerDelegations), every room a session was
// ever held in (Session.FormerRooms), every speaker a
// slot ever had (Slot.FormerSpeakers; Slot.Speakers holds the current ones in
// file order), every staying-behind entry ever recorded (the active ones in
// file order, then the inactive ones) and the programme's Version and
// UpdatedAt. It runs the same number of queries whatever the programme's
// size. An unknown slug is ENOTFOUND.
func (s *Store) Programme(ctx context.Context, slug string) (*programme.Programme, error) {
	var snap *snapshot
	err := s.readTx(ctx, func(tx *gorm.DB) error {
		var err error
		snap, err = loadSnapshot(ctx, tx, slug)
		return err
	})
	if err != nil {
		return nil, s.wrap(err, "cannot load the programme")
	}
	return snap.programme(), nil
}

// readTx runs fn in a read-only transaction, so that the several queries of
// one load see one state of the database even while an import commits.
// SQLite gives a deferred transaction a snapshot in WAL mode (an immediate
// one would take the write lock); PostgreSQL needs REPEATABLE READ for one.
func (s *Store) readTx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if s.dialect == DialectPostgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	return s.db.WithContext(ctx).Transaction(fn, opts)
}

// Programmes lists every programme's top-level fields, without items,
// ordered by start date, then slug.
func (s *Store) Programmes(ctx context.Context) ([]programme.Programme, error) {
	var rows []programmeRow
	if err := s.db.WithContext(ctx).Order("starts_on, slug").Find(&rows).Error; err != nil {
		return nil, s.wrap(err, "cannot list the programmes")
	}
	out := make([]programme.Programme, len(rows))
	for i := range rows {
		out[i] = rows[i].programme()
	}
	return out, nil
}

// ProgrammeVersion returns a programme's Version and UpdatedAt in one small
// query, for ETags. An unknown slug is ENOTFOUND.
func (s *Store) ProgrammeVersion(ctx context.Context, slug string) (int64, time.Time, error) {
	var row struct {
		Version   int64
		UpdatedAt time.Time
	}
	err := s.db.WithContext(ctx).Model(&programmeRow{}).Select("version, updated_at").
		Where("slug = ?", slug).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return 0, time.Time{}, programme.Errorf(programme.ENOTFOUND, "programme %q not found", slug)
	}
	if err != nil {
		return 0, time.Time{}, s.wrap(err, "cannot read the programme's version")
	}
	return row.Version, row.UpdatedAt.UTC(), nil
}

func (r *programmeRow) programme() programme.Programme {
	return programme.Programme{
		Slug:        r.Slug,
		Title:       r.Title,
		Organizer:   r.Organizer,
		TimeZone:    r.TimeZone,
		StartsOn:    r.StartsOn,
		EndsOn:      r.EndsOn,
		Location:    r.Location,
		Description: r.Description,
		Version:     r.Version,
		UpdatedAt:   r.UpdatedAt.UTC(),
		Public:      r.Public,
	}
}

// programme assembles the domain programme from the rows.
func (snap *snapshot) programme() *programme.Programme {
	p := snap.prog.programme()
	p.Venues = make([]programme.Venue, 0, len(snap.venues))
	for _, r := range snap.venues {
		v := programme.Venue{Key: r.Key, Name: r.Name, Address: r.Address, Change: r.change()}
		if r.Lat != nil && r.Lon != nil {
			v.Geo = &programme.Geo{Lat: *r.Lat, Lon: *r.Lon}
		}
		p.Venues = append(p.Venues, v)
	}

	roomIndex := make(map[int64]int, len(snap.rooms))
	p.Rooms = make([]programme.Room, 0, len(snap.rooms))
	for _, r := range snap.rooms {
		roomIndex[r.ID] = len(p.Rooms)
		p.Rooms = append(p.Rooms, programme.Room{
			Key: r.Key, Name: r.Name, Venue: str(r.Venue), Capacity: int(r.Capacity), Change: r.change(),
		})
	}
	for _, r := range snap.reservations {
		room := &p.Rooms[roomIndex[r.RoomID]]
		room.Reservations = append(room.Reservations, r.reservation())
	}

	p.Delegations = make([]programme.Delegation, 0, len(snap.delegations))
	for _, r := range snap.delegations {
		p.Delegations = append(p.Delegations, r.delegation())
	}
	personIndex := make(map[int64]int, len(snap.people))
	p.People = make([]programme.Person, 0, len(snap.people))
	for _, r := range snap.people {
		personIndex[r.ID] = len(p.People)
		p.People = append(p.People, r.person())
	}
	for _, r := range snap.delegationsOf {
		person := &p.People[personIndex[r.PersonID]]
		person.FormerDelegations = append(person.FormerDelegations, programme.Member{
			Delegation: r.Delegation, Active: r.Active, Changes: int(r.Changes), ChangedAt: r.ChangedAt.UTC(),
		})
	}

	sessionIndex := make(map[int64]int, len(snap.sessions))
	p.Sessions = make([]programme.Session, 0, len(snap.sessions))
	for _, r := range snap.sessions {
		sessionIndex[r.ID] = len(p.Sessions)
		p.Sessions = append(p.Sessions, r.session())
	}
	for _, r := range snap.roomsOf {
		session := &p.Sessions[sessionIndex[r.SessionID]]
		session.FormerRooms = append(session.FormerRooms, programme.Member{
			Room: r.Room, Active: r.Active, Changes: int(r.Changes), ChangedAt: r.ChangedAt.UTC(),
		})
	}
	// Slots are appended through their index, so that a speaker can find
	// its slot even though the slice grows.
	type slotAt struct{ session, slot int }
	slotIndex := make(map[int64]slotAt, len(snap.slots))
	for _, r := range snap.slots {
		si := sessionIndex[r.SessionID]
		slotIndex[r.ID] = slotAt{si, len(p.Sessions[si].Slots)}
		p.Sessions[si].Slots = append(p.Sessions[si].Slots, r.slot())
	}
	for _, r := range snap.speakers {
		at := slotIndex[r.SlotID]
		slot := &p.Sessions[at.session].Slots[at.slot]
		slot.FormerSpeakers = append(slot.FormerSpeakers, programme.Member{
			Person: r.Person, Active: r.Active, Changes: int(r.Changes), ChangedAt: r.ChangedAt.UTC(),
		})
		// Active rows come first, in file order, so that Speakers is the
		// file's list.
		if r.Active {
			slot.Speakers = append(slot.Speakers, r.Person)
		}
	}
	for _, r := range snap.audience {
		addMember(&p.Sessions[sessionIndex[r.SessionID]].Audience, r.MemberRow)
	}

	runIndex := make(map[int64]int, len(snap.runs))
	p.Transport = make([]programme.Run, 0, len(snap.runs))
	for _, r := range snap.runs {
		runIndex[r.ID] = len(p.Transport)
		p.Transport = append(p.Transport, r.run())
	}
	for _, r := range snap.riders {
		addMember(&p.Transport[runIndex[r.RunID]].Riders, r.MemberRow)
	}
	for _, r := range snap.stayingBehind {
		run := &p.Transport[runIndex[r.RunID]]
		run.StayingBehind = append(run.StayingBehind, programme.StayingBehind{
			Person: r.Person, Note: r.Note, Active: r.Active, Changes: int(r.Changes), Since: r.Since.UTC(),
		})
	}
	for _, r := range snap.pollOptions {
		if poll := p.Transport[runIndex[r.RunID]].Poll; poll != nil {
			poll.Options = append(poll.Options, r.Value)
		}
	}
	for _, r := range snap.votes {
		if poll := p.Transport[runIndex[r.RunID]].Poll; poll != nil {
			poll.Votes = append(poll.Votes, programme.Vote{Person: r.Person, Option: r.Option})
		}
	}
	return &p
}

// addMember puts an audience row into a: active members into the current
// lists, and every row, active or not, into Former.
func addMember(a *programme.Audience, m MemberRow) {
	member := programme.Member{
		Delegation: str(m.Delegation),
		Person:     str(m.Person),
		Active:     m.Active,
		Changes:    int(m.Changes),
		ChangedAt:  m.ChangedAt.UTC(),
	}
	a.Former = append(a.Former, member)
	if !m.Active {
		return
	}
	if member.Delegation != "" {
		a.Delegations = append(a.Delegations, member.Delegation)
	} else {
		a.People = append(a.People, member.Person)
	}
}

func (m *KeyedRow) change() programme.Change {
	c := programme.Change{Sequence: int(m.Sequence), ModifiedAt: m.ModifiedAt.UTC(), CreatedAt: m.CreatedAt.UTC()}
	c.ShownAt = c.ModifiedAt
	if m.ShownModifiedAt != nil {
		c.ShownAt = m.ShownModifiedAt.UTC()
	}
	return c
}

func (r *reservationRow) reservation() programme.Reservation {
	return programme.Reservation{
		StartsAt:     r.StartsAt.UTC(),
		EndsAt:       r.EndsAt.UTC(),
		Status:       r.Status,
		ReleasedFrom: utcPtr(r.ReleasedFrom),
		Note:         r.Note,
	}
}

func (r *delegationRow) delegation() programme.Delegation {
	return programme.Delegation{Key: r.Key, Name: r.Name, Country: r.Country, Lead: str(r.Lead), Note: r.Note}
}

func (r *personRow) person() programme.Person {
	return programme.Person{
		Key: r.Key, Name: r.Name, Title: r.Title, Organization: r.Organization, Role: r.Role,
		Delegation: str(r.Delegation), Email: r.Email, Phone: r.Phone, Note: r.Note, Change: r.change(),
	}
}

func (r *sessionRow) session() programme.Session {
	return programme.Session{
		Key:         r.Key,
		Title:       r.Title,
		Description: r.Description,
		Kind:        r.Kind,
		StartsAt:    r.StartsAt.UTC(),
		EndsAt:      r.EndsAt.UTC(),
		TimeZone:    r.TimeZone,
		Room:        str(r.Room),
		Venue:       str(r.Venue),
		Location:    r.Location,
		Required:    r.Required,
		Status:      r.Status,
		Change:      r.change(),
	}
}

func (r *slotRow) slot() programme.Slot {
	return programme.Slot{
		Key:            r.Key,
		Title:          r.Title,
		StartsAt:       r.StartsAt.UTC(),
		EndsAt:         r.EndsAt.UTC(),
		AvailableFrom:  utcPtr(r.AvailableFrom),
		AvailableUntil: utcPtr(r.AvailableUntil),
		Status:         r.Status,
		Note:           r.Note,
		Change:         r.change(),
	}
}

func (r *runRow) run() programme.Run {
	run := programme.Run{
		Key:       r.Key,
		Kind:      r.Kind,
		Title:     r.Title,
		DepartsAt: r.DepartsAt.UTC(),
		TimeZone:  r.TimeZone,
		From:      r.FromPlace,
		To:        r.ToPlace,
		Capacity:  int(r.Capacity),
		Vehicle:   r.Vehicle,
		Contact:   r.Contact,
		Status:    r.Status,
		Note:      r.Note,
		Change:    r.change(),
	}
	if r.HasPoll {
		run.Poll = &programme.Poll{Question: r.PollQuestion, ClosesAt: utcPtr(r.PollClosesAt), Decided: r.PollDecided}
	}
	return run
}

// str reads a nullable reference: nil is no reference.
func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// ref writes a reference: the empty key is NULL, so that the composite
// foreign key is not checked.
func ref(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// utcPtr returns a copy of *t in UTC: PostgreSQL's driver returns local times.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := utc(*t)
	return &u
}
