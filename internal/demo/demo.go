// Package demo embeds the built-in demo programme: the CLDP pre-conference
// seminar for the Afghan and Pakistani delegations at IGF 2016 in Guadalajara.
package demo

import _ "embed"

// Slug is the demo programme's slug.
const Slug = "igf2016-cldp"

// Delegate is the key of the delegate whose agenda `planner serve --demo`
// shows first: Omar Ansari of the Afghan delegation.
const Delegate = "omar-ansari"

// JSON is the demo programme in the delegation-programme/v1 file format.
//
//go:embed igf2016-cldp.json
var JSON []byte
