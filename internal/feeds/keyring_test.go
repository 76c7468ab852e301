package feeds

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/demo"
	"github.com/planner-dev/planner/internal/exchange"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store/storetest"
)

func testKeyring(t *testing.T) *Keyring {
	t.Helper()
	k, err := NewKeyring(bytes.Repeat([]byte{7}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestTokenIsDeterministicPerNonceAndUnguessable(t *testing.T) {
	k := testKeyring(t)
	a, b := k.Token("nonce-a"), k.Token("nonce-b")
	if a != k.Token("nonce-a") {
		t.Error("the same nonce gave two tokens")
	}
	if a == b {
		t.Error("two nonces gave one token")
	}
	if bits := len(a) * 5; bits < 128 {
		t.Errorf("token %q carries %d bits, want at least 128", a, bits)
	}
	if !ValidTokenSyntax(a) {
		t.Errorf("ValidTokenSyntax(%q) = false", a)
	}
	other, _ := NewKeyring(bytes.Repeat([]byte{8}, KeySize))
	if other.Token("nonce-a") == a {
		t.Error("another key gave the same token")
	}
}

func TestValidTokenSyntaxRefusesGarbage(t *testing.T) {
	for _, s := range []string{"", "abc", strings.Repeat("a", 31), strings.Repeat("A", 32), strings.Repeat("1", 32), "../../etc/passwd"} {
		if ValidTokenSyntax(s) {
			t.Errorf("ValidTokenSyntax(%q) = true", s)
		}
	}
}

func TestNewKeyringRefusesShortKeys(t *testing.T) {
	if _, err := NewKeyring(make([]byte, KeySize-1)); err == nil {
		t.Error("NewKeyring accepted a short key")
	}
	if _, err := ParseKey("abcd"); err == nil {
		t.Error("ParseKey accepted a short key")
	}
	if _, err := ParseKey(strings.Repeat("zz", KeySize)); err == nil {
		t.Error("ParseKey accepted a non-hex key")
	}
}

func TestLoadOrCreateKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "planner.key")
	key, created, err := LoadOrCreateKeyFile(path)
	if err != nil || !created || len(key) != KeySize {
		t.Fatalf("first call: key %d bytes, created %v, err %v", len(key), created, err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode %o, want 600", perm)
	}
	again, created, err := LoadOrCreateKeyFile(path)
	if err != nil || created || !bytes.Equal(again, key) {
		t.Fatalf("second call: created %v, err %v, same key %v", created, err, bytes.Equal(again, key))
	}
}

func TestFingerprintTellsKeysApartWithoutShowingThem(t *testing.T) {
	k := testKeyring(t)
	other, err := NewKeyring(bytes.Repeat([]byte{8}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	fp := k.Fingerprint()
	if fp != k.Fingerprint() {
		t.Error("one key gave two fingerprints")
	}
	if fp == other.Fingerprint() {
		t.Error("two keys gave one fingerprint")
	}
	if len(fp) != 16 {
		t.Errorf("fingerprint %q has %d hex digits, want 16", fp, len(fp))
	}
	plain := sha256.Sum256(bytes.Repeat([]byte{7}, KeySize))
	if strings.Contains(hex.EncodeToString(bytes.Repeat([]byte{7}, KeySize)), fp) || strings.HasPrefix(hex.EncodeToString(plain[:]), fp) {
		t.Errorf("fingerprint %q is part of the key or of its plain hash", fp)
	}
}

func TestOwnsTellsWhichKeyMadeAToken(t *testing.T) {
	k := testKeyring(t)
	other, err := NewKeyring(bytes.Repeat([]byte{8}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	hash := HashToken(k.Token("nonce-a"))
	if !k.Owns("nonce-a", hash) || other.Owns("nonce-a", hash) || k.Owns("nonce-b", hash) {
		t.Error("Owns does not tell the key that made the token")
	}
}

func TestLoadKeyFileNeverCreatesOne(t *testing.T) {
	path := filepath.Join(t.TempDir(), "planner.key")
	if _, err := LoadKeyFile(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("LoadKeyFile of a missing file: %v, want os.ErrNotExist", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadKeyFile created %s", path)
	}
}

// TestSubscribedURLsOutliveAKeyChange checks what the README says of a
// changed key: the server finds a feed by its token's stored hash, so a URL
// made with the old key keeps working under a new one, while the URLs the
// new key would print for the same feeds are other ones, which do not.
func TestSubscribedURLsOutliveAKeyChange(t *testing.T) {
	st := storetest.Open(t)
	p, _, err := exchange.Decode(bytes.NewReader(demo.JSON))
	if err != nil {
		t.Fatal(err)
	}
	storetest.MustImport(t, st, p)
	oldKeys := testKeyring(t)
	newKeys, err := NewKeyring(bytes.Repeat([]byte{8}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2016, 12, 1, 12, 0, 0, 0, time.UTC) }
	before, err := NewService(st, oldKeys, "http://x", now).List(t.Context(), demo.Slug, true)
	if err != nil {
		t.Fatal(err)
	}
	newSvc := NewService(st, newKeys, "http://x", now)
	after, err := newSvc.List(t.Context(), demo.Slug, true)
	if err != nil {
		t.Fatal(err)
	}
	tokenOf := func(l Listing) string {
		return strings.TrimSuffix(strings.TrimPrefix(l.URL, "http://x/feeds/"), ".ics")
	}
	for i, l := range before {
		if _, err := newSvc.Lookup(t.Context(), tokenOf(l)); err != nil {
			t.Errorf("%s:%s: the old URL stopped working under the new key: %v", l.Kind, l.Key, err)
		}
		if after[i].URL == l.URL {
			t.Errorf("%s:%s: the new key printed the old URL", l.Kind, l.Key)
		}
		if _, err := newSvc.Lookup(t.Context(), tokenOf(after[i])); programme.ErrorCode(err) != programme.ENOTFOUND {
			t.Errorf("%s:%s: the URL printed under the new key: %v, want not found", l.Kind, l.Key, err)
		}
	}
}
