// Package static embeds the assets served under /static/: the style sheet and
// the icon. There are no scripts; the pages work without them.
package static

import "embed"

// FS holds every asset, at the top level.
//
//go:embed *.css *.svg
var FS embed.FS
