// Package hostile is a corpus of bad inputs for the planner's ways in (the
// API, the staff and delegate forms, the people CSV import, the calendar
// import and the programme importer), and a snapshot of a whole database
// for checking that each of them changed nothing.
//
// It is for tests only: internal/web/hostile_test.go sends the corpus to
// every way in over HTTP, cmd/planner/hostile_test.go to the command line.
// Every input must be refused with a 4xx (or, on the command line, a
// non-zero exit and a message saying what and where) and leave every row of
// every table as it was.
//
// The corpus is the files under testdata, one input per file, named after
// what is wrong with it, and the text values of Values, which the tests put
// into each field of each form and item in turn.
package hostile
