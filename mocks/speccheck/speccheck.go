// Package speccheck validates HTTP exchanges with the providers against
// their published API descriptions (embedded from specs/, copies of the
// documents the fakes must agree with): OpenAPI documents (Transport),
// Google's discovery documents (DiscoveryTransport) and AWS's service
// models as botocore publishes them (AWSTransport). Tests wrap the client
// side of an adapter or fake in one, so every request linkgate sends and
// every response a fake gives is checked.
//
// The documents do not describe everything: Twilio's list no error
// responses, so error statuses that a document does not mention are checked
// by the fakes' own tests instead; Cloudflare's lists only e-mail + key auth
// on DNS records, while API tokens are what linkgate uses (and what
// Cloudflare accepts). Both are accepted here, on purpose.
package speccheck

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

//go:embed specs/*.json
var specFS embed.FS

// The documents.
const (
	Cloudflare = "cloudflare_dns_records"
	TwilioV1   = "twilio_messaging_v1"
	TwilioV2   = "twilio_messaging_v2"
	TwilioAPI  = "twilio_api_v2010_messages"
	// DigitalOcean is the account, domains and domain records part of
	// DigitalOcean's OpenAPI document, cut by internal/dobundle.
	DigitalOcean = "digitalocean_domains"
	cloudflareV4 = "https://api.cloudflare.com/client/v4"
)

// Spec is one loaded document with its router.
type Spec struct {
	Name   string
	Server *url.URL // the document's first server
	doc    *openapi3.T
	router routers.Router
}

var (
	mu     sync.Mutex
	loaded = map[string]*Spec{}
)

// Load returns the named document, loaded and validated once per process.
func Load(name string) (*Spec, error) {
	mu.Lock()
	defer mu.Unlock()
	if s, ok := loaded[name]; ok {
		return s, nil
	}
	data, err := specFS.ReadFile("specs/" + name + ".json")
	if err != nil {
		return nil, err
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", name, err)
	}
	// Twilio's documents set servers per path; use the first path's server
	// when the document has none at the top.
	server := ""
	if len(doc.Servers) > 0 {
		server = doc.Servers[0].URL
	}
	if server == "" {
		for _, p := range doc.Paths.Map() {
			if len(p.Servers) > 0 {
				server = p.Servers[0].URL
				break
			}
		}
	}
	u, err := url.Parse(server)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("%s: no usable server URL", name)
	}
	r, err := legacy.NewRouter(doc, openapi3.DisableExamplesValidation())
	if err != nil {
		return nil, fmt.Errorf("route %s: %w", name, err)
	}
	s := &Spec{Name: name, Server: u, doc: doc, router: r}
	loaded[name] = s
	return s, nil
}

// Exchange is one checked request and response.
type Exchange struct {
	Spec   string
	Method string
	Route  string // the document's path template
	Status int
}

// Transport checks each exchange against the first of Specs that has its
// route. PathPrefix is removed from request paths first (the sandbox serves
// the fakes under /_sandbox/...). Problems go to Errorf, which must be set
// (t.Errorf).
type Transport struct {
	Base       http.RoundTripper
	Specs      []*Spec
	PathPrefix string
	Errorf     func(format string, args ...any)

	recorder
}

func acceptAnyCredentials(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	h := in.RequestValidationInput.Request.Header
	if h.Get("Authorization") != "" || h.Get("X-Auth-Key") != "" {
		return nil
	}
	return fmt.Errorf("no credentials for %s", in.SecuritySchemeName)
}

// RoundTrip implements http.RoundTripper.
func (tr *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := baseOf(tr.Base)
	body, err := captureRequest(req)
	if err != nil {
		return nil, err
	}
	path := strings.TrimPrefix(req.URL.Path, tr.PathPrefix)
	var (
		spec   *Spec
		route  *routers.Route
		params map[string]string
		vreq   *http.Request
	)
	for _, s := range tr.Specs {
		v := req.Clone(req.Context())
		u := *s.Server
		u.Path = strings.TrimSuffix(s.Server.Path, "/") + strings.TrimPrefix(path, strings.TrimSuffix(s.Server.Path, "/"))
		u.RawPath = ""
		u.RawQuery = req.URL.RawQuery
		v.URL = &u
		v.Host = u.Host
		v.Body = io.NopCloser(bytes.NewReader(body))
		r, p, err := s.findRoute(v)
		if err == nil {
			spec, route, params, vreq = s, r, p, v
			break
		}
	}
	if spec == nil {
		tr.Errorf("speccheck: %s %s is in none of the documents", req.Method, path)
		return base.RoundTrip(req)
	}
	in := &openapi3filter.RequestValidationInput{
		Request: vreq, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: acceptAnyCredentials, MultiError: true},
	}
	if err := openapi3filter.ValidateRequest(req.Context(), in); err != nil {
		tr.Errorf("speccheck: request %s %s does not match %s: %v\nbody: %s", req.Method, path, spec.Name, err, clip(body))
	}
	resp, rbody, err := captureResponse(base, req)
	if err != nil {
		return nil, err
	}
	documented := route.Operation.Responses.Status(resp.StatusCode) != nil ||
		route.Operation.Responses.Value(fmt.Sprintf("%dXX", resp.StatusCode/100)) != nil ||
		route.Operation.Responses.Value(fmt.Sprintf("%dxx", resp.StatusCode/100)) != nil ||
		route.Operation.Responses.Default() != nil
	if documented {
		rin := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
			Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
		}
		rin.SetBodyBytes(rbody)
		if err := openapi3filter.ValidateResponse(req.Context(), rin); err != nil {
			tr.Errorf("speccheck: response to %s %s (%d) does not match %s: %v\nbody: %s", req.Method, path, resp.StatusCode, spec.Name, err, clip(rbody))
		}
	} else if resp.StatusCode < 400 {
		tr.Errorf("speccheck: %s %s answered %d, which %s does not document", req.Method, path, resp.StatusCode, spec.Name)
	}
	tr.record(Exchange{Spec: spec.Name, Method: req.Method, Route: route.Path, Status: resp.StatusCode})
	return resp, nil
}

func clip(b []byte) string {
	if len(b) > 1500 {
		return string(b[:1500]) + "…"
	}
	return string(b)
}

// findRoute is the router's FindRoute, with a fallback for templates
// whose segment holds more than a parameter ("{Sid}.json", as in Twilio's
// 2010-04-01 API), which kin-openapi's legacy router does not match.
func (s *Spec) findRoute(req *http.Request) (*routers.Route, map[string]string, error) {
	r, p, err := s.router.FindRoute(req)
	if err == nil {
		return r, p, nil
	}
	path := strings.TrimPrefix(req.URL.Path, strings.TrimSuffix(s.Server.Path, "/"))
	for tpl, item := range s.doc.Paths.Map() {
		if !strings.Contains(tpl, "}.") {
			continue
		}
		m := templatePattern(tpl).FindStringSubmatch(path)
		if m == nil {
			continue
		}
		op := item.GetOperation(req.Method)
		if op == nil {
			return nil, nil, routers.ErrMethodNotAllowed
		}
		params := map[string]string{}
		for i, name := range templatePattern(tpl).SubexpNames() {
			if i > 0 && name != "" {
				params[name] = m[i]
			}
		}
		var server *openapi3.Server
		if len(item.Servers) > 0 {
			server = item.Servers[0]
		} else if len(s.doc.Servers) > 0 {
			server = s.doc.Servers[0]
		}
		return &routers.Route{Spec: s.doc, Server: server, Path: tpl, PathItem: item, Method: req.Method, Operation: op}, params, nil
	}
	return nil, nil, err
}

var templateParam = regexp.MustCompile(`\{([A-Za-z0-9_]+)\}`)

// templatePattern turns a path template into an anchored regular
// expression, each {Name} a named group matching one segment.
func templatePattern(tpl string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	last := 0
	for _, loc := range templateParam.FindAllStringSubmatchIndex(tpl, -1) {
		b.WriteString(regexp.QuoteMeta(tpl[last:loc[0]]))
		b.WriteString("(?P<" + tpl[loc[2]:loc[3]] + ">[^/]+?)")
		last = loc[1]
	}
	b.WriteString(regexp.QuoteMeta(tpl[last:]))
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}
