package cloudflare

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cloudflare/cloudflare-go/v7/dns"

	"github.com/linkgate/linkgate/providers"
	"github.com/linkgate/linkgate/providers/ratelimit"
)

// Cloudflare error codes linkgate acts on.
const (
	codeInvalidAPIToken      = 1000  // "Invalid API Token"
	codeInvalidZoneID        = 1001  // "Invalid zone identifier"
	codeInvalidHeaders       = 6003  // "Invalid request headers" (chain: 6103, 6111)
	codeBadAuthKeyFormat     = 6103  // "Invalid format for X-Auth-Key header"
	codeBadAuthHeaderFormat  = 6111  // "Invalid format for Authorization header"
	codeUnknownAuthKey       = 9103  // "Unknown X-Auth-Key or X-Auth-Email"
	codeMissingAuthHeaders   = 9106  // "Missing X-Auth-Key, X-Auth-Email or Authorization headers"
	codeInvalidAccessToken   = 9109  // "Invalid access token"
	codeAuthenticationError  = 10000 // "Authentication error"
	codeNoRoute              = 7000  // "No route for that URI"
	codeCouldNotRoute        = 7003  // "Could not route to ..., perhaps your object identifier is invalid?"
	codeRecordNotFound       = 81044 // "Record does not exist."
	codeAddressOrCNAMEExists = 81053 // "An A, AAAA, or CNAME record with that host already exists."
	codeCNAMEExists          = 81054 // "A CNAME record with that host already exists."
	codeARecordExists        = 81055 // "An A record with that host already exists."
	codeNSRecordsExist       = 81056 // "NS records with that host already exist."
	codeRecordExists         = 81057 // "The record already exists."
	codeIdenticalExists      = 81058 // "An identical record already exists."
)

// cfMessage is one entry of a Cloudflare envelope's errors, with the
// chain of causes Cloudflare nests in some of them (1004 "DNS Validation
// Error" → 9021 "TTL must be between 60 and 86400 seconds...").
type cfMessage struct {
	Code       int         `json:"code"`
	Message    string      `json:"message"`
	ErrorChain []cfMessage `json:"error_chain"`
}

// codes returns every code in msgs, chains included.
func codes(msgs []cfMessage) []int {
	var out []int
	for _, m := range msgs {
		out = append(out, m.Code)
		out = append(out, codes(m.ErrorChain)...)
	}
	return out
}

func hasCode(msgs []cfMessage, want ...int) bool {
	for _, c := range codes(msgs) {
		for _, w := range want {
			if c == w {
				return true
			}
		}
	}
	return false
}

// describe renders msgs as "message (cause; cause)" and picks the most
// specific code: the first cause's, or the first error's.
func describe(msgs []cfMessage) (message string, code int) {
	parts := make([]string, 0, len(msgs))
	for i, m := range msgs {
		s := m.Message
		if len(m.ErrorChain) > 0 {
			inner, innerCode := describe(m.ErrorChain)
			s += ": " + inner
			if i == 0 {
				code = innerCode
			}
		}
		if i == 0 && code == 0 {
			code = m.Code
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; "), code
}

// apiFailure is a Cloudflare answer with an HTTP error status, decoded.
type apiFailure struct {
	status     int
	retryAfter time.Duration
	errors     []cfMessage
}

// apiFailureOf extracts the Cloudflare envelope from an SDK error, if err
// is one.
func apiFailureOf(err error) (*apiFailure, bool) {
	var apiErr *dns.Error // the same type as zones.Error
	if !errors.As(err, &apiErr) {
		return nil, false
	}
	f := &apiFailure{status: apiErr.StatusCode}
	if apiErr.Response != nil {
		f.retryAfter = parseRetryAfter(apiErr.Response.Header.Get("Retry-After"))
	}
	var env struct {
		Errors []cfMessage `json:"errors"`
	}
	if json.Unmarshal([]byte(apiErr.JSON.RawJSON()), &env) == nil {
		f.errors = env.Errors
	}
	return f, true
}

// classify turns whatever a call returned into a *providers.Error. res is
// the raw response, nil when none arrived.
func (p *Provider) classify(op string, res *http.Response, err error) *providers.Error {
	e := &providers.Error{Provider: providerName, Op: op}
	var rl *ratelimit.Error
	switch {
	case errors.As(err, &rl):
		e.Transient = true
		e.RetryAfter = rl.Wait
		e.Message = rl.Error()
		return e
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		e.Transient = true
		e.Err = err
		e.Message = "no answer before the deadline"
		return e
	}
	if f, ok := apiFailureOf(err); ok {
		return p.classifyFailure(e, f)
	}
	if res != nil {
		// An answer came but the SDK could not read it: a non-JSON body
		// (a proxy's HTML error page) or malformed JSON.
		e.Status = res.StatusCode
		e.RetryAfter = parseRetryAfter(res.Header.Get("Retry-After"))
		if res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden {
			e.Err = providers.ErrInvalidCredentials
			e.Message = http.StatusText(res.StatusCode)
			return e
		}
		e.Transient = true
		e.Message = "unreadable answer: " + p.scrub(err.Error())
		return e
	}
	// No answer: connection refused, reset, timeout, DNS failure...
	e.Transient = true
	e.Err = &scrubbedError{msg: p.scrub(err.Error()), cause: err}
	return e
}

func (p *Provider) classifyFailure(e *providers.Error, f *apiFailure) *providers.Error {
	e.Status = f.status
	e.RetryAfter = f.retryAfter
	e.Message, e.Code = describe(f.errors)
	e.Message = p.scrub(e.Message)
	if e.Message == "" {
		e.Message = http.StatusText(f.status)
	}
	switch {
	case f.status == http.StatusTooManyRequests || f.status >= 500:
		e.Transient = true
	case f.status == http.StatusUnauthorized || f.status == http.StatusForbidden,
		hasCode(f.errors, codeInvalidAPIToken, codeInvalidHeaders, codeBadAuthKeyFormat, codeBadAuthHeaderFormat,
			codeUnknownAuthKey, codeMissingAuthHeaders, codeInvalidAccessToken, codeAuthenticationError):
		e.Err = providers.ErrInvalidCredentials
	case hasCode(f.errors, codeRecordNotFound):
		e.Err = providers.ErrNotFound
	case hasCode(f.errors, codeCouldNotRoute, codeNoRoute, codeInvalidZoneID):
		e.Err = providers.ErrZoneNotFound
	case f.status == http.StatusNotFound:
		e.Err = providers.ErrNotFound
	case len(f.errors) == 0:
		// A 4xx without Cloudflare's envelope did not come from the API
		// proper (a proxy, a gateway): worth another try.
		e.Transient = true
	}
	return e
}

// alreadyExists reports whether err is Cloudflare refusing a create
// because a record sits at the name.
func alreadyExists(err error) bool {
	f, ok := apiFailureOf(err)
	return ok && hasCode(f.errors, codeAddressOrCNAMEExists, codeCNAMEExists, codeARecordExists,
		codeNSRecordsExist, codeRecordExists, codeIdenticalExists)
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
