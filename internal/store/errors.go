package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/ncruces/go-sqlite3"
	"gorm.io/gorm"

	"github.com/planner-dev/planner/internal/programme"
)

// wrap turns a database error into a domain error. what is a plain sentence
// saying what failed; the underlying error is kept for logs only, since its
// text names tables and constraints.
func (s *Store) wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	var domain *programme.Error
	if errors.As(err, &domain) {
		return err
	}
	e := &programme.Error{Code: programme.EINTERNAL, Message: what, Err: err}
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		e.Code, e.Message = programme.ENOTFOUND, what
	case errors.Is(err, gorm.ErrDuplicatedKey):
		e.Code, e.Message = programme.ECONFLICT, what+": an item with the same key already exists"
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		e.Code, e.Message = programme.ECONFLICT, what+": it refers to an item that does not exist"
	case errors.Is(err, context.Canceled):
		// The caller gave up (a client that went away): not an outage, and
		// not a bug either. The cause stays context.Canceled, so that the
		// web layer can tell it apart.
		e.Message = what + ": the request was cancelled"
	case unavailable(err):
		e.Code, e.Message = programme.EUNAVAILABLE, "The database is unavailable; try again in a moment."
	}
	return e
}

// unavailable reports whether err means the database cannot be reached or
// is restarting, so that callers answer "try again" rather than "bug".
func unavailable(err error) bool {
	// pgx reports a cancelled context as an error that is "safe to retry",
	// but the database was never asked to fail: the caller went away.
	if errors.Is(err, context.Canceled) {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "57P01", // admin_shutdown
			pgErr.Code == "57P02",               // crash_shutdown
			pgErr.Code == "57P03",               // cannot_connect_now
			pgErr.Code == "53300",               // too_many_connections
			strings.HasPrefix(pgErr.Code, "08"): // connection exceptions
			return true
		}
		return false
	}
	// SQLite errors claim to be temporary (net.Error's methods) when busy;
	// only busy and locked mean "try again".
	// The driver returns either an *sqlite3.Error or a bare code; errors.As
	// finds the primary code in both.
	var code sqlite3.ErrorCode
	if errors.As(err, &code) {
		return code == sqlite3.BUSY || code == sqlite3.LOCKED
	}
	var connectErr *pgconn.ConnectError
	var opErr *net.OpError
	switch {
	case errors.As(err, &connectErr),
		errors.As(err, &opErr),
		errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, driver.ErrBadConn),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, context.DeadlineExceeded),
		pgconn.SafeToRetry(err):
		return true
	}
	return false
}
