package console

import (
	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
)

// consoleClientKeyRevoke: POST /console/clients/{id}/api-keys/{key_id}/revoke
// (Store.RevokeAPIKey, as DELETE /api/v1/api-keys/{id}): the key stops
// working at once. A key of another client than {id} is 404.
func (h *Handler) consoleClientKeyRevoke(c *gin.Context) {
	sc := signedIn(c).scope()
	ctx := c.Request.Context()
	k, err := h.cfg.Store.ClientKey(ctx, sc, c.Param("id"), c.Param("key_id"))
	if err == nil {
		_, err = h.cfg.Store.RevokeAPIKey(ctx, sc, k.ID)
	}
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	handlers.SeeOther(c, clientKeysPath(c.Param("id")), "key_revoked")
}
