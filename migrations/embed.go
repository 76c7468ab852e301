// Package migrations holds the database schema as numbered goose migrations,
// one folder per dialect. Every change ships as a file of the same name in
// both folders, and a shipped file is never edited.
package migrations

import (
	"embed"
	"io/fs"
)

// SQLite holds the migrations for SQLite, under the folder "sqlite".
//
//go:embed sqlite/*.sql
var SQLite embed.FS

// Postgres holds the migrations for PostgreSQL, under the folder "postgres".
//
//go:embed postgres/*.sql
var Postgres embed.FS

// For returns the migrations of a dialect ("sqlite" or "postgres") with the
// files at the root, as goose expects them, or nil for an unknown dialect.
func For(dialect string) fs.FS {
	var (
		fsys fs.FS
		dir  string
	)
	switch dialect {
	case "sqlite":
		fsys, dir = SQLite, "sqlite"
	case "postgres":
		fsys, dir = Postgres, "postgres"
	default:
		return nil
	}
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		// fs.Sub fails only on an invalid path, and dir is a constant.
		panic(err)
	}
	return sub
}
