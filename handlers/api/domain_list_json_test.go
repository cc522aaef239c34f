package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"gorm.io/gorm"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/handlers/handlertest"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// TestDomainListJSONAsEncodingJSON: GET /api/v1/domains (one query, rows
// scanned and JSON written by hand) answers byte for byte what
// encoding/json makes of the same domains read one at a time through GORM
// (GetDomain, FillDomains), with Messaging Services in attachment order
// and pools, on every page and filter and for a client key.
func TestDomainListJSONAsEncodingJSON(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		e := handlertest.NewAPI(t, db)
		c := e.CreateClient(t, "Acme", "ops@acme.com")
		var ids []string
		for i := range 5 {
			d := e.CreateDomain(t, e.Admin, c.ID, map[string]any{"domain": fmt.Sprintf("list-%d-json.com", i)})
			ids = append(ids, d.ID)
		}
		other := e.CreateClient(t, "Other", "ops@other.com")
		e.CreateDomain(t, e.Admin, other.ID, map[string]any{"domain": "other-json.com"})
		// Two Messaging Services on one domain (attached in reverse SID
		// order: the list keeps attachment order), one on another.
		for _, a := range []struct{ id, sid string }{{ids[1], "MG" + fmt.Sprintf("%032d", 9)}, {ids[1], "MG" + fmt.Sprintf("%032d", 1)}, {ids[3], "MG" + fmt.Sprintf("%032d", 5)}} {
			d, err := e.Store.GetDomain(ctx, models.Scope{}, a.id)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Gorm.Transaction(func(tx *gorm.DB) error {
				return e.Store.AttachMessagingServiceTx(tx, d, a.sid, "test")
			}); err != nil {
				t.Fatal(err)
			}
		}
		p1, err := e.Store.CreatePool(ctx, models.Scope{}, c.ID, models.PoolInput{Name: "one", DomainIDs: []string{ids[1], ids[2]}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Store.CreatePool(ctx, models.Scope{}, c.ID, models.PoolInput{Name: "two", DomainIDs: []string{ids[1]}}); err != nil {
			t.Fatal(err)
		}
		key := e.ClientKey(t, c.ID)

		expect := func(t *testing.T, got []byte) {
			t.Helper()
			list := handlertest.Decode[handlers.List[models.DomainView]](t, handlertest.Reply{Status: 200, Body: got})
			views := make([]models.DomainView, len(list.Data))
			for i, v := range list.Data {
				d, err := e.Store.GetDomain(ctx, models.Scope{}, v.ID)
				if err != nil {
					t.Fatal(err)
				}
				views[i] = d.View()
			}
			next := ""
			if list.NextCursor != nil {
				next = *list.NextCursor
			}
			want, err := json.Marshal(handlers.NewList(views, next))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("list differs from encoding/json:\n got %s\nwant %s", got, want)
			}
		}
		seen := 0
		msSeen, poolsSeen := false, false
		path := "/api/v1/domains?limit=2"
		for path != "" {
			r := e.Do(t, "GET", path, e.Admin, nil).Want(t, http.StatusOK)
			if ct := r.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			expect(t, r.Body)
			list := handlertest.Decode[handlers.List[models.DomainView]](t, r)
			for _, v := range list.Data {
				seen++
				msSeen = msSeen || len(v.MessagingServiceSIDs) == 2 && v.MessagingServiceSIDs[0] > v.MessagingServiceSIDs[1]
				poolsSeen = poolsSeen || len(v.PoolIDs) == 2
			}
			path = ""
			if list.NextCursor != nil {
				path = "/api/v1/domains?limit=2&cursor=" + *list.NextCursor
			}
		}
		if seen != 6 || !msSeen || !poolsSeen {
			t.Errorf("paged through %d domains (want 6); two services in attachment order: %v; two pools: %v", seen, msSeen, poolsSeen)
		}
		for _, q := range []string{"?q=list-1", "?status=pending&q=json", "?pool_id=" + p1.ID, "?q=nothing-matches", "?limit=50"} {
			expect(t, e.Do(t, "GET", "/api/v1/domains"+q, e.Admin, nil).Want(t, http.StatusOK).Body)
		}
		r := e.Do(t, "GET", "/api/v1/domains", key.Key, nil).Want(t, http.StatusOK)
		expect(t, r.Body)
		if got := handlertest.Decode[handlers.List[models.DomainView]](t, r); len(got.Data) != 5 {
			t.Errorf("client key sees %d domains, want its 5", len(got.Data))
		}
	})
}
