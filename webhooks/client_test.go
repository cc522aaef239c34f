package webhooks

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"code.dny.dev/ssrf"
	"github.com/miekg/dns"
)

// countingListener counts accepted connections, so a test can assert that
// no connection at all reached the receiver.
type countingListener struct {
	net.Listener
	accepts atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.accepts.Add(1)
	}
	return c, err
}

// receiver is a loopback HTTP server that counts connections and requests.
type receiver struct {
	srv      *httptest.Server
	ln       *countingListener
	requests atomic.Int64
	port     string
}

func newReceiver(t *testing.T, h http.HandlerFunc) *receiver {
	t.Helper()
	r := &receiver{}
	r.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.requests.Add(1)
		if h != nil {
			h(w, req)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	r.ln = &countingListener{Listener: r.srv.Listener}
	r.srv.Listener = r.ln
	r.srv.Start()
	t.Cleanup(r.srv.Close)
	_, r.port, _ = net.SplitHostPort(r.ln.Addr().String())
	return r
}

// fakeDNS serves A records from answers on a loopback UDP port and returns
// a resolver that asks only it.
func fakeDNS(t *testing.T, answers map[string]string) *net.Resolver {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := dns.NewServeMux()
	mux.HandleFunc(".", func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		name := strings.TrimSuffix(strings.ToLower(q.Question[0].Name), ".")
		ip, ok := answers[name]
		switch {
		case !ok:
			m.Rcode = dns.RcodeNameError
		case q.Question[0].Qtype == dns.TypeA:
			m.Answer = append(m.Answer, &dns.A{
				Hdr: dns.RR_Header{Name: q.Question[0].Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60},
				A:   net.ParseIP(ip),
			})
		}
		_ = w.WriteMsg(m)
	})
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, Handler: mux, NotifyStartedFunc: func() { close(started) }}
	go func() { _ = srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() { _ = srv.Shutdown() })
	addr := pc.LocalAddr().String()
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp", addr)
		},
	}
}

func get(t *testing.T, c *http.Client, url string) (*http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
	}
	return resp, err
}

func TestClientRefusesPrivateDestinations(t *testing.T) {
	r := newReceiver(t, nil)
	resolver := fakeDNS(t, map[string]string{
		"loop.example.test":     "127.0.0.1",
		"internal.example.test": "10.0.0.1",
		"meta.example.test":     "169.254.169.254",
	})
	c := NewClient(ClientConfig{AllowHTTP: true, Resolver: resolver})
	hosts := []string{
		"127.0.0.1",
		"[::1]",
		"169.254.169.254",
		"10.0.0.1",
		"172.16.0.1",
		"192.168.1.1",
		"[::ffff:127.0.0.1]",
		"[fe80::1]",
		"0.0.0.0",
		"localhost",             // resolved by the system (hosts file) to loopback
		"loop.example.test",     // names resolving to private addresses
		"internal.example.test", //
		"meta.example.test",     //
	}
	for _, h := range hosts {
		t.Run(h, func(t *testing.T) {
			start := time.Now()
			resp, err := get(t, c, "http://"+h+":"+r.port+"/hook")
			if err == nil {
				t.Fatalf("request to %s succeeded with %d", h, resp.StatusCode)
			}
			if !errors.Is(err, ErrForbiddenAddress) || !errors.Is(err, ssrf.ErrProhibitedIP) {
				t.Fatalf("request to %s: err = %v, want an SSRF refusal", h, err)
			}
			// Refused before connecting: no waiting on unroutable addresses.
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("refusal took %v", d)
			}
		})
	}
	if n := r.ln.accepts.Load(); n != 0 {
		t.Errorf("receiver accepted %d connections, want 0", n)
	}
	if n := r.requests.Load(); n != 0 {
		t.Errorf("receiver saw %d requests, want 0", n)
	}
}

func TestClientAllowPrivateReachesLoopback(t *testing.T) {
	r := newReceiver(t, nil)
	resolver := fakeDNS(t, map[string]string{"loop.example.test": "127.0.0.1"})
	c := NewClient(ClientConfig{AllowPrivate: true, AllowHTTP: true, Resolver: resolver})
	for _, u := range []string{
		r.srv.URL + "/hook",
		"http://localhost:" + r.port + "/hook",
		// The injected resolver is really used by the dialer.
		"http://loop.example.test:" + r.port + "/hook",
	} {
		resp, err := get(t, c, u)
		if err != nil {
			t.Fatalf("POST %s: %v", u, err)
		}
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("POST %s: status %d", u, resp.StatusCode)
		}
	}
	if n := r.requests.Load(); n != 3 {
		t.Errorf("receiver saw %d requests, want 3", n)
	}
}

func TestClientDoesNotFollowRedirects(t *testing.T) {
	var followed atomic.Int64
	r := newReceiver(t, func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/elsewhere" {
			followed.Add(1)
			w.WriteHeader(http.StatusOK)
			return
		}
		http.Redirect(w, req, "/elsewhere", http.StatusFound)
	})
	c := NewClient(ClientConfig{AllowPrivate: true, AllowHTTP: true})
	resp, err := get(t, c, r.srv.URL+"/hook")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("status = %d, want 302 returned as is", resp.StatusCode)
	}
	if loc := resp.Header.Get("Location"); loc != "/elsewhere" {
		t.Errorf("Location = %q", loc)
	}
	if followed.Load() != 0 {
		t.Error("the redirect was followed")
	}
	if Classify(resp.StatusCode) != OutcomeRetry {
		t.Errorf("302 classified as %v, want retry (a failure)", Classify(resp.StatusCode))
	}
}

func TestClientRefusesHTTPUnlessAllowed(t *testing.T) {
	r := newReceiver(t, nil)
	c := NewClient(ClientConfig{AllowPrivate: true})
	_, err := get(t, c, r.srv.URL+"/hook")
	if !errors.Is(err, ErrInvalidURL) {
		t.Fatalf("http:// with AllowHTTP=false: err = %v, want ErrInvalidURL", err)
	}
	if n := r.ln.accepts.Load(); n != 0 {
		t.Errorf("receiver accepted %d connections, want 0", n)
	}
}

func TestClientTimeout(t *testing.T) {
	release := make(chan struct{})
	r := newReceiver(t, func(w http.ResponseWriter, req *http.Request) {
		select {
		case <-release:
		case <-req.Context().Done():
		}
	})
	defer close(release)
	c := NewClient(ClientConfig{AllowPrivate: true, AllowHTTP: true, Timeout: 200 * time.Millisecond})
	start := time.Now()
	_, err := get(t, c, r.srv.URL+"/hook")
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("hanging receiver: err = %v, want a timeout", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("timeout took %v", d)
	}
	if got := NewClient(ClientConfig{}).Timeout; got != 15*time.Second {
		t.Errorf("default timeout = %v, want 15s", got)
	}
}

func TestClientTransportSettings(t *testing.T) {
	t.Setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
	t.Setenv("HTTP_PROXY", "http://proxy.invalid:3128")
	c := NewClient(ClientConfig{})
	g, ok := c.Transport.(*schemeGuard)
	if !ok {
		t.Fatalf("transport is %T", c.Transport)
	}
	tr, ok := g.next.(*http.Transport)
	if !ok {
		t.Fatalf("inner transport is %T", g.next)
	}
	if tr.Proxy != nil {
		t.Error("transport uses a proxy function (environment proxies must be ignored)")
	}
	if tr.TLSClientConfig == nil || tr.TLSClientConfig.MinVersion != tls.VersionTLS12 {
		t.Error("TLS minimum version is not 1.2")
	}
	if c.CheckRedirect == nil {
		t.Error("redirect policy not set")
	}
}

func TestClientRefusesOldTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	srv.TLS = &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}
	srv.StartTLS()
	defer srv.Close()
	c := NewClient(ClientConfig{AllowPrivate: true})
	// Trust the test certificate, keeping our TLS settings.
	tr := c.Transport.(*schemeGuard).next.(*http.Transport)
	tr.TLSClientConfig.RootCAs = srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	_, err := get(t, c, srv.URL)
	if err == nil || !strings.Contains(err.Error(), "version") {
		t.Fatalf("TLS 1.1 server: err = %v, want a protocol version failure", err)
	}
	// The same server at TLS 1.2 is reached, so the failure above is the
	// version and not the certificate.
	srv2 := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer srv2.Close()
	tr.TLSClientConfig.RootCAs = srv2.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	if _, err := get(t, c, srv2.URL); err != nil {
		t.Fatalf("TLS 1.2+ server: %v", err)
	}
}

func TestValidateURL(t *testing.T) {
	prod := ClientConfig{}
	plain := ClientConfig{AllowHTTP: true}
	sandbox := ClientConfig{AllowHTTP: true, AllowPrivate: true}
	tests := []struct {
		url     string
		cfg     ClientConfig
		wantErr error // nil: valid
	}{
		{"https://hooks.example.com/linkgate", prod, nil},
		{"https://hooks.example.com:8443/x?y=1", prod, nil},
		{"HTTPS://hooks.example.com/", prod, nil},
		{"https://8.8.8.8/hook", prod, nil},
		{"https://[2606:4700:4700::1111]/hook", prod, nil},
		{"https://localhost/hook", prod, nil}, // names are checked at dial time
		{"http://hooks.example.com/", plain, nil},
		{"http://127.0.0.1:8080/hook", sandbox, nil},
		{"http://[::1]:8080/hook", sandbox, nil},

		{"", prod, ErrInvalidURL},
		{"/relative/path", prod, ErrInvalidURL},
		{"hooks.example.com/x", prod, ErrInvalidURL},
		{"//hooks.example.com/x", prod, ErrInvalidURL},
		{"ftp://hooks.example.com/", prod, ErrInvalidURL},
		{"ftp://hooks.example.com/", sandbox, ErrInvalidURL},
		{"javascript:alert(1)", sandbox, ErrInvalidURL},
		{"https:hooks.example.com", prod, ErrInvalidURL},
		{"http://hooks.example.com/", prod, ErrInvalidURL},
		{"https://user:pass@hooks.example.com/", prod, ErrInvalidURL},
		{"https://user@hooks.example.com/", sandbox, ErrInvalidURL},
		{"https://hooks.example.com/x#frag", prod, ErrInvalidURL},
		{"https://hooks.example.com/x#", prod, ErrInvalidURL},
		{"https:///nohost", prod, ErrInvalidURL},
		{"https://:443/", prod, ErrInvalidURL},
		{"https://hooks.example.com:99999/", prod, ErrInvalidURL},
		{"https://hooks.example.com:0/", prod, ErrInvalidURL},
		{"https://hooks.example.com/%zz", prod, ErrInvalidURL},

		{"https://127.0.0.1/hook", prod, ErrForbiddenAddress},
		{"https://127.1.2.3/hook", prod, ErrForbiddenAddress},
		{"https://[::1]/hook", prod, ErrForbiddenAddress},
		{"https://169.254.169.254/latest/meta-data", prod, ErrForbiddenAddress},
		{"https://10.0.0.1/hook", prod, ErrForbiddenAddress},
		{"https://172.16.5.4/hook", prod, ErrForbiddenAddress},
		{"https://192.168.0.10/hook", prod, ErrForbiddenAddress},
		{"https://100.64.0.1/hook", prod, ErrForbiddenAddress},
		{"https://0.0.0.0/hook", prod, ErrForbiddenAddress},
		{"https://[::ffff:127.0.0.1]/hook", prod, ErrForbiddenAddress},
		{"https://[::ffff:8.8.8.8]/hook", prod, ErrForbiddenAddress},
		{"https://[fe80::1%25eth0]/hook", prod, ErrForbiddenAddress},
		{"https://[fc00::1]/hook", prod, ErrForbiddenAddress},
		{"http://127.0.0.1:8080/hook", plain, ErrForbiddenAddress},
	}
	for _, tt := range tests {
		err := ValidateURL(tt.url, tt.cfg)
		switch {
		case tt.wantErr == nil && err != nil:
			t.Errorf("ValidateURL(%q, %+v) = %v, want nil", tt.url, tt.cfg, err)
		case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
			t.Errorf("ValidateURL(%q, %+v) = %v, want %v", tt.url, tt.cfg, err, tt.wantErr)
		}
	}
}
