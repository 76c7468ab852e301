package invite

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/wneessen/go-mail"

	"github.com/planner-dev/planner/internal/invite/imip"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
)

// The environment variables of the mail settings.
const (
	EnvSMTPURL  = "PLANNER_SMTP_URL"
	EnvMailFrom = "PLANNER_MAIL_FROM"
)

// Config says how to reach the mail server and whom mail is from.
type Config struct {
	Host     string
	Port     int
	Implicit bool // smtps: TLS from the first byte; otherwise STARTTLS, required
	Username string
	Password string
	From     string
	// TLS is the TLS configuration, nil for the system's roots; tests
	// trust their own server's certificate with it.
	TLS *tls.Config
}

// ConfigFromEnv reads PLANNER_SMTP_URL and PLANNER_MAIL_FROM. It reports
// false, and no error, when PLANNER_SMTP_URL is unset: then no mail is sent.
func ConfigFromEnv(getenv func(string) string) (Config, bool, error) {
	raw := getenv(EnvSMTPURL)
	if raw == "" {
		return Config{}, false, nil
	}
	cfg, err := ParseConfig(raw, getenv(EnvMailFrom))
	return cfg, err == nil, err
}

// ParseConfig reads an SMTP URL, smtp://user:pass@host:587 (STARTTLS) or
// smtps://user:pass@host:465 (implicit TLS), and the From address. A bad
// value is EINVALID and names the variable, never the password.
func ParseConfig(rawURL, from string) (Config, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return Config{}, programme.Errorf(programme.EINVALID,
			"%s must be a URL such as smtp://user:password@mail.example.org:587", EnvSMTPURL)
	}
	cfg := Config{Host: u.Hostname()}
	switch u.Scheme {
	case "smtp":
		cfg.Port = 587
	case "smtps":
		cfg.Port, cfg.Implicit = 465, true
	default:
		return Config{}, programme.Errorf(programme.EINVALID,
			"%s must start with smtp:// (STARTTLS) or smtps:// (implicit TLS), not %q", EnvSMTPURL, u.Scheme+"://")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return Config{}, programme.Errorf(programme.EINVALID, "%s has an invalid port %q", EnvSMTPURL, p)
		}
		cfg.Port = n
	}
	if u.User != nil {
		cfg.Username = u.User.Username()
		cfg.Password, _ = u.User.Password()
	}
	if from == "" {
		return Config{}, programme.Errorf(programme.EINVALID, "%s is required when %s is set", EnvMailFrom, EnvSMTPURL)
	}
	if _, err := programme.NormalizeEmail(from); err != nil {
		return Config{}, programme.Errorf(programme.EINVALID,
			"%s %q is not an e-mail address such as events@example.org", EnvMailFrom, from)
	}
	cfg.From = from
	return cfg, nil
}

// Sender hands a message to a mail server.
type Sender interface {
	Send(ctx context.Context, msg *mail.Msg) error
}

// SMTP sends each message over a new SMTP connection: invitations go in
// small numbers, and a connection kept open would only time out between them.
type SMTP struct{ cfg Config }

// NewSMTP returns a sender for cfg.
func NewSMTP(cfg Config) *SMTP { return &SMTP{cfg: cfg} }

// Send implements Sender.
func (s *SMTP) Send(ctx context.Context, msg *mail.Msg) error {
	opts := []mail.Option{mail.WithPort(s.cfg.Port), mail.WithTimeout(30 * time.Second)}
	if s.cfg.Implicit {
		opts = append(opts, mail.WithSSL())
	} else {
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	tlsConfig := &tls.Config{ServerName: s.cfg.Host, MinVersion: tls.VersionTLS12}
	if s.cfg.TLS != nil {
		tlsConfig = s.cfg.TLS.Clone()
		tlsConfig.ServerName = s.cfg.Host
	}
	opts = append(opts, mail.WithTLSConfig(tlsConfig))
	if s.cfg.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(s.cfg.Username), mail.WithPassword(s.cfg.Password))
	}
	c, err := mail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return err
	}
	return c.DialAndSendWithContext(ctx, msg)
}

// Compose builds the message of plan for person: a plain-text and an HTML
// part saying what changed, and the calendar as the alternative iMIP part
// (text/calendar; method=REQUEST, or CANCEL when it only cancels). A plan
// that both requests and cancels carries the cancellations as a second
// calendar part.
func Compose(cfg Config, p *programme.Programme, person *programme.Person, pl Plan, pageURL string, now time.Time) (*mail.Msg, Letter, error) {
	organizer := p.OrganizerEmail
	if organizer == "" {
		organizer = cfg.From
	}
	letter, err := Write(p, person, pl, pageURL)
	if err != nil {
		return nil, Letter{}, err
	}
	m := mail.NewMsg()
	if err := m.FromFormat(imip.Param(p.Organizer, p.Title), cfg.From); err != nil {
		return nil, Letter{}, fmt.Errorf("invite: from: %w", err)
	}
	if err := m.To(person.Email); err != nil {
		return nil, Letter{}, programme.Errorf(programme.EINVALID, "person %q: %q is not an e-mail address", person.Key, person.Email)
	}
	if organizer != cfg.From {
		if err := m.ReplyTo(organizer); err != nil {
			return nil, Letter{}, fmt.Errorf("invite: reply-to: %w", err)
		}
	}
	m.Subject(letter.Subject)
	m.SetDateWithValue(now)
	m.SetMessageID()
	m.SetBodyString(mail.TypeTextPlain, letter.Text)
	m.AddAlternativeString(mail.TypeTextHTML, letter.HTML)

	main, mainItems := ics.MethodRequest, pl.Requests
	if len(pl.Requests) == 0 {
		main, mainItems = ics.MethodCancel, pl.Cancels
	}
	cal, err := Calendar(main, p, person, organizer, mainItems, now)
	if err != nil {
		return nil, Letter{}, err
	}
	m.AddAlternativeString(mail.ContentType("text/calendar; method="+string(main)), string(cal))
	if main == ics.MethodRequest && len(pl.Cancels) > 0 {
		cancel, err := Calendar(ics.MethodCancel, p, person, organizer, pl.Cancels, now)
		if err != nil {
			return nil, Letter{}, err
		}
		if err := m.AttachReader("cancel.ics", strings.NewReader(string(cancel)),
			mail.WithFileContentType(mail.ContentType("text/calendar; method=CANCEL; charset=UTF-8"))); err != nil {
			return nil, Letter{}, fmt.Errorf("invite: %w", err)
		}
	}
	return m, letter, nil
}

// Worker sends the outbox's due messages. Several workers, in one process or
// several, may share one database: each message is claimed by one of them.
type Worker struct {
	Store  *store.Store
	Sender Sender
	Config Config
	// Name tells this worker's claims apart from other workers'.
	Name string
	// Now is the clock; time.Now when nil. It must agree with the store's.
	Now func() time.Time
	// PageURL returns the person's agenda page, for the welcome message;
	// optional.
	PageURL func(ctx context.Context, slug, person string) (string, error)
	Log     *slog.Logger
	// Poll is how often an idle worker looks for due messages (5 s when zero).
	Poll time.Duration
}

// lease is how long a claim lasts: well beyond the send's 30 s timeout, so
// that no other worker takes a message that is still being sent.
const lease = 5 * time.Minute

// Backoff is the wait before attempt number attempts+1 of a message: 30 s
// doubled with each failed attempt, at most an hour, less up to a quarter
// at random so that messages deferred together do not retry together.
func Backoff(attempts int64) time.Duration {
	d := 30 * time.Second
	for i := int64(0); i < attempts && d < time.Hour; i++ {
		d *= 2
	}
	d = min(d, time.Hour)
	return d - time.Duration(rand.Int64N(int64(d/4)+1))
}

func (w *Worker) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func (w *Worker) log() *slog.Logger {
	if w.Log != nil {
		return w.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Run sends due messages until ctx ends.
func (w *Worker) Run(ctx context.Context) error {
	poll := w.Poll
	if poll <= 0 {
		poll = 5 * time.Second
	}
	for {
		worked, err := w.RunOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			w.log().Error("outbox", "err", err)
		}
		if worked && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(poll):
		}
	}
}

// RunOnce handles one due message, if any, and reports whether there was one.
// A message is rebuilt from the person's agenda at the time it is sent, so a
// retry never sends what is no longer true, and a message whose person has
// nothing new is skipped.
func (w *Worker) RunOnce(ctx context.Context) (bool, error) {
	claim, ok, err := w.Store.ClaimInvitation(ctx, w.Name, lease)
	if err != nil || !ok {
		return false, err
	}
	res, err := w.attempt(ctx, claim)
	if err != nil {
		// Something of ours went wrong (the database, a bad programme):
		// try again later rather than lose the message.
		res = store.OutboxResult{Status: store.OutboxPending, Error: err.Error(),
			RetryAt: w.now().Add(Backoff(claim.Attempts))}
	}
	// The outcome is recorded even when ctx ended during the send (serve
	// shutting down), so that the message is not left claimed.
	if ferr := w.Store.FinishInvitation(context.WithoutCancel(ctx), claim, res); ferr != nil {
		return true, ferr
	}
	w.log().Info("invitation", "programme", claim.Slug, "person", claim.PersonKey, "status", res.Status,
		"error", res.Error)
	return true, err
}

func (w *Worker) attempt(ctx context.Context, claim store.OutboxClaim) (store.OutboxResult, error) {
	skipped := store.OutboxResult{Status: store.OutboxSkipped}
	p, err := w.Store.Programme(ctx, claim.Slug)
	if err != nil {
		return skipped, err
	}
	person := p.Person(claim.PersonKey)
	if person == nil || !person.CalendarByEmail || person.Email == "" {
		skipped.Summary = "The person no longer gets their agenda by e-mail."
		return skipped, nil
	}
	now := w.now()
	entries, err := p.FeedEntries(programme.FeedPerson, person.Key, now)
	if err != nil {
		return skipped, err
	}
	sent, err := w.Store.SentItems(ctx, p.Slug, person.Key)
	if err != nil {
		return skipped, err
	}
	pl := PlanFor(p, entries, sent, person.Email)
	if pl.Empty() {
		skipped.Summary = "Nothing new for the person."
		skipped.Recipient = person.Email
		return skipped, nil
	}
	var pageURL string
	if pl.Welcome && w.PageURL != nil {
		if pageURL, err = w.PageURL(ctx, p.Slug, person.Key); err != nil {
			return skipped, err
		}
	}
	msg, _, err := Compose(w.Config, p, person, pl, pageURL, now)
	if err != nil {
		return skipped, err
	}
	res := store.OutboxResult{Recipient: person.Email, Summary: strings.Join(pl.Lines, "\n"),
		MessageID: msg.GetMessageID()}
	err = w.Sender.Send(ctx, msg)
	switch {
	case err == nil:
		res.Status, res.Items = store.OutboxSent, sentItems(pl.Items)
	case permanent(err):
		res.Status, res.Error = store.OutboxFailed, err.Error()
	default:
		res.Status, res.Error = store.OutboxPending, err.Error()
		res.RetryAt = now.Add(Backoff(claim.Attempts))
	}
	return res, nil
}

// permanent reports whether the mail server refused the message for good:
// a 5xx reply. Anything else (4xx, no connection, a timeout) is retried.
func permanent(err error) bool {
	var se *mail.SendError
	if errors.As(err, &se) {
		code := se.ErrorCode()
		return code >= 500 && code < 600
	}
	return false
}
