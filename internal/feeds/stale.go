package feeds

import "time"

// OutageServeWindow bounds how long after the database last confirmed that a
// token works the outage fallback may still serve the token's feed. A token
// revoked by another process shortly before an outage (after this server's
// last revocation check, see RevocationCheckInterval), or while this server
// alone cannot reach the database, is served at most this long after that
// confirmation; a longer outage gets errors, as calendars survive those.
const OutageServeWindow = 10 * time.Minute

// Stale is the last version of a feed this server rendered, for when the
// database cannot be asked.
type Stale struct {
	ETag string
	Body []byte
	// Gzip is Body compressed, nil when no client asked for it.
	Gzip []byte
}

// LastRendered returns the last body this process rendered for token, under
// whatever version it had then. It asks no database, so it is what to serve
// while the database is down: Thunderbird disables a calendar whose feed
// answers with an error, and a slightly old agenda is better than none on
// the day. Only a token that the database confirmed to work within the last
// OutageServeWindow, and that was not found revoked or rotated since (by a
// lookup, by this Service's Revoke or Rotate, or by CheckRevocations), has
// one; nothing survives a restart, since the cache lives in memory only. The
// bytes are shared: callers must not modify them.
func (s *Service) LastRendered(token string) (Stale, bool) {
	etag, body, gz, ok := s.bodies.last(token, s.now().Add(-OutageServeWindow))
	if !ok {
		return Stale{}, false
	}
	if body == nil {
		// Only the gzip body was kept (see bodyCache.shrink).
		var err error
		if body, err = gunzipBody(gz); err != nil {
			return Stale{}, false
		}
	}
	return Stale{ETag: etag, Body: body, Gzip: gz}, true
}
