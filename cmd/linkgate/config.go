package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/hostname"
	"github.com/linkgate/linkgate/providers/route53"
	"github.com/linkgate/linkgate/workflows"
)

// Config is the service configuration, read from the environment and
// overridden by flags.
type Config struct {
	Addr      string
	PublicURL string
	// publicURLFromAddr: LINKGATE_PUBLIC_URL was not set, so PublicURL is
	// http://<listen address> (serve fills in the port when it is 0).
	publicURLFromAddr bool
	DatabaseURL       string
	DataDir           string
	BootstrapKey      string
	AdminEmail        string
	AdminPassword     string
	Sandbox           bool
	TwilioSID         string
	TwilioToken       string
	// AWSAssumeRole is linkgate's own AWS identity, from which it assumes
	// the Route 53 roles clients give it (LINKGATE_AWS_ACCESS_KEY_ID,
	// LINKGATE_AWS_SECRET_ACCESS_KEY, LINKGATE_AWS_ACCOUNT_ID, all three or
	// none; LINKGATE_AWS_SESSION_TOKEN optional). Nil: no assume-role.
	AWSAssumeRole *route53.AssumeRoleConfig
	SMTPURL       string
	CNAMETarget   string
	CNAMETTL      int
	// TrackingCNAMETarget is where the CNAME of a url_tracking domain
	// points (LINKGATE_TRACKING_CNAME_TARGET, a host name; a final dot is
	// added). Unset outside sandbox mode: url_tracking domains are then
	// refused (422 naming purpose). Sandbox default
	// sandboxTrackingCNAMETarget.
	TrackingCNAMETarget string
	// TrackingDomain is the platform's own tracking host, used when a
	// client names no tracking domain of its own (LINKGATE_TRACKING_DOMAIN,
	// a host name such as dyn.co). Unset outside sandbox mode; sandbox
	// default sandboxTrackingDomain.
	TrackingDomain string
	// NotifyAdmins are told, as well as the client, when a domain fails,
	// a certificate expires soon or a registration link expires unused
	// (LINKGATE_NOTIFY_ADMINS, e-mail addresses, comma-separated).
	NotifyAdmins []string
	LogLevel     string
	PlatformName string
	MailFrom     string
	// ProviderTimeout bounds one call to Twilio or a DNS provider
	// (LINKGATE_PROVIDER_TIMEOUT, a Go duration from 1s to 5m; default
	// 30s). A call that takes longer is retried as a transient error.
	ProviderTimeout time.Duration
	// RegistrationTTL is how long a registration link works
	// (LINKGATE_REGISTRATION_TTL, a Go duration; default 7 days).
	RegistrationTTL time.Duration
	// Reminders are when reminder e-mails go out after a link is sent
	// (LINKGATE_REGISTRATION_REMINDERS, e.g. "72h,144h"; default day 3
	// and day 6; "none" sends none).
	Reminders []time.Duration
	// PageLimits rate-limits the registration pages
	// (LINKGATE_REGISTER_RATE_PER_IP, _PER_TOKEN, _SIGNIN as N/DURATION).
	PageLimits handlers.PageLimits
	// MetricsAddr is where /metrics is served, on a listener of its own
	// (LINKGATE_METRICS_ADDR, host:port; default 127.0.0.1:9464; "off"
	// gives ""): never on the public listener.
	MetricsAddr string
	// DebugAddr is where net/http/pprof is served, on a listener of its
	// own (LINKGATE_DEBUG_ADDR, host:port; default "" or "off": none). The
	// host must be a loopback address unless DebugAllowRemote
	// (LINKGATE_DEBUG_ALLOW_REMOTE=1): profiles show a process's insides.
	DebugAddr        string
	DebugAllowRemote bool
	// ReconcileInterval is how often the reconciler compares every live
	// domain with Twilio and DNS (LINKGATE_RECONCILE_INTERVAL, a Go
	// duration from 1m to 24h; default 1h; "off" gives 0: no periodic run).
	ReconcileInterval time.Duration
	// ClickScanWindow (LINKGATE_CLICK_SCAN_WINDOW, a Go duration up to 1m,
	// or "off"): a click this soon after its message's delivery is taken
	// for a scanner's. Default 5s; in sandbox mode off (negative), since
	// its deliveries are simulated and a person taps right after them.
	// 0 here: that default (clickScanWindow).
	ClickScanWindow time.Duration
	// SyncClicks (LINKGATE_CLICK_SYNC=1): the redirector's 302 waits until
	// its click is fdatasync'd in the click journal, not only written
	// (redirect.Config.SyncClicks).
	SyncClicks bool
	// IngestProc (LINKGATE_INGEST_PROC, on by default; "off" turns it
	// off): serve raises GOMAXPROCS by one for the redirector's click
	// ingest (redirect.AddIngestProc).
	IngestProc bool
	// SandboxPeer (LINKGATE_SANDBOX_PEER, sandbox mode only) is the base
	// URL of another replica in sandbox mode on the same database whose
	// fake Twilio this one uses, so that several replicas share one
	// Twilio as they would in production (the fakes live in a process).
	SandboxPeer string
	// SandboxLatency (LINKGATE_SANDBOX_LATENCY, sandbox mode only: "20ms"
	// or fixed+jitter "15ms+10ms", each at most 10s) delays every answer
	// of the fake Twilio and Cloudflare, as a network would.
	SandboxLatency mocks.Latency
	// SendRate is how many messages per second a campaign sends through
	// one Messaging Service (LINKGATE_SEND_RATE, 0.1 to 1000; default 10):
	// Twilio queues what a sender cannot take at once, so match the
	// senders' throughput.
	SendRate float64
	// Reputation names the DNS blocklists new and live domains are checked
	// against (LINKGATE_REPUTATION: comma-separated spamhaus-dbl, surbl;
	// default none outside sandbox mode, whose fake source always runs),
	// asked through ReputationResolvers (LINKGATE_REPUTATION_RESOLVERS,
	// comma-separated ip:port; default the system's resolv.conf).
	Reputation          []string
	ReputationResolvers []string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client (LINKGATE_TRUSTED_PROXIES, comma-separated IPs or CIDRs).
	TrustedProxies []string
	// AutoArchiveAfter is how long a configured domain may go unused
	// before it is archived (LINKGATE_AUTO_ARCHIVE_AFTER, a Go duration
	// from 192h (8 days: the 7-day warning must fit) to 87600h (10 years);
	// default 2160h = 90 days; "off" gives a negative value: never).
	AutoArchiveAfter time.Duration
	// LinkRetention is how long tracked links and their clicks are kept
	// (LINKGATE_LINK_RETENTION, a Go duration from 24h to 87600h; default
	// 9600h = 400 days); a daily job deletes older ones.
	LinkRetention time.Duration
}

// Bounds of LINKGATE_AUTO_ARCHIVE_AFTER.
const (
	minAutoArchiveAfter = 192 * time.Hour
	maxAutoArchiveAfter = 87600 * time.Hour
)

// readAutoArchive reads LINKGATE_AUTO_ARCHIVE_AFTER.
func (c *Config) readAutoArchive(env func(string) string) error {
	c.AutoArchiveAfter = models.DefaultAutoArchiveAfter
	v := strings.TrimSpace(env("LINKGATE_AUTO_ARCHIVE_AFTER"))
	switch {
	case v == "":
		return nil
	case strings.EqualFold(v, "off"):
		c.AutoArchiveAfter = -1
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < minAutoArchiveAfter || d > maxAutoArchiveAfter {
		return errors.New(`LINKGATE_AUTO_ARCHIVE_AFTER: must be a duration between 192h (8 days) and 87600h (10 years), e.g. 2160h, or "off"`)
	}
	c.AutoArchiveAfter = d
	return nil
}

// readAWS reads linkgate's own AWS identity for assume-role.
func (c *Config) readAWS(env func(string) string) error {
	a := route53.AssumeRoleConfig{AccessKeyID: strings.TrimSpace(env("LINKGATE_AWS_ACCESS_KEY_ID")),
		SecretAccessKey: strings.TrimSpace(env("LINKGATE_AWS_SECRET_ACCESS_KEY")),
		SessionToken:    strings.TrimSpace(env("LINKGATE_AWS_SESSION_TOKEN")),
		AccountID:       strings.TrimSpace(env("LINKGATE_AWS_ACCOUNT_ID"))}
	if a.AccessKeyID == "" && a.SecretAccessKey == "" && a.AccountID == "" && a.SessionToken == "" {
		return nil
	}
	if err := route53.ValidAssumeRole(a); err != nil {
		return errors.New("LINKGATE_AWS_ACCESS_KEY_ID, LINKGATE_AWS_SECRET_ACCESS_KEY and LINKGATE_AWS_ACCOUNT_ID go together: " + err.Error())
	}
	c.AWSAssumeRole = &a
	return nil
}

// loadConfig reads the environment, then parses flags over it.
func (m *Main) loadConfig(name string, args []string) (Config, *flag.FlagSet, error) {
	env := m.Getenv
	c := Config{
		Addr:                or(env("LINKGATE_ADDR"), ":8080"),
		PublicURL:           env("LINKGATE_PUBLIC_URL"),
		DatabaseURL:         env("DATABASE_URL"),
		DataDir:             or(env("LINKGATE_DATA_DIR"), "./data"),
		BootstrapKey:        env("LINKGATE_BOOTSTRAP_ADMIN_KEY"),
		AdminEmail:          env("LINKGATE_BOOTSTRAP_ADMIN_EMAIL"),
		AdminPassword:       env("LINKGATE_BOOTSTRAP_ADMIN_PASSWORD"),
		Sandbox:             env("LINKGATE_SANDBOX") == "1" || strings.EqualFold(env("LINKGATE_SANDBOX"), "true"),
		TwilioSID:           env("TWILIO_ACCOUNT_SID"),
		TwilioToken:         env("TWILIO_AUTH_TOKEN"),
		SMTPURL:             env("SMTP_URL"),
		CNAMETarget:         or(env("LINKGATE_CNAME_TARGET"), "lsct.ashburn.us1.twilio.com."),
		TrackingCNAMETarget: strings.TrimSpace(env("LINKGATE_TRACKING_CNAME_TARGET")),
		TrackingDomain:      strings.TrimSpace(env("LINKGATE_TRACKING_DOMAIN")),
		LogLevel:            or(env("LINKGATE_LOG_LEVEL"), "info"),
		PlatformName:        or(env("LINKGATE_PLATFORM_NAME"), "linkgate"),
		MailFrom:            or(env("LINKGATE_MAIL_FROM"), "linkgate <no-reply@localhost>"),
		MetricsAddr:         or(env("LINKGATE_METRICS_ADDR"), "127.0.0.1:9464"),
		DebugAddr:           strings.TrimSpace(env("LINKGATE_DEBUG_ADDR")),
		DebugAllowRemote:    env("LINKGATE_DEBUG_ALLOW_REMOTE") == "1" || strings.EqualFold(env("LINKGATE_DEBUG_ALLOW_REMOTE"), "true"),
		SyncClicks:          env("LINKGATE_CLICK_SYNC") == "1" || strings.EqualFold(env("LINKGATE_CLICK_SYNC"), "true"),
		SandboxPeer:         strings.TrimRight(env("LINKGATE_SANDBOX_PEER"), "/"),
	}
	ttl := or(env("LINKGATE_CNAME_TTL"), "600")
	if err := c.readRegistrationEnv(env); err != nil {
		return c, nil, err
	}
	if err := c.readAutoArchive(env); err != nil {
		return c, nil, err
	}
	c.LinkRetention = workflows.DefaultLinkRetention
	if v := strings.TrimSpace(env("LINKGATE_LINK_RETENTION")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 24*time.Hour || d > 87600*time.Hour {
			return c, nil, errors.New("LINKGATE_LINK_RETENTION: must be a duration between 24h and 87600h, e.g. 9600h (400 days)")
		}
		c.LinkRetention = d
	}
	c.ProviderTimeout = 30 * time.Second
	if v := env("LINKGATE_PROVIDER_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > 5*time.Minute {
			return c, nil, errors.New("LINKGATE_PROVIDER_TIMEOUT: must be a duration between 1s and 5m, e.g. 30s")
		}
		c.ProviderTimeout = d
	}
	c.ReconcileInterval = time.Hour
	if v := env("LINKGATE_RECONCILE_INTERVAL"); strings.EqualFold(v, "off") {
		c.ReconcileInterval = 0
	} else if v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Minute || d > 24*time.Hour {
			return c, nil, errors.New(`LINKGATE_RECONCILE_INTERVAL: must be a duration between 1m and 24h, e.g. 1h, or "off"`)
		}
		c.ReconcileInterval = d
	}
	switch v := strings.ToLower(strings.TrimSpace(env("LINKGATE_INGEST_PROC"))); v {
	case "", "on", "1", "true":
		c.IngestProc = true
	case "off", "0", "false":
	default:
		return c, nil, errors.New(`LINKGATE_INGEST_PROC: must be "on" or "off"`)
	}
	if v := env("LINKGATE_CLICK_SCAN_WINDOW"); strings.EqualFold(v, "off") {
		c.ClickScanWindow = -1
	} else if v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > time.Minute {
			return c, nil, errors.New(`LINKGATE_CLICK_SCAN_WINDOW: must be a duration up to 1m, e.g. 5s, or "off"`)
		}
		c.ClickScanWindow = d
	}
	if v := strings.TrimSpace(env("LINKGATE_SANDBOX_LATENCY")); v != "" {
		l, err := parseLatency(v)
		if err != nil {
			return c, nil, errors.New(`LINKGATE_SANDBOX_LATENCY: must be a duration up to 10s, or fixed+jitter, e.g. 20ms or 15ms+10ms`)
		}
		c.SandboxLatency = l
	}
	c.SendRate = 10
	if v := env("LINKGATE_SEND_RATE"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0.1 || f > 1000 {
			return c, nil, errors.New("LINKGATE_SEND_RATE: must be a number of messages per second from 0.1 to 1000, e.g. 10")
		}
		c.SendRate = f
	}
	for _, z := range strings.Split(env("LINKGATE_REPUTATION"), ",") {
		switch z = strings.TrimSpace(strings.ToLower(z)); z {
		case "", "off", "none":
		case "spamhaus-dbl", "surbl":
			c.Reputation = append(c.Reputation, z)
		default:
			return c, nil, fmt.Errorf("LINKGATE_REPUTATION: %q is not a known list; use spamhaus-dbl, surbl or both, comma-separated", z)
		}
	}
	if err := c.readAWS(env); err != nil {
		return c, nil, err
	}
	for _, a := range strings.Split(env("LINKGATE_NOTIFY_ADMINS"), ",") {
		if a = strings.TrimSpace(a); a != "" {
			var fields []models.FieldError
			addr := models.NormalizeEmail("LINKGATE_NOTIFY_ADMINS", a, &fields)
			if len(fields) > 0 {
				return c, nil, fmt.Errorf("LINKGATE_NOTIFY_ADMINS: %q is not an e-mail address; give addresses such as ops@example.com, comma-separated", a)
			}
			c.NotifyAdmins = append(c.NotifyAdmins, addr)
		}
	}
	for _, r := range strings.Split(env("LINKGATE_REPUTATION_RESOLVERS"), ",") {
		if r = strings.TrimSpace(r); r != "" {
			if _, err := netip.ParseAddrPort(r); err != nil {
				return c, nil, fmt.Errorf("LINKGATE_REPUTATION_RESOLVERS: %q is not ip:port (e.g. 127.0.0.1:53)", r)
			}
			c.ReputationResolvers = append(c.ReputationResolvers, r)
		}
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address (LINKGATE_ADDR)")
	fs.StringVar(&c.PublicURL, "public-url", c.PublicURL, "public base URL (LINKGATE_PUBLIC_URL)")
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "PostgreSQL URL; empty = SQLite (DATABASE_URL)")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "data directory (LINKGATE_DATA_DIR)")
	fs.BoolVar(&c.Sandbox, "sandbox", c.Sandbox, "force sandbox mode (LINKGATE_SANDBOX=1)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", c.MetricsAddr, `listen address of /metrics, or "off" (LINKGATE_METRICS_ADDR)`)
	fs.StringVar(&c.DebugAddr, "debug-addr", c.DebugAddr, `listen address of /debug/pprof/ (loopback only), or "off" (LINKGATE_DEBUG_ADDR)`)
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (LINKGATE_LOG_LEVEL)")
	fs.StringVar(&ttl, "cname-ttl", ttl, "TTL of the CNAME given to new domains (LINKGATE_CNAME_TTL)")
	return c, fs, c.finish(fs, args, &ttl)
}

func (c *Config) finish(fs *flag.FlagSet, args []string, ttl *string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	n, err := strconv.Atoi(*ttl)
	if err != nil || n < 60 || n > 86400 {
		return errors.New("LINKGATE_CNAME_TTL: must be a number of seconds between 60 and 86400")
	}
	c.CNAMETTL = n
	if !strings.HasSuffix(c.CNAMETarget, ".") {
		c.CNAMETarget += "."
	}
	if err := c.finishTracking(); err != nil {
		return err
	}
	if c.PublicURL == "" {
		c.PublicURL, c.publicURLFromAddr = urlOfAddr(c.Addr), true
	}
	u, err := url.Parse(c.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("LINKGATE_PUBLIC_URL: must be an absolute http(s) URL, got %q", c.PublicURL)
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if c.TrackingDomain != "" && strings.EqualFold(u.Hostname(), c.TrackingDomain) {
		// The redirector answers every request for the tracking host.
		return fmt.Errorf("LINKGATE_TRACKING_DOMAIN: %s is the public URL's host; the API and console need a host of their own", c.TrackingDomain)
	}
	if (c.TwilioSID == "") != (c.TwilioToken == "") {
		return errors.New("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set together")
	}
	if strings.EqualFold(c.MetricsAddr, "off") {
		c.MetricsAddr = ""
	} else if _, port, err := net.SplitHostPort(c.MetricsAddr); err != nil || port == "" {
		return fmt.Errorf(`LINKGATE_METRICS_ADDR: must be host:port (e.g. 127.0.0.1:9464) or "off", got %q`, c.MetricsAddr)
	}
	return c.finishDebug()
}

// finishDebug checks LINKGATE_DEBUG_ADDR: off, or host:port whose host is
// a loopback address (an empty host listens on every interface), unless
// remote listening is explicitly allowed.
func (c *Config) finishDebug() error {
	if c.DebugAddr == "" || strings.EqualFold(c.DebugAddr, "off") {
		c.DebugAddr = ""
		return nil
	}
	host, port, err := net.SplitHostPort(c.DebugAddr)
	if err != nil || port == "" {
		return fmt.Errorf(`LINKGATE_DEBUG_ADDR: must be host:port (e.g. 127.0.0.1:6060) or "off", got %q`, c.DebugAddr)
	}
	if c.DebugAllowRemote {
		return nil
	}
	ip := net.ParseIP(host)
	if !strings.EqualFold(host, "localhost") && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("LINKGATE_DEBUG_ADDR: %q is not a loopback address (127.0.0.1, ::1, localhost); profiles expose the process's insides, so set LINKGATE_DEBUG_ALLOW_REMOTE=1 to listen elsewhere", c.DebugAddr)
	}
	return nil
}

// The tracking settings' defaults in sandbox mode: names under .test
// (RFC 2606), which the sandbox's fake DNS answers for and nothing else
// does.
const (
	sandboxTrackingCNAMETarget = "track.linkgate.test."
	sandboxTrackingDomain      = "dyn.test"
)

// finishTracking validates LINKGATE_TRACKING_CNAME_TARGET and
// LINKGATE_TRACKING_DOMAIN and gives them their sandbox defaults.
func (c *Config) finishTracking() error {
	if c.SandboxMode() {
		c.TrackingCNAMETarget = or(c.TrackingCNAMETarget, sandboxTrackingCNAMETarget)
		c.TrackingDomain = or(c.TrackingDomain, sandboxTrackingDomain)
	}
	if c.TrackingCNAMETarget != "" {
		name := strings.ToLower(strings.TrimSuffix(c.TrackingCNAMETarget, "."))
		if !hostname.ValidName(name) {
			return fmt.Errorf("LINKGATE_TRACKING_CNAME_TARGET: must be a host name such as track.example.com, got %q", c.TrackingCNAMETarget)
		}
		c.TrackingCNAMETarget = name + "."
	}
	if c.TrackingDomain != "" {
		name := strings.ToLower(strings.TrimSuffix(c.TrackingDomain, "."))
		if !hostname.ValidName(name) {
			return fmt.Errorf("LINKGATE_TRACKING_DOMAIN: must be a host name such as dyn.co (no scheme, port or path), got %q", c.TrackingDomain)
		}
		c.TrackingDomain = name
	}
	return nil
}

// checkServeMode refuses to serve a production-like configuration on the
// fakes: DATABASE_URL without Twilio credentials runs only when sandbox
// mode is asked for (LINKGATE_SANDBOX=1).
func (c Config) checkServeMode() error {
	if c.SandboxPeer != "" && !c.SandboxMode() {
		return errors.New("LINKGATE_SANDBOX_PEER: only in sandbox mode (LINKGATE_SANDBOX=1)")
	}
	if c.SandboxLatency != (mocks.Latency{}) && !c.SandboxMode() {
		return errors.New("LINKGATE_SANDBOX_LATENCY: only in sandbox mode (LINKGATE_SANDBOX=1)")
	}
	if c.DatabaseURL != "" && c.TwilioSID == "" && !c.Sandbox {
		return errors.New("DATABASE_URL is set but Twilio is not: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN " +
			"to run against Twilio, or LINKGATE_SANDBOX=1 to run on the built-in fakes (sandbox mode)")
	}
	return nil
}

// readRegistrationEnv reads the registration link lifetime and the page
// rate limits.
func (c *Config) readRegistrationEnv(env func(string) string) error {
	c.RegistrationTTL = 7 * 24 * time.Hour
	if v := env("LINKGATE_REGISTRATION_TTL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > 90*24*time.Hour {
			return errors.New("LINKGATE_REGISTRATION_TTL: must be a duration between 1s and 2160h (90 days), e.g. 168h")
		}
		c.RegistrationTTL = d
	}
	c.Reminders = []time.Duration{72 * time.Hour, 144 * time.Hour}
	if v := strings.TrimSpace(env("LINKGATE_REGISTRATION_REMINDERS")); v == "none" {
		c.Reminders = []time.Duration{}
	} else if v != "" {
		c.Reminders = nil
		for _, part := range strings.Split(v, ",") {
			d, err := time.ParseDuration(strings.TrimSpace(part))
			if err != nil || d <= 0 || d >= c.RegistrationTTL {
				return errors.New("LINKGATE_REGISTRATION_REMINDERS: a comma-separated list of durations shorter than the link's lifetime, e.g. 72h,144h, or none")
			}
			c.Reminders = append(c.Reminders, d)
		}
	}
	for _, p := range strings.Split(env("LINKGATE_TRUSTED_PROXIES"), ",") {
		if p = strings.TrimSpace(p); p != "" {
			if _, err := netip.ParsePrefix(p); err != nil {
				if _, err := netip.ParseAddr(p); err != nil {
					return fmt.Errorf("LINKGATE_TRUSTED_PROXIES: %q is not an IP address or CIDR", p)
				}
			}
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
	}
	c.PageLimits = handlers.DefaultPageLimits
	for name, dst := range map[string]*handlers.RateLimit{
		"LINKGATE_REGISTER_RATE_PER_IP":    &c.PageLimits.PerIP,
		"LINKGATE_REGISTER_RATE_PER_TOKEN": &c.PageLimits.PerToken,
		"LINKGATE_REGISTER_RATE_SIGNIN":    &c.PageLimits.SignInPerToken,
	} {
		if v := env(name); v != "" {
			r, err := handlers.ParseRateLimit(v)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			*dst = r
		}
	}
	return nil
}

// providerModes says, per provider, whether linkgate talks to the real
// service or to its built-in fake.
func (c Config) providerModes() map[string]string {
	mode := func(real bool) string {
		if real && !c.Sandbox {
			return "live"
		}
		return "sandbox"
	}
	return map[string]string{
		"twilio":     mode(c.TwilioSID != ""),
		"smtp":       mode(c.SMTPURL != ""),
		"cloudflare": mode(!c.SandboxMode()),
		"dns":        mode(!c.SandboxMode()),
	}
}

// SandboxMode reports whether the service runs on its built-in fakes: when
// asked for (LINKGATE_SANDBOX=1), or when nothing production-like is
// configured (no DATABASE_URL and no Twilio credentials: the newcomer's
// "go run ./cmd/linkgate"). Mail alone may still go to a real SMTP
// server. DATABASE_URL without Twilio credentials is neither: serve
// refuses it (checkServeMode).
func (c Config) SandboxMode() bool {
	return c.Sandbox || (c.TwilioSID == "" && c.DatabaseURL == "")
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// version returns the module version and VCS revision of the binary.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	var rev string
	var dirty bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" && !strings.Contains(v, rev) { // Go puts it in a pseudo-version
		v += " " + rev
		if dirty {
			v += "-dirty"
		}
	}
	return v
}

// urlOfAddr is the URL a browser on this machine reaches a listen address
// at: http://localhost:8080 for ":8080" or "0.0.0.0:8080".
func urlOfAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// clickScanWindow is ClickScanWindow with its default: 5 s, off in
// sandbox mode.
func (c Config) clickScanWindow() time.Duration {
	switch {
	case c.ClickScanWindow != 0:
		return c.ClickScanWindow
	case c.SandboxMode():
		return -1
	}
	return 5 * time.Second
}

// parseLatency reads "20ms" (fixed) or "15ms+10ms" (fixed + jitter).
func parseLatency(v string) (mocks.Latency, error) {
	fixed, jitter, plus := strings.Cut(v, "+")
	var l mocks.Latency
	var err error
	if l.Fixed, err = time.ParseDuration(strings.TrimSpace(fixed)); err != nil {
		return l, err
	}
	if plus {
		if l.Jitter, err = time.ParseDuration(strings.TrimSpace(jitter)); err != nil {
			return l, err
		}
	}
	if l.Fixed < 0 || l.Jitter < 0 || l.Fixed > 10*time.Second || l.Jitter > 10*time.Second {
		return l, errors.New("out of range")
	}
	return l, nil
}
