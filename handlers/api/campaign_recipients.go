package api

import (
	"mime"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// MaxRecipientsUpload is the largest text/csv recipients upload (JSON
// uploads keep handlers.MaxBodyBytes).
const MaxRecipientsUpload = 100 << 20

type recipientRequest struct {
	Phone string            `json:"phone"`
	Vars  map[string]string `json:"vars"`
}

type recipientsRequest struct {
	Recipients []recipientRequest `json:"recipients"`
}

// addRecipients: POST /api/v1/campaigns/{id}/recipients, a JSON list or a
// text/csv body streamed row by row → 200 {accepted, duplicates,
// opted_out, rejected}.
func (h *Handler) addRecipients(c *gin.Context) {
	var rows models.RecipientReader
	if mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type")); mt == "text/csv" {
		rows = handlers.CSVRecipients(c.Request.Body)
	} else {
		var in recipientsRequest
		if err := handlers.Bind(c, &in); err != nil {
			handlers.Fail(c, err)
			return
		}
		list := &models.SliceRecipients{Rows: make([]models.RecipientRow, len(in.Recipients))}
		for i, r := range in.Recipients {
			list.Rows[i] = models.RecipientRow{Line: i + 1, Phone: r.Phone, Vars: r.Vars}
		}
		rows = list
	}
	res, err := h.cfg.Store.AddRecipients(c.Request.Context(), handlers.Scope(c), c.Param("id"), rows, h.optedOut)
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}
