package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"golang.org/x/text/unicode/norm"

	"github.com/linkgate/linkgate/models"
)

// fuzzBody has a string in every place a request may hold one.
type fuzzBody struct {
	Name        string            `json:"name"`
	Subdomain   *string           `json:"subdomain"`
	Events      []string          `json:"events"`
	Credentials map[string]string `json:"credentials"`
	Nested      struct {
		Note  string   `json:"note"`
		Notes []string `json:"notes"`
	} `json:"nested"`
	Any   any  `json:"any"`
	Count int  `json:"count"`
	Flag  bool `json:"flag"`
}

// eachString calls fn with every string reachable from v.
func eachString(v reflect.Value, fn func(string)) {
	switch v.Kind() {
	case reflect.String:
		fn(v.String())
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			eachString(v.Elem(), fn)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			eachString(v.Field(i), fn)
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			eachString(v.Index(i), fn)
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			eachString(it.Key(), fn)
			eachString(it.Value(), fn)
		}
	}
}

func bindBytes(body []byte) (fuzzBody, error) {
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	var dst fuzzBody
	err := Bind(c, &dst)
	return dst, err
}

// Bind never panics; what it accepts holds only text that passes the
// rules, in NFC, from a body that is valid UTF-8; what it refuses is a
// *models.Error of a 4xx kind whose field names are clean text.
func FuzzBind(f *testing.F) {
	for _, s := range []string{
		`{"name":"Acme"}`,
		`{"name":"Ac\u0000me"}`,
		"{\"name\":\"\xff\xfe\"}",
		`{"name":"\ud800"}`,
		`{"name":"\ud83d\ude00 \ud83d"}`,
		`{"name":"\u202eevil\u200b\u0007"}`,
		`{"name":"Cafe\u0301","subdomain":"ls"}`,
		`{"events":["domain.*","a\u0085"],"credentials":{"api_token":"t\u2066"}}`,
		`{"nested":{"note":"x","notes":["y","z\u00ad"]},"any":[{"k":"v\u061c"},1,null,true]}`,
		`{"any":{"k\u0000":"v"},"count":3,"flag":false}`,
		`{"count":"1\u0000"}`,
		`{"unknown":"x"}`,
		`[1,2]`, `null`, `"str"`, `{`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		dst, err := bindBytes(body)
		if err != nil {
			var e *models.Error
			if !errors.As(err, &e) {
				t.Fatalf("Bind(%q) error is not a *models.Error: %#v", body, err)
			}
			switch e.Kind {
			case models.KindBadRequest, models.KindInvalid, models.KindTooLarge:
			default:
				t.Fatalf("Bind(%q) error kind %s: %v", body, e.Kind, e)
			}
			for _, fe := range e.Fields {
				if fe.Field == "" || fe.Message == "" || TextProblem(fe.Field) != "" {
					t.Fatalf("Bind(%q) field error %+v", body, fe)
				}
			}
			return
		}
		if !utf8.Valid(body) {
			t.Fatalf("Bind accepted a body that is not UTF-8: %q", body)
		}
		eachString(reflect.ValueOf(dst), func(s string) {
			if msg := TextProblem(s); msg != "" {
				t.Fatalf("Bind(%q) accepted %q, which %s", body, s, msg)
			}
			if !norm.NFC.IsNormalString(s) {
				t.Fatalf("Bind(%q) gave %q, not in NFC", body, s)
			}
		})
		// The canonical form decodes to the same value again.
		again, err := json.Marshal(dst)
		if err != nil {
			t.Fatalf("marshal %+v: %v", dst, err)
		}
		if _, err := bindBytes(again); err != nil {
			var e *models.Error
			if errors.As(err, &e) && e.Code == CodeInvalidCharacters {
				t.Fatalf("Bind refused its own output %s: %v", again, err)
			}
		}
	})
}

func init() { gin.SetMode(gin.ReleaseMode) }

// queryEngine answers 200 with the parameters a handler behind
// CheckRequestText reads.
func queryEngine() *gin.Engine {
	e := gin.New()
	e.GET("/x", CheckRequestText, func(c *gin.Context) {
		c.JSON(http.StatusOK, c.Request.URL.Query())
	})
	return e
}

// CheckRequestText never panics; a handler behind it reads only text
// that passes the rules, in NFC; what it refuses is a 400 or 422 problem
// naming clean parameter names.
func FuzzQuery(f *testing.F) {
	for _, s := range []string{
		"q=acme", "q=a%00b", "status=%ff", "q=%zz", "q=a;b", "q=cafe%CC%81&limit=5",
		"q=%E2%80%AE", "a%00=1", "&&=&q", "q=%F0%9F%98%80", "q=%ED%A0%80", "q=+x+",
	} {
		f.Add(s)
	}
	e := queryEngine()
	f.Fuzz(func(t *testing.T, raw string) {
		req := httptest.NewRequest(http.MethodGet, "/x", nil)
		req.URL.RawQuery = raw
		w := httptest.NewRecorder()
		e.ServeHTTP(w, req)
		switch w.Code {
		case http.StatusOK:
			var got map[string][]string
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatalf("?%s: %v", raw, err)
			}
			for k, vs := range got {
				for _, s := range append([]string{k}, vs...) {
					if TextProblem(s) != "" || !norm.NFC.IsNormalString(s) {
						t.Fatalf("?%s: the handler read %q", raw, s)
					}
				}
			}
		case http.StatusBadRequest, http.StatusUnprocessableEntity:
			var p Problem
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || len(p.Errors) == 0 {
				t.Fatalf("?%s → %d %s", raw, w.Code, w.Body)
			}
			for _, fe := range p.Errors {
				if TextProblem(fe.Field) != "" {
					t.Fatalf("?%s names the parameter %q", raw, fe.Field)
				}
			}
		default:
			t.Fatalf("?%s → %d %s", raw, w.Code, w.Body)
		}
	})
}

// Field errors name each bad string by its JSON path.
func TestBindNamesJSONPaths(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		body   string
		status int
		fields []string
	}{
		{`{"name":"a\u0000","events":["ok","b\u200b"]}`, 422, []string{"name", "events[1]"}},
		{`{"credentials":{"api_token":"\ud800"}}`, 422, []string{"credentials.api_token"}},
		{`{"nested":{"notes":["x","\u0085"]}}`, 422, []string{"nested.notes[1]"}},
		{`{"any":[{"k":["\u202e"]}]}`, 422, []string{"any[0].k[0]"}},
		{"{\"name\":\"\xff\",\"subdomain\":\"\\u0000\"}", 400, []string{"name"}},
		{`{"a\u0007":1}`, 422, []string{`a\a`}},
	} {
		_, err := bindBytes([]byte(tc.body))
		var e *models.Error
		if !errors.As(err, &e) {
			t.Fatalf("Bind(%s) = %v, want an error", tc.body, err)
		}
		var got []string
		for _, fe := range e.Fields {
			got = append(got, fe.Field)
		}
		if status := StatusOf(err, 0); status != tc.status || !reflect.DeepEqual(got, tc.fields) {
			t.Errorf("Bind(%s) = %d %v, want %d %v", tc.body, status, got, tc.status, tc.fields)
		}
	}
	// Surrogate pairs are characters, not errors; text comes out in NFC.
	dst, err := bindBytes([]byte(`{"name":"Cafe\u0301 \ud83d\ude00","credentials":{"k":"A\u030a"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if dst.Name != "Café 😀" || dst.Credentials["k"] != "\u00c5" {
		t.Errorf("Bind gave %q, %q", dst.Name, dst.Credentials["k"])
	}
}
