package feeds

import (
	"context"
	"time"
)

// RevocationCheckInterval is how often Watch asks the database
// whether the tokens this server keeps feed bodies for still work. It bounds
// how long this server keeps a token that another process (`planner feeds
// --revoke`, or another `serve` on the same database) revoked or rotated, for
// its outage fallback; any request for the token itself drops it at once.
const RevocationCheckInterval = 5 * time.Second

// CheckRevocations asks the database, in one indexed query (per 500
// tokens), which of the tokens this Service keeps bodies for still work. It
// drops the bodies of the others, revoked or rotated by whichever process,
// and records for the rest that they were confirmed now, which keeps them
// servable by the outage fallback (see LastRendered). It returns how many
// tokens it dropped; a failed check changes nothing.
func (s *Service) CheckRevocations(ctx context.Context) (dropped int, err error) {
	tokens, epoch := s.bodies.tokens()
	if len(tokens) == 0 {
		return 0, nil
	}
	at := s.now()
	hashes := make([][]byte, len(tokens))
	for i, token := range tokens {
		hashes[i] = HashToken(token)
	}
	active, err := s.store.ActiveFeedTokenHashes(ctx, hashes)
	if err != nil {
		return 0, err
	}
	// Confirmations first: a drop starts a new epoch, after which a
	// confirmation from this query would rightly no longer count.
	for i, token := range tokens {
		if active[string(hashes[i])] {
			s.bodies.confirm(token, at, epoch)
		}
	}
	for i, token := range tokens {
		if !active[string(hashes[i])] {
			s.bodies.dropToken(token, true)
			dropped++
		}
	}
	return dropped, nil
}
