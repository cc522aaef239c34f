package digitalocean

import (
	"context"
	"regexp"
	"strconv"
	"strings"

	"github.com/digitalocean/godo"

	"github.com/linkgate/linkgate/providers"
)

const (
	// perPage is the largest page DigitalOcean serves.
	perPage = 200
	// maxPages bounds a listing (domains, or the records at one name).
	maxPages = 50
	// minTTL and maxTTL bound a TTL in seconds (DigitalOcean refuses less
	// than 30).
	minTTL = 30
	maxTTL = 86400
)

// hostLabel is one label of a DNS name in Punycode; underscores are
// allowed for service labels (_acme-challenge).
var hostLabel = regexp.MustCompile(`^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$`)

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

// CheckCredentials reads the account (GET /v2/account): DigitalOcean
// answers a bad, expired or revoked token with 401.
func (p *Provider) CheckCredentials(ctx context.Context) error {
	if _, _, err := p.client.Account.Get(ctx); err != nil {
		return p.classify("check credentials", err)
	}
	return nil
}

// Zone lists the token's domains (GET /v2/domains, every page) and
// returns the one with the longest name that equals host or is a suffix
// of it at a label boundary. A DigitalOcean domain is named by its name:
// the zone's ID is its name too.
func (p *Provider) Zone(ctx context.Context, host string) (providers.Zone, error) {
	const op = "find zone"
	h, ok := normalizeHost(host)
	if !ok {
		return providers.Zone{}, invalid(op, "%q is not a valid host name", host)
	}
	best := ""
	opt := &godo.ListOptions{Page: 1, PerPage: perPage}
	for range maxPages {
		domains, resp, err := p.client.Domains.List(ctx, opt)
		if err != nil {
			return providers.Zone{}, p.classify(op, err)
		}
		for _, d := range domains {
			name := providers.NormalizeHost(d.Name)
			if inZone(h, name) && len(name) > len(best) {
				best = name
			}
		}
		if resp == nil || resp.Links == nil || resp.Links.IsLastPage() || len(domains) == 0 {
			break
		}
		page, err := resp.Links.CurrentPage()
		if err != nil {
			break
		}
		opt.Page = page + 1
	}
	if best == "" {
		return providers.Zone{}, &providers.Error{Provider: providerName, Op: op, Err: providers.ErrZoneNotFound,
			Message: "no domain that this token can see holds " + h}
	}
	return providers.Zone{ID: best, Name: best}, nil
}

// EnsureCNAME implements providers.DNS: it lists the records at want.Name
// (GET /v2/domains/{domain}/records?name=<fully qualified name>, every
// type), returns an identical CNAME, refuses any other record, and
// otherwise creates the CNAME (name relative to the domain, "@" for the
// apex; data fully qualified, with its trailing dot) with want.TTL
// (DefaultTTL if zero). A create answered 422 (a concurrent caller won,
// or a record appeared) lists again and decides the same way.
// DigitalOcean keeps no comment: want.Comment is not stored.
func (p *Provider) EnsureCNAME(ctx context.Context, zone providers.Zone, want providers.CNAME) (providers.Record, bool, error) {
	const op = "ensure CNAME"
	domain, name, target, ttl, err := checkCNAME(op, zone, want)
	if err != nil {
		return providers.Record{}, false, err
	}
	existing, err := p.recordsAt(ctx, domain, name)
	if err != nil {
		return providers.Record{}, false, err
	}
	if rec, found, err := decide(op, existing, target); found || err != nil {
		return rec, false, err
	}
	relative := "@"
	if name != domain {
		relative = strings.TrimSuffix(name, "."+domain)
	}
	created, _, err := p.client.Domains.CreateRecord(ctx, domain, &godo.DomainRecordEditRequest{
		Type: "CNAME", Name: relative, Data: target + ".", TTL: ttl,
	})
	if err == nil {
		return toRecord(domain, *created), true, nil
	}
	if !unprocessable(err) {
		return providers.Record{}, false, p.classify("create record", err)
	}
	// Refused: someone may have created a record at the name since we
	// looked. Look again.
	existing, err2 := p.recordsAt(ctx, domain, name)
	if err2 != nil {
		return providers.Record{}, false, err2
	}
	rec, found, err2 := decide(op, existing, target)
	if found || err2 != nil {
		return rec, false, err2
	}
	return providers.Record{}, false, p.classify("create record", err)
}

// checkCNAME validates a request and returns its normalized parts.
func checkCNAME(op string, zone providers.Zone, want providers.CNAME) (domain, name, target string, ttl int, err error) {
	var ok bool
	if domain, ok = normalizeHost(zone.Name); !ok {
		return "", "", "", 0, invalid(op, "%q is not a valid domain name", zone.Name)
	}
	if zone.ID != "" && !providers.SameHost(zone.ID, domain) {
		return "", "", "", 0, invalid(op, "zone id %q is not the domain %s", zone.ID, domain)
	}
	if name, ok = normalizeHost(want.Name); !ok {
		return "", "", "", 0, invalid(op, "%q is not a valid host name", want.Name)
	}
	if !inZone(name, domain) {
		return "", "", "", 0, invalid(op, "%s is not in domain %s", name, domain)
	}
	if target, ok = normalizeHost(want.Target); !ok {
		return "", "", "", 0, invalid(op, "%q is not a valid CNAME target", want.Target)
	}
	if target == name {
		return "", "", "", 0, invalid(op, "a CNAME cannot point to itself (%s)", name)
	}
	ttl = want.TTL
	if ttl == 0 {
		ttl = DefaultTTL
	}
	if ttl < minTTL || ttl > maxTTL {
		return "", "", "", 0, invalid(op, "TTL %d is out of range: %d..%d seconds", want.TTL, minTTL, maxTTL)
	}
	return domain, name, target, ttl, nil
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

// recordsAt lists the records whose fully qualified name is name, page by
// page. Records at other names are dropped, should a server ignore the
// filter.
func (p *Provider) recordsAt(ctx context.Context, domain, name string) ([]providers.Record, error) {
	const op = "list records"
	var out []providers.Record
	opt := &godo.ListOptions{Page: 1, PerPage: perPage}
	for range maxPages {
		got, resp, err := p.client.Domains.RecordsByName(ctx, domain, name, opt)
		if err != nil {
			return nil, p.classify(op, err)
		}
		for _, r := range got {
			rec := toRecord(domain, r)
			if providers.SameHost(rec.Name, name) {
				out = append(out, rec)
			}
		}
		if resp == nil || resp.Links == nil || resp.Links.IsLastPage() || len(got) == 0 {
			break
		}
		page, err := resp.Links.CurrentPage()
		if err != nil {
			break
		}
		opt.Page = page + 1
	}
	return out, nil
}

// DeleteRecord removes a record; one that is already gone (404) is
// success.
func (p *Provider) DeleteRecord(ctx context.Context, zone providers.Zone, recordID string) error {
	const op = "delete record"
	domain, ok := normalizeHost(zone.Name)
	if !ok {
		return invalid(op, "%q is not a valid domain name", zone.Name)
	}
	id, err := strconv.Atoi(recordID)
	if err != nil || id <= 0 {
		return invalid(op, "%q is not a DigitalOcean record id", recordID)
	}
	if _, err := p.client.Domains.DeleteRecord(ctx, domain, id); err != nil {
		e := p.classify(op, err)
		if e.Err == providers.ErrNotFound {
			return nil
		}
		return e
	}
	return nil
}

// toRecord converts DigitalOcean's record: its name is relative to the
// domain ("@" the apex), a host name in its data may end with a dot.
func toRecord(domain string, r godo.DomainRecord) providers.Record {
	name := domain
	if r.Name != "@" && r.Name != "" {
		name = providers.NormalizeHost(r.Name) + "." + domain
	}
	content := r.Data
	if strings.EqualFold(r.Type, "CNAME") {
		content = strings.TrimSuffix(content, ".")
		if content == "@" {
			content = domain
		}
	}
	return providers.Record{ID: strconv.Itoa(r.ID), Type: strings.ToUpper(r.Type), Name: name, Content: content, TTL: r.TTL}
}
