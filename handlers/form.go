package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers/textcheck"
	"github.com/linkgate/linkgate/models"
)

// PageText applies the text rules (text.go) to a request for a page: a
// path that breaks them is 404; a query parameter or a posted form field
// that breaks them is refused (422 invalid_characters, 400 for bad
// percent-encoding) with a detail naming the field; what passes is put
// back in NFC, so that handlers read canonical text with c.Query and
// c.PostForm. fail answers the refusal (the audience's Pages.Fail).
//
// Password fields (names containing "password") are left exactly as typed:
// a password is compared, never shown, and normalising it would lock out
// one chosen before these rules.
//
// Mount it before anything reads the form (the CSRF check included).
func PageText(fail func(*gin.Context, error)) gin.HandlerFunc {
	return pageText(fail, nil)
}

// PageTextLines is PageText for a route whose form has a multi-line
// field (a textarea): in the posted fields named multiLine, and only
// there, line breaks (LF, CR LF, or CR) are allowed and become LF; each
// line is held to the rules like any field. Everything else is exactly
// PageText. Mount it on that route alone, instead of PageText.
func PageTextLines(fail func(*gin.Context, error), multiLine ...string) gin.HandlerFunc {
	lines := make(map[string]bool, len(multiLine))
	for _, f := range multiLine {
		lines[f] = true
	}
	return pageText(fail, lines)
}

func pageText(fail func(*gin.Context, error), lines map[string]bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := checkPathAndQuery(c, "page"); err != nil {
			fail(c, pageTextError(err))
			return
		}
		if c.Request.Method == http.MethodPost {
			if err := canonicalForm(c.Request, lines); err != nil {
				fail(c, pageTextError(err))
				return
			}
		}
		c.Next()
	}
}

// canonicalForm parses the posted form and puts every value (but
// passwords) in NFC, or refuses the fields that break the rules. A body
// that does not parse is left to the handler, as gin leaves it. The
// posted fields named in lines may hold line breaks (PageTextLines).
func canonicalForm(r *http.Request, lines map[string]bool) *models.Error {
	err := r.ParseMultipartForm(MaxBodyBytes)
	if err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return nil
	}
	var bad []models.FieldError
	check := func(vals url.Values) {
		for name, vs := range vals {
			label := textcheck.Label(name)
			if msg := textcheck.Problem(name); msg != "" {
				bad = append(bad, models.FieldError{Field: label, Message: msg})
				continue
			}
			if strings.Contains(strings.ToLower(name), "password") {
				continue
			}
			for i, v := range vs {
				msg := ""
				if lines[name] {
					v = strings.ReplaceAll(strings.ReplaceAll(v, "\r\n", "\n"), "\r", "\n")
					for _, line := range strings.Split(v, "\n") {
						if msg = textcheck.Problem(line); msg != "" {
							break
						}
					}
				} else {
					msg = textcheck.Problem(v)
				}
				if msg != "" {
					bad = append(bad, models.FieldError{Field: label, Message: msg})
					break
				}
				vs[i] = textcheck.NFC(v)
			}
		}
	}
	check(r.PostForm)
	check(r.Form) // PostForm's values again, in slices of their own
	if len(bad) == 0 {
		return nil
	}
	return textError(&textcheck.Error{Kind: textcheck.Refused, Fields: dedupe(bad)})
}

func dedupe(fs []models.FieldError) []textcheck.FieldError {
	seen := map[string]bool{}
	var out []textcheck.FieldError
	for _, f := range fs {
		if !seen[f.Field] {
			seen[f.Field] = true
			out = append(out, textcheck.FieldError{Field: f.Field, Message: f.Message})
		}
	}
	return out
}

// pageTextError words a refusal for a message page, which shows only the
// detail: the first field and what is wrong with it.
func pageTextError(e *models.Error) *models.Error {
	if len(e.Fields) > 0 {
		c := *e
		f := e.Fields[0]
		c.Detail = "the field “" + f.Field + "” " + f.Message + ", then go back and try again"
		return &c
	}
	return e
}
