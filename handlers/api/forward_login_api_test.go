package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/handlers/handlertest"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

type forwardLoginReply struct {
	Registration models.RegistrationView `json:"registration"`
	Link         *string                 `json:"link"`
}

func TestForwardLoginAPI(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewWorkflowAPI(t, db)
		c := e.CreateClient(t, "Acme", "admin@acme.com")
		d := e.CreateDomain(t, e.Admin, c.ID, map[string]any{"domain": "acme.com"})
		path := "/api/v1/domains/" + d.ID + "/forward-login"

		handlertest.WantProblem(t, e.Do(t, "POST", path, e.Admin, map[string]any{"email": "nope"}), http.StatusUnprocessableEntity, "invalid_email", "email")
		handlertest.WantProblem(t, e.Do(t, "POST", path, e.Admin, map[string]any{"email": "o@acme.com", "cc": "x"}), http.StatusUnprocessableEntity, "unknown_field", "cc")

		// Without share_link the link stays out of the response.
		r1 := handlertest.Decode[forwardLoginReply](t, e.Do(t, "POST", path, e.Admin, map[string]any{"email": "Owner@Acme.com"}).Want(t, http.StatusAccepted))
		if r1.Link != nil || r1.Registration.Status != models.RegSent || r1.Registration.Email != "owner@acme.com" {
			t.Fatalf("first forward-login: %+v", r1)
		}
		r2 := handlertest.Decode[forwardLoginReply](t, e.Do(t, "POST", path, e.Admin, map[string]any{"email": "owner@acme.com", "share_link": true}).Want(t, http.StatusAccepted))
		if r2.Link == nil || !strings.HasPrefix(*r2.Link, "https://linkgate.test/register/") {
			t.Fatalf("share_link: %+v", r2)
		}
		got := e.Do(t, "GET", "/api/v1/domains/"+d.ID, e.Admin, nil).Want(t, http.StatusOK)
		if dv := handlertest.Decode[models.DomainView](t, got); dv.Status != models.StatusAwaitingClient {
			t.Fatalf("domain is %s, want awaiting_client", dv.Status)
		}
		// The first link was revoked by the second.
		for _, q := range []string{"domain=ls.acme.com", "domain_id=" + d.ID} {
			l := handlertest.Decode[handlers.List[models.RegistrationView]](t, e.Do(t, "GET", "/api/v1/registrations?"+q, e.Admin, nil).Want(t, http.StatusOK))
			if len(l.Data) != 2 || l.Data[0].ID != r2.Registration.ID || l.Data[1].Status != models.RegRevoked {
				t.Fatalf("registrations?%s: %+v", q, l.Data)
			}
		}
		handlertest.WantProblem(t, e.Do(t, "GET", "/api/v1/registrations", e.Admin, nil), http.StatusUnprocessableEntity, "invalid_query")

		// Another client sees none of it.
		other := e.CreateClient(t, "Other", "o@other.com")
		k := e.ClientKey(t, other.ID)
		l := handlertest.Decode[handlers.List[models.RegistrationView]](t, e.Do(t, "GET", "/api/v1/registrations?domain=ls.acme.com", k.Key, nil).Want(t, http.StatusOK))
		if len(l.Data) != 0 {
			t.Fatalf("another client sees %d registrations", len(l.Data))
		}
		handlertest.WantProblem(t, e.Do(t, "POST", path, k.Key, map[string]any{"email": "x@other.com"}), http.StatusNotFound, "not_found")

		// The e-mail went out with the current link (the revoked one may
		// never be sent: the sender skips links that are no longer open).
		mailed := func() bool {
			for _, m := range e.Outbox.Messages() {
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
			t.Fatalf("the link was not mailed (%d messages)", len(e.Outbox.Messages()))
		}
		// A configured-in-progress domain cannot be forwarded.
		e.Do(t, "POST", "/api/v1/domains/"+d.ID+"/configure", e.Admin, map[string]any{"mode": "manual"}).Want(t, http.StatusAccepted)
		handlertest.WantProblem(t, e.Do(t, "POST", path, e.Admin, map[string]any{"email": "owner@acme.com"}), http.StatusConflict, "invalid_state")
	})
}
