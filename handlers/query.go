package handlers

import (
	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers/textcheck"
	"github.com/linkgate/linkgate/models"
)

// CheckRequestText applies the text rules (text.go) to what a request
// carries outside its body; mount it on a route group before any handler
// reads the query.
//
//   - A path whose decoded text breaks the rules (/clients/a%00b) names
//     nothing that can exist: 404 not_found.
//   - Every query parameter, name and value (textcheck.Query): bad
//     percent-encoding is 400 malformed_query, text that is not UTF-8 or
//     has a refused character is 422 invalid_characters, each naming the
//     parameter. What passes is put back in NFC, so handlers read
//     canonical text with c.Query.
func CheckRequestText(c *gin.Context) {
	if err := checkPathAndQuery(c, "route"); err != nil {
		Fail(c, err)
		return
	}
	c.Next()
}

// checkPathAndQuery is the part of the text rules that API routes and
// pages share: a path that breaks them is not found (what it names: a
// route, a page); a query that breaks them is refused; a query that
// passes is put back in NFC.
func checkPathAndQuery(c *gin.Context, what string) *models.Error {
	if textcheck.Problem(c.Request.URL.Path) != "" {
		return models.NotFound(what)
	}
	if raw := c.Request.URL.RawQuery; raw != "" {
		canon, err := textcheck.Query(raw)
		if err != nil {
			return textError(err)
		}
		c.Request.URL.RawQuery = canon
	}
	return nil
}
