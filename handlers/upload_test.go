package handlers

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/models"
)

// LargeBody raises the body limit for its media types only: a CSV may be
// bigger than MaxBodyBytes up to the route's limit, a Content-Length over
// it is 413 at once, and a body that turns out longer fails its reader
// with body_too_large.
func TestLargeBody(t *testing.T) {
	gin.SetMode(gin.TestMode)
	const limit = 3 << 20
	e := gin.New()
	e.Use(limitBody)
	var readErr error
	var read int
	e.POST("/up", LargeBody(limit, "text/csv"), func(c *gin.Context) {
		b, err := io.ReadAll(c.Request.Body)
		read, readErr = len(b), err
		c.Status(http.StatusNoContent)
	})
	do := func(ct string, body io.Reader, length int64) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/up", body)
		req.Header.Set("Content-Type", ct)
		req.ContentLength = length
		w := httptest.NewRecorder()
		e.ServeHTTP(w, req)
		return w
	}
	big := strings.Repeat("x", 2<<20)
	if w := do("text/csv; charset=utf-8", strings.NewReader(big), int64(len(big))); w.Code != 204 || readErr != nil || read != len(big) {
		t.Errorf("2 MiB CSV: %d, read %d, %v", w.Code, read, readErr)
	}
	if w := do("application/json", strings.NewReader(big), int64(len(big))); w.Code != 204 || readErr == nil {
		t.Errorf("2 MiB JSON was read whole: %d, read %d", w.Code, read)
	}
	if w := do("text/csv", strings.NewReader("x"), limit+1); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("Content-Length over the limit: %d", w.Code)
	}
	huge := strings.Repeat("x", limit+10)
	do("text/csv", strings.NewReader(huge), -1)
	var me *models.Error
	if !errors.As(readErr, &me) || me.Kind != models.KindTooLarge {
		t.Errorf("reading past the limit: %v", readErr)
	}
}

func TestCSVRecipients(t *testing.T) {
	rows := CSVRecipients(strings.NewReader("\ufeffName, PHONE ,\n" +
		"Ann,447900000001,x\n" +
		"\n" +
		"\"Bo, b\",\"447900000002\"\n" +
		"C\u200bd,447900000003\n" +
		"bad\"quote,447900000004\n" +
		"Ed,447900000005\n"))
	var got []models.RecipientRow
	for {
		r, err := rows.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if len(got) != 5 {
		t.Fatalf("rows %+v", got)
	}
	if got[0].Line != 2 || got[0].Phone != "447900000001" || got[0].Vars["Name"] != "Ann" || len(got[0].Vars) != 1 {
		t.Errorf("row 1: %+v", got[0])
	}
	if got[1].Line != 4 || got[1].Vars["Name"] != "Bo, b" || got[1].Problem != "" {
		t.Errorf("row 2: %+v", got[1])
	}
	if got[2].Line != 5 || got[2].Problem == "" {
		t.Errorf("bad text row: %+v", got[2])
	}
	if got[3].Line != 6 || got[3].Problem == "" {
		t.Errorf("bad quote row: %+v", got[3])
	}
	if got[4].Line != 7 || got[4].Phone != "447900000005" {
		t.Errorf("row after the bad one: %+v", got[4])
	}
	_, err := CSVRecipients(strings.NewReader("name,number\nA,1\n")).Next()
	var me *models.Error
	if !errors.As(err, &me) || me.Code != "no_phone_column" {
		t.Errorf("no phone column: %v", err)
	}
}
