package ics

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// SessionKey is the key of the session made from the event with uid: a
// readable part of the UID and a hash of all of it, so that it is stable
// across versions of the calendar and fits the key rules (programme.ValidKey).
func SessionKey(uid string) string {
	var b strings.Builder
	dash := true
	for _, r := range strings.ToLower(uid) {
		if b.Len() == 40 {
			break
		}
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	sum := sha256.Sum256([]byte(uid))
	readable := strings.TrimRight(b.String(), "-")
	if readable == "" {
		readable = "event"
	}
	return readable + "-" + hex.EncodeToString(sum[:])[:10]
}
