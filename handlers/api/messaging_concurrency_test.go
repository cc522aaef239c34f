package api_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/linkgate/linkgate/handlers/handlertest"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// Issue 13, item 1: 50 concurrent attaches and moves (some mixed with
// detaches) of one Messaging Service across domains of one client. Every
// answer is 200, 201, 204, 404 or 409 (never a 5xx), and afterwards
// linkgate and the fake Twilio agree on the one domain (or none) that
// holds it.
func TestMessagingServiceConcurrentMoves(t *testing.T) {
	t.Parallel()
	for _, detaches := range []bool{false, true} {
		name := "attach and move"
		if detaches {
			name = "with detaches"
		}
		t.Run(name, func(t *testing.T) {
			dbtest.Engines(t, func(t *testing.T, db *models.DB) {
				e := handlertest.NewWorkflowAPI(t, db)
				c := e.CreateClient(t, "Acme", "owner@acme.com")
				key := e.ClientKey(t, c.ID).Key
				var ds []models.DomainView
				for i := range 3 {
					ds = append(ds, e.ConfiguredDomain(t, key, c.ID, fmt.Sprintf("acme%d.com", i)))
				}
				mg := handlertest.NewMG(t)
				statuses := make([]int, 50)
				var wg sync.WaitGroup
				for i := range statuses {
					wg.Go(func() {
						d := ds[i%len(ds)]
						if detaches && i%5 == 4 {
							statuses[i] = e.Do(t, "DELETE", "/api/v1/domains/"+d.ID+"/messaging-services/"+mg, key, nil).Status
							return
						}
						statuses[i] = e.Do(t, "POST", "/api/v1/domains/"+d.ID+"/messaging-services", key,
							map[string]any{"messaging_service_sid": mg, "move": true}).Status
					})
				}
				wg.Wait()
				count := map[int]int{}
				for _, s := range statuses {
					count[s]++
					switch s {
					case http.StatusOK, http.StatusCreated, http.StatusNoContent, http.StatusNotFound, http.StatusConflict:
					default:
						t.Errorf("an answer was %d", s)
					}
				}
				t.Logf("answers: %v", count)

				var holders []string
				for _, d := range ds {
					if got := e.GetDomain(t, key, d.ID).MessagingServiceSIDs; len(got) > 0 {
						holders = append(holders, handlertest.Deref(d.DomainSID))
					}
				}
				var atTwilio []string
				for _, x := range e.TW.Domains() {
					for _, s := range x.MessagingServices {
						if s == mg {
							atTwilio = append(atTwilio, x.SID)
						}
					}
				}
				if len(holders) > 1 || fmt.Sprint(holders) != fmt.Sprint(atTwilio) {
					t.Fatalf("linkgate says %v hold the service, Twilio says %v", holders, atTwilio)
				}
				if !detaches && len(holders) != 1 {
					t.Fatalf("no domain holds the service after 50 attaches")
				}
			})
		})
	}
}
