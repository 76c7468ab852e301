package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/planner-dev/planner/internal/programme"
)

// DefaultMailMergeDelay is how long an invitation waits after the last
// change that touched it, so that a burst of edits goes as one message.
const DefaultMailMergeDelay = 30 * time.Second

// mailMergeLimit bounds the wait: edits that keep coming never hold a
// person's mail back longer than this after the first of them.
const mailMergeLimit = 10

// The statuses of an outbox message.
const (
	OutboxPending = "pending" // waiting to be sent, or to be retried
	OutboxSent    = "sent"    // accepted by the mail server
	OutboxFailed  = "failed"  // refused for good by the mail server (5xx)
	// OutboxSkipped is a result only (see FinishInvitation): a message
	// with nothing new for the person is dropped.
	OutboxSkipped = "skipped"
	// OutboxDeferred is how OutboxMessage.Status shows a pending message
	// whose last attempt failed for a while (mail server down, 4xx).
	OutboxDeferred = "deferred"
)

// outboxRow is one invitation message to one person: pending while it
// gathers changes and waits to be sent, then sent, failed or skipped.
type outboxRow struct {
	ID          int64  `gorm:"primaryKey"`
	ProgrammeID int64  `gorm:"not null;uniqueIndex:idx_mail_outbox_pending,priority:1,where:status = 'pending';index:idx_mail_outbox_programme_person,priority:1"`
	PersonKey   string `gorm:"not null;uniqueIndex:idx_mail_outbox_pending,priority:2;index:idx_mail_outbox_programme_person,priority:2"`
	Status      string `gorm:"not null;index:idx_mail_outbox_status_due_at,priority:1"`
	// DueAt is when the message may go: the merge delay after the latest
	// change, or the next retry after a failed attempt.
	DueAt time.Time `gorm:"not null;index:idx_mail_outbox_status_due_at,priority:2"`
	// Generation rises with every change merged in, so that a worker that
	// claimed the message can tell whether changes arrived while it sent.
	Generation int64  `gorm:"not null"`
	Attempts   int64  `gorm:"not null"`
	LastError  string `gorm:"not null"`
	// ClaimedBy and ClaimedUntil are a worker's lease on the message while
	// it builds and sends it; another worker takes it only once the lease
	// has run out.
	ClaimedBy    string     `gorm:"not null"`
	ClaimedUntil *time.Time ``
	Recipient    string     `gorm:"not null"`
	Summary      string     `gorm:"not null"`
	MessageID    string     `gorm:"not null"`
	SentAt       *time.Time ``
	CreatedAt    time.Time  `gorm:"not null;autoCreateTime:false"`
	UpdatedAt    time.Time  `gorm:"not null;autoUpdateTime:false"`
}

func (outboxRow) TableName() string { return "mail_outbox" }

// outboxChangeRow links a message to a change it carries.
type outboxChangeRow struct {
	ID       int64 `gorm:"primaryKey"`
	OutboxID int64 `gorm:"not null;uniqueIndex:idx_mail_outbox_changes_outbox_change,priority:1"`
	ChangeID int64 `gorm:"not null;uniqueIndex:idx_mail_outbox_changes_outbox_change,priority:2;index:idx_mail_outbox_changes_change_id"`
}

func (outboxChangeRow) TableName() string { return "mail_outbox_changes" }

// sentItemRow is what a person was last sent of one item.
type sentItemRow struct {
	ID          int64     `gorm:"primaryKey"`
	ProgrammeID int64     `gorm:"not null;uniqueIndex:idx_mail_sent_items_person_uid,priority:1"`
	PersonKey   string    `gorm:"not null;uniqueIndex:idx_mail_sent_items_person_uid,priority:2"`
	UID         string    `gorm:"column:uid;not null;uniqueIndex:idx_mail_sent_items_person_uid,priority:3"`
	Recipient   string    `gorm:"not null"`
	Sequence    int64     `gorm:"not null"`
	Cancelled   bool      `gorm:"type:boolean;not null"`
	Title       string    `gorm:"not null"`
	Location    string    `gorm:"not null"`
	TimeZone    string    `gorm:"not null"`
	StartsAt    time.Time `gorm:"not null"`
	EndsAt      time.Time `gorm:"not null"`
	UpdatedAt   time.Time `gorm:"not null;autoUpdateTime:false"`
}

func (sentItemRow) TableName() string { return "mail_sent_items" }

// WithMailMergeDelay sets how long an invitation waits for more changes
// (DefaultMailMergeDelay by default).
func WithMailMergeDelay(d time.Duration) Option {
	return func(s *Store) { s.mailDelay = d }
}

// EnqueueInvitations marks as due the invitation messages of the people of
// programme slug named by personKeys (every person of the programme when
// personKeys is nil) who asked for their agenda by e-mail; the others are
// left out. It runs in tx, the transaction that records the change, so that
// a change is never lost: changeID is the change log's id of that change,
// recorded with the message (0 for none).
//
// A person's message that is still waiting takes the change in and waits
// the merge delay again, up to ten times the delay after it was first due;
// otherwise a new message is created, due after the merge delay. What the
// message holds is worked out only when it is sent, from the person's agenda
// as it is then (see OutboxClaim), so that merging is always safe.
func (s *Store) EnqueueInvitations(tx *gorm.DB, slug string, personKeys []string, changeID int64) error {
	if personKeys != nil && len(personKeys) == 0 {
		return nil
	}
	var progID int64
	if err := tx.Model(&programmeRow{}).Select("id").Where("slug = ?", slug).Take(&progID).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return programme.Errorf(programme.ENOTFOUND, "programme %q not found", slug)
		}
		return err
	}
	q := tx.Model(&personRow{}).Where("programme_id = ? AND calendar_by_email = ? AND email <> ''", progID, true)
	if personKeys != nil {
		q = q.Where("key IN ?", personKeys)
	}
	var keys []string
	if err := q.Order("key").Pluck("key", &keys).Error; err != nil {
		return err
	}
	now := s.clock()
	delay := s.mailDelay
	for _, key := range keys {
		// Both dialects take an upsert aimed at the partial index: a second
		// transaction waits for the first and then finds its row.
		err := tx.Exec(`INSERT INTO mail_outbox (programme_id, person_key, status, due_at, generation, attempts,
			last_error, claimed_by, recipient, summary, message_id, created_at, updated_at)
			VALUES (?, ?, 'pending', ?, 0, 0, '', '', '', '', '', ?, ?)
			ON CONFLICT (programme_id, person_key) WHERE status = 'pending' DO NOTHING`,
			progID, key, now.Add(delay), now, now).Error
		if err != nil {
			return err
		}
		var row outboxRow
		if err := tx.Where("programme_id = ? AND person_key = ? AND status = ?", progID, key, OutboxPending).
			Take(&row).Error; err != nil {
			return err
		}
		due := now.Add(delay)
		if limit := row.CreatedAt.Add(mailMergeLimit * delay); due.After(limit) {
			due = limit
		}
		// A message waiting for a retry keeps its backoff when that is later.
		if row.Attempts > 0 && row.DueAt.After(due) {
			due = row.DueAt
		}
		if err := tx.Model(&outboxRow{}).Where("id = ?", row.ID).Updates(map[string]any{
			"due_at": due, "generation": gorm.Expr("generation + 1"), "updated_at": now,
		}).Error; err != nil {
			return err
		}
		if changeID != 0 {
			err := tx.Exec(`INSERT INTO mail_outbox_changes (outbox_id, change_id) VALUES (?, ?)
				ON CONFLICT (outbox_id, change_id) DO NOTHING`, row.ID, changeID).Error
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// OutboxClaim is a worker's lease on one due message.
type OutboxClaim struct {
	ID         int64
	Slug       string
	PersonKey  string
	Worker     string
	Generation int64
	Attempts   int64
	// lastChange is the id of the last change row linked when claimed:
	// later ones arrived while the message was being sent.
	lastChange int64
}

// ClaimInvitation leases the next due message of a programme whose mail is
// not paused to worker for lease, and reports false when none is due. Two
// workers never hold the same message: on PostgreSQL the claim locks the row
// and skips rows other workers are claiming, and SQLite runs one write
// transaction at a time. The lease must outlast the send.
func (s *Store) ClaimInvitation(ctx context.Context, worker string, lease time.Duration) (OutboxClaim, bool, error) {
	var claim OutboxClaim
	found := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := s.clock()
		lock := ""
		if s.dialect == DialectPostgres {
			lock = " FOR UPDATE OF o SKIP LOCKED"
		}
		var row struct {
			ID         int64
			Slug       string
			PersonKey  string
			Generation int64
			Attempts   int64
		}
		res := tx.Raw(`SELECT o.id, p.slug, o.person_key, o.generation, o.attempts
			FROM mail_outbox o JOIN programmes p ON p.id = o.programme_id
			WHERE o.status = 'pending' AND o.due_at <= ? AND (o.claimed_until IS NULL OR o.claimed_until <= ?)
			AND p.mail_paused = ?
			ORDER BY o.due_at, o.id LIMIT 1`+lock, now, now, false).Scan(&row)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		until := now.Add(lease)
		// The lease is checked again as it is taken, so that even without
		// the row lock two workers could not both take it.
		upd := tx.Model(&outboxRow{}).
			Where("id = ? AND status = 'pending' AND (claimed_until IS NULL OR claimed_until <= ?)", row.ID, now).
			Updates(map[string]any{"claimed_by": worker, "claimed_until": until})
		if upd.Error != nil || upd.RowsAffected == 0 {
			return upd.Error
		}
		var last *int64
		if err := tx.Model(&outboxChangeRow{}).Select("MAX(id)").Where("outbox_id = ?", row.ID).
			Scan(&last).Error; err != nil {
			return err
		}
		claim = OutboxClaim{ID: row.ID, Slug: row.Slug, PersonKey: row.PersonKey, Worker: worker,
			Generation: row.Generation, Attempts: row.Attempts}
		if last != nil {
			claim.lastChange = *last
		}
		found = true
		return nil
	})
	if err != nil {
		return OutboxClaim{}, false, s.wrap(err, "cannot claim an invitation")
	}
	return claim, found, nil
}

// SentItem is what a person was last sent of one item, by calendar UID.
type SentItem struct {
	UID       string
	Recipient string
	Sequence  int
	Cancelled bool
	Title     string
	Location  string
	TimeZone  string
	StartsAt  time.Time
	EndsAt    time.Time
}

// SentItems returns what person was last sent of each item of programme slug, by UID.
func (s *Store) SentItems(ctx context.Context, slug, person string) (map[string]SentItem, error) {
	var rows []sentItemRow
	err := s.db.WithContext(ctx).Joins("JOIN programmes ON programmes.id = mail_sent_items.programme_id").
		Where("programmes.slug = ? AND mail_sent_items.person_key = ?", slug, person).Find(&rows).Error
	if err != nil {
		return nil, s.wrap(err, "cannot read the invitations sent")
	}
	out := make(map[string]SentItem, len(rows))
	for _, r := range rows {
		out[r.UID] = SentItem{UID: r.UID, Recipient: r.Recipient, Sequence: int(r.Sequence), Cancelled: r.Cancelled,
			Title: r.Title, Location: r.Location, TimeZone: r.TimeZone, StartsAt: r.StartsAt.UTC(), EndsAt: r.EndsAt.UTC()}
	}
	return out, nil
}

// OutboxResult is how an attempt to send a claimed message ended.
type OutboxResult struct {
	// Status is OutboxSent, OutboxFailed, OutboxSkipped, or OutboxPending
	// for an attempt to be retried at RetryAt.
	Status    string
	RetryAt   time.Time
	Error     string // the mail server's answer, for failed and retried attempts
	Recipient string
	Summary   string // what changed, in words
	MessageID string
	// Items are the items the message carried, as sent; recorded only
	// when it was sent.
	Items []SentItem
}

// ErrClaimLost is returned by FinishInvitation when the worker's lease ran
// out and the message was taken by another worker or finished already.
var ErrClaimLost = errors.New("the invitation's claim was lost")

// FinishInvitation records how the attempt of claim ended, and releases it.
// A skipped message is deleted, unless changes arrived while it was worked
// out: then it waits for them.
// A sent message records its items as the person's sent state. When changes
// arrived while it was being sent, they go on in a new pending message, due
// when the merged changes wanted it.
func (s *Store) FinishInvitation(ctx context.Context, claim OutboxClaim, res OutboxResult) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := s.clock()
		var row outboxRow
		lock := tx
		if s.dialect == DialectPostgres {
			lock = tx.Set("gorm:query_option", "FOR UPDATE")
		}
		if err := lock.Where("id = ?", claim.ID).Take(&row).Error; err != nil {
			return err
		}
		if row.Status != OutboxPending || row.ClaimedBy != claim.Worker {
			return ErrClaimLost
		}
		if res.Status == OutboxPending {
			return tx.Model(&outboxRow{}).Where("id = ?", row.ID).Updates(map[string]any{
				"attempts": gorm.Expr("attempts + 1"), "last_error": res.Error, "due_at": laterOf(res.RetryAt, row.DueAt),
				"claimed_by": "", "claimed_until": nil, "updated_at": now,
			}).Error
		}
		if !slices.Contains([]string{OutboxSent, OutboxFailed, OutboxSkipped}, res.Status) {
			return fmt.Errorf("store: unknown outbox status %q", res.Status)
		}
		if res.Status == OutboxSkipped {
			if row.Generation != claim.Generation {
				// Changes arrived meanwhile: the message waits for them.
				return tx.Model(&outboxRow{}).Where("id = ?", row.ID).
					Updates(map[string]any{"claimed_by": "", "claimed_until": nil, "updated_at": now}).Error
			}
			// Every change marks every person who gets mail, so most
			// changes leave most people's agendas alone: a message with
			// nothing to say is dropped rather than listed. No message
			// for a change is how staff see that it did not touch them.
			if err := tx.Where("outbox_id = ?", row.ID).Delete(&outboxChangeRow{}).Error; err != nil {
				return err
			}
			return tx.Delete(&outboxRow{}, row.ID).Error
		}
		update := map[string]any{
			"status": res.Status, "last_error": res.Error, "recipient": res.Recipient, "summary": res.Summary,
			"message_id": res.MessageID, "claimed_by": "", "claimed_until": nil, "updated_at": now,
		}
		update["attempts"] = gorm.Expr("attempts + 1")
		if res.Status == OutboxSent {
			update["sent_at"] = now
		}
		if err := tx.Model(&outboxRow{}).Where("id = ?", row.ID).Updates(update).Error; err != nil {
			return err
		}
		if res.Status == OutboxSent {
			if err := saveSentItems(tx, row.ProgrammeID, row.PersonKey, res.Items, now); err != nil {
				return err
			}
		}
		if row.Generation == claim.Generation {
			return nil
		}
		next := outboxRow{ProgrammeID: row.ProgrammeID, PersonKey: row.PersonKey, Status: OutboxPending,
			DueAt: row.DueAt, Generation: 1, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&next).Error; err != nil {
			return err
		}
		return tx.Model(&outboxChangeRow{}).Where("outbox_id = ? AND id > ?", row.ID, claim.lastChange).
			Update("outbox_id", next.ID).Error
	})
	if errors.Is(err, ErrClaimLost) {
		return err
	}
	if err != nil {
		return s.wrap(err, "cannot record the invitation")
	}
	return nil
}

// saveSentItems upserts what a person was sent, item by item.
func saveSentItems(tx *gorm.DB, progID int64, person string, items []SentItem, now time.Time) error {
	for _, it := range items {
		row := sentItemRow{ProgrammeID: progID, PersonKey: person, UID: it.UID, Recipient: it.Recipient,
			Sequence: int64(it.Sequence), Cancelled: it.Cancelled, Title: it.Title, Location: it.Location,
			TimeZone: it.TimeZone, StartsAt: it.StartsAt.UTC(), EndsAt: it.EndsAt.UTC(), UpdatedAt: now}
		var old sentItemRow
		err := tx.Where("programme_id = ? AND person_key = ? AND uid = ?", progID, person, it.UID).Take(&old).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			if err := tx.Create(&row).Error; err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			row.ID = old.ID
			if err := tx.Save(&row).Error; err != nil {
				return err
			}
		}
	}
	return nil
}

func laterOf(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// OutboxMessage is one invitation message as staff see it.
type OutboxMessage struct {
	ID        int64
	Slug      string
	PersonKey string
	// Status is OutboxPending, OutboxDeferred (pending after a failed
	// attempt), OutboxSent or OutboxFailed.
	Status    string
	Attempts  int
	LastError string // the mail server's last answer, when it refused
	DueAt     time.Time
	SentAt    *time.Time
	Recipient string
	Summary   string
	ChangeIDs []int64
	CreatedAt time.Time
}

// Outbox lists the invitation messages of programme slug, or of every
// programme when slug is empty, newest first. An unknown slug is ENOTFOUND.
func (s *Store) Outbox(ctx context.Context, slug string) ([]OutboxMessage, error) {
	var out []OutboxMessage
	err := s.readTx(ctx, func(tx *gorm.DB) error {
		q := tx.Model(&outboxRow{})
		if slug != "" {
			var id int64
			err := tx.Model(&programmeRow{}).Select("id").Where("slug = ?", slug).Take(&id).Error
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return programme.Errorf(programme.ENOTFOUND, "programme %q not found", slug)
			}
			if err != nil {
				return err
			}
			q = q.Where("programme_id = ?", id)
		}
		var rows []outboxRow
		if err := q.Order("id DESC").Find(&rows).Error; err != nil {
			return err
		}
		var progs []programmeRow
		if err := tx.Select("id, slug").Find(&progs).Error; err != nil {
			return err
		}
		slugs := make(map[int64]string, len(progs))
		for _, p := range progs {
			slugs[p.ID] = p.Slug
		}
		ids := make([]int64, len(rows))
		for i := range rows {
			ids[i] = rows[i].ID
		}
		var links []outboxChangeRow
		if len(ids) > 0 {
			if err := tx.Where("outbox_id IN ?", ids).Order("change_id").Find(&links).Error; err != nil {
				return err
			}
		}
		changes := map[int64][]int64{}
		for _, l := range links {
			changes[l.OutboxID] = append(changes[l.OutboxID], l.ChangeID)
		}
		for _, r := range rows {
			m := OutboxMessage{ID: r.ID, Slug: slugs[r.ProgrammeID], PersonKey: r.PersonKey, Status: r.Status,
				Attempts: int(r.Attempts), LastError: r.LastError, DueAt: r.DueAt.UTC(), Recipient: r.Recipient,
				Summary: r.Summary, ChangeIDs: changes[r.ID], CreatedAt: r.CreatedAt.UTC()}
			if r.SentAt != nil {
				t := r.SentAt.UTC()
				m.SentAt = &t
			}
			if m.Status == OutboxPending && m.Attempts > 0 {
				m.Status = OutboxDeferred
			}
			out = append(out, m)
		}
		return nil
	})
	if err != nil {
		return nil, s.wrap(err, "cannot list the outbox")
	}
	return out, nil
}

// SetMailPaused pauses or resumes the invitations of programme slug. While
// paused, messages gather changes and wait; resuming makes every waiting
// message due at once, so that staff send a rehearsal day's edits in one go.
func (s *Store) SetMailPaused(ctx context.Context, slug string, paused bool) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&programmeRow{}).Where("slug = ?", slug).Update("mail_paused", paused)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return programme.Errorf(programme.ENOTFOUND, "programme %q not found", slug)
		}
		if paused {
			return nil
		}
		return tx.Exec(`UPDATE mail_outbox SET due_at = ? WHERE status = 'pending' AND due_at > ?
			AND programme_id = (SELECT id FROM programmes WHERE slug = ?)`, s.clock(), s.clock(), slug).Error
	})
	if err != nil {
		return s.wrap(err, "cannot pause or resume the programme's mail")
	}
	return nil
}

// MailPaused reports whether the invitations of programme slug are paused.
func (s *Store) MailPaused(ctx context.Context, slug string) (bool, error) {
	var paused bool
	err := s.db.WithContext(ctx).Model(&programmeRow{}).Select("mail_paused").Where("slug = ?", slug).Take(&paused).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return false, programme.Errorf(programme.ENOTFOUND, "programme %q not found", slug)
	}
	if err != nil {
		return false, s.wrap(err, "cannot read the programme")
	}
	return paused, nil
}
