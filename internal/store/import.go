package store

import (
	"cmp"
	"context"
	"hash/fnv"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/planner-dev/planner/internal/programme"
)

// ImportOptions changes how Import treats items missing from the file.
type ImportOptions struct {
	// Prune cancels the sessions, slots and runs that the file leaves out.
	// Without it they are left alone. Other kinds are never pruned.
	Prune bool
}

// ImportReport counts what an import did to the keyed items (venues, rooms,
// delegations, people, sessions, slots, runs) of the file.
type ImportReport struct {
	Created   int // items new to the database
	Updated   int // items that changed, or only moved in the file's order
	Unchanged int // items exactly as stored
	Cancelled int // sessions, slots and runs cancelled by Prune
	// Changed is true when the import changed anything at all, and so raised
	// the programme's Version.
	Changed bool
}

// batchSize bounds the rows of one INSERT, well below PostgreSQL's limit of
// 65,535 parameters for the widest table.
const batchSize = 200

// Import upserts p, already validated, by key in one transaction: all or
// nothing. Importing the same programme twice changes nothing the second
// time. See docs/programme-format.md, "Import", for upserts and pruning, and
// the README's "How changes reach calendars" for what raises Sequence and
// ModifiedAt and why lists keep their former members. A reference to a
// missing item or a duplicate key is ECONFLICT.
//
// Staying-behind entries are kept once recorded: only the active entries of
// p are the list, a stored entry left out of it becomes inactive, and each
// such change raises the entry's Changes (see programme.StayingBehind).
//
// A person's delegations and a session's rooms are kept likewise: when
// Delegation or Room changes, the former one's row becomes inactive rather
// than deleted (see programme.Person.FormerDelegations and
// programme.Session.FormerRooms, which Import ignores). The person's and the
// session's own Sequence rules do not change.
//
// Slot speakers are kept likewise: a speaker left out of a slot's Speakers
// becomes inactive rather than deleted, and each removal or return raises
// the speaker's Changes (see programme.Slot.FormerSpeakers, which Import
// ignores). Such a change updates the slot's ModifiedAt but not its Sequence.
//
// A venue's Sequence rises only when its name or address changes, and a
// room's only when its name or venue changes, that is when the LOCATION of
// the events held there changes (feeds add both to those events' SEQUENCE);
// any other change, such as a room's capacity or reservations, moves only
// ModifiedAt. When a session or run moves to another place, or a room to
// another venue, and what LOCATION adds up would fall, the item that moved
// rises by one plus the fall (see places.go).
//
// Two imports of one programme at the same time run one after the other:
// SQLite transactions take the write lock when they begin, and on
// PostgreSQL the import takes a transaction-level advisory lock on the slug.
func (s *Store) Import(ctx context.Context, p *programme.Programme, opt ImportOptions) (ImportReport, error) {
	if p == nil || p.Slug == "" {
		return ImportReport{}, programme.Errorf(programme.EINVALID, "the programme has no slug")
	}
	var report ImportReport
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if s.dialect == DialectPostgres {
			if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", importLockID(p.Slug)).Error; err != nil {
				return err
			}
		}
		im := &importer{tx: tx, ctx: ctx, now: s.clock(), opt: opt, in: p}
		if err := im.run(); err != nil {
			return err
		}
		report = im.report
		return nil
	})
	if err != nil {
		return ImportReport{}, s.wrap(err, "cannot import the programme")
	}
	return report, nil
}

// importLockID is the advisory lock of one programme's imports.
func importLockID(slug string) int64 {
	h := fnv.New64a()
	h.Write([]byte("planner.import:" + slug))
	return int64(h.Sum64() & math.MaxInt64)
}

// importer holds one import's state.
type importer struct {
	tx     *gorm.DB
	ctx    context.Context
	now    time.Time
	opt    ImportOptions
	in     *programme.Programme
	old    *snapshot
	progID int64
	report ImportReport
	// before and after are the Sequences of rooms and venues as stored and
	// as this import leaves them; after is filled as rooms and venues are
	// written, before the sessions and runs that count them.
	before, after places
}

func (im *importer) db() *gorm.DB { return im.tx.WithContext(im.ctx) }

// touch records that the import changed something.
func (im *importer) touch() { im.report.Changed = true }

func (im *importer) run() error {
	if err := im.programme(); err != nil {
		return err
	}
	im.before = placesOf(im.old.venues, im.old.rooms)
	im.after = places{venues: map[string]int64{}, rooms: map[string]roomPlace{}}
	if err := im.venues(); err != nil {
		return err
	}
	if err := im.rooms(); err != nil {
		return err
	}
	if err := im.delegations(); err != nil {
		return err
	}
	if err := im.people(); err != nil {
		return err
	}
	if err := im.sessions(); err != nil {
		return err
	}
	if err := im.runs(); err != nil {
		return err
	}
	if !im.report.Changed {
		return nil
	}
	return im.db().Model(&programmeRow{}).Where("id = ?", im.progID).
		Updates(map[string]any{"version": gorm.Expr("version + 1"), "updated_at": im.now}).Error
}

// programme creates or updates the top-level row and loads what is stored.
func (im *importer) programme() error {
	p := im.in
	want := programmeRow{
		Slug: p.Slug, Title: p.Title, Organizer: p.Organizer, TimeZone: p.TimeZone,
		StartsOn: p.StartsOn, EndsOn: p.EndsOn, Location: p.Location, Description: p.Description,
	}
	old, err := loadSnapshot(im.ctx, im.tx, p.Slug)
	if programme.ErrorCode(err) == programme.ENOTFOUND {
		want.UpdatedAt, want.CreatedAt = im.now, im.now
		if err := im.db().Create(&want).Error; err != nil {
			return err
		}
		im.touch()
		im.progID = want.ID
		im.old = &snapshot{prog: want}
		return nil
	}
	if err != nil {
		return err
	}
	im.old, im.progID = old, old.prog.ID
	o := old.prog
	if o.Title == want.Title && o.Organizer == want.Organizer && o.TimeZone == want.TimeZone &&
		o.StartsOn == want.StartsOn && o.EndsOn == want.EndsOn && o.Location == want.Location &&
		o.Description == want.Description {
		return nil
	}
	im.touch()
	return im.db().Model(&programmeRow{}).Where("id = ?", o.ID).Updates(map[string]any{
		"title": want.Title, "organizer": want.Organizer, "time_zone": want.TimeZone,
		"starts_on": want.StartsOn, "ends_on": want.EndsOn, "location": want.Location,
		"description": want.Description,
	}).Error
}

// item is a pointer to a keyed row.
type item[R any] interface {
	*R
	base() *KeyedRow
}

// syncSpec says how to merge one list of keyed items.
type syncSpec[R any] struct {
	kind     string // for messages: "venue", "slot of session x"
	old      []R    // stored rows of the scope, in stored order
	incoming []R    // rows built from the file, in file order; only their keys set of KeyedRow
	// compare tells whether anything of the item changed and whether the
	// change is one that raises Sequence (time, place, title, status).
	compare func(old, new *R) (changed, bump bool)
	// lift, when set, says how much more than one Sequence rises on a bump:
	// how far what feeds add for the item's place fell (see places.go).
	lift func(old, new *R) int64
	// cancel marks a row missing from the file as cancelled and reports
	// whether it was not already; nil for kinds that Prune leaves alone.
	cancel func(*R) bool
}

// syncItems upserts a list of keyed items by key and returns every row of
// the scope, stored or new, by key, with IDs set.
func syncItems[R any, P item[R]](im *importer, spec syncSpec[R]) (map[string]P, error) {
	oldByKey := make(map[string]P, len(spec.old))
	for i := range spec.old {
		oldByKey[P(&spec.old[i]).base().Key] = &spec.old[i]
	}
	all := make(map[string]P, len(spec.old)+len(spec.incoming))
	var created []R
	inFile := make(map[string]bool, len(spec.incoming))
	for i := range spec.incoming {
		row := P(&spec.incoming[i])
		b := row.base()
		if inFile[b.Key] {
			return nil, programme.Errorf(programme.EINVALID, "the %s key %q appears twice in the file", spec.kind, b.Key)
		}
		inFile[b.Key] = true
		pos := int64(i)
		prev, found := oldByKey[b.Key]
		if !found {
			b.Position, b.Sequence, b.ModifiedAt, b.CreatedAt = pos, 0, im.now, im.now
			created = append(created, spec.incoming[i])
			im.report.Created++
			continue
		}
		changed, bump := spec.compare(prev, &spec.incoming[i])
		pb := prev.base()
		*b = *pb
		b.Position = pos
		if changed {
			b.ModifiedAt = im.now
			if bump {
				b.Sequence++
				if spec.lift != nil {
					b.Sequence += spec.lift(prev, row)
				}
			}
		}
		all[b.Key] = row
		if !changed && pb.Position == pos {
			im.report.Unchanged++
			continue
		}
		im.report.Updated++
		im.touch()
		if err := im.db().Save(row).Error; err != nil {
			return nil, err
		}
	}
	// Stored items missing from the file keep their relative order after
	// the file's items, and are cancelled when pruning.
	next := int64(len(spec.incoming))
	for i := range spec.old {
		row := P(&spec.old[i])
		b := row.base()
		if inFile[b.Key] {
			continue
		}
		all[b.Key] = row
		dirty := b.Position != next
		b.Position = next
		next++
		if im.opt.Prune && spec.cancel != nil && spec.cancel(&spec.old[i]) {
			b.Sequence++
			b.ModifiedAt = im.now
			im.report.Cancelled++
			dirty = true
		}
		if dirty {
			im.touch()
			if err := im.db().Save(row).Error; err != nil {
				return nil, err
			}
		}
	}
	if len(created) > 0 {
		im.touch()
		if err := im.db().CreateInBatches(created, batchSize).Error; err != nil {
			return nil, err
		}
		for i := range created {
			all[P(&created[i]).base().Key] = &created[i]
		}
	}
	return all, nil
}

func (im *importer) venues() error {
	incoming := make([]venueRow, len(im.in.Venues))
	for i, v := range im.in.Venues {
		incoming[i] = venueRow{ProgrammeKeyedRow: im.meta(v.Key), Name: v.Name, Address: v.Address}
	}
	// A venue's name and address are all of it, and both are in the
	// LOCATION of the events held there: every change raises Sequence.
	rows, err := syncItems(im, syncSpec[venueRow]{
		kind: "venue", old: im.old.venues, incoming: incoming,
		compare: func(o, n *venueRow) (bool, bool) {
			changed := o.Name != n.Name || o.Address != n.Address
			return changed, changed
		},
	})
	if err != nil {
		return err
	}
	for key, row := range rows {
		im.after.venues[key] = row.Sequence
	}
	return nil
}

func (im *importer) meta(key string) ProgrammeKeyedRow {
	return ProgrammeKeyedRow{ProgrammeID: im.progID, KeyedRow: KeyedRow{Key: key}}
}

func (im *importer) rooms() error {
	oldKids := groupBy(im.old.reservations, func(r *reservationRow) int64 { return r.RoomID })
	incoming := make([]roomRow, len(im.in.Rooms))
	kids := make(map[string][]reservationRow, len(im.in.Rooms))
	for i, r := range im.in.Rooms {
		incoming[i] = roomRow{ProgrammeKeyedRow: im.meta(r.Key), Name: r.Name, Venue: ref(r.Venue), Capacity: int64(r.Capacity)}
		for j, res := range r.Reservations {
			kids[r.Key] = append(kids[r.Key], reservationRow{
				ProgrammeID: im.progID, Position: int64(j), StartsAt: utc(res.StartsAt), EndsAt: utc(res.EndsAt),
				Status: res.Status, ReleasedFrom: utcPtr(res.ReleasedFrom), Note: res.Note,
			})
		}
	}
	kidsChanged := make(map[string]bool)
	rows, err := syncItems(im, syncSpec[roomRow]{
		kind: "room", old: im.old.rooms, incoming: incoming,
		compare: func(o, n *roomRow) (bool, bool) {
			kc := !sameList(oldKids[o.ID], kids[n.Key], reservationContent)
			kidsChanged[n.Key] = kc
			// Only the name and the venue reach an event's LOCATION; the
			// capacity and reservations are for staff.
			bump := o.Name != n.Name || str(o.Venue) != str(n.Venue)
			changed := bump || kc || o.Capacity != n.Capacity
			return changed, bump
		},
		lift: im.roomLift,
	})
	if err != nil {
		return err
	}
	for key, row := range rows {
		im.after.rooms[key] = roomPlace{sequence: row.Sequence, venue: str(row.Venue)}
	}
	var clear []int64
	var add []reservationRow
	for _, r := range im.in.Rooms {
		row := rows[r.Key]
		changed, known := kidsChanged[r.Key]
		if known && !changed {
			continue
		}
		if known {
			clear = append(clear, row.ID)
		}
		for _, k := range kids[r.Key] {
			k.RoomID = row.ID
			add = append(add, k)
		}
	}
	return im.replace(&reservationRow{}, "room_id", clear, add)
}

// roomLift is how far the venue count of the stored sessions held in a room
// falls when the room moves from o's venue to n's: a session there shows
// the room's venue, or its own when the room has none. Sessions that move
// in this import make up for their own fall (see importer.sessions).
func (im *importer) roomLift(o, n *roomRow) int64 {
	if str(o.Venue) == str(n.Venue) {
		return 0
	}
	var lift int64
	for _, s := range im.old.sessions {
		if str(s.Room) != o.Key {
			continue
		}
		from, to := str(o.Venue), str(n.Venue)
		if from == "" {
			from = str(s.Venue)
		}
		if to == "" {
			to = str(s.Venue)
		}
		lift = max(lift, fall(im.before.venues[from], im.after.venues[to]))
	}
	return lift
}

func reservationContent(r *reservationRow) any {
	return struct {
		Position           int64
		Starts, Ends, From int64
		Status, Note       string
	}{r.Position, micro(r.StartsAt), micro(r.EndsAt), microPtr(r.ReleasedFrom), r.Status, r.Note}
}

func (im *importer) delegations() error {
	incoming := make([]delegationRow, len(im.in.Delegations))
	for i, d := range im.in.Delegations {
		incoming[i] = delegationRow{ProgrammeKeyedRow: im.meta(d.Key), Name: d.Name, Country: d.Country, Lead: ref(d.Lead), Note: d.Note}
	}
	_, err := syncItems(im, syncSpec[delegationRow]{
		kind: "delegation", old: im.old.delegations, incoming: incoming,
		compare: func(o, n *delegationRow) (bool, bool) {
			changed := o.Name != n.Name || o.Country != n.Country || str(o.Lead) != str(n.Lead) || o.Note != n.Note
			return changed, changed
		},
	})
	return err
}

func (im *importer) people() error {
	incoming := make([]personRow, len(im.in.People))
	for i, p := range im.in.People {
		incoming[i] = personRow{
			ProgrammeKeyedRow: im.meta(p.Key), Name: p.Name, Title: p.Title, Organization: p.Organization,
			Role: p.Role, Delegation: ref(p.Delegation), Email: p.Email, Phone: p.Phone, Note: p.Note,
		}
	}
	rows, err := syncItems(im, syncSpec[personRow]{
		kind: "person", old: im.old.people, incoming: incoming,
		compare: func(o, n *personRow) (bool, bool) {
			changed := o.Name != n.Name || o.Title != n.Title || o.Organization != n.Organization ||
				o.Role != n.Role || str(o.Delegation) != str(n.Delegation) || o.Email != n.Email ||
				o.Phone != n.Phone || o.Note != n.Note
			return changed, changed
		},
	})
	if err != nil {
		return err
	}
	// The delegation history follows the person's Delegation: a move leaves
	// the old delegation's row inactive (see programme.Person.FormerDelegations).
	// People left out of the file keep theirs as it is.
	oldHistory := groupBy(im.old.delegationsOf, func(r *personDelegationRow) int64 { return r.PersonID })
	var add []personDelegationRow
	for _, p := range im.in.People {
		id := rows[p.Key].ID
		plan := planHistory(oldHistory[id], listedRef(p.Delegation, func(d string) personDelegationRow {
			return personDelegationRow{Delegation: d}
		}), func(r *personDelegationRow) string { return r.Delegation }, nil, im.now)
		if err := saveHistory(im, plan.updates); err != nil {
			return err
		}
		for _, r := range plan.inserts {
			r.ProgrammeID, r.PersonID = im.progID, id
			add = append(add, r)
		}
	}
	return im.insert(add)
}

// listedRef is the list of a history kept for a single reference (a person's
// delegation, a session's room): the reference alone, or nothing when it is
// empty. A new row starts at 0 Changes, as an audience member does.
func listedRef[R any](key string, row func(string) R) []R {
	if key == "" {
		return nil
	}
	return []R{row(key)}
}

// saveHistory writes a history plan's updated rows one by one.
func saveHistory[R any](im *importer, rows []R) error {
	for i := range rows {
		im.touch()
		if err := im.db().Save(&rows[i]).Error; err != nil {
			return err
		}
	}
	return nil
}

func (im *importer) sessions() error {
	oldAudience := groupBy(im.old.audience, func(r *audienceRow) int64 { return r.SessionID })
	incoming := make([]sessionRow, len(im.in.Sessions))
	plans := make(map[string]historyPlan[storedMember], len(im.in.Sessions))
	for i, s := range im.in.Sessions {
		incoming[i] = sessionRow{
			ProgrammeKeyedRow: im.meta(s.Key), Title: s.Title, Description: s.Description, Kind: s.Kind,
			StartsAt: utc(s.StartsAt), EndsAt: utc(s.EndsAt), TimeZone: s.TimeZone,
			Room: ref(s.Room), Venue: ref(s.Venue), Location: s.Location, Required: s.Required, Status: s.Status,
		}
	}
	byKey := make(map[string]*programme.Session, len(im.in.Sessions))
	for i := range im.in.Sessions {
		byKey[im.in.Sessions[i].Key] = &im.in.Sessions[i]
	}
	rows, err := syncItems(im, syncSpec[sessionRow]{
		kind: "session", old: im.old.sessions, incoming: incoming,
		compare: func(o, n *sessionRow) (bool, bool) {
			plan := im.planMembers(members(oldAudience[o.ID]), byKey[n.Key].Audience)
			plans[n.Key] = plan
			bump := !o.StartsAt.Equal(n.StartsAt) || !o.EndsAt.Equal(n.EndsAt) || im.zoneChanged(o.TimeZone, n.TimeZone) ||
				str(o.Room) != str(n.Room) || str(o.Venue) != str(n.Venue) || o.Location != n.Location ||
				o.Title != n.Title || shownStatus(o.Status) != shownStatus(n.Status)
			changed := bump || plan.changed() || o.Description != n.Description || o.Kind != n.Kind ||
				o.Required != n.Required || o.TimeZone != n.TimeZone || o.Status != n.Status
			return changed, bump
		},
		lift: func(o, n *sessionRow) int64 {
			return fall(im.before.session(str(o.Room), str(o.Venue)), im.after.session(str(n.Room), str(n.Venue)))
		},
		cancel: func(r *sessionRow) bool { return cancel(&r.Status) },
	})
	if err != nil {
		return err
	}
	var audience []audienceRow
	for _, s := range im.in.Sessions {
		id := rows[s.Key].ID
		plan, known := plans[s.Key]
		if !known {
			plan = im.planMembers(nil, s.Audience)
		}
		if err := im.saveMembers(plan, func(m MemberRow, rowID int64) any {
			return &audienceRow{ID: rowID, ProgrammeID: im.progID, SessionID: id, MemberRow: m}
		}, func(m MemberRow) {
			audience = append(audience, audienceRow{ProgrammeID: im.progID, SessionID: id, MemberRow: m})
		}); err != nil {
			return err
		}
	}
	if err := im.insert(audience); err != nil {
		return err
	}
	// The room history follows the session's Room: a move leaves the old
	// room's row inactive (see programme.Session.FormerRooms). Moving is
	// already a change of place, which raised the session's Sequence above.
	// Sessions left out of the file keep theirs as it is.
	oldRooms := groupBy(im.old.roomsOf, func(r *sessionRoomRow) int64 { return r.SessionID })
	var addRooms []sessionRoomRow
	for _, s := range im.in.Sessions {
		id := rows[s.Key].ID
		plan := planHistory(oldRooms[id], listedRef(s.Room, func(room string) sessionRoomRow {
			return sessionRoomRow{Room: room}
		}), func(r *sessionRoomRow) string { return r.Room }, nil, im.now)
		if err := saveHistory(im, plan.updates); err != nil {
			return err
		}
		for _, r := range plan.inserts {
			r.ProgrammeID, r.SessionID = im.progID, id
			addRooms = append(addRooms, r)
		}
	}
	if err := im.insert(addRooms); err != nil {
		return err
	}
	return im.slots(rows)
}

func (im *importer) slots(sessions map[string]*sessionRow) error {
	oldSlots := groupBy(im.old.slots, func(r *slotRow) int64 { return r.SessionID })
	oldSpeakers := groupBy(im.old.speakers, func(r *slotSpeakerRow) int64 { return r.SlotID })
	inFile := make(map[string]*programme.Session, len(im.in.Sessions))
	for i := range im.in.Sessions {
		inFile[im.in.Sessions[i].Key] = &im.in.Sessions[i]
	}
	var add []slotSpeakerRow
	// Every session is visited, in the file or not, so that slots missing
	// from the file are pruned even when their whole session is.
	for _, session := range sortedSessions(sessions) {
		var in []programme.Slot
		if s := inFile[session.Key]; s != nil {
			in = s.Slots
		}
		incoming := make([]slotRow, len(in))
		for i, sl := range in {
			incoming[i] = slotRow{
				KeyedRow: KeyedRow{Key: sl.Key}, ProgrammeID: im.progID, SessionID: session.ID,
				Title: sl.Title, StartsAt: utc(sl.StartsAt), EndsAt: utc(sl.EndsAt),
				AvailableFrom: utcPtr(sl.AvailableFrom), AvailableUntil: utcPtr(sl.AvailableUntil),
				Status: sl.Status, Note: sl.Note,
			}
		}
		byKey := make(map[string]*programme.Slot, len(in))
		for i := range in {
			byKey[in[i].Key] = &in[i]
			// A speaker row is kept per person, so a person listed twice
			// would be merged into one; refuse it as the unique index would.
			seen := make(map[string]bool, len(in[i].Speakers))
			for _, person := range in[i].Speakers {
				if seen[person] {
					return programme.Errorf(programme.ECONFLICT, "the person %q is listed twice as a speaker of slot %q of session %q",
						person, in[i].Key, session.Key)
				}
				seen[person] = true
			}
		}
		plans := make(map[string]historyPlan[slotSpeakerRow])
		rows, err := syncItems(im, syncSpec[slotRow]{
			kind: "slot of session " + strconv.Quote(session.Key), old: oldSlots[session.ID], incoming: incoming,
			compare: func(o, n *slotRow) (bool, bool) {
				plan := im.planSpeakers(oldSpeakers[o.ID], byKey[n.Key].Speakers)
				plans[n.Key] = plan
				// Taking a speaker off or putting one back is a change the
				// slot's page shows, but not one of time, place, title or
				// status: the speaker's own feeds add it to SEQUENCE.
				bump := !o.StartsAt.Equal(n.StartsAt) || !o.EndsAt.Equal(n.EndsAt) || o.Title != n.Title || o.Status != n.Status
				changed := bump || plan.changed() || microPtr(o.AvailableFrom) != microPtr(n.AvailableFrom) ||
					microPtr(o.AvailableUntil) != microPtr(n.AvailableUntil) || o.Note != n.Note
				return changed, bump
			},
			cancel: func(r *slotRow) bool { return cancel(&r.Status) },
		})
		if err != nil {
			return err
		}
		for _, sl := range in {
			id := rows[sl.Key].ID
			plan, known := plans[sl.Key]
			if !known {
				plan = im.planSpeakers(nil, sl.Speakers)
			}
			for _, r := range plan.updates {
				im.touch()
				if err := im.db().Save(&r).Error; err != nil {
					return err
				}
			}
			for _, r := range plan.inserts {
				r.ProgrammeID, r.SlotID = im.progID, id
				add = append(add, r)
			}
		}
	}
	return im.insert(add)
}

// planSpeakers plans a slot's speakers (see planHistory), keyed by person.
// A new speaker starts at 0 Changes, as an audience member does.
func (im *importer) planSpeakers(old []slotSpeakerRow, listed []string) historyPlan[slotSpeakerRow] {
	rows := make([]slotSpeakerRow, len(listed))
	for i, person := range listed {
		rows[i] = slotSpeakerRow{Person: person}
	}
	return planHistory(old, rows, func(r *slotSpeakerRow) string { return r.Person }, nil, im.now)
}

// sortedSessions returns the sessions in a fixed order (by ID), so that an
// import always writes in the same order.
func sortedSessions(m map[string]*sessionRow) []*sessionRow {
	out := slices.Collect(maps.Values(m))
	slices.SortFunc(out, func(a, b *sessionRow) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

func (im *importer) runs() error {
	oldRiders := groupBy(im.old.riders, func(r *riderRow) int64 { return r.RunID })
	oldBehind := groupBy(im.old.stayingBehind, func(r *stayingBehindRow) int64 { return r.RunID })
	oldOptions := groupBy(im.old.pollOptions, func(r *pollOptionRow) int64 { return r.RunID })
	oldVotes := groupBy(im.old.votes, func(r *voteRow) int64 { return r.RunID })

	type kids struct {
		behind  []programme.StayingBehind // the active entries, in file order
		options []pollOptionRow
		votes   []voteRow
	}
	incoming := make([]runRow, len(im.in.Transport))
	want := make(map[string]*kids, len(im.in.Transport))
	byKey := make(map[string]*programme.Run, len(im.in.Transport))
	for i := range im.in.Transport {
		r := &im.in.Transport[i]
		byKey[r.Key] = r
		row := runRow{
			ProgrammeKeyedRow: im.meta(r.Key), Kind: r.Kind, Title: r.Title, DepartsAt: utc(r.DepartsAt),
			TimeZone: r.TimeZone, FromPlace: r.From, ToPlace: r.To, Capacity: int64(r.Capacity),
			Vehicle: r.Vehicle, Contact: r.Contact, Status: r.Status, Note: r.Note,
		}
		k := &kids{}
		for _, sb := range r.StayingBehind {
			// An inactive entry (as Programme returns the store's history)
			// is not on the list: the store keeps its history itself.
			if sb.Active {
				k.behind = append(k.behind, sb)
			}
		}
		if r.Poll != nil {
			row.HasPoll, row.PollQuestion, row.PollClosesAt, row.PollDecided = true, r.Poll.Question, utcPtr(r.Poll.ClosesAt), r.Poll.Decided
			for j, o := range r.Poll.Options {
				k.options = append(k.options, pollOptionRow{ProgrammeID: im.progID, Position: int64(j), Value: o})
			}
			for j, v := range r.Poll.Votes {
				k.votes = append(k.votes, voteRow{ProgrammeID: im.progID, Person: v.Person, Option: v.Option, Position: int64(j)})
			}
		}
		incoming[i], want[r.Key] = row, k
	}

	plans := make(map[string]historyPlan[storedMember])
	behindPlans := make(map[string]historyPlan[stayingBehindRow])
	pollChanged := make(map[string]bool)
	rows, err := syncItems(im, syncSpec[runRow]{
		kind: "run", old: im.old.runs, incoming: incoming,
		compare: func(o, n *runRow) (bool, bool) {
			plan := im.planMembers(members(oldRiders[o.ID]), byKey[n.Key].Riders)
			plans[n.Key] = plan
			k := want[n.Key]
			behind := im.planBehind(oldBehind[o.ID], k.behind)
			behindPlans[n.Key] = behind
			pollChanged[n.Key] = !sameList(oldOptions[o.ID], k.options, optionContent) ||
				!sameList(oldVotes[o.ID], k.votes, voteContent)
			bump := !o.DepartsAt.Equal(n.DepartsAt) || im.zoneChanged(o.TimeZone, n.TimeZone) || o.FromPlace != n.FromPlace ||
				o.ToPlace != n.ToPlace || o.Title != n.Title || shownStatus(o.Status) != shownStatus(n.Status)
			changed := bump || plan.changed() || behind.changed() || pollChanged[n.Key] ||
				o.TimeZone != n.TimeZone || o.Status != n.Status ||
				o.Kind != n.Kind || o.Capacity != n.Capacity || o.Vehicle != n.Vehicle ||
				o.Contact != n.Contact || o.Note != n.Note || o.HasPoll != n.HasPoll ||
				o.PollQuestion != n.PollQuestion || microPtr(o.PollClosesAt) != microPtr(n.PollClosesAt) ||
				o.PollDecided != n.PollDecided
			return changed, bump
		},
		lift: func(o, n *runRow) int64 {
			return fall(im.before.run(o.FromPlace), im.after.run(n.FromPlace))
		},
		cancel: func(r *runRow) bool { return cancel(&r.Status) },
	})
	if err != nil {
		return err
	}

	var riders []riderRow
	var clearPoll []int64
	var addBehind []stayingBehindRow
	var addOptions []pollOptionRow
	var addVotes []voteRow
	for _, r := range im.in.Transport {
		id := rows[r.Key].ID
		plan, known := plans[r.Key]
		if !known {
			plan = im.planMembers(nil, r.Riders)
		}
		if err := im.saveMembers(plan, func(m MemberRow, rowID int64) any {
			return &riderRow{ID: rowID, ProgrammeID: im.progID, RunID: id, MemberRow: m}
		}, func(m MemberRow) {
			riders = append(riders, riderRow{ProgrammeID: im.progID, RunID: id, MemberRow: m})
		}); err != nil {
			return err
		}
		k := want[r.Key]
		behind, known := behindPlans[r.Key]
		if !known {
			behind = im.planBehind(nil, k.behind)
		}
		for _, b := range behind.updates {
			im.touch()
			if err := im.db().Save(&b).Error; err != nil {
				return err
			}
		}
		for _, b := range behind.inserts {
			b.ProgrammeID, b.RunID = im.progID, id
			addBehind = append(addBehind, b)
		}
		if changed, known := pollChanged[r.Key]; !known || changed {
			if known {
				clearPoll = append(clearPoll, id)
			}
			for _, o := range k.options {
				o.RunID = id
				addOptions = append(addOptions, o)
			}
			for _, v := range k.votes {
				v.RunID = id
				addVotes = append(addVotes, v)
			}
		}
	}
	if err := im.insert(riders); err != nil {
		return err
	}
	if err := im.insert(addBehind); err != nil {
		return err
	}
	if err := im.replace(&voteRow{}, "run_id", clearPoll, addVotes); err != nil {
		return err
	}
	return im.replace(&pollOptionRow{}, "run_id", clearPoll, addOptions)
}

// planBehind plans a run's staying-behind entries (see planHistory), keyed by
// person, from the file's active entries. A new entry starts at 1 Changes,
// its recording being its first change, and Since is its changed-at time.
// A changed note is written but, like a new place in the list, changes
// neither Changes nor Since.
func (im *importer) planBehind(old []stayingBehindRow, listed []programme.StayingBehind) historyPlan[stayingBehindRow] {
	rows := make([]stayingBehindRow, len(listed))
	for i, sb := range listed {
		rows[i] = stayingBehindRow{Person: sb.Person, Note: sb.Note, Changes: 1}
	}
	return planHistory(old, rows, func(r *stayingBehindRow) string { return r.Person },
		func(stored, entry *stayingBehindRow) { stored.Note = entry.Note }, im.now)
}

func optionContent(r *pollOptionRow) any {
	return struct {
		Position int64
		Value    string
	}{r.Position, r.Value}
}

func voteContent(r *voteRow) any {
	return struct {
		Position       int64
		Person, Option string
	}{r.Position, r.Person, r.Option}
}

// zoneChanged reports whether an item's zone, as calendars see it, changed:
// an empty zone is the programme's, so naming the programme's zone (or
// leaving it out again) changes nothing a calendar shows, while a new
// programme zone changes the zone of every item that names none.
func (im *importer) zoneChanged(old, new string) bool {
	if old == "" {
		old = im.old.prog.TimeZone
	}
	if new == "" {
		new = im.in.TimeZone
	}
	return old != new
}

// shownStatus is the status calendars show for a session or run: an empty
// status is confirmed, as in programme.FeedEntries. Changing one for the other
// must not raise SEQUENCE. (A slot's empty status means its session's, so
// slots compare their status as stored.)
func shownStatus(status string) string {
	if status == "" {
		return programme.StatusConfirmed
	}
	return status
}

// cancel sets a status to cancelled and reports whether it was not already.
func cancel(status *string) bool {
	if *status == programme.StatusCancelled {
		return false
	}
	*status = programme.StatusCancelled
	return true
}

// storedMember is an audience row with its ID.
type storedMember struct {
	id int64
	MemberRow
}

func members[R any](rows []R) []storedMember {
	out := make([]storedMember, 0, len(rows))
	for i := range rows {
		switch r := any(&rows[i]).(type) {
		case *audienceRow:
			out = append(out, storedMember{r.ID, r.MemberRow})
		case *riderRow:
			out = append(out, storedMember{r.ID, r.MemberRow})
		}
	}
	return out
}

// planMembers plans an audience (or a run's riders; see planHistory), keyed
// by delegation or person. The file's members are listed delegations first,
// then people; a new member starts at 0 Changes.
func (im *importer) planMembers(old []storedMember, a programme.Audience) historyPlan[storedMember] {
	rows := make([]storedMember, 0, len(a.Delegations)+len(a.People))
	for _, d := range a.Delegations {
		rows = append(rows, storedMember{MemberRow: MemberRow{Delegation: ref(d)}})
	}
	for _, p := range a.People {
		rows = append(rows, storedMember{MemberRow: MemberRow{Person: ref(p)}})
	}
	type who struct{ delegation, person string }
	return planHistory(old, rows, func(m *storedMember) who { return who{str(m.Delegation), str(m.Person)} }, nil, im.now)
}

// saveMembers writes a plan's updates at once and hands its inserts to add,
// to be written in one batch.
func (im *importer) saveMembers(plan historyPlan[storedMember], row func(m MemberRow, id int64) any, add func(MemberRow)) error {
	for _, m := range plan.updates {
		im.touch()
		if err := im.db().Save(row(m.MemberRow, m.id)).Error; err != nil {
			return err
		}
	}
	for _, m := range plan.inserts {
		add(m.MemberRow)
	}
	return nil
}

// replace deletes the child rows of the given parents and inserts rows.
func (im *importer) replace(model any, parentColumn string, parents []int64, rows any) error {
	for start := 0; start < len(parents); start += 1000 {
		end := min(start+1000, len(parents))
		im.touch()
		if err := im.db().Where(parentColumn+" IN ?", parents[start:end]).Delete(model).Error; err != nil {
			return err
		}
	}
	return im.insert(rows)
}

// insert writes rows (a slice of row structs) in batches.
func (im *importer) insert(rows any) error {
	if reflect.ValueOf(rows).Len() == 0 {
		return nil
	}
	im.touch()
	return im.db().CreateInBatches(rows, batchSize).Error
}

// groupBy groups rows by a parent ID, keeping their order.
func groupBy[R any](rows []R, parent func(*R) int64) map[int64][]R {
	out := make(map[int64][]R)
	for i := range rows {
		id := parent(&rows[i])
		out[id] = append(out[id], rows[i])
	}
	return out
}

// sameList compares two lists of child rows by their content.
func sameList[R any](a, b []R, content func(*R) any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if content(&a[i]) != content(&b[i]) {
			return false
		}
	}
	return true
}

// utc normalizes an instant to what both databases give back: UTC, in
// microseconds.
func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func micro(t time.Time) int64 { return t.UnixMicro() }

// microPtr compares optional instants: nil is smaller than any time.
func microPtr(t *time.Time) int64 {
	if t == nil {
		return math.MinInt64
	}
	return t.UnixMicro()
}
