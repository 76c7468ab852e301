package store_test

import (
	"fmt"
	"testing"

	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
)

// BenchmarkImport imports a stored programme of n sessions (each with
// slots, an audience and a run) again: unchanged, and with every session's
// title changed. It reports the statements each import runs, which must not
// grow with the programme's size beyond the rows it writes.
func BenchmarkImport(b *testing.B) {
	for _, n := range []int{60, 240} {
		for _, changed := range []bool{false, true} {
			name := fmt.Sprintf("sessions=%d/unchanged", n)
			if changed {
				name = fmt.Sprintf("sessions=%d/changed", n)
			}
			b.Run(name, func(b *testing.B) {
				s := storetest.Open(b)
				p := largeFixture(b, n)
				storetest.MustImport(b, s, p)
				queries := countQueries(b, s)
				for i := 0; b.Loop(); i++ {
					if changed {
						for j := range p.Sessions {
							p.Sessions[j].Title = fmt.Sprintf("Session %d, version %d", j, i)
						}
					}
					if _, err := s.Import(b.Context(), p, store.ImportOptions{}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(queries.Load())/float64(b.N), "queries/op")
			})
		}
	}
}
