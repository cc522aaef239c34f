package handlers

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/models"
)

// statusOf is the one table from error kind to HTTP status.
var statusOf = map[models.Kind]int{
	models.KindBadRequest:   http.StatusBadRequest,
	models.KindUnauthorized: http.StatusUnauthorized,
	models.KindForbidden:    http.StatusForbidden,
	models.KindNotFound:     http.StatusNotFound,
	models.KindMethod:       http.StatusMethodNotAllowed,
	models.KindConflict:     http.StatusConflict,
	models.KindGone:         http.StatusGone,
	models.KindTooLarge:     http.StatusRequestEntityTooLarge,
	models.KindInvalid:      http.StatusUnprocessableEntity,
	models.KindInternal:     http.StatusInternalServerError,
	models.KindUnavailable:  http.StatusServiceUnavailable,
	models.KindUnsupported:  http.StatusNotImplemented,
}

// Problem is an RFC 9457 problem document with linkgate's stable code and
// field errors.
type Problem struct {
	Type   string              `json:"type"`
	Title  string              `json:"title"`
	Status int                 `json:"status"`
	Code   string              `json:"code"`
	Detail string              `json:"detail,omitempty"`
	Errors []models.FieldError `json:"errors,omitempty"`
}

// problemTypeBase prefixes the code to make the problem's type URI.
const problemTypeBase = "urn:linkgate:problem:"

// NewProblem is the problem document of a status and code made here (not
// from a *models.Error).
func NewProblem(status int, code, detail string) Problem {
	return Problem{Type: problemTypeBase + code, Title: http.StatusText(status), Status: status, Code: code, Detail: detail}
}

// problemFor turns any error into the problem to send. Errors that are not
// a *models.Error are faults: the caller sees a generic 500 and the cause
// is logged, never sent.
func problemFor(err error) (Problem, bool) {
	var e *models.Error
	if !errors.As(err, &e) || e.Kind == models.KindInternal {
		return Problem{Type: problemTypeBase + "internal", Title: http.StatusText(500), Status: 500,
			Code: "internal", Detail: "something went wrong on our side; it has been logged"}, true
	}
	status, ok := statusOf[e.Kind]
	if !ok {
		status = http.StatusInternalServerError
	}
	return Problem{Type: problemTypeBase + e.Code, Title: http.StatusText(status), Status: status,
		Code: e.Code, Detail: e.Detail, Errors: e.Fields}, false
}

// StatusOf is the HTTP status of err's kind, or def when err is not a
// *models.Error of a known kind.
func StatusOf(err error, def int) int {
	var e *models.Error
	if errors.As(err, &e) {
		if s, ok := statusOf[e.Kind]; ok {
			return s
		}
	}
	return def
}

// ProblemOf is the problem document of err as Fail would send it, for
// responses that carry problems inside them (the rows of bulk calls); nil
// for a nil err. A fault is logged and shown as the generic 500 problem.
func ProblemOf(c *gin.Context, err error) *Problem {
	if err == nil {
		return nil
	}
	p, fault := problemFor(err)
	if fault {
		Logger(c).ErrorContext(c.Request.Context(), "request failed", slog.String("error", err.Error()))
	}
	return &p
}

// Fail writes err as problem+json and stops the handler chain.
func Fail(c *gin.Context, err error) {
	p, fault := problemFor(err)
	if fault {
		Logger(c).ErrorContext(c.Request.Context(), "request failed", slog.String("error", err.Error()))
	}
	if p.Status == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", `Bearer realm="linkgate"`)
	}
	c.Header("Content-Type", "application/problem+json")
	c.Header("Cache-Control", "no-store")
	c.AbortWithStatusJSON(p.Status, p)
}
