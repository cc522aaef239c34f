package main

// Helpers of the registration page tests: an in-process SMTP server that
// records what linkgate's real SMTP adapter sends, a linkgate started with
// its public URL equal to its own address, and a cookie-keeping page
// client that records every /register response.

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"
)

// ---- SMTP ----

// mailMessage is a message the SMTP server received, decoded.
type mailMessage struct {
	From, To, Subject, Text, HTML string
}

// smtpCatcher is an emersion/go-smtp server on 127.0.0.1 that accepts
// everything and keeps it.
type smtpCatcher struct {
	addr string
	mu   sync.Mutex
	raw  [][]byte
}

func startSMTP(t *testing.T) *smtpCatcher {
	t.Helper()
	sc := &smtpCatcher{}
	s := gosmtp.NewServer(sc)
	s.Domain = "mx.test"
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	s.MaxMessageBytes = 1 << 20
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sc.addr = l.Addr().String()
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Serve(l) }()
	t.Cleanup(func() { _ = s.Close(); <-done })
	return sc
}

// URL is the SMTP_URL of the server (plain text: it is on loopback).
func (sc *smtpCatcher) URL() string { return "smtp://" + sc.addr + "?tls=none" }

func (sc *smtpCatcher) NewSession(*gosmtp.Conn) (gosmtp.Session, error) {
	return &smtpSession{sc: sc}, nil
}

type smtpSession struct{ sc *smtpCatcher }

func (s *smtpSession) Mail(string, *gosmtp.MailOptions) error { return nil }
func (s *smtpSession) Rcpt(string, *gosmtp.RcptOptions) error { return nil }
func (s *smtpSession) Reset()                                 {}
func (s *smtpSession) Logout() error                          { return nil }
func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.sc.mu.Lock()
	s.sc.raw = append(s.sc.raw, b)
	s.sc.mu.Unlock()
	return nil
}

// messages decodes what the server received so far.
func (sc *smtpCatcher) messages(t *testing.T) []mailMessage {
	t.Helper()
	sc.mu.Lock()
	raw := append([][]byte(nil), sc.raw...)
	sc.mu.Unlock()
	var out []mailMessage
	for _, b := range raw {
		out = append(out, parseMail(t, b))
	}
	return out
}

// waitMail waits for the n-th message (1-based) to arrive and returns it.
func (sc *smtpCatcher) waitMail(t *testing.T, n int) mailMessage {
	t.Helper()
	end := time.Now().Add(flowDeadline)
	for {
		if ms := sc.messages(t); len(ms) >= n {
			return ms[n-1]
		}
		if time.Now().After(end) {
			t.Fatalf("no e-mail #%d after %s", n, flowDeadline)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// parseMail decodes an RFC 5322 message: its subject, and the text and
// HTML parts of a multipart/alternative body.
func parseMail(t *testing.T, data []byte) mailMessage {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("parse e-mail: %v\n%s", err, data)
	}
	var dec mime.WordDecoder
	subject, _ := dec.DecodeHeader(m.Header.Get("Subject"))
	out := mailMessage{Subject: subject, From: m.Header.Get("From")}
	if to, err := mail.ParseAddress(m.Header.Get("To")); err == nil {
		out.To = to.Address
	}
	set := func(ct, cte string, body io.Reader) {
		switch strings.ToLower(cte) {
		case "quoted-printable":
			body = quotedprintable.NewReader(body)
		case "base64":
			b, _ := io.ReadAll(body)
			body = base64.NewDecoder(base64.StdEncoding, strings.NewReader(strings.NewReplacer("\r", "", "\n", "").Replace(string(b))))
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatalf("decode e-mail part: %v", err)
		}
		switch mt, _, _ := mime.ParseMediaType(ct); mt {
		case "text/plain":
			out.Text = string(b)
		case "text/html":
			out.HTML = string(b)
		}
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("e-mail Content-Type: %v", err)
	}
	if !strings.HasPrefix(mt, "multipart/") {
		set(m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body)
		return out
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("e-mail parts: %v", err)
		}
		set(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p)
	}
}

var registerLinkRE = regexp.MustCompile(`https?://[^\s"<>]+/register/([A-Za-z0-9_-]{40,})`)

// linkIn returns the registration link in a text and its token.
func linkIn(t *testing.T, text string) (link, token string) {
	t.Helper()
	m := registerLinkRE.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no registration link in:\n%s", text)
	}
	return m[0], m[1]
}

// ---- linkgate ----

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// startPublic runs linkgate in sandbox mode on an address that is also
// its LINKGATE_PUBLIC_URL (the base of e-mailed links).
func startPublic(t *testing.T, env map[string]string) (*running, *lgAPI) {
	t.Helper()
	return startPublicAt(t, nil, env)
}

// startPublicAt is startPublic with the store's clock now.
func startPublicAt(t *testing.T, now func() time.Time, env map[string]string) (*running, *lgAPI) {
	t.Helper()
	addr := freeAddr(t)
	e := map[string]string{"LINKGATE_DATA_DIR": t.TempDir(), "LINKGATE_BOOTSTRAP_ADMIN_KEY": e2eKey,
		"LINKGATE_PUBLIC_URL": "http://" + addr}
	for k, v := range env {
		e[k] = v
	}
	r := startAt(t, now, e, "-addr", addr)
	if r.addr != addr {
		t.Fatalf("listening on %s, want %s", r.addr, addr)
	}
	return r, &lgAPI{t: t, base: "http://" + addr, key: e2eKey}
}

// forwardLogin forwards domain id's setup to email and returns the link
// from the API's answer (share_link).
func (a *lgAPI) forwardLogin(id, email string) (link, token string) {
	a.t.Helper()
	r := a.want(202, "POST", "/api/v1/domains/"+id+"/forward-login", fmt.Sprintf(`{"email":%q,"share_link":true}`, email))
	l, _ := r.body["link"].(string)
	return linkIn(a.t, l)
}

// registrations lists the registrations matching query (domain=, ...).
func (a *lgAPI) registrations(query string) []map[string]any {
	a.t.Helper()
	r := a.want(200, "GET", "/api/v1/registrations?"+query, "")
	list, _ := r.body["data"].([]any)
	var out []map[string]any
	for _, x := range list {
		out = append(out, x.(map[string]any))
	}
	return out
}

// ---- a browser without a browser ----

// pageResponse is one /register exchange.
type pageResponse struct {
	method, path string
	status       int
	header       http.Header
	body         string
}

// pageClient keeps cookies, does not follow redirects, and records every
// response (shared between the clients of one test).
type pageClient struct {
	t    *testing.T
	base string
	c    *http.Client
	log  *pageLog
	hdr  map[string]string // sent with every request
}

type pageLog struct {
	mu   sync.Mutex
	resp []pageResponse
}

func (l *pageLog) all() []pageResponse {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]pageResponse(nil), l.resp...)
}

func newPageClient(t *testing.T, base string, log *pageLog) *pageClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &pageClient{t: t, base: base, log: log, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (p *pageClient) do(method, path string, form url.Values) pageResponse {
	p.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, p.base+path, body)
	if err != nil {
		p.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range p.hdr {
		req.Header.Set(k, v)
	}
	resp, err := p.c.Do(req)
	if err != nil {
		p.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := pageResponse{method: method, path: path, status: resp.StatusCode, header: resp.Header, body: string(b)}
	p.log.mu.Lock()
	p.log.resp = append(p.log.resp, r)
	p.log.mu.Unlock()
	return r
}

func (p *pageClient) get(path string) pageResponse { p.t.Helper(); return p.do("GET", path, nil) }

func (p *pageClient) post(path string, form url.Values) pageResponse {
	p.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	return p.do("POST", path, form)
}

// want checks the status (and, for a redirect, the location's path).
func (r pageResponse) want(t *testing.T, status int, location ...string) pageResponse {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s %s: %d, want %d\n%s", r.method, redactPath(r.path), r.status, status, r.body)
	}
	if len(location) > 0 && r.header.Get("Location") != location[0] {
		t.Fatalf("%s %s: Location %q, want %q", r.method, redactPath(r.path), r.header.Get("Location"), location[0])
	}
	return r
}

func (r pageResponse) has(t *testing.T, texts ...string) pageResponse {
	t.Helper()
	for _, s := range texts {
		if !strings.Contains(r.body, s) {
			t.Errorf("%s %s (%d) does not say %q:\n%s", r.method, redactPath(r.path), r.status, s, r.body)
		}
	}
	return r
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrf returns the form token of a page.
func (r pageResponse) csrf(t *testing.T) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("%s %s: no CSRF token in the page:\n%s", r.method, redactPath(r.path), r.body)
	}
	return m[1]
}

// cookie returns the Set-Cookie of name in the response, if any.
func (r pageResponse) cookie(name string) *http.Cookie {
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// redactPath shortens a /register path's token for failure messages.
func redactPath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if len(s) > 40 {
			parts[i] = s[:6] + "…"
		}
	}
	return strings.Join(parts, "/")
}

// form builds url.Values from pairs.
func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// retryAfter parses a Retry-After in seconds (-1 when absent or bad).
func retryAfter(h http.Header) int {
	n, err := strconv.Atoi(h.Get("Retry-After"))
	if err != nil {
		return -1
	}
	return n
}
