package store

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm/clause"

	"github.com/planner-dev/planner/internal/programme"
)

// Kinds of checklist: a run's boarding list and a hand-out's list.
const (
	ChecklistRun     = "run"
	ChecklistHandout = "handout"
)

// Tick is one person's line on a checklist: boarded the run, or received
// the hand-out. Ticks are operational state, kept apart from the programme
// (see migration 0014): no change log, no feed.
type Tick struct {
	List   string // ChecklistRun or ChecklistHandout
	Key    string // the run's or the hand-out's key
	Person string
	Ticked bool
	// By and At say who last ticked or unticked the person, and when.
	By string
	At time.Time
}

type tickRow struct {
	ID          int64     `gorm:"primaryKey"`
	ProgrammeID int64     `gorm:"not null;uniqueIndex:idx_checklist_ticks_person,priority:1"`
	ListKind    string    `gorm:"not null;uniqueIndex:idx_checklist_ticks_person,priority:2"`
	ListKey     string    `gorm:"not null;uniqueIndex:idx_checklist_ticks_person,priority:3"`
	Person      string    `gorm:"not null;uniqueIndex:idx_checklist_ticks_person,priority:4"`
	Ticked      bool      `gorm:"type:boolean;not null"`
	ByName      string    `gorm:"not null"`
	At          time.Time `gorm:"not null"`
}

func (tickRow) TableName() string { return "checklist_ticks" }

// SetTick records a tick or an untick of one person on one checklist, at
// the store's clock, and returns it as stored. It writes that person's row
// alone, by an upsert: two staff ticking different people at once both
// keep their ticks, and of a tick and an untick of the same person the
// last write wins. An unknown slug is ENOTFOUND; a list kind other than
// ChecklistRun and ChecklistHandout, or an empty key or person, EINVALID.
// Whether the run, hand-out and person exist is the caller's to check,
// against the programme.
func (s *Store) SetTick(ctx context.Context, slug string, t Tick) (Tick, error) {
	if t.List != ChecklistRun && t.List != ChecklistHandout {
		return Tick{}, programme.Errorf(programme.EINVALID, "%q is not a kind of checklist: run or handout", t.List)
	}
	if strings.TrimSpace(t.Key) == "" || strings.TrimSpace(t.Person) == "" {
		return Tick{}, programme.Errorf(programme.EINVALID, "a tick names its list's key and a person")
	}
	id, err := s.programmeID(ctx, s.db, slug)
	if err != nil {
		return Tick{}, err
	}
	t.At = utc(s.clock())
	row := tickRow{ProgrammeID: id, ListKind: t.List, ListKey: t.Key, Person: t.Person, Ticked: t.Ticked, ByName: t.By, At: t.At}
	err = s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "programme_id"}, {Name: "list_kind"}, {Name: "list_key"}, {Name: "person"}},
		DoUpdates: clause.AssignmentColumns([]string{"ticked", "by_name", "at"}),
	}).Create(&row).Error
	if err != nil {
		return Tick{}, s.wrap(err, "cannot save the tick")
	}
	return t, nil
}

// Ticks returns the ticks of one checklist, by person. People never
// ticked have no entry; people unticked have one with Ticked false.
func (s *Store) Ticks(ctx context.Context, slug, list, key string) (map[string]Tick, error) {
	id, err := s.programmeID(ctx, s.db, slug)
	if err != nil {
		return nil, err
	}
	var rows []tickRow
	if err := s.db.WithContext(ctx).Where("programme_id = ? AND list_kind = ? AND list_key = ?", id, list, key).
		Find(&rows).Error; err != nil {
		return nil, s.wrap(err, "cannot read the checklist")
	}
	out := make(map[string]Tick, len(rows))
	for _, r := range rows {
		out[r.Person] = Tick{List: r.ListKind, Key: r.ListKey, Person: r.Person, Ticked: r.Ticked, By: r.ByName, At: r.At.UTC()}
	}
	return out, nil
}
