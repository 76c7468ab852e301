package feeds

import (
	"context"
	"log/slog"
	"time"

	"github.com/planner-dev/planner/internal/store"
)

// Watch keeps this Service's memory current until ctx is done, so that in
// steady state a feed request asks the database nothing: it checks the
// change counter every ChangePollInterval and, on PostgreSQL, at once on
// every change notification (see SyncChanges); it checks the tokens behind
// kept bodies every RevocationCheckInterval and after every change (see
// CheckRevocations); and it collects fetch records and writes them every
// FetchFlushInterval, and once more when ctx is done; and it renders again
// the agenda pages read lately as their intervals end (RefreshPages). A nil
// log logs nothing.
func (s *Service) Watch(ctx context.Context, log *slog.Logger) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s.fetches.setBatching(true)
	defer func() {
		s.fetches.setBatching(false)
		s.mem.distrust()
		flushCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := s.FlushFetches(flushCtx); err != nil {
			log.Warn("writing the last feed fetches failed", "err", err)
		}
	}()

	changed := make(chan struct{}, 1)
	signal := func() {
		select {
		case changed <- struct{}{}:
		default:
		}
	}
	listening := make(chan struct{})
	go func() {
		defer close(listening)
		s.listen(ctx, signal, log)
	}()
	defer func() { <-listening }()
	// Fetches are written by a goroutine of their own: a flush after a
	// minute of polls by thousands of calendars is thousands of updates,
	// which took seconds on a busy machine, and a check for changes that
	// waited behind it let memory's trust lapse (ChangeTrustWindow), so
	// that every request asked the database while the load lasted.
	flushing := make(chan struct{})
	go func() {
		defer close(flushing)
		flush := time.NewTicker(FetchFlushInterval)
		defer flush.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-flush.C:
				if err := s.FlushFetches(ctx); err != nil && ctx.Err() == nil {
					log.Warn("writing feed fetches failed; kept for the next try", "err", err)
				}
			}
		}
	}()
	defer func() { <-flushing }()
	// Pages read lately are rendered again as their intervals end, so
	// that a request after a quiet spell finds its page kept
	// (page_refresh.go); the renders in flight end with ctx.
	refreshing := make(chan struct{})
	go func() {
		defer close(refreshing)
		s.refreshPagesLoop(ctx)
	}()
	defer func() { <-refreshing }()

	poll := time.NewTicker(ChangePollInterval)
	defer poll.Stop()
	revocations := time.NewTicker(RevocationCheckInterval)
	defer revocations.Stop()
	lastSeq := int64(-1)
	sync := func() {
		dropped, err := s.syncChanges(ctx)
		if err != nil {
			if ctx.Err() == nil {
				log.Debug("checking for feed changes failed", "err", err)
			}
			return
		}
		// A change may have revoked the token of a kept body that memory
		// does not know (it was never looked up through memory).
		if seq := s.mem.currentSeq(); seq != lastSeq {
			lastSeq = seq
			more, err := s.CheckRevocations(ctx)
			if err != nil && ctx.Err() == nil {
				log.Debug("checking the feed links kept in memory for revocations failed", "err", err)
			}
			dropped += more
		}
		if dropped > 0 {
			log.Info("dropped feed links revoked or rotated elsewhere from memory", "links", dropped)
		}
	}
	sync()
	for {
		select {
		case <-ctx.Done():
			return
		case <-changed:
			sync()
		case <-poll.C:
			sync()
		case <-revocations.C:
			s.checkRevocations(ctx, log)
		}
	}
}

// listen relays change notifications while the database sends them,
// connecting again after a failure; on SQLite it returns at once.
func (s *Service) listen(ctx context.Context, signal func(), log *slog.Logger) {
	if s.store.Dialect() != store.DialectPostgres {
		return
	}
	for ctx.Err() == nil {
		err := s.store.ListenFeedChanges(ctx, signal, signal)
		if ctx.Err() != nil {
			return
		}
		log.Debug("feed change notifications lost; polling until they are back", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(ChangePollInterval):
		}
	}
}

func (s *Service) checkRevocations(ctx context.Context, log *slog.Logger) {
	dropped, err := s.CheckRevocations(ctx)
	switch {
	case err != nil && ctx.Err() == nil:
		log.Debug("checking the feed links kept in memory for revocations failed", "err", err)
	case dropped > 0:
		log.Info("dropped feed links revoked or rotated elsewhere from memory", "links", dropped)
	}
}

func (m *memory) currentSeq() int64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.seq
}
