package cloudflare

import (
	"context"
	"net/http"
	"regexp"
	"strings"

	"github.com/cloudflare/cloudflare-go/v7/dns"
	"github.com/cloudflare/cloudflare-go/v7/option"
	"github.com/cloudflare/cloudflare-go/v7/zones"

	"github.com/linkgate/linkgate/providers"
)

const (
	// zonesPerPage is the smallest page of GET /zones its OpenAPI document
	// allows (5..50); CheckCredentials only needs to know the call works.
	zonesPerPage = 5
	// recordsPerPage is a page of GET /zones/{id}/dns_records. One name
	// holds a handful of records, so one page is the rule.
	recordsPerPage = 100
	// maxRecordPages bounds a listing at one name.
	maxRecordPages = 10
	// minTTL and maxTTL bound a TTL in seconds (1 means automatic; 30 is
	// allowed on Enterprise zones only, 60 elsewhere).
	minTTL = 30
	maxTTL = 86400
)

var (
	// hostLabel is one label of a DNS name in Punycode; underscores are
	// allowed for service labels (_acme-challenge).
	hostLabel = regexp.MustCompile(`^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$`)
	// cloudflareID is a zone or record identifier.
	cloudflareID = regexp.MustCompile(`^[0-9a-fA-F]{32}$`)
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

// CheckCredentials lists one page of zones: Cloudflare answers a bad,
// expired or revoked token with an authentication error, and a token that
// cannot list zones is of no use to linkgate either.
func (p *Provider) CheckCredentials(ctx context.Context) error {
	const op = "check credentials"
	var params zones.ZoneListParams
	params.PerPage.Value, params.PerPage.Present = zonesPerPage, true
	var res *http.Response
	if _, err := p.zones.List(ctx, params, option.WithResponseInto(&res)); err != nil {
		return p.classify(op, res, err)
	}
	return nil
}

// Zone finds the active zone holding host: it asks for each suffix of host
// at a label boundary, longest first, by exact name (GET
// /zones?name=...&status=active), so "eu.acme.com" wins over "acme.com" and
// "cme.com" is never asked about for "ls.acme.com".
func (p *Provider) Zone(ctx context.Context, host string) (providers.Zone, error) {
	const op = "find zone"
	h, ok := normalizeHost(host)
	if !ok {
		return providers.Zone{}, invalid(op, "%q is not a valid host name", host)
	}
	labels := strings.Split(h, ".")
	for i := 0; i < len(labels)-1; i++ {
		candidate := strings.Join(labels[i:], ".")
		z, found, err := p.zoneNamed(ctx, op, candidate)
		if err != nil {
			return providers.Zone{}, err
		}
		if found {
			return z, nil
		}
	}
	return providers.Zone{}, &providers.Error{Provider: providerName, Op: op, Err: providers.ErrZoneNotFound,
		Message: "no active zone that this token can see holds " + h}
}

// zoneNamed looks up the active zone called name.
func (p *Provider) zoneNamed(ctx context.Context, op, name string) (providers.Zone, bool, error) {
	var params zones.ZoneListParams
	params.Name.Value, params.Name.Present = name, true
	params.Status.Value, params.Status.Present = zones.ZoneListParamsStatusActive, true
	var res *http.Response
	page, err := p.zones.List(ctx, params, option.WithResponseInto(&res))
	if err != nil {
		return providers.Zone{}, false, p.classify(op, res, err)
	}
	for _, z := range page.Result {
		if providers.SameHost(z.Name, name) && cloudflareID.MatchString(z.ID) {
			return providers.Zone{ID: z.ID, Name: providers.NormalizeHost(z.Name)}, true, nil
		}
	}
	return providers.Zone{}, false, nil
}

// EnsureCNAME implements providers.DNS: it lists the records at want.Name
// (GET /zones/{id}/dns_records?name.exact=...), returns an identical CNAME,
// refuses any other record, and otherwise creates the CNAME unproxied with
// want.TTL (1, automatic, if zero) and want.Comment (the Config's Comment
// if empty). A create answered 81053/81054/81057/81058 ("already exists":
// a concurrent caller won) lists again and decides the same way.
func (p *Provider) EnsureCNAME(ctx context.Context, zone providers.Zone, want providers.CNAME) (providers.Record, bool, error) {
	const op = "ensure CNAME"
	name, target, ttl, comment, err := p.checkCNAME(op, zone, want)
	if err != nil {
		return providers.Record{}, false, err
	}
	existing, err := p.recordsAt(ctx, zone, name)
	if err != nil {
		return providers.Record{}, false, err
	}
	if rec, found, err := decide(op, existing, target); found || err != nil {
		return rec, false, err
	}

	var body dns.CNAMERecordParam
	body.Type.Value, body.Type.Present = dns.CNAMERecordTypeCNAME, true
	body.Name.Value, body.Name.Present = name, true
	body.Content.Value, body.Content.Present = target, true
	body.TTL.Value, body.TTL.Present = dns.TTL(ttl), true
	body.Proxied.Value, body.Proxied.Present = false, true
	body.Comment.Value, body.Comment.Present = comment, true
	var params dns.RecordNewParams
	params.ZoneID.Value, params.ZoneID.Present = zone.ID, true
	params.Body = body
	var res *http.Response
	created, err := p.records.New(ctx, params, option.WithResponseInto(&res))
	if err == nil {
		return toRecord(created), true, nil
	}
	if !alreadyExists(err) {
		return providers.Record{}, false, p.classify("create record", res, err)
	}
	// Someone created a record at the name since we looked: look again.
	existing, err2 := p.recordsAt(ctx, zone, name)
	if err2 != nil {
		return providers.Record{}, false, err2
	}
	rec, found, err2 := decide(op, existing, target)
	if found || err2 != nil {
		return rec, false, err2
	}
	// "Already exists", yet nothing is listed: the listing lags behind.
	e := p.classify("create record", res, err)
	e.Transient = true
	return providers.Record{}, false, e
}

// checkCNAME validates a request and returns its normalized parts.
func (p *Provider) checkCNAME(op string, zone providers.Zone, want providers.CNAME) (name, target string, ttl int, comment string, err error) {
	if !cloudflareID.MatchString(zone.ID) {
		return "", "", 0, "", invalid(op, "%q is not a Cloudflare zone id", zone.ID)
	}
	zoneName, ok := normalizeHost(zone.Name)
	if !ok {
		return "", "", 0, "", invalid(op, "%q is not a valid zone name", zone.Name)
	}
	if name, ok = normalizeHost(want.Name); !ok {
		return "", "", 0, "", invalid(op, "%q is not a valid host name", want.Name)
	}
	if !inZone(name, zoneName) {
		return "", "", 0, "", invalid(op, "%s is not in zone %s", name, zoneName)
	}
	// Cloudflare keeps CNAME targets without the trailing dot.
	if target, ok = normalizeHost(want.Target); !ok {
		return "", "", 0, "", invalid(op, "%q is not a valid CNAME target", want.Target)
	}
	if target == name {
		return "", "", 0, "", invalid(op, "a CNAME cannot point to itself (%s)", name)
	}
	ttl = want.TTL
	if ttl == 0 {
		ttl = 1
	}
	if ttl != 1 && (ttl < minTTL || ttl > maxTTL) {
		return "", "", 0, "", invalid(op, "TTL %d is out of range: 1 (automatic) or %d..%d seconds", want.TTL, minTTL, maxTTL)
	}
	comment = want.Comment
	if comment == "" {
		comment = p.comment
	}
	if err := checkComment(comment); err != nil {
		return "", "", 0, "", invalid(op, "%s", strings.TrimPrefix(err.Error(), "cloudflare: "))
	}
	return name, target, ttl, comment, nil
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

// recordsAt lists the records whose name is exactly name, page by page
// until a short page. Records at other names are dropped, should a server
// ignore the filter.
func (p *Provider) recordsAt(ctx context.Context, zone providers.Zone, name string) ([]providers.Record, error) {
	const op = "list records"
	var out []providers.Record
	for page := 1; page <= maxRecordPages; page++ {
		var filter dns.RecordListParamsName
		filter.Exact.Value, filter.Exact.Present = name, true
		var params dns.RecordListParams
		params.ZoneID.Value, params.ZoneID.Present = zone.ID, true
		params.Name.Value, params.Name.Present = filter, true
		params.Page.Value, params.Page.Present = float64(page), true
		params.PerPage.Value, params.PerPage.Present = recordsPerPage, true
		var res *http.Response
		got, err := p.records.List(ctx, params, option.WithResponseInto(&res))
		if err != nil {
			return nil, p.classify(op, res, err)
		}
		for _, r := range got.Result {
			if providers.SameHost(r.Name, name) {
				out = append(out, toRecord(&r))
			}
		}
		if len(got.Result) < recordsPerPage {
			break
		}
	}
	return out, nil
}

// DeleteRecord removes a record; one that is already gone (404, 81044) is
// success.
func (p *Provider) DeleteRecord(ctx context.Context, zone providers.Zone, recordID string) error {
	const op = "delete record"
	if !cloudflareID.MatchString(zone.ID) {
		return invalid(op, "%q is not a Cloudflare zone id", zone.ID)
	}
	if !cloudflareID.MatchString(recordID) {
		return invalid(op, "%q is not a Cloudflare record id", recordID)
	}
	var params dns.RecordDeleteParams
	params.ZoneID.Value, params.ZoneID.Present = zone.ID, true
	var res *http.Response
	if _, err := p.records.Delete(ctx, recordID, params, option.WithResponseInto(&res)); err != nil {
		e := p.classify(op, res, err)
		if e.Err == providers.ErrNotFound {
			return nil
		}
		return e
	}
	return nil
}

// toRecord converts Cloudflare's record.
func toRecord(r *dns.RecordResponse) providers.Record {
	return providers.Record{
		ID:      r.ID,
		Type:    string(r.Type),
		Name:    providers.NormalizeHost(r.Name),
		Content: r.Content,
		TTL:     int(r.TTL),
		Proxied: r.Proxied,
		Comment: r.Comment,
	}
}
