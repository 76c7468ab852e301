// Package store keeps programmes in SQLite or PostgreSQL through GORM. It owns
// the database rows, the queries and the migrations runner, and speaks only in
// domain types (package programme) and domain errors.
package store

import (
	"context"
	"hash/crc32"
	"log/slog"
	"net/url"
	"regexp"
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
	path    string // the SQLite file, "" for PostgreSQL or an in-memory database
	now     func() time.Time
	log     *slog.Logger
	// mailDelay is the merge delay of invitations (see EnqueueInvitations).
	mailDelay time.Duration
	// auth keeps staff authentication in memory once RememberAuth is
	// called (authmemory.go); copies of a Store (in a transaction) share it.
	auth *authMemory
	// writes are told of the programme changes this Store commits (see
	// OnProgrammeWrite); nil inside another Store's transaction.
	writes *programmeWrites
}

// Option configures a Store.
type Option func(*Store)

// WithNow injects the clock used for every time the store records
// (ModifiedAt, CreatedAt, UpdatedAt, token times). The default is time.Now.
func WithNow(now func() time.Time) Option {
	return func(s *Store) { s.now = now }
}

// WithLogger sends GORM's statement log to l at debug level, and the
// migrations' log at info level. Statements are logged with placeholders,
// never with their values, so that notes, token hashes and personal data stay
// out of the log whatever its level.
func WithLogger(l *slog.Logger) Option {
	return func(s *Store) { s.log = l }
}

// Open connects to url. PostgreSQL is a "postgres://" or "postgresql://" URL
// or a libpq key=value string ("host=db user=planner dbname=planner"); SQLite
// is a file path, plain or with a "sqlite:" or "file:" prefix. Any other
// scheme ("postgress://", "mysql://") is EINVALID rather than a file of that
// name. It does not migrate: call Migrate.
func Open(ctx context.Context, url string, opts ...Option) (*Store, error) {
	s := &Store{now: time.Now, log: slog.New(slog.DiscardHandler), mailDelay: DefaultMailMergeDelay, auth: &authMemory{}, writes: &programmeWrites{}}
	for _, opt := range opts {
		opt(s)
	}
	var dialector gorm.Dialector
	dialect, err := dialectOf(url)
	if err != nil {
		return nil, err
	}
	switch dialect {
	case DialectPostgres:
		s.dialect = DialectPostgres
		dialector = postgres.Open(url)
	default:
		s.dialect = DialectSQLite
		dsn, path, err := sqliteDSN(url)
		if err != nil {
			return nil, err
		}
		s.path = path
		dialector = gormlite.Open(dsn)
		if path != "" {
			// The first connection to a new file switches it to WAL mode,
			// which needs the file to itself: SQLite answers "database is
			// locked" at once, without waiting, to a second process doing
			// the same. Opening under the migration lock keeps two commands
			// started at once on a new file from failing.
			unlock, err := lockFile(ctx, MigrateLockPath(path))
			if err != nil {
				return nil, s.wrap(err, "cannot open the database")
			}
			defer unlock()
		}
	}
	db, err := gorm.Open(dialector, &gorm.Config{
		// GORM's default clock is local time; the store records UTC only, at
		// the microsecond precision PostgreSQL keeps, so that both dialects
		// give back exactly what was written.
		NowFunc:                func() time.Time { return s.clock() },
		TranslateError:         true,
		PrepareStmt:            false,
		SkipDefaultTransaction: true,
		// GORM's own slog logger, with ParameterizedQueries so that it
		// logs statements with their placeholders and never their values
		// (staff-only notes, token hashes, personal data); everything it
		// says goes to debug level, since a statement is not news.
		Logger: logger.NewSlogLogger(slog.New(debugHandler{s.log.Handler()}), logger.Config{
			LogLevel:                  logger.Info,
			ParameterizedQueries:      true,
			IgnoreRecordNotFoundError: true,
		}),
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

// libpqKeyValue matches the start of a libpq connection string such as
// "host=db user=planner dbname=planner": a lowercase keyword and "=".
var libpqKeyValue = regexp.MustCompile(`^\s*[a-z_]+\s*=`)

// urlScheme matches a URL scheme of two letters or more: one letter is a
// Windows drive (C:\data\planner.db), not a scheme.
var urlScheme = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]+):`)

// dialectOf tells which database url names, refusing a scheme it does not
// know: a typo such as "postgress://" would otherwise become a SQLite file
// of that name, and a libpq string a file named after its options.
func dialectOf(url string) (string, error) {
	if libpqKeyValue.MatchString(url) {
		return DialectPostgres, nil
	}
	m := urlScheme.FindStringSubmatch(url)
	if m == nil {
		return DialectSQLite, nil
	}
	switch m[1] {
	case "postgres", "postgresql":
		return DialectPostgres, nil
	case "sqlite", "file":
		return DialectSQLite, nil
	}
	// The URL itself is not repeated: it may hold a password.
	return "", programme.Errorf(programme.EINVALID, "the database URL has the unknown scheme %q: "+
		"use postgres://... or postgresql://..., a PostgreSQL key=value string (host=... dbname=...), "+
		"sqlite:PATH, file:PATH or a plain file path", m[1]+":")
}

// sqliteDSN turns a path (or a file: URI) into a DSN with the pragmas the
// store relies on, and returns the file's path too ("" for an in-memory
// database). _txlock=immediate makes every transaction take the write lock up
// front: with deferred transactions, concurrent read-then-write transactions
// fail with "database is locked" whatever the busy timeout.
func sqliteDSN(raw string) (dsn, file string, err error) {
	path := strings.TrimPrefix(raw, "sqlite:")
	if path == "" {
		return "", "", programme.Errorf(programme.EINVALID, "the database URL is empty")
	}
	query := url.Values{}
	if strings.HasPrefix(path, "file:") {
		if i := strings.IndexByte(path, '?'); i >= 0 {
			q, err := url.ParseQuery(path[i+1:])
			if err != nil {
				return "", "", programme.Errorf(programme.EINVALID, "the database URL %q has a malformed query", raw)
			}
			query = q
			path = path[:i]
		}
		path = strings.TrimPrefix(path, "file:")
	}
	file = path
	if path == ":memory:" || query.Get("mode") == "memory" {
		file = ""
	}
	pragmas := []string{"busy_timeout(10000)", "journal_mode(wal)", "synchronous(normal)", "foreign_keys(1)"}
	// The busy timeout must come first: later pragmas may already wait for a lock.
	query["_pragma"] = append(pragmas, query["_pragma"]...)
	query.Set("_txlock", "immediate")
	u := url.URL{Scheme: "file", Opaque: (&url.URL{Path: path}).EscapedPath(), RawQuery: query.Encode()}
	return u.String(), file, nil
}

// Dialect returns "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.dialect }

// Path returns the SQLite database's file as given, or "" for PostgreSQL
// and for an in-memory SQLite database.
func (s *Store) Path() string { return s.path }

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

// Migrate applies every pending migration of the store's dialect. A second
// instance starting at the same time waits and then finds nothing left to
// do: on PostgreSQL a session-level advisory lock makes it wait, on SQLite an
// exclusive lock on the file MigrateLockPath names (SQLite has no lock that
// outlives a transaction, and goose runs each migration in its own).
func (s *Store) Migrate(ctx context.Context) error {
	if s.dialect == DialectSQLite && s.path != "" {
		unlock, err := lockFile(ctx, MigrateLockPath(s.path))
		if err != nil {
			return s.wrap(err, "cannot lock the database for migrating")
		}
		defer unlock()
	}
	provider, err := s.migrations(ctx)
	if err != nil {
		return s.wrap(err, "cannot migrate the database")
	}
	if _, err := provider.Up(ctx); err != nil {
		return s.wrap(err, "cannot migrate the database")
	}
	return nil
}

// MigrationsPending reports whether the database lacks migrations this
// binary has, without applying any and without waiting for the migration
// lock: for servers that leave migrating to `planner migrate`. A database
// that has more (a newer binary migrated it) has none pending.
func (s *Store) MigrationsPending(ctx context.Context) (bool, error) {
	provider, err := s.migrations(ctx)
	if err != nil {
		return false, s.wrap(err, "cannot read the database's migrations")
	}
	pending, err := provider.HasPending(ctx)
	if err != nil {
		return false, s.wrap(err, "cannot read the database's migrations")
	}
	return pending, nil
}

// migrations returns the goose provider of the store's migrations.
func (s *Store) migrations(ctx context.Context) (*goose.Provider, error) {
	sqlDB, err := s.db.DB()
	if err != nil {
		return nil, err
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
			return nil, err
		}
		id := lock.DefaultLockID ^ int64(crc32.ChecksumIEEE([]byte("planner:"+schema)))<<32
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(id), lock.WithLockTimeout(1, 600))
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(dialect, sqlDB, migrations.For(s.dialect), opts...)
}

// clock returns the store's time: UTC, truncated to microseconds.
func (s *Store) clock() time.Time {
	return s.now().UTC().Truncate(time.Microsecond)
}

// MigrateLockPath returns the file that Open and Migrate lock beside the
// SQLite database at path while they set the database up: the database's
// name with "-migrate.lock" added, as SQLite adds "-wal" and "-shm". It is left in place: removing a lock file
// that another process may be waiting on would let a third one in.
func MigrateLockPath(path string) string { return path + "-migrate.lock" }

// debugHandler hands every record to its handler at debug level. GORM's slog
// logger says "SQL executed" at info level; the store's statements belong
// with the debug output.
type debugHandler struct{ slog.Handler }

func (h debugHandler) Enabled(ctx context.Context, _ slog.Level) bool {
	return h.Handler.Enabled(ctx, slog.LevelDebug)
}

func (h debugHandler) Handle(ctx context.Context, r slog.Record) error {
	r.Level = slog.LevelDebug
	return h.Handler.Handle(ctx, r)
}

func (h debugHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return debugHandler{h.Handler.WithAttrs(attrs)}
}

func (h debugHandler) WithGroup(name string) slog.Handler {
	return debugHandler{h.Handler.WithGroup(name)}
}
