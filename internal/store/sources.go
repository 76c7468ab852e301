package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/planner-dev/planner/internal/programme"
)

// calendarSourceRow is a published calendar a programme imports from.
type calendarSourceRow struct {
	ID            int64  `gorm:"primaryKey"`
	ProgrammeID   int64  `gorm:"not null"`
	Name          string `gorm:"not null"`
	URL           string `gorm:"column:url;not null"`
	ETag          string `gorm:"column:etag;not null"`
	LastFetchedAt *time.Time
	CreatedAt     time.Time `gorm:"not null;autoCreateTime:false"`
	UpdatedAt     time.Time `gorm:"not null;autoUpdateTime:false"`
}

func (calendarSourceRow) TableName() string { return "calendar_sources" }

// calendarSourceItemRow is one event of a source that became a session.
type calendarSourceItemRow struct {
	ID         int64  `gorm:"primaryKey"`
	SourceID   int64  `gorm:"not null"`
	UID        string `gorm:"column:uid;not null"`
	SessionKey string `gorm:"not null"`
	Sequence   int64  `gorm:"not null"`
	Stamp      *time.Time
	SeenAt     time.Time `gorm:"not null"`
}

func (calendarSourceItemRow) TableName() string { return "calendar_source_items" }

// CalendarSource is a published calendar (.ics) a programme imports
// sessions from, and what earlier imports took from it.
type CalendarSource struct {
	Name string // unique within the programme
	URL  string // empty for an uploaded file
	// ETag is the one the server last answered with, for a conditional
	// fetch; LastFetchedAt is when the calendar was last read, nil before.
	ETag          string
	LastFetchedAt *time.Time
	Items         []CalendarSourceItem
}

// CalendarSourceItem maps one event of a source to its session.
type CalendarSourceItem struct {
	UID        string
	SessionKey string
	Sequence   int
	Stamp      time.Time // zero when the event had none
}

// CalendarSource returns the programme's source of that name with its items
// (by UID), or an ENOTFOUND error when there is none.
func (s *Store) CalendarSource(ctx context.Context, slug, name string) (*CalendarSource, error) {
	db := s.db.WithContext(ctx)
	var row calendarSourceRow
	err := db.Joins("JOIN programmes ON programmes.id = calendar_sources.programme_id").
		Where("programmes.slug = ? AND calendar_sources.name = ?", slug, name).
		Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, programme.Errorf(programme.ENOTFOUND, "programme %q has no calendar source %q", slug, name)
	}
	if err != nil {
		return nil, s.wrap(err, "cannot read the calendar source")
	}
	var items []calendarSourceItemRow
	if err := db.Where("source_id = ?", row.ID).Order("uid").Find(&items).Error; err != nil {
		return nil, s.wrap(err, "cannot read the calendar source")
	}
	out := &CalendarSource{Name: row.Name, URL: row.URL, ETag: row.ETag, LastFetchedAt: utcPtr(row.LastFetchedAt)}
	for _, it := range items {
		ci := CalendarSourceItem{UID: it.UID, SessionKey: it.SessionKey, Sequence: int(it.Sequence)}
		if it.Stamp != nil {
			ci.Stamp = it.Stamp.UTC()
		}
		out.Items = append(out.Items, ci)
	}
	return out, nil
}

// ImportCalendar applies a batch made from a calendar (see calimport.Plan)
// with Import, and records the source and its items, in one transaction:
// either both are stored or neither. src's Items are the source's whole
// item list after the import; items it no longer lists are kept, since an
// item is only ever added or updated. A dry run changes nothing, the source
// included, and reports what Import would do.
func (s *Store) ImportCalendar(ctx context.Context, batch *programme.Programme, src CalendarSource, opt ImportOptions) (ImportReport, error) {
	if src.Name == "" {
		return ImportReport{}, programme.Errorf(programme.EINVALID, "the calendar source has no name")
	}
	var res ChangeResult
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Import runs inside this transaction: its own transaction becomes
		// a savepoint, and its advisory lock (PostgreSQL) is held until
		// this one ends. Its change is told once this one commits.
		inner := *s
		inner.db, inner.writes = tx, nil
		var err error
		if res, err = inner.ImportChange(ctx, batch, opt); err != nil {
			return err
		}
		if opt.DryRun {
			return errDryRun
		}
		return s.recordSource(tx.WithContext(ctx), batch.Slug, src)
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return ImportReport{}, s.wrap(err, "cannot import the calendar")
	}
	if !opt.DryRun && res.Change != nil {
		s.wrote(batch.Slug, res.version)
	}
	return res.Report, nil
}

// recordSource upserts a source and its items.
func (s *Store) recordSource(db *gorm.DB, slug string, src CalendarSource) error {
	now := s.clock()
	var prog programmeRow
	if err := db.Where("slug = ?", slug).Take(&prog).Error; err != nil {
		return err
	}
	var row calendarSourceRow
	err := db.Where("programme_id = ? AND name = ?", prog.ID, src.Name).Take(&row).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		row = calendarSourceRow{ProgrammeID: prog.ID, Name: src.Name, CreatedAt: now}
	case err != nil:
		return err
	}
	row.URL, row.ETag, row.UpdatedAt = src.URL, src.ETag, now
	if src.LastFetchedAt != nil {
		t := utc(*src.LastFetchedAt)
		row.LastFetchedAt = &t
	}
	if err := db.Save(&row).Error; err != nil {
		return err
	}
	var old []calendarSourceItemRow
	if err := db.Where("source_id = ?", row.ID).Find(&old).Error; err != nil {
		return err
	}
	byUID := make(map[string]*calendarSourceItemRow, len(old))
	for i := range old {
		byUID[old[i].UID] = &old[i]
	}
	var add []calendarSourceItemRow
	for _, it := range src.Items {
		var stamp *time.Time
		if !it.Stamp.IsZero() {
			t := utc(it.Stamp)
			stamp = &t
		}
		prev, found := byUID[it.UID]
		if !found {
			add = append(add, calendarSourceItemRow{SourceID: row.ID, UID: it.UID, SessionKey: it.SessionKey,
				Sequence: int64(it.Sequence), Stamp: stamp, SeenAt: now})
			continue
		}
		if prev.SessionKey != it.SessionKey {
			return programme.Errorf(programme.ECONFLICT, "the calendar event %q already maps to session %q, not %q", it.UID, prev.SessionKey, it.SessionKey)
		}
		if err := db.Model(prev).Updates(map[string]any{"sequence": it.Sequence, "stamp": stamp, "seen_at": now}).Error; err != nil {
			return err
		}
	}
	if len(add) > 0 {
		return db.CreateInBatches(add, batchSize).Error
	}
	return nil
}
