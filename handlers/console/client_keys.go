package console

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/models"
)

// clientKeysView lists a client's API keys by prefix, status and last
// use, with the form to make one. Key is set right after a create: the
// only time a key is shown.
type clientKeysView struct {
	consoleBase
	Client  *models.Client
	Keys    []keyRow
	More    bool
	Name    string
	Key     string
	KeyName string
	Errors  map[string]string
}

// keyRow is one key of the list, its status in words.
type keyRow struct {
	models.APIKeyView
	StatusText string
	Active     bool
}

// keyStatusWords are the key statuses in words.
var keyStatusWords = map[models.KeyStatus]string{
	models.KeyActive:  "Active",
	models.KeyExpired: "Expired",
	models.KeyRevoked: "Revoked",
}

// consoleClientKeysLimit is how many keys the page lists.
const consoleClientKeysLimit = 100

func clientKeysPath(id string) string { return clientPath(id) + "/api-keys" }

// consoleClientKeys: GET /console/clients/{id}/api-keys; the admins and
// the client's own users (404 otherwise).
func (h *Handler) consoleClientKeys(c *gin.Context) {
	v, err := h.clientKeysView(c)
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	if f := h.takeFlash(c); f["key"] != "" {
		v.Key, v.KeyName = f["key"], f["name"]
		c.Header("Cache-Control", "no-store")
	}
	h.pages.Render(c, http.StatusOK, "client_keys", v)
}

func (h *Handler) clientKeysView(c *gin.Context) (clientKeysView, error) {
	ctx := c.Request.Context()
	who := signedIn(c)
	cl, err := h.cfg.Store.GetClient(ctx, who.scope(), c.Param("id"))
	if err != nil {
		return clientKeysView{}, err
	}
	keys, next, err := h.cfg.Store.ListClientKeys(ctx, who.scope(), cl.ID, models.PageQuery{Limit: consoleClientKeysLimit})
	if err != nil {
		return clientKeysView{}, err
	}
	nav := "client"
	if who.admin() {
		nav = "clients"
	}
	v := clientKeysView{consoleBase: h.consoleBase(c, "API keys of "+cl.Name, nav), Client: cl, More: next != ""}
	v.Keys = keyRows(keys, h.cfg.Store.Now())
	return v, nil
}

func keyRows(keys []models.APIKey, now time.Time) []keyRow {
	out := make([]keyRow, len(keys))
	for i := range keys {
		kv := keys[i].View(now)
		out[i] = keyRow{APIKeyView: kv, StatusText: keyStatusWords[kv.Status], Active: kv.Status == models.KeyActive}
	}
	return out
}
