// Package static embeds the assets served under /static/: the style sheets, the
// icon and the small scripts some staff pages add (slots.js, boarding.js);
// every page works without them.
package static

import "embed"

// FS holds every asset, at the top level.
//
//go:embed *.css *.svg *.js
var FS embed.FS
