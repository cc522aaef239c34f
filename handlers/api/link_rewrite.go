package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/shortlink"
)

type rewriteRequest struct {
	ClientID   string `json:"client_id"`
	Body       string `json:"body"`
	CampaignID string `json:"campaign_id"`
	To         string `json:"to"`
}

type rewriteResponse struct {
	Body     string           `json:"body"`
	Links    []shortlink.Link `json:"links"`
	Segments int              `json:"segments"`
	Encoding string           `json:"encoding"`
}

// rewriteLinks: POST /api/v1/links/rewrite: the message as it will be
// sent, its short links stored (they redirect from now on).
func (h *Handler) rewriteLinks(c *gin.Context) {
	var in rewriteRequest
	if err := handlers.Bind(c, &in); err != nil {
		handlers.Fail(c, err)
		return
	}
	out, err := h.cfg.Store.Rewrite(c.Request.Context(), handlers.Scope(c), models.RewriteInput{ClientID: in.ClientID,
		Body: in.Body, CampaignID: in.CampaignID, To: in.To})
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	enc, segments := models.SMSSegments(out.Body)
	c.JSON(http.StatusOK, rewriteResponse{Body: out.Body, Links: out.Links, Segments: segments, Encoding: enc})
}
