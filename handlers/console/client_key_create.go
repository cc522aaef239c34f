package console

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// consoleClientKeyCreate: POST /console/clients/{id}/api-keys makes a
// key (Store.CreateClientKey, as POST /api/v1/clients/{id}/api-keys);
// the list then shows it once (a sealed flash).
func (h *Handler) consoleClientKeyCreate(c *gin.Context) {
	name := strings.TrimSpace(c.PostForm("name"))
	var err error
	if len([]rune(name)) > 100 {
		err = models.Invalid("invalid_name", "name", "must be at most 100 characters")
	}
	var key string
	if err == nil {
		key, _, err = h.cfg.Store.CreateClientKey(c.Request.Context(), signedIn(c).scope(), c.Param("id"), models.APIKeyInput{Name: name})
	}
	if err == nil && h.setFlash(c, map[string]string{"key": key, "name": name}) {
		handlers.SeeOther(c, clientKeysPath(c.Param("id")), "")
		return
	}
	status := http.StatusOK
	var errs map[string]string
	if err != nil {
		var ok bool
		if errs, ok = fieldErrors(err, "name"); !ok {
			h.pages.Fail(c, err)
			return
		}
		status = handlers.StatusOf(err, http.StatusUnprocessableEntity)
	}
	v, verr := h.clientKeysView(c)
	if verr != nil {
		h.pages.Fail(c, verr)
		return
	}
	if err != nil {
		v.Name, v.Errors = name, errs
	} else {
		v.Key, v.KeyName = key, name
		c.Header("Cache-Control", "no-store")
	}
	h.pages.Render(c, status, "client_keys", v)
}
