package twilio_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/mocks/speccheck"
	"github.com/linkgate/linkgate/providers"
	"github.com/linkgate/linkgate/providers/providertest"
	"github.com/linkgate/linkgate/providers/twilio"
)

// msgBundle is the adapter on the fake Twilio, every exchange checked
// against the Messages API's and Link Shortening's OpenAPI documents.
type msgBundle struct {
	fake *mocks.Twilio
	spec *speccheck.Transport
	p    *twilio.Provider
}

func setupMessaging(t *testing.T) *msgBundle {
	t.Helper()
	t.Setenv("TWILIO_EDGE", "")
	t.Setenv("TWILIO_REGION", "")
	fake, err := mocks.NewTwilio(mocks.TwilioConfig{AccountSID: testAccountSID, AuthToken: testToken})
	if err != nil {
		t.Fatal(err)
	}
	var specs []*speccheck.Spec
	for _, name := range []string{speccheck.TwilioAPI, speccheck.TwilioV1, speccheck.TwilioV2} {
		s, err := speccheck.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		specs = append(specs, s)
	}
	b := &msgBundle{fake: fake, spec: &speccheck.Transport{Base: mocks.HandlerTransport{Handler: fake}, Specs: specs, Errorf: t.Errorf}}
	b.p, err = twilio.New(twilio.Config{AccountSID: testAccountSID, AuthToken: testToken, Transport: b.spec, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (b *msgBundle) service(t *testing.T) string {
	t.Helper()
	mg, err := b.fake.CreateMessagingService(context.Background(), "conformance")
	if err != nil {
		t.Fatal(err)
	}
	return mg
}

// TestMessagingConformance runs the Messaging suite against the adapter
// and the fake Twilio.
func TestMessagingConformance(t *testing.T) {
	b := setupMessaging(t)
	n := 0
	providertest.TestMessaging(t, providertest.MessagingHarness{
		New:              func(*testing.T) providers.Messaging { return b.p },
		MessagingService: b.service,
		Deliver: func(t *testing.T) {
			if _, err := b.fake.FlushMessages(context.Background()); err != nil {
				t.Fatal(err)
			}
		},
		ShortenService: func(t *testing.T) (string, string) {
			n++
			host := fmt.Sprintf("ls%d.conformance.example.com", n)
			dn := b.fake.RegisterDomain(host)
			mg := b.service(t)
			if err := b.p.AttachMessagingService(context.Background(), dn, mg); err != nil {
				t.Fatal(err)
			}
			return mg, host
		},
		Unreachable: func(*testing.T) string { return "+15557770000" },
		InjectFault: func(_ *testing.T, status, retryAfter int) {
			b.fake.Faults.Inject(mocks.Fault{Status: status, RetryAfter: retryAfter})
		},
		Requests: func() int { return len(b.spec.Seen()) },
	})

	routes := map[string]bool{}
	for _, x := range b.spec.Seen() {
		routes[x.Spec+" "+x.Method+" "+x.Route] = true
	}
	for _, want := range []string{
		"twilio_api_v2010_messages POST /2010-04-01/Accounts/{AccountSid}/Messages.json",
		"twilio_api_v2010_messages GET /2010-04-01/Accounts/{AccountSid}/Messages.json",
		"twilio_api_v2010_messages GET /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json",
	} {
		if !routes[want] {
			t.Errorf("no exchange checked for %s", want)
		}
	}
	if t.Failed() {
		var seen []string
		for r := range routes {
			seen = append(seen, r)
		}
		sort.Strings(seen)
		t.Logf("routes seen:\n%s", strings.Join(seen, "\n"))
	}
}

// TestMessagingErrors: Twilio's refusals that only the fake can make
// (the adapter lets them through), classified.
func TestMessagingErrors(t *testing.T) {
	ctx := context.Background()
	b := setupMessaging(t)
	mg := b.service(t)
	optedOut := "+447700900123"
	b.fake.SetInboundURL("http://127.0.0.1:1/never") // posting fails; the opt-out is kept
	if _, err := b.fake.Inbound(ctx, optedOut, b.fake.MessagingServiceNumber(mg), "STOP"); err == nil {
		t.Fatal("Inbound to a closed port: no error")
	}
	tests := []struct {
		name      string
		m         providers.SMS
		code      int
		kind      error
		transient bool
	}{
		{"opted out", providers.SMS{To: optedOut, MessagingServiceSID: mg, Body: "x"}, 21610, providers.ErrOptedOut, false},
		{"unknown service", providers.SMS{To: "+447700900124", MessagingServiceSID: "MG" + strings.Repeat("0", 32), Body: "x"}, 21701, nil, false},
		{"alphanumeric to the US", providers.SMS{To: "+15551234567", From: "Acme", Body: "x"}, 21606, nil, false},
		{"shorten without domain", providers.SMS{To: "+447700900125", MessagingServiceSID: mg, Body: "https://a.example", ShortenURLs: true}, 21626, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := b.p.Send(ctx, tc.m)
			var pe *providers.Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T)", err, err)
			}
			if pe.Code != tc.code || providers.CodeOf(err) != tc.code || pe.Transient != tc.transient || pe.Status != http.StatusBadRequest {
				t.Errorf("error %+v, want code %d transient %v status 400", pe, tc.code, tc.transient)
			}
			if tc.kind != nil && !errors.Is(err, tc.kind) {
				t.Errorf("%v does not wrap %v", err, tc.kind)
			}
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("error %q holds the token", err)
			}
		})
	}
	if n := b.fake.Sends(optedOut); n != 0 {
		t.Errorf("Sends(opted out) = %d, want 0", n)
	}

	// Code 20429 in Twilio's body is transient whatever the status.
	b.fake.Faults.Inject(mocks.Fault{Status: 429, RetryAfter: 1})
	_, err := b.p.Send(ctx, providers.SMS{To: "+447700900126", MessagingServiceSID: mg, Body: "x"})
	if !providers.IsTransient(err) || providers.CodeOf(err) != 20429 {
		t.Errorf("429: %v, want transient 20429", err)
	}
}

// TestListToPages: ListTo reads every page of Twilio's list.
func TestListToPages(t *testing.T) {
	ctx := context.Background()
	b := setupMessaging(t)
	mg := b.service(t)
	to := "+447700900200"
	const total = 230 // three pages of 100
	for i := 0; i < total; i++ {
		if _, err := b.p.Send(ctx, providers.SMS{To: to, MessagingServiceSID: mg, Body: fmt.Sprintf("m%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.fake.FlushMessages(ctx); err != nil {
		t.Fatal(err)
	}
	list, err := b.p.ListTo(ctx, to, mg, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, m := range list {
		seen[m.SID] = true
	}
	if len(list) != total || len(seen) != total {
		t.Errorf("ListTo = %d messages (%d distinct), want %d", len(list), len(seen), total)
	}
	if got := b.fake.Calls(mocks.TwilioOpListMessages, ""); got != 3 {
		t.Errorf("list calls = %d, want 3 pages", got)
	}
	if got := b.fake.Sends(to); got != total {
		t.Errorf("Sends = %d, want %d", got, total)
	}
}

// TestSendParameters: every field of the SMS reaches Twilio as its
// parameter (the fake's view of the message, and its status callback).
func TestSendParameters(t *testing.T) {
	ctx := context.Background()
	b := setupMessaging(t)
	got := make(chan string, 10)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		got <- r.PostForm.Get("MessageStatus") + " " + r.PostForm.Get("From")
	}))
	defer hook.Close()
	dn := b.fake.RegisterDomain("ls.params.example.com")
	mg := b.service(t)
	if err := b.p.AttachMessagingService(ctx, dn, mg); err != nil {
		t.Fatal(err)
	}
	sent, err := b.p.Send(ctx, providers.SMS{To: "+447700900300", MessagingServiceSID: mg, From: "+447700900001",
		Body: "Hi https://shop.example.com/", ShortenURLs: true, StatusCallback: hook.URL + "/twilio/status"})
	if err != nil {
		t.Fatal(err)
	}
	m, ok := b.fake.Message(sent.SID)
	if !ok || m.From != "+447700900001" || m.MessagingServiceSID != mg || m.StatusCallback != hook.URL+"/twilio/status" ||
		len(m.ShortLinks) != 1 || sent.Body != m.Body || !strings.Contains(sent.Body, "https://ls.params.example.com/") {
		t.Fatalf("the fake holds %+v; Send returned %+v", m, sent)
	}
	if _, err := b.fake.FlushMessages(ctx); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"queued +447700900001", "sent +447700900001", "delivered +447700900001"} {
		select {
		case g := <-got:
			if g != want {
				t.Errorf("callback %q, want %q", g, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no %q callback", want)
		}
	}
}
