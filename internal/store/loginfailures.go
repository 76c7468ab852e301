package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// LoginFailureWindow is the count of failed logins of one key in the window
// that started at Start.
type LoginFailureWindow struct {
	Start    time.Time
	Failures int
}

// loginFailureKey is what the table keeps of a throttle key: its SHA-256,
// so that it holds no e-mail or client address.
func loginFailureKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// LoginFailureWindows returns the current windows of failed logins of keys
// (migration 0018), by key; a key with no failures is absent. Windows that
// have ended may be among them: the caller knows the window's length.
func (s *Store) LoginFailureWindows(ctx context.Context, keys ...string) (map[string]LoginFailureWindow, error) {
	byHash := make(map[string]string, len(keys))
	hashes := make([]string, 0, len(keys))
	for _, k := range keys {
		h := loginFailureKey(k)
		byHash[h] = k
		hashes = append(hashes, h)
	}
	var rows []struct {
		KeyHash     string
		WindowStart int64
		Failures    int
	}
	err := s.db.WithContext(ctx).Raw("SELECT key_hash, window_start, failures FROM login_failures WHERE key_hash IN ?", hashes).
		Scan(&rows).Error
	if err != nil {
		return nil, s.wrap(err, "cannot read the failed logins")
	}
	out := make(map[string]LoginFailureWindow, len(rows))
	for _, r := range rows {
		out[byHash[r.KeyHash]] = LoginFailureWindow{Start: time.UnixMilli(r.WindowStart).UTC(), Failures: r.Failures}
	}
	return out, nil
}

// RecordLoginFailure counts one failed login at now against every key: in
// the key's window if it started less than window ago, else in a new window
// starting now. Each key's count is one atomic statement, so that every
// instance's failures land in the same rows; rows whose window has ended are
// deleted on the way, skipping (on PostgreSQL) rows another instance is
// writing, so that two failures never wait for each other.
func (s *Store) RecordLoginFailure(ctx context.Context, now time.Time, window time.Duration, keys ...string) error {
	at, ended := now.UnixMilli(), now.Add(-window).UnixMilli()
	db := s.db.WithContext(ctx)
	for _, k := range keys {
		err := db.Exec(`INSERT INTO login_failures (key_hash, window_start, failures) VALUES (?, ?, 1)
			ON CONFLICT (key_hash) DO UPDATE SET
				failures = CASE WHEN login_failures.window_start <= ? THEN 1 ELSE login_failures.failures + 1 END,
				window_start = CASE WHEN login_failures.window_start <= ? THEN excluded.window_start ELSE login_failures.window_start END`,
			loginFailureKey(k), at, ended, ended).Error
		if err != nil {
			return s.wrap(err, "cannot record the failed login")
		}
	}
	cleanup := "DELETE FROM login_failures WHERE window_start <= ?"
	if s.dialect == DialectPostgres {
		cleanup = `DELETE FROM login_failures WHERE key_hash IN
			(SELECT key_hash FROM login_failures WHERE window_start <= ? FOR UPDATE SKIP LOCKED)`
	}
	if err := db.Exec(cleanup, ended).Error; err != nil {
		return s.wrap(err, "cannot delete ended windows of failed logins")
	}
	return nil
}

// ForgetLoginFailures forgets the failed logins of key.
func (s *Store) ForgetLoginFailures(ctx context.Context, key string) error {
	if err := s.db.WithContext(ctx).Exec("DELETE FROM login_failures WHERE key_hash = ?", loginFailureKey(key)).Error; err != nil {
		return s.wrap(err, "cannot forget the failed logins")
	}
	return nil
}
