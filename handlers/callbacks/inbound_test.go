package callbacks_test

// POST /twilio/inbound (API.md "Twilio callbacks"), on SQLite and
// PostgreSQL: a signed STOP reply opts the sender out of the client's
// messages and START opts it back in; a missing or wrong signature is 403
// and changes nothing; a message for no known client is answered and
// ignored.

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/handlers/handlertest"
	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

const (
	testToken  = "0123456789abcdef0123456789abcdef"
	testPublic = "https://linkgate.example"
	testMG     = "MG0123456789abcdef0123456789abcdef"
	handset    = "+447700900555"
	sender     = "+447123123123"
)

// inboundEnv is the whole HTTP layer with Twilio's token and the public
// URL set, client A with the mobile originator sender and client B with a
// domain the Messaging Service testMG is attached to.
type inboundEnv struct {
	*handlertest.Env
	a, b models.ClientView
}

func newInboundEnv(t *testing.T, db *models.DB, token string) inboundEnv {
	t.Helper()
	e := handlertest.NewAPI(t, db, func(c *handlertest.Config) {
		c.PublicURL = testPublic
		c.TwilioAuthToken = token
	})
	ie := inboundEnv{Env: e, a: e.CreateClient(t, "Acme", "owner@acme.com"), b: e.CreateClient(t, "Bravo", "owner@bravo.com")}
	e.Do(t, "POST", "/api/v1/clients/"+ie.a.ID+"/originators", e.Admin, map[string]any{"type": "mobile", "value": sender}).Want(t, http.StatusCreated)
	attach(t, e, ie.b.ID, "bravo.com", testMG)
	return ie
}

// attach records that the Messaging Service sid is attached to a new
// domain of the client.
func attach(t *testing.T, e *handlertest.Env, clientID, domain, sid string) {
	t.Helper()
	d := e.CreateDomain(t, e.Admin, clientID, map[string]any{"domain": domain})
	if err := e.DB.Gorm.Create(&models.DomainMessagingService{MessagingServiceSID: sid, DomainID: d.ID, AttachedAt: e.Store.Now()}).Error; err != nil {
		t.Fatal(err)
	}
}

// form is Twilio's incoming-message form.
func form(from, to, body, mg string) url.Values {
	v := url.Values{"AccountSid": {"AC0123456789abcdef0123456789abcdef"}, "ApiVersion": {"2010-04-01"}, "MessageSid": {"SM0123456789abcdef0123456789abcdef"},
		"From": {from}, "To": {to}, "Body": {body}, "NumMedia": {"0"}, "NumSegments": {"1"}, "SmsStatus": {"received"}}
	if mg != "" {
		v.Set("MessagingServiceSid", mg)
	}
	return v
}

func sign(token, fullURL string, f url.Values) string {
	params := map[string]string{}
	for k, v := range f {
		params[k] = v[0]
	}
	return mocks.TwilioSignature(token, fullURL, params)
}

// post sends the form to /twilio/inbound with the signature sig ("" = no
// header).
func (ie inboundEnv) post(t *testing.T, f url.Values, sig string) handlertest.Reply {
	t.Helper()
	hdr := []string{"Content-Type", "application/x-www-form-urlencoded"}
	if sig != "" {
		hdr = append(hdr, "X-Twilio-Signature", sig)
	}
	return ie.Do(t, "POST", "/twilio/inbound", "", f.Encode(), hdr...)
}

// signed posts the form signed as Twilio signs it.
func (ie inboundEnv) signed(t *testing.T, f url.Values) handlertest.Reply {
	t.Helper()
	r := ie.post(t, f, sign(testToken, testPublic+"/twilio/inbound", f)).Want(t, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/xml") {
		t.Errorf("Content-Type %q, want text/xml", ct)
	}
	if !strings.Contains(string(r.Body), "<Response/>") {
		t.Errorf("body %q, want an empty TwiML <Response/>", r.Body)
	}
	return r
}

func optedOut(t *testing.T, s *models.Store, clientID string) map[string]bool {
	t.Helper()
	got, err := s.OptedOut(context.Background(), clientID, []string{handset, "+447700900556"})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestInboundStopAndStart(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ie := newInboundEnv(t, db, testToken)
		// Not a keyword: nothing.
		ie.signed(t, form(handset, sender, "Hello, is this Acme?", ""))
		if got := optedOut(t, ie.Store, ie.a.ID); len(got) != 0 {
			t.Fatalf("a plain reply opted out: %v", got)
		}
		for _, stop := range []string{"STOP", " stop ", "StopAll", "unsubscribe", "CANCEL", "end", "Quit"} {
			ie.signed(t, form(handset, sender, stop, ""))
			if got := optedOut(t, ie.Store, ie.a.ID); !got[handset] {
				t.Fatalf("%q did not opt %s out of Acme: %v", stop, handset, got)
			}
			if got := optedOut(t, ie.Store, ie.b.ID); len(got) != 0 {
				t.Fatalf("%q opted out of Bravo too: %v", stop, got)
			}
			// Listed once however often it came.
			l := handlertest.Decode[handlers.List[models.OptOutView]](t, ie.Do(t, "GET", "/api/v1/clients/"+ie.a.ID+"/opt-outs", ie.Admin, nil).Want(t, http.StatusOK))
			if len(l.Data) != 1 || l.Data[0].Phone != handset {
				t.Fatalf("opt-outs after %q: %+v", stop, l.Data)
			}
			for _, start := range []string{"START", " unstop", "yes"} {
				if stop != "Quit" {
					break
				}
				ie.signed(t, form(handset, sender, start, ""))
				if got := optedOut(t, ie.Store, ie.a.ID); len(got) != 0 {
					t.Fatalf("%q left %v opted out", start, got)
				}
				ie.signed(t, form(handset, sender, "STOP", ""))
			}
		}
		ie.signed(t, form(handset, sender, "START", ""))
		ie.signed(t, form(handset, sender, "START", "")) // again: harmless
		if got := optedOut(t, ie.Store, ie.a.ID); len(got) != 0 {
			t.Fatalf("after START: %v", got)
		}

		// Twilio's OptOutType counts too (a Messaging Service's own
		// keywords, such as ARRET).
		stopFR := form(handset, sender, "Arret", "")
		stopFR.Set("OptOutType", "STOP")
		ie.signed(t, stopFR)
		if got := optedOut(t, ie.Store, ie.a.ID); !got[handset] {
			t.Fatalf("OptOutType STOP did not opt out: %v", got)
		}
		startFR := form(handset, sender, "Reprendre", "")
		startFR.Set("OptOutType", "START")
		ie.signed(t, startFR)
		if got := optedOut(t, ie.Store, ie.a.ID); len(got) != 0 {
			t.Fatalf("OptOutType START left %v", got)
		}
		help := form(handset, sender, "HELP", "")
		help.Set("OptOutType", "HELP")
		ie.signed(t, help)
		if got := optedOut(t, ie.Store, ie.a.ID); len(got) != 0 {
			t.Fatalf("HELP opted out: %v", got)
		}

		// The Messaging Service decides the client before To does.
		ie.signed(t, form(handset, sender, "STOP", testMG))
		if got := optedOut(t, ie.Store, ie.b.ID); !got[handset] {
			t.Fatalf("STOP through Bravo's Messaging Service: Bravo has %v", got)
		}
		if got := optedOut(t, ie.Store, ie.a.ID); len(got) != 0 {
			t.Fatalf("STOP through Bravo's Messaging Service opted out of Acme: %v", got)
		}
		// An unknown Messaging Service falls back on To.
		ie.signed(t, form("+447700900556", sender, "STOP", "MGffffffffffffffffffffffffffffffff"))
		if got := optedOut(t, ie.Store, ie.a.ID); !got["+447700900556"] {
			t.Fatalf("STOP to Acme's number through an unknown service: %v", got)
		}

		// For no known client: answered, ignored, logged.
		before := countOptOuts(t, db)
		ie.signed(t, form(handset, "+447123123999", "STOP", ""))
		ie.signed(t, form(handset, "Nobody", "STOP", "MGeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"))
		if n := countOptOuts(t, db); n != before {
			t.Fatalf("a STOP for nobody changed the opt-outs: %d rows, were %d", n, before)
		}
		if !strings.Contains(ie.Logs.String(), "no client has this sender") {
			t.Error("a message for no client was not logged")
		}

		// Two clients with the same number and no Messaging Service to
		// tell them apart: neither is guessed.
		ie.Do(t, "POST", "/api/v1/clients/"+ie.b.ID+"/originators", ie.Admin, map[string]any{"type": "mobile", "value": sender}).Want(t, http.StatusCreated)
		before = countOptOuts(t, db)
		ie.signed(t, form("+447700900557", sender, "STOP", ""))
		if n := countOptOuts(t, db); n != before {
			t.Fatalf("a STOP to a number two clients share changed the opt-outs: %d rows, were %d", n, before)
		}
	})
}

func countOptOuts(t *testing.T, db *models.DB) int64 {
	t.Helper()
	var n int64
	if err := db.Gorm.Model(&models.OptOut{}).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestInboundRefusesBadSignatures(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ie := newInboundEnv(t, db, testToken)
		stop := form(handset, sender, "STOP", "")
		full := testPublic + "/twilio/inbound"
		tampered := form(handset, sender, "STOP", "")
		tampered.Set("From", "+447700900556")
		cases := map[string]struct {
			f   url.Values
			sig string
		}{
			"no signature":           {stop, ""},
			"another token":          {stop, sign("ffffffffffffffffffffffffffffffff", full, stop)},
			"another URL":            {stop, sign(testToken, "https://elsewhere.example/twilio/inbound", stop)},
			"another path":           {stop, sign(testToken, testPublic+"/twilio/status", stop)},
			"a changed form":         {tampered, sign(testToken, full, stop)},
			"garbage":                {stop, "not-a-signature"},
			"the signature of START": {stop, sign(testToken, full, form(handset, sender, "START", ""))},
		}
		for name, tc := range cases {
			t.Run(name, func(t *testing.T) {
				handlertest.WantProblem(t, ie.post(t, tc.f, tc.sig), http.StatusForbidden, "invalid_signature")
				if n := countOptOuts(t, db); n != 0 {
					t.Fatalf("a refused callback stored %d opt-outs", n)
				}
			})
		}
		// A good signature, for the record: the same form passes.
		ie.signed(t, stop)
		if n := countOptOuts(t, db); n != 1 {
			t.Fatalf("signed STOP: %d opt-outs, want 1", n)
		}
	})
}

// Without Twilio's token nothing can be checked, so everything is refused.
func TestInboundWithoutTokenRefusesAll(t *testing.T) {
	ie := newInboundEnv(t, dbtest.SQLite(t), "")
	f := form(handset, sender, "STOP", "")
	handlertest.WantProblem(t, ie.post(t, f, sign("", testPublic+"/twilio/inbound", f)), http.StatusForbidden, "invalid_signature")
	if n := countOptOuts(t, ie.DB); n != 0 {
		t.Fatalf("stored %d opt-outs", n)
	}
}

// The fake Twilio's inbound messages, posted and signed as Twilio does to
// the real handler on a real listener whose address is the public URL.
func TestInboundFromFakeTwilio(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		srv := httptest.NewUnstartedServer(nil)
		public := "http://" + srv.Listener.Addr().String()
		store := models.NewStore(db, nil)
		h, err := handlertest.NewServer(handlertest.Config{
			Config:          handlers.Config{Store: store, Logger: handlertest.DiscardLogger(), PublicURL: public},
			TwilioAuthToken: testToken,
		})
		if err != nil {
			t.Fatal(err)
		}
		srv.Config.Handler = h
		srv.Start()
		t.Cleanup(srv.Close)
		fake, err := mocks.NewTwilio(mocks.TwilioConfig{AccountSID: "AC0123456789abcdef0123456789abcdef", AuthToken: testToken,
			InboundURL: public + "/twilio/inbound"})
		if err != nil {
			t.Fatal(err)
		}
		mg, err := fake.CreateMessagingService(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		c, err := store.CreateClient(ctx, models.ClientInput{Name: "Acme", Email: "owner@acme.com"})
		if err != nil {
			t.Fatal(err)
		}
		d, err := store.CreateDomain(ctx, models.Scope{}, c.ID, models.DomainInput{Domain: "acme.com"}, models.DNSDefaults{}, "test")
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Gorm.Create(&models.DomainMessagingService{MessagingServiceSID: mg, DomainID: d.ID, AttachedAt: store.Now()}).Error; err != nil {
			t.Fatal(err)
		}
		number := fake.MessagingServiceNumber(mg)
		if _, err := fake.Inbound(ctx, handset, number, " Stop "); err != nil {
			t.Fatalf("fake inbound STOP: %v", err)
		}
		if got, _ := store.OptedOut(ctx, c.ID, []string{handset}); !got[handset] {
			t.Fatalf("after the fake's STOP: %v", got)
		}
		if _, err := fake.Inbound(ctx, handset, number, "START"); err != nil {
			t.Fatalf("fake inbound START: %v", err)
		}
		if got, _ := store.OptedOut(ctx, c.ID, []string{handset}); got[handset] {
			t.Fatal("START did not remove the opt-out")
		}
		// The fake signing with another account's token is refused.
		other, err := mocks.NewTwilio(mocks.TwilioConfig{AccountSID: "AC0123456789abcdef0123456789abcdef", AuthToken: "another-token",
			InboundURL: public + "/twilio/inbound"})
		if err != nil {
			t.Fatal(err)
		}
		mg2, _ := other.CreateMessagingService(ctx, "x")
		if _, err := other.Inbound(ctx, handset, other.MessagingServiceNumber(mg2), "STOP"); err == nil || !strings.Contains(err.Error(), "403") {
			t.Fatalf("a callback signed with another token: %v, want 403", err)
		}
		if got, _ := store.OptedOut(ctx, c.ID, []string{handset}); got[handset] {
			t.Fatal("a wrongly signed STOP was stored")
		}
	})
}
