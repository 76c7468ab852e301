// Package wire holds the API's HTTP wire rules: JSON merge patch (RFC 7396)
// and entity-tag lists (If-Match, If-None-Match; RFC 9110, 13.1). It is
// kept apart from the API's handlers so that it imports nothing of the
// store: its fuzz targets build without the SQLite engine.
package wire

import (
	"errors"
	"strings"
)

// MergePatch applies an RFC 7396 merge patch to target.
func MergePatch(target, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	tm, ok := target.(map[string]any)
	if !ok {
		tm = map[string]any{}
	}
	for k, v := range pm {
		if v == nil {
			delete(tm, k)
			continue
		}
		tm[k] = MergePatch(tm[k], v)
	}
	return tm
}

// Revisions parses an If-None-Match header: its revisions, or ["*"].
// Weak tags compare as strong ones there (RFC 9110, 13.1.2).
func Revisions(h string) []string {
	var out []string
	for _, v := range strings.Split(h, ",") {
		v = strings.TrimSpace(v)
		v = strings.TrimPrefix(v, "W/")
		if v == "" {
			continue
		}
		out = append(out, strings.Trim(v, `"`))
	}
	return out
}

// StrongRevisions parses an If-Match header. If-Match compares strongly
// (RFC 9110, 13.1.1): a weak tag matches nothing, so it stands for a
// revision no item has.
func StrongRevisions(h string) []string {
	var out []string
	for _, v := range strings.Split(h, ",") {
		v = strings.TrimSpace(v)
		switch {
		case v == "":
			continue
		case strings.HasPrefix(v, "W/"):
			out = append(out, "weak:"+strings.Trim(v[2:], `"`))
		default:
			out = append(out, strings.Trim(v, `"`))
		}
	}
	return out
}

var (
	// ErrIfMatchRequired: a write to an item that exists sent no If-Match.
	ErrIfMatchRequired = errors.New("If-Match required")
	// ErrNoItem: If-Match: * but the item does not exist.
	ErrNoItem = errors.New("If-Match: * but no item")
)

// Expectation is the revision a write expects, from its If-Match header
// and the item's current revision ("" when it does not exist): a write to
// an item that exists must say which revision it replaces
// (ErrIfMatchRequired), and without If-Match a write expects no item (""),
// which creates. A header that names no current revision gives its first
// one, for the store to compare and report.
func Expectation(current, ifMatch string) (string, error) {
	revs := StrongRevisions(ifMatch)
	switch {
	case len(revs) == 0 && current != "":
		return "", ErrIfMatchRequired
	case len(revs) == 0:
		return "", nil
	}
	for _, r := range revs {
		if r == "*" && current != "" || r == current {
			return current, nil
		}
	}
	if revs[0] == "*" {
		return "", ErrNoItem
	}
	return revs[0], nil
}
