package store_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/store/storetest"
)

// TestLoginFailures counts failed logins per key in windows, starts a new
// window once one has ended, forgets a key, and keeps no key in plain text.
func TestLoginFailures(t *testing.T) {
	s := storetest.Open(t)
	ctx := t.Context()
	const window = 15 * time.Minute
	account, address := "account:ana@example.org", "address:203.0.113.9"
	for i := range 3 {
		if err := s.RecordLoginFailure(ctx, t0.Add(time.Duration(i)*time.Minute), window, account, address); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RecordLoginFailure(ctx, t0.Add(4*time.Minute), window, address); err != nil {
		t.Fatal(err)
	}
	got, err := s.LoginFailureWindows(ctx, account, address, "account:bo@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if w := got[account]; w.Failures != 3 || !w.Start.Equal(t0) {
		t.Errorf("account: %+v, want 3 failures from %v", w, t0)
	}
	if w := got[address]; w.Failures != 4 || !w.Start.Equal(t0) {
		t.Errorf("address: %+v, want 4 failures from %v", w, t0)
	}
	if _, ok := got["account:bo@example.org"]; ok || len(got) != 2 {
		t.Errorf("windows %+v, want only the two keys that failed", got)
	}

	var stored []string
	if err := s.DB().Raw("SELECT key_hash FROM login_failures").Scan(&stored).Error; err != nil {
		t.Fatal(err)
	}
	for _, k := range stored {
		if strings.Contains(k, "example.org") || strings.Contains(k, "203.0.113") {
			t.Errorf("the table keeps %q in plain text", k)
		}
	}

	// Past the window, a failure starts a new window, and the other key's
	// ended window is deleted on the way.
	later := t0.Add(window + time.Minute)
	if err := s.RecordLoginFailure(ctx, later, window, account); err != nil {
		t.Fatal(err)
	}
	if got, err = s.LoginFailureWindows(ctx, account, address); err != nil {
		t.Fatal(err)
	}
	if w := got[account]; w.Failures != 1 || !w.Start.Equal(later) || len(got) != 1 {
		t.Errorf("after the window: %+v, want the account alone with 1 failure from %v", got, later)
	}
	if err := s.ForgetLoginFailures(ctx, account); err != nil {
		t.Fatal(err)
	}
	if got, err = s.LoginFailureWindows(ctx, account); err != nil || len(got) != 0 {
		t.Errorf("after forgetting: %+v, %v; want none", got, err)
	}
}

// TestLoginFailuresConcurrently: failures recorded at once, as by several
// instances, are all counted.
func TestLoginFailuresConcurrently(t *testing.T) {
	url := storetest.FreshURL(t)
	a, b := storetest.OpenURL(t, url), storetest.OpenURL(t, url)
	if err := a.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	const each = 10
	var wg sync.WaitGroup
	errs := make(chan error, 2*each)
	for i := range 2 * each {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() {
			errs <- s.RecordLoginFailure(t.Context(), t0, time.Hour, "account:ana@example.org", "address:192.0.2.1")
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := b.LoginFailureWindows(t.Context(), "account:ana@example.org", "address:192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	for k, w := range got {
		if w.Failures != 2*each {
			t.Errorf("%s: %d failures, want %d", k, w.Failures, 2*each)
		}
	}
	if len(got) != 2 {
		t.Errorf("windows %+v, want 2", got)
	}
}
