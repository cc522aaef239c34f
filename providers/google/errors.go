package google

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/api/googleapi"

	"github.com/linkgate/linkgate/providers"
	"github.com/linkgate/linkgate/providers/ratelimit"
)

// classify turns whatever a call returned into a *providers.Error.
func (p *Provider) classify(op string, err error) *providers.Error {
	e := &providers.Error{Provider: providerName, Op: op}
	var (
		rl       *ratelimit.Error
		apiErr   *googleapi.Error
		tokenErr *oauth2.RetrieveError
	)
	switch {
	case errors.As(err, &rl):
		e.Transient = true
		e.RetryAfter = rl.Wait
		e.Message = rl.Error()
	case errors.As(err, &tokenErr):
		classifyToken(e, tokenErr)
	case errors.As(err, &apiErr):
		classifyAPI(e, apiErr)
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		e.Transient = true
		e.Err = err
		e.Message = "no answer before the deadline"
	default:
		// No answer (connection refused, reset, timeout...) or one the
		// SDK could not read.
		e.Transient = true
		e.Err = err
	}
	return e
}

// classifyToken handles the token endpoint refusing the key: a deleted or
// disabled key, an unknown account ("invalid_grant"), a key that is not
// allowed the scope.
func classifyToken(e *providers.Error, te *oauth2.RetrieveError) {
	status := 0
	if te.Response != nil {
		status = te.Response.StatusCode
		e.RetryAfter = parseRetryAfter(te.Response.Header.Get("Retry-After"))
	}
	e.Status = status
	code, desc := te.ErrorCode, te.ErrorDescription
	if code == "" {
		// The JWT flow leaves RFC 6749's error body unread.
		var body struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		if json.Unmarshal(te.Body, &body) == nil {
			code, desc = body.Error, body.Description
		}
	}
	e.Message = "signing in with the service-account key failed"
	if code != "" && len(code)+len(desc) < 300 {
		e.Message += ": " + code
		if desc != "" {
			e.Message += " (" + desc + ")"
		}
	}
	switch {
	case status == http.StatusTooManyRequests || status >= 500:
		e.Transient = true
	case code != "" || status == http.StatusBadRequest || status == http.StatusUnauthorized || status == http.StatusForbidden:
		e.Err = providers.ErrInvalidCredentials
	default:
		e.Transient = true
	}
}

func classifyAPI(e *providers.Error, ae *googleapi.Error) {
	e.Status = ae.Code
	e.RetryAfter = parseRetryAfter(ae.Header.Get("Retry-After"))
	fromGoogle := ae.Message != "" || len(ae.Errors) > 0
	e.Message = ae.Message
	if r := reason(ae); r != "" && e.Message != "" {
		e.Message += " [" + r + "]"
	}
	if !fromGoogle || len(e.Message) > 500 {
		e.Message = http.StatusText(ae.Code)
	}
	switch {
	case ae.Code == http.StatusTooManyRequests || ae.Code >= 500:
		e.Transient = true
	case ae.Code == http.StatusUnauthorized || ae.Code == http.StatusForbidden:
		e.Err = providers.ErrInvalidCredentials
	case !fromGoogle:
		// A 4xx without Google's error envelope did not come from the
		// API proper (a proxy, a gateway): worth another try.
		e.Transient = true
	case ae.Code == http.StatusNotFound:
		e.Err = providers.ErrNotFound
	}
}

// reason is the first error reason Google gave ("alreadyExists").
func reason(ae *googleapi.Error) string {
	for _, it := range ae.Errors {
		if it.Reason != "" {
			return it.Reason
		}
	}
	return ""
}

// apiError returns err's *googleapi.Error, if it is one.
func apiError(err error) (*googleapi.Error, bool) {
	var ae *googleapi.Error
	ok := errors.As(err, &ae)
	return ae, ok
}

// collision reports whether err is Cloud DNS refusing an addition because
// a record set sits at the name: 409 alreadyExists (same name and type),
// or 400 cnameResourceRecordSetConflict (a CNAME beside other types).
func collision(err error) bool {
	ae, ok := apiError(err)
	if !ok {
		return false
	}
	r := reason(ae)
	return ae.Code == http.StatusConflict || r == "alreadyExists" || r == "cnameResourceRecordSetConflict"
}

// parseRetryAfter reads a Retry-After header: seconds or an HTTP date.
func parseRetryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d.Round(time.Second)
		}
	}
	return 0
}

// invalid is a permanent error for input linkgate refuses to send.
func invalid(op, format string, args ...any) *providers.Error {
	return &providers.Error{Provider: providerName, Op: op, Message: fmt.Sprintf(format, args...)}
}
