package console

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// attentionPath is the Attention page: an admin's home.
const attentionPath = consolePrefix + "/attention"

// attentionPerKind is how many rows of each kind the page lists.
const attentionPerKind = 100

// attentionView is the Attention page (models.AttentionList): a section
// per kind, each row with its one next action.
type attentionView struct {
	consoleBase
	Sections []attentionSection
	Total    int64
}

// attentionSection is one kind of the page.
type attentionSection struct {
	Kind    models.AttentionKind
	Heading string
	Intro   string
	Count   int64
	Rows    []attentionRow
	// MoreURL lists them all on the Domains page when the section shows
	// fewer than Count.
	MoreURL string
}

// attentionRow is one thing that needs a person.
type attentionRow struct {
	ID, Name, Link     string // the domain or campaign and its page
	ClientID, Client   string
	Status             string // in words
	Code               string // the machine value, for support
	Detail             string // why, in words
	Since              time.Time
	SinceLabel         string // "In this step since", "Expires", ...
	Action, ActionText string // the one next action
}

// attentionKinds are each kind's words and its domain list filter.
var attentionKinds = map[models.AttentionKind]struct {
	Heading, Intro string
	Filter         string // the Domains page's query for all of them
}{
	models.AttentionFailed:            {"Failed", "A setup step failed. Fix the cause, then retry.", "status=failed"},
	models.AttentionUnderReview:       {"Under review", "Flagged as possibly malicious: clear or decline each.", "status=under_review"},
	models.AttentionDomainSID:         {"Waiting for the Domain SID", "Create each domain in the Twilio Console and paste its Domain SID.", "status=awaiting_domain_sid"},
	models.AttentionClient:            {"Waiting for the client", "The client has a registration link to finish the setup.", "status=awaiting_client"},
	models.AttentionStuck:             {"Stuck", "In a step for longer than it should take (" + stepTimes() + ").", ""},
	models.AttentionCertExpiring:      {"Certificate expiring", "Live domains whose certificate expires within 30 days.", ""},
	models.AttentionReachedLimit:      {"Sending limit reached", "They sent their client's limit of messages: raise the limit, or use other domains.", "status=reached_limit"},
	models.AttentionCampaignSuspended: {"Suspended campaigns", "linkgate stopped them; the reason says why.", ""},
}

// stepTimes is models.StepExpected in words: "Waiting to start 24 h, ...".
func stepTimes() string {
	out := ""
	for _, st := range models.Statuses {
		d, ok := models.StepExpected[st]
		if !ok {
			continue
		}
		if out != "" {
			out += ", "
		}
		out += handlers.StatusLabel(st) + " " + strconv.Itoa(int(d/time.Hour)) + " h"
	}
	return out
}

// consoleAttention: GET /console/attention (admins).
func (h *Handler) consoleAttention(c *gin.Context) {
	a, err := h.cfg.Store.AttentionList(c.Request.Context(), signedIn(c).scope(), h.cfg.Store.Now(), attentionPerKind)
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	v := attentionView{consoleBase: h.consoleBase(c, "Attention", "attention"), Total: a.Total}
	byKind := map[models.AttentionKind][]attentionRow{}
	for _, it := range a.Items {
		byKind[it.Kind] = append(byKind[it.Kind], attentionRowOf(it, h.cfg.Store.Now()))
	}
	for _, k := range models.AttentionKinds {
		w := attentionKinds[k]
		s := attentionSection{Kind: k, Heading: w.Heading, Intro: w.Intro, Count: a.Counts[k], Rows: byKind[k]}
		if int64(len(s.Rows)) < s.Count && w.Filter != "" {
			s.MoreURL = domainsPath + "?" + w.Filter
		}
		v.Sections = append(v.Sections, s)
	}
	h.pages.Render(c, http.StatusOK, "attention", v)
}

// attentionRowOf is an item in words, with its next action.
func attentionRowOf(it models.AttentionItem, now time.Time) attentionRow {
	r := attentionRow{ClientID: it.ClientID, Client: it.ClientName, Since: it.Since, SinceLabel: "Since"}
	if cp := it.Campaign; cp != nil {
		r.ID, r.Name, r.Link = cp.ID, cp.Name, consolePrefix+"/campaigns/"+cp.ID
		r.Status, r.Code, r.Detail = handlers.CampaignStatusLabel(cp.Status), string(cp.Status), handlers.Sentence(cp.StatusReason)
		r.Action, r.ActionText = r.Link, "Open the campaign"
		return r
	}
	d := it.Domain
	page := domainPath(d.ID)
	r.ID, r.Name, r.Link = d.ID, d.Host, page
	r.Status, r.Code, r.Detail = handlers.StatusLabel(d.Status), string(d.Status), handlers.Sentence(d.StatusReason)
	r.SinceLabel = "In this step since"
	switch it.Kind {
	case models.AttentionFailed:
		r.Action, r.ActionText = page+"#failure", "Fix and retry"
		if f := failureOf(d); f != nil {
			r.Detail = f.Problem // the reason for people; the raw one is on the page
		}
	case models.AttentionUnderReview:
		r.Action, r.ActionText = page+"#review", "Review it"
	case models.AttentionDomainSID:
		r.Action, r.ActionText = page+"#domain-sid", "Paste the Domain SID"
		r.Detail = handlers.StatusHint(d.Status, handlers.ForAdmin)
	case models.AttentionClient:
		r.Action, r.ActionText = page+"#setup-forward", "Send a new link"
		switch reg := it.Registration; {
		case reg == nil:
			r.Detail = "No registration link was sent."
		case reg.Open(now):
			r.Detail = "Link sent to " + reg.Email + ": " + handlers.RegistrationLabel(reg.Status) + "; it works until " + handlers.When(reg.ExpiresAt) + "."
			r.Action, r.ActionText = page, "See the domain"
		default:
			r.Detail = "The link to " + reg.Email + " is " + lower(handlers.RegistrationLabel(reg.Status)) + ": send a new one."
		}
	case models.AttentionStuck:
		r.Detail = "Expected within " + strconv.Itoa(int(models.StepExpected[d.Status]/time.Hour)) + " h; it has been " + ageOf(now.Sub(d.StatusChangedAt)) + "."
		if d.StatusReason != "" {
			r.Detail += " " + handlers.Sentence(d.StatusReason)
		}
		switch d.Status {
		case models.StatusPending:
			r.Action, r.ActionText = page+"#setup", "Choose a setup"
		case models.StatusDNSPending:
			r.Action, r.ActionText = page+"#dns-record", "Check the DNS record"
		default:
			r.Action, r.ActionText = page+"#status", "See what it waits for"
		}
	case models.AttentionCertExpiring:
		r.SinceLabel = "Certificate expires"
		r.Detail = "Its certificate has not been renewed yet: check the domain at Twilio before it expires."
		r.Action, r.ActionText = page+"#status", "Check the certificate"
	case models.AttentionReachedLimit:
		r.Action, r.ActionText = clientPath(d.ClientID)+"#limit", "Raise the limit"
	}
	return r
}

// lower is s with its first letter in lower case.
func lower(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
