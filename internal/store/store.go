// Package store keeps programmes in SQLite or PostgreSQL through GORM. It owns
// the database rows, the queries and the migrations runner, and speaks only in
// domain types (package programme) and domain errors.
package store

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/ncruces/go-sqlite3/gormlite"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/migrations"
)

// Dialect names returned by (*Store).Dialect.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// Store is a programme database. It is safe for concurrent use.
type Store struct {
	db      *gorm.DB
	dialect string
	now     func() time.Time
	log     *slog.Logger
}

// Option configures a Store.
type Option func(*Store)

// WithNow injects the clock used for every time the store records
// (ModifiedAt, CreatedAt, UpdatedAt, token times). The default is time.Now.
func WithNow(now func() time.Time) Option {
	return func(s *Store) { s.now = now }
}

// WithLogger sends GORM's statement log to l at debug level. Statements are
// logged with placeholders, never with their values, so that token hashes and
// personal data stay out of the log.
func WithLogger(l *slog.Logger) Option {
	return func(s *Store) { s.log = l }
}

// Open connects to url: "postgres://" or "postgresql://" selects PostgreSQL;
// anything else is a SQLite file path, with an optional "sqlite:" prefix. It
// does not migrate: call Migrate.
func Open(ctx context.Context, url string, opts ...Option) (*Store, error) {
	s := &Store{now: time.Now, log: slog.New(slog.DiscardHandler)}
	for _, opt := range opts {
		opt(s)
	}
	var dialector gorm.Dialector
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		s.dialect = DialectPostgres
		dialector = postgres.Open(url)
	default:
		s.dialect = DialectSQLite
		dsn, err := sqliteDSN(url)
		if err != nil {
			return nil, err
		}
		dialector = gormlite.Open(dsn)
	}
	db, err := gorm.Open(dialector, &gorm.Config{
		// GORM's default clock is local time; the store records UTC only, at
		// the microsecond precision PostgreSQL keeps, so that both dialects
		// give back exactly what was written.
		NowFunc:                func() time.Time { return s.clock() },
		TranslateError:         true,
		PrepareStmt:            false,
		SkipDefaultTransaction: true,
		Logger:                 &gormLogger{log: s.log},
	})
	if err != nil {
		return nil, s.wrap(err, "cannot open the database")
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, s.wrap(err, "cannot open the database")
	}
	// database/sql keeps only two idle connections by default; opening a
	// connection costs a TCP and TLS handshake on PostgreSQL and a new
	// WebAssembly instance on SQLite, so keep the pool warm.
	if s.dialect == DialectSQLite {
		sqlDB.SetMaxOpenConns(8)
		sqlDB.SetMaxIdleConns(8)
		sqlDB.SetConnMaxIdleTime(10 * time.Minute)
	} else {
		sqlDB.SetMaxOpenConns(16)
		sqlDB.SetMaxIdleConns(8)
		sqlDB.SetConnMaxLifetime(30 * time.Minute)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	s.db = db
	if err := s.Ping(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	return s, nil
}

// sqliteDSN turns a path (or a file: URI) into a DSN with the pragmas the
// store relies on. _txlock=immediate makes every transaction take the write
// lock up front: with deferred transactions, concurrent read-then-write
// transactions fail with "database is locked" whatever the busy timeout.
func sqliteDSN(raw string) (string, error) {
	path := strings.TrimPrefix(raw, "sqlite:")
	if path == "" {
		return "", programme.Errorf(programme.EINVALID, "the database URL is empty")
	}
	query := url.Values{}
	if strings.HasPrefix(path, "file:") {
		if i := strings.IndexByte(path, '?'); i >= 0 {
			q, err := url.ParseQuery(path[i+1:])
			if err != nil {
				return "", programme.Errorf(programme.EINVALID, "the database URL %q has a malformed query", raw)
			}
			query = q
			path = path[:i]
		}
		path = strings.TrimPrefix(path, "file:")
	}
	pragmas := []string{"busy_timeout(10000)", "journal_mode(wal)", "synchronous(normal)", "foreign_keys(1)"}
	// The busy timeout must come first: later pragmas may already wait for a lock.
	query["_pragma"] = append(pragmas, query["_pragma"]...)
	query.Set("_txlock", "immediate")
	u := url.URL{Scheme: "file", Opaque: (&url.URL{Path: path}).EscapedPath(), RawQuery: query.Encode()}
	return u.String(), nil
}

// Dialect returns "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.dialect }

// DB returns the GORM handle. It is meant for tests (counting queries,
// inspecting rows); production code goes through the Store's methods.
func (s *Store) DB() *gorm.DB { return s.db }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return s.wrap(err, "cannot reach the database")
	}
	return s.wrap(sqlDB.PingContext(ctx), "cannot reach the database")
}

// Close closes every connection.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Migrate applies every pending migration of the store's dialect. On
// PostgreSQL a session-level advisory lock makes a second instance starting
// at the same time wait and then find nothing left to do.
func (s *Store) Migrate(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return s.wrap(err, "cannot migrate the database")
	}
	opts := []goose.ProviderOption{goose.WithSlog(s.log), goose.WithDisableGlobalRegistry(true)}
	dialect := goose.DialectSQLite3
	if s.dialect == DialectPostgres {
		dialect = goose.DialectPostgres
		// The lock is per database, but the migrations belong to a schema:
		// derive the lock's id from the schema so that two schemas of one
		// database (as the tests use) do not wait for each other.
		var schema string
		if err := sqlDB.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
			return s.wrap(err, "cannot migrate the database")
		}
		id := lock.DefaultLockID ^ int64(crc32.ChecksumIEEE([]byte("planner:"+schema)))<<32
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(id), lock.WithLockTimeout(1, 600))
		if err != nil {
			return s.wrap(err, "cannot migrate the database")
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	provider, err := goose.NewProvider(dialect, sqlDB, migrations.For(s.dialect), opts...)
	if err != nil {
		return s.wrap(err, "cannot migrate the database")
	}
	if _, err := provider.Up(ctx); err != nil {
		return s.wrap(err, "cannot migrate the database")
	}
	return nil
}

// clock returns the store's time: UTC, truncated to microseconds.
func (s *Store) clock() time.Time {
	return s.now().UTC().Truncate(time.Microsecond)
}

// gormLogger sends GORM's log to slog at debug level. It logs the SQL with
// its placeholders (GORM's Explain is never called), so no value leaves.
type gormLogger struct {
	log *slog.Logger
}

func (l *gormLogger) LogMode(logger.LogLevel) logger.Interface { return l }

func (l *gormLogger) Info(ctx context.Context, msg string, args ...any) {
	l.log.DebugContext(ctx, "gorm", "msg", fmt.Sprintf(msg, args...))
}

func (l *gormLogger) Warn(ctx context.Context, msg string, args ...any) {
	l.log.DebugContext(ctx, "gorm", "msg", fmt.Sprintf(msg, args...))
}

func (l *gormLogger) Error(ctx context.Context, msg string, args ...any) {
	l.log.DebugContext(ctx, "gorm", "msg", fmt.Sprintf(msg, args...))
}

func (l *gormLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	if !l.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	// fc renders the statement with its values inlined; log only its shape.
	sql, rows := fc()
	attrs := []any{"rows", rows, "elapsed", time.Since(begin)}
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		attrs = append(attrs, "error", err)
	}
	l.log.DebugContext(ctx, "sql", append([]any{"statement", statementShape(sql)}, attrs...)...)
}

// statementShape keeps the verb and table of a statement and drops its
// values: GORM hands the logger SQL with the values already inlined.
func statementShape(sql string) string {
	fields := strings.Fields(sql)
	if len(fields) > 4 {
		fields = fields[:4]
	}
	return strings.Join(fields, " ")
}
