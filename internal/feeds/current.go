package feeds

import (
	"context"

	"github.com/planner-dev/planner/internal/programme"
)

// Current returns programme slug as the database holds it now, from the
// copy the feeds share (one per version, with its keys indexed): it asks
// the database the programme's version, one small query, and loads the
// whole programme only when no request has loaded that version yet. So a
// change by this process or another is seen by the next call, with no
// trust window. The programme is shared: callers must not modify it. An
// unknown slug is ENOTFOUND.
func (s *Service) Current(ctx context.Context, slug string) (*programme.Programme, error) {
	version, _, err := s.store.ProgrammeVersion(ctx, slug)
	if err != nil {
		return nil, err
	}
	return s.programme(ctx, slug, version)
}
