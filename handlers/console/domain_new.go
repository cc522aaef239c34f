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

// purposeOption is one purpose of the form, with the CNAME target its
// domains get ("" when this server has none: the form says so, and adding
// one is refused next to the field).
type purposeOption struct {
	Value  models.Purpose
	Label  string
	Target string
}

// consolePurposes are the purposes offered, in the form's order, with
// their labels.
var consolePurposes = []purposeOption{
	{Value: models.PurposeLinkShortening, Label: "Link Shortening (Twilio)"},
	{Value: models.PurposeURLTracking, Label: "URL Tracking (linkgate's own short links)"},
}

// purposeLabel is p in words, as the form offers it.
func purposeLabel(p models.Purpose) string {
	for _, o := range consolePurposes {
		if o.Value == p {
			return o.Label
		}
	}
	return string(p)
}

// purposeOptions are consolePurposes with this server's CNAME targets.
func (h *Handler) purposeOptions() []purposeOption {
	out := make([]purposeOption, len(consolePurposes))
	for i, p := range consolePurposes {
		p.Target = h.cfg.DNS.TargetFor(p.Value)
		out[i] = p
	}
	return out
}

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
	ttl := h.cfg.DNS.TTL
	if ttl == 0 {
		ttl = models.DefaultCNAMETTL
	}
	return domainNewView{consoleBase: h.consoleBase(c, "Add a domain for "+cl.Name, "clients"), Client: cl,
		Action: clientPath(cl.ID) + "/domains", Sub: "ls", Purposes: h.purposeOptions(), Purpose: models.PurposeLinkShortening,
		Target: h.cfg.DNS.TargetFor(models.PurposeLinkShortening), TTL: ttl}, nil
}

// withPurpose shows the form for purpose p (as posted): its target in the
// preview.
func (v *domainNewView) withPurpose(p models.Purpose) {
	v.Purpose = p
	for _, o := range v.Purposes {
		if o.Value == p {
			v.Target = o.Target
		}
	}
}
