// Package calimport brings a published calendar (an .ics file from pretalx,
// frab, Sched, Indico or Google Calendar) into a programme: Parse (package
// ics, re-exported here) reads the file into candidate sessions, each event
// it cannot take refused with a reason, and Plan maps the candidates onto
// the stored programme as a batch of sessions to create, update, move or
// cancel, keeping what staff added; Import applies the plan through the
// store. How the file is read and its times resolved is told in package ics.
package calimport

import (
	"io"

	"github.com/planner-dev/planner/internal/calimport/ics"
)

// The calendar as read, from package ics, which imports nothing of the
// store so that its fuzz target builds without the SQLite engine.
type (
	Options  = ics.Options
	Calendar = ics.Calendar
	Event    = ics.Event
	Problem  = ics.Problem
)

// Limits of a calendar file (package ics).
const (
	MaxBytes     = ics.MaxBytes
	MaxInstances = ics.MaxInstances
)

// Parse reads a calendar file into candidate sessions (ics.Parse).
func Parse(r io.Reader, opt Options) (Calendar, []Problem, error) { return ics.Parse(r, opt) }
