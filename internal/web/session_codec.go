package web

import (
	"maps"
	"time"

	"github.com/alexedwards/scs/v2"
)

// maxDecodedSessions bounds the login sessions sessionCodec remembers
// (a few hundred bytes each); a full memory is cleared.
const maxDecodedSessions = 4096

// sessionCodec is scs's gob codec, remembering what it decoded. Every
// request of a logged-in staff member decodes the same few bytes of session
// data, and gob builds its decoder anew for each: that took about 40 % of
// the CPU of a staff page served from kept bytes. The same bytes always
// decode to the same deadline and values, so the decoded pair is kept by
// the bytes themselves, and a session that changes (a flash message put or
// popped, a login) is simply other bytes. The values are handed out as a
// copy, since scs changes its map in place; they are plain values (the
// account's id, a flash message), never shared references. The stored
// format stays gob's, so sessions written before or by another instance
// decode as ever.
type sessionCodec struct {
	scs.GobCodec
	// decode is GobCodec.Decode (tests count its calls).
	decode func([]byte) (time.Time, map[string]any, error)

	decoded boundedMap[string, decodedSession] // by string(data)
}

type decodedSession struct {
	deadline time.Time
	values   map[string]any
}

func newSessionCodec() *sessionCodec {
	c := &sessionCodec{decode: scs.GobCodec{}.Decode}
	c.decoded.max = maxDecodedSessions
	return c
}

// Decode returns what GobCodec.Decode returns for data, decoding it only
// the first time.
func (c *sessionCodec) Decode(data []byte) (time.Time, map[string]any, error) {
	d, ok := c.decoded.get(string(data))
	if !ok {
		deadline, values, err := c.decode(data)
		if err != nil {
			return time.Time{}, nil, err
		}
		d = decodedSession{deadline: deadline, values: values}
		c.decoded.put(string(data), d)
	}
	return d.deadline, maps.Clone(d.values), nil
}
