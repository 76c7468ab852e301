package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/planner-dev/planner/internal/exchange"
	"github.com/planner-dev/planner/internal/programme"
)

// ActionDelete is the action of a venue, room, delegation or person a change
// deleted (sessions, slots and runs are cancelled instead: ActionCancel).
const ActionDelete = "delete"

// changeRow is one change of a programme in the change log.
type changeRow struct {
	ID          int64     `gorm:"primaryKey"`
	ProgrammeID int64     `gorm:"not null;index:idx_changes_programme_id,priority:1"`
	At          time.Time `gorm:"not null"`
	AuthorID    *int64    ``
	AuthorName  string    `gorm:"not null"`
	AuthorEmail string    `gorm:"not null"`
	Source      string    `gorm:"not null"`
	Summary     string    `gorm:"not null"`
	UndoOf      *int64    ``
}

func (changeRow) TableName() string { return "changes" }

// changeItemRow is one item a change created, updated, cancelled or deleted.
type changeItemRow struct {
	ID         int64  `gorm:"primaryKey"`
	ChangeID   int64  `gorm:"not null;index:idx_change_items_change_id,priority:1"`
	Position   int64  `gorm:"not null;index:idx_change_items_change_id,priority:2"`
	Kind       string `gorm:"not null;index:idx_change_items_item,priority:1"`
	Key        string `gorm:"not null;index:idx_change_items_item,priority:2"`
	Action     string `gorm:"not null"`
	Title      string `gorm:"not null"`
	BeforeJSON string `gorm:"not null"`
	AfterJSON  string `gorm:"not null"`
	Lines      string `gorm:"not null"`
}

func (changeItemRow) TableName() string { return "change_items" }

// Change is one recorded change of a programme: who made it, when, from
// where, and what it did to each item.
type Change struct {
	ID        int64
	Programme string // slug
	At        time.Time
	Author    programme.Author
	Source    string
	Summary   string
	// UndoOf is the ID of the change this one undid, or 0.
	UndoOf int64
	Items  []ChangeItem
}

// ChangeItem is what a change did to one item.
type ChangeItem struct {
	Ref    programme.ItemRef
	Action string // ActionCreate, ActionUpdate, ActionCancel or ActionDelete
	Title  string // the item's title or name
	// Before and After are the item's fragments of the programme file (see
	// exchange.Fragment), nil when it did not exist before or after.
	Before, After []byte
	// Lines say what changed, such as "17:30 → 17:15" (see
	// programme.DescribeChange).
	Lines []string
}

// ChangeResult is what Change and Undo did.
type ChangeResult struct {
	// Report counts and lists the items as an import's report does.
	Report ImportReport
	// Change is the change as recorded, nil when nothing changed. A dry run
	// fills it without recording it (ID 0), as a preview.
	Change *Change
	// version is the programme's version after the change, 0 when nothing
	// changed (see OnProgrammeWrite).
	version int64
}

// Change applies one change to the programme slug through the same path as
// Import: the batch is merged onto the stored programme, the result
// validated, and the change rules applied (see Import). In the same
// transaction it first checks the revisions the request expects (see
// programme.ChangeRequest.Expect), refusing a stale edit with ECONFLICT and
// a *programme.Stale; then it removes what the request removes, refusing
// with EINVALID to delete an item something still refers to; and it
// records the change in the change log with its author. A request that
// changes nothing is recorded nowhere. A batch may create the programme.
func (s *Store) Change(ctx context.Context, slug string, req programme.ChangeRequest) (ChangeResult, error) {
	if req.Batch != nil && req.Batch.Slug != slug {
		return ChangeResult{}, programme.Errorf(programme.EINVALID, "the batch is for programme %q, not %q", req.Batch.Slug, slug)
	}
	res, err := s.apply(ctx, slug, req, ImportOptions{}, 0)
	return res, s.wrap(err, "cannot change the programme")
}

// PreviewChange is Change as a dry run: it checks everything and returns
// what Change would do, changing nothing.
func (s *Store) PreviewChange(ctx context.Context, slug string, req programme.ChangeRequest) (ChangeResult, error) {
	if req.Batch != nil && req.Batch.Slug != slug {
		return ChangeResult{}, programme.Errorf(programme.EINVALID, "the batch is for programme %q, not %q", req.Batch.Slug, slug)
	}
	res, err := s.apply(ctx, slug, req, ImportOptions{DryRun: true}, 0)
	return res, s.wrap(err, "cannot change the programme")
}

// apply is the one write path of programmes: Import, Change and Undo.
func (s *Store) apply(ctx context.Context, slug string, req programme.ChangeRequest, opt ImportOptions, undoOf int64) (ChangeResult, error) {
	var res ChangeResult
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if s.dialect == DialectPostgres {
			if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", importLockID(slug)).Error; err != nil {
				return err
			}
		}
		w := &writer{s: s, tx: tx, ctx: ctx, now: s.clock(), slug: slug, req: req, opt: opt, undoOf: undoOf}
		if err := w.run(); err != nil {
			return err
		}
		res = w.res
		if opt.DryRun {
			return errDryRun
		}
		if res.Change == nil {
			return nil
		}
		// Every person who gets mail is due, with the change: their message
		// is worked out when it is sent, and goes only if their agenda
		// changed (outbox.go).
		return s.EnqueueInvitations(tx, slug, nil, res.Change.ID)
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return ChangeResult{}, err
	}
	if !opt.DryRun && res.Change != nil {
		s.wrote(slug, res.version)
	}
	return res, nil
}

// writer holds one change's state.
type writer struct {
	s      *Store
	tx     *gorm.DB
	ctx    context.Context
	now    time.Time
	slug   string
	req    programme.ChangeRequest
	opt    ImportOptions
	undoOf int64
	res    ChangeResult

	snap   *snapshot
	before *programme.Programme // as stored; empty when new
	// deleted lists the items the change deleted; public is true when it
	// changed the programme's visibility.
	deleted []programme.ItemRef
	public  bool
}

func (w *writer) db() *gorm.DB { return w.tx.WithContext(w.ctx) }

func (w *writer) run() error {
	snap, err := loadSnapshot(w.ctx, w.tx, w.slug)
	switch {
	case programme.ErrorCode(err) == programme.ENOTFOUND && w.req.Batch != nil:
		snap = &snapshot{}
		w.before = &programme.Programme{}
	case err != nil:
		return err
	default:
		w.before = snap.programme()
	}
	w.snap = snap
	if err := w.checkRevisions(); err != nil {
		return err
	}
	batch, err := w.batch()
	if err != nil {
		return err
	}
	merged := w.before
	if batch != nil {
		im := &importer{tx: w.tx, ctx: w.ctx, now: w.now, opt: w.opt, in: batch, old: snap}
		if err := im.run(); err != nil {
			return err
		}
		w.res.Report = im.report
		merged = im.merged
	}
	if err := w.deletions(merged); err != nil {
		return err
	}
	if w.req.Public != nil && *w.req.Public != w.snap.prog.Public {
		w.public = true
		// Feeds link events to the public page only while there is one,
		// so the programme's version rises with its visibility and every
		// feed is worked out again.
		updates := map[string]any{"public": *w.req.Public}
		if !w.res.Report.Changed {
			updates["version"], updates["updated_at"] = gorm.Expr("version + 1"), w.now
			w.res.Report.Changed = true
		}
		if err := w.db().Model(&programmeRow{}).Where("slug = ?", w.slug).Updates(updates).Error; err != nil {
			return err
		}
	}
	if !w.res.Report.Changed && len(w.deleted) == 0 && !w.public {
		return nil
	}
	return w.record(batch)
}

// checkRevisions refuses the change when an item it edits changed since the
// editor read it.
func (w *writer) checkRevisions() error {
	refs := make([]programme.ItemRef, 0, len(w.req.Expect))
	for ref := range w.req.Expect {
		refs = append(refs, ref)
	}
	slices.SortFunc(refs, func(a, b programme.ItemRef) int { return strings.Compare(a.String(), b.String()) })
	for _, ref := range refs {
		want := w.req.Expect[ref]
		current := exchange.Revision(w.before, ref)
		if current == want {
			continue
		}
		stale := &programme.Stale{Item: ref, Expected: want, Current: current}
		if last, err := w.s.lastChangeOf(w.tx.WithContext(w.ctx), w.snap.prog.ID, ref); err != nil {
			return err
		} else if last != nil {
			stale.By, stale.At = last.AuthorName, last.At.UTC()
		}
		return programme.StaleError(stale)
	}
	return nil
}

// lastChangeOf is the latest change that touched ref, or nil.
func (s *Store) lastChangeOf(db *gorm.DB, progID int64, ref programme.ItemRef) (*changeRow, error) {
	var row changeRow
	err := db.Where("programme_id = ? AND id IN (?)", progID,
		db.Model(&changeItemRow{}).Select("change_id").Where("kind = ? AND key = ?", ref.Kind, ref.Key)).
		Order("id DESC").Limit(1).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	return &row, err
}

// batch is the request's batch with the sessions, slots and runs it
// removes added, cancelled; nil when the request changes no item.
func (w *writer) batch() (*programme.Programme, error) {
	batch := w.req.Batch
	var cancels []programme.ItemRef
	for _, ref := range w.req.Remove {
		if !programme.Removable(ref.Kind) {
			cancels = append(cancels, ref)
		}
	}
	if len(cancels) == 0 {
		return batch, nil
	}
	if batch == nil {
		batch = w.before.Header()
	} else {
		c := *batch
		c.Sessions, c.Transport = slices.Clone(c.Sessions), slices.Clone(c.Transport)
		batch = &c
	}
	notFound := func(ref programme.ItemRef) error {
		return programme.Errorf(programme.ENOTFOUND, "no %s %q in programme %q", ref.Kind, ref.Key, w.slug)
	}
	for _, ref := range cancels {
		switch ref.Kind {
		case programme.KindSession:
			if batch.Session(ref.Key) == nil {
				s := w.before.Session(ref.Key)
				if s == nil {
					return nil, notFound(ref)
				}
				c := *s
				c.Slots = nil
				batch.Sessions = append(batch.Sessions, c)
			}
			batch.Session(ref.Key).Status = programme.StatusCancelled
		case programme.KindRun:
			if batch.Run(ref.Key) == nil {
				r := w.before.Run(ref.Key)
				if r == nil {
					return nil, notFound(ref)
				}
				batch.Transport = append(batch.Transport, *r)
			}
			batch.Run(ref.Key).Status = programme.StatusCancelled
		case programme.KindSlot:
			session, slot, _ := strings.Cut(ref.Key, "/")
			stored := w.before.Session(session)
			if stored.Slot(slot) == nil {
				return nil, notFound(ref)
			}
			s := batch.Session(session)
			if s == nil {
				c := *stored
				c.Slots = nil
				batch.Sessions = append(batch.Sessions, c)
				s = &batch.Sessions[len(batch.Sessions)-1]
			}
			s.Slots = slices.Clone(s.Slots)
			if s.Slot(slot) == nil {
				s.Slots = append(s.Slots, *stored.Slot(slot))
			}
			s.Slot(slot).Status = programme.StatusCancelled
		default:
			return nil, programme.Errorf(programme.EINVALID, "no item kind %q", ref.Kind)
		}
	}
	// A batch's order is the order its stored items take (see
	// programme.Merge): cancelling must move nothing, so the stored items
	// keep their stored order, new ones after them.
	sortStored(batch.Sessions, w.before.Sessions, func(s *programme.Session) string { return s.Key })
	sortStored(batch.Transport, w.before.Transport, func(r *programme.Run) string { return r.Key })
	for i := range batch.Sessions {
		if stored := w.before.Session(batch.Sessions[i].Key); stored != nil {
			sortStored(batch.Sessions[i].Slots, stored.Slots, func(sl *programme.Slot) string { return sl.Key })
		}
	}
	return batch, nil
}

// sortStored sorts items by the places of the stored items of the same key,
// items not stored last, in their order.
func sortStored[T any](items, stored []T, key func(*T) string) {
	at := make(map[string]int, len(stored))
	for i := range stored {
		at[key(&stored[i])] = i
	}
	place := func(x *T) int {
		if i, ok := at[key(x)]; ok {
			return i
		}
		return len(stored)
	}
	slices.SortStableFunc(items, func(a, b T) int { return place(&a) - place(&b) })
}

// deletions deletes the venues, rooms, delegations and people the request
// removes, refusing when anything in merged, the programme as the batch
// leaves it, still refers to one of them.
func (w *writer) deletions(merged *programme.Programme) error {
	removing := map[programme.ItemRef]bool{}
	var refs []programme.ItemRef
	for _, ref := range w.req.Remove {
		if programme.Removable(ref.Kind) && !removing[ref] {
			removing[ref] = true
			refs = append(refs, ref)
		}
	}
	if len(refs) == 0 {
		return nil
	}
	var problems programme.FieldErrors
	for _, ref := range refs {
		if exchange.Fragment(merged, ref) == nil {
			return programme.Errorf(programme.ENOTFOUND, "no %s %q in programme %q", ref.Kind, ref.Key, w.slug)
		}
		if by := programme.ReferencesTo(merged, ref, removing); len(by) > 0 {
			problems.Add(ref.String(), "cannot be deleted: %s", strings.Join(by, "; "))
		}
	}
	if len(problems) > 0 {
		msg := fmt.Sprintf("The %s %q cannot be deleted while something refers to it", refs[0].Kind, refs[0].Key)
		if len(problems) == 1 {
			msg += ": " + problems[0].Msg[len("cannot be deleted: "):]
		}
		return problems.Err(msg)
	}
	var progID int64
	if err := w.db().Model(&programmeRow{}).Select("id").Where("slug = ?", w.slug).Take(&progID).Error; err != nil {
		return err
	}
	keys := func(kind string) []string {
		var out []string
		for _, ref := range refs {
			if ref.Kind == kind {
				out = append(out, ref.Key)
			}
		}
		return out
	}
	people, delegations, rooms, venues := keys(programme.KindPerson), keys(programme.KindDelegation),
		keys(programme.KindRoom), keys(programme.KindVenue)
	in := func(table, column string, keys []string) error {
		if len(keys) == 0 {
			return nil
		}
		return w.db().Exec("DELETE FROM "+table+" WHERE programme_id = ? AND "+column+" IN ?", progID, keys).Error
	}
	// What still names a deleted item is only its history (former
	// members, rooms and speakers, inactive staying-behind entries), which
	// goes with it. References among the deleted items go first.
	steps := []func() error{
		func() error {
			if len(delegations) == 0 {
				return nil
			}
			return w.db().Exec("UPDATE delegations SET lead = NULL WHERE programme_id = ? AND key IN ?", progID, delegations).Error
		},
		func() error {
			if len(people) == 0 {
				return nil
			}
			return w.db().Exec("UPDATE people SET delegation = NULL WHERE programme_id = ? AND key IN ?", progID, people).Error
		},
		func() error { return in("slot_speakers", "person", people) },
		func() error { return in("session_audience", "person", people) },
		func() error { return in("run_riders", "person", people) },
		func() error { return in("staying_behind", "person", people) },
		func() error { return in("votes", "person", people) },
		func() error { return in("person_delegations", "delegation", delegations) },
		func() error { return in("session_audience", "delegation", delegations) },
		func() error { return in("run_riders", "delegation", delegations) },
		func() error { return in("people", "key", people) },
		func() error { return in("delegations", "key", delegations) },
		func() error { return in("session_rooms", "room", rooms) },
		func() error { return in("rooms", "key", rooms) },
		func() error { return in("venues", "key", venues) },
	}
	// The places of the deleted items close up, so that the items after
	// them keep the positions an export and the next import give them,
	// and that import finds nothing moved.
	type place struct {
		table string
		pos   int64
	}
	var gaps []place
	for _, g := range []struct {
		table string
		keys  []string
	}{{"people", people}, {"delegations", delegations}, {"rooms", rooms}, {"venues", venues}} {
		if len(g.keys) == 0 {
			continue
		}
		var positions []int64
		if err := w.db().Table(g.table).Where("programme_id = ? AND key IN ?", progID, g.keys).
			Pluck("position", &positions).Error; err != nil {
			return err
		}
		for _, pos := range positions {
			gaps = append(gaps, place{g.table, pos})
		}
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	slices.SortFunc(gaps, func(a, b place) int { return int(b.pos - a.pos) })
	for _, g := range gaps {
		if err := w.db().Exec("UPDATE "+g.table+" SET position = position - 1 WHERE programme_id = ? AND position > ?",
			progID, g.pos).Error; err != nil {
			return err
		}
	}
	w.deleted = refs
	if w.res.Report.Changed {
		return nil // the batch raised the version already
	}
	w.res.Report.Changed = true
	return w.db().Model(&programmeRow{}).Where("id = ?", progID).
		Updates(map[string]any{"version": gorm.Expr("version + 1"), "updated_at": w.now}).Error
}

// record writes the change log's rows of the change: one per item that
// changed, with its fragments before and after and what changed in words.
func (w *writer) record(batch *programme.Programme) error {
	after, err := loadSnapshot(w.ctx, w.tx, w.slug)
	if err != nil {
		return err
	}
	afterP := after.programme()
	// Every change recorded raised the programme's version (the batch, a
	// deletion or the visibility did).
	w.res.version = after.prog.Version
	ch := &Change{
		Programme: w.slug, At: w.now, Author: w.req.Author, Source: w.req.Source, Summary: w.req.Summary, UndoOf: w.undoOf,
	}
	add := func(ref programme.ItemRef, action string) {
		it := ChangeItem{Ref: ref, Action: action}
		it.Before, it.After = exchange.Fragment(w.before, ref), exchange.Fragment(afterP, ref)
		if it.Before != nil && it.After != nil {
			it.Lines = programme.DescribeChange(w.before, afterP, ref)
		}
		it.Title = programme.ItemTitle(afterP, ref)
		if it.Title == "" {
			it.Title = programme.ItemTitle(w.before, ref)
		}
		ch.Items = append(ch.Items, it)
	}
	progRef := programme.ItemRef{Kind: programme.KindProgramme, Key: w.slug}
	switch {
	case w.snap.prog.ID == 0:
		add(progRef, ActionCreate)
	case batch != nil && programme.HeaderChanged(w.before, batch):
		add(progRef, ActionUpdate)
	}
	if w.public {
		it := ChangeItem{Ref: programme.ItemRef{Kind: programme.KindVisibility, Key: w.slug}, Action: ActionUpdate,
			Title:  afterP.Title,
			Before: visibilityFragment(w.snap.prog.Public), After: visibilityFragment(afterP.Public)}
		it.Lines = []string{"made private"}
		if afterP.Public {
			it.Lines = []string{"made public"}
		}
		ch.Items = append(ch.Items, it)
	}
	for _, it := range w.res.Report.Items {
		ref := programme.ItemRef{Kind: it.Kind, Key: it.Key}
		action := it.Action
		if action == ActionUpdate && cancelled(afterP, ref) && !cancelled(w.before, ref) {
			// A batch that sets the status to cancelled cancels the item,
			// as pruning does: the log says so alike.
			action = ActionCancel
		}
		add(ref, action)
	}
	for _, ref := range w.deleted {
		add(ref, ActionDelete)
	}
	if ch.Summary == "" {
		ch.Summary = summarize(ch.Items)
	}
	w.res.Change = ch
	if w.opt.DryRun {
		return nil
	}
	row := changeRow{
		ProgrammeID: after.prog.ID, At: w.now, AuthorName: ch.Author.Display(), AuthorEmail: ch.Author.Email,
		Source: ch.Source, Summary: ch.Summary,
	}
	if ch.Author.UserID != 0 {
		row.AuthorID = &ch.Author.UserID
	}
	if w.undoOf != 0 {
		row.UndoOf = &w.undoOf
	}
	if err := w.db().Create(&row).Error; err != nil {
		return err
	}
	ch.ID = row.ID
	rows := make([]changeItemRow, len(ch.Items))
	for i, it := range ch.Items {
		rows[i] = changeItemRow{
			ChangeID: row.ID, Position: int64(i), Kind: it.Ref.Kind, Key: it.Ref.Key, Action: it.Action, Title: it.Title,
			BeforeJSON: string(it.Before), AfterJSON: string(it.After), Lines: strings.Join(it.Lines, "\n"),
		}
	}
	if len(rows) == 0 {
		return nil
	}
	return w.db().CreateInBatches(rows, batchSize).Error
}

// cancelled reports whether p holds the session, slot or run ref cancelled.
func cancelled(p *programme.Programme, ref programme.ItemRef) bool {
	switch ref.Kind {
	case programme.KindSession:
		s := p.Session(ref.Key)
		return s != nil && s.Status == programme.StatusCancelled
	case programme.KindSlot:
		session, slot, _ := strings.Cut(ref.Key, "/")
		sl := p.Session(session).Slot(slot)
		return sl != nil && sl.Status == programme.StatusCancelled
	case programme.KindRun:
		r := p.Run(ref.Key)
		return r != nil && r.Status == programme.StatusCancelled
	}
	return false
}

func visibilityFragment(public bool) []byte {
	return fmt.Appendf(nil, `{"public":%t}`, public)
}

// summarize says what a change did in a few words: for one item its title
// and what changed, else how many items were created, updated, cancelled
// and deleted.
func summarize(items []ChangeItem) string {
	if len(items) == 1 {
		it := items[0]
		name := it.Title
		if name == "" {
			name = it.Ref.Kind + " " + it.Ref.Key
		}
		switch {
		case it.Action == ActionCreate:
			return name + " created"
		case it.Action == ActionCancel:
			return name + " cancelled"
		case it.Action == ActionDelete:
			return name + " deleted"
		case len(it.Lines) > 0:
			return name + ": " + strings.Join(it.Lines, ", ")
		}
		return name + " updated"
	}
	counts := map[string]int{}
	for _, it := range items {
		counts[it.Action]++
	}
	var parts []string
	for _, a := range []struct{ action, word string }{
		{ActionCreate, "created"}, {ActionUpdate, "updated"}, {ActionCancel, "cancelled"}, {ActionDelete, "deleted"},
	} {
		if n := counts[a.action]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, a.word))
		}
	}
	return strings.Join(parts, ", ")
}

// History returns the programme's changes, newest first, at most limit of
// them (all for a limit of 0 or less), each with its items. An unknown slug
// is ENOTFOUND.
func (s *Store) History(ctx context.Context, slug string, limit int) ([]Change, error) {
	var out []Change
	err := s.readTx(ctx, func(tx *gorm.DB) error {
		var prog programmeRow
		err := tx.WithContext(ctx).Select("id").Where("slug = ?", slug).Take(&prog).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return programme.Errorf(programme.ENOTFOUND, "programme %q not found", slug)
		}
		if err != nil {
			return err
		}
		q := tx.WithContext(ctx).Where("programme_id = ?", prog.ID).Order("id DESC")
		if limit > 0 {
			q = q.Limit(limit)
		}
		var rows []changeRow
		if err := q.Find(&rows).Error; err != nil {
			return err
		}
		out, err = changesOf(ctx, tx, slug, rows)
		return err
	})
	if err != nil {
		return nil, s.wrap(err, "cannot read the programme's history")
	}
	return out, nil
}

// ChangeByID returns one change of the programme. A change of another
// programme, or none, is ENOTFOUND.
func (s *Store) ChangeByID(ctx context.Context, slug string, id int64) (*Change, error) {
	var ch *Change
	err := s.readTx(ctx, func(tx *gorm.DB) error {
		var err error
		ch, err = changeByID(ctx, tx, slug, id)
		return err
	})
	if err != nil {
		return nil, s.wrap(err, "cannot read the change")
	}
	return ch, nil
}

func changeByID(ctx context.Context, tx *gorm.DB, slug string, id int64) (*Change, error) {
	var rows []changeRow
	err := tx.WithContext(ctx).Where("id = ? AND programme_id = (?)", id,
		tx.Model(&programmeRow{}).Select("id").Where("slug = ?", slug)).Find(&rows).Error
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, programme.Errorf(programme.ENOTFOUND, "no change %d in programme %q", id, slug)
	}
	out, err := changesOf(ctx, tx, slug, rows)
	if err != nil {
		return nil, err
	}
	return &out[0], nil
}

// changesOf turns change rows into Changes with their items, in one query.
func changesOf(ctx context.Context, tx *gorm.DB, slug string, rows []changeRow) ([]Change, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(rows))
	at := make(map[int64]int, len(rows))
	out := make([]Change, len(rows))
	for i, r := range rows {
		ids[i], at[r.ID] = r.ID, i
		out[i] = Change{
			ID: r.ID, Programme: slug, At: r.At.UTC(), Source: r.Source, Summary: r.Summary,
			Author: programme.Author{Name: r.AuthorName, Email: r.AuthorEmail},
		}
		if r.AuthorID != nil {
			out[i].Author.UserID = *r.AuthorID
		}
		if r.UndoOf != nil {
			out[i].UndoOf = *r.UndoOf
		}
	}
	var items []changeItemRow
	if err := tx.WithContext(ctx).Where("change_id IN ?", ids).Order("change_id, position").Find(&items).Error; err != nil {
		return nil, err
	}
	for _, r := range items {
		it := ChangeItem{Ref: programme.ItemRef{Kind: r.Kind, Key: r.Key}, Action: r.Action, Title: r.Title}
		if r.BeforeJSON != "" {
			it.Before = []byte(r.BeforeJSON)
		}
		if r.AfterJSON != "" {
			it.After = []byte(r.AfterJSON)
		}
		if r.Lines != "" {
			it.Lines = strings.Split(r.Lines, "\n")
		}
		ch := &out[at[r.ChangeID]]
		ch.Items = append(ch.Items, it)
	}
	return out, nil
}

// Undo undoes change id of the programme as a new change by author, made
// through the same path as any other (see Change): every item goes back to
// its fragment before the change, an item the change created is cancelled
// (a session, slot or run) or deleted, and one it deleted comes back. It is
// refused with ECONFLICT and a *programme.Stale when any of the items
// changed since.
func (s *Store) Undo(ctx context.Context, slug string, id int64, author programme.Author, source string) (ChangeResult, error) {
	ch, err := s.ChangeByID(ctx, slug, id)
	if err != nil {
		return ChangeResult{}, err
	}
	stored, err := s.Programme(ctx, slug)
	if err != nil {
		return ChangeResult{}, err
	}
	req := programme.ChangeRequest{
		Author: author, Source: source, Expect: map[programme.ItemRef]string{},
		Summary: "Undid: " + ch.Summary,
	}
	var frags []exchange.ItemFragment
	for _, it := range ch.Items {
		if it.Ref.Kind == programme.KindVisibility {
			public := strings.Contains(string(it.Before), "true")
			req.Public = &public
			continue
		}
		req.Expect[it.Ref] = exchange.RevisionOf(it.After)
		switch {
		case it.Before == nil && it.Ref.Kind == programme.KindProgramme:
			return ChangeResult{}, programme.Errorf(programme.EINVALID,
				"change %d created the programme, which cannot be undone", id)
		case it.Before == nil:
			req.Remove = append(req.Remove, it.Ref)
		default:
			frags = append(frags, exchange.ItemFragment{Ref: it.Ref, JSON: it.Before})
		}
	}
	// The revisions are checked again, inside the change's transaction;
	// checking them here too gives the stale item before the batch is
	// decoded against a programme that moved on.
	for ref, want := range req.Expect {
		if exchange.Revision(stored, ref) != want {
			if _, err := s.apply(ctx, slug, programme.ChangeRequest{Expect: map[programme.ItemRef]string{ref: want}}, ImportOptions{DryRun: true}, 0); err != nil {
				return ChangeResult{}, s.wrap(err, "cannot undo the change")
			}
		}
	}
	if len(frags) > 0 {
		batch, err := exchange.BatchOf(stored, frags)
		if err != nil {
			return ChangeResult{}, s.wrap(err, "cannot undo the change")
		}
		req.Batch = batch
	}
	res, err := s.apply(ctx, slug, req, ImportOptions{}, id)
	return res, s.wrap(err, "cannot undo the change")
}
