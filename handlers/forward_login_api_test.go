package handlers

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

type forwardLoginReply struct {
	Registration models.RegistrationView `json:"registration"`
	Link         *string                 `json:"link"`
}

func TestForwardLoginAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := newWorkflowAPI(t, db)
		c := e.createClient(t, "Acme", "admin@acme.com")
		d := e.createDomain(t, e.admin, c.ID, map[string]any{"domain": "acme.com"})
		path := "/api/v1/domains/" + d.ID + "/forward-login"

		wantProblem(t, e.do(t, "POST", path, e.admin, map[string]any{"email": "nope"}), http.StatusUnprocessableEntity, "invalid_email", "email")
		wantProblem(t, e.do(t, "POST", path, e.admin, map[string]any{"email": "o@acme.com", "cc": "x"}), http.StatusUnprocessableEntity, "unknown_field", "cc")

		// Without share_link the link stays out of the response.
		r1 := decode[forwardLoginReply](t, e.do(t, "POST", path, e.admin, map[string]any{"email": "Owner@Acme.com"}).want(t, http.StatusAccepted))
		if r1.Link != nil || r1.Registration.Status != models.RegSent || r1.Registration.Email != "owner@acme.com" {
			t.Fatalf("first forward-login: %+v", r1)
		}
		r2 := decode[forwardLoginReply](t, e.do(t, "POST", path, e.admin, map[string]any{"email": "owner@acme.com", "share_link": true}).want(t, http.StatusAccepted))
		if r2.Link == nil || !strings.HasPrefix(*r2.Link, "https://linkgate.test/register/") {
			t.Fatalf("share_link: %+v", r2)
		}
		got := e.do(t, "GET", "/api/v1/domains/"+d.ID, e.admin, nil).want(t, http.StatusOK)
		if dv := decode[models.DomainView](t, got); dv.Status != models.StatusAwaitingClient {
			t.Fatalf("domain is %s, want awaiting_client", dv.Status)
		}
		// The first link was revoked by the second.
		for _, q := range []string{"domain=ls.acme.com", "domain_id=" + d.ID} {
			l := decode[list[models.RegistrationView]](t, e.do(t, "GET", "/api/v1/registrations?"+q, e.admin, nil).want(t, http.StatusOK))
			if len(l.Data) != 2 || l.Data[0].ID != r2.Registration.ID || l.Data[1].Status != models.RegRevoked {
				t.Fatalf("registrations?%s: %+v", q, l.Data)
			}
		}
		wantProblem(t, e.do(t, "GET", "/api/v1/registrations", e.admin, nil), http.StatusUnprocessableEntity, "invalid_query")

		// Another client sees none of it.
		other := e.createClient(t, "Other", "o@other.com")
		k := e.clientKey(t, other.ID)
		l := decode[list[models.RegistrationView]](t, e.do(t, "GET", "/api/v1/registrations?domain=ls.acme.com", k.Key, nil).want(t, http.StatusOK))
		if len(l.Data) != 0 {
			t.Fatalf("another client sees %d registrations", len(l.Data))
		}
		wantProblem(t, e.do(t, "POST", path, k.Key, map[string]any{"email": "x@other.com"}), http.StatusNotFound, "not_found")

		// The e-mail went out with the current link (the revoked one may
		// never be sent: the sender skips links that are no longer open).
		mailed := func() bool {
			for _, m := range e.outbox.Messages() {
				if strings.Contains(m.Text, *r2.Link) && m.To == "owner@acme.com" {
					return true
				}
			}
			return false
		}
		deadline := time.Now().Add(15 * time.Second)
		for !mailed() && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if !mailed() {
			t.Fatalf("the link was not mailed (%d messages)", len(e.outbox.Messages()))
		}
		// A configured-in-progress domain cannot be forwarded.
		e.do(t, "POST", "/api/v1/domains/"+d.ID+"/configure", e.admin, map[string]any{"mode": "manual"}).want(t, http.StatusAccepted)
		wantProblem(t, e.do(t, "POST", path, e.admin, map[string]any{"email": "owner@acme.com"}), http.StatusConflict, "invalid_state")
	})
}
