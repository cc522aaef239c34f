package console

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// trackingForm is the "Link tracking" form: the settings, and the sample
// message its preview rewrites.
type trackingForm struct {
	Mode     models.Tracking
	Prefix   string
	DomainID string // "" is the platform's tracking domain
	Sample   string
}

// trackingMode is one choice of which links are tracked.
type trackingMode struct {
	Value models.Tracking
	Label string
	Hint  string
}

// trackingModes are the choices of the client's panel and the campaign
// form, in the order shown.
var trackingModes = []trackingMode{
	{models.TrackingOff, "Off", "Links are sent as they are written."},
	{models.TrackingAll, "All links", "Every http:// and https:// link becomes a short link that counts its clicks."},
	{models.TrackingMarked, "Only links marked with @", "Only links written @https://… become short links (the @ is removed); the others are sent as they are."},
}

// trackingFormOf is the form as the client's saved settings fill it.
func trackingFormOf(cl *models.Client) trackingForm {
	f := trackingForm{Mode: cl.TrackingMode, Prefix: cl.TrackingPrefix}
	if f.Mode == "" {
		f.Mode = models.TrackingOff
	}
	if cl.TrackingDomainID != nil {
		f.DomainID = *cl.TrackingDomainID
	}
	return f
}

// postedTrackingForm reads the posted form.
func postedTrackingForm(c *gin.Context) trackingForm {
	return trackingForm{Mode: models.Tracking(strings.TrimSpace(c.PostForm("mode"))), Prefix: strings.TrimSpace(c.PostForm("prefix")),
		DomainID: strings.TrimSpace(c.PostForm("domain_id")), Sample: c.PostForm("sample")}
}

// settings are the form's values as Store.SetTracking takes them: an
// empty prefix or domain is none.
func (f trackingForm) settings() models.TrackingSettings {
	s := models.TrackingSettings{Mode: f.Mode}
	if f.Prefix != "" {
		p := f.Prefix
		s.Prefix = &p
	}
	if f.DomainID != "" {
		d := f.DomainID
		s.DomainID = &d
	}
	return s
}

// consoleClientTracking: POST /console/clients/{id}/tracking: the
// client's link tracking settings through Store.SetTracking, as PUT
// /api/v1/clients/{id}/tracking does. Admins and the client's own users;
// refused settings change nothing and come back next to their fields.
func (h *Handler) consoleClientTracking(c *gin.Context) {
	f := postedTrackingForm(c)
	_, err := h.cfg.Store.SetTracking(c.Request.Context(), signedIn(c).scope(), c.Param("id"), f.settings())
	if err == nil {
		handlers.SeeOther(c, clientPath(c.Param("id")), "tracking")
		return
	}
	errs, ok := fieldErrors(err, "mode", "prefix", "domain_id")
	if !ok {
		h.pages.Fail(c, err)
		return
	}
	v, verr := h.clientView(c)
	if verr != nil {
		h.pages.Fail(c, verr)
		return
	}
	v.Tracking, v.TrackingErrors = f, errs
	v.TrackingGone = false
	h.pages.Render(c, handlers.StatusOf(err, http.StatusUnprocessableEntity), "client", v)
}
