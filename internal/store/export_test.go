package store

// Models lists every row type, for the drift test.
var Models = models

// WrapForTest lets tests outside the package classify a raw database error.
func WrapForTest(s *Store, err error, what string) error { return s.wrap(err, what) }
