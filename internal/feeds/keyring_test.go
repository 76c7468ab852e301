package feeds

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
