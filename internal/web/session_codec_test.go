package web

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/planner-dev/planner/internal/programme"
)

// TestSessionCodecDecodesOnceAndHandsOutCopies: the codec answers what gob
// answers, decodes the same bytes once, gives each caller a map of its own
// (scs changes it in place), and stays bounded.
func TestSessionCodecDecodesOnceAndHandsOutCopies(t *testing.T) {
	c := newSessionCodec()
	calls := 0
	c.decode = func(b []byte) (time.Time, map[string]any, error) {
		calls++
		return scs.GobCodec{}.Decode(b)
	}
	deadline := time.Date(2016, 12, 5, 21, 0, 0, 0, time.UTC)
	data, err := c.Encode(deadline, map[string]any{sessionUserKey: int64(7), flashKey: "saved"})
	if err != nil {
		t.Fatal(err)
	}
	wantDeadline, want, err := scs.GobCodec{}.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		gotDeadline, got, err := c.Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		if !gotDeadline.Equal(wantDeadline) || !reflect.DeepEqual(got, want) {
			t.Fatalf("decode %d: %v %v, want %v %v", i, gotDeadline, got, wantDeadline, want)
		}
		// What scs does to its copy: Pop the flash, Put another value.
		delete(got, flashKey)
		got[sessionUserKey] = int64(8)
	}
	if calls != 1 {
		t.Errorf("gob decoded the same bytes %d times, want once", calls)
	}
	if _, _, err := c.Decode([]byte("not gob")); err == nil {
		t.Error("bytes that are not a session decoded without an error")
	}
	if _, ok := c.decoded.get("not gob"); ok {
		t.Error("a failed decode was remembered")
	}
	for i := range maxDecodedSessions + 1 {
		b, err := c.Encode(deadline, map[string]any{sessionUserKey: int64(i)})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.Decode(b); err != nil {
			t.Fatal(fmt.Errorf("session %d: %w", i, err))
		}
	}
	if n := c.decoded.len(); n > maxDecodedSessions {
		t.Errorf("remembers %d sessions, beyond %d", n, maxDecodedSessions)
	}
}

// TestStaffPagesDecodeTheirSessionOnce: the server's login sessions go
// through sessionCodec, so a staff member's pages decode the session's
// bytes once, however many pages they open, and a login on another
// instance (another codec, the same stored bytes) still works.
func TestStaffPagesDecodeTheirSessionOnce(t *testing.T) {
	f := newStaffFixture(t, "http://127.0.0.1:8080")
	f.addUser(t, "ana@example.org", programme.RoleViewer)
	codec, ok := f.srv.staff.manager.Codec.(*sessionCodec)
	if !ok {
		t.Fatalf("the session manager's codec is %T, not sessionCodec", f.srv.staff.manager.Codec)
	}
	calls := 0
	decode := codec.decode
	codec.decode = func(b []byte) (time.Time, map[string]any, error) {
		calls++
		return decode(b)
	}
	b := f.browser(t, "192.0.2.10")
	b.mustLogin("ana@example.org")
	before := calls
	for range 3 {
		if res, body := b.get("/staff"); res.StatusCode != http.StatusOK || !strings.Contains(body, "ana@example.org") {
			t.Fatalf("GET /staff: %d\n%s", res.StatusCode, body)
		}
	}
	if calls-before > 1 {
		t.Errorf("three pages decoded the session %d times, want once at most", calls-before)
	}
	b.h = f.newServer().Handler()
	if res, body := b.get("/staff"); res.StatusCode != http.StatusOK || !strings.Contains(body, "ana@example.org") {
		t.Fatalf("GET /staff on another instance: %d\n%s", res.StatusCode, body)
	}
}
