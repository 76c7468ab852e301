package feeds

import (
	"context"

	"github.com/planner-dev/planner/internal/programme"
)

// Current returns programme slug as the database holds it now, from the
// copy the feeds share (one per version, with its keys indexed), loading
// the whole programme only when no request has loaded that version yet.
// The version comes from memory while Watch keeps it current (memory.go),
// so that a request asks the database nothing; otherwise, and while a
// change committed by this process is newer than what memory knows
// (store.OnProgrammeWrite), from the database, one small query. So a
// change by this process is seen by its next call at once, and one by
// another process as soon as Watch learns of it (a notification on
// PostgreSQL, ChangePollInterval on SQLite), within ChangeTrustWindow at
// worst. A write that must not act on a stale programme checks what it
// expects inside its own transaction (programme.ChangeRequest.Expect).
// The programme is shared: callers must not modify it. An unknown slug is
// ENOTFOUND.
func (s *Service) Current(ctx context.Context, slug string) (*programme.Programme, error) {
	if v, ok := s.mem.version(slug, s.now()); ok {
		return s.programme(ctx, slug, v.Version)
	}
	version, _, err := s.store.ProgrammeVersion(ctx, slug)
	if err != nil {
		return nil, err
	}
	return s.programme(ctx, slug, version)
}
