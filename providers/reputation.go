package providers

import (
	"context"
	"errors"
	"strings"
	"sync"
)

// ErrRefused is wrapped by a reputation source's *Error when the source
// answered, but refused to say whether the host is listed: a blocklist
// telling its querier "you query through a public resolver", "too many
// queries", "no such list" (Spamhaus 127.255.255.252/254/255, SURBL
// 127.0.0.1). Such an answer is never a listing. The *Error's message says
// which refusal it was; it is permanent unless the source says that
// waiting helps (excessive queries: transient).
var ErrRefused = errors.New("query refused")

// Listing is one source's statement that a name is on its list.
type Listing struct {
	Source string // the list, as people know it: "Spamhaus DBL", "SURBL multi"
	Name   string // the name that is listed: the host or its registrable domain ("acme.com")
	Code   string // the list's own answer ("127.0.1.4"), "" if it has none
	Reason string // what the answer means, in words: "phishing domain"
}

// String is the listing in one line: "Spamhaus DBL lists acme.com: phishing domain".
func (l Listing) String() string {
	s := l.Source + " lists " + l.Name
	if l.Reason != "" {
		s += ": " + l.Reason
	}
	return s
}

// Verdict is a reputation check's answer for one host.
//
// Listed is true when at least one source lists the host or its
// registrable domain; Listings then holds every hit (one per source and
// listed name, in the order the sources were configured, the host before
// its registrable domain), and Source and Reason repeat the first hit's, for
// callers that need one line. A clean host is the zero Verdict.
type Verdict struct {
	Listed   bool
	Source   string
	Reason   string
	Listings []Listing
}

// NewVerdict builds the Verdict for these listings, so that Listed, Source
// and Reason always agree with Listings. No listings: the zero Verdict.
func NewVerdict(listings ...Listing) Verdict {
	if len(listings) == 0 {
		return Verdict{}
	}
	return Verdict{Listed: true, Source: listings[0].Source, Reason: listings[0].Reason, Listings: listings}
}

// String says what the verdict is in words a status_reason can carry:
// "not listed", or every listing separated by "; ".
func (v Verdict) String() string {
	if !v.Listed {
		return "not listed"
	}
	parts := make([]string, len(v.Listings))
	for i, l := range v.Listings {
		parts[i] = l.String()
	}
	return strings.Join(parts, "; ")
}

// Reputation is a source of domain reputation: a blocklist, a
// safe-browsing service, the sandbox's fake. Implementations are safe for
// concurrent use.
type Reputation interface {
	// Check says whether host is listed as malicious or abusive.
	//
	//   - host is given as linkgate stores it (NormalizeHost; any spelling
	//     NormalizeHost accepts works). Something that is not a domain name
	//     (empty, an IP address, a single label) is a permanent *Error;
	//     nothing is queried.
	//   - The host is checked as given and as its registrable domain (the
	//     public suffix list's eTLD+1: ls.acme.com → acme.com,
	//     ls.acme.co.uk → acme.co.uk), because blocklists mostly list
	//     registrable domains. A listing of either is a listing of the host;
	//     Listing.Name says which one. Names between the two
	//     (eu.acme.com for ls.eu.acme.com) are not asked about.
	//   - Not listed: the zero Verdict and a nil error. Listed: a Verdict
	//     built by NewVerdict with every hit and a nil error.
	//   - A source that answers with one of its error codes (a refusal,
	//     a quota) has not listed anything: that is an *Error wrapping
	//     ErrRefused whose message says why, never a listing.
	//   - A failure to get an answer (timeout, SERVFAIL, connection
	//     refused) is a transient *Error. An answer the source never gives
	//     (a resolver rewriting NXDOMAIN into an advertising address) is a
	//     permanent *Error, never a listing.
	//   - When several names or sources are asked and one lists the host,
	//     the listing is returned with a nil error even if others failed:
	//     the outcome cannot change. Only when nothing is listed are the
	//     failures returned (the first one's class decides: transient only
	//     when every failure is transient).
	//   - A cancelled or expired ctx ends the check promptly with an error
	//     that wraps ctx.Err().
	Check(ctx context.Context, host string) (Verdict, error)
}

// MultiReputation asks every source at once and merges their answers as
// Reputation.Check says: every listing of every source in the order
// given; failures only matter when no source lists the host. With no
// sources, every host is clean.
func MultiReputation(sources ...Reputation) Reputation {
	return multiReputation(append([]Reputation(nil), sources...))
}

type multiReputation []Reputation

func (m multiReputation) Check(ctx context.Context, host string) (Verdict, error) {
	verdicts := make([]Verdict, len(m))
	errs := make([]error, len(m))
	var wg sync.WaitGroup
	for i, src := range m {
		wg.Add(1)
		go func() {
			defer wg.Done()
			verdicts[i], errs[i] = src.Check(ctx, host)
		}()
	}
	wg.Wait()
	var listings []Listing
	for i, v := range verdicts {
		if errs[i] == nil {
			listings = append(listings, v.Listings...)
		}
	}
	if len(listings) > 0 {
		return NewVerdict(listings...), nil
	}
	return Verdict{}, CombineReputationErrors(errs...)
}

// CombineReputationErrors merges the failures of several questions asked
// for one check (names, sources) into one error, nil if there are none:
// one failure is returned as it is; several become one *Error (Provider
// of the first) whose message lists them all, transient only when every
// one is transient, and wrapping ErrRefused when any does (else the
// context's error when any wraps it). Adapters and MultiReputation share
// it.
func CombineReputationErrors(errs ...error) error {
	var list []error
	for _, err := range errs {
		if err != nil {
			list = append(list, err)
		}
	}
	switch len(list) {
	case 0:
		return nil
	case 1:
		return list[0]
	}
	provider := "reputation"
	var pe *Error
	if errors.As(list[0], &pe) {
		provider = pe.Provider
	}
	transient := true
	var cause error
	msgs := make([]string, len(list))
	for i, err := range list {
		msgs[i] = strings.TrimPrefix(err.Error(), provider+": ")
		if !IsTransient(err) {
			transient = false
		}
		switch {
		case errors.Is(err, ErrRefused):
			cause = ErrRefused
		case cause == nil && errors.Is(err, context.Canceled):
			cause = context.Canceled
		case cause == nil && errors.Is(err, context.DeadlineExceeded):
			cause = context.DeadlineExceeded
		}
	}
	// The causes are not wrapped as they are: each carries its own class,
	// and errors.Is(err, ErrTransient) must follow the combined one.
	return &Error{Provider: provider, Op: "check reputation", Transient: transient, Message: strings.Join(msgs, "; "), Err: cause}
}
