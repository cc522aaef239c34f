package handlers

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/workflows"
)

// dnsView is the DNS step: connect Cloudflare, or add the record by hand
// and watch the DNS doctor.
type dnsView struct {
	pageBase
	Host, Apex string
	Record     recordView
	CSRF       string
	Action     string
	DoctorURL  string
	CheckURL   string
	ManualOpen bool
	Doctor     *doctorView
	Errors     map[string]string
}

// doctorView is one DNS check (the doctor fragment).
type doctorView struct {
	Host, Target string
	OK           bool
	Findings     []findingView
	Error        string
	CheckedAt    string
}

type findingView struct{ Code, Message string }

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
	sess, err := h.currentSession(c)
	if err != nil {
		h.pageFail(c, err)
		return nil, nil
	}
	if sess == nil || st.Registration.UserID == nil || *st.Registration.UserID != sess.UserID {
		switch {
		case wantsJSON(c):
			fail(c, models.ErrNoSession)
		case c.FullPath() == "/register/:token/doctor": // a fragment, fetched by script
			c.Data(http.StatusUnauthorized, "text/html; charset=utf-8",
				[]byte(`<p class="pending" data-state="error">Sign in again to see the DNS check.</p>`))
			c.Abort()
		default:
			redirect(c, landingPath(token))
		}
		return nil, nil
	}
	return st, sess
}

func (h *Handler) dnsView(token string, st *workflows.RegistrationState, sess *models.Session) dnsView {
	d := st.Domain
	return dnsView{pageBase: h.base("Connect the DNS of "+d.Host, 2), Host: d.Host, Apex: d.Apex, Record: recordOf(d),
		CSRF: sess.CSRFToken, Action: landingPath(token) + "/dns", DoctorURL: landingPath(token) + "/doctor",
		CheckURL: landingPath(token) + "/dns?check=1#manual"}
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
	h.render(c, http.StatusOK, "dns", v)
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
	if err := checkSessionCSRF(c, sess); err != nil {
		h.pageFail(c, err)
		return
	}
	in := workflows.ConfigureInput{Mode: models.SetupMode(c.PostForm("mode"))}
	v := h.dnsView(token, st, sess)
	status := http.StatusUnprocessableEntity
	switch in.Mode {
	case models.SetupSelf:
		in.Provider = "cloudflare"
		apiToken := strings.TrimSpace(c.PostForm("api_token"))
		if apiToken == "" {
			v.Errors = map[string]string{"api_token": "Paste your Cloudflare API token."}
			h.render(c, status, "dns", v)
			return
		}
		in.Credentials = map[string]string{"api_token": apiToken}
	case models.SetupManual:
	default:
		v.Errors = map[string]string{"form": "Choose to connect Cloudflare or to add the record yourself."}
		h.render(c, status, "dns", v)
		return
	}
	err := h.cfg.Workflows.RegistrationConnectDNS(c.Request.Context(), token, sess.UserID, in)
	var e *models.Error
	switch {
	case err == nil:
		redirect(c, landingPath(token)+"/finish?via="+string(in.Mode))
		return
	case errors.As(err, &e) && e.Kind == models.KindInvalid:
		v.Errors = dnsErrors(e, st.Domain.Apex)
	case errors.As(err, &e) && e.Kind == models.KindUnavailable:
		status = http.StatusServiceUnavailable
		v.Errors = map[string]string{"api_token": "Cloudflare did not answer in time. Try again in a minute."}
	default:
		h.registrationFail(c, token, err)
		return
	}
	v.ManualOpen = in.Mode == models.SetupManual
	h.render(c, status, "dns", v)
}

// dnsErrors puts a DNS step error next to its field.
func dnsErrors(e *models.Error, apex string) map[string]string {
	switch e.Code {
	case "invalid_credentials":
		return map[string]string{"api_token": "Cloudflare refused this token. Check that you copied all of it and that it may edit DNS in the " + apex + " zone."}
	case "zone_not_found":
		return map[string]string{"api_token": sentence(e.Detail)}
	}
	out := map[string]string{}
	for _, f := range e.Fields {
		switch {
		case strings.HasPrefix(f.Field, "credentials"):
			out["api_token"] = sentence(f.Message)
		case f.Field == "mode":
			out["mode"] = sentence(f.Message)
		default:
			out["form"] = sentence(f.Message)
		}
	}
	if len(out) == 0 {
		out["form"] = sentence(e.Detail)
	}
	return out
}

// registerDoctor: GET /register/{token}/doctor (signed in): the DNS check
// of the record, as an HTML fragment (for the page's script) or as JSON.
func (h *Handler) registerDoctor(c *gin.Context) {
	token := c.Param("token")
	if wantsJSON(c) {
		st, sess := h.signedInRegistration(c, token)
		if st == nil {
			return
		}
		check, d, err := h.cfg.Workflows.RegistrationDNSDoctor(c.Request.Context(), token, sess.UserID)
		if err != nil {
			fail(c, err)
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
	var buf strings.Builder
	if err := h.reg.doctor.ExecuteTemplate(&buf, "doctor", v); err != nil {
		h.pageFail(c, err)
		return
	}
	c.Data(http.StatusOK, "text/html; charset=utf-8", []byte(buf.String()))
}

// runDoctor checks the record; a DNS failure is shown, not an error page.
// It returns nil when it has already answered (with an error page).
func (h *Handler) runDoctor(c *gin.Context, token string, sess *models.Session) *doctorView {
	now := time.Now().UTC().Format("15:04:05 UTC")
	check, d, err := h.cfg.Workflows.RegistrationDNSDoctor(c.Request.Context(), token, sess.UserID)
	var e *models.Error
	if err != nil && (!errors.As(err, &e) || e.Kind == models.KindInternal || e.Kind == models.KindUnavailable) && d != nil {
		logger(c).WarnContext(c.Request.Context(), "dns doctor", "error", err.Error())
		return &doctorView{Host: d.Host, Target: d.CNAMETarget, Error: "We could not ask the DNS right now; we will try again.", CheckedAt: now}
	}
	if err != nil {
		h.registrationFail(c, token, err)
		return nil
	}
	v := &doctorView{Host: d.Host, Target: d.CNAMETarget, OK: check.OK, CheckedAt: now}
	for _, f := range check.Findings {
		v.Findings = append(v.Findings, findingView{Code: f.Code, Message: f.Message})
	}
	return v
}
