package store_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
)

func TestTwoStaffTickingAtOnceLoseNoTick(t *testing.T) {
	s, _ := openClocked(t)
	storetest.MustImport(t, s, sample.Demo(t))
	ctx := t.Context()
	// Two phones tick twenty people each at once, interleaved.
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for phone := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				_, err := s.SetTick(ctx, "igf2016-cldp", store.Tick{
					List: store.ChecklistRun, Key: "day0-bus", Person: fmt.Sprintf("p%d-%d", phone, i),
					Ticked: true, By: fmt.Sprintf("phone %d", phone),
				})
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	ticks, err := s.Ticks(ctx, "igf2016-cldp", store.ChecklistRun, "day0-bus")
	if err != nil {
		t.Fatal(err)
	}
	if len(ticks) != 40 {
		t.Fatalf("%d ticks kept, want 40", len(ticks))
	}
	for person, tk := range ticks {
		if !tk.Ticked || tk.By == "" {
			t.Errorf("%s: %+v", person, tk)
		}
	}
}

func TestTickThenUntickLastWriteWins(t *testing.T) {
	s, clock := openClocked(t)
	storetest.MustImport(t, s, sample.Demo(t))
	ctx := t.Context()
	tick := store.Tick{List: store.ChecklistRun, Key: "day0-bus", Person: "omar-ansari", Ticked: true, By: "Emily"}
	if _, err := s.SetTick(ctx, "igf2016-cldp", tick); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	tick.Ticked, tick.By = false, "Ana"
	if _, err := s.SetTick(ctx, "igf2016-cldp", tick); err != nil {
		t.Fatal(err)
	}
	ticks, err := s.Ticks(ctx, "igf2016-cldp", store.ChecklistRun, "day0-bus")
	if err != nil {
		t.Fatal(err)
	}
	got := ticks["omar-ansari"]
	if got.Ticked || got.By != "Ana" || !got.At.Equal(t0.Add(time.Minute)) || len(ticks) != 1 {
		t.Errorf("after tick and untick: %+v (of %d), want unticked by Ana at %s", got, len(ticks), t0.Add(time.Minute))
	}
	// A hand-out's list of the same key is another list.
	other, _ := s.Ticks(ctx, "igf2016-cldp", store.ChecklistHandout, "day0-bus")
	if len(other) != 0 {
		t.Errorf("the hand-out list holds %v", other)
	}
}

func TestTickRefusals(t *testing.T) {
	s, _ := openClocked(t)
	storetest.MustImport(t, s, sample.Demo(t))
	for _, tt := range []struct {
		slug string
		tick store.Tick
		code string
	}{
		{"igf2016-cldp", store.Tick{List: "bus", Key: "day0-bus", Person: "omar-ansari"}, programme.EINVALID},
		{"igf2016-cldp", store.Tick{List: store.ChecklistRun, Key: "day0-bus"}, programme.EINVALID},
		{"nope", store.Tick{List: store.ChecklistRun, Key: "day0-bus", Person: "omar-ansari"}, programme.ENOTFOUND},
	} {
		if _, err := s.SetTick(t.Context(), tt.slug, tt.tick); programme.ErrorCode(err) != tt.code {
			t.Errorf("%+v: %v, want %s", tt.tick, err, tt.code)
		}
	}
}

func TestHandouts(t *testing.T) {
	s, _ := openClocked(t)
	storetest.MustImport(t, s, sample.Demo(t))
	ctx := t.Context()
	for _, h := range []store.Handout{
		{Key: "lunch-tickets", Day: "2016-12-06", Title: "Meal tickets for Tuesday's lunch"},
		{Key: "badges", Day: "2016-12-05", Title: "Badges", Note: "At the IGF registration desk"},
	} {
		if err := s.SaveHandout(ctx, "igf2016-cldp", h); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SaveHandout(ctx, "igf2016-cldp", store.Handout{Key: "badges", Day: "2016-12-05", Title: "Badges and lanyards"}); err != nil {
		t.Fatal(err)
	}
	list, err := s.Handouts(ctx, "igf2016-cldp")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Title != "Badges and lanyards" || list[1].Key != "lunch-tickets" {
		t.Errorf("hand-outs %+v", list)
	}
	err = s.SaveHandout(ctx, "igf2016-cldp", store.Handout{Key: "Bad Key", Day: "Monday"})
	e, ok := err.(*programme.Error)
	if !ok || e.Code != programme.EINVALID || len(e.Fields) != 3 {
		t.Errorf("a bad hand-out: %v", err)
	}
	if _, err := s.Handout(ctx, "igf2016-cldp", "none"); programme.ErrorCode(err) != programme.ENOTFOUND {
		t.Errorf("an unknown hand-out: %v", err)
	}
}
