// Package smtp is the providers.Mailer adapter for an SMTP submission
// server, built on github.com/wneessen/go-mail.
//
// The server is named by one URL (the SMTP_URL setting):
//
//	smtp://user:password@host:port?tls=MODE
//	smtps://user:password@host:port          (same as tls=tls)
//
// where MODE is one of
//
//   - opportunistic (the default): STARTTLS when the server offers it,
//     plain text otherwise;
//   - starttls: STARTTLS is required; a server that does not offer it is
//     refused;
//   - tls: implicit TLS from the first byte (SMTPS, "SSL");
//   - none: never encrypt (a local relay or a development catcher).
//
// Whenever TLS is used, the server's certificate must be valid for its host
// name and trusted by the system, or by Config.TLSConfig (a private CA): an
// opportunistic STARTTLS that fails does not fall back to plain text.
//
// The port defaults to 465 with tls=tls and to 587 (submission) otherwise.
// User name and password are optional, and percent-encoded like any URL
// userinfo. When they are given, linkgate authenticates with the strongest
// mechanism the server offers among SCRAM-SHA-256, SCRAM-SHA-1, CRAM-MD5,
// PLAIN and LOGIN; PLAIN and LOGIN are only used over TLS or to a server on
// localhost, so a password never crosses the network in clear.
//
// Every error is a *providers.Error with Provider "smtp" whose message never
// contains the password.
package smtp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/linkgate/linkgate/providers"
)

// TLSMode says how the connection to the SMTP server is encrypted (the tls
// query parameter of the URL).
type TLSMode string

// TLS modes.
const (
	TLSOpportunistic TLSMode = "opportunistic" // STARTTLS if offered (default)
	TLSStartTLS      TLSMode = "starttls"      // STARTTLS required
	TLSImplicit      TLSMode = "tls"           // implicit TLS (SMTPS)
	TLSNone          TLSMode = "none"          // no encryption
)

// Defaults.
const (
	DefaultTimeout      = 30 * time.Second
	DefaultPort         = 587 // submission, with STARTTLS or none
	DefaultImplicitPort = 465 // SMTPS
)

// preferredAuth is the order in which SASL mechanisms are tried, strongest
// first. go-mail's plain PLAIN and LOGIN refuse to send the password over an
// unencrypted connection to anything but localhost.
var preferredAuth = []gomail.SMTPAuthType{
	gomail.SMTPAuthSCRAMSHA256,
	gomail.SMTPAuthSCRAMSHA1,
	gomail.SMTPAuthCramMD5,
	gomail.SMTPAuthPlain,
	gomail.SMTPAuthLogin,
}

// Config configures a Mailer.
type Config struct {
	// URL of the SMTP server (SMTP_URL), see the package documentation.
	URL string
	// From is the sender, an RFC 5322 address with an optional display
	// name: "linkgate <no-reply@example.com>".
	From string
	// Timeout bounds one Send (connection, dialogue and data); 0 means
	// DefaultTimeout. A context deadline that comes sooner wins.
	Timeout time.Duration
	// TLSConfig overrides the TLS settings (a private CA, say). Its
	// ServerName defaults to the URL's host. Optional.
	TLSConfig *tls.Config
}

// Mailer sends mail through one SMTP server. It opens one connection per
// Send and is safe for concurrent use.
type Mailer struct {
	host     string
	port     int
	mode     TLSMode
	user     string
	password string
	from     string
	timeout  time.Duration
	tls      *tls.Config
	redacted string
}

// New validates cfg and returns a Mailer. It does not connect.
func New(cfg Config) (*Mailer, error) {
	if strings.TrimSpace(cfg.URL) == "" {
		return nil, errors.New("smtp: SMTP_URL is required")
	}
	u, err := url.Parse(cfg.URL)
	if err != nil {
		// url.Error quotes the whole URL, password included: say why
		// without it.
		return nil, errors.New("smtp: SMTP_URL is not a valid URL (percent-encode special characters in the user name and password)")
	}
	m := &Mailer{timeout: cfg.Timeout}
	if u.User != nil {
		m.user = u.User.Username()
		m.password, _ = u.User.Password()
	}
	fail := func(format string, args ...any) (*Mailer, error) {
		return nil, errors.New(m.redact("smtp: " + fmt.Sprintf(format, args...)))
	}

	switch strings.ToLower(u.Scheme) {
	case "smtp":
		m.mode = TLSOpportunistic
	case "smtps":
		m.mode = TLSImplicit
	default:
		return fail("SMTP_URL must start with smtp:// or smtps://, not %q", u.Scheme+"://")
	}
	if u.Opaque != "" || (u.Path != "" && u.Path != "/") || u.Fragment != "" {
		return fail("SMTP_URL must be smtp://user:password@host:port?tls=..., with no path")
	}
	q := u.Query()
	for k := range q {
		if k != "tls" {
			return fail("SMTP_URL has an unknown parameter %q (only tls is known)", k)
		}
	}
	if q.Has("tls") {
		switch mode := TLSMode(strings.ToLower(q.Get("tls"))); mode {
		case TLSOpportunistic, TLSStartTLS, TLSImplicit, TLSNone:
			if u.Scheme == "smtps" && mode != TLSImplicit {
				return fail("smtps:// means tls=tls; got tls=%s", mode)
			}
			m.mode = mode
		default:
			return fail("SMTP_URL tls must be opportunistic, starttls, tls or none, not %q", q.Get("tls"))
		}
	}

	m.host = u.Hostname()
	if m.host == "" {
		return fail("SMTP_URL has no host")
	}
	m.port = DefaultPort
	if m.mode == TLSImplicit {
		m.port = DefaultImplicitPort
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return fail("SMTP_URL port %q is not a port number", p)
		}
		m.port = n
	}
	if u.User != nil {
		if m.user == "" {
			return fail("SMTP_URL has a password but no user name")
		}
		if _, set := u.User.Password(); !set || m.password == "" {
			return fail("SMTP_URL has a user name but no password")
		}
	}

	if m.timeout < 0 {
		return fail("Timeout must not be negative")
	}
	if m.timeout == 0 {
		m.timeout = DefaultTimeout
	}

	if strings.TrimSpace(cfg.From) == "" {
		return fail("From is required")
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return fail("From %q is not an e-mail address", cfg.From)
	}
	m.from = from.String()

	if cfg.TLSConfig != nil {
		m.tls = cfg.TLSConfig.Clone()
	} else {
		m.tls = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if m.tls.ServerName == "" {
		m.tls.ServerName = m.host
	}

	ru := url.URL{Scheme: u.Scheme, Host: net.JoinHostPort(m.host, strconv.Itoa(m.port)), RawQuery: "tls=" + string(m.mode)}
	if m.user != "" {
		ru.User = url.UserPassword(m.user, "xxxxx")
	}
	m.redacted = ru.String()

	// Build a client once so that go-mail's own checks run now.
	if _, err := m.client(m.timeout); err != nil {
		return fail("%v", err)
	}
	return m, nil
}

// String describes the server for logs, without the password.
func (m *Mailer) String() string { return m.redacted }

// client returns a go-mail client for one Send.
func (m *Mailer) client(timeout time.Duration) (*gomail.Client, error) {
	opts := []gomail.Option{
		gomail.WithPort(m.port),
		gomail.WithTimeout(timeout),
		gomail.WithTLSConfig(m.tls),
	}
	switch m.mode {
	case TLSOpportunistic:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if m.user != "" {
		opts = append(opts,
			gomail.WithUsername(m.user),
			gomail.WithPassword(m.password),
			gomail.WithOpportunisticSMTPAuth(preferredAuth...),
		)
	}
	return gomail.NewClient(m.host, opts...)
}

// Send delivers msg to msg.To as multipart/alternative (plain text and
// HTML; a single part when one of them is empty). It returns once the server
// has accepted the message. An invalid recipient, a 5xx reply (550 no such
// user), refused credentials and TLS misconfiguration are permanent; a server
// that cannot be reached, times out or answers 4xx is transient.
func (m *Mailer) Send(ctx context.Context, msg providers.Message) error {
	to, err := mail.ParseAddress(msg.To)
	if err != nil || strings.ContainsAny(msg.To, "\r\n") {
		return &providers.Error{Provider: "smtp", Op: "send", Message: fmt.Sprintf("invalid recipient address %q", msg.To)}
	}
	if strings.ContainsAny(msg.Subject, "\r\n") {
		return &providers.Error{Provider: "smtp", Op: "send", Message: "the subject must be one line"}
	}
	if msg.Text == "" && msg.HTML == "" {
		return &providers.Error{Provider: "smtp", Op: "send", Message: "the message has no body"}
	}

	timeout := m.timeout
	if dl, ok := ctx.Deadline(); ok {
		left := time.Until(dl)
		if left <= 0 {
			return m.classify(ctx.Err())
		}
		timeout = min(timeout, left)
	}
	c, err := m.client(timeout)
	if err != nil {
		return m.classify(err)
	}

	gm := gomail.NewMsg()
	if err := gm.From(m.from); err != nil {
		return m.classify(err)
	}
	gm.ToMailAddress(to)
	gm.Subject(msg.Subject)
	gm.SetDate()
	gm.SetMessageID()
	switch {
	case msg.Text != "" && msg.HTML != "":
		gm.SetBodyString(gomail.TypeTextPlain, msg.Text)
		gm.AddAlternativeString(gomail.TypeTextHTML, msg.HTML)
	case msg.Text != "":
		gm.SetBodyString(gomail.TypeTextPlain, msg.Text)
	default:
		gm.SetBodyString(gomail.TypeTextHTML, msg.HTML)
	}
	if err := c.DialAndSendWithContext(ctx, gm); err != nil {
		return m.classify(err)
	}
	return nil
}

// redact removes the password, in any encoding it may appear in, from s.
func (m *Mailer) redact(s string) string {
	if m.password == "" {
		return s
	}
	for _, p := range []string{m.password, url.QueryEscape(m.password), url.PathEscape(m.password), url.UserPassword("", m.password).String()[1:]} {
		if p != "" {
			s = strings.ReplaceAll(s, p, "xxxxx")
		}
	}
	return s
}
