package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers/textcheck"
	"github.com/linkgate/linkgate/models"
)

// MaxBodyBytes is the largest request body accepted (1 MiB).
const MaxBodyBytes = 1 << 20

// Bind decodes a JSON object body into dst (a pointer to a struct with json
// tags). Malformed JSON is 400; a body over MaxBodyBytes is 413; unknown
// fields and values of the wrong type are 422, each field named.
//
// Every string of the body, at any depth, goes through the text rules
// (textcheck.JSON) first: text that is not UTF-8 is 400 invalid_utf8, refused
// characters are 422 invalid_characters, each string named by its JSON
// path; dst receives every string in NFC.
func Bind(c *gin.Context, dst any) error {
	return decodeBody(c, dst, false)
}

// BindOptional is Bind for endpoints whose body may be left out: an empty
// body leaves dst as it is.
func BindOptional(c *gin.Context, dst any) error {
	return decodeBody(c, dst, true)
}

func decodeBody(c *gin.Context, dst any, optional bool) error {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &models.Error{Kind: models.KindTooLarge, Code: "body_too_large",
				Detail: "the request body is larger than " + strconv.Itoa(MaxBodyBytes) + " bytes"}
		}
		return &models.Error{Kind: models.KindBadRequest, Code: "malformed_json", Detail: "could not read the body", Err: err}
	}
	malformed := func(detail string) error {
		return &models.Error{Kind: models.KindBadRequest, Code: "malformed_json", Detail: detail}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if optional {
			return nil
		}
		return malformed("the body must be a JSON object")
	}
	if !json.Valid(body) {
		return malformed("the body is not valid JSON")
	}
	body, terr := textcheck.JSON(body)
	if terr != nil {
		return textError(terr)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil { // null is not an object
		return &models.Error{Kind: models.KindInvalid, Code: "invalid_body", Detail: "the body must be a JSON object"}
	}
	fields := jsonFields(reflect.TypeOf(dst).Elem())
	v := reflect.ValueOf(dst).Elem()
	var errs []models.FieldError
	names := make([]string, 0, len(raw))
	for name := range raw {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		idx, ok := fields[name]
		if !ok {
			errs = append(errs, models.FieldError{Field: textcheck.Label(name), Message: "is not a known field"})
			continue
		}
		f := v.Field(idx)
		if err := json.Unmarshal(raw[name], f.Addr().Interface()); err != nil {
			errs = append(errs, models.FieldError{Field: name, Message: typeMessage(f.Type(), err)})
		}
	}
	if len(errs) > 0 {
		code := "invalid_field_type"
		for _, e := range errs {
			if e.Message == "is not a known field" {
				code = "unknown_field"
				break
			}
		}
		return &models.Error{Kind: models.KindInvalid, Code: code, Detail: "the request has invalid fields", Fields: errs}
	}
	return nil
}

// jsonFields maps the JSON names of a struct's fields to their indexes.
func jsonFields(t reflect.Type) map[string]int {
	out := make(map[string]int, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		tag := t.Field(i).Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "" || name == "-" {
			continue
		}
		out[name] = i
	}
	return out
}

func typeMessage(t reflect.Type, err error) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	want := t.Kind().String()
	if k, ok := reflect.Zero(t).Interface().(interface{ JSONKind() string }); ok {
		want = k.JSONKind()
	} else {
		switch t.Kind() {
		case reflect.String:
			want = "a string"
		case reflect.Bool:
			want = "true or false"
		case reflect.Int, reflect.Int64, reflect.Int32:
			want = "an integer"
		case reflect.Slice:
			want = "an array"
		case reflect.Map, reflect.Struct:
			want = "an object"
		}
	}
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) {
		return "must be " + want + ", not " + ute.Value
	}
	return "must be " + want
}

// PageQuery reads limit and cursor from the query string. An absent limit
// is the default; anything that is not an integer in 1..200 is refused by
// the store with the "limit" field named.
func PageQuery(c *gin.Context) models.PageQuery {
	p := models.PageQuery{Cursor: c.Query("cursor")}
	if s, ok := c.GetQuery("limit"); ok {
		n, err := strconv.Atoi(s)
		if err != nil || n == 0 {
			n = -1
		}
		p.Limit = n
	}
	return p
}

// List is the envelope of every list response.
type List[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

// NewList wraps a page of data and the cursor of the next ("" = last).
func NewList[T any](data []T, next string) List[T] {
	l := List[T]{Data: data}
	if l.Data == nil {
		l.Data = []T{}
	}
	if next != "" {
		l.NextCursor = &next
	}
	return l
}
