package callbacks_test

// The whole path with the fake Twilio, on SQLite and PostgreSQL: messages
// sent through the Twilio adapter with a StatusCallback, the fake's
// signed status callbacks and click events posted to the real HTTP
// layer, and the workflow engine fetching each final message's price and
// adding it to the campaign's cost once.

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/linkgate/linkgate/handlers/handlertest"
	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
	"github.com/linkgate/linkgate/providers"
	"github.com/linkgate/linkgate/workflows"
	"github.com/linkgate/linkgate/workflows/workflowtest"
)

// lateHandler serves with the handler set after the fake Twilio that
// calls it was built.
type lateHandler struct {
	mu sync.Mutex
	h  http.Handler
}

func (l *lateHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	h := l.h
	l.mu.Unlock()
	h.ServeHTTP(w, r)
}

// clock is the fake Twilio's clock (click_time).
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.now.IsZero() {
		return time.Now()
	}
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

func TestCallbacksFromFakeTwilio(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		late, clk := &lateHandler{}, &clock{}
		w := workflowtest.NewWorld(t, mocks.TwilioConfig{AccountSID: "AC" + handlertest.RandHex(t, 16), AuthToken: testToken,
			Now: clk.Now, CallbackClient: &http.Client{Transport: mocks.HandlerTransport{Handler: late}}})
		keys, err := models.ParseKeyRing(models.NewKeyRingValue("test1"))
		if err != nil {
			t.Fatal(err)
		}
		if err := workflows.MigrateRiver(ctx, db); err != nil {
			t.Fatal(err)
		}
		wfLogs := &handlertest.SyncBuffer{}
		engine, err := workflows.New(workflows.Config{Store: models.NewStore(db, nil), Logger: handlertest.SlogTo(wfLogs),
			DNS: w.DNSFactories, LinkShortening: w.LinkShortening, Resolver: w.Resolver, Keys: keys, Messaging: w.Messaging,
			PublicURL: testPublic, Intervals: workflows.SandboxIntervals(), Workers: 4, PriceRetry: 100 * time.Millisecond,
			RetryBackoff: func(int) time.Duration { return 100 * time.Millisecond }})
		if err != nil {
			t.Fatal(err)
		}
		if err := engine.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := engine.Stop(sctx); err != nil {
				t.Errorf("engine stop: %v", err)
			}
			if t.Failed() {
				t.Logf("engine log:\n%s", wfLogs.String())
			}
		})
		e := handlertest.NewAPI(t, db, func(c *handlertest.Config) {
			c.PublicURL, c.TwilioAuthToken, c.Workflows, c.Keys = testPublic, testToken, engine, keys
		})
		late.mu.Lock()
		late.h = e.Handler
		late.mu.Unlock()

		// Twilio: a Messaging Service on a Link Shortening domain whose
		// clicks are reported to linkgate.
		mg, err := w.Twilio.CreateMessagingService(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		dn := w.Twilio.RegisterDomain("ls.acme.com")
		if err := w.LinkShortening.AttachMessagingService(ctx, dn, mg); err != nil {
			t.Fatal(err)
		}
		if _, err := w.LinkShortening.UpdateDomainConfig(ctx, providers.DomainConfig{DomainSID: dn,
			CallbackURL: testPublic + workflows.ClickPath}); err != nil {
			t.Fatal(err)
		}
		// Three messages; the number ending 0000 is unreachable (30003).
		se := seedSent(t, e, []string{"+447900001001", "+447900001002", "+447900000000"}, func(phone string) string {
			s, err := w.Messaging.Send(ctx, providers.SMS{To: phone, MessagingServiceSID: mg, Body: "Hi https://shop.acme.com/x",
				ShortenURLs: true, StatusCallback: testPublic + "/twilio/status"})
			if err != nil {
				t.Fatal(err)
			}
			return s.SID
		})
		if _, err := w.Twilio.FlushMessages(ctx); err != nil {
			t.Fatalf("status callbacks: %v", err)
		}
		ms := se.messages(t)
		var wantCost int64
		for _, m := range se.msgs {
			tm, _ := w.Twilio.Message(m.TwilioSID)
			wantCost += models.PriceMicros(tm.Price)
			want := models.MessageDelivered
			if m.Phone == "+447900000000" {
				want = models.MessageUndelivered
			}
			if got := ms[m.TwilioSID]; got.Status != want || (want == models.MessageUndelivered) != (handlertest.Deref(got.ErrorCode) == "30003") {
				t.Errorf("%s: %s (error %v), want %s", m.Phone, got.Status, handlertest.Deref(got.ErrorCode), want)
			}
		}
		if wantCost == 0 {
			t.Fatal("the fake charged nothing")
		}

		// The engine fetches each price once the message is final.
		deadline := time.Now().Add(handlertest.WaitFor)
		for {
			priced := 0
			for _, m := range se.messages(t) {
				if m.Price != nil {
					priced++
				}
			}
			if priced == 3 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d of 3 messages priced", priced)
			}
			time.Sleep(50 * time.Millisecond)
		}
		st := se.stats(t)
		wantMoney := models.MoneyView{Amount: moneyOf(wantCost), Currency: "USD"}
		if st.Cost != wantMoney || st.Delivered != 2 || st.Undelivered != 1 || st.Sent != 3 {
			t.Fatalf("stats: %+v, want cost %+v, delivered 2, undelivered 1", st, wantMoney)
		}
		// A repeated callback enqueues no second fetch, and the cost is
		// counted once (a price job that runs again finds the price
		// stored: models' TestRecordMessagePriceOnce).
		se.postStatus(t, se.msgs[0].TwilioSID, "delivered", "")
		time.Sleep(300 * time.Millisecond)
		waitJobs(t, db, 3)
		if n := jobs(t, db, ""); n != 3 {
			t.Fatalf("%d message_price jobs after a repeated callback, want 3", n)
		}
		if got := se.stats(t).Cost; got != wantMoney {
			t.Fatalf("cost after a repeat: %+v, want %+v", got, wantMoney)
		}

		// A person taps the link a minute later; a preview is automated.
		clk.Set(time.Now().Add(time.Minute))
		if err := w.Twilio.Click(ctx, se.msgs[0].TwilioSID, iPhone, mocks.TwilioClickEvent); err != nil {
			t.Fatal(err)
		}
		if err := w.Twilio.Click(ctx, se.msgs[1].TwilioSID, iPhone, mocks.TwilioPreviewEvent); err != nil {
			t.Fatal(err)
		}
		st = se.stats(t)
		if st.Clicks != 1 || st.UniqueClicks != 1 || st.AutomatedClicks != 1 || st.ClickRate != 0.5 {
			t.Fatalf("clicks: %+v, want 1 human (click_rate 0.5) and 1 automated", st)
		}
	})
}

// moneyOf writes micros as the API does (four places).
func moneyOf(micros int64) string {
	v := (micros + 50) / 100
	return fmt.Sprintf("%d.%04d", v/10000, v%10000)
}

// jobs counts the message_price jobs (in state, when not "").
func jobs(t *testing.T, db *models.DB, state string) int64 {
	t.Helper()
	q := "SELECT count(*) FROM river_job WHERE kind = 'message_price'"
	args := []any{}
	if state != "" {
		q += " AND state = ?"
		args = append(args, state)
	}
	var n int64
	if err := db.Gorm.Raw(q, args...).Row().Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// waitJobs waits until n message_price jobs have completed.
func waitJobs(t *testing.T, db *models.DB, n int64) {
	t.Helper()
	deadline := time.Now().Add(handlertest.WaitFor)
	for jobs(t, db, "completed") < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d message_price jobs completed, want %d", jobs(t, db, "completed"), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
