package api_test

// Originators and opt-outs (API.md "Originators", "Twilio callbacks"), on
// SQLite and PostgreSQL: each type's rules, numbers normalised to E.164,
// a sender twice is 409, client keys see only their own client's.

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/handlers/handlertest"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

func TestOriginatorRules(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewAPI(t, db)
		cl := e.CreateClient(t, "Acme", "owner@acme.com")
		key := e.ClientKey(t, cl.ID).Key
		path := "/api/v1/clients/" + cl.ID + "/originators"
		tests := []struct {
			typ, value string
			want       string // the stored value; "" = refused
			field      string // the field a refusal names
		}{
			{"mobile", "+447123123123", "+447123123123", ""},
			{"mobile", "447123123124", "+447123123124", ""}, // no +: international
			{"mobile", " +44 7123 123125 ", "+447123123125", ""},
			{"mobile", "+1 (202) 555-0123", "+12025550123", ""},
			{"mobile", "07123123123", "", "value"},   // national: no region to read it in
			{"mobile", "+4471231231", "", "value"},   // too short for the UK
			{"mobile", "+999123456789", "", "value"}, // no such country
			{"mobile", "+1800FLOWERS", "", "value"},  // letters
			{"mobile", "", "", "value"},
			{"short_code", "123", "123", ""},
			{"short_code", "12345678", "12345678", ""},
			{"short_code", "12", "", "value"},
			{"short_code", "123456789", "", "value"},
			{"short_code", "12a45", "", "value"},
			{"short_code", "+12345", "", "value"},
			{"alpha", "Acme", "Acme", ""},
			{"alpha", "AB", "AB", ""},
			{"alpha", "Acme-Co_1.x", "Acme-Co_1.x", ""},
			{"alpha", "Acme Shop", "Acme Shop", ""},
			{"alpha", "A", "", "value"},
			{"alpha", "Acme Shop 12", "", "value"}, // 12 characters
			{"alpha", "123456", "", "value"},       // no letter
			{"alpha", "Acme!", "", "value"},
			{"alpha", "Café", "", "value"},
			{"landline", "+447123123123", "", "type"},
			{"", "Acme", "", "type"},
			{"MOBILE", "+447123123123", "", "type"},
		}
		for _, tc := range tests {
			t.Run(fmt.Sprintf("%s %q", tc.typ, tc.value), func(t *testing.T) {
				r := e.Do(t, "POST", path, key, map[string]any{"type": tc.typ, "value": tc.value})
				if tc.want == "" {
					handlertest.WantProblem(t, r, http.StatusUnprocessableEntity, "invalid_originator", tc.field)
					return
				}
				o := handlertest.Decode[models.OriginatorView](t, r.Want(t, http.StatusCreated))
				if !strings.HasPrefix(o.ID, models.PrefixOrig) || o.ClientID != cl.ID || string(o.Type) != tc.typ || o.Value != tc.want || o.CreatedAt.IsZero() {
					t.Fatalf("created %+v, want %s %q", o, tc.typ, tc.want)
				}
			})
		}
		// The same sender again, as written or in another spelling of the
		// same number: 409 naming value. The same value as another type
		// is another sender.
		for _, v := range []string{"+447123123123", "447123123123", "+44 7123 123123"} {
			handlertest.WantProblem(t, e.Do(t, "POST", path, key, map[string]any{"type": "mobile", "value": v}), http.StatusConflict, "duplicate", "value")
		}
		handlertest.WantProblem(t, e.Do(t, "POST", path, key, map[string]any{"type": "alpha", "value": "Acme"}), http.StatusConflict, "duplicate", "value")
		e.Do(t, "POST", path, key, map[string]any{"type": "short_code", "value": "12345"}).Want(t, http.StatusCreated)
		handlertest.WantProblem(t, e.Do(t, "POST", path, key, map[string]any{"type": "short_code", "value": "12345"}), http.StatusConflict, "duplicate", "value")
		// Another client may use the same sender.
		other := e.CreateClient(t, "Bravo", "owner@bravo.com")
		e.Do(t, "POST", "/api/v1/clients/"+other.ID+"/originators", e.Admin, map[string]any{"type": "alpha", "value": "Acme"}).Want(t, http.StatusCreated)
		// Unknown fields and a missing body are refused as everywhere.
		handlertest.WantProblem(t, e.Do(t, "POST", path, key, `{"type":"alpha","value":"Acme2","extra":1}`), http.StatusUnprocessableEntity, "")
	})
}

func TestOriginatorsListDeleteAndIsolation(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewAPI(t, db)
		a, b := e.CreateClient(t, "Acme", "owner@acme.com"), e.CreateClient(t, "Bravo", "owner@bravo.com")
		ka, kb := e.ClientKey(t, a.ID).Key, e.ClientKey(t, b.ID).Key
		var made []models.OriginatorView
		for i := range 5 {
			r := e.Do(t, "POST", "/api/v1/clients/"+a.ID+"/originators", ka, map[string]any{"type": "short_code", "value": fmt.Sprintf("1000%d", i)})
			made = append(made, handlertest.Decode[models.OriginatorView](t, r.Want(t, http.StatusCreated)))
		}
		// Newest first, a keyset page at a time.
		var got []string
		cursor := ""
		for range 5 {
			p := "/api/v1/clients/" + a.ID + "/originators?limit=2"
			if cursor != "" {
				p += "&cursor=" + cursor
			}
			l := handlertest.Decode[handlers.List[models.OriginatorView]](t, e.Do(t, "GET", p, ka, nil).Want(t, http.StatusOK))
			for _, o := range l.Data {
				got = append(got, o.ID)
			}
			if l.NextCursor == nil {
				break
			}
			cursor = *l.NextCursor
		}
		if len(got) != 5 || got[0] != made[4].ID || got[4] != made[0].ID {
			t.Fatalf("listed %v, want the 5 newest first", got)
		}
		handlertest.WantProblem(t, e.Do(t, "GET", "/api/v1/clients/"+a.ID+"/originators?cursor=bogus", ka, nil), http.StatusBadRequest, "invalid_cursor", "cursor")

		// Another client's key: 404 for the list, the create and the
		// delete, and nothing changes.
		handlertest.WantProblem(t, e.Do(t, "GET", "/api/v1/clients/"+a.ID+"/originators", kb, nil), http.StatusNotFound, "not_found")
		handlertest.WantProblem(t, e.Do(t, "POST", "/api/v1/clients/"+a.ID+"/originators", kb, map[string]any{"type": "alpha", "value": "Bravo"}), http.StatusNotFound, "not_found")
		handlertest.WantProblem(t, e.Do(t, "DELETE", "/api/v1/originators/"+made[0].ID, kb, nil), http.StatusNotFound, "not_found")
		l := handlertest.Decode[handlers.List[models.OriginatorView]](t, e.Do(t, "GET", "/api/v1/clients/"+a.ID+"/originators", e.Admin, nil).Want(t, http.StatusOK))
		if len(l.Data) != 5 {
			t.Fatalf("after refused requests the client has %d originators, want 5", len(l.Data))
		}
		if l := handlertest.Decode[handlers.List[models.OriginatorView]](t, e.Do(t, "GET", "/api/v1/clients/"+b.ID+"/originators", kb, nil).Want(t, http.StatusOK)); len(l.Data) != 0 {
			t.Fatalf("Bravo sees %v", l.Data)
		}
		handlertest.WantProblem(t, e.Do(t, "POST", "/api/v1/clients/cli_nope/originators", e.Admin, map[string]any{"type": "alpha", "value": "Acme"}), http.StatusNotFound, "not_found")

		// Delete: 204, then 404; the admin may delete any.
		e.Do(t, "DELETE", "/api/v1/originators/"+made[0].ID, ka, nil).Want(t, http.StatusNoContent)
		handlertest.WantProblem(t, e.Do(t, "DELETE", "/api/v1/originators/"+made[0].ID, ka, nil), http.StatusNotFound, "not_found")
		e.Do(t, "DELETE", "/api/v1/originators/"+made[1].ID, e.Admin, nil).Want(t, http.StatusNoContent)
		l = handlertest.Decode[handlers.List[models.OriginatorView]](t, e.Do(t, "GET", "/api/v1/clients/"+a.ID+"/originators", ka, nil).Want(t, http.StatusOK))
		if len(l.Data) != 3 {
			t.Fatalf("after two deletes: %d originators, want 3", len(l.Data))
		}
		// A deleted sender may be added again.
		e.Do(t, "POST", "/api/v1/clients/"+a.ID+"/originators", ka, map[string]any{"type": "short_code", "value": "10000"}).Want(t, http.StatusCreated)

		// Deleting the client deletes its originators and opt-outs.
		if err := e.Store.AddOptOut(context.Background(), a.ID, "+447700900123"); err != nil {
			t.Fatal(err)
		}
		e.Do(t, "DELETE", "/api/v1/clients/"+a.ID, e.Admin, nil).Want(t, http.StatusNoContent)
		for _, table := range []string{"originators", "opt_outs"} {
			var n int64
			if err := db.Gorm.Table(table).Where("client_id = ?", a.ID).Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Errorf("%s of a deleted client: %d rows left", table, n)
			}
		}
	})
}

func TestOptOutsAPI(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		e := handlertest.NewAPI(t, db)
		a, b := e.CreateClient(t, "Acme", "owner@acme.com"), e.CreateClient(t, "Bravo", "owner@bravo.com")
		ka, kb := e.ClientKey(t, a.ID).Key, e.ClientKey(t, b.ID).Key
		phones := []string{"+447123123003", "+447123123001", "+12025550123", "+447123123002"}
		for _, p := range phones {
			if err := e.Store.AddOptOut(ctx, a.ID, p); err != nil {
				t.Fatal(err)
			}
		}
		// Twice is once; a number written otherwise is the same number.
		if err := e.Store.AddOptOut(ctx, a.ID, "447123123001"); err != nil {
			t.Fatal(err)
		}
		if err := e.Store.AddOptOut(ctx, b.ID, "+447123123001"); err != nil {
			t.Fatal(err)
		}
		// A number in E.164's shape that libphonenumber does not know
		// (Ofcom's drama range) may still opt out; a sender id may not.
		if err := e.Store.AddOptOut(ctx, b.ID, "+447700900123"); err != nil {
			t.Errorf("opt-out of a number in E.164's shape: %v", err)
		}
		if err := e.Store.AddOptOut(ctx, a.ID, "Acme"); err == nil {
			t.Error("an opt-out of a sender id was stored")
		}
		// OptedOut: one batch, only the client's own.
		got, err := e.Store.OptedOut(ctx, a.ID, []string{"+447123123001", "+447123123009", "+12025550123"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || !got["+447123123001"] || !got["+12025550123"] {
			t.Fatalf("OptedOut = %v", got)
		}
		if got, _ := e.Store.OptedOut(ctx, b.ID, append(phones, "+447700900123")); len(got) != 2 || !got["+447123123001"] {
			t.Fatalf("OptedOut(Bravo) = %v", got)
		}
		if got, err := e.Store.OptedOut(ctx, a.ID, nil); err != nil || len(got) != 0 {
			t.Fatalf("OptedOut(none) = %v, %v", got, err)
		}

		// The list: in number order, a page at a time.
		var listed []string
		cursor := ""
		for range 5 {
			p := "/api/v1/clients/" + a.ID + "/opt-outs?limit=3"
			if cursor != "" {
				p += "&cursor=" + cursor
			}
			l := handlertest.Decode[handlers.List[models.OptOutView]](t, e.Do(t, "GET", p, ka, nil).Want(t, http.StatusOK))
			for _, o := range l.Data {
				if o.ClientID != a.ID || o.CreatedAt.IsZero() {
					t.Errorf("opt-out %+v", o)
				}
				listed = append(listed, o.Phone)
			}
			if l.NextCursor == nil {
				break
			}
			cursor = *l.NextCursor
		}
		want := []string{"+12025550123", "+447123123001", "+447123123002", "+447123123003"}
		if strings.Join(listed, ",") != strings.Join(want, ",") {
			t.Fatalf("listed %v, want %v", listed, want)
		}
		handlertest.WantProblem(t, e.Do(t, "GET", "/api/v1/clients/"+a.ID+"/opt-outs?cursor=bogus", ka, nil), http.StatusBadRequest, "invalid_cursor", "cursor")
		handlertest.WantProblem(t, e.Do(t, "GET", "/api/v1/clients/"+a.ID+"/opt-outs?limit=0", ka, nil), http.StatusUnprocessableEntity, "invalid_limit", "limit")

		// Another client's key sees nothing of them and removes nothing.
		handlertest.WantProblem(t, e.Do(t, "GET", "/api/v1/clients/"+a.ID+"/opt-outs", kb, nil), http.StatusNotFound, "not_found")
		handlertest.WantProblem(t, e.Do(t, "DELETE", "/api/v1/clients/"+a.ID+"/opt-outs/+447123123002", kb, nil), http.StatusNotFound, "not_found")

		// Delete: by the number as stored or escaped; then 404.
		e.Do(t, "DELETE", "/api/v1/clients/"+a.ID+"/opt-outs/+447123123002", ka, nil).Want(t, http.StatusNoContent)
		e.Do(t, "DELETE", "/api/v1/clients/"+a.ID+"/opt-outs/%2B447123123003", e.Admin, nil).Want(t, http.StatusNoContent)
		handlertest.WantProblem(t, e.Do(t, "DELETE", "/api/v1/clients/"+a.ID+"/opt-outs/+447123123002", ka, nil), http.StatusNotFound, "not_found")
		handlertest.WantProblem(t, e.Do(t, "DELETE", "/api/v1/clients/"+a.ID+"/opt-outs/nonsense", ka, nil), http.StatusNotFound, "not_found")
		got, _ = e.Store.OptedOut(ctx, a.ID, phones)
		if len(got) != 2 || got["+447123123002"] || got["+447123123003"] {
			t.Fatalf("after deletes OptedOut = %v", got)
		}
	})
}
