// Package route53 is linkgate's Amazon Route 53 adapter: it implements
// providers.DNS on github.com/aws/aws-sdk-go-v2/service/route53 (with only
// the aws and credentials packages besides), lego-style: a Config, a
// validated constructor, and every failure as a *providers.Error prefixed
// "route53" and classified. The SDK's own retries are off (the onboarding
// engine retries transient failures as a step); a change is waited for
// until Route 53 reports it INSYNC.
//
// Credentials are a key pair (an IAM user's access key, or temporary
// credentials with their session token) or, across accounts, a role:
// the client makes an IAM role that trusts linkgate's AWS account, with an
// external ID, and linkgate assumes it through STS AssumeRole with its own
// base credentials (Config.AssumeRole), refreshing the temporary
// credentials as they expire.
//
// Route 53 has no record ids: a record is a resource record set, named by
// its name and type. Record.ID is "<name>|<type>" (name fully qualified,
// no final dot), which DeleteRecord takes back.
package route53

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/linkgate/linkgate/providers"
	"github.com/linkgate/linkgate/providers/ratelimit"
)

const providerName = "route53"

// Defaults.
const (
	// DefaultRegion signs requests: Route 53 is a global service whose
	// endpoint lives in us-east-1.
	DefaultRegion = "us-east-1"
	// DefaultTimeout bounds one HTTP exchange with Route 53.
	DefaultTimeout = 30 * time.Second
	// DefaultPollInterval is how often GetChange is asked whether a change
	// is INSYNC (Route 53 usually takes under a minute).
	DefaultPollInterval = 5 * time.Second
	// DefaultSyncTimeout bounds the wait for INSYNC.
	DefaultSyncTimeout = 3 * time.Minute
	// DefaultRateLimit requests per DefaultRateWindow: Route 53 allows
	// five API requests per second per AWS account and answers the sixth
	// with 400 Throttling.
	DefaultRateLimit  = 5
	DefaultRateWindow = time.Second
)

// DefaultSessionName names linkgate's sessions in the roles it assumes
// (the client's CloudTrail shows it).
const DefaultSessionName = "linkgate"

// AssumeRoleConfig is linkgate's own AWS identity, which clients' roles
// trust: the base credentials it calls STS AssumeRole with.
type AssumeRoleConfig struct {
	// AccessKeyID and SecretAccessKey (SessionToken if temporary) are
	// linkgate's own key. Required.
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	// AccountID is the 12-digit account the key belongs to, which a
	// client's role must trust (shown in the credential forms). Required.
	AccountID string
	// STSEndpoint replaces STS's endpoint (the fake in tests and sandbox
	// mode). Empty: the SDK's.
	STSEndpoint string
	// SessionName names the sessions (default DefaultSessionName).
	SessionName string
	// Duration is how long assumed credentials last (default the SDK's,
	// 15 minutes); they are renewed before they expire.
	Duration time.Duration
}

// Config configures the adapter.
type Config struct {
	// AccessKeyID and SecretAccessKey are an IAM user's (or role's) access
	// key; SessionToken goes with temporary credentials. Required: the
	// key pair, or RoleARN.
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	// RoleARN is a client's role to assume instead of a key pair
	// ("arn:aws:iam::123456789012:role/linkgate"), with the ExternalID its
	// trust policy asks for. It needs AssumeRole.
	RoleARN    string
	ExternalID string
	// AssumeRole is linkgate's own identity for assuming roles; nil: a
	// RoleARN is refused as not configured.
	AssumeRole *AssumeRoleConfig
	// Region signs the requests (default DefaultRegion).
	Region string
	// BaseEndpoint replaces Route 53's endpoint (the fake in tests and
	// sandbox mode). Empty: the SDK's.
	BaseEndpoint string
	// HTTPClient, optional, carries the requests; its Timeout is replaced
	// by Timeout when it has none.
	HTTPClient *http.Client
	// Timeout bounds one HTTP exchange (default DefaultTimeout).
	Timeout time.Duration
	// PollInterval and SyncTimeout drive the wait for INSYNC (defaults
	// DefaultPollInterval, DefaultSyncTimeout).
	PollInterval time.Duration
	SyncTimeout  time.Duration
	// RateLimit requests per RateWindow are sent to Route 53 per
	// credential (access key id or role ARN), whatever the number of
	// adapters Factory made for it (DefaultRateLimit, DefaultRateWindow
	// if zero).
	RateLimit  int
	RateWindow time.Duration
}

var (
	accessKeyPattern = regexp.MustCompile(`^[A-Z0-9]{16,128}$`)
	regionPattern    = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+$`)
	// roleARNPattern is an IAM role's ARN: account id, then path and name.
	roleARNPattern    = regexp.MustCompile(`^arn:aws(-cn|-us-gov)?:iam::\d{12}:role/([\w+=,.@-]+/)*[\w+=,.@-]{1,64}$`)
	externalIDPattern = regexp.MustCompile(`^[\w+=,.@:/-]{2,}$`) // and at most 1224
	accountIDPattern  = regexp.MustCompile(`^\d{12}$`)
)

// ValidAssumeRole checks linkgate's own identity for assuming roles.
func ValidAssumeRole(a AssumeRoleConfig) error {
	switch {
	case !accessKeyPattern.MatchString(strings.TrimSpace(a.AccessKeyID)):
		return errors.New("the access key id is missing or not 16 or more capital letters and digits")
	case strings.TrimSpace(a.SecretAccessKey) == "":
		return errors.New("the secret access key is missing")
	case !accountIDPattern.MatchString(strings.TrimSpace(a.AccountID)):
		return errors.New("the account id must be the 12 digits of the key's AWS account")
	}
	return nil
}

func (c Config) withDefaults() (Config, error) {
	c.AccessKeyID = strings.TrimSpace(c.AccessKeyID)
	c.SecretAccessKey = strings.TrimSpace(c.SecretAccessKey)
	c.SessionToken = strings.TrimSpace(c.SessionToken)
	c.RoleARN = strings.TrimSpace(c.RoleARN)
	c.ExternalID = strings.TrimSpace(c.ExternalID)
	c.Region = strings.TrimSpace(c.Region)
	switch {
	case c.RoleARN != "" && (c.AccessKeyID != "" || c.SecretAccessKey != "" || c.SessionToken != ""):
		return c, credError("role_arn", "give either an access key or a role ARN, not both")
	case c.RoleARN != "" && !roleARNPattern.MatchString(c.RoleARN):
		return c, credError("role_arn", "a role ARN is written arn:aws:iam::<12-digit account id>:role/<name>, as the role's summary page shows it")
	case c.RoleARN != "" && c.ExternalID != "" && (!externalIDPattern.MatchString(c.ExternalID) || len(c.ExternalID) > 1224):
		return c, credError("external_id", "an external ID is 2 to 1224 letters, digits and +=,.@:/-_")
	case c.RoleARN != "" && c.AssumeRole == nil:
		return c, credError("role_arn", "assume-role is not configured on this linkgate (it has no AWS credentials of its own); give an access key instead")
	case c.RoleARN != "":
		if err := ValidAssumeRole(*c.AssumeRole); err != nil {
			return c, &providers.Error{Provider: providerName, Op: "configure", Message: "AssumeRole: " + err.Error()}
		}
	case c.ExternalID != "":
		return c, credError("external_id", "an external ID goes with a role ARN")
	case c.AccessKeyID == "":
		return c, credError("access_key_id", "give the access key id and secret access key, or a role ARN")
	case !accessKeyPattern.MatchString(c.AccessKeyID):
		return c, credError("access_key_id", "an access key id is 16 or more capital letters and digits, such as AKIAIOSFODNN7EXAMPLE")
	case c.SecretAccessKey == "":
		return c, credError("secret_access_key", "the secret access key is missing")
	case strings.ContainsAny(c.SecretAccessKey, " \t\r\n"):
		return c, credError("secret_access_key", "the secret access key has a space in it; copy it again")
	}
	if a := c.AssumeRole; a != nil && a.STSEndpoint != "" {
		u, err := url.Parse(a.STSEndpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return c, &providers.Error{Provider: providerName, Op: "configure", Message: "AssumeRole.STSEndpoint must be an http(s) URL"}
		}
	}
	if c.Region == "" {
		c.Region = DefaultRegion
	}
	if !regionPattern.MatchString(c.Region) {
		return c, credError("region", "a region is written like us-east-1")
	}
	if c.BaseEndpoint != "" {
		u, err := url.Parse(c.BaseEndpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return c, &providers.Error{Provider: providerName, Op: "configure", Message: "BaseEndpoint must be an http(s) URL"}
		}
	}
	if c.Timeout < 0 || c.PollInterval < 0 || c.SyncTimeout < 0 || c.RateLimit < 0 || c.RateWindow < 0 {
		return c, &providers.Error{Provider: providerName, Op: "configure", Message: "Timeout, PollInterval, SyncTimeout, RateLimit and RateWindow must not be negative"}
	}
	if c.RateLimit == 0 {
		c.RateLimit = DefaultRateLimit
	}
	if c.RateWindow == 0 {
		c.RateWindow = DefaultRateWindow
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.PollInterval == 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.SyncTimeout == 0 {
		c.SyncTimeout = DefaultSyncTimeout
	}
	return c, nil
}

// credError is a credential of the wrong shape: permanent, invalid
// credentials, naming the field in its message.
func credError(field, msg string) error {
	return &providers.Error{Provider: providerName, Op: "connect", Err: providers.ErrInvalidCredentials,
		Message: field + ": " + msg}
}

// Provider is one Route 53 account reached with one access key or one
// assumed role. Safe for concurrent use.
type Provider struct {
	cfg     Config
	creds   aws.CredentialsProvider
	client  *r53.Client
	limiter *ratelimit.Window
}

var _ providers.DNS = (*Provider)(nil)

// New checks cfg and builds the adapter, with a rate limiter of its own.
// It does not call Route 53.
func New(cfg Config) (*Provider, error) {
	return newProvider(cfg, nil)
}

// limiterKey is the credential a rate limit is kept for: Route 53 counts
// per account, and a role ARN names its account; an access key belongs to
// one (two keys of one account get two budgets: linkgate cannot tell
// that they share one).
func (c Config) limiterKey() string {
	if c.RoleARN != "" {
		return "role " + c.RoleARN
	}
	return "key " + c.AccessKeyID
}

// throttledClient waits for the rate limiter before each request.
type throttledClient struct {
	c   *http.Client
	lim *ratelimit.Window
}

func (t throttledClient) Do(req *http.Request) (*http.Response, error) {
	if err := t.lim.Wait(req.Context()); err != nil {
		return nil, err
	}
	return t.c.Do(req)
}

// newProvider builds the adapter on limiters' window for its credential
// (nil: a window of its own).
func newProvider(cfg Config, limiters *ratelimit.Registry) (*Provider, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	lim := ratelimit.New(cfg.RateLimit, cfg.RateWindow)
	if limiters != nil {
		lim = limiters.Get(cfg.limiterKey(), cfg.RateLimit, cfg.RateWindow)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	if hc.Timeout == 0 {
		c := *hc
		c.Timeout = cfg.Timeout
		hc = &c
	}
	var creds aws.CredentialsProvider = credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, cfg.SessionToken)
	if cfg.RoleARN != "" {
		a := cfg.AssumeRole
		so := sts.Options{
			Region:      cfg.Region,
			Credentials: credentials.NewStaticCredentialsProvider(strings.TrimSpace(a.AccessKeyID), strings.TrimSpace(a.SecretAccessKey), strings.TrimSpace(a.SessionToken)),
			HTTPClient:  hc,
			Retryer:     aws.NopRetryer{},
		}
		if a.STSEndpoint != "" {
			so.BaseEndpoint = aws.String(a.STSEndpoint)
		}
		creds = stscreds.NewAssumeRoleProvider(sts.New(so), cfg.RoleARN, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = a.SessionName
			if o.RoleSessionName == "" {
				o.RoleSessionName = DefaultSessionName
			}
			if cfg.ExternalID != "" {
				o.ExternalID = aws.String(cfg.ExternalID)
			}
			if a.Duration > 0 {
				o.Duration = a.Duration
			}
		})
	}
	cache := aws.NewCredentialsCache(creds)
	opts := r53.Options{
		Region:      cfg.Region,
		Credentials: cache,
		HTTPClient:  throttledClient{c: hc, lim: lim},
		Retryer:     aws.NopRetryer{},
	}
	if cfg.BaseEndpoint != "" {
		opts.BaseEndpoint = aws.String(cfg.BaseEndpoint)
	}
	return &Provider{cfg: cfg, creds: cache, client: r53.New(opts), limiter: lim}, nil
}

// Factory returns a providers.DNSFactory that connects with a client's
// credentials ({"access_key_id", "secret_access_key", and optionally
// "session_token"; or "role_arn" and optionally "external_id"; and
// optionally "region"}) on top of base (whose key and role fields are
// ignored; its AssumeRole is linkgate's own identity). Providers made by
// one Factory for the same access key or role share one rate limiter.
func Factory(base Config) providers.DNSFactory {
	limiters := &ratelimit.Registry{}
	return func(creds map[string]string) (providers.DNS, error) {
		cfg := base
		cfg.AccessKeyID, cfg.SecretAccessKey = creds["access_key_id"], creds["secret_access_key"]
		cfg.SessionToken, cfg.Region = creds["session_token"], creds["region"]
		cfg.RoleARN, cfg.ExternalID = creds["role_arn"], creds["external_id"]
		return newProvider(cfg, limiters)
	}
}

// Host describes Route 53 for the list of DNS hosts (providers.DNSHosts):
// a key pair, or a role to assume, whose help names the account it must
// trust (base.AssumeRole's, or says assume-role is not available here).
func Host(base Config) providers.DNSHost {
	const (
		iam   = "https://console.aws.amazon.com/iam/home#/security_credentials"
		roles = "https://console.aws.amazon.com/iam/home#/roles"
	)
	roleHelp := "Not available here: this linkgate has no AWS account of its own to assume roles from. Give an access key instead."
	if a := base.AssumeRole; a != nil {
		roleHelp = "Or, instead of an access key: an IAM role in your account (IAM → Roles → Create role → Another AWS account) " +
			"that trusts linkgate's AWS account " + strings.TrimSpace(a.AccountID) + ", with the external ID below required, " +
			"allowed route53:ListHostedZones, ListResourceRecordSets, ChangeResourceRecordSets and GetChange. Paste its ARN."
	}
	return providers.DNSHost{Name: providerName, Label: "Amazon Route 53", Factory: Factory(base),
		Fields: []providers.CredentialField{
			{Name: "access_key_id", Label: "Access key ID", Optional: true,
				Help:    "Give an access key (these two fields) or a role (Role ARN below). An IAM user's access key (IAM → Users → Security credentials → Create access key), allowed route53:ListHostedZones, ListResourceRecordSets, ChangeResourceRecordSets and GetChange.",
				HelpURL: iam},
			{Name: "secret_access_key", Label: "Secret access key", Secret: true, Optional: true,
				Help: "Shown once, next to the access key ID, when the key is created.", HelpURL: iam},
			{Name: "session_token", Label: "Session token", Secret: true, Optional: true,
				Help: "Only for temporary credentials (from AWS STS or IAM Identity Center); leave empty for an IAM user's key."},
			{Name: "role_arn", Label: "Role ARN", Optional: true, Help: roleHelp, HelpURL: roles},
			{Name: "external_id", Label: "External ID", Secret: true, Optional: true,
				Help: "The external ID the role's trust policy requires (sts:ExternalId), if any: a value you choose and keep to yourself."},
			{Name: "region", Label: "Region", Optional: true,
				Help: "Leave empty: Route 53 is global (us-east-1 signs its requests)."},
		}}
}

// CheckCredentials implements providers.DNS: GetHostedZoneCount, the
// cheapest call that needs the key to be valid and allowed to read zones.
// With a role, the role is assumed first: STS's refusal is reported on
// role_arn.
func (p *Provider) CheckCredentials(ctx context.Context) error {
	if p.cfg.RoleARN != "" {
		if _, err := p.creds.Retrieve(ctx); err != nil {
			e := classify("assume role", err).(*providers.Error)
			if !e.Transient {
				e.Op = "connect"
				e.Err = providers.ErrInvalidCredentials
				e.Message = "role_arn: AWS STS refused to let linkgate assume this role (" + e.Message +
					"); check that the role trusts linkgate's account and that the external ID is the one its trust policy asks for"
			}
			return e
		}
	}
	if _, err := p.client.GetHostedZoneCount(ctx, &r53.GetHostedZoneCountInput{}); err != nil {
		return classify("check credentials", err)
	}
	return nil
}

// Zone implements providers.DNS over every public hosted zone the key can
// list (private zones are ignored: the Internet never sees them).
func (p *Provider) Zone(ctx context.Context, host string) (providers.Zone, error) {
	host = providers.NormalizeHost(host)
	var best providers.Zone
	pages := r53.NewListHostedZonesPaginator(p.client, &r53.ListHostedZonesInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return providers.Zone{}, classify("list hosted zones", err)
		}
		for _, z := range page.HostedZones {
			if z.Config != nil && z.Config.PrivateZone {
				continue
			}
			name := providers.NormalizeHost(aws.ToString(z.Name))
			if name != host && !strings.HasSuffix(host, "."+name) {
				continue
			}
			if len(name) > len(best.Name) {
				best = providers.Zone{ID: strings.TrimPrefix(aws.ToString(z.Id), "/hostedzone/"), Name: name}
			}
		}
	}
	if best.ID == "" {
		return providers.Zone{}, &providers.Error{Provider: providerName, Op: "find zone", Err: providers.ErrZoneNotFound,
			Message: "no public hosted zone holds " + host}
	}
	return best, nil
}

// recordID names a record set.
func recordID(name, typ string) string { return name + "|" + typ }

// recordsAt lists the record sets named name in zone.
func (p *Provider) recordsAt(ctx context.Context, zone providers.Zone, name string) ([]types.ResourceRecordSet, error) {
	var out []types.ResourceRecordSet
	in := &r53.ListResourceRecordSetsInput{HostedZoneId: aws.String(zone.ID), StartRecordName: aws.String(name + "."), MaxItems: aws.Int32(100)}
	for {
		page, err := p.client.ListResourceRecordSets(ctx, in)
		if err != nil {
			return nil, classify("list records", err)
		}
		for _, rs := range page.ResourceRecordSets {
			if !providers.SameHost(unescape(aws.ToString(rs.Name)), name) {
				// Sets come sorted by name: past ours, nothing more.
				return out, nil
			}
			out = append(out, rs)
		}
		if !page.IsTruncated || page.NextRecordName == nil {
			return out, nil
		}
		in.StartRecordName, in.StartRecordType, in.StartRecordIdentifier = page.NextRecordName, page.NextRecordType, page.NextRecordIdentifier
	}
}

// unescape undoes Route 53's octal escapes in names ("\052" for "*").
func unescape(name string) string {
	if !strings.Contains(name, `\`) {
		return name
	}
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		if name[i] == '\\' && i+3 < len(name) {
			var c int
			if _, err := fmt.Sscanf(name[i+1:i+4], "%03o", &c); err == nil {
				b.WriteByte(byte(c))
				i += 3
				continue
			}
		}
		b.WriteByte(name[i])
	}
	return b.String()
}

// toRecord renders a record set as a providers.Record (its first value).
func toRecord(rs types.ResourceRecordSet) providers.Record {
	name := providers.NormalizeHost(unescape(aws.ToString(rs.Name)))
	r := providers.Record{ID: recordID(name, string(rs.Type)), Type: string(rs.Type), Name: name, TTL: int(aws.ToInt64(rs.TTL))}
	if len(rs.ResourceRecords) > 0 {
		r.Content = aws.ToString(rs.ResourceRecords[0].Value)
	} else if rs.AliasTarget != nil {
		r.Content = aws.ToString(rs.AliasTarget.DNSName)
	}
	return r
}

// EnsureCNAME implements providers.DNS. It lists the record sets at
// want.Name: an identical CNAME is success without a write (Route 53
// keeps no comment on a record, so there is nothing of ours to refresh
// and no UPSERT is ever sent: an UPSERT would overwrite a record that is
// not ours); another set at the name is a conflict; none: a CREATE change,
// then GetChange until INSYNC. A CREATE refused because the set appeared
// meanwhile ("already exists") lists again and decides as above.
func (p *Provider) EnsureCNAME(ctx context.Context, zone providers.Zone, want providers.CNAME) (providers.Record, bool, error) {
	name := providers.NormalizeHost(want.Name)
	target := providers.NormalizeHost(want.Target) + "."
	ttl := int64(want.TTL)
	if ttl <= 0 {
		ttl = 300
	}
	for attempt := 0; ; attempt++ {
		sets, err := p.recordsAt(ctx, zone, name)
		if err != nil {
			return providers.Record{}, false, err
		}
		if rec, ok, err := decide(sets, target); ok || err != nil {
			return rec, false, err
		}
		comment := want.Comment
		if comment == "" {
			comment = "linkgate"
		}
		rs := types.ResourceRecordSet{Name: aws.String(name + "."), Type: types.RRTypeCname, TTL: aws.Int64(ttl),
			ResourceRecords: []types.ResourceRecord{{Value: aws.String(target)}}}
		out, err := p.client.ChangeResourceRecordSets(ctx, &r53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(zone.ID),
			ChangeBatch: &types.ChangeBatch{Comment: aws.String(comment),
				Changes: []types.Change{{Action: types.ChangeActionCreate, ResourceRecordSet: &rs}}}})
		if err != nil {
			if alreadyExists(err) && attempt == 0 {
				continue
			}
			return providers.Record{}, false, classify("create record", err)
		}
		if err := p.waitInSync(ctx, out.ChangeInfo); err != nil {
			return providers.Record{}, false, err
		}
		rec := toRecord(rs)
		rec.Comment = comment // kept with the change, not the record
		return rec, true, nil
	}
}

// decide applies the contract to the sets found at the name: ok with the
// record when one is the CNAME wanted, a conflict when another is there.
func decide(sets []types.ResourceRecordSet, target string) (providers.Record, bool, error) {
	for _, rs := range sets {
		r := toRecord(rs)
		if rs.Type == types.RRTypeCname && len(rs.ResourceRecords) == 1 && rs.AliasTarget == nil && providers.SameHost(r.Content, target) {
			return r, true, nil
		}
	}
	if len(sets) > 0 {
		return providers.Record{}, false, &providers.Error{Provider: providerName, Op: "create record",
			Err: &providers.ConflictingRecordError{Existing: toRecord(sets[0])}}
	}
	return providers.Record{}, false, nil
}

// waitInSync polls GetChange until the change is INSYNC.
func (p *Provider) waitInSync(ctx context.Context, info *types.ChangeInfo) error {
	if info == nil || info.Status == types.ChangeStatusInsync {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, p.cfg.SyncTimeout)
	defer cancel()
	t := time.NewTicker(p.cfg.PollInterval)
	defer t.Stop()
	id := aws.ToString(info.Id)
	for {
		select {
		case <-ctx.Done():
			return &providers.Error{Provider: providerName, Op: "wait for the change", Transient: true,
				Message: "change " + id + " is not INSYNC yet: " + ctx.Err().Error()}
		case <-t.C:
		}
		out, err := p.client.GetChange(ctx, &r53.GetChangeInput{Id: aws.String(id)})
		if err != nil {
			return classify("wait for the change", err)
		}
		if out.ChangeInfo != nil && out.ChangeInfo.Status == types.ChangeStatusInsync {
			return nil
		}
	}
}

// DeleteRecord implements providers.DNS: it deletes the record set named
// by recordID ("<name>|<type>") with its current values. Already gone:
// success.
func (p *Provider) DeleteRecord(ctx context.Context, zone providers.Zone, id string) error {
	name, typ, ok := strings.Cut(id, "|")
	if !ok || name == "" || typ == "" {
		return &providers.Error{Provider: providerName, Op: "delete record", Message: "bad record id " + id}
	}
	for attempt := 0; ; attempt++ {
		sets, err := p.recordsAt(ctx, zone, providers.NormalizeHost(name))
		if err != nil {
			return err
		}
		var found *types.ResourceRecordSet
		for i := range sets {
			if string(sets[i].Type) == typ {
				found = &sets[i]
				break
			}
		}
		if found == nil {
			return nil
		}
		out, err := p.client.ChangeResourceRecordSets(ctx, &r53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(zone.ID),
			ChangeBatch: &types.ChangeBatch{Changes: []types.Change{{Action: types.ChangeActionDelete, ResourceRecordSet: found}}}})
		if err != nil {
			// Deleted (or changed) meanwhile: look again.
			var icb *types.InvalidChangeBatch
			if errors.As(err, &icb) && attempt == 0 {
				continue
			}
			return classify("delete record", err)
		}
		return p.waitInSync(ctx, out.ChangeInfo)
	}
}
