package sample

import (
	"testing"
	"time"
)

func TestScaledRepeatsEveryFortnightAtTheSameLocalTimes(t *testing.T) {
	p := Demo(t)
	big := MustScaled(t, p, 3)
	if got, want := len(big.Sessions), 3*len(p.Sessions); got != want {
		t.Fatalf("%d sessions, want %d", got, want)
	}
	if got, want := len(big.Transport), 3*len(p.Transport); got != want {
		t.Fatalf("%d runs, want %d", got, want)
	}
	if big.EndsOn != "2017-01-06" {
		t.Errorf("EndsOn = %s, want 2017-01-06", big.EndsOn)
	}
	first, third := p.Sessions[2], big.Sessions[2*len(p.Sessions)+2]
	if third.Key != first.Key+"-x2" {
		t.Errorf("key of the third copy = %q", third.Key)
	}
	loc := p.Loc(first.TimeZone)
	if a, b := first.StartsAt.In(loc).Format("15:04"), third.StartsAt.In(loc).Format("15:04"); a != b {
		t.Errorf("local start moved from %s to %s", a, b)
	}
	if d := third.StartsAt.In(loc).Sub(first.StartsAt.In(loc)).Round(time.Hour); d != 28*24*time.Hour {
		t.Errorf("the third copy is %v later, want four weeks", d)
	}
	if len(p.Sessions) != 9 || p.Sessions[2].Key != "day0-seminar" {
		t.Error("Scaled changed the programme it was given")
	}
	if _, err := Scaled(p, 0); err == nil {
		t.Error("Scaled(p, 0) succeeded")
	}
}
