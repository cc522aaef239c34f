package callbacks_test

// The callbacks' ingest rate: signed POST /twilio/status and
// /twilio/clicks through the whole HTTP layer (the app's Gin router, its
// middleware, the signature check, the store's transaction), in process,
// on SQLite and, when TEST_DATABASE_URL is set, PostgreSQL; next to a
// bare Gin handler that only reads the form and answers 200, in the same
// run. Each request is a real change: a sent message becoming delivered,
// or a message's first human click (no repeats, which are cheaper).
//
//	go test ./handlers/callbacks -run '^$' -bench Ingest -benchtime 2000x

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/handlers/handlertest"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// benchRequest is one prepared, signed callback.
type benchRequest struct {
	path, ctype, sig string
	body             []byte
}

func (r benchRequest) serve(b *testing.B, h http.Handler) {
	req := httptest.NewRequest(http.MethodPost, r.path, bytes.NewReader(r.body))
	req.Header.Set("Content-Type", r.ctype)
	req.Header.Set("X-Twilio-Signature", r.sig)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("%s: %d %s", r.path, rec.Code, rec.Body.String())
	}
}

// seedBench stores a campaign with n messages sent (SID "SM" + the
// message id's ULID) and delivered a minute ago when delivered is set; it
// returns the SIDs.
func seedBench(b *testing.B, s *models.Store, n int, delivered bool) (string, []string) {
	b.Helper()
	ctx := context.Background()
	cl, err := s.CreateClient(ctx, models.ClientInput{Name: "Acme", Email: fmt.Sprintf("owner%d@acme.com", time.Now().UnixNano())})
	if err != nil {
		b.Fatal(err)
	}
	d, err := s.CreateDomain(ctx, models.Scope{}, cl.ID, models.DomainInput{Domain: "acme.com"}, models.DNSDefaults{}, "bench")
	if err != nil {
		b.Fatal(err)
	}
	hi := "Hi https://shop.acme.com/x"
	c, err := s.CreateCampaign(ctx, models.Scope{}, cl.ID, models.CampaignInput{Name: "Sale", Variants: []models.VariantInput{{Body: &hi}},
		Domains: &models.CampaignDomainsInput{DomainIDs: []string{d.ID}}})
	if err != nil {
		b.Fatal(err)
	}
	rows := make([]models.RecipientRow, n)
	for i := range rows {
		rows[i] = models.RecipientRow{Line: i + 1, Phone: fmt.Sprintf("+4479%08d", i)}
	}
	if res, err := s.AddRecipients(ctx, models.Scope{}, c.ID, &models.SliceRecipients{Rows: rows}, nil); err != nil || res.Accepted != n {
		b.Fatalf("recipients: %+v %v", res, err)
	}
	upd := map[string]any{"status": models.MessageSent, "twilio_sid": gorm.Expr("'SM' || substr(id, 5)"), "domain_id": d.ID, "segments": 1, "sent_at": time.Now().UTC()}
	if delivered {
		upd["status"], upd["delivered_at"] = models.MessageDelivered, time.Now().UTC().Add(-time.Minute)
	}
	db := s.DB().Gorm
	if err := db.Model(&models.CampaignRecipient{}).Where("campaign_id = ?", c.ID).Updates(upd).Error; err != nil {
		b.Fatal(err)
	}
	var sids []string
	if err := db.Model(&models.CampaignRecipient{}).Where("campaign_id = ?", c.ID).Order("id").Pluck("twilio_sid", &sids).Error; err != nil {
		b.Fatal(err)
	}
	return c.ID, sids
}

// wantCounted fails unless every request changed something: n
// deliveries or n human clicks (a benchmark of ignored callbacks would
// measure nothing).
func wantCounted(b *testing.B, s *models.Store, campaignID string, n int64, clicks bool) {
	b.Helper()
	st, err := s.CampaignStats(context.Background(), models.Scope{}, campaignID)
	if err != nil {
		b.Fatal(err)
	}
	if got := map[bool]int64{false: st.Delivered, true: st.UniqueClicks}[clicks]; got != n {
		b.Fatalf("%d of %d requests counted: %+v", got, n, st)
	}
}

func statusRequests(sids []string) []benchRequest {
	out := make([]benchRequest, len(sids))
	for i, sid := range sids {
		f := statusForm(sid, "delivered", "")
		out[i] = benchRequest{path: "/twilio/status", ctype: "application/x-www-form-urlencoded", body: []byte(f.Encode()),
			sig: sign(testToken, testPublic+"/twilio/status", f)}
	}
	return out
}

func clickRequests(b *testing.B, sids []string) []benchRequest {
	out := make([]benchRequest, len(sids))
	at := time.Now().Add(time.Minute)
	for i, sid := range sids {
		body := clickJSON(b, sid, "click", iPhone, at)
		p, sig := signedJSON(testToken, "/twilio/clicks", body)
		out[i] = benchRequest{path: p, ctype: "application/json", body: body, sig: sig}
	}
	return out
}

// benchServer is the whole HTTP layer on db, as cmd/linkgate serves it
// (without the workflow engine: no price jobs are enqueued).
func benchServer(b *testing.B, db *models.DB) (http.Handler, *models.Store) {
	b.Helper()
	s := models.NewStore(db, nil)
	h, err := handlertest.NewServer(handlertest.Config{
		Config:          handlers.Config{Store: s, Logger: handlertest.DiscardLogger(), PublicURL: testPublic},
		TwilioAuthToken: testToken,
	})
	if err != nil {
		b.Fatal(err)
	}
	return h, s
}

func reportRate(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

func BenchmarkIngest(b *testing.B) {
	gin.SetMode(gin.ReleaseMode)
	b.Run("baseline-bare-gin", func(b *testing.B) {
		r := gin.New()
		bare := func(c *gin.Context) {
			if err := c.Request.ParseForm(); err != nil {
				c.Status(http.StatusBadRequest)
				return
			}
			c.Status(http.StatusOK)
		}
		r.POST("/twilio/status", bare)
		reqs := statusRequests(fakeSIDs(b.N))
		b.ResetTimer()
		for i := range b.N {
			reqs[i].serve(b, r)
		}
		reportRate(b)
	})
	engines := dbtest.BenchEngines()
	for _, en := range engines {
		b.Run("status-"+en.Name, func(b *testing.B) {
			h, s := benchServer(b, en.Open(b))
			id, sids := seedBench(b, s, b.N, false)
			reqs := statusRequests(sids)
			b.ResetTimer()
			for i := range b.N {
				reqs[i].serve(b, h)
			}
			reportRate(b)
			b.StopTimer()
			wantCounted(b, s, id, int64(b.N), false)
		})
		b.Run("clicks-"+en.Name, func(b *testing.B) {
			h, s := benchServer(b, en.Open(b))
			id, sids := seedBench(b, s, b.N, true)
			reqs := clickRequests(b, sids)
			b.ResetTimer()
			for i := range b.N {
				reqs[i].serve(b, h)
			}
			reportRate(b)
			b.StopTimer()
			wantCounted(b, s, id, int64(b.N), true)
		})
	}
}

func fakeSIDs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("SM%032x", i)
	}
	return out
}
