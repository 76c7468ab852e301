package api

import "time"

// ListEncodes is how many list bodies s has encoded: a request served
// from kept bytes leaves it as it was.
func ListEncodes(s *Server) int64 { return s.lists.encodes.Load() }

// ListsKept is how many list bodies s keeps, and their bytes with their keys.
func ListsKept(s *Server) (n, bytes int) { return s.lists.stats() }

// SetListBudget makes s keep list bodies of at most budget bytes in all,
// starting with none.
func SetListBudget(s *Server, budget int) { s.lists = newListCache(budget) }

// SetClock makes now the clock of s.
func SetClock(s *Server, now func() time.Time) { s.now = now }
