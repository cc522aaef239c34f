package google

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"time"

	dns "google.golang.org/api/dns/v1"

	"github.com/linkgate/linkgate/providers"
)

const (
	// pageSize is a page of managed zones or record sets.
	pageSize = 500
	// minTTL and maxTTL bound a TTL in seconds.
	minTTL = 30
	maxTTL = 86400
	// changeDone is the status of a change that is live.
	changeDone = "done"
)

var (
	// hostLabel is one label of a DNS name in Punycode; underscores are
	// allowed for service labels (_acme-challenge).
	hostLabel = regexp.MustCompile(`^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$`)
	// zoneName is a managed zone's name (or its numeric id).
	zoneName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
)

// normalizeHost lowercases host, removes a trailing dot and checks that it
// is a DNS name of at least two labels.
func normalizeHost(host string) (string, bool) {
	h := providers.NormalizeHost(host)
	if h == "" || len(h) > 253 {
		return "", false
	}
	labels := strings.Split(h, ".")
	if len(labels) < 2 {
		return "", false
	}
	for _, l := range labels {
		if !hostLabel.MatchString(l) {
			return "", false
		}
	}
	return h, true
}

// inZone reports whether name is zone or below it, at a label boundary.
func inZone(name, zone string) bool {
	return name == zone || strings.HasSuffix(name, "."+zone)
}

// recordID names a record set: "ls.acme.com/CNAME".
func recordID(name, typ string) string {
	return providers.NormalizeHost(name) + "/" + strings.ToUpper(typ)
}

// CheckCredentials signs in with the key and reads the project
// (projects.get): a deleted or disabled key fails at the token endpoint, an
// account without a role on the project gets 403.
func (p *Provider) CheckCredentials(ctx context.Context) error {
	if _, err := p.svc.Projects.Get(p.project).Context(ctx).Do(); err != nil {
		return p.classify("check credentials", err)
	}
	return nil
}

// Zone lists the project's managed zones (managedZones.list, every page)
// and returns the public one with the longest DNS name that equals host or
// is a suffix of it at a label boundary. Private zones are skipped: the
// world does not see them. The zone's ID is the managed zone's name.
func (p *Provider) Zone(ctx context.Context, host string) (providers.Zone, error) {
	const op = "find zone"
	h, ok := normalizeHost(host)
	if !ok {
		return providers.Zone{}, invalid(op, "%q is not a valid host name", host)
	}
	var best providers.Zone
	err := p.svc.ManagedZones.List(p.project).MaxResults(pageSize).Pages(ctx, func(page *dns.ManagedZonesListResponse) error {
		for _, z := range page.ManagedZones {
			if z == nil || z.Visibility == "private" || z.PrivateVisibilityConfig != nil {
				continue
			}
			name := providers.NormalizeHost(z.DnsName)
			if inZone(h, name) && len(name) > len(best.Name) && zoneName.MatchString(z.Name) {
				best = providers.Zone{ID: z.Name, Name: name}
			}
		}
		return nil
	})
	if err != nil {
		return providers.Zone{}, p.classify(op, err)
	}
	if best.ID == "" {
		return providers.Zone{}, &providers.Error{Provider: providerName, Op: op, Err: providers.ErrZoneNotFound,
			Message: "no public managed zone in project " + p.project + " holds " + h}
	}
	return best, nil
}

// EnsureCNAME implements providers.DNS: it lists the record sets at
// want.Name (resourceRecordSets.list by name, every type), returns an
// identical CNAME, refuses any other record, and otherwise adds the CNAME
// (target fully qualified, with its trailing dot) with want.TTL
// (DefaultTTL if zero) through changes.create, then waits until the change
// is "done". An addition refused because a record set appeared (409
// alreadyExists, 400 cnameResourceRecordSetConflict: a concurrent caller
// won) lists again and decides the same way. Cloud DNS keeps no comment:
// want.Comment is not stored.
func (p *Provider) EnsureCNAME(ctx context.Context, zone providers.Zone, want providers.CNAME) (providers.Record, bool, error) {
	const op = "ensure CNAME"
	name, target, ttl, err := checkCNAME(op, zone, want)
	if err != nil {
		return providers.Record{}, false, err
	}
	existing, err := p.recordsAt(ctx, zone.ID, name, "")
	if err != nil {
		return providers.Record{}, false, err
	}
	if rec, found, err := decide(op, existing, target); found || err != nil {
		return rec, false, err
	}
	change := &dns.Change{Additions: []*dns.ResourceRecordSet{{
		Name: name + ".", Type: "CNAME", Ttl: int64(ttl), Rrdatas: []string{target + "."},
	}}}
	created, err := p.svc.Changes.Create(p.project, zone.ID, change).Context(ctx).Do()
	if err != nil {
		if !collision(err) {
			return providers.Record{}, false, p.classify("create record", err)
		}
		existing, err2 := p.recordsAt(ctx, zone.ID, name, "")
		if err2 != nil {
			return providers.Record{}, false, err2
		}
		rec, found, err2 := decide(op, existing, target)
		if found || err2 != nil {
			return rec, false, err2
		}
		// "Already exists", yet nothing is listed: the listing lags.
		e := p.classify("create record", err)
		e.Transient = true
		return providers.Record{}, false, e
	}
	if err := p.waitDone(ctx, zone.ID, created); err != nil {
		return providers.Record{}, false, err
	}
	return providers.Record{ID: recordID(name, "CNAME"), Type: "CNAME", Name: name, Content: target, TTL: ttl}, true, nil
}

// checkCNAME validates a request and returns its normalized parts.
func checkCNAME(op string, zone providers.Zone, want providers.CNAME) (name, target string, ttl int, err error) {
	if !zoneName.MatchString(zone.ID) {
		return "", "", 0, invalid(op, "%q is not a Cloud DNS managed zone name", zone.ID)
	}
	zoneDNS, ok := normalizeHost(zone.Name)
	if !ok {
		return "", "", 0, invalid(op, "%q is not a valid zone name", zone.Name)
	}
	if name, ok = normalizeHost(want.Name); !ok {
		return "", "", 0, invalid(op, "%q is not a valid host name", want.Name)
	}
	if !inZone(name, zoneDNS) {
		return "", "", 0, invalid(op, "%s is not in zone %s", name, zoneDNS)
	}
	if target, ok = normalizeHost(want.Target); !ok {
		return "", "", 0, invalid(op, "%q is not a valid CNAME target", want.Target)
	}
	if target == name {
		return "", "", 0, invalid(op, "a CNAME cannot point to itself (%s)", name)
	}
	ttl = want.TTL
	if ttl == 0 {
		ttl = DefaultTTL
	}
	if ttl < minTTL || ttl > maxTTL {
		return "", "", 0, invalid(op, "TTL %d is out of range: %d..%d seconds", want.TTL, minTTL, maxTTL)
	}
	return name, target, ttl, nil
}

// waitDone reads a change until it is "done", PollInterval apart, for at
// most ChangeTimeout; still pending then is a transient error (the change
// goes on: the next call finds the record).
func (p *Provider) waitDone(ctx context.Context, zoneID string, ch *dns.Change) error {
	const op = "wait for change"
	deadline := time.Now().Add(p.changeTimeout)
	for ch.Status != changeDone {
		if time.Now().After(deadline) {
			return &providers.Error{Provider: providerName, Op: op, Transient: true, RetryAfter: p.pollInterval,
				Message: "change " + ch.Id + " is still " + ch.Status + " after " + p.changeTimeout.String()}
		}
		if err := p.sleep(ctx, p.pollInterval); err != nil {
			return p.classify(op, err)
		}
		next, err := p.svc.Changes.Get(p.project, zoneID, ch.Id).Context(ctx).Do()
		if err != nil {
			return p.classify(op, err)
		}
		ch = next
	}
	return nil
}

// decide applies the contract to the records at a name
// (providers.DecideCNAME), a conflict as this provider's permanent error.
func decide(op string, existing []providers.Record, target string) (providers.Record, bool, error) {
	rec, ok, conflict := providers.DecideCNAME(existing, target)
	if conflict != nil {
		return providers.Record{}, false, &providers.Error{Provider: providerName, Op: op, Err: conflict}
	}
	return rec, ok, nil
}

// rrsetsAt lists the record sets at name (of type typ if not empty).
func (p *Provider) rrsetsAt(ctx context.Context, zoneID, name, typ string) ([]*dns.ResourceRecordSet, error) {
	call := p.svc.ResourceRecordSets.List(p.project, zoneID).Name(name + ".").MaxResults(pageSize)
	if typ != "" {
		call = call.Type(typ)
	}
	var out []*dns.ResourceRecordSet
	err := call.Pages(ctx, func(page *dns.ResourceRecordSetsListResponse) error {
		for _, s := range page.Rrsets {
			if s != nil && providers.SameHost(s.Name, name) && (typ == "" || strings.EqualFold(s.Type, typ)) {
				out = append(out, s)
			}
		}
		return nil
	})
	if err != nil {
		return nil, p.classify("list records", err)
	}
	return out, nil
}

// recordsAt lists the records at name, one per datum of each record set.
func (p *Provider) recordsAt(ctx context.Context, zoneID, name, typ string) ([]providers.Record, error) {
	sets, err := p.rrsetsAt(ctx, zoneID, name, typ)
	if err != nil {
		return nil, err
	}
	var out []providers.Record
	for _, s := range sets {
		for _, d := range s.Rrdatas {
			content := d
			if strings.EqualFold(s.Type, "CNAME") {
				content = strings.TrimSuffix(d, ".")
			}
			out = append(out, providers.Record{ID: recordID(s.Name, s.Type), Type: strings.ToUpper(s.Type),
				Name: providers.NormalizeHost(s.Name), Content: content, TTL: int(s.Ttl)})
		}
	}
	return out, nil
}

// DeleteRecord removes the record set recordID ("<name>/<type>") through
// changes.create with the set, as listed, in its deletions, and waits for
// the change. A set that is already gone (not listed, or 404) is success;
// one changed between the listing and the deletion (412 conditionNotMet)
// is listed again, a few times.
func (p *Provider) DeleteRecord(ctx context.Context, zone providers.Zone, recordID string) error {
	const op = "delete record"
	if !zoneName.MatchString(zone.ID) {
		return invalid(op, "%q is not a Cloud DNS managed zone name", zone.ID)
	}
	name, typ, ok := strings.Cut(recordID, "/")
	host, okHost := normalizeHost(name)
	zoneDNS, okZone := normalizeHost(zone.Name)
	if !ok || !okHost || !okZone || !inZone(host, zoneDNS) || typ == "" || strings.ToUpper(typ) != typ {
		return invalid(op, "%q is not a record of zone %s (<name>/<TYPE>)", recordID, zone.Name)
	}
	for attempt := 0; ; attempt++ {
		sets, err := p.rrsetsAt(ctx, zone.ID, host, typ)
		if err != nil {
			return err
		}
		if len(sets) == 0 {
			return nil
		}
		// A deletion must match the set exactly.
		s := sets[0]
		del := &dns.ResourceRecordSet{Name: s.Name, Type: s.Type, Ttl: s.Ttl, Rrdatas: s.Rrdatas,
			SignatureRrdatas: s.SignatureRrdatas, RoutingPolicy: s.RoutingPolicy}
		ch, err := p.svc.Changes.Create(p.project, zone.ID, &dns.Change{Deletions: []*dns.ResourceRecordSet{del}}).Context(ctx).Do()
		if err != nil {
			ae, isAPI := apiError(err)
			switch {
			case isAPI && ae.Code == http.StatusNotFound:
				return nil
			case isAPI && ae.Code == http.StatusPreconditionFailed && attempt < 3:
				continue
			}
			e := p.classify(op, err)
			if isAPI && ae.Code == http.StatusPreconditionFailed {
				e.Transient = true
			}
			return e
		}
		return p.waitDone(ctx, zone.ID, ch)
	}
}
