package feeds

import (
	"sync"
	"sync/atomic"
	"time"
)

// answerRefresh bounds how far memory's latest check may be ahead of the
// one an answer was made under before the answer is worked out again (see
// answers). Working it out confirms the token's cache entry at that check,
// which the outage fallback's window counts from (OutageServeWindow), and
// moves the entry to the front of the cache's order when it was falling
// back: a feed polled only through its answer is still known to work, and
// still among the most recently used, to within this much.
const answerRefresh = 10 * time.Second

// answers keeps, by token, the feed LookupInMemory last worked out from
// memory and the body cache. A calendar polls the same feed over and over
// while nothing changes, and working the feed out takes a hash of the
// token, three maps and as many locks, each a cache miss on a busy server;
// an answer kept costs one map lookup and a few atomic loads. It belongs
// to the body cache, whose entries it shares.
//
// An answer is given only while nothing it was made from has changed:
//   - The body cache deletes a token's answer, under its own lock, as it
//     changes the token's entry or validator, and deletes them all as a
//     drop starts a new epoch. An answer is made under that lock too
//     (bodyCache.remember), from what the cache holds then, so that none
//     outlives the state it was made from. It never holds a body that the
//     cache has let go of, so it keeps no memory beyond the cache's bounds.
//   - Memory's changes counter must be the one the answers were made under
//     (memChanges): a token dropped, a programme's version, a change of
//     this process's own. The first answer made under a newer counter
//     clears the others.
//   - Memory must be trusted now (memory.trusted), the day must be the
//     answer's, and memory's latest check no more than answerRefresh ahead
//     of the answer's.
//
// A nil *answers keeps nothing. All methods are safe for concurrent use.
type answers struct {
	mu      sync.RWMutex
	byToken map[string]*answer
	// memChanges is memory's changes counter the answers were made under.
	memChanges uint64
}

// answer is a feed as LookupInMemory gave it: f without its instant, for
// day, as memory's check at f.stamp.confirmed found it.
type answer struct {
	f   Feed
	day time.Time
	// fetched is when a fetch of f's version was last recorded, in Unix
	// nanoseconds, or 0: RecordFetch records one a minute, and asks the
	// fetch log only when this does not tell.
	fetched atomic.Int64
}

func newAnswers() *answers { return &answers{byToken: map[string]*answer{}} }

// give sets *f to token's answer, for now, if it still holds: memory's
// counter is memChanges, it is trusted until trusted and was checked at
// checked (Unix nanoseconds, as memory keeps them).
func (as *answers) give(token string, now time.Time, memChanges uint64, trusted, checked int64, f *Feed) bool {
	if as == nil {
		return false
	}
	as.mu.RLock()
	a := as.byToken[token]
	stale := as.memChanges != memChanges
	as.mu.RUnlock()
	if a == nil || stale {
		return false
	}
	at := now.UnixNano()
	if at >= trusted || checked-a.f.stamp.confirmed.UnixNano() >= int64(answerRefresh) || !a.day.Equal(feedDay(now)) {
		return false
	}
	*f = a.f
	f.now, f.answer = now, a
	return true
}

// keep makes f token's answer for day, made under memory's counter
// memChanges. The body cache's lock is held (see bodyCache.remember).
func (as *answers) keep(token string, f *Feed, day time.Time, memChanges uint64) {
	if as == nil {
		return
	}
	as.mu.Lock()
	defer as.mu.Unlock()
	switch {
	case memChanges < as.memChanges:
		return // made before a change that others have seen
	case memChanges > as.memChanges || len(as.byToken) >= maxKnownTokens:
		clear(as.byToken)
		as.memChanges = memChanges
	}
	a := &answer{f: *f, day: day}
	a.f.now, a.f.answer = time.Time{}, nil
	as.byToken[token] = a
}

// drop deletes token's answer. The body cache's lock is held for writing.
func (as *answers) drop(token string) {
	if as == nil {
		return
	}
	as.mu.Lock()
	defer as.mu.Unlock()
	delete(as.byToken, token)
}

// dropAll deletes every answer. The body cache's lock is held for writing.
func (as *answers) dropAll() {
	if as == nil {
		return
	}
	as.mu.Lock()
	defer as.mu.Unlock()
	clear(as.byToken)
}
