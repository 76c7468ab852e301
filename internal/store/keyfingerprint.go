package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// keyFingerprintRow is the database's one record of the feed secret key its
// tokens derive from: a fingerprint that tells keys apart, never the key.
type keyFingerprintRow struct {
	ID          int64     `gorm:"primaryKey;autoIncrement:false"`
	Fingerprint string    `gorm:"not null"`
	RecordedAt  time.Time `gorm:"not null"`
}

func (keyFingerprintRow) TableName() string { return "feed_key_fingerprints" }

// KeyFingerprint returns the fingerprint of the feed secret key recorded in
// the database, or "" when none is recorded yet.
func (s *Store) KeyFingerprint(ctx context.Context) (string, error) {
	var row keyFingerprintRow
	err := s.db.WithContext(ctx).Where("id = 1").Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", nil
	}
	if err != nil {
		return "", s.wrap(err, "cannot read the feed key fingerprint")
	}
	return row.Fingerprint, nil
}

// RecordKeyFingerprint records fingerprint as the database's feed key unless
// one is recorded already, and returns the one the database keeps: the given
// one, or the earlier one. Two commands recording at once cannot both win:
// the loser gets the winner's fingerprint back and can compare.
func (s *Store) RecordKeyFingerprint(ctx context.Context, fingerprint string) (string, error) {
	row := keyFingerprintRow{ID: 1, Fingerprint: fingerprint, RecordedAt: s.clock()}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error
	if err != nil {
		return "", s.wrap(err, "cannot record the feed key fingerprint")
	}
	return s.KeyFingerprint(ctx)
}

// SomeFeedToken returns one feed token that still works (its nonce and
// hash), for checking a key against a database that has tokens but no
// fingerprint yet. ok is false when the database has no working token.
func (s *Store) SomeFeedToken(ctx context.Context) (nonce string, hash []byte, ok bool, err error) {
	var row feedTokenRow
	err = s.db.WithContext(ctx).Where("hash IS NOT NULL").Order("id").Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", nil, false, nil
	}
	if err != nil {
		return "", nil, false, s.wrap(err, "cannot read the feed tokens")
	}
	return row.Nonce, row.Hash, true, nil
}
