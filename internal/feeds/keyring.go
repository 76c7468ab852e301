package feeds

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the size in bytes of the secret that feed tokens are derived from.
const KeySize = 32

// tokenEncoding writes tokens in lowercase base32 without padding: URL-safe,
// case-insensitive when read aloud, and free of look-alike punctuation.
var tokenEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// tokenBytes is how much of the HMAC a token keeps: 160 bits, well above the
// 128 bits that make a token unguessable.
const tokenBytes = 20

// Keyring derives feed tokens from a secret key and a random per-token nonce.
//
// The database keeps only the nonce and the SHA-256 of the token, so a copy of
// the database alone reveals no working URL, while the server and the
// `planner feeds` command, which hold the key, can print a feed's URL again.
type Keyring struct {
	secret []byte
}

// NewKeyring returns a Keyring for a secret of at least KeySize bytes.
func NewKeyring(secret []byte) (*Keyring, error) {
	if len(secret) < KeySize {
		return nil, fmt.Errorf("the feed secret key has %d bytes, want at least %d", len(secret), KeySize)
	}
	return &Keyring{secret: append([]byte(nil), secret...)}, nil
}

// Token returns the token for nonce.
func (k *Keyring) Token(nonce string) string {
	mac := hmac.New(sha256.New, k.secret)
	mac.Write([]byte("planner feed token v1\x00"))
	mac.Write([]byte(nonce))
	return tokenEncoding.EncodeToString(mac.Sum(nil)[:tokenBytes])
}

// fingerprintBytes is how much of the HMAC a fingerprint keeps: 64 bits tell
// two random keys apart for sure, and say nothing useful about the key.
const fingerprintBytes = 8

// Fingerprint returns a short text that tells this key from others: an
// HMAC of a fixed text under the key, truncated, in hex. The database keeps
// it so that a command holding another key stops instead of printing feed
// URLs that do not work. Unlike a plain hash of the key it cannot be checked
// against guesses without computing an HMAC per guess, and the key (32
// random bytes) is beyond guessing anyway.
func (k *Keyring) Fingerprint() string {
	mac := hmac.New(sha256.New, k.secret)
	mac.Write([]byte("planner key fingerprint v1"))
	return hex.EncodeToString(mac.Sum(nil)[:fingerprintBytes])
}

// Owns reports whether the token derived from nonce has the given hash:
// whether a stored token was made with this key.
func (k *Keyring) Owns(nonce string, hash []byte) bool {
	return hmac.Equal(HashToken(k.Token(nonce)), hash)
}

// HashToken returns what the database keeps of a token.
func HashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// NewNonce returns a fresh random nonce.
func NewNonce() string { return rand.Text() }

// ValidTokenSyntax reports whether s could be a token at all, so that garbage
// is turned away before it costs a database query.
func ValidTokenSyntax(s string) bool {
	if len(s) != tokenEncoding.EncodedLen(tokenBytes) {
		return false
	}
	// Decoded into an array on the stack: this runs on every feed request.
	var buf [tokenBytes]byte
	n, err := tokenEncoding.Decode(buf[:], []byte(s))
	return err == nil && n == tokenBytes
}

// ParseKey reads a secret key written as hex (64 digits or more).
func ParseKey(text string) ([]byte, error) {
	key, err := hex.DecodeString(strings.TrimSpace(text))
	if err != nil {
		return nil, errors.New("the feed secret key is not hexadecimal")
	}
	if len(key) < KeySize {
		return nil, fmt.Errorf("the feed secret key has %d bytes, want at least %d (%d hex digits)", len(key), KeySize, 2*KeySize)
	}
	return key, nil
}

// LoadKeyFile reads the secret key from path. A missing file is an error
// that matches os.ErrNotExist.
func LoadKeyFile(path string) ([]byte, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	key, err := ParseKey(string(text))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return key, nil
}

// LoadOrCreateKeyFile reads the secret key from path, creating the file with a
// new random key (readable by its owner only) when it does not exist yet.
// created reports whether it did.
func LoadOrCreateKeyFile(path string) (key []byte, created bool, err error) {
	key, err = LoadKeyFile(path)
	if err == nil {
		return key, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, false, err
	}
	key = make([]byte, KeySize)
	rand.Read(key)
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, false, err
		}
	}
	// O_EXCL: two processes starting at once must not each write their own key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return LoadOrCreateKeyFile(path)
	}
	if err != nil {
		return nil, false, err
	}
	if _, err := fmt.Fprintf(f, "%x\n", key); err != nil {
		f.Close()
		return nil, false, err
	}
	return key, true, f.Close()
}
