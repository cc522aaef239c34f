package console

import (
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// trackingPreview is the sample message as the settings would send it.
type trackingPreview struct {
	Body       string `json:"body"`
	Characters int    `json:"characters"`
	Encoding   string `json:"encoding"`
	Segments   int    `json:"segments"`
	Links      int    `json:"links"`   // how many links became short links
	Summary    string `json:"summary"` // the numbers in words
	Error      string `json:"error,omitempty"`
}

// consoleClientTrackingPreview: POST
// /console/clients/{id}/tracking/preview: the form's sample message
// rewritten with the form's settings (Store.PreviewRewrite: nothing is
// stored or saved), with its length and SMS segments. The page's script
// asks for JSON as the user types; without script the Preview button
// shows the client page with the preview under the form.
func (h *Handler) consoleClientTrackingPreview(c *gin.Context) {
	f := postedTrackingForm(c)
	p := trackingPreview{}
	if n := utf8.RuneCountInString(f.Sample); n > models.MaxVariantBodyLength {
		p.Error = "The message is " + thousands(int64(n)) + " characters long; a message may have at most " +
			thousands(models.MaxVariantBodyLength) + "."
	} else {
		out, err := h.cfg.Store.PreviewRewrite(c.Request.Context(), signedIn(c).scope(), c.Param("id"), f.settings(), f.Sample)
		if err != nil {
			errs, ok := fieldErrors(err, "mode", "prefix", "domain_id")
			if !ok {
				h.pages.Fail(c, err)
				return
			}
			for _, k := range []string{"domain_id", "mode", "prefix", "form"} {
				if p.Error == "" {
					p.Error = errs[k]
				}
			}
		} else {
			p = previewOf(out.Body, len(out.Links))
		}
	}
	if handlers.WantsJSON(c) {
		c.JSON(http.StatusOK, p)
		return
	}
	v, err := h.clientView(c)
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	v.Tracking, v.Preview, v.TrackingGone = f, &p, false
	h.pages.Render(c, http.StatusOK, "client", v)
}

// previewOf counts body as it would be sent.
func previewOf(body string, links int) trackingPreview {
	enc, segs := models.SMSSegments(body)
	p := trackingPreview{Body: body, Characters: utf8.RuneCountInString(body), Encoding: enc, Segments: segs, Links: links}
	p.Summary = plural(p.Characters, "character") + ", " + enc + ", " + plural(segs, "segment") + "; " +
		plural(links, "link") + " tracked"
	return p
}

func plural(n int, word string) string {
	s := strconv.Itoa(n) + " " + word
	if n != 1 {
		s += "s"
	}
	return s
}
