package programme

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes. Only the web and command layers turn them into statuses or exit codes.
const (
	EINVALID     = "invalid"     // the input is wrong; FieldErrors say where
	ENOTFOUND    = "not_found"   // no such programme, item or token
	ECONFLICT    = "conflict"    // the change clashes with the stored state
	EINTERNAL    = "internal"    // a bug or an outage; the message is not for users
	EUNAVAILABLE = "unavailable" // the database is down or restarting: try again
)

// Error is a domain error: a code for machines and a plain sentence for people.
type Error struct {
	Code    string
	Message string
	// Fields lists every problem found in the input, each with its path.
	Fields FieldErrors
	// Err is the underlying cause, kept for logs and never shown to users.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Message)
	if len(e.Fields) > 0 {
		b.WriteString(":\n")
		b.WriteString(e.Fields.Error())
	}
	if e.Err != nil && len(e.Fields) == 0 {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first domain Error in err's chain,
// EINTERNAL for any other error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing sentence of err: the message of a domain
// Error, or a generic sentence for anything else so that internals never leak.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "Internal error."
}

// FieldError names one problem in the input and where it is.
type FieldError struct {
	// Path is a JSON path into the programme file, such as sessions[2].slots[1].ends_at.
	Path string
	// Msg is a plain sentence.
	Msg string
}

func (f FieldError) Error() string {
	if f.Path == "" {
		return f.Msg
	}
	return f.Path + ": " + f.Msg
}

// FieldErrors collects every problem found, so that they are reported together.
type FieldErrors []FieldError

// Add appends a problem at path.
func (fe *FieldErrors) Add(path, format string, args ...any) {
	*fe = append(*fe, FieldError{Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (fe FieldErrors) Error() string {
	lines := make([]string, len(fe))
	for i, f := range fe {
		lines[i] = f.Error()
	}
	return strings.Join(lines, "\n")
}

// Err returns nil when there is no problem, else an EINVALID Error carrying them all.
func (fe FieldErrors) Err(message string) error {
	if len(fe) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: message, Fields: fe}
}
