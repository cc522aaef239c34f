package console

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// domainView is a domain's page: status, timeline, the DNS record and the
// next step (setup choice, DNS doctor, Domain SID, Messaging Services,
// retry).
type domainView struct {
	consoleBase
	Client    *models.Client
	D         *models.Domain
	Events    []models.DomainEvent
	Actors    map[string]string     // timeline actors in words ("user:usr_…" → e-mail)
	Labels    handlers.DomainLabels // its statuses in words, for the reader
	Record    handlers.RecordView
	StatusURL string
	DoctorURL string
	Action    string // the domain's console path; forms post below it

	// AtTwilio: the domain lives at Twilio (link shortening): the
	// certificate, Domain SID and Messaging Services panels are shown. A
	// URL-tracking domain shows its tracking target instead.
	AtTwilio     bool
	PurposeLabel string
	Configurable bool // a setup may be chosen
	TakesSID     bool // a Domain SID may be entered
	Attachable   bool // Messaging Services may be attached
	Failed       bool
	Failure      *failureView // a failed domain's reason in words, and its remedies
	SetupOpen    bool         // the setup form is shown: Configurable, or a failed DNS step
	// Hosts are the DNS hosts' forms of the self setup (one per host).
	Hosts   []handlers.DNSHostForm
	LiveURL string // the fragments the page's script swaps in
	// Registrations are the domain's forward-logins, newest first.
	Registrations []registrationRow
	ShowDoctor    bool
	Doctor        *handlers.DoctorView
	TwilioURL     string // the sandbox's fake Twilio Console, for this host

	// Domain management.
	Usage      string       // "1,234 / 5,000": messages sent / the client's limit
	Pools      []poolOption // the pools it is in
	Archivable bool
	Restorable bool
	Reviewable bool // under review, and the user is an admin
	Note       string

	// Form state after a post that is re-rendered.
	ForwardEmail  string
	ShareLink     string // a forward-login link, shown once
	SID           string
	MS            string
	MoveFrom      string // the MS is attached to this host of the client: offer "Move it here"
	ConfirmDetach string // the Messaging Service whose detach is being confirmed (?detach=)
	Errors        map[string]string
}

// consoleDomain: GET /console/domains/{id}. Another client's id is 404.
func (h *Handler) consoleDomain(c *gin.Context) {
	v, err := h.domainView(c)
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	if f := h.takeFlash(c); f["share_link"] != "" {
		v.ShareLink, v.ForwardEmail = f["share_link"], f["email"]
		c.Header("Cache-Control", "no-store")
	}
	h.pages.Render(c, http.StatusOK, "domain", v)
}

func (h *Handler) domainView(c *gin.Context) (domainView, error) {
	ctx := c.Request.Context()
	sc := signedIn(c).scope()
	d, err := h.cfg.Store.GetDomain(ctx, sc, c.Param("id"))
	if err != nil {
		return domainView{}, err
	}
	cl, err := h.cfg.Store.GetClient(ctx, sc, d.ClientID)
	if err != nil {
		return domainView{}, err
	}
	evs, err := h.cfg.Store.DomainEvents(ctx, sc, d.ID)
	if err != nil {
		return domainView{}, err
	}
	nav := "client"
	if signedIn(c).admin() {
		nav = "clients"
	}
	v := domainView{consoleBase: h.consoleBase(c, d.Host, nav), Client: cl, D: d, Events: evs, Record: handlers.RecordOf(d),
		StatusURL: domainPath(d.ID) + "/status", DoctorURL: domainPath(d.ID) + "/doctor", Action: domainPath(d.ID),
		AtTwilio:     d.Purpose.AtTwilio(),
		PurposeLabel: purposeLabel(d.Purpose),
		Configurable: models.Configurable.Has(d.Status),
		TakesSID:     models.AcceptsDomainSID.Has(d.Status) && d.DomainSID == "" && d.Purpose.AtTwilio(),
		Attachable:   models.Attachable.Has(d.Status) && d.Purpose.AtTwilio(),
		Failed:       models.Retryable.Has(d.Status),
		ShowDoctor:   d.SetupMode == models.SetupManual && d.Status == models.StatusDNSPending,
		LiveURL:      domainPath(d.ID) + "/live",
		ForwardEmail: cl.Email,
	}
	v.Failure = failureOf(d)
	v.SetupOpen = v.Configurable || v.Failure != nil && v.Failure.Switch
	if h.cfg.Workflows != nil {
		v.Hosts = handlers.DNSHostForms(h.cfg.Workflows.DNSHosts(), "", nil)
	}
	regs, err := h.cfg.Store.ListRegistrations(ctx, sc, models.RegistrationQuery{DomainID: d.ID})
	if err != nil {
		return domainView{}, err
	}
	v.Registrations = registrationRows(regs, h.cfg.Store.Now())
	v.Actors = h.actorNames(c, evs)
	v.Labels = handlers.LabelsOf(d, handlers.ReaderOf(signedIn(c).admin()))
	v.Usage = usage(d.MessagesSent, cl.DomainLimit)
	v.Archivable, v.Restorable = models.Archivable.Has(d.Status), models.Restorable.Has(d.Status)
	v.Reviewable = models.Reviewable.Has(d.Status) && signedIn(c).admin()
	if len(d.PoolIDs) > 0 {
		pools, err := h.cfg.Store.ListPools(ctx, sc, models.PoolQuery{ClientID: d.ClientID, PageQuery: models.PageQuery{Limit: models.MaxPageLimit}})
		if err != nil {
			return domainView{}, err
		}
		names := map[string]string{}
		for _, p := range pools.Pools {
			names[p.ID] = p.Name
		}
		for _, id := range d.PoolIDs {
			v.Pools = append(v.Pools, poolOption{ID: id, Label: names[id]})
		}
	}
	if v.TakesSID && h.cfg.Sandbox && h.cfg.SandboxConsole.RegisterTwilioDomain != nil {
		v.TwilioURL = consolePrefix + "/sandbox?" + url.Values{"host": {d.Host}, "domain": {d.ID}}.Encode()
	}
	if sid := canonicalMS(c.Query("detach")); sid != "" && slices.Contains(d.MessagingServiceSIDs, sid) {
		v.ConfirmDetach = sid
	}
	return v, nil
}

// domainStatusJSON is GET /console/domains/{id}/status: what the page's
// script refreshes.
type domainStatusJSON struct {
	Status    models.Status    `json:"status"`
	Label     string           `json:"label"`
	DNSStatus models.DNSStatus `json:"dns_status"`
	DNS       string           `json:"dns"`
	SSLStatus models.SSLStatus `json:"ssl_status"`
	SSL       string           `json:"ssl"`
	Hint      string           `json:"hint"`
	Reason    string           `json:"reason"`
	Version   int              `json:"version"`
}

// consoleDomainStatus: GET /console/domains/{id}/status (JSON).
func (h *Handler) consoleDomainStatus(c *gin.Context) {
	d, err := h.cfg.Store.GetDomain(c.Request.Context(), signedIn(c).scope(), c.Param("id"))
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	l := handlers.LabelsOf(d, handlers.ReaderOf(signedIn(c).admin()))
	c.JSON(http.StatusOK, domainStatusJSON{Status: d.Status, Label: l.Status,
		DNSStatus: d.DNSStatus, DNS: l.DNS, SSLStatus: d.SSLStatus, SSL: l.SSL, Hint: l.Hint,
		Reason: d.StatusReason, Version: d.Version})
}

// consoleDomainDoctor: GET /console/domains/{id}/doctor: the DNS check of
// the record as an HTML fragment (the page's script polls it; ?full=1
// shows the domain page with the check, for browsers without script).
func (h *Handler) consoleDomainDoctor(c *gin.Context) {
	v, err := h.domainView(c)
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	v.Doctor = h.consoleDoctor(c, v.D)
	if c.Query("full") != "" {
		v.ShowDoctor = true
		h.pages.Render(c, http.StatusOK, "domain", v)
		return
	}
	if err := h.doctor.Write(c, v.Doctor); err != nil {
		h.pages.Fail(c, err)
	}
}

// consoleDoctor checks the domain's CNAME now (Config.DNSDoctor), or shows
// the workflow's last finding when there is no doctor.
func (h *Handler) consoleDoctor(c *gin.Context, d *models.Domain) *handlers.DoctorView {
	now := time.Now().UTC().Format("15:04:05 UTC")
	v := &handlers.DoctorView{Host: d.Host, Target: d.CNAMETarget, CheckedAt: now}
	if d.DNSStatus == models.DNSVerified {
		v.OK = true
		return v
	}
	if h.cfg.DNSDoctor == nil {
		if d.StatusReason != "" {
			v.Findings = []handlers.DNSFinding{{Code: "workflow", Message: d.StatusReason}}
		}
		return v
	}
	diag, err := h.cfg.DNSDoctor(c.Request.Context(), d.Host, d.Apex, d.CNAMETarget)
	if err != nil {
		var e *models.Error
		if !errors.As(err, &e) || e.Kind != models.KindUnavailable {
			handlers.Logger(c).WarnContext(c.Request.Context(), "console dns doctor", "error", err.Error())
		}
		v.Error = "We could not ask the DNS right now; we will try again."
		return v
	}
	v.OK = diag.OK
	v.Findings = append(v.Findings, diag.Findings...)
	return v
}

// renderDomainErrors re-renders the domain page after a failed post of
// one section's form: field errors next to their fields, other errors of
// the form at the top of its section (Errors[section]); faults and 404s
// as an error page.
func (h *Handler) renderDomainErrors(c *gin.Context, err error, section string, edit func(v *domainView), known ...string) {
	errs, ok := fieldErrors(err, known...)
	if !ok {
		h.pages.Fail(c, err)
		return
	}
	if msg, ok := errs["form"]; ok {
		delete(errs, "form")
		errs[section] = msg
	}
	v, verr := h.domainView(c)
	if verr != nil {
		h.pages.Fail(c, verr)
		return
	}
	v.Errors = errs
	if edit != nil {
		edit(&v)
	}
	// A section that the domain's status hides (it moved on meanwhile)
	// cannot show its error: the page shows it at the top instead.
	if msg, ok := errs[section]; ok {
		shown := map[string]bool{"configure": v.SetupOpen, "forward": v.SetupOpen, "sid": v.TakesSID, "registrations": len(v.Registrations) > 0,
			"retry": v.Failed, "ms": v.AtTwilio, "manage": true, "delete": true, "review": v.Reviewable}
		if !shown[section] {
			delete(errs, section)
			errs["page"] = msg
		}
	}
	h.pages.Render(c, handlers.StatusOf(err, http.StatusUnprocessableEntity), "domain", v)
}

// actorNames shows the console users of a timeline by their e-mail
// (actors are stored as "user:<id>"); other actors stay as they are.
func (h *Handler) actorNames(c *gin.Context, evs []models.DomainEvent) map[string]string {
	out := map[string]string{}
	for _, ev := range evs {
		if _, done := out[ev.Actor]; done {
			continue
		}
		out[ev.Actor] = h.actorName(c, ev.Actor)
	}
	return out
}

// actorName is one timeline actor in words: a console user by e-mail.
func (h *Handler) actorName(c *gin.Context, actor string) string {
	if id, ok := strings.CutPrefix(actor, "user:"); ok {
		if u, err := h.cfg.Store.UserByID(c.Request.Context(), id); err == nil {
			return u.Email
		}
	}
	return actor
}
