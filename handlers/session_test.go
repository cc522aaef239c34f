package handlers

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// TestPageCookies: over https the cookies are Secure with the __Host-
// prefix; always HttpOnly, host-only, path /.
func TestPageCookies(t *testing.T) {
	db := dbtest.SQLite(t)
	for _, tc := range []struct {
		publicURL, name string
		secure          bool
	}{
		{"https://links.example.com", "__Host-lg_session", true},
		{"HTTPS://links.example.com", "__Host-lg_session", true},
		{"http://localhost:8080", "lg_session", false},
	} {
		h, err := New(Config{Store: models.NewStore(db, nil), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), PublicURL: tc.publicURL})
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		c, _ := gin.CreateTestContext(w)
		h.SetCookie(c, h.SessionCookieName(), "value", time.Hour, http.SameSiteLaxMode)
		ck := (&http.Response{Header: w.Header()}).Cookies()
		if len(ck) != 1 {
			t.Fatalf("%s: cookies %v", tc.publicURL, w.Header())
		}
		got := ck[0]
		if got.Name != tc.name || got.Secure != tc.secure || !got.HttpOnly || got.SameSite != http.SameSiteLaxMode ||
			got.Path != "/" || got.Domain != "" || got.MaxAge != 3600 {
			t.Errorf("%s: cookie %+v", tc.publicURL, got)
		}
		if h.CSRFCookieName() != strings.Replace(tc.name, "lg_session", "lg_csrf", 1) {
			t.Errorf("%s: CSRF cookie name %q", tc.publicURL, h.CSRFCookieName())
		}
	}
}
