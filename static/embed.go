// Package static embeds the assets served under /static/: the style sheet and
// the icon, and one small script that makes the staff checklists quicker
// on a phone (boarding.js); every page works without it.
package static

import "embed"

// FS holds every asset, at the top level.
//
//go:embed *.css *.svg *.js
var FS embed.FS
