package models

import (
	"errors"
	"strings"
)

// Kind classifies an Error. The HTTP layer maps each Kind to one status
// code in a single table (handlers/problem.go); nothing else decides statuses.
type Kind string

// The error kinds. Add a kind only together with its row in the handlers'
// table.
const (
	KindInvalid      Kind = "invalid"      // input fails validation (422)
	KindBadRequest   Kind = "bad_request"  // malformed request: bad JSON, bad cursor (400)
	KindNotFound     Kind = "not_found"    // missing, or not visible to the caller (404)
	KindMethod       Kind = "method"       // the path exists but not with this method (405)
	KindConflict     Kind = "conflict"     // duplicate or wrong state (409)
	KindGone         Kind = "gone"         // existed, but is used up or expired (410)
	KindForbidden    Kind = "forbidden"    // role or plan forbids (403)
	KindUnauthorized Kind = "unauthorized" // no or bad credentials (401)
	KindTooLarge     Kind = "too_large"    // body over the limit (413)
	KindUnavailable  Kind = "unavailable"  // a provider is down for now; try again (503)
	KindInternal     Kind = "internal"     // a fault; details are never shown (500)
	KindUnsupported  Kind = "unsupported"  // not built (yet) on this server (501)
)

// FieldError names one invalid input field and says what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is the one error type that crosses package boundaries towards the
// API. Code is stable and machine-readable ("invalid_domain",
// "domain_taken"); Detail is for people; Fields lists field errors.
type Error struct {
	Kind   Kind
	Code   string
	Detail string
	Fields []FieldError
	Err    error // wrapped cause, never shown to API callers
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Code)
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	for _, f := range e.Fields {
		b.WriteString("; ")
		b.WriteString(f.Field)
		b.WriteString(": ")
		b.WriteString(f.Message)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Is lets errors.Is(err, ErrNotFound) match any Error of the same Kind when
// the target is one of the Kind sentinels below (they have an empty Code).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	if t.Code == "" {
		return t.Kind == e.Kind
	}
	return t.Kind == e.Kind && t.Code == e.Code
}

// Sentinels for errors.Is. They match any Error of their Kind.
var (
	ErrNotFound = &Error{Kind: KindNotFound}
	ErrConflict = &Error{Kind: KindConflict}
	ErrInvalid  = &Error{Kind: KindInvalid}
)

// ErrIllegalTransition is wrapped by the Error returned when a status change
// is not in the transition table.
var ErrIllegalTransition = errors.New("illegal status transition")

// ErrStale is wrapped by the conflict ApplyTx returns when the domain
// changed after it was read: reading it again and deciding again may
// succeed (IsStale).
var ErrStale = errors.New("stale domain version")

// IsStale reports whether err is ApplyTx's "changed meanwhile" conflict.
func IsStale(err error) bool { return errors.Is(err, ErrStale) }

// NotFound returns a not-found error for a kind of thing ("client", "domain").
func NotFound(what string) *Error {
	return &Error{Kind: KindNotFound, Code: "not_found", Detail: what + " not found"}
}

// Invalid returns a validation error with one field error.
func Invalid(code, field, message string) *Error {
	return &Error{Kind: KindInvalid, Code: code, Detail: message, Fields: []FieldError{{Field: field, Message: message}}}
}

// Conflict returns a conflict error naming the field that collides, if any.
func Conflict(code, field, message string) *Error {
	e := &Error{Kind: KindConflict, Code: code, Detail: message}
	if field != "" {
		e.Fields = []FieldError{{Field: field, Message: message}}
	}
	return e
}
