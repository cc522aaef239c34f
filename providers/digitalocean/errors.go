package digitalocean

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/digitalocean/godo"

	"github.com/linkgate/linkgate/providers"
)

// markErrorID reads the "id" of an error answer's JSON body into
// errorIDHeader, leaving the body for godo to read.
func markErrorID(resp *http.Response) {
	if resp.Body == nil {
		return
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return
	}
	var env struct {
		ID      string `json:"id"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &env) == nil && env.ID != "" {
		resp.Header.Set(errorIDHeader, env.ID)
	}
}

// classify turns whatever a call returned into a *providers.Error.
func (p *Provider) classify(op string, err error) *providers.Error {
	e := &providers.Error{Provider: providerName, Op: op}
	var rl *rateLimitError
	var apiErr *godo.ErrorResponse
	switch {
	case errors.As(err, &rl):
		e.Transient = true
		e.RetryAfter = rl.Wait
		e.Message = rl.Error()
		if rl.Server {
			e.Status = http.StatusTooManyRequests
		}
		return e
	case errors.As(err, &apiErr) && apiErr.Response != nil:
		return p.classifyAnswer(e, apiErr)
	case ctxErr(err):
		e.Transient = true
		e.Err = err
		e.Message = "no answer before the deadline"
		return e
	}
	// No answer (connection refused, reset, timeout...) or an answer
	// godo could not read (malformed JSON).
	e.Transient = true
	e.Err = &scrubbedError{msg: p.scrub(err.Error()), cause: err}
	return e
}

func (p *Provider) classifyAnswer(e *providers.Error, apiErr *godo.ErrorResponse) *providers.Error {
	res := apiErr.Response
	id := res.Header.Get(errorIDHeader)
	e.Status = res.StatusCode
	e.Message = p.scrub(strings.TrimSpace(apiErr.Message))
	if id == "" || e.Message == "" || len(e.Message) > 300 {
		// Not DigitalOcean's JSON (an HTML page from a proxy): say no more
		// than its status.
		e.Message = http.StatusText(res.StatusCode)
	}
	switch {
	case res.StatusCode == http.StatusTooManyRequests:
		e.Transient = true
		e.RetryAfter = retryAfter(res.Header, time.Now())
	case res.StatusCode >= 500:
		e.Transient = true
		e.RetryAfter = parseRetryAfter(res.Header.Get("Retry-After"))
	case res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden:
		e.Err = providers.ErrInvalidCredentials
	case id == "":
		// A 4xx without DigitalOcean's error body did not come from the
		// API proper (a proxy, a gateway): worth another try.
		e.Transient = true
	case res.StatusCode == http.StatusNotFound:
		e.Err = providers.ErrNotFound
	}
	return e
}

// unprocessable reports whether err is DigitalOcean refusing a record
// (422): invalid, or colliding with one at the name.
func unprocessable(err error) bool {
	var apiErr *godo.ErrorResponse
	return errors.As(err, &apiErr) && apiErr.Response != nil && apiErr.Response.StatusCode == http.StatusUnprocessableEntity
}

// retryAfter is the wait a 429 asks for: Retry-After if sent, else until
// RateLimit-Reset.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if d := parseRetryAfter(h.Get("Retry-After")); d > 0 {
		return d
	}
	if reset, err := strconv.ParseInt(h.Get("RateLimit-Reset"), 10, 64); err == nil {
		if d := time.Unix(reset, 0).Sub(now); d > 0 {
			return d.Round(time.Second)
		}
	}
	return 0
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

// scrub removes the token from a message.
func (p *Provider) scrub(s string) string {
	if p.token == "" {
		return s
	}
	return strings.ReplaceAll(s, p.token, "[redacted]")
}

// scrubbedError carries a cause whose message went through scrub.
type scrubbedError struct {
	msg   string
	cause error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.cause }

// invalid is a permanent error for input linkgate refuses to send.
func invalid(op, format string, args ...any) *providers.Error {
	return &providers.Error{Provider: providerName, Op: op, Message: fmt.Sprintf(format, args...)}
}
