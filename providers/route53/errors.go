package route53

import (
	"context"
	"errors"
	"net"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/linkgate/linkgate/providers"
	"github.com/linkgate/linkgate/providers/ratelimit"
)

// Route 53 (and AWS-wide) error codes linkgate acts on.
var (
	// transientCodes: try again later.
	transientCodes = map[string]bool{
		"Throttling": true, "ThrottlingException": true, "PriorRequestNotComplete": true,
		"RequestLimitExceeded": true, "ServiceUnavailable": true, "InternalFailure": true,
	}
	// credentialCodes: the key is wrong, expired or not allowed.
	credentialCodes = map[string]bool{
		"InvalidClientTokenId": true, "SignatureDoesNotMatch": true, "AccessDenied": true,
		"AccessDeniedException": true, "UnrecognizedClientException": true, "ExpiredToken": true,
		"InvalidSignatureException": true, "IncompleteSignature": true, "MissingAuthenticationToken": true,
	}
)

// classify turns an SDK error into a *providers.Error.
func classify(op string, err error) error {
	e := &providers.Error{Provider: providerName, Op: op, Err: err, Message: err.Error()}
	var rl *ratelimit.Error
	if errors.As(err, &rl) { // our own limiter: the deadline comes before the next slot
		e.Transient, e.RetryAfter, e.Message = true, rl.Wait, rl.Error()
		return e
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		e.Status = re.HTTPStatusCode()
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		code := api.ErrorCode()
		e.Message = code
		if m := api.ErrorMessage(); m != "" {
			e.Message += ": " + m
		}
		var icb *types.InvalidChangeBatch
		if errors.As(err, &icb) && len(icb.Messages) > 0 {
			e.Message = code + ": " + strings.Join(icb.Messages, "; ")
		}
		switch {
		case transientCodes[code]:
			e.Transient, e.Err = true, err
		case credentialCodes[code]:
			e.Err = providers.ErrInvalidCredentials
		case code == "NoSuchHostedZone":
			e.Err = providers.ErrZoneNotFound
		}
		if e.Status == 0 || e.Status < 500 || e.Transient {
			return e
		}
	}
	var ne net.Error
	var te interface{ Timeout() bool }
	switch {
	case errors.Is(err, context.Canceled):
		return e
	case e.Status >= 500, e.Status == 429, errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &ne), errors.As(err, &te) && te.Timeout():
		e.Transient = true
	}
	return e
}

// alreadyExists reports a CREATE refused because the set exists.
func alreadyExists(err error) bool {
	var icb *types.InvalidChangeBatch
	if !errors.As(err, &icb) {
		return false
	}
	for _, m := range icb.Messages {
		if strings.Contains(m, "already exists") {
			return true
		}
	}
	return false
}
