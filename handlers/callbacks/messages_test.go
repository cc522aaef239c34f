package callbacks_test

// What the status and click tests share: a campaign whose messages the
// sending engine has sent (rows marked sent with their Twilio SIDs, and
// the counters it keeps), and Twilio's signed requests.

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/handlers/handlertest"
	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/models"
)

// sentEnv is the HTTP layer with Twilio's token and public URL set, and a
// campaign of client Acme whose n messages went out through domain d.
type sentEnv struct {
	*handlertest.Env
	client models.ClientView
	key    string // Acme's client key
	d      models.DomainView
	cmp    models.CampaignView
	msgs   []models.CampaignRecipient // oldest first, each with its SID
}

func newSentEnv(t *testing.T, db *models.DB, n int) *sentEnv {
	t.Helper()
	e := handlertest.NewAPI(t, db, func(c *handlertest.Config) {
		c.PublicURL = testPublic
		c.TwilioAuthToken = testToken
	})
	phones := make([]string, n)
	for i := range phones {
		phones[i] = fmt.Sprintf("+4479%08d", 1000+i)
	}
	return seedSent(t, e, phones, nil)
}

// seedSent makes Acme's campaign to phones on e and sends it: send, when
// not nil, sends one message and returns its SID (otherwise SIDs are
// made up).
func seedSent(t *testing.T, e *handlertest.Env, phones []string, send func(phone string) string) *sentEnv {
	t.Helper()
	se := &sentEnv{Env: e, client: e.CreateClient(t, "Acme", "owner@acme.com")}
	se.key = e.ClientKey(t, se.client.ID).Key
	se.d = e.CreateDomain(t, e.Admin, se.client.ID, map[string]any{"domain": "acme.com"})
	se.cmp = handlertest.Decode[models.CampaignView](t, e.Do(t, "POST", "/api/v1/clients/"+se.client.ID+"/campaigns", e.Admin,
		map[string]any{"name": "Sale", "variants": []map[string]any{{"body": "Hi https://shop.acme.com/x", "ratio": 100}},
			"domains": map[string]any{"domain_ids": []string{se.d.ID}}}).Want(t, http.StatusCreated))
	var rs []map[string]any
	for _, p := range phones {
		rs = append(rs, map[string]any{"phone": p})
	}
	if r := handlertest.Decode[models.RecipientResult](t, e.Do(t, "POST", "/api/v1/campaigns/"+se.cmp.ID+"/recipients", e.Admin,
		map[string]any{"recipients": rs}).Want(t, http.StatusOK)); r.Accepted != len(phones) {
		t.Fatalf("recipients: %+v", r)
	}
	se.markSent(t, send)
	return se
}

// markSent does what the sending engine does for each pending message:
// status sent with its Twilio SID through the domain, and the sent
// counters.
func (se *sentEnv) markSent(t *testing.T, send func(phone string) string) {
	t.Helper()
	var rows []models.CampaignRecipient
	if err := se.DB.Gorm.Where("campaign_id = ?", se.cmp.ID).Order("phone").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for i := range rows {
		sid := newSID(t)
		if send != nil {
			sid = send(rows[i].Phone)
		}
		rows[i].Status, rows[i].TwilioSID, rows[i].DomainID, rows[i].Segments, rows[i].SentAt = models.MessageSent, sid, &se.d.ID, 1, &now
		if err := se.DB.Gorm.Model(&models.CampaignRecipient{}).Where("id = ?", rows[i].ID).Updates(map[string]any{
			"status": models.MessageSent, "twilio_sid": sid, "domain_id": se.d.ID, "segments": 1, "sent_at": now}).Error; err != nil {
			t.Fatal(err)
		}
	}
	n := int64(len(rows))
	if err := se.DB.Gorm.Create(&models.CampaignStatsRow{CampaignID: se.cmp.ID, Sent: n, Segments: n}).Error; err != nil {
		t.Fatal(err)
	}
	if err := se.DB.Gorm.Create(&models.CampaignDomainStatsRow{CampaignID: se.cmp.ID, DomainID: se.d.ID, Sent: n}).Error; err != nil {
		t.Fatal(err)
	}
	se.msgs = rows
}

func newSID(t testing.TB) string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "SM" + hex.EncodeToString(b)
}

// statusForm is Twilio's status callback for the message.
func statusForm(sid, status, errorCode string) url.Values {
	f := url.Values{"AccountSid": {"AC0123456789abcdef0123456789abcdef"}, "ApiVersion": {"2010-04-01"}, "MessageSid": {sid},
		"MessageStatus": {status}, "SmsSid": {sid}, "SmsStatus": {status}, "To": {"+447700901000"}, "From": {sender},
		"MessagingServiceSid": {testMG}}
	if errorCode != "" {
		f.Set("ErrorCode", errorCode)
	}
	return f
}

// postStatus posts a signed status callback and wants 200.
func (se *sentEnv) postStatus(t *testing.T, sid, status, errorCode string) {
	t.Helper()
	f := statusForm(sid, status, errorCode)
	se.Do(t, "POST", "/twilio/status", "", f.Encode(), "Content-Type", "application/x-www-form-urlencoded",
		"X-Twilio-Signature", sign(testToken, testPublic+"/twilio/status", f)).Want(t, http.StatusOK)
}

// clickJSON is Link Shortening's click event.
func clickJSON(t testing.TB, sid, eventType, ua string, at time.Time) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]string{"event_type": eventType, "sms_sid": sid, "to": "+447700901000", "from": sender,
		"link": "https://shop.acme.com/x", "click_time": at.UTC().Format("2006-01-02T15:04:05.000Z"),
		"messaging_service_sid": testMG, "account_sid": "AC0123456789abcdef0123456789abcdef", "user_agent": ua})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// signedJSON returns the path with bodySHA256 and its signature, as Twilio
// signs a JSON body.
func signedJSON(token, path string, body []byte) (string, string) {
	sum := sha256.Sum256(body)
	p := path + "?bodySHA256=" + hex.EncodeToString(sum[:])
	return p, mocks.TwilioSignature(token, testPublic+p, map[string]string{})
}

// postClick posts a signed JSON click event.
func (se *sentEnv) postClick(t *testing.T, body []byte) handlertest.Reply {
	t.Helper()
	p, sig := signedJSON(testToken, "/twilio/clicks", body)
	return se.Do(t, "POST", p, "", body, "Content-Type", "application/json", "X-Twilio-Signature", sig)
}

func (se *sentEnv) stats(t *testing.T) models.CampaignStatsView {
	t.Helper()
	return handlertest.Decode[models.CampaignStatsView](t, se.Do(t, "GET", "/api/v1/campaigns/"+se.cmp.ID+"/stats", se.key, nil).Want(t, http.StatusOK))
}

func (se *sentEnv) messages(t *testing.T) map[string]models.MessageView {
	t.Helper()
	l := handlertest.Decode[handlers.List[models.MessageView]](t, se.Do(t, "GET", "/api/v1/campaigns/"+se.cmp.ID+"/messages", se.key, nil).Want(t, http.StatusOK))
	out := map[string]models.MessageView{}
	for _, m := range l.Data {
		if m.TwilioSID != nil {
			out[*m.TwilioSID] = m
		}
	}
	return out
}

func countRows(t testing.TB, db *models.DB, model any, where ...any) int64 {
	t.Helper()
	var n int64
	q := db.Gorm.Model(model)
	if len(where) > 0 {
		q = q.Where(where[0], where[1:]...)
	}
	if err := q.Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}
