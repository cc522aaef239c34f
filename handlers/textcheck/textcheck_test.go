package textcheck

import (
	"bytes"
	"encoding/json"
	"net/url"
	"reflect"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// body has a string in every place a request may hold one.
type body struct {
	Name        string            `json:"name"`
	Subdomain   *string           `json:"subdomain"`
	Events      []string          `json:"events"`
	Credentials map[string]string `json:"credentials"`
	Nested      struct {
		Note  string   `json:"note"`
		Notes []string `json:"notes"`
	} `json:"nested"`
	Any any `json:"any"`
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

var jsonSeeds = []string{
	`{"name":"Acme"}`,
	`{"name":"Ac\u0000me"}`,
	"{\"name\":\"\xff\xfe\"}",
	`{"name":"\ud800"}`,
	`{"name":"\ud83d\ude00 \ud83d"}`,
	`{"name":"\udc00\ud800"}`,
	`{"name":"\u202eevil\u200b\u0007"}`,
	`{"name":"Cafe\u0301","subdomain":"ls"}`,
	`{"events":["domain.*","a\u0085"],"credentials":{"api_token":"t\u2066"}}`,
	`{"nested":{"note":"x","notes":["y","z\u00ad"]},"any":[{"k":"v\u061c"},1,null,true,-1.5e3]}`,
	`{"any":{"k\u0000":"v"}}`,
	`{"name":"\\\"\/\b\f\n\r\t"}`,
	`[1,2]`, `null`, `"str"`, ` { "a" : [ ] , "b" : { } } `,
}

// JSON never panics on a valid document; what it accepts is valid
// UTF-8, decodes exactly as the input does but in NFC, and holds only
// text that passes the rules; what it refuses names clean fields.
func FuzzJSON(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if !json.Valid(in) {
			return // Bind answers malformed_json before JSON runs
		}
		out, err := JSON(in)
		if err != nil {
			if len(err.Fields) == 0 || (err.Kind != NotUTF8 && err.Kind != Refused) {
				t.Fatalf("JSON(%q) error %+v", in, err)
			}
			for _, fe := range err.Fields {
				if fe.Field == "" || fe.Message == "" || Problem(fe.Field) != "" {
					t.Fatalf("JSON(%q) field error %+v", in, fe)
				}
			}
			return
		}
		if !utf8.Valid(in) || !json.Valid(out) {
			t.Fatalf("JSON(%q) accepted, gave %q", in, out)
		}
		a, aerr := decode(in)
		b, berr := decode(out)
		if aerr != nil || berr != nil {
			t.Fatalf("JSON(%q) = %q does not decode", in, out)
		}
		eachString(reflect.ValueOf(b), func(s string) {
			if Problem(s) != "" || !norm.NFC.IsNormalString(s) {
				t.Fatalf("JSON(%q) let %q through", in, s)
			}
		})
		if !reflect.DeepEqual(nfcAll(a), b) {
			t.Fatalf("JSON(%q) = %q, which decodes to %#v, want %#v", in, out, b, nfcAll(a))
		}
		var typed body
		_ = json.Unmarshal(out, &typed) // type errors are Bind's business
		eachString(reflect.ValueOf(typed), func(s string) {
			if Problem(s) != "" || !norm.NFC.IsNormalString(s) {
				t.Fatalf("JSON(%q) let %q through into a struct", in, s)
			}
		})
		if again, err := JSON(out); err != nil || string(again) != string(out) {
			t.Fatalf("JSON is not idempotent on %q: %q, %v", out, again, err)
		}
	})
}

// decode decodes any JSON value, numbers as json.Number (1E700 is valid
// JSON but no float64).
func decode(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	err := d.Decode(&v)
	return v, err
}

// nfcAll is a decoded JSON value with every string, keys included, in
// NFC.
func nfcAll(v any) any {
	switch x := v.(type) {
	case string:
		return NFC(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = nfcAll(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[NFC(k)] = nfcAll(e)
		}
		return out
	}
	return v
}

// Query never panics; what it accepts parses to parameters that pass the
// rules, in NFC; what it refuses names clean parameter names.
func FuzzQuery(f *testing.F) {
	for _, s := range []string{
		"q=acme", "q=a%00b", "status=%ff", "q=%zz", "q=a;b", "q=cafe%CC%81&limit=5",
		"q=%E2%80%AE", "a%00=1", "&&=&q", "q=%F0%9F%98%80", "q=%ED%A0%80", "q=+x+",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		out, err := Query(raw)
		if err != nil {
			if len(err.Fields) == 0 || (err.Kind != Malformed && err.Kind != Refused) {
				t.Fatalf("Query(%q) error %+v", raw, err)
			}
			for _, fe := range err.Fields {
				if fe.Field == "" || Problem(fe.Field) != "" {
					t.Fatalf("Query(%q) names %q", raw, fe.Field)
				}
			}
			return
		}
		vals, _ := url.ParseQuery(out) // ';' pairs are skipped, as net/http does
		for k, vs := range vals {
			for _, s := range append([]string{k}, vs...) {
				if Problem(s) != "" || !norm.NFC.IsNormalString(s) {
					t.Fatalf("Query(%q) = %q lets %q through", raw, out, s)
				}
			}
		}
	})
}

func TestJSONNamesPaths(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in     string
		kind   Kind
		fields []string
	}{
		{`{"name":"a\u0000","events":["ok","b\u200b"]}`, Refused, []string{"name", "events[1]"}},
		{`{"credentials":{"api_token":"\ud800"}}`, Refused, []string{"credentials.api_token"}},
		{`{"any":[{"k":["\u202e"]}]}`, Refused, []string{"any[0].k[0]"}},
		{`{"":{"a":"\u0007"}}`, Refused, []string{`"".a`}},
		{`{"a\u0007":1}`, Refused, []string{`a\a`}},
		{"{\"name\":\"\xff\",\"sub\":\"\\u0000\"}", NotUTF8, []string{"name"}},
		{`"\u0000"`, Refused, []string{"body"}},
	} {
		_, err := JSON([]byte(tc.in))
		if err == nil {
			t.Errorf("JSON(%s) accepted", tc.in)
			continue
		}
		var got []string
		for _, f := range err.Fields {
			got = append(got, f.Field)
		}
		if err.Kind != tc.kind || !reflect.DeepEqual(got, tc.fields) {
			t.Errorf("JSON(%s) = %v %v, want %v %v", tc.in, err.Kind, got, tc.kind, tc.fields)
		}
	}
}
