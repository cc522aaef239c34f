package callbacks_test

// POST /twilio/status (API.md "Twilio callbacks"), on SQLite and
// PostgreSQL: statuses only move forward whatever order and however often
// Twilio reports them, final statuses are counted once, unknown messages
// are answered and ignored, 30007/30110 count against the domain, and an
// unsigned callback changes nothing.

import (
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/linkgate/linkgate/handlers/handlertest"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

func TestStatusOutOfOrderAndRepeated(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		se := newSentEnv(t, db, 4)
		m0, m1, m2, m3 := se.msgs[0].TwilioSID, se.msgs[1].TwilioSID, se.msgs[2].TwilioSID, se.msgs[3].TwilioSID

		// Older than sent, or sent again: nothing moves.
		se.postStatus(t, m0, "queued", "")
		se.postStatus(t, m0, "sent", "")
		if got := se.messages(t)[m0].Status; got != models.MessageSent {
			t.Fatalf("after queued and sent: %s, want sent", got)
		}
		// Delivered, repeated, then a late sent and an undelivered: stays
		// delivered, counted once.
		se.postStatus(t, m0, "delivered", "")
		se.postStatus(t, m0, "delivered", "")
		se.postStatus(t, m0, "sent", "")
		se.postStatus(t, m0, "undelivered", "30003")
		// Undelivered before a (late) delivered: stays undelivered.
		se.postStatus(t, m1, "undelivered", "30003")
		se.postStatus(t, m1, "delivered", "")
		se.postStatus(t, m2, "failed", "30008")
		se.postStatus(t, m2, "failed", "30008")
		// Delivered straight from sent with no sent callback at all, and
		// Twilio's "accepted" and "read" never move anything back.
		se.postStatus(t, m3, "delivered", "")
		se.postStatus(t, m3, "accepted", "")
		se.postStatus(t, m3, "read", "")

		ms := se.messages(t)
		want := map[string]struct {
			st   models.MessageStatus
			code string
		}{m0: {models.MessageDelivered, ""}, m1: {models.MessageUndelivered, "30003"}, m2: {models.MessageFailed, "30008"}, m3: {models.MessageDelivered, ""}}
		for sid, w := range want {
			got := ms[sid]
			if got.Status != w.st || handlertest.Deref(got.ErrorCode) != w.code {
				t.Errorf("%s: %s/%v, want %s/%q", sid, got.Status, handlertest.Deref(got.ErrorCode), w.st, w.code)
			}
		}
		st := se.stats(t)
		if st.Sent != 4 || st.Delivered != 2 || st.Undelivered != 1 || st.Failed != 1 {
			t.Errorf("stats: %+v, want sent 4, delivered 2, undelivered 1, failed 1", st)
		}
		var delivered int64
		if err := db.Gorm.Model(&models.CampaignRecipient{}).Where("delivered_at IS NOT NULL").Count(&delivered).Error; err != nil {
			t.Fatal(err)
		}
		if delivered != 2 {
			t.Errorf("%d messages have delivered_at, want 2", delivered)
		}
	})
}

// Twilio retries a callback it thinks was lost, and replicas take them
// at once: a final status racing itself is counted once.
func TestStatusConcurrentRepeatsCountOnce(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		se := newSentEnv(t, db, 2)
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sid, status := se.msgs[i%2].TwilioSID, "delivered"
				if i%2 == 1 {
					status = "undelivered"
				}
				se.postStatus(t, sid, status, "")
			}()
		}
		wg.Wait()
		if st := se.stats(t); st.Delivered != 1 || st.Undelivered != 1 {
			t.Fatalf("16 racing callbacks: delivered %d, undelivered %d; want 1 and 1", st.Delivered, st.Undelivered)
		}
	})
}

func TestStatusUnknownSIDIgnored(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		se := newSentEnv(t, db, 1)
		before := se.stats(t)
		se.postStatus(t, "SM00000000000000000000000000000000", "delivered", "")
		se.postStatus(t, "", "delivered", "")
		if after := se.stats(t); !reflect.DeepEqual(after, before) {
			t.Fatalf("a callback for an unknown message changed the stats: %+v, were %+v", after, before)
		}
		if got := se.messages(t)[se.msgs[0].TwilioSID].Status; got != models.MessageSent {
			t.Fatalf("a callback for an unknown message changed ours: %s", got)
		}
		if !strings.Contains(se.Logs.String(), "no campaign message has this sid") {
			t.Error("an unknown SID was not logged")
		}
	})
}

// 30007 (filtered) and 30110 (carrier blocked) count against the
// message's domain (RecordCarrierFiltered); other codes do not, and a
// repeat counts nothing.
func TestStatusFilteredFeedsCarrierCount(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		se := newSentEnv(t, db, 4)
		se.postStatus(t, se.msgs[0].TwilioSID, "undelivered", "30007")
		se.postStatus(t, se.msgs[0].TwilioSID, "undelivered", "30007")
		se.postStatus(t, se.msgs[1].TwilioSID, "failed", "30110")
		se.postStatus(t, se.msgs[2].TwilioSID, "undelivered", "30003")
		se.postStatus(t, se.msgs[3].TwilioSID, "delivered", "")
		var n int64
		if err := db.Gorm.Raw("SELECT carrier_filtered FROM domains WHERE id = ?", se.d.ID).Row().Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Fatalf("carrier_filtered = %d, want 2 (one 30007, one 30110)", n)
		}
	})
}

func TestStatusRefusesBadSignatures(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		se := newSentEnv(t, db, 1)
		sid := se.msgs[0].TwilioSID
		f := statusForm(sid, "delivered", "")
		full := testPublic + "/twilio/status"
		tampered := statusForm(sid, "undelivered", "30007")
		for name, tc := range map[string]struct {
			body, sig string
		}{
			"no signature":       {f.Encode(), ""},
			"another token":      {f.Encode(), sign("ffffffffffffffffffffffffffffffff", full, f)},
			"another path":       {f.Encode(), sign(testToken, testPublic+"/twilio/inbound", f)},
			"a changed form":     {tampered.Encode(), sign(testToken, full, f)},
			"garbage":            {f.Encode(), "bm90IGEgc2lnbmF0dXJl"},
			"another public URL": {f.Encode(), sign(testToken, "https://elsewhere.example/twilio/status", f)},
		} {
			t.Run(name, func(t *testing.T) {
				hdr := []string{"Content-Type", "application/x-www-form-urlencoded"}
				if tc.sig != "" {
					hdr = append(hdr, "X-Twilio-Signature", tc.sig)
				}
				handlertest.WantProblem(t, se.Do(t, "POST", "/twilio/status", "", tc.body, hdr...), http.StatusForbidden, "invalid_signature")
			})
		}
		if got := se.messages(t)[sid]; got.Status != models.MessageSent || got.ErrorCode != nil {
			t.Fatalf("refused callbacks changed the message: %+v", got)
		}
		if st := se.stats(t); st.Delivered+st.Undelivered+st.Failed != 0 {
			t.Fatalf("refused callbacks counted: %+v", st)
		}
	})
}
