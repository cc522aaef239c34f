package register

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/providers"
	"github.com/linkgate/linkgate/workflows"
)

// dnsView is the DNS step: connect Cloudflare, or add the record by hand
// and watch the DNS doctor.
type dnsView struct {
	pageBase
	Host, Apex string
	Record     handlers.RecordView
	CSRF       string
	Action     string
	DoctorURL  string
	CheckURL   string
	ManualOpen bool
	Doctor     *handlers.DoctorView
	Errors     map[string]string
	// Hosts are the DNS hosts' forms (one per host, the chosen one open).
	Hosts []handlers.DNSHostForm
}

// doctorJSON is GET /register/{token}/doctor with Accept: application/json.
type doctorJSON struct {
	OK        bool          `json:"ok"`
	Host      string        `json:"host"`
	Target    string        `json:"target"`
	Targets   []string      `json:"targets"`
	Findings  []findingJSON `json:"findings"`
	CheckedAt time.Time     `json:"checked_at"`
}

type findingJSON struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// signedInRegistration returns the open registration of the signed-in
// client. Without a session (or with someone else's) it sends the browser
// to the landing page and returns nil.
func (h *Handler) signedInRegistration(c *gin.Context, token string) (*workflows.RegistrationState, *models.Session) {
	st, err := h.cfg.Workflows.OpenRegistration(c.Request.Context(), token)
	if err != nil {
		h.registrationFail(c, token, err)
		return nil, nil
	}
	sess, err := h.srv.CurrentSession(c)
	if err != nil {
		h.pages.Fail(c, err)
		return nil, nil
	}
	if sess == nil || st.Registration.UserID == nil || *st.Registration.UserID != sess.UserID {
		switch {
		case handlers.WantsJSON(c):
			handlers.Fail(c, models.ErrNoSession)
		case c.FullPath() == "/register/:token/doctor": // a fragment, fetched by script
			c.Data(http.StatusUnauthorized, "text/html; charset=utf-8",
				[]byte(`<p class="pending" data-state="error">Sign in again to see the DNS check.</p>`))
			c.Abort()
		default:
			handlers.Redirect(c, landingPath(token))
		}
		return nil, nil
	}
	return st, sess
}

func (h *Handler) dnsView(token string, st *workflows.RegistrationState, sess *models.Session) dnsView {
	d := st.Domain
	return dnsView{pageBase: h.base("Connect the DNS of "+d.Host, 2), Host: d.Host, Apex: d.Apex, Record: handlers.RecordOf(d),
		CSRF: sess.CSRFToken, Action: landingPath(token) + "/dns", DoctorURL: landingPath(token) + "/doctor",
		CheckURL: landingPath(token) + "/dns?check=1#manual", Hosts: handlers.DNSHostForms(h.cfg.Workflows.DNSHosts(), "", nil)}
}

// registerDNSPage: GET /register/{token}/dns (signed in). With ?check=1
// the page carries a DNS check (for browsers without script).
func (h *Handler) registerDNSPage(c *gin.Context) {
	token := c.Param("token")
	st, sess := h.signedInRegistration(c, token)
	if st == nil {
		return
	}
	v := h.dnsView(token, st, sess)
	if c.Query("check") != "" {
		v.ManualOpen = true
		v.Doctor = h.runDoctor(c, token, sess)
		if v.Doctor == nil {
			return
		}
	}
	h.pages.Render(c, http.StatusOK, "dns", v)
}

// registerDNS: POST /register/{token}/dns. mode=self checks the Cloudflare
// token live and keeps it; mode=manual records the choice. Then on to the
// finish step; errors re-render the form next to their field.
func (h *Handler) registerDNS(c *gin.Context) {
	token := c.Param("token")
	st, sess := h.signedInRegistration(c, token)
	if st == nil {
		return
	}
	if err := handlers.CheckSessionCSRF(c, sess); err != nil {
		h.pages.Fail(c, err)
		return
	}
	in := workflows.ConfigureInput{Mode: models.SetupMode(c.PostForm("mode"))}
	v := h.dnsView(token, st, sess)
	status := http.StatusUnprocessableEntity
	hosts := h.cfg.Workflows.DNSHosts()
	var host providers.DNSHost
	render := func(errs map[string]string) {
		v.Errors = errs
		v.Hosts = handlers.DNSHostForms(hosts, host.Name, errs)
		h.pages.Render(c, status, "dns", v)
	}
	switch in.Mode {
	case models.SetupSelf:
		var errs map[string]string
		host, in.Credentials, errs = handlers.DNSHostFromForm(c, hosts)
		if errs != nil {
			render(errs)
			return
		}
		in.Provider = host.Name
	case models.SetupManual:
	default:
		render(map[string]string{"form": "Choose to connect your DNS provider or to add the record yourself."})
		return
	}
	err := h.cfg.Workflows.RegistrationConnectDNS(c.Request.Context(), token, sess.UserID, in)
	var e *models.Error
	switch {
	case err == nil:
		next := landingPath(token) + "/finish?via=" + string(in.Mode)
		if in.Provider != "" && in.Provider != "cloudflare" {
			next += "&provider=" + url.QueryEscape(in.Provider)
		}
		handlers.Redirect(c, next)
		return
	case errors.As(err, &e) && e.Kind == models.KindInvalid:
		v.Errors = dnsErrors(e, hosts, host, st.Domain.Apex)
	case errors.As(err, &e) && e.Kind == models.KindUnavailable && host.Name != "":
		status = http.StatusServiceUnavailable
		v.Errors = map[string]string{handlers.DNSFieldID(hosts, host.Name, host.FirstField()): host.Label + " did not answer in time. Try again in a minute."}
	default:
		h.registrationFail(c, token, err)
		return
	}
	v.ManualOpen = in.Mode == models.SetupManual
	v.Hosts = handlers.DNSHostForms(hosts, host.Name, v.Errors)
	h.pages.Render(c, status, "dns", v)
}

// dnsErrors puts a DNS step error next to its field.
func dnsErrors(e *models.Error, hosts providers.DNSHosts, host providers.DNSHost, apex string) map[string]string {
	if host.Name != "" && e.Code == "zone_not_found" {
		return map[string]string{handlers.DNSFieldID(hosts, host.Name, host.FirstField()): handlers.Sentence(e.Detail)}
	}
	if host.Name != "" {
		if out, ok := handlers.DNSErrors(e, hosts, host, handlers.DNSRefusal(host, apex)); ok {
			return out
		}
	}
	out := map[string]string{}
	for _, f := range e.Fields {
		if f.Field == "mode" {
			out["mode"] = handlers.Sentence(f.Message)
		} else {
			out["form"] = handlers.Sentence(f.Message)
		}
	}
	if len(out) == 0 {
		out["form"] = handlers.Sentence(e.Detail)
	}
	return out
}

// registerDoctor: GET /register/{token}/doctor (signed in): the DNS check
// of the record, as an HTML fragment (for the page's script) or as JSON.
func (h *Handler) registerDoctor(c *gin.Context) {
	token := c.Param("token")
	if handlers.WantsJSON(c) {
		st, sess := h.signedInRegistration(c, token)
		if st == nil {
			return
		}
		check, d, err := h.cfg.Workflows.RegistrationDNSDoctor(c.Request.Context(), token, sess.UserID)
		if err != nil {
			handlers.Fail(c, err)
			return
		}
		out := doctorJSON{OK: check.OK, Host: d.Host, Target: d.CNAMETarget, Targets: append([]string{}, check.Targets...),
			Findings: []findingJSON{}, CheckedAt: time.Now().UTC()}
		for _, f := range check.Findings {
			out.Findings = append(out.Findings, findingJSON{Code: f.Code, Message: f.Message})
		}
		c.JSON(http.StatusOK, out)
		return
	}
	st, sess := h.signedInRegistration(c, token)
	if st == nil {
		return
	}
	v := h.runDoctor(c, token, sess)
	if v == nil {
		return
	}
	if err := h.doctor.Write(c, v); err != nil {
		h.pages.Fail(c, err)
	}
}

// runDoctor checks the record; a DNS failure is shown, not an error page.
// It returns nil when it has already answered (with an error page).
func (h *Handler) runDoctor(c *gin.Context, token string, sess *models.Session) *handlers.DoctorView {
	now := time.Now().UTC().Format("15:04:05 UTC")
	check, d, err := h.cfg.Workflows.RegistrationDNSDoctor(c.Request.Context(), token, sess.UserID)
	var e *models.Error
	if err != nil && (!errors.As(err, &e) || e.Kind == models.KindInternal || e.Kind == models.KindUnavailable) && d != nil {
		handlers.Logger(c).WarnContext(c.Request.Context(), "dns doctor", "error", err.Error())
		return &handlers.DoctorView{Host: d.Host, Target: d.CNAMETarget, Error: "We could not ask the DNS right now; we will try again.", CheckedAt: now}
	}
	if err != nil {
		h.registrationFail(c, token, err)
		return nil
	}
	v := &handlers.DoctorView{Host: d.Host, Target: d.CNAMETarget, OK: check.OK, CheckedAt: now}
	for _, f := range check.Findings {
		v.Findings = append(v.Findings, handlers.DNSFinding{Code: f.Code, Message: f.Message})
	}
	return v
}
