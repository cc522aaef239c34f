package handlers_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// TestPageTextLines: the named field may hold line breaks (CR LF and CR
// become LF) and is otherwise held to the text rules; every other field
// still refuses a line break, as under PageText.
func TestPageTextLines(t *testing.T) {
	gin.SetMode(gin.TestMode)
	e := gin.New()
	var got map[string]string
	fail := func(c *gin.Context, err error) {
		c.String(handlers.StatusOf(err, http.StatusInternalServerError), "%s", err.(*models.Error).Fields[0].Field)
		c.Abort()
	}
	e.POST("/x", handlers.PageTextLines(fail, "domains"), func(c *gin.Context) {
		got = map[string]string{"domains": c.PostForm("domains"), "subdomain": c.PostForm("subdomain")}
		c.String(http.StatusOK, "ok")
	})
	post := func(form url.Values) *httptest.ResponseRecorder {
		got = nil
		req := httptest.NewRequest("POST", "/x", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		e.ServeHTTP(w, req)
		return w
	}
	w := post(url.Values{"domains": {"a.com\r\nb.com\rcafe\u0301.com\n"}, "subdomain": {"ls"}})
	if w.Code != http.StatusOK || got["domains"] != "a.com\nb.com\ncaf\u00e9.com\n" || got["subdomain"] != "ls" {
		t.Fatalf("lines: %d %q %q", w.Code, w.Body.String(), got)
	}
	for name, form := range map[string]url.Values{
		"a line break in another field": {"domains": {"a.com"}, "subdomain": {"l\ns"}},
		"a NUL in the lines":            {"domains": {"a.com\n\x00b.com"}},
		"a tab in the lines":            {"domains": {"a.com\tb.com"}},
		"a zero-width space":            {"domains": {"a.com\nb\u200b.com"}},
		"a bidi control":                {"domains": {"a.com\n\u202eb.com"}},
		"a line separator":              {"domains": {"a.com\u2028b.com"}},
		"UTF-8 split by a line break":   {"domains": {"caf\xc3\n\xa9.com"}},
	} {
		w := post(form)
		if w.Code != http.StatusUnprocessableEntity || got != nil {
			t.Errorf("%s: %d %q (handler saw %q)", name, w.Code, w.Body.String(), got)
		}
	}
}
