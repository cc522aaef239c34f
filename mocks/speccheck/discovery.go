package speccheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// GoogleDNS is Google Cloud DNS's discovery document (v1), as shipped in
// google.golang.org/api/dns/v1/dns-api.json, the version the SDK in
// go.mod was generated from.
const GoogleDNS = "google_dns_v1"

// Discovery is a Google API discovery document: the methods (HTTP method
// and path template) with their parameters, request and response schemas.
// Google publishes no OpenAPI document; the discovery document is what
// its Go SDK is generated from.
type Discovery struct {
	Name        string
	ServicePath string // "dns/v1/": the document's, or the common prefix of its paths
	params      map[string]dParam
	schemas     map[string]*dSchema
	methods     []dMethod
}

type dParam struct {
	Type     string   `json:"type"`
	Format   string   `json:"format"`
	Location string   `json:"location"`
	Required bool     `json:"required"`
	Enum     []string `json:"enum"`
	Repeated bool     `json:"repeated"`
}

type dSchema struct {
	ID                   string              `json:"id"`
	Type                 string              `json:"type"`
	Format               string              `json:"format"`
	Ref                  string              `json:"$ref"`
	Enum                 []string            `json:"enum"`
	Properties           map[string]*dSchema `json:"properties"`
	Items                *dSchema            `json:"items"`
	AdditionalProperties *dSchema            `json:"additionalProperties"`
}

type dMethod struct {
	ID         string            `json:"id"`
	HTTPMethod string            `json:"httpMethod"`
	FlatPath   string            `json:"flatPath"`
	Path       string            `json:"path"`
	Parameters map[string]dParam `json:"parameters"`
	Request    *struct {
		Ref string `json:"$ref"`
	} `json:"request"`
	Response *struct {
		Ref string `json:"$ref"`
	} `json:"response"`
}

type dResource struct {
	Methods   map[string]dMethod   `json:"methods"`
	Resources map[string]dResource `json:"resources"`
}

var (
	dmu        sync.Mutex
	discovered = map[string]*Discovery{}
)

// LoadDiscovery returns the named discovery document, loaded once per
// process.
func LoadDiscovery(name string) (*Discovery, error) {
	dmu.Lock()
	defer dmu.Unlock()
	if d, ok := discovered[name]; ok {
		return d, nil
	}
	data, err := specFS.ReadFile("specs/" + name + ".json")
	if err != nil {
		return nil, err
	}
	var raw struct {
		ServicePath string               `json:"servicePath"`
		Parameters  map[string]dParam    `json:"parameters"`
		Schemas     map[string]*dSchema  `json:"schemas"`
		Resources   map[string]dResource `json:"resources"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("load %s: %w", name, err)
	}
	d := &Discovery{Name: name, ServicePath: raw.ServicePath, params: raw.Parameters, schemas: raw.Schemas}
	var walk func(map[string]dResource)
	walk = func(rs map[string]dResource) {
		for _, r := range rs {
			for _, m := range r.Methods {
				if m.FlatPath == "" {
					m.FlatPath = m.Path
				}
				d.methods = append(d.methods, m)
			}
			walk(r.Resources)
		}
	}
	walk(raw.Resources)
	if len(d.methods) == 0 {
		return nil, fmt.Errorf("%s: no methods", name)
	}
	if d.ServicePath == "" {
		// The paths carry it ("dns/v1/projects/..."): their common
		// prefix, up to a slash.
		prefix := d.methods[0].FlatPath
		for _, m := range d.methods[1:] {
			for !strings.HasPrefix(m.FlatPath, prefix) {
				prefix = prefix[:len(prefix)-1]
			}
		}
		d.ServicePath = prefix[:strings.LastIndex(prefix, "/")+1]
	}
	sort.Slice(d.methods, func(i, j int) bool { return d.methods[i].ID < d.methods[j].ID })
	discovered[name] = d
	return d, nil
}

// match finds the method for a request path relative to the root URL
// ("dns/v1/projects/p/managedZones").
func (d *Discovery) match(method, path string) (*dMethod, map[string]string) {
	segs := strings.Split(path, "/")
	for i := range d.methods {
		m := &d.methods[i]
		if m.HTTPMethod != method {
			continue
		}
		tpl := strings.Split(m.FlatPath, "/")
		if len(tpl) != len(segs) {
			continue
		}
		params := map[string]string{}
		ok := true
		for k, t := range tpl {
			if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") && !strings.Contains(t, ":") {
				if segs[k] == "" {
					ok = false
					break
				}
				params[strings.Trim(t, "{}+")] = segs[k]
				continue
			}
			if t != segs[k] {
				ok = false
				break
			}
		}
		if ok {
			return m, params
		}
	}
	return nil, nil
}

// DiscoveryTransport checks each exchange against a discovery document:
// the method exists, its path and query parameters are known and well
// typed, the request body and a success's response body match their
// schemas (no unknown field, the right JSON types, enums, 64-bit integers
// as strings), and an error answer has the envelope googleapi reads
// ({"error":{"code","message","errors":[{"domain","reason","message"}],
// "status"}}, which discovery documents do not describe). PathPrefix is
// removed from request paths first. Requests to other paths (an OAuth
// token endpoint) pass unchecked. Problems go to
// Errorf, which must be set (t.Errorf).
type DiscoveryTransport struct {
	Base       http.RoundTripper
	Doc        *Discovery
	PathPrefix string
	Errorf     func(format string, args ...any)

	// Seen's Route is the method's id, "dns.changes.create".
	recorder
}

// RoundTrip implements http.RoundTripper.
func (tr *DiscoveryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := baseOf(tr.Base)
	path := strings.TrimPrefix(strings.TrimPrefix(req.URL.Path, tr.PathPrefix), "/")
	if !strings.HasPrefix(path, tr.Doc.ServicePath) {
		return base.RoundTrip(req)
	}
	body, err := captureRequest(req)
	if err != nil {
		return nil, err
	}
	m, params := tr.Doc.match(req.Method, path)
	if m == nil {
		tr.Errorf("speccheck: %s %s is in no method of %s", req.Method, path, tr.Doc.Name)
		return base.RoundTrip(req)
	}
	for _, p := range tr.checkRequest(m, params, req, body) {
		tr.Errorf("speccheck: request %s %s does not match %s %s: %s\nbody: %s", req.Method, path, tr.Doc.Name, m.ID, p, clip(body))
	}
	resp, rbody, err := captureResponse(base, req)
	if err != nil {
		return nil, err
	}
	for _, p := range tr.checkResponse(m, resp, rbody) {
		tr.Errorf("speccheck: response to %s %s (%d) does not match %s %s: %s\nbody: %s", req.Method, path, resp.StatusCode, tr.Doc.Name, m.ID, p, clip(rbody))
	}
	tr.record(Exchange{Spec: tr.Doc.Name, Method: req.Method, Route: m.ID, Status: resp.StatusCode})
	return resp, nil
}

func (tr *DiscoveryTransport) checkRequest(m *dMethod, params map[string]string, req *http.Request, body []byte) []string {
	var out []string
	for name, p := range m.Parameters {
		if p.Location == "path" && p.Required && params[name] == "" {
			out = append(out, fmt.Sprintf("path parameter %s is missing", name))
		}
	}
	for key, vals := range req.URL.Query() {
		p, ok := m.Parameters[key]
		if !ok {
			p, ok = tr.Doc.params[key]
		}
		if !ok || (p.Location != "" && p.Location != "query") {
			out = append(out, fmt.Sprintf("query parameter %s is not a parameter of the method", key))
			continue
		}
		if len(vals) > 1 && !p.Repeated {
			out = append(out, fmt.Sprintf("query parameter %s is repeated", key))
		}
		for _, v := range vals {
			if msg := checkParam(p, v); msg != "" {
				out = append(out, fmt.Sprintf("query parameter %s: %s", key, msg))
			}
		}
	}
	for name, p := range m.Parameters {
		if p.Location == "query" && p.Required && req.URL.Query().Get(name) == "" {
			out = append(out, fmt.Sprintf("query parameter %s is required", name))
		}
	}
	switch {
	case m.Request != nil:
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			return append(out, "the body is not JSON: "+err.Error())
		}
		out = append(out, tr.Doc.validate("body", v, &dSchema{Ref: m.Request.Ref})...)
	case len(bytes.TrimSpace(body)) > 0:
		out = append(out, "the method takes no body")
	}
	return out
}

func checkParam(p dParam, v string) string {
	switch p.Type {
	case "integer":
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			return fmt.Sprintf("%q is not an integer", v)
		}
	case "boolean":
		if v != "true" && v != "false" {
			return fmt.Sprintf("%q is not a boolean", v)
		}
	}
	if len(p.Enum) > 0 && !slices.Contains(p.Enum, v) {
		return fmt.Sprintf("%q is not one of %v", v, p.Enum)
	}
	return ""
}

func (tr *DiscoveryTransport) checkResponse(m *dMethod, resp *http.Response, body []byte) []string {
	if resp.StatusCode >= 400 {
		return checkGoogleError(resp, body)
	}
	if resp.StatusCode != http.StatusOK {
		return []string{fmt.Sprintf("status %d: Google APIs answer 200 on success", resp.StatusCode)}
	}
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		return []string{"Content-Type is " + resp.Header.Get("Content-Type") + ", not application/json"}
	}
	if m.Response == nil {
		return nil
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return []string{"the body is not JSON: " + err.Error()}
	}
	return tr.Doc.validate("body", v, &dSchema{Ref: m.Response.Ref})
}

// checkGoogleError checks an error answer's envelope.
func checkGoogleError(resp *http.Response, body []byte) []string {
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		// A proxy's page (injected faults): googleapi keeps the body as
		// is, and nothing more is expected of it.
		return nil
	}
	var env struct {
		Error *struct {
			Code    *int    `json:"code"`
			Message *string `json:"message"`
			Status  *string `json:"status"`
			Errors  []struct {
				Domain  *string `json:"domain"`
				Reason  *string `json:"reason"`
				Message *string `json:"message"`
			} `json:"errors"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &env); err != nil || env.Error == nil {
		return []string{`an error answer without the {"error":{...}} envelope`}
	}
	var out []string
	e := env.Error
	if e.Code == nil || *e.Code != resp.StatusCode {
		out = append(out, "error.code is missing or differs from the HTTP status")
	}
	if e.Message == nil || *e.Message == "" {
		out = append(out, "error.message is missing")
	}
	if e.Status == nil || *e.Status == "" || strings.ToUpper(*e.Status) != *e.Status {
		out = append(out, "error.status is missing or not a canonical code (NOT_FOUND...)")
	}
	for i, x := range e.Errors {
		if x.Domain == nil || x.Reason == nil || x.Message == nil {
			out = append(out, fmt.Sprintf("error.errors[%d] lacks domain, reason or message", i))
		}
	}
	return out
}

// validate checks v against schema s.
func (d *Discovery) validate(at string, v any, s *dSchema) []string {
	if s.Ref != "" {
		t, ok := d.schemas[s.Ref]
		if !ok {
			return []string{fmt.Sprintf("%s: unknown schema %s", at, s.Ref)}
		}
		s = t
	}
	if v == nil {
		return nil // JSON null stands for an absent field
	}
	bad := func(want string) []string {
		return []string{fmt.Sprintf("%s: %s, want %s", at, kind(v), want)}
	}
	switch s.Type {
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			return bad("an object")
		}
		var out []string
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			switch {
			case s.Properties[k] != nil:
				out = append(out, d.validate(at+"."+k, obj[k], s.Properties[k])...)
			case s.AdditionalProperties != nil:
				out = append(out, d.validate(at+"."+k, obj[k], s.AdditionalProperties)...)
			default:
				out = append(out, fmt.Sprintf("%s: unknown field %q", at, k))
			}
		}
		return out
	case "array":
		arr, ok := v.([]any)
		if !ok {
			return bad("an array")
		}
		var out []string
		for i, x := range arr {
			out = append(out, d.validate(fmt.Sprintf("%s[%d]", at, i), x, s.Items)...)
		}
		return out
	case "string":
		str, ok := v.(string)
		if !ok {
			return bad("a string")
		}
		switch s.Format {
		case "int64":
			if _, err := strconv.ParseInt(str, 10, 64); err != nil {
				return []string{fmt.Sprintf("%s: %q is not an int64", at, str)}
			}
		case "uint64":
			if _, err := strconv.ParseUint(str, 10, 64); err != nil {
				return []string{fmt.Sprintf("%s: %q is not a uint64", at, str)}
			}
		}
		if len(s.Enum) > 0 && !slices.Contains(s.Enum, str) {
			return []string{fmt.Sprintf("%s: %q is not one of %v", at, str, s.Enum)}
		}
		return nil
	case "integer":
		n, ok := v.(float64)
		if !ok || n != math.Trunc(n) {
			return bad("an integer")
		}
		if (s.Format == "uint32" && (n < 0 || n > math.MaxUint32)) || (s.Format == "int32" && (n < math.MinInt32 || n > math.MaxInt32)) {
			return []string{fmt.Sprintf("%s: %v is out of range for %s", at, n, s.Format)}
		}
		return nil
	case "number":
		if _, ok := v.(float64); !ok {
			return bad("a number")
		}
		return nil
	case "boolean":
		if _, ok := v.(bool); !ok {
			return bad("a boolean")
		}
		return nil
	}
	return nil // "any"
}

func kind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", v)
}
