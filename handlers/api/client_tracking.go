package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// getTracking: GET /api/v1/clients/{id}/tracking.
func (h *Handler) getTracking(c *gin.Context) {
	t, err := h.cfg.Store.GetTracking(c.Request.Context(), handlers.Scope(c), c.Param("id"))
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, t)
}

// setTracking: PUT /api/v1/clients/{id}/tracking {"mode", "prefix",
// "domain_id"} (the whole settings; omitted prefix and domain_id are
// null).
func (h *Handler) setTracking(c *gin.Context) {
	var in models.TrackingSettings
	if err := handlers.Bind(c, &in); err != nil {
		handlers.Fail(c, err)
		return
	}
	t, err := h.cfg.Store.SetTracking(c.Request.Context(), handlers.Scope(c), c.Param("id"), in)
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, t)
}
