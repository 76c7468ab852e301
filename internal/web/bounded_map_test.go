package web

import "testing"

// TestBoundedMapForgetsAllWhenFull: up to max entries are kept; the next
// one starts the map over, holding only itself.
func TestBoundedMapForgetsAllWhenFull(t *testing.T) {
	b := boundedMap[int, string]{max: 3}
	for i := range 3 {
		b.put(i, "v")
	}
	if b.len() != 3 {
		t.Fatalf("holds %d entries, want 3", b.len())
	}
	if v, ok := b.get(2); !ok || v != "v" {
		t.Fatalf("get(2) = %q, %v", v, ok)
	}
	b.put(3, "w")
	if b.len() != 1 {
		t.Errorf("holds %d entries after the bound, want 1", b.len())
	}
	if _, ok := b.get(0); ok {
		t.Error("an entry from before the bound is still there")
	}
	if v, ok := b.get(3); !ok || v != "w" {
		t.Errorf("get(3) = %q, %v", v, ok)
	}
	b.clear()
	if _, ok := b.get(3); ok || b.len() != 0 {
		t.Error("clear left entries")
	}
}
