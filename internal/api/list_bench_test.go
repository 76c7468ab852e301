package api_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/planner-dev/planner/bench/large"
	"github.com/planner-dev/planner/internal/api"
	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
)

// BenchmarkListSessions measures the first page (100) of a conference's
// sessions (bench/large) through /api/v1, with an API token: after the
// first request, from the kept bytes.
func BenchmarkListSessions(b *testing.B) { benchmarkListSessions(b, false) }

// BenchmarkListSessionsEncoded is BenchmarkListSessions with nothing kept:
// every request encodes the page, as before the lists kept their bytes.
func BenchmarkListSessionsEncoded(b *testing.B) { benchmarkListSessions(b, true) }

func benchmarkListSessions(b *testing.B, encodeEach bool) {
	p, err := large.Generate(large.Conference)
	if err != nil {
		b.Fatal(err)
	}
	st := storetest.Open(b)
	storetest.MustImport(b, st, p)
	keys, err := feeds.NewKeyring(bytes.Repeat([]byte("k"), feeds.KeySize))
	if err != nil {
		b.Fatal(err)
	}
	svc := feeds.NewService(st, keys, "http://planner.test", time.Now)
	h := api.New(api.Config{Store: st, Feeds: svc})
	if encodeEach {
		api.SetListBudget(h, 0)
	}
	if _, err := st.CreateUser(b.Context(), store.NewUser{Email: "viewer@example.org", Role: programme.RoleViewer, PasswordHash: argonHash, Name: "V"}); err != nil {
		b.Fatal(err)
	}
	_, secret, err := st.CreateAPIToken(b.Context(), "viewer@example.org", "bench")
	if err != nil {
		b.Fatal(err)
	}
	// Memory current, as Watch keeps it in `serve`.
	if err := svc.SyncChanges(b.Context()); err != nil {
		b.Fatal(err)
	}
	ctx, stop := context.WithCancel(b.Context())
	watching := make(chan struct{})
	go func() {
		defer close(watching)
		svc.Watch(ctx, nil)
	}()
	defer func() { stop(); <-watching }()
	target := "/api/v1/programmes/" + p.Slug + "/sessions"
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("list: %d\n%s", rec.Code, rec.Body)
		}
	}
}
