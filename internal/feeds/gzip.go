package feeds

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"sync"
)

// RenderGzip returns the feed as Render does, compressed with gzip, for
// clients that send Accept-Encoding: gzip. Compressing each response anew
// cost more than everything else a cached response does (2–2.5 ms of CPU
// for a feed of 125 KB, against 0.5 ms for all the rest), so the gzip body
// is made once per token and ETag and kept in the same cache entry as the
// plain body it was made from; a changed programme replaces both together.
// The bytes are shared: callers must not modify them.
//
// The output is deterministic (no name or time in the gzip header), so the
// same ETag always means the same gzip bytes too, whether they come from
// memory or are made anew.
func (s *Service) RenderGzip(ctx context.Context, f *Feed, token string) ([]byte, error) {
	if gz, ok := s.bodies.getGzip(token, f.ETag); ok {
		return gz, nil
	}
	body, err := s.Render(ctx, f, token)
	if err != nil {
		return nil, err
	}
	gz, err := gzipBody(body)
	if err != nil {
		return nil, err
	}
	// Render has just kept body (or handed out the one it kept) under the
	// ETag of the version it was rendered from, which putGzip follows by
	// attaching gz to that very body.
	s.bodies.putGzip(token, body, gz)
	return gz, nil
}

// gzipWriters keeps gzip.Writers for reuse: each one holds about 800 KB of
// compressor state, which a fresh writer allocates and clears again, and that
// cost as much as compressing a demo-sized feed.
var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(io.Discard) }}

// gzipBody compresses body at gzip's default level: the best level makes
// large feeds 2% smaller (small ones not at all) for 20–50% more time,
// paid on every first request after a change.
func gzipBody(body []byte) ([]byte, error) {
	var buf bytes.Buffer
	// Calendar text compresses 3–14 times; a quarter avoids most regrowth.
	buf.Grow(len(body)/4 + 64)
	zw := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(zw)
	// Reset clears the header too, so no name or time is ever written.
	zw.Reset(&buf)
	if _, err := zw.Write(body); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	// Reset to io.Discard so that the pooled writer does not keep buf alive.
	zw.Reset(io.Discard)
	// A copy of exactly the compressed length, so that what the cache
	// counts against its byte bound is what it holds.
	return bytes.Clone(buf.Bytes()), nil
}

// gunzipBody makes the plain body again from a gzip body the cache kept.
func gunzipBody(gz []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	return body[:len(body):len(body)], nil
}

// Kept returns the body that Render (or RenderGzip, with gzip) would return
// for f, when it is in memory, without rendering anything: a HEAD uses it to
// send the Content-Length of the GET. The bytes are shared: callers must not
// modify them.
func (s *Service) Kept(f *Feed, token string, gzip bool) ([]byte, bool) {
	if gzip {
		return s.bodies.getGzip(token, f.ETag)
	}
	if f.body != nil {
		return f.body, true
	}
	return s.bodies.get(token, f.ETag)
}
