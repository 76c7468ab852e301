package store

import (
	"context"
	"database/sql/driver"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"

	"github.com/planner-dev/planner/internal/programme"
)

// FeedChangesChannel is the PostgreSQL notification channel on which every
// change counted by FeedChangeSeq is announced when its transaction commits
// (migrations 0011 and 0019).
const FeedChangesChannel = "planner_feed_changes"

// FeedChangeSeq returns a counter that grows with every change a server
// keeping feeds in memory must learn of: a programme imported, changed or
// deleted, a feed token revoked, rotated or deleted (migration 0011); and,
// for what RememberAuth keeps, a login session written or ended, an
// account changed or removed, an API token revoked or deleted (migration
// 0019). Triggers raise it in
// the writing transaction, whichever process writes, so one indexed read of
// one row tells whether anything changed since the last read.
func (s *Store) FeedChangeSeq(ctx context.Context) (int64, error) {
	var seq int64
	err := s.db.WithContext(ctx).Raw("SELECT seq FROM feed_changes WHERE id = 1").Scan(&seq).Error
	if err != nil {
		return 0, s.wrap(err, "cannot read the feed change counter")
	}
	return seq, nil
}

// ProgrammeStamp is a programme's version and when it last changed.
type ProgrammeStamp struct {
	Version   int64
	UpdatedAt time.Time
}

// ProgrammeVersions returns every programme's version by slug, in one query.
func (s *Store) ProgrammeVersions(ctx context.Context) (map[string]ProgrammeStamp, error) {
	var rows []struct {
		Slug      string
		Version   int64
		UpdatedAt time.Time
	}
	if err := s.db.WithContext(ctx).Model(&programmeRow{}).Select("slug, version, updated_at").Find(&rows).Error; err != nil {
		return nil, s.wrap(err, "cannot read the programmes' versions")
	}
	out := make(map[string]ProgrammeStamp, len(rows))
	for _, r := range rows {
		out[r.Slug] = ProgrammeStamp{Version: r.Version, UpdatedAt: r.UpdatedAt.UTC()}
	}
	return out, nil
}

// FeedFetch is one fetch to record: token id fetched at At, when its
// programme was at Version.
type FeedFetch struct {
	ID      int64
	At      time.Time
	Version int64
}

// RecordFeedFetches records many fetches in one transaction, for a server
// that collects them in memory rather than writing once per request. A
// token deleted meanwhile is skipped, and so is a fetch older than the one
// recorded.
func (s *Store) RecordFeedFetches(ctx context.Context, fetches []FeedFetch) error {
	if len(fetches) == 0 {
		return nil
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, f := range fetches {
			// Several servers flush their fetches each on its own
			// schedule: one that flushes an older fetch after another
			// flushed a newer one must not move the record back (nor
			// make a calendar that has the latest change look behind).
			err := tx.Model(&feedTokenRow{}).Where("id = ? AND (last_fetched_at IS NULL OR last_fetched_at < ?)", f.ID, utc(f.At)).
				Updates(map[string]any{"last_fetched_at": utc(f.At), "last_fetched_version": f.Version}).Error
			if err != nil {
				return err
			}
		}
		return nil
	})
	return s.wrap(err, "cannot record the feed fetches")
}

// ListenFeedChanges calls changed whenever a transaction that raised the
// feed change counter commits, on PostgreSQL, until ctx is done or the
// connection fails; it returns that error. It first calls ready, once it
// listens, so that a caller can read the counter knowing no later change
// goes unannounced. It holds one connection of the pool while it runs. On
// SQLite, which has no notifications, it returns EUNAVAILABLE at once: poll
// FeedChangeSeq instead.
func (s *Store) ListenFeedChanges(ctx context.Context, ready, changed func()) error {
	if s.dialect != DialectPostgres {
		return programme.Errorf(programme.EUNAVAILABLE, "%s has no change notifications", s.dialect)
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return s.wrap(err, "cannot listen for feed changes")
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return s.wrap(err, "cannot listen for feed changes")
	}
	// The connection has been listening: driver.ErrBadConn makes
	// database/sql close it rather than pool it.
	defer func() { _ = conn.Raw(func(any) error { return driver.ErrBadConn }); _ = conn.Close() }()
	return conn.Raw(func(dc any) error {
		pc, ok := dc.(*stdlib.Conn)
		if !ok {
			return programme.Errorf(programme.EINTERNAL, "the PostgreSQL driver is not pgx")
		}
		c := pc.Conn()
		if _, err := c.Exec(ctx, "LISTEN "+pgx.Identifier{FeedChangesChannel}.Sanitize()); err != nil {
			return s.wrap(err, "cannot listen for feed changes")
		}
		ready()
		for {
			if _, err := c.WaitForNotification(ctx); err != nil {
				return s.wrap(err, "lost the feed change notifications")
			}
			changed()
		}
	})
}
