package feeds

import (
	"context"
	"sync"
	"time"

	"github.com/planner-dev/planner/internal/store"
)

// FetchFlushInterval is how often Watch writes the fetches it collected:
// `planner feeds` and the staff pages learn of a fetch at most this late.
const FetchFlushInterval = 10 * time.Second

// fetchLog remembers the latest fetch recorded for each token and, while
// Watch runs, collects fetches to write them in one transaction every
// FetchFlushInterval rather than one write per request.
type fetchLog struct {
	mu       sync.RWMutex // read-locked by latest, on every poll
	batching bool
	marks    map[int64]store.FeedFetch // latest recorded or pending, by token id
	pending  map[int64]store.FeedFetch
}

func newFetchLog() *fetchLog {
	return &fetchLog{marks: map[int64]store.FeedFetch{}, pending: map[int64]store.FeedFetch{}}
}

// latest returns the latest fetch known for a token, from its row or from
// this log, whichever is later.
func (l *fetchLog) latest(tok store.FeedToken) (store.FeedFetch, bool) {
	l.mu.RLock()
	mark, ok := l.marks[tok.ID]
	l.mu.RUnlock()
	if tok.LastFetchedAt != nil && (!ok || tok.LastFetchedAt.After(mark.At)) {
		return store.FeedFetch{ID: tok.ID, At: *tok.LastFetchedAt, Version: tok.LastFetchedVersion}, true
	}
	return mark, ok
}

// add notes a fetch, either written already or, while batching, to be
// written by the next flush; it reports whether it was left for the flush.
// A fetch not written and not batched is not noted.
func (l *fetchLog) add(f store.FeedFetch, written bool) (batched bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !written && !l.batching {
		return false
	}
	if len(l.marks) >= maxKnownTokens {
		clear(l.marks)
	}
	l.marks[f.ID] = f
	if written {
		return false
	}
	l.pending[f.ID] = f
	return true
}

// forget drops what is known of a token's fetches, as its rotation starts
// it over with none.
func (l *fetchLog) forget(id int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.marks, id)
	delete(l.pending, id)
}

func (l *fetchLog) isBatching() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.batching
}

func (l *fetchLog) setBatching(on bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.batching = on
}

// FlushFetches writes the fetches collected since the last flush. Fetches
// it could not write are kept for the next one.
func (s *Service) FlushFetches(ctx context.Context) error {
	l := s.fetches
	l.mu.Lock()
	batch := make([]store.FeedFetch, 0, len(l.pending))
	for _, f := range l.pending {
		batch = append(batch, f)
	}
	clear(l.pending)
	l.mu.Unlock()
	err := s.store.RecordFeedFetches(ctx, batch)
	if err != nil {
		l.mu.Lock()
		for _, f := range batch {
			if _, newer := l.pending[f.ID]; !newer {
				l.pending[f.ID] = f
			}
		}
		l.mu.Unlock()
	}
	return err
}
