package store

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/ncruces/go-sqlite3"
	"gorm.io/gorm"

	"github.com/planner-dev/planner/internal/programme"
)

func TestWrapCodes(t *testing.T) {
	s := &Store{}
	// What pgx returns when the caller's context ends while it dials a new
	// connection: a connect error, with context.Canceled in its chain.
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	_, dialCancelled := pgconn.Connect(cancelled, "postgres://planner@127.0.0.1:1/none?connect_timeout=1")
	if dialCancelled == nil || !errors.Is(dialCancelled, context.Canceled) {
		t.Fatalf("dialling with a cancelled context: %v, want an error caused by context.Canceled", dialCancelled)
	}
	tests := []struct {
		name string
		err  error
		code string
	}{
		{"postgres shutting down", &pgconn.PgError{Code: "57P01"}, programme.EUNAVAILABLE},
		{"postgres starting up", fmt.Errorf("query: %w", &pgconn.PgError{Code: "57P03"}), programme.EUNAVAILABLE},
		{"postgres connection failure", &pgconn.PgError{Code: "08006"}, programme.EUNAVAILABLE},
		{"connection refused", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, programme.EUNAVAILABLE},
		{"sqlite busy", fmt.Errorf("begin: %w", sqlite3.BUSY), programme.EUNAVAILABLE},
		{"sqlite constraint is not busy", sqlite3.CONSTRAINT, programme.EINTERNAL},
		{"postgres syntax error", &pgconn.PgError{Code: "42601"}, programme.EINTERNAL},
		{"duplicate key", gorm.ErrDuplicatedKey, programme.ECONFLICT},
		{"foreign key", gorm.ErrForeignKeyViolated, programme.ECONFLICT},
		{"not found", gorm.ErrRecordNotFound, programme.ENOTFOUND},
		{"domain error kept", programme.Errorf(programme.EINVALID, "bad"), programme.EINVALID},
		{"cancelled by the caller", context.Canceled, programme.EINTERNAL},
		{"dial cancelled by the caller", dialCancelled, programme.EINTERNAL},
		{"anything else", errors.New("boom"), programme.EINTERNAL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.wrap(tt.err, "cannot do it")
			if got := programme.ErrorCode(err); got != tt.code {
				t.Errorf("code %q, want %q", got, tt.code)
			}
		})
	}
	if s.wrap(nil, "x") != nil {
		t.Error("wrap(nil) is not nil")
	}
}
