package hostile

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"
)

// Volatile names the columns that change without a change of data, by
// table and column; Snapshot leaves them out and keeps every other column
// of every table.
//
//   - api_tokens.last_used_at: every API request records when its token was
//     last used, so that staff can see unused tokens; a refused request is
//     still a use of the token.
//   - feed_tokens.last_fetched_at and last_fetched_version: the record of a
//     calendar app's last fetch of a feed (or of the personal page that a
//     delegate's form redirects from), kept for the staff feed list.
//
// Login sessions (staff_sessions) are not excluded: the server has no idle
// timeout, so a refused form leaves a login's row as it was.
var Volatile = map[string][]string{
	"api_tokens":  {"last_used_at"},
	"feed_tokens": {"last_fetched_at", "last_fetched_version"},
}

// VolatileTables names the tables Snapshot leaves out whole.
//
//   - login_failures: every refused login, whatever was typed, counts
//     against the account and the address it came from, in the database so
//     that every instance applies one limit; a malformed login is still a
//     guess, and counting it is the limit working, not a change of data.
var VolatileTables = []string{"login_failures"}

// Snapshot is every row of every table of a database, each as text, the
// rows of each table sorted, without the Volatile columns.
type Snapshot map[string][]string

// Take reads a Snapshot of db (SQLite or PostgreSQL).
func Take(ctx context.Context, db *gorm.DB) (Snapshot, error) {
	db = db.WithContext(ctx)
	var tables []string
	var err error
	switch db.Dialector.Name() {
	case "postgres":
		err = db.Raw(`SELECT table_name FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`).Scan(&tables).Error
	default:
		err = db.Raw(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).Scan(&tables).Error
	}
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	tables = slices.DeleteFunc(tables, func(t string) bool { return slices.Contains(VolatileTables, t) })
	if len(tables) < 10 {
		return nil, fmt.Errorf("only %d tables (%v): not a migrated planner database", len(tables), tables)
	}
	snap := Snapshot{}
	if db.Dialector.Name() == "postgres" {
		return snap, readAll(db, tables, snap)
	}
	for _, table := range tables {
		rows, err := readTable(db, table)
		if err != nil {
			return nil, err
		}
		snap[table] = rows
	}
	return snap, nil
}

func readTable(db *gorm.DB, table string) ([]string, error) {
	rows, err := db.Raw(`SELECT * FROM "` + table + `"`).Rows()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	skip := Volatile[table]
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("read %s: %w", table, err)
		}
		var b strings.Builder
		for i, c := range cols {
			if slices.Contains(skip, c) {
				continue
			}
			v := vals[i]
			if bs, ok := v.([]byte); ok {
				v = string(bs)
			}
			fmt.Fprintf(&b, "%s=%q ", c, fmt.Sprint(v))
		}
		out = append(out, b.String())
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", table, err)
	}
	slices.Sort(out)
	return out, nil
}

// readAll reads every table of PostgreSQL in one query, each row as its
// JSON without the Volatile columns: one round trip rather than one for
// each table keeps a snapshot for each of a thousand inputs quick.
func readAll(db *gorm.DB, tables []string, snap Snapshot) error {
	var parts []string
	for _, table := range tables {
		row := "to_jsonb(t)"
		for _, c := range Volatile[table] {
			row += " - '" + c + "'"
		}
		parts = append(parts, `SELECT '`+table+`' AS tbl, (`+row+`)::text AS row FROM "`+table+`" t`)
		snap[table] = []string{}
	}
	rows, err := db.Raw(strings.Join(parts, " UNION ALL ")).Rows()
	if err != nil {
		return fmt.Errorf("read tables: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var table, row string
		if err := rows.Scan(&table, &row); err != nil {
			return fmt.Errorf("read tables: %w", err)
		}
		snap[table] = append(snap[table], row)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read tables: %w", err)
	}
	for _, t := range tables {
		slices.Sort(snap[t])
	}
	return nil
}

// Diff describes how after differs from s, or is empty when they are equal.
func (s Snapshot) Diff(after Snapshot) string {
	var b strings.Builder
	var tables []string
	for t := range s {
		tables = append(tables, t)
	}
	for t := range after {
		if _, ok := s[t]; !ok {
			tables = append(tables, t)
		}
	}
	slices.Sort(tables)
	for _, t := range tables {
		before, now := s[t], after[t]
		if slices.Equal(before, now) {
			continue
		}
		fmt.Fprintf(&b, "table %s: %d rows, then %d\n", t, len(before), len(now))
		for _, r := range before {
			if !slices.Contains(now, r) {
				fmt.Fprintf(&b, "  - %s\n", clip(r))
			}
		}
		for _, r := range now {
			if !slices.Contains(before, r) {
				fmt.Fprintf(&b, "  + %s\n", clip(r))
			}
		}
	}
	return b.String()
}

func clip(s string) string {
	if len(s) > 400 {
		return s[:400] + "…"
	}
	return s
}
