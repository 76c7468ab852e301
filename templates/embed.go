// Package templates embeds the HTML templates of the web pages: layout.html,
// the base every page fills in; _item.html and other partials, which every
// page may use; and one file per page defining "content"; pages only staff
// see are in staff/.
package templates

import "embed"

// FS holds every template file.
//
//go:embed *.html staff/*.html
var FS embed.FS
