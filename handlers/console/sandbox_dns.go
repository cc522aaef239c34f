package console

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/hostname"
)

// sandboxDNSTypes are the record types the sandbox DNS server takes by
// hand.
var sandboxDNSTypes = []string{"CNAME", "A", "AAAA", "TXT", "CAA"}

// consoleSandboxDNS: POST /console/sandbox/dns (admin): a record added by
// hand to the sandbox DNS server, as a client adds the CNAME of a manual
// setup at their own DNS provider (or a record that gets in its way).
func (h *Handler) consoleSandboxDNS(c *gin.Context) {
	add := h.cfg.SandboxConsole.AddDNSRecord
	if add == nil {
		h.pages.Fail(c, models.NotFound("page"))
		return
	}
	name := hostname.Canonical(c.PostForm("name"))
	typ := strings.ToUpper(strings.TrimSpace(c.PostForm("type")))
	value := strings.TrimSpace(c.PostForm("value"))
	v := h.sandboxView(c, "")
	v.DNSName, v.DNSType, v.DNSValue = name, typ, value
	errs := map[string]string{}
	if !strings.Contains(name, ".") {
		errs["dns_name"] = "Enter a host name such as ls.acme.com."
	}
	if !slices.Contains(sandboxDNSTypes, typ) {
		errs["dns_type"] = "Choose one of " + strings.Join(sandboxDNSTypes, ", ") + "."
	}
	if value == "" {
		errs["dns_value"] = "Enter the record's value, such as lsct.ashburn.us1.twilio.com."
	}
	if len(errs) == 0 {
		if err := add(name, typ, value); err != nil {
			errs["dns_value"] = "The sandbox DNS refused it: " + err.Error()
		}
	}
	if len(errs) > 0 {
		v.Errors = errs
		h.pages.Render(c, http.StatusUnprocessableEntity, "sandbox", v)
		return
	}
	handlers.SeeOther(c, consolePrefix+"/sandbox", "sandbox_dns")
}
