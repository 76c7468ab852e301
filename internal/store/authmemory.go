package store

import (
	"sync"
	"time"

	"github.com/planner-dev/planner/internal/programme"
)

// ChangeStamp says which value of the change counter (FeedChangeSeq) a
// server's memory is current with, and ok only while that memory is
// trusted: recently checked against the database (feeds.Service's
// ChangeStamp, kept current by its Watch).
type ChangeStamp func() (seq int64, ok bool)

// maxKnownAuth bounds each of the login sessions, accounts and API tokens
// authMemory keeps (a few hundred bytes each); a full map is cleared.
const maxKnownAuth = 1 << 16

// RememberAuth lets this Store answer FindSession, UserByID and
// APITokenUser from memory, without a round trip, while stamp says the
// memory is current (see ChangeStamp). Every request of a logged-in staff
// member or an API script asks those; without RememberAuth (or while stamp
// is not ok) each asks the database, as before.
//
// What is kept lives here, in the store, rather than in the packages that
// ask (web's login sessions, accounts, the API's tokens) because every
// write that must end it passes through the store whatever asks for it:
// the staff pages and the API both revoke API tokens, the accounts service
// changes roles that an API token acts with. A write through this Store
// forgets everything kept as it commits (read-your-writes); a write by any
// other process raises the change counter (migration 0019), and so ends
// everything kept once the caller of stamp learns of it.
//
// Call it before serving; stamp must not call back into this Store.
func (s *Store) RememberAuth(stamp ChangeStamp) {
	s.auth.mu.Lock()
	defer s.auth.mu.Unlock()
	s.auth.stamp = stamp
	s.auth.gen++
	s.auth.clearLocked()
}

// authMemory is what a Store knows of staff authentication without asking
// the database: login sessions by token, accounts by id and API tokens by
// hash, each found in the database while the change counter was at seq.
//
// An entry is kept with the stamp read before the query that found it, and
// only when the stamp is still the same, and trusted, once the query is
// done; it answers only while the stamp stays so. So a change by another
// process ends it once the stamp's owner learns of the change, and within
// its trust window at worst. A write through this Store raises gen and
// forgets everything as it commits: a lookup whose query began before
// (read at an older gen) may have read what the write changed, and is not
// kept.
type authMemory struct {
	mu    sync.RWMutex
	stamp ChangeStamp // nil: keep nothing
	// seq is the stamp every kept entry was read at; entries of another
	// are cleared by the first keep at a new one.
	seq      int64
	gen      uint64
	sessions map[string]knownSession
	users    map[int64]programme.User
	tokens   map[string]knownAPIToken // by string(hash)
}

type knownSession struct {
	data   []byte
	expiry time.Time
}

type knownAPIToken struct {
	row  apiTokenRow
	user programme.User
}

// authView is the state of memory a lookup began in: the stamp (ok when
// trusted) and gen.
type authView struct {
	seq int64
	gen uint64
	ok  bool
}

// view reads the stamp and gen, before a lookup asks memory or the
// database.
func (m *authMemory) view() authView {
	m.mu.RLock()
	stamp, gen := m.stamp, m.gen
	m.mu.RUnlock()
	if stamp == nil {
		return authView{}
	}
	seq, ok := stamp()
	return authView{seq: seq, gen: gen, ok: ok}
}

// current reports, under m.mu, whether what memory keeps answers in v.
func (m *authMemory) current(v authView) bool {
	return v.ok && v.gen == m.gen && v.seq == m.seq
}

func (m *authMemory) session(v authView, token string) (knownSession, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if !m.current(v) {
		return knownSession{}, false
	}
	k, ok := m.sessions[token]
	return k, ok
}

func (m *authMemory) user(v authView, id int64) (programme.User, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if !m.current(v) {
		return programme.User{}, false
	}
	u, ok := m.users[id]
	return u, ok
}

func (m *authMemory) token(v authView, hash []byte) (knownAPIToken, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if !m.current(v) {
		return knownAPIToken{}, false
	}
	k, ok := m.tokens[string(hash)]
	return k, ok
}

// keep runs put, which adds what a lookup that began in v found in the
// database, unless memory changed since v: a write through this Store
// (gen), or a change the stamp learnt of. It clears what was kept at an
// older stamp first.
func (m *authMemory) keep(v authView, put func()) {
	if !v.ok {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if v.gen != m.gen || m.stamp == nil {
		return
	}
	if seq, ok := m.stamp(); !ok || seq != v.seq {
		return
	}
	if m.seq != v.seq {
		m.clearLocked()
		m.seq = v.seq
	}
	put()
}

func (m *authMemory) keepSession(v authView, token string, k knownSession) {
	m.keep(v, func() {
		if len(m.sessions) >= maxKnownAuth {
			clear(m.sessions)
		}
		m.sessions[token] = k
	})
}

func (m *authMemory) keepUser(v authView, u programme.User) {
	m.keep(v, func() {
		if len(m.users) >= maxKnownAuth {
			clear(m.users)
		}
		m.users[u.ID] = u
	})
}

func (m *authMemory) keepToken(v authView, hash []byte, k knownAPIToken) {
	m.keep(v, func() {
		if len(m.tokens) >= maxKnownAuth {
			clear(m.tokens)
		}
		m.tokens[string(hash)] = k
	})
}

// claimTouch reports whether the kept token of hash was last used
// apiTokenTouchEvery or more before now, and if so marks it used at now,
// so that of the requests that find it so, one records the use.
func (m *authMemory) claimTouch(v authView, hash []byte, now time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.current(v) {
		return false
	}
	k, ok := m.tokens[string(hash)]
	if !ok || k.row.LastUsedAt != nil && now.Sub(*k.row.LastUsedAt) < apiTokenTouchEvery {
		return false
	}
	k.row.LastUsedAt = &now
	m.tokens[string(hash)] = k
	return true
}

// dropToken forgets one API token (its use could not be recorded).
func (m *authMemory) dropToken(hash []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.tokens, string(hash))
}

// forget ends everything kept, and every lookup under way, as a write
// through this Store commits. Writes of sessions, roles and tokens are
// rare, and each raises the change counter too, which would end it all at
// the next check anyway.
func (m *authMemory) forget() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gen++
	m.clearLocked()
}

func (m *authMemory) clearLocked() {
	if m.sessions == nil {
		m.sessions = map[string]knownSession{}
		m.users = map[int64]programme.User{}
		m.tokens = map[string]knownAPIToken{}
		return
	}
	clear(m.sessions)
	clear(m.users)
	clear(m.tokens)
}
