package feeds

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/sample"
	"github.com/planner-dev/planner/internal/store"
)

// gunzip decompresses a gzip body, failing the test if it is not one.
func gunzip(t testing.TB, gz []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatalf("not a gzip body: %v", err)
	}
	body, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gzip body: %v", err)
	}
	return body
}

// lookupRenderGzip looks token up and renders its gzip body.
func lookupRenderGzip(t *testing.T, svc *Service, token string) (*Feed, []byte) {
	t.Helper()
	f, err := svc.Lookup(t.Context(), token)
	if err != nil {
		t.Fatal(err)
	}
	gz, err := svc.RenderGzip(t.Context(), f, token)
	if err != nil {
		t.Fatal(err)
	}
	return f, gz
}

// entryCosts adds up what the entries the cache holds should count.
func entryCosts(c *bodyCache) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	sum := 0
	for el := c.order.Front(); el != nil; el = el.Next() {
		e := el.Value.(*cacheEntry)
		sum += len(e.token) + len(e.etag) + len(e.body) + len(e.gz)
	}
	return sum
}

func TestBodyCacheGzip(t *testing.T) {
	// Each plain entry costs len(body) + len(token) + len(etag): 8 + 1 + 1
	// = 10; the gzip body adds 12, more than one plain entry.
	body := func() []byte { return []byte("BEGIN:VC") }
	gz := []byte("GZIP-BODY-12")
	tests := []struct {
		name       string
		maxEntries int
		maxBytes   int
		// attach is the token whose gzip body is added, after "a", "b"
		// and "c" are put in that order.
		attach string
		// other makes putGzip get a body equal to the entry's but not the
		// entry's own array, as from a render the cache did not keep.
		other    bool
		wantGzip bool
		want     []string
	}{
		{"kept beside its body", 10, 1000, "b", false, true, []string{"a", "b", "c"}},
		{"counts against the bound and evicts the oldest", 10, 41, "c", false, true, []string{"b", "c"}},
		{"a read to attach makes the entry recent", 10, 41, "a", false, true, []string{"a", "c"}},
		{"evicts as many as needed", 10, 30, "c", false, true, []string{"c"}},
		{"an entry too large with it keeps its plain body", 10, 21, "c", false, false, []string{"b", "c"}},
		{"not for another array of the same bytes", 10, 1000, "b", true, false, []string{"a", "b", "c"}},
		{"not for an evicted entry", 2, 1000, "a", false, false, []string{"b", "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newBodyCache(tt.maxEntries, tt.maxBytes)
			held := map[string][]byte{}
			for _, tok := range []string{"a", "b", "c"} {
				held[tok] = body()
				c.put(tok, "e", held[tok], lookupStamp{})
			}
			attached := held[tt.attach]
			if tt.other {
				attached = body()
			}
			c.putGzip(tt.attach, attached, gz)

			got, ok := c.getGzip(tt.attach, "e")
			if ok != tt.wantGzip || (ok && string(got) != string(gz)) {
				t.Errorf("getGzip(%s) = %q, %v; want it kept: %v", tt.attach, got, ok, tt.wantGzip)
			}
			if held := cached(t, c, "a", "b", "c"); fmt.Sprint(held) != fmt.Sprint(tt.want) {
				t.Errorf("holds %v, want %v", held, tt.want)
			}
			entries, size := c.stats()
			wantSize := 10 * len(tt.want)
			if tt.wantGzip {
				wantSize += len(gz)
			}
			if entries != len(tt.want) || size != wantSize || size != entryCosts(c) {
				t.Errorf("stats = %d entries, %d bytes; want %d, %d (entries add up to %d)", entries, size, len(tt.want), wantSize, entryCosts(c))
			}
			if size > tt.maxBytes {
				t.Errorf("holds %d bytes, beyond %d", size, tt.maxBytes)
			}
		})
	}
}

func TestBodyCacheGzipGoesWithItsVersion(t *testing.T) {
	c := newBodyCache(10, 1000)
	v1 := []byte("version 1")
	c.put("tok", `"v1"`, v1, lookupStamp{})
	if _, ok := c.getGzip("tok", `"v1"`); ok {
		t.Fatal("getGzip found a gzip body before one was added")
	}
	c.putGzip("tok", v1, []byte("gz 1"))
	if gz, ok := c.getGzip("tok", `"v1"`); !ok || string(gz) != "gz 1" {
		t.Fatalf("getGzip under the body's ETag = %q, %v", gz, ok)
	}
	if gz, ok := c.getGzip("tok", `"v2"`); ok {
		t.Errorf("getGzip under a new ETag served the old gzip body %q", gz)
	}

	// A new version replaces the entry, and the gzip body goes with it.
	v2 := []byte("version 2")
	c.put("tok", `"v2"`, v2, lookupStamp{})
	if gz, ok := c.getGzip("tok", `"v2"`); ok {
		t.Errorf("after a new version, getGzip served %q before its gzip body was made", gz)
	}
	// A gzip body made from the old version, by a request that rendered
	// it before the new one was put, must not join the new one.
	c.putGzip("tok", v1, []byte("gz 1"))
	if gz, ok := c.getGzip("tok", `"v2"`); ok {
		t.Errorf("a gzip body of the old version was kept with the new one: %q", gz)
	}
	c.putGzip("tok", v2, []byte("gz 2"))
	// The first gzip body kept stays: compression is deterministic.
	c.putGzip("tok", v2, []byte("gz 2 again"))
	if gz, ok := c.getGzip("tok", `"v2"`); !ok || string(gz) != "gz 2" {
		t.Errorf("getGzip under the new ETag = %q, %v; want gz 2", gz, ok)
	}
	if entries, size := c.stats(); entries != 1 || size != len("tok")+len(`"v2"`)+len("version 2")+len("gz 2") {
		t.Errorf("holds %d entries, %d bytes; want the second version with its gzip body only", entries, size)
	}

	got, _ := c.getGzip("tok", `"v2"`)
	_ = append(got, "garbage"...)
	if again, _ := c.getGzip("tok", `"v2"`); string(again) != "gz 2" || cap(again) != len(again) {
		t.Errorf("after a caller appended: %q (cap %d)", again, cap(again))
	}
	var none *bodyCache
	none.putGzip("tok", v2, []byte("gz"))
	if _, ok := none.getGzip("tok", `"v2"`); ok {
		t.Error("a nil cache served a gzip body")
	}
	if _, ok := c.getGzip("tok", ""); ok {
		t.Error("an empty ETag found a gzip body")
	}
}

// TestBodyCacheGzipConcurrentUse is meant for -race: puts, gets and gzip
// bodies on overlapping tokens, where every body names the token and ETag it
// was put under and every gzip body the body it was made from.
func TestBodyCacheGzipConcurrentUse(t *testing.T) {
	const maxEntries, maxBytes = 16, 600
	c := newBodyCache(maxEntries, maxBytes)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(g), 2))
			for range 2000 {
				tok := fmt.Sprintf("t%d", r.IntN(40))
				etag := fmt.Sprintf("e%d", r.IntN(3))
				want := tok + "|" + etag
				switch r.IntN(3) {
				case 0:
					c.put(tok, etag, []byte(want), lookupStamp{})
				case 1:
					if body, ok := c.get(tok, etag); ok {
						c.putGzip(tok, body, []byte("gz:"+string(body)))
					}
				default:
					if gz, ok := c.getGzip(tok, etag); ok && string(gz) != "gz:"+want {
						errs <- fmt.Errorf("getGzip(%s, %s) = %q", tok, etag, gz)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	entries, size := c.stats()
	if entries > maxEntries || size > maxBytes {
		t.Errorf("holds %d entries, %d bytes: beyond %d, %d", entries, size, maxEntries, maxBytes)
	}
	if sum := entryCosts(c); sum != size {
		t.Errorf("counted %d bytes, the entries hold %d", size, sum)
	}
}

func TestRenderGzipIsThePlainBodyMadeOnce(t *testing.T) {
	svc, feeds := benchService(t, sample.Demo(t))
	for _, feed := range feeds {
		t.Run(feed.name, func(t *testing.T) {
			f, gz := lookupRenderGzip(t, svc, feed.token)
			plain, err := svc.Render(t.Context(), f, feed.token)
			if err != nil {
				t.Fatal(err)
			}
			if got := gunzip(t, gz); !bytes.Equal(got, plain) {
				t.Error("the gzip body does not decompress to the plain body")
			}
			if fresh := renderFresh(t, svc, f, feed.token); !bytes.Equal(plain, fresh) {
				t.Error("the plain body differs from a fresh render")
			}
			if _, again := lookupRenderGzip(t, svc, feed.token); !sameArray(again, gz) {
				t.Error("a second gzip render of an unchanged feed did not come from the cache")
			}
			// Without the cache the gzip body is made anew, byte for byte
			// the same: one ETag, one set of bytes.
			fresh := *svc
			fresh.bodies = nil
			unrendered := *f
			unrendered.body = nil
			uncached, err := fresh.RenderGzip(t.Context(), &unrendered, feed.token)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(uncached, gz) {
				t.Error("a gzip body made anew differs from the cached one")
			}
		})
	}
	entries, size := svc.bodies.stats()
	if entries != len(feeds) || size != entryCosts(svc.bodies) {
		t.Errorf("the cache holds %d entries, %d bytes; want %d entries adding up to %d bytes", entries, size, len(feeds), entryCosts(svc.bodies))
	}
}

func TestRenderGzipFirstKeepsThePlainBodyToo(t *testing.T) {
	svc, feeds := benchService(t, sample.Demo(t))
	token := feeds[0].token
	f, gz := lookupRenderGzip(t, svc, token)
	plain, ok := svc.bodies.get(token, f.ETag)
	if !ok {
		t.Fatal("a gzip render did not keep the plain body")
	}
	if !bytes.Equal(gunzip(t, gz), plain) {
		t.Error("the kept plain body is not what the gzip body holds")
	}
	_, size := svc.bodies.stats()
	if want := len(token) + len(f.ETag) + len(plain) + len(gz); size != want {
		t.Errorf("the cache counts %d bytes, want %d for both bodies and the keys", size, want)
	}
}

// TestRenderGzipConcurrently is meant for -race: plain and gzip renders of
// two feeds while staff import the programme with the bus moved back and
// forth. Every body served must be a whole calendar showing the bus at one of
// its two times, and once the imports are over both encodings of every feed
// must be the last version's.
func TestRenderGzipConcurrently(t *testing.T) {
	p := sample.Demo(t)
	svc, feeds := benchService(t, p)
	moved := sample.Demo(t)
	moved.Transport[0].DepartsAt = moved.Transport[0].DepartsAt.Add(15 * time.Minute)
	moved.Transport[0].Poll.Decided = "17:30"
	const (
		at1715 = "DTSTART;TZID=America/Mexico_City:20161205T171500"
		at1730 = "DTSTART;TZID=America/Mexico_City:20161205T173000"
	)
	whole := func(body []byte) bool {
		return bytes.HasPrefix(body, []byte("BEGIN:VCALENDAR\r\n")) && bytes.HasSuffix(body, []byte("END:VCALENDAR\r\n")) &&
			bytes.Contains(body, []byte(at1715)) != bytes.Contains(body, []byte(at1730))
	}

	var wg sync.WaitGroup
	errs := make(chan error, 16)
	wg.Go(func() {
		// Ends with the bus moved, the opposite of the start.
		for n := range 5 {
			prog := p
			if n%2 == 0 {
				prog = moved
			}
			if _, err := svc.Store().Import(t.Context(), prog, store.ImportOptions{}); err != nil {
				errs <- err
				return
			}
		}
	})
	for g := range 6 {
		wg.Go(func() {
			for n := range 12 {
				i := (g + n) % len(feeds)
				f, err := svc.Lookup(t.Context(), feeds[i].token)
				if err != nil {
					errs <- err
					return
				}
				var body []byte
				if (g+n)%3 == 0 {
					body, err = svc.Render(t.Context(), f, feeds[i].token)
				} else {
					var gz []byte
					if gz, err = svc.RenderGzip(t.Context(), f, feeds[i].token); err == nil {
						var zr *gzip.Reader
						if zr, err = gzip.NewReader(bytes.NewReader(gz)); err == nil {
							body, err = io.ReadAll(zr)
						}
					}
				}
				if err != nil {
					errs <- err
					return
				}
				if !whole(body) {
					errs <- fmt.Errorf("%s feed: a body that is not one whole version:\n%s", feeds[i].name, body)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	for _, feed := range feeds {
		f, gz := lookupRenderGzip(t, svc, feed.token)
		fresh := renderFresh(t, svc, f, feed.token)
		if !bytes.Contains(fresh, []byte(at1730)) {
			t.Fatalf("%s feed: after the last import the bus is not at 17:30", feed.name)
		}
		if !bytes.Equal(gunzip(t, gz), fresh) {
			t.Errorf("%s feed: after the imports the gzip body is not the last version", feed.name)
		}
		if body, err := svc.Render(t.Context(), f, feed.token); err != nil || !bytes.Equal(body, fresh) {
			t.Errorf("%s feed: after the imports the plain body is not the last version (%v)", feed.name, err)
		}
	}
	if _, size := svc.bodies.stats(); size != entryCosts(svc.bodies) {
		t.Errorf("the cache counts %d bytes, its entries hold %d", size, entryCosts(svc.bodies))
	}
}

// BenchmarkRenderGzip measures a gzip response's body: "cached" is the
// gzip body for the feed's current ETag already in memory, as for every
// gzip request but the first after a change; "compress" is what the first
// adds to Render, at the level gzipBody uses and at the best level, both
// with a reused writer.
func BenchmarkRenderGzip(b *testing.B) {
	for _, size := range benchSizes(b) {
		b.Run(size.name, func(b *testing.B) {
			svc, feeds := benchService(b, size.p)
			for _, f := range feeds {
				feed, err := svc.Lookup(b.Context(), f.token)
				if err != nil {
					b.Fatal(err)
				}
				body, err := svc.Render(b.Context(), feed, f.token)
				if err != nil {
					b.Fatal(err)
				}
				b.Run(f.name+"/cached", func(b *testing.B) {
					if _, err := svc.RenderGzip(b.Context(), feed, f.token); err != nil {
						b.Fatal(err)
					}
					b.ReportAllocs()
					for b.Loop() {
						if _, err := svc.RenderGzip(b.Context(), feed, f.token); err != nil {
							b.Fatal(err)
						}
					}
				})
				b.Run(f.name+"/compress", func(b *testing.B) {
					b.SetBytes(int64(len(body)))
					b.ReportAllocs()
					var gz []byte
					for b.Loop() {
						if gz, err = gzipBody(body); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(len(gz)), "gz-bytes")
				})
				b.Run(f.name+"/compress-best", func(b *testing.B) {
					b.SetBytes(int64(len(body)))
					b.ReportAllocs()
					// One writer, reset each time, as gzipBody's pool does.
					var buf bytes.Buffer
					zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
					for b.Loop() {
						buf.Reset()
						zw.Reset(&buf)
						zw.Write(body)
						zw.Close()
					}
					b.ReportMetric(float64(buf.Len()), "gz-bytes")
				})
			}
		})
	}
}
