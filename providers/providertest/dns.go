// Package providertest holds one conformance suite per contract of package
// providers. Each adapter's tests run the suite against the adapter talking
// to the fake in package mocks (and could run it against a real account).
package providertest

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkgate/linkgate/providers"
)

// DNSTarget is the CNAME target the DNS suite asks for.
const DNSTarget = "lsct.ashburn.us1.twilio.com."

// DNSHarness connects the DNS suite to one implementation.
//
// The account behind Good must hold three zones, named by Zone, SubZone
// and LookAlike, for example "acme.com", "eu.acme.com" and "cme.com":
// SubZone is a zone below Zone, LookAlike a zone whose name ends Zone's
// name but not at a label boundary. The suite only writes records at names
// it makes up (conformance-<subtest>[-<Run>].<zone>), empty at the start,
// and leaves them behind.
type DNSHarness struct {
	Zone, SubZone, LookAlike string
	// Run is added to the names the suite writes; set it to something new
	// for each run against an account that keeps its records (a real one).
	Run string
	// NoComments: the provider keeps no comment with a record
	// (DigitalOcean, Google Cloud DNS), so the suite does not ask for
	// want.Comment back.
	NoComments bool
	// IDsByName says that the host has no record ids of its own and the
	// implementation names a record by its name and type (Route 53,
	// Google Cloud DNS): a record created again after a delete then has
	// the id it had, which the suite otherwise refuses.
	IDsByName bool

	// Good returns a DNS with valid credentials for the account.
	Good func(t *testing.T) providers.DNS
	// Bad returns a DNS for the same provider with credentials it refuses
	// (wrong or revoked).
	Bad func(t *testing.T) providers.DNS
	// Seed puts r in zone directly, as a client would by hand (a
	// "foreign" record, bypassing the implementation under test).
	Seed func(t *testing.T, zone providers.Zone, r providers.Record)
	// RecordsAt lists every record whose name is name, bypassing the
	// implementation under test.
	RecordsAt func(t *testing.T, name string) []providers.Record
}

// TestDNS runs the providers.DNS conformance suite.
func TestDNS(t *testing.T, h DNSHarness) {
	t.Helper()
	if h.Zone == "" || h.SubZone == "" || h.LookAlike == "" || h.Good == nil || h.Bad == nil || h.Seed == nil || h.RecordsAt == nil {
		t.Fatal("providertest: DNSHarness is incomplete")
	}
	s := &dnsSuite{h: h}
	t.Run("CheckCredentials", s.checkCredentials)
	t.Run("ZoneLongestMatch", s.zoneLongestMatch)
	t.Run("ZoneLabelBoundary", s.zoneLabelBoundary)
	t.Run("ZoneUnknown", s.zoneUnknown)
	t.Run("ZoneBadCredentials", s.zoneBadCredentials)
	t.Run("EnsureCNAMECreatesOnce", s.ensureCreatesOnce)
	t.Run("EnsureCNAMEConcurrent", s.ensureConcurrent)
	t.Run("EnsureCNAMEInSubZone", s.ensureInSubZone)
	t.Run("EnsureCNAMEIdenticalExists", s.ensureIdenticalExists)
	t.Run("EnsureCNAMEConflictingCNAME", s.ensureConflictingCNAME)
	t.Run("EnsureCNAMEConflictingA", s.ensureConflictingA)
	t.Run("EnsureCNAMEBadCredentials", s.ensureBadCredentials)
	t.Run("DeleteRecord", s.deleteRecord)
}

type dnsSuite struct{ h DNSHarness }

func dnsContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// name returns a fresh host below zone for one subtest.
func (s *dnsSuite) name(t *testing.T, zone string) string {
	label := strings.ToLower(t.Name()[strings.LastIndex(t.Name(), "/")+1:])
	if s.h.Run != "" {
		label += "-" + strings.ToLower(s.h.Run)
	}
	return "conformance-" + label + "." + zone
}

// wantErr checks that err is a permanent *providers.Error wrapping target.
func dnsWantErr(t *testing.T, err, target error) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v", target)
	}
	var pe *providers.Error
	if !errors.As(err, &pe) {
		t.Fatalf("got %T (%v), want *providers.Error", err, err)
	}
	if !errors.Is(err, target) {
		t.Fatalf("got %v, want it to wrap %v", err, target)
	}
	if !errors.Is(err, providers.ErrPermanent) || providers.IsTransient(err) {
		t.Fatalf("got a transient error %v, want a permanent one", err)
	}
}

func (s *dnsSuite) zone(t *testing.T, dns providers.DNS, name string) providers.Zone {
	t.Helper()
	z, err := dns.Zone(dnsContext(t), name)
	if err != nil {
		t.Fatalf("Zone(%q): %v", name, err)
	}
	return z
}

func (s *dnsSuite) want(t *testing.T, name string) providers.CNAME {
	return providers.CNAME{Name: name, Target: DNSTarget, TTL: 600, Comment: "linkgate conformance"}
}

// checkCNAME checks that rec is the CNAME want, as created by EnsureCNAME.
func dnsCheckCNAME(t *testing.T, rec providers.Record, want providers.CNAME) {
	t.Helper()
	if rec.ID == "" || !strings.EqualFold(rec.Type, "CNAME") || !providers.SameHost(rec.Name, want.Name) ||
		!providers.SameHost(rec.Content, want.Target) || rec.Proxied {
		t.Fatalf("record = %+v, want an unproxied CNAME %s -> %s with an id", rec, want.Name, want.Target)
	}
}

func (s *dnsSuite) checkCredentials(t *testing.T) {
	if err := s.h.Good(t).CheckCredentials(dnsContext(t)); err != nil {
		t.Fatalf("good credentials: %v", err)
	}
	dnsWantErr(t, s.h.Bad(t).CheckCredentials(dnsContext(t)), providers.ErrInvalidCredentials)
}

func (s *dnsSuite) zoneLongestMatch(t *testing.T) {
	dns := s.h.Good(t)
	for host, want := range map[string]string{
		"ls." + s.h.Zone:     s.h.Zone,
		s.h.Zone:             s.h.Zone,
		"a.b.ls." + s.h.Zone: s.h.Zone,
		"ls." + s.h.SubZone:  s.h.SubZone,
		s.h.SubZone:          s.h.SubZone,
		"LS." + strings.ToUpper(s.h.SubZone) + ".":                      s.h.SubZone,
		"ls." + s.h.LookAlike:                                           s.h.LookAlike,
		"x." + strings.ToUpper(s.h.LookAlike) + ".":                     s.h.LookAlike,
		"deep.er.ls." + s.h.SubZone:                                     s.h.SubZone,
		"ls-" + strings.ReplaceAll(s.h.Zone, ".", "-") + "." + s.h.Zone: s.h.Zone,
	} {
		z := s.zone(t, dns, host)
		if !providers.SameHost(z.Name, want) || z.ID == "" {
			t.Errorf("Zone(%q) = %+v, want %s with an id", host, z, want)
		}
	}
	a, b := s.zone(t, dns, s.h.Zone), s.zone(t, dns, s.h.SubZone)
	if a.ID == b.ID {
		t.Errorf("%s and %s have the same id %s", s.h.Zone, s.h.SubZone, a.ID)
	}
}

func (s *dnsSuite) zoneLabelBoundary(t *testing.T) {
	dns := s.h.Good(t)
	// LookAlike ends Zone's name, but never holds a host of Zone.
	z := s.zone(t, dns, "ls."+s.h.Zone)
	if providers.SameHost(z.Name, s.h.LookAlike) {
		t.Fatalf("Zone(ls.%s) = %s, which is not a label-boundary suffix", s.h.Zone, z.Name)
	}
	// "xacme.com" ends with "acme.com" but is not in it.
	for _, host := range []string{"ls.x" + s.h.Zone, "x" + s.h.Zone, "ls.x" + s.h.LookAlike} {
		_, err := dns.Zone(dnsContext(t), host)
		dnsWantErr(t, err, providers.ErrZoneNotFound)
	}
}

func (s *dnsSuite) zoneUnknown(t *testing.T) {
	_, err := s.h.Good(t).Zone(dnsContext(t), "ls.no-such-zone-for-linkgate.example")
	dnsWantErr(t, err, providers.ErrZoneNotFound)
}

func (s *dnsSuite) zoneBadCredentials(t *testing.T) {
	_, err := s.h.Bad(t).Zone(dnsContext(t), "ls."+s.h.Zone)
	dnsWantErr(t, err, providers.ErrInvalidCredentials)
}

func (s *dnsSuite) ensureCreatesOnce(t *testing.T) {
	dns := s.h.Good(t)
	name := s.name(t, s.h.Zone)
	zone := s.zone(t, dns, name)
	want := s.want(t, name)

	rec, created, err := dns.EnsureCNAME(dnsContext(t), zone, want)
	if err != nil || !created {
		t.Fatalf("first EnsureCNAME = %+v, %v, %v; want created", rec, created, err)
	}
	dnsCheckCNAME(t, rec, want)
	if rec.TTL != want.TTL || (!s.h.NoComments && rec.Comment != want.Comment) {
		t.Errorf("created TTL %d comment %q, want %d %q", rec.TTL, rec.Comment, want.TTL, want.Comment)
	}

	again, created, err := dns.EnsureCNAME(dnsContext(t), zone, want)
	if err != nil || created {
		t.Fatalf("second EnsureCNAME = %+v, %v, %v; want found", again, created, err)
	}
	if again.ID != rec.ID {
		t.Fatalf("second EnsureCNAME returned record %s, want %s", again.ID, rec.ID)
	}
	if got := s.h.RecordsAt(t, name); len(got) != 1 || got[0].ID != rec.ID {
		t.Fatalf("records at %s = %+v, want exactly %s", name, got, rec.ID)
	}
}

func (s *dnsSuite) ensureConcurrent(t *testing.T) {
	dns := s.h.Good(t)
	name := s.name(t, s.h.Zone)
	zone := s.zone(t, dns, name)
	want := s.want(t, name)

	const n = 10
	type result struct {
		rec     providers.Record
		created bool
		err     error
	}
	results := make([]result, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			rec, created, err := dns.EnsureCNAME(dnsContext(t), zone, want)
			results[i] = result{rec, created, err}
		}()
	}
	close(start)
	wg.Wait()

	createdCount := 0
	for i, r := range results {
		if r.err != nil {
			t.Fatalf("call %d: %v", i, r.err)
		}
		dnsCheckCNAME(t, r.rec, want)
		if r.rec.ID != results[0].rec.ID {
			t.Errorf("call %d returned record %s, call 0 %s", i, r.rec.ID, results[0].rec.ID)
		}
		if r.created {
			createdCount++
		}
	}
	if createdCount != 1 {
		t.Errorf("%d calls report created=true, want exactly 1", createdCount)
	}
	if got := s.h.RecordsAt(t, name); len(got) != 1 {
		t.Fatalf("records at %s = %+v, want exactly one", name, got)
	}
}

func (s *dnsSuite) ensureInSubZone(t *testing.T) {
	dns := s.h.Good(t)
	name := s.name(t, s.h.SubZone)
	zone := s.zone(t, dns, name)
	if !providers.SameHost(zone.Name, s.h.SubZone) {
		t.Fatalf("Zone(%s) = %s, want %s", name, zone.Name, s.h.SubZone)
	}
	rec, created, err := dns.EnsureCNAME(dnsContext(t), zone, s.want(t, name))
	if err != nil || !created {
		t.Fatalf("EnsureCNAME = %+v, %v, %v; want created", rec, created, err)
	}
	dnsCheckCNAME(t, rec, s.want(t, name))
}

func (s *dnsSuite) ensureIdenticalExists(t *testing.T) {
	dns := s.h.Good(t)
	name := s.name(t, s.h.Zone)
	zone := s.zone(t, dns, name)
	// Made by hand: other case, no trailing dot, another TTL and comment.
	s.h.Seed(t, zone, providers.Record{Type: "CNAME", Name: name, Content: strings.ToUpper(strings.TrimSuffix(DNSTarget, ".")), TTL: 300})
	seeded := s.h.RecordsAt(t, name)
	if len(seeded) != 1 {
		t.Fatalf("seeding left %+v", seeded)
	}

	want := s.want(t, strings.ToUpper(name)+".")
	rec, created, err := dns.EnsureCNAME(dnsContext(t), zone, want)
	if err != nil || created {
		t.Fatalf("EnsureCNAME = %+v, %v, %v; want the existing record", rec, created, err)
	}
	if rec.ID != seeded[0].ID || !providers.SameHost(rec.Content, DNSTarget) {
		t.Fatalf("EnsureCNAME returned %+v, want the seeded %+v", rec, seeded[0])
	}
	if got := s.h.RecordsAt(t, name); len(got) != 1 || got[0] != seeded[0] {
		t.Fatalf("records at %s changed: %+v, want %+v", name, got, seeded)
	}
}

// ensureConflict seeds r at a fresh name and checks that EnsureCNAME
// refuses, naming it, and changes nothing.
func (s *dnsSuite) ensureConflict(t *testing.T, r providers.Record) {
	dns := s.h.Good(t)
	name := s.name(t, s.h.Zone)
	zone := s.zone(t, dns, name)
	r.Name = name
	s.h.Seed(t, zone, r)
	before := s.h.RecordsAt(t, name)

	_, _, err := dns.EnsureCNAME(dnsContext(t), zone, s.want(t, name))
	var conflict *providers.ConflictingRecordError
	if !errors.As(err, &conflict) {
		t.Fatalf("EnsureCNAME error = %v, want a *providers.ConflictingRecordError", err)
	}
	dnsWantErr(t, err, conflict)
	got := conflict.Existing
	if !strings.EqualFold(got.Type, r.Type) || !providers.SameHost(got.Name, name) || !strings.EqualFold(strings.TrimSuffix(got.Content, "."), strings.TrimSuffix(r.Content, ".")) {
		t.Errorf("conflict names %+v, want the seeded %+v", got, r)
	}
	if msg := err.Error(); !strings.Contains(strings.ToLower(msg), strings.ToLower(strings.TrimSuffix(r.Content, "."))) {
		t.Errorf("error %q does not name the existing record's content", msg)
	}
	after := s.h.RecordsAt(t, name)
	if len(after) != len(before) {
		t.Fatalf("records at %s went from %+v to %+v", name, before, after)
	}
	for i := range before {
		if before[i] != after[i] {
			t.Fatalf("records at %s went from %+v to %+v", name, before, after)
		}
	}
}

func (s *dnsSuite) ensureConflictingCNAME(t *testing.T) {
	s.ensureConflict(t, providers.Record{Type: "CNAME", Content: "elsewhere.example.net", TTL: 300})
}

func (s *dnsSuite) ensureConflictingA(t *testing.T) {
	s.ensureConflict(t, providers.Record{Type: "A", Content: "192.0.2.10", TTL: 300})
}

func (s *dnsSuite) ensureBadCredentials(t *testing.T) {
	name := s.name(t, s.h.Zone)
	zone := s.zone(t, s.h.Good(t), name)
	_, _, err := s.h.Bad(t).EnsureCNAME(dnsContext(t), zone, s.want(t, name))
	dnsWantErr(t, err, providers.ErrInvalidCredentials)
	if got := s.h.RecordsAt(t, name); len(got) != 0 {
		t.Fatalf("bad credentials created %+v", got)
	}
}

func (s *dnsSuite) deleteRecord(t *testing.T) {
	dns := s.h.Good(t)
	name := s.name(t, s.h.Zone)
	zone := s.zone(t, dns, name)
	rec, _, err := dns.EnsureCNAME(dnsContext(t), zone, s.want(t, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := dns.DeleteRecord(dnsContext(t), zone, rec.ID); err != nil {
		t.Fatalf("DeleteRecord: %v", err)
	}
	if got := s.h.RecordsAt(t, name); len(got) != 0 {
		t.Fatalf("records at %s after delete: %+v", name, got)
	}
	if err := dns.DeleteRecord(dnsContext(t), zone, rec.ID); err != nil {
		t.Fatalf("DeleteRecord of a deleted record: %v, want nil", err)
	}
	// And EnsureCNAME creates it again.
	again, created, err := dns.EnsureCNAME(dnsContext(t), zone, s.want(t, name))
	if err != nil || !created || (again.ID == rec.ID && !s.h.IDsByName) {
		t.Fatalf("EnsureCNAME after delete = %+v, %v, %v; want a new record", again, created, err)
	}
}
