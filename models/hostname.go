package models

import (
	"errors"

	"github.com/linkgate/linkgate/models/hostname"
)

// Host is a validated DNS host name for a domain: all lower-case ASCII
// (punycode for internationalized names).
type Host = hostname.Host

// DefaultSubdomain is put in front of a registrable domain when the caller
// gives neither a host nor a subdomain: acme.com becomes ls.acme.com.
const DefaultSubdomain = hostname.DefaultSubdomain

// ParseHost validates the API input {"domain": ..., "subdomain": ...} with
// hostname.Parse (which says what is accepted) and returns the host to set
// up. subdomain == nil means "not given". Errors are *Error of KindInvalid
// naming the field, "domain" or "subdomain", with code "invalid_<field>",
// or "confusable_domain" for a label that mixes scripts.
func ParseHost(domain string, subdomain *string) (Host, error) {
	h, err := hostname.Parse(domain, subdomain)
	var e *hostname.Error
	if errors.As(err, &e) {
		code := "invalid_" + e.Field
		if e.Code != "" {
			code = e.Code
		}
		return Host{}, Invalid(code, e.Field, e.Message)
	}
	return h, err
}
