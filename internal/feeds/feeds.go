// Package feeds owns the calendar feeds that delegates subscribe to: which
// feeds a programme offers, their secret tokens, rendering a feed for a token,
// and what staff see of whether a calendar has fetched the latest change.
package feeds

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/planner-dev/planner/internal/ical"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
)

// formatVersion is part of every ETag: raise it whenever the encoder's output
// changes for the same data, so that clients fetch the new bytes.
const formatVersion = 2

// Subject is one feed a programme offers: a person's agenda, a delegation's,
// a room's bookings, a speaker's slots or the whole programme.
type Subject struct {
	Kind programme.FeedKind
	Key  string
	Name string
}

// Subjects lists the feeds of p in a stable order: the programme, then each
// delegation, person, speaker and room in file order.
func Subjects(p *programme.Programme) []Subject {
	subjects := []Subject{{programme.FeedProgramme, p.Slug, p.Title}}
	for _, d := range p.Delegations {
		subjects = append(subjects, Subject{programme.FeedDelegation, d.Key, d.Name})
	}
	for _, person := range p.People {
		subjects = append(subjects, Subject{programme.FeedPerson, person.Key, person.Name})
	}
	speaks := map[string]bool{}
	for _, s := range p.Sessions {
		for _, slot := range s.Slots {
			for _, k := range slot.Speakers {
				speaks[k] = true
			}
		}
	}
	for _, person := range p.People {
		if speaks[person.Key] {
			subjects = append(subjects, Subject{programme.FeedSpeaker, person.Key, person.Name})
		}
	}
	for _, r := range p.Rooms {
		subjects = append(subjects, Subject{programme.FeedRoom, r.Key, r.Name})
	}
	return subjects
}

// Service ties feed tokens, the store and the encoder together.
type Service struct {
	store   *store.Store
	keys    *Keyring
	baseURL string
	now     func() time.Time
	// bodies keeps rendered feeds by token and ETag (see cache.go); nil
	// renders every time.
	bodies *bodyCache
	// mem answers for the database while Watch keeps it current
	// (memory.go); snaps keeps each programme as last loaded, and fetches
	// the fetch records (fetches.go).
	mem     *memory
	snaps   *snapshots
	fetches *fetchLog
	// lookupSlots bounds the lookups that ask the database at once (see
	// lookupSlotsFor); nil bounds nothing.
	lookupSlots chan struct{}
}

// reservedConns is how many of the store's connections feed lookups leave
// to others: Watch's notifications hold one, and its checks need another
// at once. Without them, a burst of lookups that memory cannot answer (a
// first pass over thousands of feeds) queued Watch's check behind them;
// a check that ends after ChangeTrustWindow trusts memory for no time at
// all, so every lookup kept asking the database and the burst never ended.
const reservedConns = 4

// lookupSlotsFor returns the semaphore that keeps reservedConns of the
// store's connections free of feed lookups, or nil when the pool is too
// small or unbounded.
func lookupSlotsFor(st *store.Store) chan struct{} {
	if st == nil || st.DB() == nil {
		return nil
	}
	sqlDB, err := st.DB().DB()
	if err != nil {
		return nil
	}
	if n := sqlDB.Stats().MaxOpenConnections - reservedConns; n > 0 {
		return make(chan struct{}, n)
	}
	return nil
}

// dbTurn waits for a turn to ask the database for a lookup, and returns
// the function that ends it.
func (s *Service) dbTurn(ctx context.Context) (done func(), err error) {
	if s.lookupSlots == nil {
		return func() {}, nil
	}
	select {
	case s.lookupSlots <- struct{}{}:
		return func() { <-s.lookupSlots }, nil
	case <-ctx.Done():
		return nil, cancelled(ctx, ctx.Err())
	}
}

// NewService returns a Service. baseURL is the public address of the server,
// such as https://planner.example.org, used to build the URLs it hands out.
func NewService(st *store.Store, keys *Keyring, baseURL string, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	s := &Service{store: st, keys: keys, baseURL: strings.TrimRight(baseURL, "/"), now: now,
		bodies: newBodyCache(DefaultCacheEntries, DefaultCacheBytes), mem: newMemory(), snaps: &snapshots{}, fetches: newFetchLog(),
		lookupSlots: lookupSlotsFor(st)}
	// This process's own changes reach memory at once (see Current).
	st.OnProgrammeWrite(s.mem.wrote)
	return s
}

// FeedURL is the https URL of the feed behind token.
func (s *Service) FeedURL(token string) string { return s.baseURL + "/feeds/" + token + ".ics" }

// PageURL is the URL of the personal agenda page behind token.
func (s *Service) PageURL(token string) string { return s.baseURL + "/a/" + token }

// WebcalURL is the feed URL with the webcal scheme that Apple Calendar,
// Outlook and Thunderbird open as a subscription.
func WebcalURL(feedURL string) string {
	if i := strings.Index(feedURL, "://"); i >= 0 {
		return "webcal" + feedURL[i:]
	}
	return feedURL
}

// GoogleURL is the link that opens Google Calendar's "add by URL" with the feed.
func GoogleURL(feedURL string) string {
	return "https://calendar.google.com/calendar/render?cid=" + url.QueryEscape(WebcalURL(feedURL))
}

// Listing is one feed as staff see it.
type Listing struct {
	Subject
	// URL is the feed's address; empty once revoked.
	URL     string
	Revoked bool
	// LastFetchedAt is when a calendar last fetched the feed, nil if never.
	LastFetchedAt *time.Time
	// LatestChange is when anything in the feed last changed, and
	// LatestTitle the title of the item that changed then.
	LatestChange time.Time
	LatestTitle  string
	// Current reports whether the feed was fetched since its latest change.
	Current bool
	// Former marks a feed the programme no longer offers, whose token still
	// works while it carries the items its subject lost.
	Former bool
}

// List returns every feed of the programme. With create, feeds that have no
// token yet get one; existing tokens are never changed.
func (s *Service) List(ctx context.Context, slug string, create bool) ([]Listing, error) {
	p, err := s.store.Programme(ctx, slug)
	if err != nil {
		return nil, err
	}
	// Every feed's entries are worked out below: without the index, each
	// of a conference's thousands of feeds scans the people for every
	// speaker and member it names.
	p.IndexKeys()
	tokens, err := s.store.FeedTokens(ctx, slug)
	if err != nil {
		return nil, err
	}
	byID := map[string]store.FeedToken{}
	for _, t := range tokens {
		byID[t.Kind+"/"+t.Key] = t
	}
	now := s.now()
	var out []Listing
	for _, sub := range Subjects(p) {
		tok, ok := byID[string(sub.Kind)+"/"+sub.Key]
		if !ok {
			if !create {
				continue
			}
			nonce := NewNonce()
			tok, _, err = s.store.CreateFeedToken(ctx, slug, string(sub.Kind), sub.Key, nonce, HashToken(s.keys.Token(nonce)))
			if err != nil {
				return nil, err
			}
		}
		delete(byID, string(sub.Kind)+"/"+sub.Key)
		entries, err := p.FeedEntries(sub.Kind, sub.Key, now)
		if err != nil {
			return nil, err
		}
		out = append(out, s.listing(sub, tok, entries))
	}
	// A feed the programme no longer offers (a speaker who lost every slot)
	// keeps a working URL while it carries its cancelled items: staff must
	// see it to revoke it.
	for _, tok := range tokens {
		if _, left := byID[tok.Kind+"/"+tok.Key]; !left {
			continue
		}
		kind := programme.FeedKind(tok.Kind)
		entries, err := p.FeedEntries(kind, tok.Key, now)
		if err != nil && programme.ErrorCode(err) != programme.ENOTFOUND {
			return nil, err
		}
		l := s.listing(subjectOf(p, kind, tok.Key), tok, entries)
		l.Former = true
		out = append(out, l)
	}
	return out, nil
}

func (s *Service) listing(sub Subject, tok store.FeedToken, entries []programme.Entry) Listing {
	l := Listing{Subject: sub, Revoked: tok.Hash == nil, LastFetchedAt: tok.LastFetchedAt}
	if !l.Revoked {
		l.URL = s.FeedURL(s.keys.Token(tok.Nonce))
	}
	for _, e := range entries {
		if e.ModifiedAt.After(l.LatestChange) {
			l.LatestChange, l.LatestTitle = e.ModifiedAt, e.Title
		}
	}
	l.Current = tok.LastFetchedAt != nil && !tok.LastFetchedAt.Before(l.LatestChange)
	return l
}

// Rotate gives a feed a new token (the old URL stops working at once) and
// re-enables a revoked feed.
func (s *Service) Rotate(ctx context.Context, slug string, kind programme.FeedKind, key string) (Listing, error) {
	p, sub, err := s.subject(ctx, slug, kind, key)
	if err != nil {
		return Listing{}, err
	}
	// Whatever the outcome, nothing kept for the old token may be served
	// again; the new token's body is rendered anew.
	defer s.forgetSubject(slug, kind, key)
	nonce := NewNonce()
	tok, err := s.store.ReplaceFeedToken(ctx, slug, string(kind), key, nonce, HashToken(s.keys.Token(nonce)))
	if err != nil {
		return Listing{}, err
	}
	s.fetches.forget(tok.ID)
	// The token is replaced already; a subject the programme no longer has
	// (its feed answers 404 either way) just has no entries to report.
	entries, err := p.FeedEntries(kind, key, s.now())
	if err != nil && programme.ErrorCode(err) != programme.ENOTFOUND {
		return Listing{}, err
	}
	return s.listing(sub, tok, entries), nil
}

// Revoke disables a feed's token: its URL answers 404 from then on.
func (s *Service) Revoke(ctx context.Context, slug string, kind programme.FeedKind, key string) error {
	if _, _, err := s.subject(ctx, slug, kind, key); err != nil {
		return err
	}
	// Dropped after the revocation committed (or failed in an unknown
	// state), so that no request that looked the token up before can keep
	// its body either.
	defer s.forgetSubject(slug, kind, key)
	return s.store.RevokeFeedToken(ctx, slug, string(kind), key)
}

// forgetSubject drops everything this Service keeps for one feed's tokens,
// in memory and in the body cache.
func (s *Service) forgetSubject(slug string, kind programme.FeedKind, key string) {
	s.mem.dropSubject(slug, string(kind), key)
	s.bodies.dropSubject(subjectKey(slug, string(kind), key))
}

func (s *Service) subject(ctx context.Context, slug string, kind programme.FeedKind, key string) (*programme.Programme, Subject, error) {
	p, err := s.store.Programme(ctx, slug)
	if err != nil {
		return nil, Subject{}, err
	}
	for _, sub := range Subjects(p) {
		if sub.Kind == kind && sub.Key == key {
			return p, sub, nil
		}
	}
	// A feed can leave the listing while its URL keeps working: a speaker's,
	// once their last slot went to someone else, still carries the lost slots
	// as tombstones. Staff must still be able to rotate or revoke it.
	tokens, err := s.store.FeedTokens(ctx, slug)
	if err != nil {
		return nil, Subject{}, err
	}
	for _, t := range tokens {
		if t.Kind == string(kind) && t.Key == key {
			return p, subjectOf(p, kind, key), nil
		}
	}
	return nil, Subject{}, programme.Errorf(programme.ENOTFOUND, "programme %q has no %s feed %q", slug, kind, key)
}

// subjectOf names the subject of a feed, whether Subjects lists it or not.
func subjectOf(p *programme.Programme, kind programme.FeedKind, key string) Subject {
	return Subject{Kind: kind, Key: key, Name: subjectName(p, kind, key)}
}

// subjectName is the name of a feed's subject: the programme's title, or the
// person, delegation or room when the programme still has it, else its key.
func subjectName(p *programme.Programme, kind programme.FeedKind, key string) string {
	switch kind {
	case programme.FeedProgramme:
		return p.Title
	case programme.FeedPerson, programme.FeedSpeaker:
		if x := p.Person(key); x != nil {
			return x.Name
		}
	case programme.FeedDelegation:
		if x := p.Delegation(key); x != nil {
			return x.Name
		}
	case programme.FeedRoom:
		if x := p.Room(key); x != nil {
			return x.Name
		}
	}
	return key
}

// Feed is a resolved feed token with what its ETag needs.
type Feed struct {
	Token     store.FeedToken
	Version   int64
	UpdatedAt time.Time
	// ETag is a strong validator of the feed's bytes: a hash of its plain
	// body, so that a change elsewhere in the programme leaves it as it
	// was. Lookup sets it; Resolve does not.
	ETag string
	// LastModified is when the feed's bytes last changed, as far as this
	// process knows: the latest change of its items, or the start of the
	// UTC day (when old tombstones leave), whichever is later, kept while
	// the bytes stay the same.
	LastModified time.Time
	now          time.Time
	stamp        lookupStamp
	// body is the plain body the ETag belongs to, nil until rendered or
	// when its cache entry was evicted.
	body []byte
	// lastModifiedText and gzipETag are made once per body (see
	// LastModifiedHTTP and GzipETag); empty when not known.
	lastModifiedText string
	gzipETag         string
	// etagValues is the validator's (see ETagValue).
	etagValues *[2]string
	// answer is the kept answer f was given from (see answers), or nil.
	answer *answer
}

// Lookup resolves a token and works out its feed's ETag. An unknown,
// revoked or malformed token is ENOTFOUND, and the error says nothing more.
// While Watch keeps this Service current, a known token of an unchanged
// feed costs no query at all; otherwise it takes two small queries (the
// token, the programme's version). The ETag of a feed not rendered since
// its programme changed needs the feed rendered (from the programme loaded
// once per change, see programme): the body is then kept for Render.
func (s *Service) Lookup(ctx context.Context, token string) (*Feed, error) {
	if f := new(Feed); s.LookupInMemory(token, f) {
		return f, nil
	}
	f, confirmed, err := s.resolve(ctx, token)
	if err != nil {
		return nil, err
	}
	var (
		v    validator
		body []byte
		ok   bool
	)
	if confirmed {
		v, body, ok = s.bodies.current(token, f.Version, feedDay(f.now))
	} else {
		v, body, ok = s.bodies.confirmCurrent(token, f.stamp.confirmed, f.stamp.epoch, f.Version, feedDay(f.now))
	}
	if ok {
		f.use(v, body)
		return f, nil
	}
	if err := s.render(ctx, f, token); err != nil {
		return nil, err
	}
	return f, nil
}

// LookupInMemory is Lookup when memory answers for all of it, as for
// nearly every request while Watch keeps this Service current: the token is
// known, its programme's version too, and the validators of the feed of that
// version are kept (its body may not be; see Kept). It never asks the
// database and never renders: it returns false, f then unspecified, when
// Lookup would have to, or when the token is unknown to memory (revoked or
// not, only the database can say). It fills f, which the caller provides so
// that a request answered from memory allocates no Feed.
func (s *Service) LookupInMemory(token string, f *Feed) bool {
	// No syntax check: memory holds only tokens the database found, which
	// were well-formed, and another string has another hash.
	now := s.now()
	// Memory's trust is read before its counter, and the counter before
	// anything it guards: a kept answer (see answers) is given only if
	// memory was trusted when its counter was still the answer's, and an
	// answer made from what changed after the counter was read is not kept.
	trustedUntil, checkedAt := s.mem.trusted.Load(), s.mem.checked.Load()
	memChanges := s.mem.changes.Load()
	if s.bodies.answer(token, now, memChanges, trustedUntil, checkedAt, f) {
		return true
	}
	// The sum stays on the stack.
	sum := sha256.Sum256([]byte(token))
	epoch := s.bodies.currentEpoch()
	k, checked, v, versionKnown, ok := s.mem.lookup(sum[:], now)
	if !ok || !versionKnown {
		return false
	}
	// The token worked when memory was last found current.
	*f = Feed{Token: k.row, Version: v.Version, UpdatedAt: v.UpdatedAt, now: now,
		stamp: lookupStamp{subject: k.subject, confirmed: checked, epoch: epoch}}
	day := feedDay(now)
	val, body, ok := s.bodies.confirmCurrent(token, checked, epoch, f.Version, day)
	if !ok {
		return false
	}
	f.use(val, body)
	s.bodies.remember(token, f, day, memChanges)
	return true
}

// use gives f the validators of its current feed, kept by the cache, and
// the body they belong to (nil when evicted).
func (f *Feed) use(v validator, body []byte) {
	f.ETag, f.LastModified, f.body = v.etag, v.lastModified, body
	f.lastModifiedText, f.gzipETag = v.lastModifiedText, v.gzipETag
	f.etagValues = v.etagValues
}

// Resolve resolves a token and its programme's version, without the ETag:
// what the personal agenda page needs.
func (s *Service) Resolve(ctx context.Context, token string) (*Feed, error) {
	f, confirmed, err := s.resolve(ctx, token)
	if err != nil {
		return nil, err
	}
	if !confirmed {
		s.bodies.confirm(token, f.stamp.confirmed, f.stamp.epoch)
	}
	return f, nil
}

// errNoSuchFeed is what resolve says of every token it cannot find.
var errNoSuchFeed = programme.Errorf(programme.ENOTFOUND, "no such feed")

// resolve is Resolve. When memory answers for both the token and its
// programme's version, it leaves the cache's confirmation of the token to
// its caller (confirmed is false), which makes it together with what it
// reads of the cache; otherwise it confirms the token itself as soon as the
// database found it, before asking anything else.
func (s *Service) resolve(ctx context.Context, token string) (f *Feed, confirmed bool, err error) {
	if !ValidTokenSyntax(token) {
		return nil, false, errNoSuchFeed
	}
	hash := HashToken(token)
	// Taken before any query: the token is known to work from this
	// instant on, and a drop from here on means it may not any more.
	stamp := lookupStamp{confirmed: s.now(), epoch: s.bodies.currentEpoch()}
	k, checked, v, versionKnown, ok := s.mem.lookup(hash, stamp.confirmed)
	var tok store.FeedToken
	if ok {
		tok = k.row
		stamp.confirmed, stamp.subject = checked, k.subject
	} else {
		gen := s.mem.generation()
		done, err := s.dbTurn(ctx)
		if err != nil {
			return nil, false, err
		}
		tok, err = s.store.FeedTokenByHash(ctx, hash)
		done()
		if programme.ErrorCode(err) == programme.ENOTFOUND {
			// Revoked or rotated, perhaps by another process: nothing
			// kept for the token may be served again, not even during an
			// outage.
			s.bodies.dropToken(token, false)
			return nil, false, errNoSuchFeed
		}
		if err != nil {
			return nil, false, cancelled(ctx, err)
		}
		// The database found the row by an index on the hash; comparing
		// again in constant time keeps any collation or driver quirk from
		// letting a near-miss through, and leaks nothing about how near
		// it was.
		if subtle.ConstantTimeCompare(tok.Hash, hash) != 1 {
			s.bodies.dropToken(token, false)
			return nil, false, errNoSuchFeed
		}
		s.mem.addToken(hash, tok, token, gen)
		versionKnown = false
		stamp.subject = subjectKey(tok.Programme, tok.Kind, tok.Key)
	}
	if !ok || !versionKnown {
		s.bodies.confirm(token, stamp.confirmed, stamp.epoch)
		confirmed = true
	}
	now := s.now()
	if !versionKnown {
		var known bool
		v, known = s.mem.version(tok.Programme, now)
		if !known {
			done, err := s.dbTurn(ctx)
			if err != nil {
				return nil, confirmed, err
			}
			version, updated, err := s.store.ProgrammeVersion(ctx, tok.Programme)
			done()
			if err != nil {
				return nil, confirmed, cancelled(ctx, err)
			}
			v = store.ProgrammeStamp{Version: version, UpdatedAt: updated}
		}
	}
	return &Feed{Token: tok, Version: v.Version, UpdatedAt: v.UpdatedAt, now: now, stamp: stamp}, confirmed, nil
}

// cancelled returns err, made to say that the request was cancelled when its
// context was: database/sql and pgx report a query cut off by its caller in
// many ways (a bad connection among them), and none of them is an outage.
func cancelled(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); errors.Is(ctxErr, context.Canceled) && !errors.Is(err, context.Canceled) {
		return &programme.Error{Code: programme.EINTERNAL, Message: "The request was cancelled.",
			Err: fmt.Errorf("%w (%w)", ctxErr, err)}
	}
	return err
}

// etagOf is the strong validator of a plain body: the same bytes always
// have the same ETag, whatever version of the programme they come from, so
// that a calendar whose feed a change did not touch gets a 304.
func etagOf(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// feedDay is the start of now's UTC day: the instant a feed body is worked
// out for, so that everything under one ETag is the same bytes.
func feedDay(now time.Time) time.Time { return now.UTC().Truncate(24 * time.Hour) }

// Render writes the feed as an iCalendar document. The bytes of a feed
// whose programme and day have not changed since it was last rendered come
// from memory; they are shared, and callers must not modify them. Render
// may update f's ETag, when the body had to be rendered again from a
// programme changed since the lookup.
func (s *Service) Render(ctx context.Context, f *Feed, token string) ([]byte, error) {
	if f.body != nil {
		return f.body, nil
	}
	// Beyond the byte bound the cache keeps the gzip body only: the same
	// bytes, made again for a tenth of a render's cost.
	if gz, ok := s.bodies.getGzip(token, f.ETag); ok {
		if body, err := gunzipBody(gz); err == nil {
			s.bodies.restorePlain(token, gz, body)
			f.body = body
			return body, nil
		}
	}
	if err := s.render(ctx, f, token); err != nil {
		return nil, err
	}
	return f.body, nil
}

// render renders f's body from the programme loaded once per version, and
// keeps it with its validator; f gets the body, its ETag and LastModified.
func (s *Service) render(ctx context.Context, f *Feed, token string) error {
	p, err := s.programme(ctx, f.Token.Programme, f.Version)
	if err != nil {
		return err
	}
	cal, err := s.calendar(p, f.Token, token, f.now)
	if err != nil {
		return err
	}
	day := feedDay(f.now)
	// A change to the programme that left this feed alone, or a new day
	// that drops none of its tombstones, makes the bytes kept already:
	// they are kept for the new version and day, neither encoded nor
	// compressed again (see ical.Fingerprint and BenchmarkRenderUnchanged).
	fp := ical.Fingerprint(cal)
	if v, body, ok := s.bodies.unchanged(token, fp, p.Version, day, f.stamp); ok {
		f.use(v, body)
		return nil
	}
	var buf bytes.Buffer
	if err := ical.Encode(&buf, cal); err != nil {
		return err
	}
	// A copy of exactly the body's length: the buffer grew by doubling,
	// and kept as it is, a third of the memory the cache held was unused
	// capacity that its byte bound did not count.
	body := bytes.Clone(buf.Bytes())
	body = body[:len(body):len(body)]
	v := validator{version: p.Version, day: day, etag: etagOf(body), lastModified: day, fingerprint: fp}
	for _, e := range cal.Entries {
		if e.ModifiedAt.After(v.lastModified) {
			v.lastModified = e.ModifiedAt
		}
	}
	v.lastModified = v.lastModified.Truncate(time.Second)
	if prev, ok := s.bodies.previous(token); ok && prev.etag == v.etag {
		// The same bytes as before the change: they were last modified
		// when they were, not now.
		v.lastModified = prev.lastModified
	}
	v.lastModifiedText = httpDate(v.lastModified)
	v.gzipETag = GzipETag(v.etag)
	v.etagValues = &[2]string{v.etag, v.gzipETag}
	// The body is kept under the version it was rendered from, which is
	// newer than f's when an import committed since the lookup.
	s.bodies.keep(token, v, body, f.stamp)
	// The gzip body is made at once, for every feed: it is what keeps the
	// feed in memory once the plain bodies no longer all fit (see shrink).
	if gz, err := gzipBody(body); err == nil {
		s.bodies.putGzip(token, body, gz)
	}
	f.use(v, body)
	return nil
}

// httpDate formats t as an HTTP date (RFC 9110, section 5.6.7).
func httpDate(t time.Time) string { return t.UTC().Format(http.TimeFormat) }

// GzipETag is the ETag of the gzip encoding of the feed whose plain body
// has etag: each encoding is its own representation with its own validator.
func GzipETag(etag string) string { return strings.TrimSuffix(etag, `"`) + `-gzip"` }

// LastModifiedHTTP is f.LastModified as an HTTP date, made once per body
// rather than once per request.
func (f *Feed) LastModifiedHTTP() string {
	if f.lastModifiedText == "" {
		return httpDate(f.LastModified)
	}
	return f.lastModifiedText
}

// ETagValue returns the value of the ETag header of f's plain or gzip
// encoding, as a one-element slice made once per body and shared by every
// response of it: the caller must not modify it (an append copies it, as
// its capacity is full). It is nil when not made, or when f.ETag is no
// longer that of the body it was made for.
func (f *Feed) ETagValue(gzip bool) []string {
	if f.etagValues == nil || f.etagValues[0] != f.ETag {
		return nil
	}
	if gzip {
		return f.etagValues[1:2:2]
	}
	return f.etagValues[0:1:1]
}

// GzipETag is the ETag of f's gzip encoding (see GzipETag).
func (f *Feed) GzipETag() string {
	if f.gzipETag == "" {
		return GzipETag(f.ETag)
	}
	return f.gzipETag
}

func (s *Service) calendar(p *programme.Programme, tok store.FeedToken, token string, now time.Time) (ical.Feed, error) {
	kind := programme.FeedKind(tok.Kind)
	// The feed is worked out as of the start of the day, the ETag's
	// granularity: worked out for the instant itself, a render made after a
	// tombstone's deadline (after a restart, or once the cache evicted the
	// body) would differ from one made earlier that day under the same
	// strong ETag. A tombstone thus stays until the end of the UTC day its
	// 30 days run out on, never less.
	entries, err := p.FeedEntries(kind, tok.Key, feedDay(now))
	if err != nil {
		return ical.Feed{}, err
	}
	name := p.Title
	if kind != programme.FeedProgramme {
		name = subjectOf(p, kind, tok.Key).Name + " — " + p.Title
	}
	return ical.Feed{
		Name:        name,
		Description: p.Description,
		Programme:   p,
		Entries:     entries,
		// Events link to the public programme page, never to the agenda
		// page behind token (see ical.Feed.PublicPageURL).
		PublicPageURL: s.publicPageURL(p),
	}, nil
}

// publicPageURL is the URL of p's public programme page, or "" when the
// page is not public.
func (s *Service) publicPageURL(p *programme.Programme) string {
	if !p.PagePublic() {
		return ""
	}
	return s.baseURL + "/p/" + url.PathEscape(p.Slug)
}

// fetchGranularity is how precisely fetch times are kept: a calendar that
// polls again within it, for a version it already has, costs no write.
const fetchGranularity = time.Minute

// RecordFetch notes that a calendar fetched f just now. Nothing else about
// the fetcher is kept. A fetch of the version already recorded less than a
// minute ago is not written again: SQLite serialises writes, and a client
// that polls hard must not turn every request into one.
//
// While Watch runs, fetches are collected in memory and written every
// FetchFlushInterval (and when Watch stops), so that a poll costs no write.
func (s *Service) RecordFetch(ctx context.Context, f *Feed) error {
	// A feed given from its kept answer carries the latest fetch of its
	// version that the answer saw recorded.
	a := f.answer
	if a != nil && a.f.Version != f.Version {
		a = nil // rendered since from a newer programme
	}
	if a != nil && recentFetch(f.now, a.fetched.Load()) {
		return nil
	}
	at, err := s.recordFetch(ctx, f)
	if err == nil && a != nil {
		a.fetched.Store(at)
	}
	return err
}

// recentFetch reports whether a fetch recorded at last (Unix nanoseconds,
// 0 for none) is less than fetchGranularity before now.
func recentFetch(now time.Time, last int64) bool {
	d := now.UnixNano() - last
	return last != 0 && d >= 0 && d < int64(fetchGranularity)
}

// recordFetch is RecordFetch without the answer: it returns when the
// latest fetch of f's version recorded is from, in Unix nanoseconds.
func (s *Service) recordFetch(ctx context.Context, f *Feed) (int64, error) {
	if last, ok := s.fetches.latest(f.Token); ok && last.Version == f.Version &&
		recentFetch(f.now, unixNano(last.At)) {
		return unixNano(last.At), nil
	}
	fetch := store.FeedFetch{ID: f.Token.ID, At: f.now, Version: f.Version}
	if s.fetches.add(fetch, false) {
		return f.now.UnixNano(), nil
	}
	if err := s.store.RecordFeedFetch(ctx, f.Token.ID, f.now, f.Version); err != nil {
		return 0, err
	}
	s.fetches.add(fetch, true)
	return f.now.UnixNano(), nil
}

// Store returns the store the service reads.
func (s *Service) Store() *store.Store { return s.store }

// Page is what the personal agenda page behind a token shows.
type Page struct {
	Programme *programme.Programme
	Subject   Subject
	Entries   []programme.Entry
	// Now is the instant the entries were worked out for.
	Now       time.Time
	FeedURL   string
	WebcalURL string
	GoogleURL string
}

// Page works out the entries of the feed behind f for its personal agenda page.
func (s *Service) Page(ctx context.Context, f *Feed, token string) (*Page, error) {
	p, err := s.programme(ctx, f.Token.Programme, f.Version)
	if err != nil {
		return nil, err
	}
	kind := programme.FeedKind(f.Token.Kind)
	entries, err := p.FeedEntries(kind, f.Token.Key, f.now)
	if err != nil {
		return nil, err
	}
	sub := subjectOf(p, kind, f.Token.Key)
	feedURL := s.FeedURL(token)
	return &Page{
		Programme: p, Subject: sub, Entries: entries, Now: f.now,
		FeedURL: feedURL, WebcalURL: WebcalURL(feedURL), GoogleURL: GoogleURL(feedURL),
	}, nil
}

// Ago writes how long ago something happened as people say it: "just now",
// "5 min ago", "2 h ago", "3 days ago".
func Ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d/time.Hour))
	default:
		return fmt.Sprintf("%d days ago", int(d/(24*time.Hour)))
	}
}
