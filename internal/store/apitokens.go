package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/planner-dev/planner/internal/programme"
)

// APITokenPrefix starts every API token, so that a token pasted into the
// wrong place (a log, a chat) is recognisable as a planner secret.
const APITokenPrefix = "plnr_"

// apiTokenTouchEvery is how stale a token's last-used time may get before a
// use writes it again: often enough to tell a dead token from a live one,
// rarely enough that a script's reads stay reads.
const apiTokenTouchEvery = time.Minute

// maxAPITokenName bounds a token's name, which only says what it is for.
const maxAPITokenName = 100

// APIToken is a staff member's API token as lists show it: never the
// secret, which only CreateAPIToken returns, once.
type APIToken struct {
	ID         int64
	UserID     int64
	Email      string // the owner's e-mail address
	Name       string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

type apiTokenRow struct {
	ID         int64  `gorm:"primaryKey"`
	UserID     int64  `gorm:"not null"`
	Name       string `gorm:"not null"`
	Hash       []byte `gorm:"not null"`
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

func (apiTokenRow) TableName() string { return "api_tokens" }

func (r *apiTokenRow) token(email string) APIToken {
	t := APIToken{ID: r.ID, UserID: r.UserID, Email: email, Name: r.Name, CreatedAt: r.CreatedAt.UTC()}
	if r.LastUsedAt != nil {
		u := r.LastUsedAt.UTC()
		t.LastUsedAt = &u
	}
	if r.RevokedAt != nil {
		u := r.RevokedAt.UTC()
		t.RevokedAt = &u
	}
	return t
}

func hashAPIToken(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// CreateAPIToken mints a token for the account of email, named name (what
// the token is for, unique among the account's live tokens), and returns it
// with its secret, which is stored only as a hash and so cannot be shown
// again. An unknown account is ENOTFOUND, an empty or overlong name
// EINVALID, a name in use ECONFLICT.
func (s *Store) CreateAPIToken(ctx context.Context, email, name string) (APIToken, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > maxAPITokenName {
		return APIToken{}, "", programme.Errorf(programme.EINVALID, "A token needs a name of 1 to %d characters that says what it is for.", maxAPITokenName)
	}
	u, _, err := s.UserCredentials(ctx, email)
	if err != nil {
		return APIToken{}, "", programme.Errorf(programme.ENOTFOUND, "There is no account with the e-mail address %q.", email)
	}
	// rand.Text is 26 base32 characters: 130 random bits.
	secret := APITokenPrefix + rand.Text()
	row := &apiTokenRow{UserID: u.ID, Name: name, Hash: hashAPIToken(secret), CreatedAt: s.clock().UTC()}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&apiTokenRow{}).Where("user_id = ? AND name = ? AND revoked_at IS NULL", u.ID, name).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return programme.Errorf(programme.ECONFLICT, "%s already has a token named %q; revoke it or choose another name.", u.Email, name)
		}
		return tx.Create(row).Error
	})
	if err != nil {
		return APIToken{}, "", s.wrap(err, "cannot create the token")
	}
	return row.token(u.Email), secret, nil
}

// APITokens lists the tokens of the account of email, or of every account
// when email is empty, revoked ones included, newest first.
func (s *Store) APITokens(ctx context.Context, email string) ([]APIToken, error) {
	users, err := s.Users(ctx)
	if err != nil {
		return nil, err
	}
	emails := make(map[int64]string, len(users))
	q := s.db.WithContext(ctx).Order("id DESC")
	if email != "" {
		norm, err := programme.NormalizeEmail(email)
		if err != nil {
			return nil, err
		}
		q = q.Where("user_id IN (?)", s.db.Model(&userRow{}).Select("id").Where("email = ?", norm))
	}
	for _, u := range users {
		emails[u.ID] = u.Email
	}
	var rows []apiTokenRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, s.wrap(err, "cannot list the tokens")
	}
	out := make([]APIToken, len(rows))
	for i := range rows {
		out[i] = rows[i].token(emails[rows[i].UserID])
	}
	return out, nil
}

// RevokeAPIToken revokes the token of id, so that it never works again. An
// unknown id is ENOTFOUND; revoking a revoked token changes nothing.
func (s *Store) RevokeAPIToken(ctx context.Context, id int64) error {
	now := s.clock().UTC()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row apiTokenRow
		if err := tx.Where("id = ?", id).Take(&row).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return programme.Errorf(programme.ENOTFOUND, "There is no token %d.", id)
			}
			return err
		}
		if row.RevokedAt != nil {
			return nil
		}
		return tx.Model(&apiTokenRow{}).Where("id = ?", id).Update("revoked_at", now).Error
	})
	s.auth.forget()
	return s.wrap(err, "cannot revoke the token")
}

// APITokenUser returns the live token whose secret is secret and the account
// it acts for, and records its use (at most once a minute). An unknown,
// malformed or revoked token is ENOTFOUND, with no word on which.
//
// After RememberAuth it answers from memory while memory is current. The
// use is still recorded at most once a minute, and before the answer: of
// the requests that find the kept use a minute old, the first marks it
// renewed in memory and writes it (one statement, which does not raise the
// change counter, so memory stays current); if the write fails, the token
// is forgotten and the request fails, as without memory.
func (s *Store) APITokenUser(ctx context.Context, secret string) (APIToken, *programme.User, error) {
	none := programme.Errorf(programme.ENOTFOUND, "The token is unknown or revoked.")
	if !strings.HasPrefix(secret, APITokenPrefix) {
		return APIToken{}, nil, none
	}
	hash := hashAPIToken(secret)
	v := s.auth.view()
	if k, ok := s.auth.token(v, hash); ok {
		now := s.clock().UTC()
		if s.auth.claimTouch(v, hash, now) {
			if err := s.db.WithContext(ctx).Model(&apiTokenRow{}).Where("id = ?", k.row.ID).Update("last_used_at", now).Error; err != nil {
				s.auth.dropToken(hash)
				return APIToken{}, nil, s.wrap(err, "cannot record the token's use")
			}
			k.row.LastUsedAt = &now
		}
		u := k.user
		return k.row.token(u.Email), &u, nil
	}
	var row apiTokenRow
	err := s.db.WithContext(ctx).Where("hash = ?", hash).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return APIToken{}, nil, none
	}
	if err != nil {
		return APIToken{}, nil, s.wrap(err, "cannot read the token")
	}
	// The lookup is by hash, so timing says nothing of the secret; the
	// comparison stays constant-time in case the index ever matches loosely.
	if subtle.ConstantTimeCompare(row.Hash, hash) != 1 || row.RevokedAt != nil {
		return APIToken{}, nil, none
	}
	u, err := s.UserByID(ctx, row.UserID)
	if err != nil {
		return APIToken{}, nil, none
	}
	now := s.clock().UTC()
	if row.LastUsedAt == nil || now.Sub(*row.LastUsedAt) >= apiTokenTouchEvery {
		if err := s.db.WithContext(ctx).Model(&apiTokenRow{}).Where("id = ?", row.ID).Update("last_used_at", now).Error; err != nil {
			return APIToken{}, nil, s.wrap(err, "cannot record the token's use")
		}
		row.LastUsedAt = &now
	}
	s.auth.keepToken(v, hash, knownAPIToken{row: row, user: *u})
	return row.token(u.Email), u, nil
}
