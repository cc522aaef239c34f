package handlers

import (
	"encoding/csv"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers/textcheck"
	"github.com/linkgate/linkgate/models"
)

// rawBodyKey keeps the request body as it came, before limitBody capped
// it, so that LargeBody can cap it again higher.
const rawBodyKey = "linkgate.raw_body"

// LargeBody lets a route take a body of up to limit bytes when its
// Content-Type is one of mediaTypes (an upload, read as a stream by its
// handler); any other body keeps MaxBodyBytes. A Content-Length over the
// limit is refused at once with 413; a body that turns out longer fails
// its reader with a too_large Error.
func LargeBody(limit int64, mediaTypes ...string) gin.HandlerFunc {
	return func(c *gin.Context) {
		mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
		raw, ok := c.Get(rawBodyKey)
		body, isBody := raw.(io.ReadCloser)
		if !ok || !isBody || !containsFold(mediaTypes, mt) {
			c.Next()
			return
		}
		if c.Request.ContentLength > limit {
			Fail(c, tooLarge(limit))
			return
		}
		c.Request.Body = &limitedBody{ReadCloser: http.MaxBytesReader(c.Writer, body, limit), limit: limit}
		c.Next()
	}
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func tooLarge(limit int64) *models.Error {
	return &models.Error{Kind: models.KindTooLarge, Code: "body_too_large",
		Detail: "the request body is larger than " + strconv.FormatInt(limit, 10) + " bytes"}
}

// limitedBody answers a read past the limit with a too_large Error.
type limitedBody struct {
	io.ReadCloser
	limit int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return n, tooLarge(b.limit)
	}
	return n, err
}

// CSVRecipients reads a recipients upload in CSV, one row at a time: a
// header row naming a "phone" column (any case; none is 422
// no_phone_column) and any other columns, which become each row's
// variables. A row whose text breaks the text rules, or that the CSV
// reader cannot parse, is rejected with its line; an empty row is skipped.
func CSVRecipients(r io.Reader) models.RecipientReader {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	return &csvRecipients{r: cr}
}

type csvRecipients struct {
	r      *csv.Reader
	header []string
	phone  int
}

func (c *csvRecipients) Next() (models.RecipientRow, error) {
	if c.header == nil {
		if err := c.readHeader(); err != nil {
			return models.RecipientRow{}, err
		}
	}
	for {
		rec, err := c.r.Read()
		var pe *csv.ParseError
		if errors.As(err, &pe) && isCSVSyntax(pe.Err) {
			return models.RecipientRow{Line: pe.StartLine, Problem: "is not a valid CSV row: " + pe.Err.Error()}, nil
		}
		if err != nil {
			return models.RecipientRow{}, err
		}
		line, _ := c.r.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		row := models.RecipientRow{Line: line}
		if c.phone < len(rec) {
			row.Phone = strings.TrimSpace(rec[c.phone])
		}
		for i, v := range rec {
			if p := textcheck.Problem(v); p != "" {
				row.Problem = "column " + strconv.Itoa(i+1) + " " + p
				if !utf8Valid(row.Phone) {
					row.Phone = ""
				}
				return row, nil
			}
			if i == c.phone || i >= len(c.header) || c.header[i] == "" {
				continue
			}
			if row.Vars == nil {
				row.Vars = make(map[string]string, len(c.header)-1)
			}
			row.Vars[c.header[i]] = textcheck.NFC(v)
		}
		return row, nil
	}
}

func utf8Valid(s string) bool { return textcheck.Problem(s) != textcheck.MsgInvalidUTF8 }

func isCSVSyntax(err error) bool {
	return errors.Is(err, csv.ErrQuote) || errors.Is(err, csv.ErrBareQuote) || errors.Is(err, csv.ErrFieldCount)
}

func (c *csvRecipients) readHeader() error {
	noPhone := models.Invalid("no_phone_column", "phone", "the CSV needs a header row with a phone column")
	rec, err := c.r.Read()
	if errors.Is(err, io.EOF) {
		return noPhone
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return models.Invalid("invalid_csv", "phone", "the CSV header row cannot be read: "+pe.Err.Error())
		}
		return err
	}
	c.header = make([]string, len(rec))
	c.phone = -1
	for i, h := range rec {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if p := textcheck.Problem(h); p != "" {
			return &models.Error{Kind: models.KindInvalid, Code: CodeInvalidCharacters,
				Detail: "a CSV column name " + p, Fields: []models.FieldError{{Field: "header", Message: p}}}
		}
		if strings.EqualFold(h, "phone") && c.phone < 0 {
			c.phone = i
			continue
		}
		c.header[i] = textcheck.NFC(h)
	}
	if c.phone < 0 {
		return noPhone
	}
	return nil
}
