package console

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/models"
)

// domainNewView is the "Add a domain" form with its live preview.
type domainNewView struct {
	consoleBase
	Client   *models.Client
	Action   string
	Domain   string
	Sub      string
	Purposes []purposeOption
	Purpose  models.Purpose
	Target   string
	TTL      int
	Errors   map[string]string
}

type purposeOption struct {
	Value models.Purpose
	Label string
}

var consolePurposes = []purposeOption{{Value: models.PurposeLinkShortening, Label: "Link Shortening"}}

// consoleDomainNew: GET /console/clients/{id}/domains/new.
func (h *Handler) consoleDomainNew(c *gin.Context) {
	v, err := h.domainNewView(c)
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	h.pages.Render(c, http.StatusOK, "domain_new", v)
}

func (h *Handler) domainNewView(c *gin.Context) (domainNewView, error) {
	cl, err := h.cfg.Store.GetClient(c.Request.Context(), signedIn(c).scope(), c.Param("id"))
	if err != nil {
		return domainNewView{}, err
	}
	target, ttl := h.cfg.DNS.Target, h.cfg.DNS.TTL
	if target == "" {
		target = models.DefaultCNAMETarget
	}
	if ttl == 0 {
		ttl = models.DefaultCNAMETTL
	}
	return domainNewView{consoleBase: h.consoleBase(c, "Add a domain for "+cl.Name, "clients"), Client: cl,
		Action: clientPath(cl.ID) + "/domains", Sub: "ls", Purposes: consolePurposes, Purpose: models.PurposeLinkShortening,
		Target: target, TTL: ttl}, nil
}
