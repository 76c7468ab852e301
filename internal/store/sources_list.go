package store

import (
	"context"
	"time"
)

// CalendarSourceSummary is one line of a programme's list of calendar
// sources: the source without its items, and how many sessions came from it.
type CalendarSourceSummary struct {
	Name          string
	URL           string
	LastFetchedAt *time.Time
	UpdatedAt     time.Time // when an import last recorded it
	Sessions      int
}

// CalendarSources lists the programme's calendar sources by name; none for
// a programme without any, or that does not exist.
func (s *Store) CalendarSources(ctx context.Context, slug string) ([]CalendarSourceSummary, error) {
	var rows []struct {
		Name          string
		URL           string `gorm:"column:url"`
		LastFetchedAt *time.Time
		UpdatedAt     time.Time
		Sessions      int
	}
	err := s.db.WithContext(ctx).Table("calendar_sources").
		Select("calendar_sources.name, calendar_sources.url, calendar_sources.last_fetched_at, calendar_sources.updated_at, (SELECT COUNT(*) FROM calendar_source_items WHERE calendar_source_items.source_id = calendar_sources.id) AS sessions").
		Joins("JOIN programmes ON programmes.id = calendar_sources.programme_id").
		Where("programmes.slug = ?", slug).
		Order("calendar_sources.name").
		Scan(&rows).Error
	if err != nil {
		return nil, s.wrap(err, "cannot list the calendar sources")
	}
	out := make([]CalendarSourceSummary, 0, len(rows))
	for _, r := range rows {
		out = append(out, CalendarSourceSummary{Name: r.Name, URL: r.URL, LastFetchedAt: utcPtr(r.LastFetchedAt),
			UpdatedAt: r.UpdatedAt.UTC(), Sessions: r.Sessions})
	}
	return out, nil
}
