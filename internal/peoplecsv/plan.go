package peoplecsv

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/planner-dev/planner/internal/programme"
)

// Actions of a row on the stored programme.
const (
	ActionCreate    = "create"
	ActionUpdate    = "update"
	ActionUnchanged = "unchanged"
)

// Plan is what importing a file of people into a programme would do: each
// row with its action and its problems, and the batch that makes the
// change. Nothing is stored by planning.
type Plan struct {
	Rows []PlannedRow
	// Problems are those of the file that no one row causes.
	Problems []string
	// Batch holds the programme's header and the people that change; nil
	// when nothing changes.
	Batch                       *programme.Programme
	Creates, Updates, Unchanged int
}

// PlannedRow is one row of the file and what it does.
type PlannedRow struct {
	Row
	Action string
}

// Valid reports whether no row and nothing else has a problem, so that the
// whole file may be imported: an import is all rows or none, so that a file
// is never half in.
func (p *Plan) Valid() bool {
	if len(p.Problems) > 0 {
		return false
	}
	for _, r := range p.Rows {
		if len(r.Errors) > 0 {
			return false
		}
	}
	return true
}

var personPath = regexp.MustCompile(`^people\[([0-9]+)\](?:\.([a-z_]+))?`)

// PlanImport checks rows against p, the stored programme: each person is
// created or replaces the stored one of the same key (people the file
// leaves out stay as they are), and the programme as it would be is
// checked by the domain's rules (ValidateBatch), each problem put on the
// row that causes it.
func PlanImport(p *programme.Programme, rows []Row) *Plan {
	plan := &Plan{}
	batch := p.Header()
	var batchRow []int // the plan's row of each person of the batch
	for _, r := range rows {
		pr := PlannedRow{Row: r}
		if d := r.Person.Delegation; d != "" && p.Delegation(d) == nil {
			pr.Fail("delegation", "%q is not a delegation of this programme (add it first, or leave the cell empty)", clip(d))
		}
		switch old := p.Person(r.Person.Key); {
		case old == nil:
			pr.Action = ActionCreate
		case samePerson(old, &r.Person):
			pr.Action = ActionUnchanged
		default:
			pr.Action = ActionUpdate
		}
		if len(pr.Errors) == 0 && pr.Action != ActionUnchanged {
			batch.People = append(batch.People, r.Person)
			batchRow = append(batchRow, len(plan.Rows))
		}
		plan.Rows = append(plan.Rows, pr)
	}
	if len(batch.People) > 0 {
		if _, errs := programme.ValidateBatch(batch, p); len(errs) > 0 {
			for _, e := range errs {
				m := personPath.FindStringSubmatch(e.Path)
				if m == nil {
					plan.Problems = append(plan.Problems, e.Error())
					continue
				}
				i, _ := strconv.Atoi(m[1])
				if i >= len(batchRow) {
					plan.Problems = append(plan.Problems, e.Error())
					continue
				}
				plan.Rows[batchRow[i]].Fail(m[2], "%s", e.Msg)
			}
		}
		plan.Batch = batch
	}
	for _, r := range plan.Rows {
		switch r.Action {
		case ActionCreate:
			plan.Creates++
		case ActionUpdate:
			plan.Updates++
		default:
			plan.Unchanged++
		}
	}
	return plan
}

// samePerson reports whether two people have the same fields of the file.
func samePerson(a, b *programme.Person) bool {
	return a.Key == b.Key && a.Name == b.Name && a.Title == b.Title && a.Organization == b.Organization &&
		a.Role == b.Role && a.Delegation == b.Delegation && a.Email == b.Email && a.Phone == b.Phone && a.Note == b.Note
}

// Summary says what the plan does, for the change log.
func (p *Plan) Summary() string {
	return fmt.Sprintf("Imported people from CSV: %d new, %d updated", p.Creates, p.Updates)
}
