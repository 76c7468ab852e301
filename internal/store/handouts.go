package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/planner-dev/planner/internal/programme"
)

// Handout is something staff hand every delegate on a day: badges, meal
// tickets for Monday's lunch, welcome packs. Who received it is a
// checklist (see Tick, ChecklistHandout).
type Handout struct {
	Key   string
	Day   string // YYYY-MM-DD
	Title string
	Note  string
}

type handoutRow struct {
	ID          int64     `gorm:"primaryKey"`
	ProgrammeID int64     `gorm:"not null;uniqueIndex:idx_handouts_key,priority:1"`
	Key         string    `gorm:"not null;uniqueIndex:idx_handouts_key,priority:2"`
	Day         string    `gorm:"not null"`
	Title       string    `gorm:"not null"`
	Note        string    `gorm:"not null"`
	CreatedAt   time.Time `gorm:"not null;autoCreateTime:false"`
}

func (handoutRow) TableName() string { return "handouts" }

// Handouts lists a programme's hand-outs by day, then title.
func (s *Store) Handouts(ctx context.Context, slug string) ([]Handout, error) {
	id, err := s.programmeID(ctx, s.db, slug)
	if err != nil {
		return nil, err
	}
	var rows []handoutRow
	if err := s.db.WithContext(ctx).Where("programme_id = ?", id).Order("day, title, key").Find(&rows).Error; err != nil {
		return nil, s.wrap(err, "cannot list the hand-outs")
	}
	out := make([]Handout, len(rows))
	for i, r := range rows {
		out[i] = Handout{Key: r.Key, Day: r.Day, Title: r.Title, Note: r.Note}
	}
	return out, nil
}

// Handout returns one hand-out, or ENOTFOUND.
func (s *Store) Handout(ctx context.Context, slug, key string) (Handout, error) {
	id, err := s.programmeID(ctx, s.db, slug)
	if err != nil {
		return Handout{}, err
	}
	var r handoutRow
	err = s.db.WithContext(ctx).Where("programme_id = ? AND key = ?", id, key).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Handout{}, programme.Errorf(programme.ENOTFOUND, "There is no hand-out %q.", key)
	}
	if err != nil {
		return Handout{}, s.wrap(err, "cannot read the hand-out")
	}
	return Handout{Key: r.Key, Day: r.Day, Title: r.Title, Note: r.Note}, nil
}

// SaveHandout creates a hand-out, or changes the one of the same key. A
// missing title, a malformed key or a day that is not YYYY-MM-DD is
// EINVALID, with the field's path.
func (s *Store) SaveHandout(ctx context.Context, slug string, h Handout) error {
	var errs programme.FieldErrors
	if !programme.ValidKey(h.Key) {
		errs = append(errs, programme.FieldError{Path: "handout.key", Msg: "is not a key: lower-case letters, digits and hyphens"})
	}
	if h.Title == "" {
		errs = append(errs, programme.FieldError{Path: "handout.title", Msg: "is required"})
	}
	if _, err := programme.ParseDate(h.Day); err != nil {
		errs = append(errs, programme.FieldError{Path: "handout.day", Msg: err.Error()})
	}
	if len(errs) > 0 {
		return &programme.Error{Code: programme.EINVALID, Message: "The hand-out is not valid", Fields: errs}
	}
	id, err := s.programmeID(ctx, s.db, slug)
	if err != nil {
		return err
	}
	row := handoutRow{ProgrammeID: id, Key: h.Key, Day: h.Day, Title: h.Title, Note: h.Note, CreatedAt: utc(s.clock())}
	err = s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "programme_id"}, {Name: "key"}},
		DoUpdates: clause.AssignmentColumns([]string{"day", "title", "note"}),
	}).Create(&row).Error
	return s.wrap(err, "cannot save the hand-out")
}
