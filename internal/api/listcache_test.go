package api

import (
	"errors"
	"sync"
	"testing"
)

// Requests that miss the same key at once share one encode, and all get
// its bytes.
func TestListCacheEncodesAKeyOnce(t *testing.T) {
	c := newListCache(1 << 20)
	var wg sync.WaitGroup
	got := make([][]byte, 16)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], _ = c.body("k", "p", 1, func() ([]byte, error) { return []byte("body"), nil })
		}()
	}
	wg.Wait()
	if n := c.encodes.Load(); n != 1 {
		t.Fatalf("%d encodes", n)
	}
	for i, b := range got {
		if string(b) != "body" {
			t.Fatalf("request %d got %q", i, b)
		}
	}
}

// A body of a version older than one kept is not kept; a newer version
// drops the older one's bodies; other programmes keep theirs.
func TestListCacheKeepsTheNewestVersion(t *testing.T) {
	c := newListCache(1 << 20)
	enc := func(s string) func() ([]byte, error) { return func() ([]byte, error) { return []byte(s), nil } }
	_, _ = c.body("p2a", "p", 2, enc("a"))
	_, _ = c.body("p2b", "p", 2, enc("b"))
	_, _ = c.body("q1", "q", 1, enc("q"))
	_, _ = c.body("p1", "p", 1, enc("old"))
	if _, ok := c.get("p1"); ok {
		t.Fatal("an older version was kept")
	}
	_, _ = c.body("p3", "p", 3, enc("new"))
	for key, want := range map[string]bool{"p2a": false, "p2b": false, "q1": true, "p3": true} {
		if _, ok := c.get(key); ok != want {
			t.Errorf("%s kept: %v, want %v", key, ok, want)
		}
	}
	if n, used := c.stats(); n != 2 || used != len("q1q")+len("p3new") {
		t.Fatalf("%d kept in %d bytes", n, used)
	}
}

// An encode that fails is not kept: the next request tries again.
func TestListCacheKeepsNoError(t *testing.T) {
	c := newListCache(1 << 20)
	fail := errors.New("no")
	if _, err := c.body("k", "p", 1, func() ([]byte, error) { return nil, fail }); !errors.Is(err, fail) {
		t.Fatalf("err = %v", err)
	}
	if b, err := c.body("k", "p", 1, func() ([]byte, error) { return []byte("ok"), nil }); err != nil || string(b) != "ok" {
		t.Fatalf("after an error: %q, %v", b, err)
	}
}
