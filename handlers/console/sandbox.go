package console

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/hostname"
)

// The sandbox pages (sandbox mode only; 404 otherwise): the outbox of
// mail sent, and the tools that stand in for the vendors' own consoles: a
// fake Twilio Console where a domain is registered (and its Domain SID
// shown), and a fake Cloudflare where a zone and its API token are made.

// sandboxView is the sandbox tools page.
type sandboxView struct {
	consoleBase
	Host       string // the Twilio form's host
	DomainID   string // the domain page the Twilio form came from (?domain=)
	DomainHost string // its host, for the link back
	DomainSID  string // the SID just registered
	Zone       string // the Cloudflare form's zone
	ZoneID     string
	APIToken   string // the token just made
	Cloudflare bool   // the Cloudflare tool exists (admins)
	// The DNS and fault tools (admins), and their forms after an error.
	DNSTool       bool
	FaultTool     bool
	Pending       map[string]int // faults not yet taken, per fake
	DNSName       string
	DNSType       string
	DNSValue      string
	DNSTypes      []string
	FaultProvider string
	FaultStatus   string
	FaultCount    string
	Errors        map[string]string
}

// outboxView lists the mail the sandbox sent.
type outboxView struct {
	consoleBase
	Mail []SandboxMail
}

// consoleSandbox: GET /console/sandbox?host=.
func (h *Handler) consoleSandbox(c *gin.Context) {
	v := h.sandboxView(c, strings.TrimSpace(c.Query("host")))
	h.sandboxDomain(c, &v, c.Query("domain"))
	if f := h.takeFlash(c); f != nil {
		if f["domain_sid"] != "" {
			v.Host, v.DomainSID = f["host"], f["domain_sid"]
			h.sandboxDomain(c, &v, f["domain"])
		}
		v.Zone, v.ZoneID, v.APIToken = f["zone"], f["zone_id"], f["api_token"]
	}
	h.pages.Render(c, http.StatusOK, "sandbox", v)
}

// sandboxResult shows what a tool made: after a redirect (a sealed flash)
// so that a reload makes nothing twice, or on this answer without a key
// ring.
func (h *Handler) sandboxResult(c *gin.Context, v sandboxView, flash map[string]string) {
	if h.setFlash(c, flash) {
		handlers.SeeOther(c, consolePrefix+"/sandbox", "")
		return
	}
	h.pages.Render(c, http.StatusOK, "sandbox", v)
}

func (h *Handler) sandboxView(c *gin.Context, host string) sandboxView {
	sb, admin := h.cfg.SandboxConsole, signedIn(c).admin()
	v := sandboxView{consoleBase: h.consoleBase(c, "Sandbox tools", "sandbox"), Host: host,
		Cloudflare: admin && sb.CreateCloudflareZone != nil,
		DNSTool:    admin && sb.AddDNSRecord != nil, DNSTypes: sandboxDNSTypes, DNSType: "CNAME",
		FaultTool: admin && sb.InjectFault != nil && sb.ClearFaults != nil, FaultProvider: "cloudflare", FaultStatus: "503", FaultCount: "1"}
	if v.FaultTool && sb.PendingFaults != nil {
		v.Pending = sb.PendingFaults()
	}
	return v
}

// sandboxDomain sets the domain the Twilio form came from, for the link
// back after the Domain SID is made; one not visible to the user is
// ignored.
func (h *Handler) sandboxDomain(c *gin.Context, v *sandboxView, id string) {
	if id == "" {
		return
	}
	if d, err := h.cfg.Store.GetDomain(c.Request.Context(), signedIn(c).scope(), id); err == nil {
		v.DomainID, v.DomainHost = d.ID, d.Host
	}
}

// consoleSandboxTwilio: POST /console/sandbox/twilio: what creating and
// verifying a domain in the Twilio Console does; shows the Domain SID.
func (h *Handler) consoleSandboxTwilio(c *gin.Context) {
	host := hostname.Canonical(c.PostForm("host"))
	v := h.sandboxView(c, host)
	h.sandboxDomain(c, &v, c.PostForm("domain"))
	reg := h.cfg.SandboxConsole.RegisterTwilioDomain
	switch {
	case reg == nil:
		h.pages.Fail(c, models.NotFound("page"))
		return
	case !strings.Contains(host, "."):
		v.Errors = map[string]string{"host": "Enter a host name such as ls.acme.com."}
		h.pages.Render(c, http.StatusUnprocessableEntity, "sandbox", v)
		return
	}
	sid, err := reg(c.Request.Context(), host)
	if err != nil {
		v.Errors = map[string]string{"host": "The sandbox Twilio refused it: " + err.Error()}
		h.pages.Render(c, http.StatusUnprocessableEntity, "sandbox", v)
		return
	}
	v.DomainSID = sid
	h.sandboxResult(c, v, map[string]string{"host": host, "domain_sid": sid, "domain": v.DomainID})
}

// consoleSandboxCloudflare: POST /console/sandbox/cloudflare (admin): a
// zone in the fake Cloudflare and a token that may edit it, shown once.
func (h *Handler) consoleSandboxCloudflare(c *gin.Context) {
	zone := hostname.Canonical(c.PostForm("zone"))
	v := h.sandboxView(c, "")
	v.Zone = zone
	create := h.cfg.SandboxConsole.CreateCloudflareZone
	switch {
	case create == nil:
		h.pages.Fail(c, models.NotFound("page"))
		return
	case !strings.Contains(zone, "."):
		v.Errors = map[string]string{"zone": "Enter a domain name such as acme.com."}
		h.pages.Render(c, http.StatusUnprocessableEntity, "sandbox", v)
		return
	}
	id, tok, err := create(c.Request.Context(), zone)
	if err != nil {
		v.Errors = map[string]string{"zone": "The sandbox Cloudflare refused it: " + err.Error()}
		h.pages.Render(c, http.StatusUnprocessableEntity, "sandbox", v)
		return
	}
	v.ZoneID, v.APIToken = id, tok
	h.sandboxResult(c, v, map[string]string{"zone": zone, "zone_id": id, "api_token": tok})
}

// consoleSandboxOutbox: GET /console/sandbox/outbox (admin).
func (h *Handler) consoleSandboxOutbox(c *gin.Context) {
	if h.cfg.SandboxConsole.Outbox == nil {
		h.pages.Fail(c, models.NotFound("page"))
		return
	}
	mail := h.cfg.SandboxConsole.Outbox()
	// Newest first.
	out := make([]SandboxMail, len(mail))
	for i, m := range mail {
		out[len(mail)-1-i] = m
	}
	h.pages.Render(c, http.StatusOK, "sandbox_outbox", outboxView{consoleBase: h.consoleBase(c, "Sandbox outbox", "outbox"), Mail: out})
}
