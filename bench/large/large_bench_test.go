package large_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/planner-dev/planner/bench/large"
	"github.com/planner-dev/planner/internal/exchange"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
)

// The benchmarks below measure a conference-sized programme (Conference)
// through the store: SQLite by default, PostgreSQL with
// PLANNER_TEST_DATABASE_URL. Import, export and decoding are what staff
// wait for; the feeds' own benchmarks are in internal/feeds.

func conference(b *testing.B) *programme.Programme {
	b.Helper()
	p, err := large.Generate(large.Conference)
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkImport imports the conference: "new" into an empty database
// (issue 12's target is under 5 s), "unchanged" over itself, "one-session"
// with one session moved.
func BenchmarkImport(b *testing.B) {
	b.Run("new", func(b *testing.B) {
		p := conference(b)
		for b.Loop() {
			b.StopTimer()
			st := storetest.Open(b)
			b.StartTimer()
			if _, err := st.Import(b.Context(), p, store.ImportOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, name := range []string{"unchanged", "one-session"} {
		b.Run(name, func(b *testing.B) {
			p := conference(b)
			st := storetest.Open(b)
			storetest.MustImport(b, st, p)
			for i := 0; b.Loop(); i++ {
				if name == "one-session" {
					s := &p.Sessions[len(p.Sessions)/2]
					s.Title = "Moved session " + string(rune('a'+i%26))
				}
				if _, err := st.Import(b.Context(), p, store.ImportOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkExport loads the stored conference and writes it in the
// programme file format, as `planner export` does.
func BenchmarkExport(b *testing.B) {
	p := conference(b)
	st := storetest.Open(b)
	storetest.MustImport(b, st, p)
	var size int
	b.ReportAllocs()
	for b.Loop() {
		loaded, err := st.Programme(b.Context(), p.Slug)
		if err != nil {
			b.Fatal(err)
		}
		var buf bytes.Buffer
		if err := exchange.Encode(&buf, loaded); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size), "file-bytes")
}

// BenchmarkDecode reads the conference's programme file, the first step of
// `planner import`.
func BenchmarkDecode(b *testing.B) {
	var buf bytes.Buffer
	if err := exchange.Encode(&buf, conference(b)); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := exchange.Decode(bytes.NewReader(buf.Bytes())); err != nil {
			b.Fatal(err)
		}
	}
}

// TestGenerateIsValidAndSized checks the generator's counts.
func TestGenerateIsValidAndSized(t *testing.T) {
	p, err := large.Generate(large.Conference)
	if err != nil {
		t.Fatal(err)
	}
	slots, speakers := 0, map[string]bool{}
	for _, s := range p.Sessions {
		slots += len(s.Slots)
		for _, sl := range s.Slots {
			for _, k := range sl.Speakers {
				speakers[k] = true
			}
		}
	}
	if len(p.People) != 2000 || len(p.Delegations) != 60 || len(p.Sessions) != 400 || len(p.Rooms) != 12 ||
		slots != 2000 || len(speakers) != 2000 || len(p.Transport) != 60 {
		t.Errorf("conference: %d people, %d delegations, %d sessions, %d rooms, %d slots, %d speakers, %d runs",
			len(p.People), len(p.Delegations), len(p.Sessions), len(p.Rooms), slots, len(speakers), len(p.Transport))
	}
	if _, err := large.Generate(large.Params{People: 1, Delegations: 1, Sessions: 100, Days: 1, Rooms: 1,
		SlotsPerSession: 1, AudiencePerSession: 1}); err == nil {
		t.Error("100 sessions in one room on one day were generated")
	}
	var buf bytes.Buffer
	if err := exchange.Encode(io.MultiWriter(&buf), p); err != nil {
		t.Fatal(err)
	}
	if _, fe, err := exchange.Decode(&buf); err != nil || len(fe) > 0 {
		t.Errorf("the generated file does not read back: %v %v", err, fe)
	}
}
