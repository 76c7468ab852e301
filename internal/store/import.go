package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"reflect"
	"time"

	"gorm.io/gorm"

	"github.com/planner-dev/planner/internal/programme"
)

// ImportOptions changes how Import treats items missing from the file.
type ImportOptions struct {
	// Prune cancels the sessions, slots and runs that the file leaves out.
	// Without it they are left alone. Other kinds are never pruned.
	Prune bool
	// DryRun checks and reports as an import would, and then changes
	// nothing: the report says what the import would do.
	DryRun bool
	// Author, Source and Summary go into the change log (see Change);
	// Source defaults to programme.SourceImport.
	Author  programme.Author
	Source  string
	Summary string
}

// errDryRun rolls a dry run's transaction back.
var errDryRun = errors.New("dry run")

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
	// Items lists the keyed items the import created, updated or cancelled,
	// in the order it wrote them (venues, rooms, delegations, people,
	// sessions, slots, runs): the preview of a dry run. Unchanged items are
	// left out.
	Items []ImportItem
}

// ImportItem is one keyed item an import creates, updates or cancels.
type ImportItem struct {
	Kind   string // venue, room, delegation, person, session, slot or run
	Key    string // the item's key; a slot's is "session/slot"
	Action string // ActionCreate, ActionUpdate or ActionCancel
	Title  string // the item's title, or its name
}

// The actions of an ImportItem.
const (
	ActionCreate = "create"
	ActionUpdate = "update"
	ActionCancel = "cancel"
)

// batchSize bounds the rows of one INSERT, well below PostgreSQL's limit of
// 65,535 parameters for the widest table.
const batchSize = 200

// Import upserts p by key in one transaction: all or nothing. Importing the
// same programme twice changes nothing the second time. See
// docs/programme-format.md, "Import", for upserts and pruning, and the
// README's "How changes reach calendars" for what raises Sequence and
// ModifiedAt and why lists keep their former members.
//
// p may be a batch of changes: inside the transaction, before writing
// anything, Import checks the programme as p leaves it, stored items and
// all (see programme.ValidateBatch), so that it never stores a programme
// whose export would be refused. A problem is EINVALID with paths into p.
// Items keep their places: those of p take the places of the stored items
// they replace, in p's order, new ones go after the stored ones, and a
// stored item p leaves out stays where it is (see programme.Merge).
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
// rises by one plus the fall. These rules are internal/programme's
// (programme.SessionChange and the like), which every write path calls.
//
// Two imports of one programme at the same time run one after the other:
// SQLite transactions take the write lock when they begin, and on
// PostgreSQL the import takes a transaction-level advisory lock on the slug.
func (s *Store) Import(ctx context.Context, p *programme.Programme, opt ImportOptions) (ImportReport, error) {
	res, err := s.ImportChange(ctx, p, opt)
	return res.Report, err
}

// ImportChange is Import returning the change as the change log records it
// (for a dry run, as it would record it), for pages that show what an
// import does item by item.
func (s *Store) ImportChange(ctx context.Context, p *programme.Programme, opt ImportOptions) (ChangeResult, error) {
	if p == nil || p.Slug == "" {
		return ChangeResult{}, programme.Errorf(programme.EINVALID, "the programme has no slug")
	}
	res, err := s.apply(ctx, p.Slug, programme.ChangeRequest{
		Batch: p, Author: opt.Author, Source: cmp.Or(opt.Source, programme.SourceImport), Summary: opt.Summary,
	}, opt, 0)
	if err != nil {
		return ChangeResult{}, s.wrap(err, "cannot import the programme")
	}
	return res, nil
}

// importLockID is the advisory lock of one programme's imports.
func importLockID(slug string) int64 {
	h := fnv.New64a()
	h.Write([]byte("planner.import:" + slug))
	return int64(h.Sum64() & math.MaxInt64)
}

// importer holds one import's state.
type importer struct {
	tx  *gorm.DB
	ctx context.Context
	now time.Time
	opt ImportOptions
	in  *programme.Programme
	old *snapshot
	// merged is the programme as the import leaves it, items in their new
	// order (see programme.Merge).
	merged *programme.Programme
	progID int64
	report ImportReport
	// base is the programme as stored, nil when it is new: the "before"
	// of the change rules, whose "after" is merged. The Sequences of
	// merged's venues and rooms are set as they are written, before the
	// sessions and runs whose places count them.
	base *programme.Programme
}

func (im *importer) db() *gorm.DB { return im.tx.WithContext(im.ctx) }

// touch records that the import changed something.
func (im *importer) touch() { im.report.Changed = true }

func (im *importer) run() error {
	if err := im.load(); err != nil {
		return err
	}
	if err := im.programme(); err != nil {
		return err
	}
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

// load reads what is stored of the programme, if anything, and checks the
// programme as the import will leave it (see programme.ValidateBatch), before
// anything is written.
func (im *importer) load() error {
	var (
		old  *snapshot
		err  error
		base *programme.Programme
	)
	if im.old != nil {
		// The caller loaded it (see Store.apply); empty when new.
		old = im.old
		if old.prog.ID == 0 {
			err = programme.Errorf(programme.ENOTFOUND, "programme %q not found", im.in.Slug)
		}
	} else {
		old, err = loadSnapshot(im.ctx, im.tx, im.in.Slug)
	}
	switch {
	case programme.ErrorCode(err) == programme.ENOTFOUND:
		im.old, im.base = &snapshot{}, &programme.Programme{}
	case err != nil:
		return err
	default:
		im.old, base = old, old.programme()
		im.base = base
	}
	merged, errs := programme.ValidateBatch(im.in, base)
	if len(errs) > 0 {
		return errs.Err(fileProblems(len(errs)))
	}
	im.merged = merged
	return nil
}

// fileProblems is the message of a refused file, as the file's decoder words it.
func fileProblems(n int) string {
	if n == 1 {
		return "The programme file has 1 problem"
	}
	return fmt.Sprintf("The programme file has %d problems", n)
}

// programme creates or updates the top-level row.
func (im *importer) programme() error {
	p := im.in
	want := programmeRow{
		Slug: p.Slug, Title: p.Title, Organizer: p.Organizer, TimeZone: p.TimeZone,
		StartsOn: p.StartsOn, EndsOn: p.EndsOn, Location: p.Location, Description: p.Description,
	}
	if im.old.prog.ID == 0 {
		want.UpdatedAt, want.CreatedAt = im.now, im.now
		if err := im.db().Create(&want).Error; err != nil {
			return err
		}
		im.touch()
		im.progID = want.ID
		im.old.prog = want
		return nil
	}
	o := im.old.prog
	im.progID = o.ID
	if !programme.HeaderChanged(im.base, im.in) {
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
	// order is the keys of the scope, stored or new, in the order the
	// import leaves them (see programme.Merge): an item's Position is its
	// index here.
	order []string
	// item names the rows in the report: their kind, the prefix of their
	// key ("session/" for slots) and their title or name.
	item  string
	scope string
	title func(*R) string
	// change says what changed of a stored item, by the rules of
	// internal/programme (programme.SessionChange and the like): whether
	// ModifiedAt moves and how far Sequence rises.
	change func(old, new *R) programme.ItemChange
	// unlisted says what changes of a stored item the file leaves out, by
	// the same rules, and sets the row's status to cancelled when prune is
	// set; it reports whether the item was cancelled by this. The item is
	// otherwise left alone, but a new programme zone is still a change of
	// an item that names none. Nil for kinds that Prune leaves alone and
	// that have no zone.
	unlisted func(old *R, prune bool) (ch programme.ItemChange, cancelled bool)
}

// syncItems upserts a list of keyed items by key and returns every row of
// the scope, stored or new, by key, with IDs set.
func syncItems[R any, P item[R]](im *importer, spec syncSpec[R]) (map[string]P, error) {
	oldByKey := make(map[string]P, len(spec.old))
	for i := range spec.old {
		oldByKey[P(&spec.old[i]).base().Key] = &spec.old[i]
	}
	position := make(map[string]int64, len(spec.order))
	for i, key := range spec.order {
		position[key] = int64(i)
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
		pos := position[b.Key]
		prev, found := oldByKey[b.Key]
		if !found {
			b.Position, b.Sequence, b.ModifiedAt, b.CreatedAt = pos, 0, im.now, im.now
			now := im.now
			b.ShownModifiedAt = &now
			created = append(created, spec.incoming[i])
			im.report.Created++
			im.preview(spec.item, spec.scope+b.Key, ActionCreate, spec.title(row))
			continue
		}
		ch := spec.change(prev, &spec.incoming[i])
		changed := ch.Modified
		pb := prev.base()
		*b = *pb
		b.Position = pos
		if changed {
			im.stamp(b, ch)
		}
		all[b.Key] = row
		if !changed && pb.Position == pos {
			im.report.Unchanged++
			continue
		}
		im.report.Updated++
		im.preview(spec.item, spec.scope+b.Key, ActionUpdate, spec.title(row))
		im.touch()
		if err := im.db().Save(row).Error; err != nil {
			return nil, err
		}
	}
	// Stored items missing from the file keep their places, and are
	// cancelled when pruning.
	for i := range spec.old {
		row := P(&spec.old[i])
		b := row.base()
		if inFile[b.Key] {
			continue
		}
		all[b.Key] = row
		pos := position[b.Key]
		dirty := b.Position != pos
		b.Position = pos
		if spec.unlisted != nil {
			ch, cancelled := spec.unlisted(&spec.old[i], im.opt.Prune)
			if ch.Modified {
				im.stamp(b, ch)
				dirty = true
				if cancelled {
					im.report.Cancelled++
					im.preview(spec.item, spec.scope+b.Key, ActionCancel, spec.title(row))
				} else {
					im.report.Updated++
					im.preview(spec.item, spec.scope+b.Key, ActionUpdate, spec.title(row))
				}
			}
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

// preview adds an item to the report's list of what the import does.
func (im *importer) preview(kind, key, action, title string) {
	im.report.Items = append(im.report.Items, ImportItem{Kind: kind, Key: key, Action: action, Title: title})
}

// indexOf maps the keys of items to the items.
func indexOf[T any](items []T, key func(*T) string) map[string]*T {
	out := make(map[string]*T, len(items))
	for i := range items {
		out[key(&items[i])] = &items[i]
	}
	return out
}

// keysOf lists the keys of items, in order.
func keysOf[T any](items []T, key func(*T) string) []string {
	out := make([]string, len(items))
	for i := range items {
		out[i] = key(&items[i])
	}
	return out
}

// pruned is how an item the file leaves out stays: cancelled when prune
// is set, else as it is.
func pruned(status string, prune bool) string {
	if prune {
		return programme.StatusCancelled
	}
	return status
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

// stamp records change ch of a stored item: ModifiedAt moves, Sequence
// rises by ch.Rise, and ShownModifiedAt moves only when a calendar shows the
// change. A row stored before ShownModifiedAt was kept first gets its
// ModifiedAt, which is what it read as, so that a staff-only change does not
// move it.
func (im *importer) stamp(b *KeyedRow, ch programme.ItemChange) {
	if b.ShownModifiedAt == nil {
		was := b.ModifiedAt
		b.ShownModifiedAt = &was
	}
	if ch.Shown {
		now := im.now
		b.ShownModifiedAt = &now
	}
	b.ModifiedAt = im.now
	b.Sequence += int64(ch.Rise)
}
