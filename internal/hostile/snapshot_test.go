package hostile_test

import (
	"strings"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/hostile"
	"github.com/planner-dev/planner/internal/sample"
	"github.com/planner-dev/planner/internal/store/storetest"
)

// TestSnapshotSeesEveryChange: two snapshots of an unchanged database are
// equal; a change of one field shows, a recorded feed fetch does not.
func TestSnapshotSeesEveryChange(t *testing.T) {
	st := storetest.Open(t)
	p := sample.Demo(t)
	storetest.MustImport(t, st, p)
	take := func() hostile.Snapshot {
		s, err := hostile.Take(t.Context(), st.DB())
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := take()
	if len(before["sessions"]) != len(p.Sessions) || len(before["people"]) != len(p.People) {
		t.Fatalf("snapshot has %d sessions and %d people, the demo %d and %d", len(before["sessions"]), len(before["people"]), len(p.Sessions), len(p.People))
	}
	if d := before.Diff(take()); d != "" {
		t.Fatalf("two snapshots of the same database differ:\n%s", d)
	}

	// A fetch record is volatile.
	tok, _, err := st.CreateFeedToken(t.Context(), p.Slug, "person", p.People[0].Key, "nonce", []byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	before = take()
	if err := st.RecordFeedFetch(t.Context(), tok.ID, time.Now(), 42); err != nil {
		t.Fatal(err)
	}
	if d := before.Diff(take()); d != "" {
		t.Errorf("a feed fetch shows as a change:\n%s", d)
	}

	// A change of data is seen.
	storetest.MustMakePublic(t, st, p.Slug)
	if d := before.Diff(take()); !strings.Contains(d, "table programmes") || !strings.Contains(d, "table changes") {
		t.Errorf("making the programme public shows as:\n%s", d)
	}
}
