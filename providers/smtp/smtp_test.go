package smtp

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/linkgate/linkgate/providers"
	"github.com/linkgate/linkgate/providers/providertest"
)

const (
	testFrom = "linkgate <no-reply@linkgate.example>"
	// testPass has characters that must be percent-encoded in a URL.
	testPass    = "s3cr3t-P@ss/w:rd"
	testPassURL = "s3cr3t-P%40ss%2Fw%3Ard"
)

var testMessage = providers.Message{
	To:      "ana@acme.example",
	Subject: "Finish setting up ls.acme.example",
	Text:    "Hello Ana,\nopen https://linkgate.example/register/abc to finish.",
	HTML:    `<p>Hello Ana,</p><p><a href="https://linkgate.example/register/abc">Finish</a></p>`,
}

func newMailer(t *testing.T, cfg Config) *Mailer {
	t.Helper()
	if cfg.From == "" {
		cfg.From = testFrom
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	m, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return m
}

// assertClass checks that err is a *providers.Error of provider smtp, of
// the wanted class, without the password.
func assertClass(t *testing.T, err error, transient bool) *providers.Error {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	var pe *providers.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *providers.Error", err, err)
	}
	if pe.Provider != "smtp" || !strings.HasPrefix(err.Error(), "smtp: ") {
		t.Errorf("error %q: want provider smtp and prefix", err)
	}
	if providers.IsTransient(err) != transient {
		t.Errorf("error %q: transient = %v, want %v", err, providers.IsTransient(err), transient)
	}
	assertNoPassword(t, err.Error())
	t.Logf("error: %v", err)
	return pe
}

func assertNoPassword(t *testing.T, s string) {
	t.Helper()
	for _, p := range []string{testPass, testPassURL, "s3cr3t"} {
		if strings.Contains(s, p) {
			t.Errorf("%q contains the password", s)
		}
	}
}

func TestConformance(t *testing.T) {
	var mu sync.Mutex
	servers := map[*testing.T]*testServer{}
	providertest.TestMailer(t, providertest.MailerHarness{
		New: func(t *testing.T) providers.Mailer {
			ts := startServer(t, "", nil, withAuth("linkgate", testPass))
			mu.Lock()
			servers[t] = ts
			mu.Unlock()
			return newMailer(t, Config{URL: ts.URL("linkgate:"+testPassURL, "tls=none")})
		},
		Received: func(t *testing.T) []providers.Message {
			mu.Lock()
			ts := servers[t]
			mu.Unlock()
			return ts.Messages(t)
		},
	})
}

func TestSendMultipartWithAuth(t *testing.T) {
	ts := startServer(t, "", nil, withAuth("linkgate", testPass))
	m := newMailer(t, Config{URL: ts.URL("linkgate:"+testPassURL, "")})
	if err := m.Send(t.Context(), testMessage); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := ts.Received()
	if len(got) != 1 {
		t.Fatalf("received %d, want 1", len(got))
	}
	r := got[0]
	if r.AuthUser != "linkgate" || r.AuthPass != testPass {
		t.Errorf("auth = %q/%q, want linkgate and the decoded password", r.AuthUser, r.AuthPass)
	}
	if r.From != "no-reply@linkgate.example" {
		t.Errorf("MAIL FROM = %q", r.From)
	}
	if len(r.Rcpts) != 1 || r.Rcpts[0] != "ana@acme.example" {
		t.Errorf("RCPT TO = %q", r.Rcpts)
	}
	data := string(r.Data)
	for _, h := range []string{"From: \"linkgate\" <no-reply@linkgate.example>", "To: <ana@acme.example>", "Subject: Finish setting up ls.acme.example", "Content-Type: multipart/alternative", "Message-ID: <", "Date: "} {
		if !strings.Contains(data, h) {
			t.Errorf("message lacks %q:\n%s", h, data)
		}
	}
	msg := parseMessage(t, r.Data)
	if msg.Text != strings.ReplaceAll(testMessage.Text, "\n", "\r\n") && msg.Text != testMessage.Text {
		t.Errorf("text part = %q", msg.Text)
	}
	if msg.HTML != testMessage.HTML {
		t.Errorf("html part = %q", msg.HTML)
	}
}

func TestSendWithoutAuth(t *testing.T) {
	ts := startServer(t, "", nil)
	m := newMailer(t, Config{URL: ts.URL("", "tls=none")})
	if err := m.Send(t.Context(), testMessage); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := ts.Received(); len(got) != 1 || got[0].AuthUser != "" {
		t.Fatalf("received %+v", got)
	}
}

func TestSingleParts(t *testing.T) {
	ts := startServer(t, "", nil)
	m := newMailer(t, Config{URL: ts.URL("", "tls=none")})
	if err := m.Send(t.Context(), providers.Message{To: "a@acme.example", Subject: "s", Text: "only text"}); err != nil {
		t.Fatal(err)
	}
	if err := m.Send(t.Context(), providers.Message{To: "a@acme.example", Subject: "s", HTML: "<p>only html</p>"}); err != nil {
		t.Fatal(err)
	}
	got := ts.Messages(t)
	if len(got) != 2 || strings.TrimSpace(got[0].Text) != "only text" || got[0].HTML != "" ||
		got[1].Text != "" || strings.TrimSpace(got[1].HTML) != "<p>only html</p>" {
		t.Fatalf("got %+v", got)
	}
	err := m.Send(t.Context(), providers.Message{To: "a@acme.example", Subject: "s"})
	assertClass(t, err, false)
	err = m.Send(t.Context(), providers.Message{To: "a@acme.example", Subject: "s\r\nBcc: x@y.example", Text: "t"})
	assertClass(t, err, false)
}

func TestReplyClassification(t *testing.T) {
	tempRcpt := &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
	noUser := &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "No such user"}
	tests := []struct {
		name                      string
		mailErr, rcptErr, dataErr error
		transient                 bool
		code                      int
	}{
		{name: "451 at RCPT", rcptErr: tempRcpt, transient: true, code: 451},
		{name: "550 at RCPT", rcptErr: noUser, transient: false, code: 550},
		{name: "421 at MAIL", mailErr: &gosmtp.SMTPError{Code: 421, EnhancedCode: gosmtp.EnhancedCode{4, 7, 0}, Message: "Too many connections"}, transient: true, code: 421},
		{name: "552 at DATA", dataErr: &gosmtp.SMTPError{Code: 552, EnhancedCode: gosmtp.EnhancedCode{5, 3, 4}, Message: "Message too big"}, transient: false, code: 552},
		{name: "451 at DATA", dataErr: &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0}, Message: "Local error"}, transient: true, code: 451},
		// A server that echoes the password must not make it leak.
		{name: "550 echoing the password", rcptErr: &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "user " + testPass + " unknown"}, transient: false, code: 550},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, "", nil, withAuth("linkgate", testPass))
			ts.script(tt.mailErr, tt.rcptErr, tt.dataErr)
			m := newMailer(t, Config{URL: ts.URL("linkgate:"+testPassURL, "tls=none")})
			err := m.Send(t.Context(), testMessage)
			pe := assertClass(t, err, tt.transient)
			if pe.Code != tt.code {
				t.Errorf("Code = %d, want %d (%v)", pe.Code, tt.code, err)
			}
			if !strings.Contains(err.Error(), strconv.Itoa(tt.code)) {
				t.Errorf("error %q does not name the reply", err)
			}
			if len(ts.Received()) != 0 {
				t.Error("the message was stored anyway")
			}
		})
	}
}

func TestBadCredentials(t *testing.T) {
	ts := startServer(t, "", nil, withAuth("linkgate", "the-right-one"))
	m := newMailer(t, Config{URL: ts.URL("linkgate:"+testPassURL, "tls=none")})
	err := m.Send(t.Context(), testMessage)
	assertClass(t, err, false)
	if !errors.Is(err, providers.ErrInvalidCredentials) {
		t.Errorf("error %v does not wrap ErrInvalidCredentials", err)
	}
}

func TestPasswordNeverInClear(t *testing.T) {
	// 127.0.0.2 is loopback but not "localhost" to go-mail: PLAIN must
	// refuse to send the password without TLS.
	ts := startServer(t, "127.0.0.2", nil, withAuth("linkgate", testPass))
	m := newMailer(t, Config{URL: ts.URL("linkgate:"+testPassURL, "tls=none")})
	err := m.Send(t.Context(), testMessage)
	assertClass(t, err, false)
	if len(ts.Received()) != 0 {
		t.Error("message sent")
	}
}

func TestConnectionFailures(t *testing.T) {
	t.Run("refused", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		_ = l.Close()
		m := newMailer(t, Config{URL: "smtp://linkgate:" + testPassURL + "@" + addr + "?tls=none"})
		assertClass(t, m.Send(t.Context(), testMessage), true)
	})
	t.Run("silent server times out", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { // accept and never greet
			defer wg.Done()
			var conns []net.Conn
			defer func() {
				for _, c := range conns {
					_ = c.Close()
				}
			}()
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				conns = append(conns, c)
			}
		}()
		t.Cleanup(func() { _ = l.Close(); wg.Wait() })
		m := newMailer(t, Config{URL: "smtp://" + l.Addr().String() + "?tls=none", Timeout: 300 * time.Millisecond})
		start := time.Now()
		assertClass(t, m.Send(t.Context(), testMessage), true)
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("Send took %v with a 300ms timeout", d)
		}
	})
	t.Run("context deadline", func(t *testing.T) {
		ts := startServer(t, "", nil)
		m := newMailer(t, Config{URL: ts.URL("", "tls=none")})
		ctx, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
		defer cancel()
		assertClass(t, m.Send(ctx, testMessage), true)
	})
}

func TestTLS(t *testing.T) {
	serverTLS, clientTLS := selfSigned(t)
	t.Run("starttls required and offered", func(t *testing.T) {
		ts := startServer(t, "", nil, withAuth("linkgate", testPass), withSTARTTLS(serverTLS))
		m := newMailer(t, Config{URL: ts.URL("linkgate:"+testPassURL, "tls=starttls"), TLSConfig: clientTLS})
		if err := m.Send(t.Context(), testMessage); err != nil {
			t.Fatal(err)
		}
		if r := ts.Received(); len(r) != 1 || !r[0].TLS || r[0].AuthPass != testPass {
			t.Fatalf("received %+v", r)
		}
	})
	t.Run("opportunistic uses STARTTLS when offered", func(t *testing.T) {
		ts := startServer(t, "", nil, withSTARTTLS(serverTLS))
		m := newMailer(t, Config{URL: ts.URL("", ""), TLSConfig: clientTLS})
		if err := m.Send(t.Context(), testMessage); err != nil {
			t.Fatal(err)
		}
		if r := ts.Received(); len(r) != 1 || !r[0].TLS {
			t.Fatalf("received %+v", r)
		}
	})
	t.Run("opportunistic without STARTTLS", func(t *testing.T) {
		ts := startServer(t, "", nil)
		m := newMailer(t, Config{URL: ts.URL("", "tls=opportunistic")})
		if err := m.Send(t.Context(), testMessage); err != nil {
			t.Fatal(err)
		}
		if r := ts.Received(); len(r) != 1 || r[0].TLS {
			t.Fatalf("received %+v", r)
		}
	})
	t.Run("starttls required but not offered", func(t *testing.T) {
		ts := startServer(t, "", nil)
		m := newMailer(t, Config{URL: ts.URL("", "tls=starttls")})
		assertClass(t, m.Send(t.Context(), testMessage), false)
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		ts := startServer(t, "", nil, withSTARTTLS(serverTLS))
		m := newMailer(t, Config{URL: ts.URL("", "tls=starttls")})
		assertClass(t, m.Send(t.Context(), testMessage), false)
	})
	t.Run("implicit tls", func(t *testing.T) {
		ts := startServer(t, "", serverTLS, withAuth("linkgate", testPass))
		m := newMailer(t, Config{URL: "smtps://linkgate:" + testPassURL + "@" + net.JoinHostPort(ts.Host, strconv.Itoa(ts.Port)), TLSConfig: clientTLS})
		if err := m.Send(t.Context(), testMessage); err != nil {
			t.Fatal(err)
		}
		if r := ts.Received(); len(r) != 1 || r[0].AuthPass != testPass {
			t.Fatalf("received %+v", r)
		}
	})
}

func TestNewValidation(t *testing.T) {
	bad := []struct {
		name, url, from string
		timeout         time.Duration
		want            string
	}{
		{name: "empty", url: "", want: "SMTP_URL is required"},
		{name: "scheme", url: "http://u:" + testPassURL + "@h:25", want: "smtp:// or smtps://"},
		{name: "unparsable", url: "smtp://u:" + testPass + " x@h:25/%zz", want: "not a valid URL"},
		{name: "bad port", url: "smtp://u:" + testPassURL + "@h:99999", want: "port"},
		{name: "no host", url: "smtp://u:" + testPassURL + "@:25", want: "no host"},
		{name: "tls value", url: "smtp://u:" + testPassURL + "@h:25?tls=ssl", want: "tls must be"},
		{name: "unknown param", url: "smtp://u:" + testPassURL + "@h:25?auth=plain", want: "unknown parameter"},
		{name: "smtps with starttls", url: "smtps://u:" + testPassURL + "@h?tls=starttls", want: "smtps://"},
		{name: "path", url: "smtp://u:" + testPassURL + "@h:25/x", want: "no path"},
		{name: "user without password", url: "smtp://u@h:25", want: "no password"},
		{name: "password without user", url: "smtp://:" + testPassURL + "@h:25", want: "no user name"},
		{name: "from missing", url: "smtp://h:25", from: " ", want: "From is required"},
		{name: "from invalid", url: "smtp://h:25", from: "not an address", want: "not an e-mail address"},
		{name: "negative timeout", url: "smtp://u:" + testPassURL + "@h", timeout: -time.Second, want: "negative"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			from := tt.from
			if from == "" {
				from = testFrom
			}
			_, err := New(Config{URL: tt.url, From: from, Timeout: tt.timeout})
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), "smtp: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want prefix smtp: and %q", err, tt.want)
			}
			assertNoPassword(t, err.Error())
		})
	}

	good := []struct{ url, want string }{
		{"smtp://mail.example:2525", "smtp://mail.example:2525?tls=opportunistic"},
		{"smtp://mail.example", "smtp://mail.example:587?tls=opportunistic"},
		{"smtps://u:" + testPassURL + "@mail.example", "smtps://u:xxxxx@mail.example:465?tls=tls"},
		{"SMTP://mail.example?tls=TLS", "smtp://mail.example:465?tls=tls"},
		{"smtp://u:" + testPassURL + "@[::1]:25?tls=starttls", "smtp://u:xxxxx@[::1]:25?tls=starttls"},
		{"smtp://mail.example/?tls=none", "smtp://mail.example:587?tls=none"},
	}
	for _, tt := range good {
		m, err := New(Config{URL: tt.url, From: testFrom})
		if err != nil {
			t.Errorf("New(%q): %v", tt.url, err)
			continue
		}
		if m.String() != tt.want {
			t.Errorf("String() = %q, want %q", m.String(), tt.want)
		}
		if m.timeout != DefaultTimeout {
			t.Errorf("timeout = %v", m.timeout)
		}
	}
}

func TestClassifyFallbacks(t *testing.T) {
	m := &Mailer{password: testPass}
	if m.classify(nil) != nil {
		t.Error("nil error classified")
	}
	for _, tt := range []struct {
		err       error
		transient bool
	}{
		{errors.New("something odd"), true},
		{context.Canceled, true},
		{errors.New(`STARTTLS mode set to: "TLSMandatory", but target host does not support STARTTLS`), false},
		{errors.New("server does not support SMTP AUTH"), false},
		{errors.New("dial failed: 454 4.7.0 auth " + testPass), true},
	} {
		err := m.classify(tt.err)
		assertClass(t, err, tt.transient)
	}
}
