// Package accounts manages staff accounts: it hashes and checks passwords
// (argon2id) and creates, lists and removes accounts through the store. The
// store keeps only hashes; passwords exist in this package for the time of
// one call and are never logged.
package accounts

import (
	"context"
	"crypto/rand"
	"sync"

	"github.com/alexedwards/argon2id"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
)

// DemoAdminEmail is the account `serve --demo` creates on a database with no
// account. The .invalid top-level domain can never receive mail.
const DemoAdminEmail = "admin@demo.invalid"

// DefaultParams are the argon2id parameters OWASP recommends for a server
// (19 MiB, two passes, one thread): about 140 ms per hash on a small
// machine, which the login throttle keeps from being a denial of service.
var DefaultParams = argon2id.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// Store is what the service needs from the database; *store.Store has it.
type Store interface {
	CreateUser(ctx context.Context, u store.NewUser) (*programme.User, error)
	CreateFirstUser(ctx context.Context, u store.NewUser) (bool, error)
	Users(ctx context.Context) ([]programme.User, error)
	UserByID(ctx context.Context, id int64) (*programme.User, error)
	UserCredentials(ctx context.Context, email string) (*programme.User, string, error)
	RemoveUser(ctx context.Context, email string) error
	SetUserRole(ctx context.Context, email string, role programme.StaffRole) error
}

// Service creates accounts and checks logins. It is safe for concurrent use.
type Service struct {
	store  Store
	params argon2id.Params

	// decoy is a hash of a random password, checked when an e-mail has no
	// account, so that a login for an unknown e-mail takes as long as one
	// with a wrong password and does not reveal which addresses exist.
	decoyOnce sync.Once
	decoy     string
	decoyErr  error
}

// Option configures a Service.
type Option func(*Service)

// WithParams sets the argon2id parameters of new hashes. Existing hashes
// carry their own parameters and keep working. Tests use cheap ones.
func WithParams(p argon2id.Params) Option {
	return func(s *Service) { s.params = p }
}

// New returns a service over st.
func New(st Store, opts ...Option) *Service {
	s := &Service{store: st, params: DefaultParams}
	for _, opt := range opts {
		opt(s)
	}
	return s
}

// ErrBadCredentials is the error of a failed login. It says neither which
// part was wrong nor whether the account exists.
var ErrBadCredentials = programme.Errorf(programme.EINVALID, "The e-mail address or the password is not right.")

// Add creates an account with a new password, which must pass
// programme.CheckPassword. A taken e-mail is an ECONFLICT error.
func (s *Service) Add(ctx context.Context, email string, role programme.StaffRole, password string) (*programme.User, error) {
	return s.AddNamed(ctx, email, "", role, password)
}

// AddNamed is Add with the name the change log shows for the account's
// changes, such as "Emily Skills" (see programme.CheckUserName).
func (s *Service) AddNamed(ctx context.Context, email, name string, role programme.StaffRole, password string) (*programme.User, error) {
	if err := programme.CheckUserName(name); err != nil {
		return nil, err
	}
	if _, err := programme.ParseStaffRole(string(role)); err != nil {
		return nil, err
	}
	if _, err := programme.NormalizeEmail(email); err != nil {
		return nil, err
	}
	if err := programme.CheckPassword(password); err != nil {
		return nil, err
	}
	hash, err := s.hash(password)
	if err != nil {
		return nil, err
	}
	return s.store.CreateUser(ctx, store.NewUser{Email: email, Name: name, Role: role, PasswordHash: hash})
}

// EnsureDemoAdmin creates the demo admin (DemoAdminEmail) with a random
// password when the database has no account at all, and returns that
// password; it returns "" when there was already an account, since the
// password of an existing one cannot be shown.
func (s *Service) EnsureDemoAdmin(ctx context.Context) (password string, err error) {
	// Hashing is slow on purpose: skip it on every later start.
	if users, err := s.store.Users(ctx); err != nil || len(users) > 0 {
		return "", err
	}
	password = rand.Text()
	hash, err := s.hash(password)
	if err != nil {
		return "", err
	}
	created, err := s.store.CreateFirstUser(ctx, store.NewUser{Email: DemoAdminEmail, Role: programme.RoleAdmin, PasswordHash: hash})
	if err != nil || !created {
		return "", err
	}
	return password, nil
}

// Users lists every account, ordered by e-mail.
func (s *Service) Users(ctx context.Context) ([]programme.User, error) {
	return s.store.Users(ctx)
}

// User returns the account with id, or an ENOTFOUND error.
func (s *Service) User(ctx context.Context, id int64) (*programme.User, error) {
	return s.store.UserByID(ctx, id)
}

// Remove deletes the account of an e-mail address (not the last admin).
func (s *Service) Remove(ctx context.Context, email string) error {
	return s.store.RemoveUser(ctx, email)
}

// SetRole gives the account of an e-mail address another role (never
// demoting the last admin).
func (s *Service) SetRole(ctx context.Context, email string, role programme.StaffRole) error {
	return s.store.SetUserRole(ctx, email, role)
}

// Authenticate returns the account whose e-mail and password these are, or
// ErrBadCredentials. Other errors (the database is down) are returned as
// they are, so that they are not mistaken for a wrong password.
func (s *Service) Authenticate(ctx context.Context, email, password string) (*programme.User, error) {
	u, hash, err := s.store.UserCredentials(ctx, email)
	if programme.ErrorCode(err) == programme.ENOTFOUND {
		if hash, err = s.decoyHash(); err != nil {
			return nil, err
		}
		_, _ = argon2id.ComparePasswordAndHash(password, hash)
		return nil, ErrBadCredentials
	}
	if err != nil {
		return nil, err
	}
	ok, err := argon2id.ComparePasswordAndHash(password, hash)
	if err != nil {
		return nil, &programme.Error{Code: programme.EINTERNAL, Message: "cannot check the password", Err: err}
	}
	if !ok {
		return nil, ErrBadCredentials
	}
	return u, nil
}

func (s *Service) hash(password string) (string, error) {
	p := s.params
	hash, err := argon2id.CreateHash(password, &p)
	if err != nil {
		return "", &programme.Error{Code: programme.EINTERNAL, Message: "cannot hash the password", Err: err}
	}
	return hash, nil
}

func (s *Service) decoyHash() (string, error) {
	s.decoyOnce.Do(func() {
		s.decoy, s.decoyErr = s.hash(rand.Text())
	})
	return s.decoy, s.decoyErr
}
