package store

import "sync"

// programmeWrites holds the functions told of the programme changes a Store
// commits (see OnProgrammeWrite).
type programmeWrites struct {
	mu    sync.RWMutex
	hooks []func(slug string, version int64)
}

// OnProgrammeWrite has fn called after every change to a programme that
// this Store commits (Import, ImportChange, Change, Undo, ImportCalendar:
// every write path goes through apply), with the programme's slug and its
// version after the change, before the call that made the change returns.
// So a process that keeps programme versions in memory (internal/feeds)
// sees its own writes at once, without waiting for the change counter
// (FeedChangeSeq) or its notification. A dry run, a change that changed
// nothing and a change that failed are not reported; nor is a change by
// another Store or process, which only FeedChangeSeq tells. fn is called
// on the writing goroutine: it must be quick, and must not write through
// the store.
func (s *Store) OnProgrammeWrite(fn func(slug string, version int64)) {
	if s.writes == nil || fn == nil {
		return
	}
	s.writes.mu.Lock()
	defer s.writes.mu.Unlock()
	s.writes.hooks = append(s.writes.hooks, fn)
}

// wrote tells the functions of OnProgrammeWrite that a change to slug
// committed, leaving it at version. A Store working inside a transaction of
// another (ImportCalendar) has no writes: the outer one tells, once its
// own transaction commits.
func (s *Store) wrote(slug string, version int64) {
	if s.writes == nil || version == 0 {
		return
	}
	s.writes.mu.RLock()
	hooks := s.writes.hooks
	s.writes.mu.RUnlock()
	for _, fn := range hooks {
		fn(slug, version)
	}
}
