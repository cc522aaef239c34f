package smtp

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"

	"github.com/linkgate/linkgate/providers"
)

// received is one message the test server accepted.
type received struct {
	From     string
	Rcpts    []string
	Data     []byte
	AuthUser string // "" when the session did not authenticate
	AuthPass string
	TLS      bool
}

// testServer is an in-process SMTP server (emersion/go-smtp) on loopback
// that records what it accepts and can be scripted to refuse.
type testServer struct {
	Host string
	Port int

	user, pass string // when set, AUTH PLAIN is offered and required

	mu       sync.Mutex
	msgs     []received
	mailErr  error // answer to MAIL FROM
	rcptErr  error // answer to RCPT TO
	dataErr  error // answer to the end of DATA
	sessions int
}

type serverOpt func(*testServer, *gosmtp.Server)

// withAuth makes the server offer and require AUTH PLAIN with these
// credentials.
func withAuth(user, pass string) serverOpt {
	return func(ts *testServer, _ *gosmtp.Server) { ts.user, ts.pass = user, pass }
}

// withSTARTTLS makes the server offer STARTTLS with cfg.
func withSTARTTLS(cfg *tls.Config) serverOpt {
	return func(_ *testServer, s *gosmtp.Server) { s.TLSConfig = cfg }
}

// startServer runs a test server on 127.0.0.1:0 (host overrides the
// address), stopped when the test ends. implicitTLS wraps the listener in
// TLS (SMTPS).
func startServer(t *testing.T, host string, implicitTLS *tls.Config, opts ...serverOpt) *testServer {
	t.Helper()
	if host == "" {
		host = "127.0.0.1"
	}
	ts := &testServer{Host: host}
	s := gosmtp.NewServer(ts)
	s.Domain = "mx.test"
	s.AllowInsecureAuth = true
	s.ReadTimeout = 10 * time.Second
	s.WriteTimeout = 10 * time.Second
	s.MaxMessageBytes = 1 << 20
	for _, o := range opts {
		o(ts, s)
	}
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Skipf("cannot listen on %s: %v", host, err)
	}
	ts.Port = l.Addr().(*net.TCPAddr).Port
	if implicitTLS != nil {
		l = tls.NewListener(l, implicitTLS)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.Serve(l)
	}()
	t.Cleanup(func() {
		_ = s.Close()
		_ = l.Close() // in case Serve had not registered it yet
		<-done
	})
	return ts
}

// URL returns an smtp:// URL for the server with the given userinfo
// (already encoded, "" for none) and query.
func (ts *testServer) URL(userinfo, query string) string {
	u := "smtp://"
	if userinfo != "" {
		u += userinfo + "@"
	}
	u += net.JoinHostPort(ts.Host, strconv.Itoa(ts.Port))
	if query != "" {
		u += "?" + query
	}
	return u
}

func (ts *testServer) script(mailErr, rcptErr, dataErr error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.mailErr, ts.rcptErr, ts.dataErr = mailErr, rcptErr, dataErr
}

func (ts *testServer) Received() []received {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]received(nil), ts.msgs...)
}

// Messages decodes what the server received.
func (ts *testServer) Messages(t *testing.T) []providers.Message {
	t.Helper()
	var out []providers.Message
	for _, r := range ts.Received() {
		out = append(out, parseMessage(t, r.Data))
	}
	return out
}

// NewSession implements gosmtp.Backend.
func (ts *testServer) NewSession(c *gosmtp.Conn) (gosmtp.Session, error) {
	ts.mu.Lock()
	ts.sessions++
	ts.mu.Unlock()
	return &session{ts: ts, conn: c}, nil
}

type session struct {
	ts   *testServer
	conn *gosmtp.Conn
	cur  received
}

func (s *session) AuthMechanisms() []string {
	if s.ts.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != s.ts.user || password != s.ts.pass {
			return gosmtp.ErrAuthFailed
		}
		s.cur.AuthUser, s.cur.AuthPass = username, password
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *gosmtp.MailOptions) error {
	if s.ts.user != "" && s.cur.AuthUser == "" {
		return gosmtp.ErrAuthRequired
	}
	s.ts.mu.Lock()
	err := s.ts.mailErr
	s.ts.mu.Unlock()
	if err != nil {
		return err
	}
	s.cur.From = from
	return nil
}

func (s *session) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	s.ts.mu.Lock()
	err := s.ts.rcptErr
	s.ts.mu.Unlock()
	if err != nil {
		return err
	}
	s.cur.Rcpts = append(s.cur.Rcpts, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.ts.mu.Lock()
	defer s.ts.mu.Unlock()
	if s.ts.dataErr != nil {
		return s.ts.dataErr
	}
	msg := s.cur
	msg.Data = b
	_, msg.TLS = s.conn.TLSConnectionState()
	s.ts.msgs = append(s.ts.msgs, msg)
	return nil
}

func (s *session) Reset() {
	s.cur = received{AuthUser: s.cur.AuthUser, AuthPass: s.cur.AuthPass}
}

func (s *session) Logout() error { return nil }

// parseMessage decodes an RFC 5322 message into a providers.Message:
// subject decoded, the text/plain and text/html parts of a
// multipart/alternative body (or the single body) decoded.
func parseMessage(t *testing.T, data []byte) providers.Message {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("parse message: %v\n%s", err, data)
	}
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("decode subject: %v", err)
	}
	out := providers.Message{Subject: subject}
	if to, err := mail.ParseAddress(m.Header.Get("To")); err == nil {
		out.To = to.Address
	} else {
		t.Fatalf("To header %q: %v", m.Header.Get("To"), err)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type %q: %v", m.Header.Get("Content-Type"), err)
	}
	setPart := func(ct, cte string, body io.Reader) {
		b := decodeBody(t, cte, body)
		pt, _, _ := mime.ParseMediaType(ct)
		switch pt {
		case "text/plain":
			out.Text = string(b)
		case "text/html":
			out.HTML = string(b)
		default:
			t.Errorf("unexpected part %q", ct)
		}
	}
	if !strings.HasPrefix(mt, "multipart/") {
		setPart(m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body)
		return out
	}
	if mt != "multipart/alternative" {
		t.Errorf("Content-Type = %q, want multipart/alternative", mt)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("multipart: %v", err)
		}
		setPart(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p)
	}
	return out
}

func decodeBody(t *testing.T, cte string, r io.Reader) []byte {
	t.Helper()
	switch strings.ToLower(cte) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, &crlfStripper{r: r})
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decode %s body: %v", cte, err)
	}
	return b
}

// crlfStripper drops line breaks so that base64 decodes.
type crlfStripper struct{ r io.Reader }

func (c *crlfStripper) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	j := 0
	for _, b := range p[:n] {
		if b != '\r' && b != '\n' {
			p[j] = b
			j++
		}
	}
	return j, err
}

// selfSigned returns a server TLS config with a fresh certificate for
// 127.0.0.1 and a client config that trusts it.
func selfSigned(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mx.test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}
	client = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return server, client
}
