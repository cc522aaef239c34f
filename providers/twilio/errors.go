package twilio

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/twilio/twilio-go/client"

	"github.com/linkgate/linkgate/providers"
)

// Twilio error codes the adapter acts on.
const (
	codeAuthenticate    = 20003 // HTTP 401: wrong account SID or auth token
	codeNotFound        = 20404 // HTTP 404: no such resource
	codeTooManyRequests = 20429 // HTTP 429
	codeInUse           = 30130 // Messaging Service SID already belongs in another domain configuration
)

// fail classifies what a call to Twilio returned: err from twilio-go and
// the answer rec saw. The result is always a *providers.Error:
//
//   - HTTP 429, code 20429, 5xx, an error body that is not Twilio's JSON,
//     an unreadable success body, network errors and timeouts: transient,
//     with the Retry-After Twilio sent;
//   - HTTP 401/403 or code 20003: ErrInvalidCredentials;
//   - HTTP 404 or code 20404: ErrNotFound;
//   - anything else: permanent, with Twilio's code and message.
//
// Messages never contain the auth token.
func (p *Provider) fail(op string, s *session, err error) *providers.Error {
	status, retryAfter := s.rec.answer()
	e := &providers.Error{Provider: providerName, Op: op, RetryAfter: retryAfter}

	var rest *client.TwilioRestError
	var restV1 *client.RestErrorV1
	switch {
	case errors.As(err, &rest):
		e.Status, e.Code, e.Message = rest.Status, rest.Code, p.redact(rest.Message)
	case errors.As(err, &restV1):
		e.Status, e.Code, e.Message = restV1.HttpStatusCode, restV1.Code, p.redact(restV1.Message)
	case status >= 400:
		// twilio-go could not decode the error body: a load balancer's HTML
		// page, an empty body... The service is not answering as itself.
		e.Status = status
		e.Message = fmt.Sprintf("unexpected %d %s answer without Twilio's error body", status, http.StatusText(status))
		switch status {
		case http.StatusUnauthorized, http.StatusForbidden:
			e.Err = providers.ErrInvalidCredentials
		default:
			e.Transient = true
		}
		return e
	case status != 0:
		// A success status with a body twilio-go could not read.
		e.Status = status
		e.Transient = true
		e.Message = "unreadable answer: " + p.redact(err.Error())
		return e
	default:
		// No answer at all: connection refused, DNS, timeout, cancelled.
		e.Transient = true
		e.Message = p.redact(err.Error())
		e.Err = p.redactErr(err)
		return e
	}
	if e.Status == 0 {
		e.Status = status // Twilio's body had no status; keep the HTTP one
	}
	switch {
	case e.Status == http.StatusTooManyRequests || e.Code == codeTooManyRequests:
		e.Transient = true
	case e.Status >= 500:
		e.Transient = true
	case e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden || e.Code == codeAuthenticate:
		e.Err = providers.ErrInvalidCredentials
	case e.Status == http.StatusNotFound || e.Code == codeNotFound:
		e.Err = providers.ErrNotFound
	}
	return e
}

// canceled reports a call not made because its context is done.
func canceled(op string, err error) *providers.Error {
	return &providers.Error{Provider: providerName, Op: op, Transient: true, Message: err.Error(), Err: err}
}

// redact removes the auth token (as is, and inside a Basic credential)
// from s.
func (p *Provider) redact(s string) string {
	if p.authToken == "" {
		return s
	}
	basic := base64.StdEncoding.EncodeToString([]byte(p.accountSID + ":" + p.authToken))
	s = strings.ReplaceAll(s, basic, "[redacted]")
	return strings.ReplaceAll(s, p.authToken, "[redacted]")
}

// redactErr returns err, or an error with the same chain and a redacted
// message when its message holds the token.
func (p *Provider) redactErr(err error) error {
	msg := err.Error()
	if red := p.redact(msg); red != msg {
		return &redactedError{msg: red, cause: err}
	}
	return err
}

type redactedError struct {
	msg   string
	cause error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.cause }

// maxRetryAfterSeconds caps a Retry-After (one day).
const maxRetryAfterSeconds = 24 * 60 * 60

// parseRetryAfter reads a Retry-After header: seconds or an HTTP date.
// 0 when absent, malformed or in the past.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > maxRetryAfterSeconds {
			secs = maxRetryAfterSeconds
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return min(d.Round(time.Second), maxRetryAfterSeconds*time.Second)
		}
	}
	return 0
}
