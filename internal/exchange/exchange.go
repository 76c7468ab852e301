// Package exchange reads and writes the programme file, the
// delegation-programme/v1 JSON format described in docs/programme-format.md.
//
// Decode reports every problem of a file at once, each with its JSON path, so
// that staff can fix a file in one go; Encode writes a programme so that
// decoding it again gives the same programme.
package exchange

// Format is the value of the top-level "format" field of every programme file.
const Format = "delegation-programme/v1"
