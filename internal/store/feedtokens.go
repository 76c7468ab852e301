package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/planner-dev/planner/internal/programme"
)

// FeedToken is the stored side of a calendar feed link. The feeds package
// mints the token; the store keeps only its SHA-256, and a revoked token
// keeps its row with a nil Hash so that its link never works again.
type FeedToken struct {
	ID        int64
	Programme string // the programme's slug
	Kind, Key string // whose feed: kind of subject (as the feeds package names them) and its key
	// Nonce is the random per-token value the feeds package derives the token from.
	Nonce string
	// Hash is the SHA-256 of the token; nil once revoked.
	Hash      []byte
	CreatedAt time.Time
	RevokedAt *time.Time
	// LastFetchedAt and LastFetchedVersion record the latest fetch. Nothing
	// else about the fetcher is kept.
	LastFetchedAt      *time.Time
	LastFetchedVersion int64
}

// FeedTokens lists a programme's tokens, revoked ones included, ordered by
// kind, then key. An unknown slug is ENOTFOUND.
func (s *Store) FeedTokens(ctx context.Context, slug string) ([]FeedToken, error) {
	id, err := s.programmeID(ctx, s.db, slug)
	if err != nil {
		return nil, err
	}
	var rows []feedTokenRow
	if err := s.db.WithContext(ctx).Where("programme_id = ?", id).Order("kind, key").Find(&rows).Error; err != nil {
		return nil, s.wrap(err, "cannot list the feed tokens")
	}
	out := make([]FeedToken, len(rows))
	for i := range rows {
		out[i] = rows[i].token(slug)
	}
	return out, nil
}

// CreateFeedToken stores a token for (slug, kind, key) unless one exists;
// then it returns the existing one unchanged and created is false.
func (s *Store) CreateFeedToken(ctx context.Context, slug, kind, key, nonce string, hash []byte) (tok FeedToken, created bool, err error) {
	if err := checkToken(kind, nonce, hash); err != nil {
		return FeedToken{}, false, err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		id, err := s.programmeID(ctx, tx, slug)
		if err != nil {
			return err
		}
		row := feedTokenRow{ProgrammeID: id, Kind: kind, Key: key, Nonce: nonce, Hash: hash, CreatedAt: s.clock()}
		// ON CONFLICT names the subject's columns, so that two requests
		// creating the same subject's token at once both succeed, while a
		// clash of hashes is still an error.
		res := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "programme_id"}, {Name: "kind"}, {Name: "key"}},
			DoNothing: true,
		}).Create(&row)
		if res.Error != nil {
			return res.Error
		}
		created = res.RowsAffected == 1
		tok, err = s.tokenBySubject(ctx, tx, id, slug, kind, key)
		return err
	})
	if err != nil {
		return FeedToken{}, false, s.wrap(err, "cannot create the feed token")
	}
	return tok, created, nil
}

// ReplaceFeedToken gives an existing token a new nonce and hash: a rotation,
// which also re-enables a revoked token. The old token stops working, and
// the new one starts with no fetch recorded. A missing token is ENOTFOUND.
func (s *Store) ReplaceFeedToken(ctx context.Context, slug, kind, key, nonce string, hash []byte) (FeedToken, error) {
	if err := checkToken(kind, nonce, hash); err != nil {
		return FeedToken{}, err
	}
	var tok FeedToken
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		id, err := s.programmeID(ctx, tx, slug)
		if err != nil {
			return err
		}
		res := tx.Model(&feedTokenRow{}).Where("programme_id = ? AND kind = ? AND key = ?", id, kind, key).
			Updates(map[string]any{
				"nonce": nonce, "hash": hash, "created_at": s.clock(), "revoked_at": nil,
				"last_fetched_at": nil, "last_fetched_version": 0,
			})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return programme.Errorf(programme.ENOTFOUND, "no %s feed token for %q in programme %q", kind, key, slug)
		}
		tok, err = s.tokenBySubject(ctx, tx, id, slug, kind, key)
		return err
	})
	if err != nil {
		return FeedToken{}, s.wrap(err, "cannot replace the feed token")
	}
	return tok, nil
}

// RevokeFeedToken clears a token's hash, so that its link stops working,
// and records when. Revoking a revoked token changes nothing. A missing
// token is ENOTFOUND.
func (s *Store) RevokeFeedToken(ctx context.Context, slug, kind, key string) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		id, err := s.programmeID(ctx, tx, slug)
		if err != nil {
			return err
		}
		res := tx.Model(&feedTokenRow{}).Where("programme_id = ? AND kind = ? AND key = ?", id, kind, key).
			Updates(map[string]any{"hash": nil, "revoked_at": gorm.Expr("COALESCE(revoked_at, ?)", s.clock())})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return programme.Errorf(programme.ENOTFOUND, "no %s feed token for %q in programme %q", kind, key, slug)
		}
		return nil
	})
	return s.wrap(err, "cannot revoke the feed token")
}

// FeedTokenByHash finds an active token by the SHA-256 of its value.
// Anything else, a revoked token included, is ENOTFOUND.
func (s *Store) FeedTokenByHash(ctx context.Context, hash []byte) (FeedToken, error) {
	notFound := programme.Errorf(programme.ENOTFOUND, "no such feed")
	if len(hash) != sha256.Size {
		return FeedToken{}, notFound
	}
	var row struct {
		Token feedTokenRow `gorm:"embedded"`
		Slug  string
	}
	err := s.db.WithContext(ctx).Table("feed_tokens").
		Select("feed_tokens.*, programmes.slug").
		Joins("JOIN programmes ON programmes.id = feed_tokens.programme_id").
		Where("feed_tokens.hash = ?", hash).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return FeedToken{}, notFound
	}
	if err != nil {
		return FeedToken{}, s.wrap(err, "cannot look up the feed token")
	}
	return row.Token.token(row.Slug), nil
}

// activeHashesPerQuery keeps each query of ActiveFeedTokenHashes well below
// the bound-parameter limits of both dialects (32,766 in SQLite, 65,535 in
// PostgreSQL).
const activeHashesPerQuery = 500

// ActiveFeedTokenHashes reports which of hashes belong to a token that works
// now: the result holds each of them that does, as a string of its bytes. A
// hash left out is unknown, revoked or rotated away. It costs one indexed
// query per 500 hashes, so that a server can cheaply re-check the tokens it
// keeps feed bodies for and learn of revocations made by other processes.
func (s *Store) ActiveFeedTokenHashes(ctx context.Context, hashes [][]byte) (map[string]bool, error) {
	active := make(map[string]bool, len(hashes))
	for start := 0; start < len(hashes); start += activeHashesPerQuery {
		chunk := hashes[start:min(start+activeHashesPerQuery, len(hashes))]
		args := make([]any, len(chunk))
		for i, h := range chunk {
			args[i] = h
		}
		var found [][]byte
		err := s.db.WithContext(ctx).Model(&feedTokenRow{}).Where("hash IN ?", args).Pluck("hash", &found).Error
		if err != nil {
			return nil, s.wrap(err, "cannot check the feed tokens")
		}
		for _, h := range found {
			active[string(h)] = true
		}
	}
	return active, nil
}

// RecordFeedFetch records that token id was fetched at a time, when the
// programme was at version. A missing token is ENOTFOUND.
func (s *Store) RecordFeedFetch(ctx context.Context, id int64, at time.Time, version int64) error {
	res := s.db.WithContext(ctx).Model(&feedTokenRow{}).Where("id = ?", id).
		Updates(map[string]any{"last_fetched_at": utc(at), "last_fetched_version": version})
	if res.Error != nil {
		return s.wrap(res.Error, "cannot record the feed fetch")
	}
	if res.RowsAffected == 0 {
		return programme.Errorf(programme.ENOTFOUND, "feed token %d not found", id)
	}
	return nil
}

// checkToken refuses what would store an unusable token.
func checkToken(kind, nonce string, hash []byte) error {
	var fe programme.FieldErrors
	if kind == "" {
		fe.Add("kind", "is empty")
	}
	if nonce == "" {
		fe.Add("nonce", "is empty")
	}
	if len(hash) != sha256.Size {
		fe.Add("hash", "has %d bytes; a SHA-256 has %d", len(hash), sha256.Size)
	}
	return fe.Err("The feed token is not valid")
}

// programmeID finds a programme's row ID by slug: ENOTFOUND if none.
func (s *Store) programmeID(ctx context.Context, db *gorm.DB, slug string) (int64, error) {
	var row programmeRow
	err := db.WithContext(ctx).Select("id").Where("slug = ?", slug).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return 0, programme.Errorf(programme.ENOTFOUND, "programme %q not found", slug)
	}
	if err != nil {
		return 0, s.wrap(err, "cannot find the programme")
	}
	return row.ID, nil
}

func (s *Store) tokenBySubject(ctx context.Context, db *gorm.DB, progID int64, slug, kind, key string) (FeedToken, error) {
	var row feedTokenRow
	err := db.WithContext(ctx).Where("programme_id = ? AND kind = ? AND key = ?", progID, kind, key).Take(&row).Error
	if err != nil {
		return FeedToken{}, err
	}
	return row.token(slug), nil
}

func (r *feedTokenRow) token(slug string) FeedToken {
	return FeedToken{
		ID: r.ID, Programme: slug, Kind: r.Kind, Key: r.Key, Nonce: r.Nonce, Hash: r.Hash,
		CreatedAt: r.CreatedAt.UTC(), RevokedAt: utcPtr(r.RevokedAt),
		LastFetchedAt: utcPtr(r.LastFetchedAt), LastFetchedVersion: r.LastFetchedVersion,
	}
}
