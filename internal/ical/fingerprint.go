package ical

import (
	"encoding/binary"
	"hash/maphash"
	"math"
	"time"

	"github.com/planner-dev/planner/internal/programme"
)

// fingerprintSeed makes fingerprints unpredictable from outside the
// process, and so only comparable within it.
var fingerprintSeed = maphash.MakeSeed()

// Fingerprint is a hash of everything Encode reads of f: the feed's own
// fields, each entry's every field, and what it reads of the programme (its
// slug, zone and last change, and the years its zone definitions cover).
// Encode's bytes are a pure function of those, so a feed whose fingerprint
// is the one of bytes already made would encode to those bytes again
// (barring a collision of 64 random-seeded bits). It costs a fraction of
// Encode. Fingerprints are seeded per process: keep them in memory only.
func Fingerprint(f Feed) uint64 {
	var h fingerprint
	h.SetSeed(fingerprintSeed)
	h.str(f.Name)
	h.str(f.Description)
	h.str(f.PublicPageURL)
	h.int(int64(f.Refresh))
	if p := f.Programme; p != nil {
		h.str(p.Slug)
		h.str(p.TimeZone)
		h.time(p.UpdatedAt)
		first, last := programmeYears(p, f.Entries)
		h.int(int64(first))
		h.int(int64(last))
	}
	h.int(int64(len(f.Entries)))
	for i := range f.Entries {
		h.entry(&f.Entries[i])
	}
	return h.Sum64()
}

// fingerprint writes values into a hash so that no two sequences of them
// write the same bytes: strings go with their length.
type fingerprint struct {
	maphash.Hash
	buf [8]byte
}

func (h *fingerprint) int(v int64) {
	binary.LittleEndian.PutUint64(h.buf[:], uint64(v))
	h.Write(h.buf[:])
}

func (h *fingerprint) str(s string) {
	h.int(int64(len(s)))
	h.WriteString(s)
}

func (h *fingerprint) bool(b bool) {
	if b {
		h.int(1)
	} else {
		h.int(0)
	}
}

func (h *fingerprint) float(f float64) { h.int(int64(math.Float64bits(f))) }

// time writes the instant: Encode writes times in UTC or in a zone it
// names by the entry's TimeZone, never in the Location a time carries.
func (h *fingerprint) time(t time.Time) {
	h.bool(t.IsZero())
	h.int(t.Unix())
	h.int(int64(t.Nanosecond()))
}

// entry writes every field of e. TestFingerprintSeesEveryEntryField fails
// when a field is added to programme.Entry and not here.
func (h *fingerprint) entry(e *programme.Entry) {
	h.str(e.ID)
	h.str(e.Kind)
	h.str(e.Title)
	h.time(e.StartsAt)
	h.time(e.EndsAt)
	h.str(e.TimeZone)
	h.str(e.Status)
	h.int(int64(e.Sequence))
	h.time(e.ModifiedAt)
	h.str(e.Location)
	h.str(e.Description)
	h.bool(e.Removed)
	h.str(string(e.Lost))
	h.bool(e.Cancelled)
	h.bool(e.OnMap)
	h.float(e.Lat)
	h.float(e.Lon)
	h.str(e.VenueName)
	h.str(e.VenueAddress)
	h.str(e.Category)
	h.time(e.CreatedAt)
	h.str(e.SessionKey)
	h.str(e.SlotKey)
	h.str(e.RunKey)
}
