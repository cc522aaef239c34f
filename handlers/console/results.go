package console

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// The bulk forms (bulk add, bulk actions) answer with one outcome per row.
// The outcomes travel to the page after the redirect in the flash
// (POST-redirect-GET), which a cookie bounds: when they do not fit (a
// long list with many failures) the page with them is the POST's answer
// instead (no-store), so that no row's outcome is ever left out.

// outcome is what became of one row of a bulk form.
type outcome struct {
	Name string `json:"n"`           // the host, or the input / id as given
	ID   string `json:"i,omitempty"` // the domain's id when it can be linked
	OK   bool   `json:"k,omitempty"`
	Text string `json:"t"`           // "archived", "cannot restore: ..."
	Code string `json:"c,omitempty"` // the problem code of a failure
}

// results are a bulk form's outcomes with a one-line summary.
type results struct {
	Summary string    `json:"s"`
	Rows    []outcome `json:"r"`
}

// Failed counts the rows that were not done.
func (r *results) Failed() int {
	n := 0
	for _, o := range r.Rows {
		if !o.OK {
			n++
		}
	}
	return n
}

// flashResultsBytes bounds the outcomes' JSON in the flash cookie (sealed
// and base64-encoded it stays well under the 4 KB browsers keep).
const flashResultsBytes = 2400

// seeResults redirects to path (303) with res in the flash, or returns
// false when they cannot go there (no key ring, or too long): the caller
// then renders them itself.
func (h *Handler) seeResults(c *gin.Context, path string, res *results) bool {
	b, err := json.Marshal(res)
	if err != nil || len(b) > flashResultsBytes {
		return false
	}
	if !h.setFlash(c, map[string]string{"results": string(b)}) {
		return false
	}
	handlers.Redirect(c, path)
	return true
}

// takeResults returns the outcomes a redirect left in the flash, or nil.
func (h *Handler) takeResults(c *gin.Context) *results {
	f := h.takeFlash(c)
	if f["results"] == "" {
		return nil
	}
	var r results
	if json.Unmarshal([]byte(f["results"]), &r) != nil {
		return nil
	}
	c.Header("Cache-Control", "no-store")
	return &r
}

// renderResults is the answer when the outcomes did not fit the flash.
func (h *Handler) renderResults(c *gin.Context, page string, v any) {
	c.Header("Cache-Control", "no-store")
	h.pages.Render(c, http.StatusOK, page, v)
}

// failure words a row's error: "not found", or what (e.g. "cannot
// restore") with the problem's detail. Faults say no more than that.
func failure(what string, err error) outcome {
	var e *models.Error
	if !errors.As(err, &e) || e.Kind == models.KindInternal {
		return outcome{Text: what + ": something went wrong on our side", Code: "internal"}
	}
	if e.Kind == models.KindNotFound {
		return outcome{Text: strings.TrimSuffix(e.Detail, "."), Code: e.Code} // "domain not found (in the pool)"
	}
	msg := e.Detail
	if len(e.Fields) > 0 && e.Fields[0].Message != "" {
		msg = e.Fields[0].Message
	}
	return outcome{Text: what + ": " + strings.TrimSuffix(msg, "."), Code: e.Code}
}

// summary is "Archive: 2 done, 1 not done."
func summary(what string, rows []outcome) string {
	done := 0
	for _, o := range rows {
		if o.OK {
			done++
		}
	}
	s := what + ": " + strconv.Itoa(done) + " done"
	if n := len(rows) - done; n > 0 {
		s += ", " + strconv.Itoa(n) + " not done"
	}
	return s + "."
}

// thousands writes n with thousands separators: 1,234,567.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// usage is "1,234 / 5,000", or "1,234 / no limit".
func usage(sent int64, limit *int64) string {
	if limit == nil {
		return thousands(sent) + " / no limit"
	}
	return thousands(sent) + " / " + thousands(*limit)
}
