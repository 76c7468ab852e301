package programme_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
)

// notRidingMsg is the one message for a stayer who does not ride the run.
const notRidingMsg = `"sally-wentworth" does not ride this run: add them to its riders, or take them off its staying_behind`

// Only a rider can stay behind: a rider by delegation or by name may, a
// person the run does not take may not, with the entry's path; an entry
// taken off the list (inactive, kept as history) is not checked.
func TestStayingBehindIsForRiders(t *testing.T) {
	p := sample.Demo(t)
	bus := &p.Transport[0]
	bus.StayingBehind = []programme.StayingBehind{
		{Person: "omar-ansari", Active: true},     // by the delegation af
		{Person: "joe-gattuso", Active: true},     // by name
		{Person: "sally-wentworth", Active: true}, // a speaker, not on the bus
		{Person: "noel", Active: false},
	}
	errs := programme.Validate(p)
	want := programme.FieldErrors{{Path: "transport[0].staying_behind[2].person", Msg: notRidingMsg}}
	if !slices.Equal(errs, want) {
		t.Fatalf("Validate = %v, want %v", errs, want)
	}

	// A batch is checked against the stored programme: a person whose
	// delegation the batch does not give rides by the stored one.
	base := sample.Demo(t)
	batch := base.Header()
	run := base.Transport[0]
	run.StayingBehind = []programme.StayingBehind{{Person: "omar-ansari", Active: true}}
	batch.Transport = []programme.Run{run}
	if _, errs := programme.ValidateBatch(batch, base); errs != nil {
		t.Fatalf("a rider of the stored delegation: %v", errs)
	}
	// A batch moving the person out of the delegation leaves a stayer who
	// no longer rides: refused.
	omar := *base.Person("omar-ansari")
	omar.Delegation = "pk"
	batch.People = []programme.Person{omar}
	run.Riders.Delegations = []string{"af"}
	batch.Transport = []programme.Run{run}
	if _, errs := programme.ValidateBatch(batch, base); len(errs) != 1 || errs[0].Path != "transport[0].staying_behind[0].person" {
		t.Fatalf("a stayer moved out of the riding delegation: %v", errs)
	}
}

// The delegate's own action refuses a non-rider with the same path and
// message as a file would get.
func TestStayBehindRefusesANonRiderAsAFileWould(t *testing.T) {
	p := sample.Demo(t)
	early := p.Transport[0].DepartsAt.Add(-time.Hour)
	_, err := p.StayBehind("day0-bus", "sally-wentworth", "", early)
	var e *programme.Error
	if !errors.As(err, &e) || e.Code != programme.EINVALID ||
		!slices.Equal(e.Fields, programme.FieldErrors{{Path: "transport[0].staying_behind[0].person", Msg: notRidingMsg}}) {
		t.Fatalf("StayBehind of a non-rider: %#v", err)
	}
}

// A stored stayer whom a batch leaves without a ride (the batch moves them
// to a delegation the run does not take, and leaves the run out) is named
// with the fix, as the stored run the batch would break.
func TestAStoredStayerLeftWithoutARideNamesTheFix(t *testing.T) {
	base := sample.Demo(t)
	base.Transport[0].Riders.Delegations = []string{"af"}
	base.Transport[0].StayingBehind = []programme.StayingBehind{{Person: "omar-ansari", Active: true}}
	if errs := programme.Validate(base); errs != nil {
		t.Fatal(errs)
	}
	batch := base.Header()
	omar := *base.Person("omar-ansari")
	omar.Delegation = "pk"
	batch.People = []programme.Person{omar}
	_, errs := programme.ValidateBatch(batch, base)
	want := `the stored run "day0-bus", which the file leaves out, would be wrong after this change ` +
		`(staying_behind[0].person: "omar-ansari" does not ride this run: add them to its riders, or take them off its staying_behind)`
	if len(errs) != 1 || errs[0].Path != "transport" || errs[0].Msg != want {
		t.Fatalf("ValidateBatch = %v, want transport: %s", errs, want)
	}
}
