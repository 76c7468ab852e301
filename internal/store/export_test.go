package store

// Models lists every row type, for the drift test.
var Models = models
