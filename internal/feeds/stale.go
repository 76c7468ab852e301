package feeds

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
// the day. Only a token that worked when its feed was rendered can have one.
// The bytes are shared: callers must not modify them.
func (s *Service) LastRendered(token string) (Stale, bool) {
	etag, body, gz, ok := s.bodies.last(token)
	if !ok {
		return Stale{}, false
	}
	return Stale{ETag: etag, Body: body, Gzip: gz}, true
}
