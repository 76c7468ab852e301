package web

import (
	"context"

	"github.com/planner-dev/planner/internal/programme"
)

// Store is what the web server needs from the database. The store package
// implements it; tests use a fake. Methods return domain errors, such as
// ENOTFOUND for an unknown slug and EUNAVAILABLE while the database restarts.
type Store interface {
	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
	// Programmes lists every programme with its top-level fields only.
	Programmes(ctx context.Context) ([]programme.Programme, error)
	// Programme returns one whole programme, or an ENOTFOUND error.
	Programme(ctx context.Context, slug string) (*programme.Programme, error)
}
