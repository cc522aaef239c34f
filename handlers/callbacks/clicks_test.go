package callbacks_test

// POST /twilio/clicks (API.md "Twilio callbacks"), on SQLite and
// PostgreSQL: clicks are human or automated (preview events, scanner and
// link-preview user agents, clicks within seconds of delivery), stored
// and counted once, reported as link.clicked, in JSON (bodySHA256) and
// form bodies; a bad signature stores nothing.

import (
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/linkgate/linkgate/handlers/handlertest"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

const (
	iPhone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
	chrome = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36"
)

// deliveredAt reads when the message was reported delivered.
func deliveredAt(t *testing.T, db *models.DB, id string) time.Time {
	t.Helper()
	var r models.CampaignRecipient
	if err := db.Gorm.Where("id = ?", id).Take(&r).Error; err != nil || r.DeliveredAt == nil {
		t.Fatalf("message %s has no delivered_at (%v)", id, err)
	}
	return *r.DeliveredAt
}

func TestClicksClassifiedAndCounted(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		se := newSentEnv(t, db, 3)
		m0, m1, m2 := se.msgs[0], se.msgs[1], se.msgs[2]
		for _, m := range se.msgs {
			se.postStatus(t, m.TwilioSID, "delivered", "")
		}
		at0 := deliveredAt(t, db, m0.ID)
		later := at0.Add(time.Minute)

		// A person: counted once however often Twilio reports it.
		human := clickJSON(t, m0.TwilioSID, "click", iPhone, later)
		se.postClick(t, human).Want(t, http.StatusOK)
		se.postClick(t, human).Want(t, http.StatusOK)
		// The same person again, later: a click, not a unique one.
		se.postClick(t, clickJSON(t, m0.TwilioSID, "click", iPhone, later.Add(time.Hour))).Want(t, http.StatusOK)
		// Automated: a preview event, a link previewer, a scanner, curl,
		// a click within seconds of delivery.
		se.postClick(t, clickJSON(t, m1.TwilioSID, "preview", iPhone, later)).Want(t, http.StatusOK)
		se.postClick(t, clickJSON(t, m1.TwilioSID, "click", "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", later)).Want(t, http.StatusOK)
		se.postClick(t, clickJSON(t, m1.TwilioSID, "click", "Mozilla/5.0 (compatible; Google-Safety; +http://www.google.com/bot.html)", later)).Want(t, http.StatusOK)
		se.postClick(t, clickJSON(t, m1.TwilioSID, "click", "curl/8.5.0", later)).Want(t, http.StatusOK)
		se.postClick(t, clickJSON(t, m2.TwilioSID, "click", chrome, deliveredAt(t, db, m2.ID).Add(2*time.Second))).Want(t, http.StatusOK)
		// A form body counts as JSON does.
		f := url.Values{"event_type": {"click"}, "sms_sid": {m2.TwilioSID}, "to": {m2.Phone}, "link": {"https://shop.acme.com/x"},
			"click_time": {later.Format(time.RFC3339)}, "user_agent": {chrome}, "messaging_service_sid": {testMG}}
		se.Do(t, "POST", "/twilio/clicks", "", f.Encode(), "Content-Type", "application/x-www-form-urlencoded",
			"X-Twilio-Signature", sign(testToken, testPublic+"/twilio/clicks", f)).Want(t, http.StatusOK)
		// A click on a message linkgate did not send: answered, ignored.
		se.postClick(t, clickJSON(t, "SM00000000000000000000000000000000", "click", iPhone, later)).Want(t, http.StatusOK)

		st := se.stats(t)
		if st.Clicks != 3 || st.UniqueClicks != 2 || st.AutomatedClicks != 5 || st.Delivered != 3 {
			t.Errorf("stats: clicks %d unique %d automated %d delivered %d; want 3, 2, 5, 3", st.Clicks, st.UniqueClicks, st.AutomatedClicks, st.Delivered)
		}
		if want := 2.0 / 3.0; math.Abs(st.ClickRate-want) > 1e-9 {
			t.Errorf("click_rate %v, want unique human clicks / delivered = %v", st.ClickRate, want)
		}
		wantDomain := []models.CampaignDomainUseView{{DomainID: se.d.ID, Host: se.d.Host, Sent: 3, Clicks: 3}}
		if !reflect.DeepEqual(st.ByDomain, wantDomain) {
			t.Errorf("by_domain %+v, want %+v", st.ByDomain, wantDomain)
		}
		if n := countRows(t, db, &models.Click{}); n != 8 {
			t.Errorf("%d clicks stored, want 8 (the repeat is not one)", n)
		}
		kinds := map[string]map[models.ClickKind]int64{}
		var clicks []models.Click
		if err := db.Gorm.Order("id").Find(&clicks).Error; err != nil {
			t.Fatal(err)
		}
		for _, c := range clicks {
			if kinds[c.RecipientID] == nil {
				kinds[c.RecipientID] = map[models.ClickKind]int64{}
			}
			kinds[c.RecipientID][c.Kind]++
		}
		wantKinds := map[string]map[models.ClickKind]int64{m0.ID: {models.ClickHuman: 2}, m1.ID: {models.ClickAutomated: 4},
			m2.ID: {models.ClickAutomated: 1, models.ClickHuman: 1}}
		if !reflect.DeepEqual(kinds, wantKinds) {
			t.Errorf("kinds per message %v, want %v", kinds, wantKinds)
		}

		// link.clicked, once per stored click, for Acme, saying who.
		var evs []models.WebhookEvent
		if err := db.Gorm.Where("type = ?", models.EventLinkClicked).Order("id").Find(&evs).Error; err != nil {
			t.Fatal(err)
		}
		if len(evs) != 8 {
			t.Fatalf("%d link.clicked events, want 8", len(evs))
		}
		var first struct {
			Data map[string]any `json:"data"`
		}
		if err := json.Unmarshal([]byte(evs[0].Payload), &first); err != nil {
			t.Fatal(err)
		}
		if evs[0].ClientID != se.client.ID || first.Data["campaign_id"] != se.cmp.ID || first.Data["message_id"] != m0.ID ||
			first.Data["to"] != m0.Phone || first.Data["link"] != "https://shop.acme.com/x" || first.Data["kind"] != "human" ||
			first.Data["domain_id"] != se.d.ID || first.Data["clicked_at"] == nil {
			t.Errorf("link.clicked: client %s, data %v", evs[0].ClientID, first.Data)
		}
	})
}

func TestClicksRefuseBadSignatures(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		se := newSentEnv(t, db, 1)
		sid := se.msgs[0].TwilioSID
		body := clickJSON(t, sid, "click", iPhone, time.Now().Add(time.Hour))
		other := clickJSON(t, sid, "click", chrome, time.Now().Add(time.Hour))
		p, sig := signedJSON(testToken, "/twilio/clicks", body)
		_, otherToken := signedJSON("ffffffffffffffffffffffffffffffff", "/twilio/clicks", body)
		pOther, sigOther := signedJSON(testToken, "/twilio/clicks", other)
		for name, tc := range map[string]struct {
			path string
			body []byte
			sig  string
		}{
			"no signature":                       {p, body, ""},
			"another token":                      {p, body, otherToken},
			"another body under the signed hash": {p, other, sig},
			"another hash, the first signature":  {pOther, body, sig},
			"another body's hash and signature":  {pOther, body, sigOther},
			"no bodySHA256":                      {"/twilio/clicks", body, sig},
			"garbage":                            {p, body, "bm90IGEgc2lnbmF0dXJl"},
		} {
			t.Run(name, func(t *testing.T) {
				hdr := []string{"Content-Type", "application/json"}
				if tc.sig != "" {
					hdr = append(hdr, "X-Twilio-Signature", tc.sig)
				}
				handlertest.WantProblem(t, se.Do(t, "POST", tc.path, "", tc.body, hdr...), http.StatusForbidden, "invalid_signature")
			})
		}
		if n := countRows(t, db, &models.Click{}); n != 0 {
			t.Fatalf("refused click events stored %d clicks", n)
		}
		if n := countRows(t, db, &models.WebhookEvent{}, "type = ?", models.EventLinkClicked); n != 0 {
			t.Fatalf("refused click events emitted %d link.clicked", n)
		}
		if st := se.stats(t); st.Clicks+st.AutomatedClicks != 0 {
			t.Fatalf("refused click events counted: %+v", st)
		}
		// The same event, signed: stored.
		se.postClick(t, body).Want(t, http.StatusOK)
		if n := countRows(t, db, &models.Click{}); n != 1 {
			t.Fatalf("signed click: %d clicks, want 1", n)
		}
	})
}

// Twilio's fields are signed but not checked: odd text is stored clean
// (PostgreSQL refuses NUL), an SID that cannot be one is nobody's, and
// nothing answers 5xx.
func TestCallbacksOddText(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		se := newSentEnv(t, db, 1)
		sid := se.msgs[0].TwilioSID
		se.postStatus(t, "SM\x00"+sid[2:], "delivered", "")
		se.postStatus(t, sid, "undelivered", "30\x0003 \xff")
		if got := se.messages(t)[sid]; got.Status != models.MessageUndelivered || handlertest.Deref(got.ErrorCode) != "3003" {
			t.Fatalf("message %+v, want undelivered with the code's digits", got)
		}
		body, err := json.Marshal(map[string]string{"event_type": "click", "sms_sid": sid, "link": "https://shop.acme.com/\x00x",
			"click_time": time.Now().Add(time.Hour).UTC().Format(time.RFC3339), "user_agent": iPhone + "\x00\x07"})
		if err != nil {
			t.Fatal(err)
		}
		body = append(body[:len(body)-1], []byte(`,"x":"\udc00"}`)...)
		se.postClick(t, body).Want(t, http.StatusOK)
		se.postClick(t, clickJSON(t, "SM\u202e"+sid[3:], "click", iPhone, time.Now())).Want(t, http.StatusOK)
		var c models.Click
		if err := db.Gorm.Take(&c).Error; err != nil {
			t.Fatal(err)
		}
		if c.Link != "https://shop.acme.com/x" || c.UserAgent != iPhone || c.Kind != models.ClickHuman {
			t.Fatalf("stored click %+v", c)
		}
	})
}
