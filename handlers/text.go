package handlers

import (
	"github.com/linkgate/linkgate/handlers/textcheck"
	"github.com/linkgate/linkgate/models"
)

// The text rules (API.md "Errors", package textcheck) apply to every
// string linkgate reads from a request: JSON bodies (Bind), query
// parameters and paths (CheckRequestText). Refusals name the field;
// nothing is stored.

// CodeInvalidCharacters is the problem code of text with a character the
// rules refuse, or of a query parameter that is not UTF-8 (422).
const CodeInvalidCharacters = "invalid_characters"

// CodeInvalidUTF8 is the problem code of a body with a string that is not
// valid UTF-8 (400).
const CodeInvalidUTF8 = "invalid_utf8"

// CodeMalformedQuery is the problem code of a query parameter that is not
// correctly percent-encoded (400).
const CodeMalformedQuery = "malformed_query"

// TextProblem says what is wrong with s under the text rules, or returns
// "" when s is acceptable (textcheck.Problem).
func TextProblem(s string) string { return textcheck.Problem(s) }

// CanonicalText checks s under the text rules and returns it in NFC; the
// error is a 422 invalid_characters naming field. For form fields and
// other single strings read outside Bind.
func CanonicalText(field, s string) (string, error) {
	if msg := textcheck.Problem(s); msg != "" {
		return "", models.Invalid(CodeInvalidCharacters, field, msg)
	}
	return textcheck.NFC(s), nil
}

// textError is the problem of a textcheck refusal.
func textError(e *textcheck.Error) *models.Error {
	fields := make([]models.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		fields[i] = models.FieldError{Field: f.Field, Message: f.Message}
	}
	switch e.Kind {
	case textcheck.NotUTF8:
		return &models.Error{Kind: models.KindBadRequest, Code: CodeInvalidUTF8,
			Detail: "the body must be valid UTF-8 text", Fields: fields}
	case textcheck.Malformed:
		return &models.Error{Kind: models.KindBadRequest, Code: CodeMalformedQuery,
			Detail: "the query string is not correctly percent-encoded", Fields: fields}
	}
	return &models.Error{Kind: models.KindInvalid, Code: CodeInvalidCharacters,
		Detail: "the request has text with characters that are not allowed", Fields: fields}
}
