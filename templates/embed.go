// Package templates embeds the HTML templates of the web pages: layout.html,
// the base every page fills in; _item.html and other partials, which every
// page may use; and one file per page defining "content".
package templates

import "embed"

// FS holds every template file.
//
//go:embed *.html
var FS embed.FS
