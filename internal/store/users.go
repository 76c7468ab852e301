package store

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/planner-dev/planner/internal/programme"
)

// userRow is a staff account. Its e-mail is stored normalised (see
// programme.NormalizeEmail), so the unique index makes addresses unique
// whatever their case.
type userRow struct {
	ID           int64     `gorm:"primaryKey"`
	Email        string    `gorm:"not null;uniqueIndex:idx_users_email"`
	Role         string    `gorm:"not null"`
	PasswordHash string    `gorm:"not null"`
	Name         string    `gorm:"not null"`
	CreatedAt    time.Time `gorm:"not null"`
	UpdatedAt    time.Time `gorm:"not null"`
}

func (userRow) TableName() string { return "users" }

func (r *userRow) user() *programme.User {
	return &programme.User{ID: r.ID, Email: r.Email, Name: r.Name, Role: programme.StaffRole(r.Role), CreatedAt: r.CreatedAt.UTC()}
}

// staffSessionRow is one login session: the session manager's token, its
// encoded data and when it expires.
type staffSessionRow struct {
	Token  string    `gorm:"primaryKey;not null"`
	Data   []byte    `gorm:"not null"`
	Expiry time.Time `gorm:"not null;index:idx_staff_sessions_expiry"`
}

func (staffSessionRow) TableName() string { return "staff_sessions" }

// NewUser is what creating an account takes. PasswordHash is already hashed
// (package accounts does that); the store never sees a password.
type NewUser struct {
	Email        string
	Role         programme.StaffRole
	PasswordHash string
	// Name is how the change log names the account's changes; optional.
	Name string
}

// CreateUser stores a new account and returns it. The e-mail is normalised;
// a malformed e-mail or an unknown role is an EINVALID error, and an e-mail
// that already has an account an ECONFLICT error.
func (s *Store) CreateUser(ctx context.Context, u NewUser) (*programme.User, error) {
	row, err := s.userRow(u)
	if err != nil {
		return nil, err
	}
	if err := s.db.WithContext(ctx).Create(row).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return nil, programme.Errorf(programme.ECONFLICT, "An account with the e-mail address %q already exists.", row.Email)
		}
		return nil, s.wrap(err, "cannot create the account")
	}
	return row.user(), nil
}

// CreateFirstUser stores u only when there is no account at all, and reports
// whether it did. It is how `serve --demo` gives a newcomer an admin without
// ever adding one to a database that already has accounts.
func (s *Store) CreateFirstUser(ctx context.Context, u NewUser) (created bool, err error) {
	row, err := s.userRow(u)
	if err != nil {
		return false, err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&userRow{}).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		if err := tx.Create(row).Error; err != nil {
			return err
		}
		created = true
		return nil
	})
	// Two instances starting at once on PostgreSQL may both count none;
	// the unique e-mail lets only one of them in, and the other has
	// nothing left to do.
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return false, nil
	}
	if err != nil {
		return false, s.wrap(err, "cannot create the first account")
	}
	return created, nil
}

func (s *Store) userRow(u NewUser) (*userRow, error) {
	email, err := programme.NormalizeEmail(u.Email)
	if err != nil {
		return nil, err
	}
	if _, err := programme.ParseStaffRole(string(u.Role)); err != nil {
		return nil, err
	}
	if u.PasswordHash == "" {
		return nil, programme.Errorf(programme.EINTERNAL, "an account needs a password hash")
	}
	now := s.clock()
	return &userRow{Email: email, Role: string(u.Role), PasswordHash: u.PasswordHash, Name: strings.TrimSpace(u.Name),
		CreatedAt: now, UpdatedAt: now}, nil
}

// Users lists every account, ordered by e-mail.
func (s *Store) Users(ctx context.Context) ([]programme.User, error) {
	var rows []userRow
	if err := s.db.WithContext(ctx).Order("email").Find(&rows).Error; err != nil {
		return nil, s.wrap(err, "cannot list the accounts")
	}
	out := make([]programme.User, len(rows))
	for i := range rows {
		out[i] = *rows[i].user()
	}
	return out, nil
}

// UserByID returns one account, or an ENOTFOUND error (the account may have
// been removed while a session still named it). After RememberAuth it
// answers from memory while memory is current.
func (s *Store) UserByID(ctx context.Context, id int64) (*programme.User, error) {
	v := s.auth.view()
	if u, ok := s.auth.user(v, id); ok {
		return &u, nil
	}
	var row userRow
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, programme.Errorf(programme.ENOTFOUND, "There is no account %d.", id)
	}
	if err != nil {
		return nil, s.wrap(err, "cannot read the account")
	}
	u := row.user()
	s.auth.keepUser(v, *u)
	return u, nil
}

// UserCredentials returns the account of an e-mail address with its password
// hash, for checking a login, or an ENOTFOUND error. The e-mail is
// normalised first; a malformed one is simply not found.
func (s *Store) UserCredentials(ctx context.Context, email string) (*programme.User, string, error) {
	norm, err := programme.NormalizeEmail(email)
	if err != nil {
		return nil, "", programme.Errorf(programme.ENOTFOUND, "There is no such account.")
	}
	var row userRow
	err = s.db.WithContext(ctx).Where("email = ?", norm).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, "", programme.Errorf(programme.ENOTFOUND, "There is no such account.")
	}
	if err != nil {
		return nil, "", s.wrap(err, "cannot read the account")
	}
	return row.user(), row.PasswordHash, nil
}

// RemoveUser deletes the account of an e-mail address. It is an ENOTFOUND
// error when there is none, and an ECONFLICT error when it is the last
// admin, since nobody could then manage accounts in the app.
func (s *Store) RemoveUser(ctx context.Context, email string) error {
	norm, err := programme.NormalizeEmail(email)
	if err != nil {
		return err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row userRow
		if err := tx.Where("email = ?", norm).Take(&row).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return programme.Errorf(programme.ENOTFOUND, "There is no account with the e-mail address %q.", norm)
			}
			return err
		}
		if row.Role == string(programme.RoleAdmin) {
			var admins int64
			if err := tx.Model(&userRow{}).Where("role = ?", string(programme.RoleAdmin)).Count(&admins).Error; err != nil {
				return err
			}
			if admins <= 1 {
				return programme.Errorf(programme.ECONFLICT, "%q is the last admin; add another admin before removing it.", norm)
			}
		}
		return tx.Delete(&userRow{}, row.ID).Error
	})
	s.auth.forget()
	return s.wrap(err, "cannot remove the account")
}

// SetUserRole gives the account of an e-mail address another role. It is
// an ENOTFOUND error when there is no such account, an EINVALID error for
// an unknown role, and an ECONFLICT error when it would demote the last
// admin, since nobody could then manage accounts in the app.
func (s *Store) SetUserRole(ctx context.Context, email string, role programme.StaffRole) error {
	norm, err := programme.NormalizeEmail(email)
	if err != nil {
		return err
	}
	if _, err := programme.ParseStaffRole(string(role)); err != nil {
		return err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row userRow
		if err := tx.Where("email = ?", norm).Take(&row).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return programme.Errorf(programme.ENOTFOUND, "There is no account with the e-mail address %q.", norm)
			}
			return err
		}
		if row.Role == string(role) {
			return nil
		}
		if row.Role == string(programme.RoleAdmin) {
			var admins int64
			if err := tx.Model(&userRow{}).Where("role = ?", string(programme.RoleAdmin)).Count(&admins).Error; err != nil {
				return err
			}
			if admins <= 1 {
				return programme.Errorf(programme.ECONFLICT, "%q is the last admin; make another account an admin before changing its role.", norm)
			}
		}
		return tx.Model(&userRow{}).Where("id = ?", row.ID).
			Updates(map[string]any{"role": string(role), "updated_at": s.clock()}).Error
	})
	s.auth.forget()
	return s.wrap(err, "cannot change the account's role")
}

// FindSession returns the data of an unexpired login session. found is
// false, with no error, for a token that is unknown or expired. After
// RememberAuth it answers from memory while memory is current, checking
// the kept expiry on every call.
func (s *Store) FindSession(ctx context.Context, token string) (data []byte, found bool, err error) {
	v := s.auth.view()
	if k, ok := s.auth.session(v, token); ok {
		if !s.clock().Before(k.expiry) {
			return nil, false, nil
		}
		return bytes.Clone(k.data), true, nil
	}
	var row staffSessionRow
	err = s.db.WithContext(ctx).Where("token = ? AND expiry > ?", token, s.clock()).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, s.wrap(err, "cannot read the login session")
	}
	s.auth.keepSession(v, token, knownSession{data: bytes.Clone(row.Data), expiry: row.Expiry})
	return row.Data, true, nil
}

// CommitSession stores a login session's data and expiry, replacing what
// the token held before.
func (s *Store) CommitSession(ctx context.Context, token string, data []byte, expiry time.Time) error {
	row := staffSessionRow{Token: token, Data: data, Expiry: expiry.UTC().Truncate(time.Microsecond)}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "token"}},
		DoUpdates: clause.AssignmentColumns([]string{"data", "expiry"}),
	}).Create(&row).Error
	s.auth.forget()
	return s.wrap(err, "cannot save the login session")
}

// DeleteSession removes a login session; an unknown token is not an error.
func (s *Store) DeleteSession(ctx context.Context, token string) error {
	err := s.db.WithContext(ctx).Where("token = ?", token).Delete(&staffSessionRow{}).Error
	s.auth.forget()
	return s.wrap(err, "cannot end the login session")
}

// DeleteExpiredSessions removes every expired login session and returns how
// many there were.
func (s *Store) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	res := s.db.WithContext(ctx).Where("expiry <= ?", s.clock()).Delete(&staffSessionRow{})
	s.auth.forget()
	return res.RowsAffected, s.wrap(res.Error, "cannot delete expired login sessions")
}
