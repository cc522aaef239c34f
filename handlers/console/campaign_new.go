package console

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/models"
)

// campaignNewView is the create-a-campaign steps: 1 the campaign (name,
// tags, Messaging Service, originator, domains, link shortening or link
// tracking), 2 the
// message variants, 3 the recipients, 4 submit and start. Step 1 makes
// the draft; the others change it.
type campaignNewView struct {
	consoleBase
	Client *models.Client
	Step   int
	Steps  []campaignStep
	C      *models.Campaign // steps 2 to 4
	V      models.CampaignView
	// Step 1.
	Name, Tags, MS, OriginatorID, PoolID string
	DomainIDs                            map[string]bool
	LinkShortening                       bool
	Tracking                             models.Tracking
	TrackingModes                        []trackingMode
	Originators                          []*models.Originator
	Pools                                []*models.Pool
	Domains                              []*models.Domain
	// Step 2.
	Variants []variantForm
	// Step 3.
	Result *models.RecipientResult
	CSV    string
	Errors map[string]string
}

// campaignStep is one step in the steps' header.
type campaignStep struct {
	N             int
	Label, URL    string
	Current, Done bool
}

// variantForm is one message variant's fields.
type variantForm struct {
	N           int // 1-based
	Body, Ratio string
}

// variantSlots is how many variants the step 2 form offers.
const variantSlots = 3

var campaignStepLabels = []string{"Campaign", "Message", "Recipients", "Submit"}

func campaignSetupPath(id string, step int) string {
	return campaignPath(id) + "/setup?step=" + strconv.Itoa(step)
}

// consoleCampaignNew: GET /console/clients/{id}/campaigns/new (step 1).
func (h *Handler) consoleCampaignNew(c *gin.Context) {
	v, err := h.campaignNewView(c, c.Param("id"), nil, 1)
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	v.LinkShortening, v.Tracking = true, models.TrackingOff
	h.pages.Render(c, http.StatusOK, "campaign_new", v)
}

// consoleCampaignSetup: GET /console/campaigns/{id}/setup?step=2|3|4.
func (h *Handler) consoleCampaignSetup(c *gin.Context) {
	cmp, ok := h.campaign(c)
	if !ok {
		return
	}
	step, _ := strconv.Atoi(c.Query("step"))
	if step < 2 || step > 4 {
		step = 2
	}
	v, err := h.campaignNewView(c, cmp.ClientID, cmp, step)
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	if raw := h.takeFlash(c)["recipients"]; raw != "" && step == 3 {
		var res models.RecipientResult
		if json.Unmarshal([]byte(raw), &res) == nil {
			v.Result = &res
		}
	}
	h.pages.Render(c, http.StatusOK, "campaign_new", v)
}

// campaignNewView reads what the step shows: the client's originators,
// pools and domains (step 1), or the draft (the other steps).
func (h *Handler) campaignNewView(c *gin.Context, clientID string, cmp *models.Campaign, step int) (campaignNewView, error) {
	ctx := c.Request.Context()
	sc := signedIn(c).scope()
	cl, err := h.cfg.Store.GetClient(ctx, sc, clientID)
	if err != nil {
		return campaignNewView{}, err
	}
	title := "New campaign"
	if cmp != nil {
		title = cmp.Name
	}
	v := campaignNewView{consoleBase: h.consoleBase(c, title, "campaigns"), Client: cl, Step: step, C: cmp,
		DomainIDs: map[string]bool{}, Errors: map[string]string{}}
	for i, l := range campaignStepLabels {
		s := campaignStep{N: i + 1, Label: l, Current: i+1 == step, Done: i+1 < step}
		if cmp != nil && i > 0 {
			s.URL = campaignSetupPath(cmp.ID, i+1)
		}
		v.Steps = append(v.Steps, s)
	}
	if cmp != nil {
		v.V = cmp.View()
		for i := 0; i < variantSlots; i++ {
			f := variantForm{N: i + 1}
			if i < len(cmp.Variants) {
				f.Body, f.Ratio = cmp.Variants[i].Body, strconv.Itoa(cmp.Variants[i].Ratio)
			}
			v.Variants = append(v.Variants, f)
		}
		return v, nil
	}
	origs, err := h.cfg.Store.ListOriginators(ctx, sc, models.OriginatorQuery{ClientID: cl.ID, PageQuery: models.PageQuery{Limit: models.MaxPageLimit}})
	if err != nil {
		return v, err
	}
	pools, err := h.cfg.Store.ListPools(ctx, sc, models.PoolQuery{ClientID: cl.ID, PageQuery: models.PageQuery{Limit: models.MaxPageLimit}})
	if err != nil {
		return v, err
	}
	domains, err := h.cfg.Store.ListDomains(ctx, sc, models.DomainQuery{ClientID: cl.ID, Status: models.StatusConfigured,
		PageQuery: models.PageQuery{Limit: models.MaxPageLimit}})
	if err != nil {
		return v, err
	}
	v.Originators, v.Pools, v.Domains, v.TrackingModes = origs.Originators, pools.Pools, domains.Domains, trackingModes
	return v, nil
}

// splitTags reads the tags field: comma-separated.
func splitTags(s string) []string {
	out := []string{}
	for _, t := range strings.Split(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}
