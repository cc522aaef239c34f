package mocks

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"sort"
	"strings"
	"sync"

	"github.com/linkgate/linkgate/providers"
)

// ReputationPersistName is the Persister name the fake reputation source
// keeps its flags under.
const ReputationPersistName = "reputation"

// Defaults of the fake reputation source.
const (
	DefaultReputationSource = "sandbox blocklist"
	DefaultReputationReason = "flagged in the sandbox"
)

// ReputationConfig configures the fake reputation source.
type ReputationConfig struct {
	// Persister keeps the flags between runs; nil keeps them in memory.
	Persister Persister
	// Source and Reason are what the sandbox endpoint flags with
	// (defaults DefaultReputationSource, DefaultReputationReason).
	Source, Reason string
	// RegistrableDomain returns the registrable domain of a host, as
	// the public suffix list says (cmd/linkgate passes
	// golang.org/x/net/publicsuffix.EffectiveTLDPlusOne; package mocks
	// does not import it). nil: the last two labels, which is right for
	// acme.com and wrong for acme.co.uk.
	RegistrableDomain func(host string) (string, error)
}

// ReputationFlag is one name on the fake's list.
type ReputationFlag struct {
	Host   string `json:"host"`
	Source string `json:"source"`
	Reason string `json:"reason"`
}

type reputationState struct {
	Flags []ReputationFlag `json:"flags"`
}

// Reputation is a fake reputation source: a list of flagged names, each
// with the source that lists it and why. It implements
// providers.Reputation exactly as its contract says (a flag on a name
// lists that name only; a host is checked as given and as its registrable
// domain), serves the same list as a DNS blocklist over loopback
// (StartDNSBL), and backs the sandbox's POST/DELETE /_sandbox/reputation
// (SandboxHandler). Safe for concurrent use.
type Reputation struct {
	persister   Persister
	source      string
	reason      string
	registrable func(string) (string, error)

	mu       sync.Mutex
	st       reputationState
	failures []error
	hangs    []chan struct{}
}

var _ providers.Reputation = (*Reputation)(nil)

// NewReputation returns the fake with the flags its Persister kept.
func NewReputation(cfg ReputationConfig) (*Reputation, error) {
	r := &Reputation{persister: cfg.Persister, source: cfg.Source, reason: cfg.Reason, registrable: cfg.RegistrableDomain}
	if r.source == "" {
		r.source = DefaultReputationSource
	}
	if r.reason == "" {
		r.reason = DefaultReputationReason
	}
	if r.registrable == nil {
		r.registrable = lastTwoLabels
	}
	if err := loadState(r.persister, ReputationPersistName, &r.st); err != nil {
		return nil, err
	}
	return r, nil
}

func lastTwoLabels(host string) (string, error) {
	labels := strings.Split(host, ".")
	if len(labels) < 2 {
		return "", fmt.Errorf("%s has no registrable domain", host)
	}
	return strings.Join(labels[len(labels)-2:], "."), nil
}

// ErrInvalidReputationHost is wrapped by Flag and Unflag errors about the
// host itself (as opposed to a Persister failure).
var ErrInvalidReputationHost = errors.New("mocks: reputation: not a host name")

// reputationHost normalises host and checks that it is a domain name.
func reputationHost(host string) (string, bool) {
	h := providers.NormalizeHost(host)
	if _, err := netip.ParseAddr(h); err == nil {
		return "", false
	}
	return h, sandboxName(h)
}

// Flag lists host (exactly that name) at source for reason; empty source
// or reason take the configured defaults. Flagging it again at the same
// source replaces the reason.
func (r *Reputation) Flag(host, source, reason string) error {
	h, ok := reputationHost(host)
	if !ok {
		return fmt.Errorf("%w: %q", ErrInvalidReputationHost, host)
	}
	f := ReputationFlag{Host: h, Source: strings.TrimSpace(source), Reason: strings.TrimSpace(reason)}
	if f.Source == "" {
		f.Source = r.source
	}
	if f.Reason == "" {
		f.Reason = r.reason
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return changeState(context.Background(), r.persister, ReputationPersistName, &r.st, func() bool {
		for i, old := range r.st.Flags {
			if old.Host == f.Host && old.Source == f.Source {
				if old == f {
					return false
				}
				r.st.Flags[i] = f
				return true
			}
		}
		r.st.Flags = append(r.st.Flags, f)
		return true
	})
}

// Unflag removes every flag on host (exactly that name), at every source.
// A host that is not flagged is success.
func (r *Reputation) Unflag(host string) error {
	h, ok := reputationHost(host)
	if !ok {
		return fmt.Errorf("%w: %q", ErrInvalidReputationHost, host)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return mutateState(context.Background(), r.persister, ReputationPersistName, &r.st, func() (bool, error) {
		keep := r.st.Flags[:0:0]
		for _, f := range r.st.Flags {
			if f.Host != h {
				keep = append(keep, f)
			}
		}
		changed := len(keep) != len(r.st.Flags)
		r.st.Flags = keep
		return changed, nil
	})
}

// Flags returns every flag, by host then source.
func (r *Reputation) Flags() []ReputationFlag {
	r.mu.Lock()
	out := append([]ReputationFlag(nil), r.st.Flags...)
	r.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Host != out[j].Host {
			return out[i].Host < out[j].Host
		}
		return out[i].Source < out[j].Source
	})
	return out
}

// flagsAt returns the flags on exactly name, by source. The caller holds
// no lock.
func (r *Reputation) flagsAt(name string) []ReputationFlag {
	r.mu.Lock()
	var out []ReputationFlag
	for _, f := range r.st.Flags {
		if f.Host == name {
			out = append(out, f)
		}
	}
	r.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Source < out[j].Source })
	return out
}

// FailNext makes the next Check return err (nil: a transient "source
// unreachable" *providers.Error). Calls queue up.
func (r *Reputation) FailNext(err error) {
	if err == nil {
		err = &providers.Error{Provider: "reputation", Op: "check reputation", Transient: true, Message: "the source did not answer (injected failure)"}
	}
	r.mu.Lock()
	r.failures = append(r.failures, err)
	r.mu.Unlock()
}

// HangNext makes the next Check wait, without answering, until its
// context ends. The returned channel is closed once that Check has
// started waiting.
func (r *Reputation) HangNext() <-chan struct{} {
	ch := make(chan struct{})
	r.mu.Lock()
	r.hangs = append(r.hangs, ch)
	r.mu.Unlock()
	return ch
}

// Check implements providers.Reputation over the flags.
func (r *Reputation) Check(ctx context.Context, host string) (providers.Verdict, error) {
	r.mu.Lock()
	var injected error
	var hang chan struct{}
	if len(r.failures) > 0 {
		injected, r.failures = r.failures[0], r.failures[1:]
	} else if len(r.hangs) > 0 {
		hang, r.hangs = r.hangs[0], r.hangs[1:]
	}
	r.mu.Unlock()
	if injected != nil {
		return providers.Verdict{}, injected
	}
	if hang != nil {
		close(hang)
		<-ctx.Done()
	}
	if err := ctx.Err(); err != nil {
		return providers.Verdict{}, &providers.Error{Provider: "reputation", Op: "check reputation", Transient: true, Err: err}
	}
	h, ok := reputationHost(host)
	if !ok {
		return providers.Verdict{}, &providers.Error{Provider: "reputation", Op: "check reputation", Message: fmt.Sprintf("%q is not a domain name", host)}
	}
	apex, err := r.registrable(h)
	if err != nil {
		return providers.Verdict{}, &providers.Error{Provider: "reputation", Op: "check reputation", Message: fmt.Sprintf("%q has no registrable domain: %v", host, err)}
	}
	names := []string{h}
	if apex != h {
		names = append(names, apex)
	}
	var listings []providers.Listing
	for _, n := range names {
		for _, f := range r.flagsAt(n) {
			listings = append(listings, providers.Listing{Source: f.Source, Name: n, Reason: f.Reason})
		}
	}
	return providers.NewVerdict(listings...), nil
}

// SandboxHandler serves the sandbox's reputation controls (API.md
// "Sandbox additions"), for cmd/linkgate to mount behind an admin
// credential next to Sandbox.Handler:
//
//	POST   /_sandbox/reputation         {"host"} → 201 {"host","source","reason"}
//	DELETE /_sandbox/reputation?host=   → 204 (a host not flagged too)
//
// A host that is not a domain name is a 422 naming the field "host".
func (r *Reputation) SandboxHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /_sandbox/reputation", r.sandboxFlag)
	mux.HandleFunc("DELETE /_sandbox/reputation", r.sandboxUnflag)
	mux.HandleFunc("/_sandbox/reputation", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Allow", "POST, DELETE")
		sandboxError(w, http.StatusMethodNotAllowed, "", "use POST to flag a host or DELETE to unflag it")
	})
	return mux
}

func (r *Reputation) sandboxFlag(w http.ResponseWriter, req *http.Request) {
	var in struct {
		Host string `json:"host"`
	}
	if !sandboxRead(w, req, &in) {
		return
	}
	h, ok := reputationHost(in.Host)
	if !ok {
		sandboxError(w, http.StatusUnprocessableEntity, "host", "must be a host name such as ls.acme.com")
		return
	}
	if err := r.Flag(h, "", ""); err != nil {
		sandboxError(w, http.StatusInternalServerError, "", "could not flag the host")
		return
	}
	sandboxJSON(w, http.StatusCreated, ReputationFlag{Host: h, Source: r.source, Reason: r.reason})
}

func (r *Reputation) sandboxUnflag(w http.ResponseWriter, req *http.Request) {
	h, ok := reputationHost(req.URL.Query().Get("host"))
	if !ok {
		sandboxError(w, http.StatusUnprocessableEntity, "host", "must be a host name such as ls.acme.com")
		return
	}
	if err := r.Unflag(h); err != nil {
		sandboxError(w, http.StatusInternalServerError, "", "could not unflag the host")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
