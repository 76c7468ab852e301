package feeds

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
)

// Change notification settings of Watch.
const (
	// ChangePollInterval is how often Watch reads the change counter
	// (store.FeedChangeSeq): on SQLite it is how another process's change
	// reaches this server; on PostgreSQL notifications bring changes at
	// once and the poll is a safety net.
	ChangePollInterval = time.Second
	// ChangeTrustWindow is how long after the start of the last check that
	// found memory current this server answers from memory alone. It bounds
	// how long a token revoked by another process can still work here when
	// checks fail or lag; past it, every request asks the database again.
	ChangeTrustWindow = 3 * time.Second
	// maxKnownTokens bounds the tokens kept in memory (about 300 bytes each).
	maxKnownTokens = 1 << 20
)

// memory is what a Service knows of the database without asking it: the
// tokens it has looked up, by hash, and every programme's version. Only
// while Watch keeps it current (see trusted) does it answer instead of the
// database; otherwise every lookup asks the database, as before Watch runs.
type memory struct {
	mu sync.RWMutex
	// trustedUntil is when memory stops answering without a new check, and
	// checkedAt when the latest check that found it current began.
	trustedUntil time.Time
	checkedAt    time.Time
	seq          int64
	seqKnown     bool
	versions     map[string]store.ProgrammeStamp
	// slugs holds, by slug, what versions says of each programme a known
	// token belongs to (see setVersions), so that a lookup finds its
	// token's programme version through the token, not in versions too.
	slugs map[string]*slugVersion
	// written holds, by slug, the version a change committed by this
	// process left a programme at, while versions is older (see wrote).
	written map[string]int64
	// tokens holds pointers: a map whose values are over 128 bytes takes
	// the runtime's generic, slower lookup, and every poll looks one up.
	tokens map[string]*knownToken // by string(hash)
	// maxTokens is maxKnownTokens but in tests.
	maxTokens int
	// gen is raised whenever memory learns of a change or drops tokens: a
	// token looked up in the database during an older generation may have
	// been revoked since, and is not added.
	gen uint64

	// What the answers kept for polls (answers.go) are checked against,
	// without the lock: changes is raised, under the lock, by every change
	// to what memory says of a token it knows (tokens dropped, a
	// programme's version, this process's own change); trusted and checked
	// are trustedUntil and checkedAt, in Unix nanoseconds (0: never).
	changes          atomic.Uint64
	trusted, checked atomic.Int64
}

type knownToken struct {
	row   store.FeedToken
	token string
	// subject is subjectKey of the row, made once rather than per request.
	subject string
	// version is memory's slugs entry of the row's programme.
	version *slugVersion
}

// slugVersion is what memory's versions says of one programme: its
// version, and whether it has one. It changes with versions, under the
// write lock (setVersions); lookups read it under the read lock.
type slugVersion struct {
	stamp store.ProgrammeStamp
	known bool
}

// setTrust sets checkedAt and trustedUntil, and their copies for answers.
// m.mu is held for writing.
func (m *memory) setTrust(checkedAt, trustedUntil time.Time) {
	m.checkedAt, m.trustedUntil = checkedAt, trustedUntil
	m.checked.Store(unixNano(checkedAt))
	m.trusted.Store(unixNano(trustedUntil))
}

// unixNano is t in Unix nanoseconds, and 0 for the zero time.
func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func newMemory() *memory {
	return &memory{versions: map[string]store.ProgrammeStamp{}, slugs: map[string]*slugVersion{},
		written: map[string]int64{}, tokens: map[string]*knownToken{}, maxTokens: maxKnownTokens}
}

// setVersions makes versions memory's versions of the programmes, and
// brings slugs in line with it. m.mu is held for writing.
func (m *memory) setVersions(versions map[string]store.ProgrammeStamp) {
	m.versions = versions
	for slug, sv := range m.slugs {
		sv.stamp, sv.known = versions[slug]
	}
}

// slugVersion returns slugs' entry of slug, made as versions says when
// there is none yet. m.mu is held for writing.
func (m *memory) slugVersion(slug string) *slugVersion {
	sv, ok := m.slugs[slug]
	if !ok {
		sv = &slugVersion{}
		sv.stamp, sv.known = m.versions[slug]
		m.slugs[slug] = sv
	}
	return sv
}

// wrote records that this process committed a change leaving programme
// slug at version (store.OnProgrammeWrite): until memory has caught up
// with it, memory does not answer for the programme's version and lookups
// ask the database, so that the next request of this process sees its own
// change at once, not when the change counter's notification or poll
// arrives.
func (m *memory) wrote(slug string, version int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.versions[slug]; ok && v.Version >= version {
		return
	}
	m.written[slug] = max(m.written[slug], version)
	m.changes.Add(1)
}

// knownVersion is slug's version when memory knows it and it is no older
// than this process's own latest change. m.mu is held.
func (m *memory) knownVersion(slug string) (store.ProgrammeStamp, bool) {
	v, ok := m.versions[slug]
	return m.unlessWritten(slug, v, ok)
}

// unlessWritten is v, ok unless this process changed slug since memory
// learnt v (see wrote). m.mu is held.
func (m *memory) unlessWritten(slug string, v store.ProgrammeStamp, ok bool) (store.ProgrammeStamp, bool) {
	if !ok || len(m.written) > 0 && v.Version < m.written[slug] {
		return store.ProgrammeStamp{}, false
	}
	return v, true
}

// token returns the row of the token with hash, and when it was last
// confirmed to work, while memory is trusted at now.
func (m *memory) token(hash []byte, now time.Time) (store.FeedToken, time.Time, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if !now.Before(m.trustedUntil) {
		return store.FeedToken{}, time.Time{}, false
	}
	k, ok := m.tokens[string(hash)]
	if !ok {
		return store.FeedToken{}, time.Time{}, false
	}
	return k.row, m.checkedAt, true
}

// lookup is token, and then version for the token's programme, under one
// lock: what every feed request asks. versionKnown is false when memory
// knows the token but not its programme's version.
// The knownToken is shared and never modified: callers only read it.
func (m *memory) lookup(hash []byte, now time.Time) (k *knownToken, checked time.Time, v store.ProgrammeStamp, versionKnown, ok bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if !now.Before(m.trustedUntil) {
		return nil, time.Time{}, store.ProgrammeStamp{}, false, false
	}
	k, ok = m.tokens[string(hash)]
	if !ok {
		return nil, time.Time{}, store.ProgrammeStamp{}, false, false
	}
	// As knownVersion(k.row.Programme), without the lookup in versions.
	v, versionKnown = m.unlessWritten(k.row.Programme, k.version.stamp, k.version.known)
	return k, m.checkedAt, v, versionKnown, true
}

// version returns a programme's version while memory is trusted at now,
// unless this process changed the programme since memory learnt it.
func (m *memory) version(slug string, now time.Time) (store.ProgrammeStamp, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if !now.Before(m.trustedUntil) {
		return store.ProgrammeStamp{}, false
	}
	return m.knownVersion(slug)
}

// trustedVersions returns every programme's version while memory is
// trusted at now, else nil. The map is never modified once memory holds
// it (syncChanges replaces it whole): callers may read it without the
// lock, and must not modify it.
func (m *memory) trustedVersions(now time.Time) map[string]store.ProgrammeStamp {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if !now.Before(m.trustedUntil) {
		return nil
	}
	return m.versions
}

func (m *memory) generation() uint64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.gen
}

// addToken keeps a token the database just found working, unless memory
// learnt of a change since the query began (gen is older).
func (m *memory) addToken(hash []byte, row store.FeedToken, token string, gen uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if gen != m.gen {
		return
	}
	if len(m.tokens) >= m.maxTokens {
		clear(m.tokens)
		m.changes.Add(1)
	}
	m.tokens[string(hash)] = &knownToken{row: row, token: token, subject: subjectKey(row.Programme, row.Kind, row.Key),
		version: m.slugVersion(row.Programme)}
}

// dropSubject forgets every token of one feed, as its revocation or
// rotation by this process commits.
func (m *memory) dropSubject(slug, kind, key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gen++
	m.changes.Add(1)
	for h, k := range m.tokens {
		if k.row.Programme == slug && k.row.Kind == kind && k.row.Key == key {
			delete(m.tokens, h)
		}
	}
}

// distrust stops memory answering until the next successful check.
func (m *memory) distrust() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.setTrust(m.checkedAt, time.Time{})
}

// ChangeStamp returns the change counter (store.FeedChangeSeq) this
// Service's memory is current with, and ok only while memory is trusted
// now: within ChangeTrustWindow of the start of the last check that found
// it current (Watch or SyncChanges). It lets what others keep in memory
// share that check (store.Store.RememberAuth): something read from the
// database after a call that returned seq is current for as long as calls
// return seq with ok. Without Watch running, ok is false once the window
// has passed.
func (s *Service) ChangeStamp() (seq int64, ok bool) {
	m := s.mem
	now := s.now()
	m.mu.RLock()
	defer m.mu.RUnlock()
	if !m.seqKnown || !now.Before(m.trustedUntil) {
		return 0, false
	}
	return m.seq, true
}

// SyncChanges brings this Service's memory up to date with the database:
// one query when nothing changed; after a change (of any process), the
// programmes' versions and a check of the tokens it knows, dropping those
// revoked or rotated. Until it succeeds, and ChangeTrustWindow after the
// last success, lookups ask the database. Watch calls it on every change
// notification and every ChangePollInterval.
func (s *Service) SyncChanges(ctx context.Context) error {
	_, err := s.syncChanges(ctx)
	return err
}

// syncChanges is SyncChanges, reporting how many known tokens it dropped.
func (s *Service) syncChanges(ctx context.Context) (dropped int, err error) {
	m := s.mem
	start := s.now()
	seq, err := s.store.FeedChangeSeq(ctx)
	if err != nil {
		m.distrust()
		return 0, err
	}
	m.mu.Lock()
	if m.seqKnown && m.seq == seq {
		m.setTrust(start, start.Add(ChangeTrustWindow))
		m.mu.Unlock()
		return 0, nil
	}
	// Something changed: nothing looked up from here on is added unless
	// its query began after this point, which sees the change.
	m.gen++
	gen := m.gen
	m.setTrust(m.checkedAt, time.Time{})
	hashes := make([][]byte, 0, len(m.tokens))
	for h := range m.tokens {
		hashes = append(hashes, []byte(h))
	}
	m.mu.Unlock()

	versions, err := s.store.ProgrammeVersions(ctx)
	if err != nil {
		return 0, err
	}
	active, err := s.store.ActiveFeedTokenHashes(ctx, hashes)
	if err != nil {
		return 0, err
	}
	var gone []string
	m.mu.Lock()
	for _, h := range hashes {
		if k, ok := m.tokens[string(h)]; ok && !active[string(h)] {
			delete(m.tokens, string(h))
			gone = append(gone, k.token)
		}
	}
	m.setVersions(versions)
	m.changes.Add(1)
	for slug, v := range m.written {
		if versions[slug].Version >= v {
			delete(m.written, slug)
		}
	}
	m.seq, m.seqKnown = seq, true
	if m.gen == gen {
		m.setTrust(start, start.Add(ChangeTrustWindow))
	}
	m.mu.Unlock()
	for _, token := range gone {
		s.bodies.dropToken(token, true)
	}
	return len(gone), nil
}

// snapshots keeps the latest loaded state of each programme, so that a
// change loads a programme once, not once per feed it touches.
type snapshots struct {
	mu     sync.Mutex
	bySlug map[string]*snapshotSlot
}

type snapshotSlot struct {
	// loading lets one request load the programme while the others wait
	// for its result.
	loading sync.Mutex
	p       atomic.Pointer[programme.Programme]
}

func (ss *snapshots) slot(slug string) *snapshotSlot {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.bySlug == nil {
		ss.bySlug = map[string]*snapshotSlot{}
	}
	sl, ok := ss.bySlug[slug]
	if !ok {
		sl = &snapshotSlot{}
		ss.bySlug[slug] = sl
	}
	return sl
}

// programme returns the programme at version, or a newer one when it was
// imported since; it loads it from the database only when no request has
// yet. The programme is shared: callers must not modify it.
func (s *Service) programme(ctx context.Context, slug string, version int64) (*programme.Programme, error) {
	sl := s.snaps.slot(slug)
	seen := sl.p.Load()
	if seen != nil && seen.Version == version {
		return seen, nil
	}
	sl.loading.Lock()
	defer sl.loading.Unlock()
	// A programme loaded while this request waited began loading no
	// earlier than the other request's lookup; it serves this one too
	// unless it is older than what this one looked up.
	if p := sl.p.Load(); p != nil && (p.Version == version || p != seen && p.Version > version) {
		return p, nil
	}
	p, err := s.store.Programme(ctx, slug)
	if err != nil {
		return nil, err
	}
	// Every feed of the programme is rendered from this one copy: its
	// lookups by key must not scan thousands of people each time.
	p.IndexKeys()
	sl.p.Store(p)
	return p, nil
}
