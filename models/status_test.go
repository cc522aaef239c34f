package models

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestEveryStatusHasATransitionRow(t *testing.T) {
	seen := map[Status]bool{}
	for _, s := range Statuses {
		if seen[s] {
			t.Errorf("status %q listed twice in Statuses", s)
		}
		seen[s] = true
		if _, ok := transitions[s]; !ok {
			t.Errorf("status %q has no row in the transition table", s)
		}
		if !s.Valid() {
			t.Errorf("%q.Valid() = false", s)
		}
	}
	if len(transitions) != len(Statuses) {
		t.Errorf("transition table has %d rows, Statuses has %d entries", len(transitions), len(Statuses))
	}
	for from, tos := range transitions {
		if !seen[from] {
			t.Errorf("transition row %q is not in Statuses", from)
		}
		for _, to := range tos {
			if !seen[to] {
				t.Errorf("transition %q → %q targets an unknown status", from, to)
			}
			if to == from {
				t.Errorf("transition %q → %q is a self-transition", from, to)
			}
		}
		if len(tos) != len(uniq(tos)) {
			t.Errorf("row %q lists a target twice: %v", from, tos)
		}
	}
	// The twelve statuses of DESIGN §3, by value.
	want := []string{"pending", "awaiting_client", "dns_pending", "awaiting_domain_sid", "ssl_pending",
		"configured", "failed", "reached_limit", "archived", "blocked", "under_review", "declined"}
	var got []string
	for _, s := range Statuses {
		got = append(got, string(s))
	}
	if !slices.Equal(got, want) {
		t.Errorf("Statuses = %v, want %v", got, want)
	}
}

func uniq(ss []Status) []Status {
	out := slices.Clone(ss)
	slices.Sort(out)
	return slices.Compact(out)
}

func TestEveryStatusReachableFromPending(t *testing.T) {
	reached := map[Status]bool{StatusPending: true}
	queue := []Status{StatusPending}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, to := range Statuses {
			if s.CanTransitionTo(to) && !reached[to] {
				reached[to] = true
				queue = append(queue, to)
			}
		}
	}
	for _, s := range Statuses {
		if !reached[s] {
			t.Errorf("%q cannot be reached from pending", s)
		}
	}
}

func TestLegalTransitionsPass(t *testing.T) {
	// Everything in the table passes.
	n := 0
	for from, tos := range transitions {
		for _, to := range tos {
			n++
			if !from.CanTransitionTo(to) {
				t.Errorf("CanTransitionTo(%q → %q) = false for a table entry", from, to)
			}
			if err := from.CheckTransition(to); err != nil {
				t.Errorf("CheckTransition(%q → %q) = %v, want nil", from, to, err)
			}
		}
	}
	if n == 0 {
		t.Fatal("empty transition table")
	}

	// The onboarding paths of DESIGN §3–§4 are legal, independent of how
	// the table is written.
	paths := [][]Status{
		// self or manual setup
		{StatusPending, StatusDNSPending, StatusAwaitingDomainSID, StatusSSLPending, StatusConfigured},
		// forward login
		{StatusPending, StatusAwaitingClient, StatusDNSPending, StatusSSLPending, StatusConfigured},
		// failure and retry from the failed step
		{StatusPending, StatusDNSPending, StatusFailed, StatusDNSPending},
		{StatusSSLPending, StatusFailed, StatusSSLPending},
		{StatusAwaitingDomainSID, StatusFailed, StatusAwaitingDomainSID},
		// limits, review, archive
		{StatusConfigured, StatusReachedLimit, StatusConfigured},
		{StatusConfigured, StatusUnderReview, StatusBlocked, StatusArchived, StatusPending},
		{StatusConfigured, StatusUnderReview, StatusDeclined, StatusArchived},
		{StatusConfigured, StatusArchived},
		// certificate renewal
		{StatusConfigured, StatusSSLPending},
		// restore: back to the status it was archived from (issue 14),
		// or to the certificate step when the certificate expired
		{StatusConfigured, StatusArchived, StatusConfigured},
		{StatusDNSPending, StatusArchived, StatusDNSPending},
		{StatusReachedLimit, StatusArchived, StatusReachedLimit},
		{StatusBlocked, StatusArchived, StatusBlocked},
		{StatusDeclined, StatusArchived, StatusDeclined},
		{StatusConfigured, StatusArchived, StatusSSLPending},
	}
	for _, p := range paths {
		for i := 1; i < len(p); i++ {
			if err := p[i-1].CheckTransition(p[i]); err != nil {
				t.Errorf("path %v: %q → %q refused: %v", p, p[i-1], p[i], err)
			}
		}
	}
	// Every in-progress status can fail and be archived.
	for _, s := range []Status{StatusPending, StatusAwaitingClient, StatusDNSPending, StatusAwaitingDomainSID, StatusSSLPending} {
		for _, to := range []Status{StatusFailed, StatusArchived} {
			if !s.CanTransitionTo(to) {
				t.Errorf("%q → %q should be legal", s, to)
			}
		}
	}
}

func TestIllegalTransitionsFail(t *testing.T) {
	illegal := [][2]Status{
		{StatusPending, StatusConfigured},
		{StatusPending, StatusSSLPending},
		{StatusPending, StatusAwaitingDomainSID},
		{StatusPending, StatusPending},
		{StatusArchived, StatusArchived},
		{StatusArchived, StatusUnderReview}, // restore never skips a review

		{StatusConfigured, StatusPending},
		{StatusConfigured, StatusDNSPending},
		{StatusConfigured, StatusFailed},
		{StatusConfigured, StatusConfigured},
		{StatusAwaitingClient, StatusConfigured},
		{StatusDNSPending, StatusConfigured},
		{StatusSSLPending, StatusPending},
		{StatusFailed, StatusConfigured},
		{StatusDeclined, StatusConfigured},
		{StatusBlocked, StatusConfigured},
		{StatusReachedLimit, StatusPending},
		{Status("bogus"), StatusPending},
		{StatusPending, Status("bogus")},
		{Status(""), StatusPending},
	}
	for _, tr := range illegal {
		from, to := tr[0], tr[1]
		if from.CanTransitionTo(to) {
			t.Errorf("CanTransitionTo(%q → %q) = true, want false", from, to)
		}
		err := from.CheckTransition(to)
		if err == nil {
			t.Errorf("CheckTransition(%q → %q) = nil, want an error", from, to)
			continue
		}
		if !errors.Is(err, ErrIllegalTransition) {
			t.Errorf("%q → %q: %v does not wrap ErrIllegalTransition", from, to, err)
		}
		if !errors.Is(err, ErrConflict) {
			t.Errorf("%q → %q: %v is not an ErrConflict", from, to, err)
		}
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrInvalid) {
			t.Errorf("%q → %q: %v matches the wrong kind", from, to, err)
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%q → %q: %T is not *Error", from, to, err)
			continue
		}
		if e.Kind != KindConflict || e.Code != "invalid_state" {
			t.Errorf("%q → %q: kind %q code %q, want conflict invalid_state", from, to, e.Kind, e.Code)
		}
		if !strings.Contains(e.Detail, string(from)) || !strings.Contains(e.Detail, string(to)) {
			t.Errorf("%q → %q: detail %q does not name both statuses", from, to, e.Detail)
		}
	}
}

func TestUnknownStatusAndPlanValidity(t *testing.T) {
	for _, s := range []Status{"", "bogus", "Pending", "configured "} {
		if s.Valid() {
			t.Errorf("%q.Valid() = true", s)
		}
	}
	for _, p := range []Plan{PlanBasic, PlanPremium, PlanEnterprise} {
		if !p.Valid() {
			t.Errorf("plan %q invalid", p)
		}
	}
	for _, p := range []Plan{"", "gold", "Basic"} {
		if p.Valid() {
			t.Errorf("plan %q valid", p)
		}
	}
}
