package console

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// A flash carries a value that is shown once — a new webhook secret, a
// registration share link — across the redirect after a POST, so that
// reloading the page shows nothing twice and submits nothing twice
// (POST-redirect-GET). It is sealed with the key ring (AES-256-GCM) and
// bound to the session, kept in a short-lived HttpOnly cookie, and cleared
// by the page that shows it.

// flashTTL bounds how long a flash waits for its page.
const flashTTL = 2 * time.Minute

func (h *Handler) flashCookieName() string { return h.srv.CookieName("lg_flash") }

func flashAAD(c *gin.Context) string { return "console-flash:" + signedIn(c).Session.IDHash }

// setFlash stores values for the next page; false without a key ring
// (the caller then shows them on the POST's answer).
func (h *Handler) setFlash(c *gin.Context, values map[string]string) bool {
	if h.cfg.Keys == nil {
		return false
	}
	b, err := json.Marshal(values)
	if err != nil {
		return false
	}
	keyID, ct := h.cfg.Keys.Seal(flashAAD(c), b)
	h.srv.SetCookie(c, h.flashCookieName(), keyID+"."+base64.RawURLEncoding.EncodeToString(ct), flashTTL, http.SameSiteStrictMode)
	return true
}

// takeFlash returns the flash left for this page (nil when there is none,
// or it is not this session's) and clears it.
func (h *Handler) takeFlash(c *gin.Context) map[string]string {
	raw, err := c.Cookie(h.flashCookieName())
	if err != nil || raw == "" || h.cfg.Keys == nil {
		return nil
	}
	h.srv.SetCookie(c, h.flashCookieName(), "", -1, http.SameSiteStrictMode)
	keyID, enc, ok := strings.Cut(raw, ".")
	if !ok {
		return nil
	}
	ct, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return nil
	}
	b, err := h.cfg.Keys.Open(keyID, flashAAD(c), ct)
	if err != nil {
		return nil
	}
	var values map[string]string
	if json.Unmarshal(b, &values) != nil {
		return nil
	}
	return values
}
