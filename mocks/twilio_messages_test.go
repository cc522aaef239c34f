package mocks_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twilio/twilio-go/client"

	"github.com/linkgate/linkgate/mocks"
)

const twilioMessagesPath = "/2010-04-01/Accounts/" + twilioTestAccount + "/Messages.json"

// twilioCall sends a request to the fake as twilio-go would (Basic auth,
// form body) and decodes the JSON answer.
func twilioCall(t *testing.T, h http.Handler, method, path string, form url.Values) (int, map[string]any) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, "https://api.twilio.com"+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.SetBasicAuth(twilioTestAccount, twilioTestToken)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out map[string]any
	if rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %s: %d %q is not JSON", method, path, rec.Code, rec.Body.String())
		}
	}
	return rec.Code, out
}

// hook is a loopback server standing for linkgate's /twilio/... callbacks.
type hook struct {
	srv  *httptest.Server
	got  chan hookReq
	mu   sync.Mutex
	fail bool
}

type hookReq struct {
	URL         string // as Twilio signed it: scheme, host, path and query
	Body        []byte
	Form        url.Values
	Signature   string
	ContentType string
}

func newHook(t *testing.T) *hook {
	t.Helper()
	h := &hook{got: make(chan hookReq, 100)}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		hr := hookReq{URL: h.srv.URL + r.URL.RequestURI(), Body: b, Signature: r.Header.Get("X-Twilio-Signature"),
			ContentType: r.Header.Get("Content-Type")}
		if strings.HasPrefix(hr.ContentType, "application/x-www-form-urlencoded") {
			hr.Form, _ = url.ParseQuery(string(b))
		}
		h.got <- hr
		h.mu.Lock()
		fail := h.fail
		h.mu.Unlock()
		if fail {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// next returns the next callback, failing after 5 s (no fixed sleep: the
// wait ends as soon as it arrives).
func (h *hook) next(t *testing.T) hookReq {
	t.Helper()
	select {
	case r := <-h.got:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("no callback came")
		return hookReq{}
	}
}

func (h *hook) none(t *testing.T) {
	t.Helper()
	select {
	case r := <-h.got:
		t.Errorf("unexpected callback to %s: %s", r.URL, r.Body)
	default:
	}
}

// validForm checks a form callback's signature with twilio-go's validator.
func validForm(t *testing.T, r hookReq) {
	t.Helper()
	params := map[string]string{}
	for k, v := range r.Form {
		params[k] = v[0]
	}
	v := client.NewRequestValidator(twilioTestToken)
	if !v.Validate(r.URL, params, r.Signature) {
		t.Errorf("signature %q of %s does not validate", r.Signature, r.URL)
	}
	if !v.ValidateBody(r.URL, r.Body, r.Signature) {
		t.Errorf("signature %q of %s does not validate as a body", r.Signature, r.URL)
	}
	bad := client.NewRequestValidator("SomeOtherToken0123456789")
	if bad.Validate(r.URL, params, r.Signature) {
		t.Error("signature validates with another token")
	}
}

// attach links the Messaging Service to the domain through the fake's v1
// API, as the adapter does.
func attach(t *testing.T, f *mocks.Twilio, dn, mg string) {
	t.Helper()
	if code, body := twilioCall(t, f, http.MethodPost, "/v1/LinkShortening/Domains/"+dn+"/MessagingServices/"+mg, url.Values{}); code != 201 {
		t.Fatalf("attach: %d %v", code, body)
	}
}

func TestTwilioMessagesRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newTwilioFake(t, mocks.TwilioConfig{})
	mg, err := f.CreateMessagingService(ctx, "refusals")
	if err != nil {
		t.Fatal(err)
	}
	f.SetInboundURL("http://127.0.0.1:1/closed")
	_, _ = f.Inbound(ctx, "+447700900999", f.MessagingServiceNumber(mg), "stop")

	form := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	tests := []struct {
		name   string
		path   string
		method string
		form   url.Values
		status int
		code   int
	}{
		{"no To", twilioMessagesPath, "POST", form("MessagingServiceSid", mg, "Body", "x"), 400, 21604},
		{"To not E.164", twilioMessagesPath, "POST", form("To", "07700900123", "MessagingServiceSid", mg, "Body", "x"), 400, 21211},
		{"US number too short", twilioMessagesPath, "POST", form("To", "+1555123456", "MessagingServiceSid", mg, "Body", "x"), 400, 21211},
		{"no sender", twilioMessagesPath, "POST", form("To", "+447700900123", "Body", "x"), 400, 21603},
		{"bad From", twilioMessagesPath, "POST", form("To", "+447700900123", "From", "no way, too long", "Body", "x"), 400, 21212},
		{"alphanumeric to the US", twilioMessagesPath, "POST", form("To", "+15551234567", "From", "Acme", "Body", "x"), 400, 21606},
		{"no body", twilioMessagesPath, "POST", form("To", "+447700900123", "MessagingServiceSid", mg), 400, 21602},
		{"body over 1600", twilioMessagesPath, "POST", form("To", "+447700900123", "MessagingServiceSid", mg, "Body", strings.Repeat("é", 1601)), 400, 21617},
		{"unknown service", twilioMessagesPath, "POST", form("To", "+447700900123", "MessagingServiceSid", twilioTestMG, "Body", "x"), 400, 21701},
		{"shorten without domain", twilioMessagesPath, "POST", form("To", "+447700900123", "MessagingServiceSid", mg, "Body", "x", "ShortenUrls", "true"), 400, 21626},
		{"shorten without service", twilioMessagesPath, "POST", form("To", "+447700900123", "From", "+447700900001", "Body", "x", "ShortenUrls", "true"), 400, 21626},
		{"opted out", twilioMessagesPath, "POST", form("To", "+447700900999", "MessagingServiceSid", mg, "Body", "x"), 400, 21610},
		{"bad callback", twilioMessagesPath, "POST", form("To", "+447700900123", "MessagingServiceSid", mg, "Body", "x", "StatusCallback", "ftp://x"), 400, 11100},
		{"another account", "/2010-04-01/Accounts/ACffffffffffffffffffffffffffffffff/Messages.json", "POST", form("To", "+447700900123", "MessagingServiceSid", mg, "Body", "x"), 404, 20404},
		{"unknown message", "/2010-04-01/Accounts/" + twilioTestAccount + "/Messages/SM00000000000000000000000000000000.json", "GET", nil, 404, 20404},
		{"delete", "/2010-04-01/Accounts/" + twilioTestAccount + "/Messages.json", "DELETE", nil, 405, 20004},
		{"bad date", twilioMessagesPath + "?DateSent%3E=yesterday", "GET", nil, 400, 21201},
		{"bad page size", twilioMessagesPath + "?PageSize=0", "GET", nil, 400, 20001},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := twilioCall(t, f, tc.method, tc.path, tc.form)
			if status != tc.status || body["code"] != float64(tc.code) || body["status"] != float64(tc.status) ||
				body["message"] == "" || !strings.HasSuffix(body["more_info"].(string), "/errors/"+jsonInt(tc.code)) {
				t.Errorf("%d %v, want %d with code %d in Twilio's error body", status, body, tc.status, tc.code)
			}
		})
	}
	if n := len(f.Messages()); n != 1 { // the inbound STOP
		t.Errorf("%d messages stored, want only the inbound STOP", n)
	}

	// Credentials are checked as for the rest of the API.
	req := httptest.NewRequest("POST", "https://api.twilio.com"+twilioMessagesPath, strings.NewReader("To=%2B447700900123"))
	req.SetBasicAuth(twilioTestAccount, "wrong")
	rec := httptest.NewRecorder()
	f.ServeHTTP(rec, req)
	if rec.Code != 401 || !strings.Contains(rec.Body.String(), `"code":20003`) {
		t.Errorf("wrong token: %d %s", rec.Code, rec.Body)
	}
}

func jsonInt(n int) string { b, _ := json.Marshal(n); return string(b) }

var shortLink = regexp.MustCompile(`^https://ls\.acme\.com/[A-Za-z0-9]{6,10}$`)

// TestTwilioMessagesLifecycle: shortening, statuses and the signed status
// callbacks, for each fate a message can have.
func TestTwilioMessagesLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newTwilioFake(t, mocks.TwilioConfig{})
	h := newHook(t)
	dn := f.RegisterDomain("ls.acme.com")
	mg, _ := f.CreateMessagingService(ctx, "lifecycle")
	attach(t, f, dn, mg)
	if err := f.BlockDomain(ctx, "Blocked.Example."); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		to       string
		body     string
		final    string
		code     int
		segments int
	}{
		{"delivered", "+447700900123", "Sale! https://shop.example.com/spring?a=1&b=2 ends soon", "delivered", 0, 1},
		{"unreachable handset", "+447700900000", "Sale! https://shop.example.com/x", "undelivered", 30003, 1},
		{"blocked linked site", "+447700900124", "See https://www.blocked.example/offer", "undelivered", 30007, 1},
		{"two segments", "+447700900125", strings.Repeat("a", 161) + " https://shop.example.com/", "delivered", 0, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cb := h.srv.URL + "/twilio/status?campaign=" + url.QueryEscape(tc.name)
			status, m := twilioCall(t, f, "POST", twilioMessagesPath, url.Values{
				"To": {tc.to}, "MessagingServiceSid": {mg}, "Body": {tc.body}, "ShortenUrls": {"true"}, "StatusCallback": {cb},
			})
			if status != 201 || m["status"] != "accepted" || m["num_segments"] != "0" || m["price"] != nil || m["from"] != nil {
				t.Fatalf("create: %d %v", status, m)
			}
			sid := m["sid"].(string)
			body := m["body"].(string)
			if strings.Contains(body, "shop.example.com") || strings.Contains(body, "blocked.example/") {
				t.Errorf("body %q still has the long URL", body)
			}
			msg, _ := f.Message(sid)
			if len(msg.ShortLinks) != 1 {
				t.Fatalf("short links %v", msg.ShortLinks)
			}
			for short := range msg.ShortLinks {
				if !shortLink.MatchString(short) || !strings.Contains(body, short) {
					t.Errorf("short link %q (body %q)", short, body)
				}
			}
			h.none(t)
			for _, want := range []string{"queued", "sent", tc.final} {
				if _, err := f.AdvanceMessages(ctx); err != nil {
					t.Fatal(err)
				}
				r := h.next(t)
				validForm(t, r)
				if r.URL != cb {
					t.Errorf("callback to %s, want %s", r.URL, cb)
				}
				wantForm := map[string]string{
					"MessageSid": sid, "SmsSid": sid, "MessageStatus": want, "SmsStatus": want, "To": tc.to,
					"From": f.MessagingServiceNumber(mg), "AccountSid": twilioTestAccount, "MessagingServiceSid": mg,
					"ApiVersion": "2010-04-01",
				}
				if tc.code != 0 && want == tc.final {
					wantForm["ErrorCode"] = jsonInt(tc.code)
				}
				for k, v := range wantForm {
					if r.Form.Get(k) != v {
						t.Errorf("%s callback: %s = %q, want %q", want, k, r.Form.Get(k), v)
					}
				}
				if _, has := r.Form["ErrorCode"]; has && wantForm["ErrorCode"] == "" {
					t.Errorf("%s callback has ErrorCode %s", want, r.Form.Get("ErrorCode"))
				}
			}
			status, m = twilioCall(t, f, "GET", "/2010-04-01/Accounts/"+twilioTestAccount+"/Messages/"+sid+".json", nil)
			wantPrice := map[int]string{1: "-0.00790", 2: "-0.01580"}[tc.segments]
			if status != 200 || m["status"] != tc.final || m["num_segments"] != jsonInt(tc.segments) || m["price"] != wantPrice ||
				m["price_unit"] != "USD" || m["date_sent"] == nil {
				t.Errorf("fetch: %d %v", status, m)
			}
			if tc.code != 0 && m["error_code"] != float64(tc.code) {
				t.Errorf("error_code %v, want %d", m["error_code"], tc.code)
			}
		})
	}
	if n, err := f.AdvanceMessages(ctx); n != 0 || err != nil {
		t.Errorf("AdvanceMessages after the end: %d, %v", n, err)
	}
	if f.Sends("+447700900123") != 1 || f.Calls(mocks.TwilioOpCreateMessage, "+447700900123") != 1 {
		t.Errorf("Sends %d, calls %d", f.Sends("+447700900123"), f.Calls(mocks.TwilioOpCreateMessage, "+447700900123"))
	}
}

// TestTwilioMessagesFromAndCallbackFailure: a message with From alone
// starts queued with its segments; a failing callback is reported and
// the message moves on all the same.
func TestTwilioMessagesFromAndCallbackFailure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newTwilioFake(t, mocks.TwilioConfig{})
	h := newHook(t)
	h.fail = true
	status, m := twilioCall(t, f, "POST", twilioMessagesPath, url.Values{
		"To": {"+447700900123"}, "From": {"Acme"}, "Body": {"Привет"}, "StatusCallback": {h.srv.URL + "/s"},
	})
	if status != 201 || m["status"] != "queued" || m["num_segments"] != "1" || m["from"] != "Acme" || m["messaging_service_sid"] != nil {
		t.Fatalf("create: %d %v", status, m)
	}
	n, err := f.FlushMessages(ctx)
	if n != 2 || err == nil {
		t.Errorf("FlushMessages = %d, %v; want 2 changes and the failed callbacks", n, err)
	}
	h.next(t)
	h.next(t)
	if msg, _ := f.Message(m["sid"].(string)); msg.Status != "delivered" {
		t.Errorf("status %q", msg.Status)
	}
}

// TestTwilioMessagesClick: Link Shortening's click event, JSON signed
// with bodySHA256, as twilio-go's ValidateBody checks it.
func TestTwilioMessagesClick(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	f := newTwilioFake(t, mocks.TwilioConfig{Now: func() time.Time { return now }})
	h := newHook(t)
	dn := f.RegisterDomain("ls.acme.com")
	mg, _ := f.CreateMessagingService(ctx, "clicks")
	attach(t, f, dn, mg)
	_, m := twilioCall(t, f, "POST", twilioMessagesPath, url.Values{
		"To": {"+447700900123"}, "MessagingServiceSid": {mg}, "Body": {"Go https://shop.example.com/p?id=7"}, "ShortenUrls": {"true"},
	})
	sid := m["sid"].(string)
	if _, err := f.FlushMessages(ctx); err != nil {
		t.Fatal(err)
	}
	if err := f.Click(ctx, sid, "Mozilla/5.0", "click"); !errors.Is(err, mocks.ErrNoClickCallback) {
		t.Errorf("click with no callback configured: %v", err)
	}
	if code, body := twilioCall(t, f, "POST", "/v1/LinkShortening/Domains/"+dn+"/Config",
		url.Values{"CallbackUrl": {h.srv.URL + "/twilio/clicks"}}); code != 201 {
		t.Fatalf("config: %d %v", code, body)
	}
	for _, ev := range []string{"click", "preview"} {
		if err := f.Click(ctx, sid, "Mozilla/5.0 ("+ev+")", ev); err != nil {
			t.Fatal(err)
		}
		r := h.next(t)
		v := client.NewRequestValidator(twilioTestToken)
		if r.ContentType != "application/json" || !strings.Contains(r.URL, "?bodySHA256=") || !v.ValidateBody(r.URL, r.Body, r.Signature) {
			t.Errorf("click event %s %s not signed as Twilio signs: %q", r.ContentType, r.URL, r.Signature)
		}
		if v.ValidateBody(r.URL, bytes.Replace(r.Body, []byte("7"), []byte("8"), 1), r.Signature) {
			t.Error("a tampered body validates")
		}
		var got map[string]string
		if err := json.Unmarshal(r.Body, &got); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{
			"event_type": ev, "sms_sid": sid, "to": "+447700900123", "from": f.MessagingServiceNumber(mg),
			"link": "https://shop.example.com/p?id=7", "click_time": "2026-12-06T10:00:00.000Z",
			"messaging_service_sid": mg, "account_sid": twilioTestAccount, "user_agent": "Mozilla/5.0 (" + ev + ")",
		}
		for k, w := range want {
			if got[k] != w {
				t.Errorf("%s event: %s = %q, want %q", ev, k, got[k], w)
			}
		}
	}
	if err := f.Click(ctx, sid, "x", "tap"); err == nil {
		t.Error("event type tap accepted")
	}
	if err := f.Click(ctx, "SM00000000000000000000000000000000", "x", "click"); err == nil {
		t.Error("click on an unknown message accepted")
	}
}

// TestTwilioMessagesInbound: an inbound STOP is posted signed, and the
// number can no longer be sent to until START.
func TestTwilioMessagesInbound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHook(t)
	f := newTwilioFake(t, mocks.TwilioConfig{InboundURL: h.srv.URL + "/twilio/inbound"})
	mg, _ := f.CreateMessagingService(ctx, "inbound")
	number := f.MessagingServiceNumber(mg)
	send := func() int {
		status, _ := twilioCall(t, f, "POST", twilioMessagesPath, url.Values{"To": {"+447700900123"}, "MessagingServiceSid": {mg}, "Body": {"x"}})
		return status
	}
	tests := []struct {
		body    string
		optOut  string
		optedIn bool
		status  int
	}{
		{"Hello?", "", false, 201},
		{" stop ", "STOP", true, 400},
		{"HELP", "HELP", true, 400},
		{"Start", "START", false, 201},
	}
	for _, tc := range tests {
		sid, err := f.Inbound(ctx, "+447700900123", number, tc.body)
		if err != nil {
			t.Fatal(err)
		}
		r := h.next(t)
		validForm(t, r)
		for k, v := range map[string]string{"From": "+447700900123", "To": number, "Body": tc.body, "MessageSid": sid, "SmsSid": sid,
			"SmsMessageSid": sid, "AccountSid": twilioTestAccount, "MessagingServiceSid": mg, "SmsStatus": "received",
			"ApiVersion": "2010-04-01", "NumMedia": "0", "NumSegments": "1", "OptOutType": tc.optOut} {
			if r.Form.Get(k) != v {
				t.Errorf("%q: %s = %q, want %q", tc.body, k, r.Form.Get(k), v)
			}
		}
		if f.OptedOut("+447700900123") != tc.optedIn {
			t.Errorf("%q: opted out %v", tc.body, !tc.optedIn)
		}
		if got := send(); got != tc.status {
			t.Errorf("%q: send answered %d, want %d", tc.body, got, tc.status)
		}
	}
	f.SetInboundURL("")
	if _, err := f.Inbound(ctx, "+447700900123", number, "x"); !errors.Is(err, mocks.ErrNoInboundURL) {
		t.Errorf("no inbound URL: %v", err)
	}
}

// TestTwilioMessagesList: Twilio's paging (next_page_uri) and filters.
func TestTwilioMessagesList(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newTwilioFake(t, mocks.TwilioConfig{})
	mg, _ := f.CreateMessagingService(ctx, "list")
	var sids []string
	for i := 0; i < 5; i++ {
		_, m := twilioCall(t, f, "POST", twilioMessagesPath, url.Values{"To": {"+447700900123"}, "MessagingServiceSid": {mg}, "Body": {"x"}})
		sids = append(sids, m["sid"].(string))
	}
	twilioCall(t, f, "POST", twilioMessagesPath, url.Values{"To": {"+447700900999"}, "MessagingServiceSid": {mg}, "Body": {"x"}})

	// Not sent yet: no send date, so a DateSent filter does not list them.
	q := url.Values{"To": {"+447700900123"}, "DateSent>": {time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)}, "PageSize": {"2"}}
	if _, page := twilioCall(t, f, "GET", twilioMessagesPath+"?"+q.Encode(), nil); len(page["messages"].([]any)) != 0 {
		t.Errorf("unsent messages listed by DateSent: %v", page["messages"])
	}
	if _, err := f.FlushMessages(ctx); err != nil {
		t.Fatal(err)
	}
	var got []string
	path := twilioMessagesPath + "?" + q.Encode()
	for pages := 0; path != ""; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		status, page := twilioCall(t, f, "GET", path, nil)
		if status != 200 || page["page_size"] != float64(2) {
			t.Fatalf("page: %d %v", status, page)
		}
		for _, m := range page["messages"].([]any) {
			got = append(got, m.(map[string]any)["sid"].(string))
		}
		path, _ = page["next_page_uri"].(string)
	}
	want := []string{sids[4], sids[3], sids[2], sids[1], sids[0]} // newest first
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("listed %v, want %v", got, want)
	}
	q.Set("DateSent>", time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	if _, page := twilioCall(t, f, "GET", twilioMessagesPath+"?"+q.Encode(), nil); len(page["messages"].([]any)) != 0 {
		t.Errorf("messages sent before DateSent> listed")
	}
}

// TestTwilioMessagesPersistence: messages, services, opt-outs, blocked
// domains and the send counts survive a restart.
func TestTwilioMessagesPersistence(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := &memPersister{}
	f := newTwilioFake(t, mocks.TwilioConfig{Persister: p})
	mg, _ := f.CreateMessagingService(ctx, "persisted")
	_, m := twilioCall(t, f, "POST", twilioMessagesPath, url.Values{"To": {"+447700900123"}, "MessagingServiceSid": {mg}, "Body": {"see https://bad.example/"}})
	_ = f.BlockDomain(ctx, "bad.example")
	f.SetInboundURL("http://127.0.0.1:1/")
	_, _ = f.Inbound(ctx, "+447700900777", f.MessagingServiceNumber(mg), "STOP")

	g := newTwilioFake(t, mocks.TwilioConfig{Persister: p})
	if g.MessagingServiceNumber(mg) == "" || g.Sends("+447700900123") != 1 || !g.OptedOut("+447700900777") {
		t.Errorf("after restart: number %q sends %d opted out %v", g.MessagingServiceNumber(mg), g.Sends("+447700900123"), g.OptedOut("+447700900777"))
	}
	if _, err := g.FlushMessages(ctx); err != nil {
		t.Fatal(err)
	}
	if msg, ok := g.Message(m["sid"].(string)); !ok || msg.Status != "undelivered" || msg.ErrorCode != 30007 {
		t.Errorf("message after restart: %+v %v", msg, ok)
	}

	// Many messages (three shards), all back after a restart.
	for i := 0; i < 250; i++ {
		if status, body := twilioCall(t, g, "POST", twilioMessagesPath, url.Values{"To": {"+447700900555"}, "MessagingServiceSid": {mg}, "Body": {"x"}}); status != 201 {
			t.Fatalf("send %d: %d %v", i, status, body)
		}
	}
	if _, err := g.FlushMessages(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(p.data[mocks.TwilioMessagesStateName]); n > 4096 {
		t.Errorf("the header state is %d bytes: messages are saved in it", n)
	}
	h := newTwilioFake(t, mocks.TwilioConfig{Persister: p})
	delivered := 0
	for _, msg := range h.Messages() {
		if msg.To == "+447700900555" && msg.Status == "delivered" {
			delivered++
		}
	}
	if delivered != 250 || h.Sends("+447700900555") != 250 {
		t.Errorf("after restart: %d delivered, %d sends; want 250", delivered, h.Sends("+447700900555"))
	}

	// A send the store refuses is not kept.
	p.mu.Lock()
	p.failSave = errors.New("disk full")
	p.mu.Unlock()
	if status, _ := twilioCall(t, h, "POST", twilioMessagesPath, url.Values{"To": {"+447700900556"}, "MessagingServiceSid": {mg}, "Body": {"x"}}); status != 500 {
		t.Errorf("send with a failing store: %d, want 500", status)
	}
	if h.Sends("+447700900556") != 0 || len(h.Messages()) != 252 {
		t.Errorf("a refused save left %d sends, %d messages", h.Sends("+447700900556"), len(h.Messages()))
	}
}

// TestTwilioMessagesDeliverByItself: with a DeliveryInterval the fake
// moves messages on alone (sandbox mode).
func TestTwilioMessagesDeliverByItself(t *testing.T) {
	t.Parallel()
	h := newHook(t)
	f := newTwilioFake(t, mocks.TwilioConfig{DeliveryInterval: time.Millisecond})
	mg, _ := f.CreateMessagingService(context.Background(), "auto")
	twilioCall(t, f, "POST", twilioMessagesPath, url.Values{"To": {"+447700900123"}, "MessagingServiceSid": {mg}, "Body": {"x"}, "StatusCallback": {h.srv.URL}})
	for _, want := range []string{"queued", "sent", "delivered"} {
		if r := h.next(t); r.Form.Get("MessageStatus") != want {
			t.Errorf("status %q, want %q", r.Form.Get("MessageStatus"), want)
		}
	}
}

// TestSandboxMessaging drives the sandbox's Messages API controls over
// HTTP.
func TestSandboxMessaging(t *testing.T) {
	t.Parallel()
	h := newHook(t)
	f := newTwilioFake(t, mocks.TwilioConfig{InboundURL: h.srv.URL + "/twilio/inbound"})
	sb := &mocks.Sandbox{Twilio: f, TwilioAccountSID: twilioTestAccount, TwilioAuthToken: twilioTestToken}
	srv := httptest.NewServer(sb.Handler())
	defer srv.Close()
	post := func(path, body string) (int, map[string]any) {
		resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	status, out := post("/_sandbox/twilio/messaging-services", `{"friendly_name": "Spring"}`)
	mg, _ := out["messaging_service_sid"].(string)
	if status != 201 || !strings.HasPrefix(mg, "MG") {
		t.Fatalf("messaging service: %d %v", status, out)
	}
	dn := f.RegisterDomain("ls.acme.com")
	attach(t, f, dn, mg)
	twilioCall(t, f, "POST", "/v1/LinkShortening/Domains/"+dn+"/Config", url.Values{"CallbackUrl": {h.srv.URL + "/twilio/clicks"}})

	// The Messages API under the prefix, with Basic auth.
	form := url.Values{"To": {"+447700900123"}, "MessagingServiceSid": {mg}, "Body": {"https://shop.example.com/"}, "ShortenUrls": {"true"}}
	req, _ := http.NewRequest("POST", srv.URL+"/_sandbox/twilio"+twilioMessagesPath, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(twilioTestAccount, twilioTestToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var msg map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&msg)
	_ = resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("send under the prefix: %d %v", resp.StatusCode, msg)
	}
	sid := msg["sid"].(string)

	tests := []struct {
		name, path, body string
		status           int
		hook             bool
	}{
		{"block", "/_sandbox/twilio/blocked-domains", `{"host": "Shop.Example.com"}`, 201, false},
		{"block bad host", "/_sandbox/twilio/blocked-domains", `{"host": "not a host"}`, 422, false},
		{"click", "/_sandbox/twilio/clicks", `{"message_sid": "` + sid + `", "user_agent": "Mozilla/5.0", "event_type": "click"}`, 204, true},
		{"preview", "/_sandbox/twilio/clicks", `{"message_sid": "` + sid + `", "user_agent": "facebookexternalhit/1.1", "event_type": "preview"}`, 204, true},
		{"click bad type", "/_sandbox/twilio/clicks", `{"message_sid": "` + sid + `", "event_type": "tap"}`, 422, false},
		{"click unknown", "/_sandbox/twilio/clicks", `{"message_sid": "SM00000000000000000000000000000000"}`, 404, false},
		{"inbound", "/_sandbox/twilio/inbound", `{"from": "+447700900123", "to": "` + f.MessagingServiceNumber(mg) + `", "body": "STOP"}`, 201, true},
		{"inbound bad from", "/_sandbox/twilio/inbound", `{"from": "12", "to": "+15550000001", "body": "x"}`, 422, false},
		{"service without name", "/_sandbox/twilio/messaging-services", `{}`, 422, false},
	}
	for _, tc := range tests {
		status, out := post(tc.path, tc.body)
		if status != tc.status {
			t.Errorf("%s: %d %v, want %d", tc.name, status, out, tc.status)
		}
		if tc.hook {
			h.next(t)
		}
	}
	if _, err := f.FlushMessages(context.Background()); err != nil {
		t.Fatal(err)
	}
	if m, _ := f.Message(sid); m.ErrorCode != 30007 || !f.OptedOut("+447700900123") {
		t.Errorf("after the controls: %+v, opted out %v", m, f.OptedOut("+447700900123"))
	}
}
