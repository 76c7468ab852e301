// Package static embeds the assets served under /static/: the style sheet, the icon and
// the small scripts some staff pages add to forms that work without them.
package static

import "embed"

// FS holds every asset, at the top level.
//
//go:embed *.css *.svg *.js
var FS embed.FS
