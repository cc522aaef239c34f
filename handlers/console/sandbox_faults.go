package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// sandboxFakes are the fakes that take injected faults.
var sandboxFakes = map[string]bool{"cloudflare": true, "twilio": true}

// consoleSandboxFault: POST /console/sandbox/faults (admin): the next
// count calls to a fake answer with an HTTP error status, so that a
// failure and its remedy can be tried (Cloudflare 403: the token is
// refused; 503: the provider is down and linkgate retries).
func (h *Handler) consoleSandboxFault(c *gin.Context) {
	inject := h.cfg.SandboxConsole.InjectFault
	if inject == nil {
		h.pages.Fail(c, models.NotFound("page"))
		return
	}
	provider := strings.TrimSpace(c.PostForm("provider"))
	status, count := strings.TrimSpace(c.PostForm("status")), strings.TrimSpace(c.PostForm("count"))
	v := h.sandboxView(c, "")
	v.FaultProvider, v.FaultStatus, v.FaultCount = provider, status, count
	errs := map[string]string{}
	if !sandboxFakes[provider] {
		errs["fault_provider"] = "Choose Cloudflare or Twilio."
	}
	st, err := strconv.Atoi(status)
	if err != nil || st < 400 || st > 599 {
		errs["fault_status"] = "Enter an HTTP error status, 400 to 599."
	}
	n := 1
	if count != "" {
		if n, err = strconv.Atoi(count); err != nil || n < 1 || n > 1000 {
			errs["fault_count"] = "Enter a number of calls from 1 to 1000."
		}
	}
	if len(errs) == 0 {
		if err := inject(provider, st, n); err != nil {
			errs["fault_status"] = "The sandbox refused it: " + err.Error()
		}
	}
	if len(errs) > 0 {
		v.Errors = errs
		h.pages.Render(c, http.StatusUnprocessableEntity, "sandbox", v)
		return
	}
	handlers.SeeOther(c, consolePrefix+"/sandbox", "sandbox_fault")
}

// consoleSandboxFaultsClear: POST /console/sandbox/faults/clear (admin):
// drops the faults not yet taken, of one fake (provider=) or of all.
func (h *Handler) consoleSandboxFaultsClear(c *gin.Context) {
	drop := h.cfg.SandboxConsole.ClearFaults
	if drop == nil {
		h.pages.Fail(c, models.NotFound("page"))
		return
	}
	provider := strings.TrimSpace(c.PostForm("provider"))
	if provider != "" && !sandboxFakes[provider] {
		v := h.sandboxView(c, "")
		v.Errors = map[string]string{"fault_provider": "Choose Cloudflare, Twilio, or both."}
		h.pages.Render(c, http.StatusUnprocessableEntity, "sandbox", v)
		return
	}
	drop(provider)
	handlers.SeeOther(c, consolePrefix+"/sandbox", "sandbox_clear")
}
