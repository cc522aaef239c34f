package handlertest

// Helpers for the HTTP tests: a real server (httptest.NewServer) around
// the real HTTP layer, and a client whose transport checks every request and
// response against openapi.json with kin-openapi, so that no response a
// test sees escapes validation.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/handlers/api"
	"github.com/linkgate/linkgate/models"
)

// ---- the OpenAPI document ----

var (
	specOnce   sync.Once
	specDoc    *openapi3.T
	specRouter routers.Router
	specErr    error
)

// LoadSpec loads and validates openapi.json once and builds a router on it.
func LoadSpec(t testing.TB) (*openapi3.T, routers.Router) {
	t.Helper()
	specOnce.Do(func() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(api.OpenAPI)
		if err != nil {
			specErr = fmt.Errorf("load openapi.json: %w", err)
			return
		}
		if err := doc.Validate(context.Background()); err != nil {
			specErr = fmt.Errorf("validate openapi.json: %w", err)
			return
		}
		r, err := legacy.NewRouter(doc)
		if err != nil {
			specErr = fmt.Errorf("route openapi.json: %w", err)
			return
		}
		specDoc, specRouter = doc, r
	})
	if specErr != nil {
		t.Fatal(specErr)
	}
	return specDoc, specRouter
}

// bearerAuth is the document's bearerAuth scheme as kin-openapi checks it
// on requests: an "Authorization: Bearer <something>" header.
func bearerAuth(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if in.SecurityScheme == nil || in.SecurityScheme.Type != "http" || !strings.EqualFold(in.SecurityScheme.Scheme, "bearer") {
		return fmt.Errorf("unexpected security scheme %q", in.SecuritySchemeName)
	}
	scheme, key, ok := strings.Cut(in.RequestValidationInput.Request.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(key) == "" {
		return errors.New("no Bearer credentials")
	}
	return nil
}

// ---- the validating transport ----

type testingTKey struct{}

// Exchange is one validated request/response pair.
type Exchange struct {
	Method, Route string // Route is the document's path template
	Status        int
}

// ValidatingTransport validates each request it sends and each response it
// receives against the OpenAPI document. Errors are reported on the
// *testing.T carried by the request's context, which every request made
// through Env has; a request without one fails the process loudly.
type ValidatingTransport struct {
	base   http.RoundTripper
	router routers.Router

	mu   sync.Mutex
	seen []Exchange
}

func (vt *ValidatingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t, ok := req.Context().Value(testingTKey{}).(*testing.T)
	if !ok {
		panic("validatingTransport: request without a *testing.T in its context")
	}
	t.Helper()
	var reqBody []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		reqBody = b
		req.Body = io.NopCloser(bytes.NewReader(b))
	}

	// The document's server is "/", so route on the path and query alone.
	vreq := req.Clone(req.Context())
	vreq.URL = &url.URL{Path: req.URL.Path, RawPath: req.URL.RawPath, RawQuery: req.URL.RawQuery}
	vreq.Body = io.NopCloser(bytes.NewReader(reqBody))
	route, params, err := vt.router.FindRoute(vreq)
	if err != nil {
		t.Errorf("%s %s is not in the OpenAPI document: %v", req.Method, req.URL.Path, err)
		return vt.base.RoundTrip(req)
	}
	in := &openapi3filter.RequestValidationInput{
		Request: vreq, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: bearerAuth, MultiError: true},
	}
	reqErr := openapi3filter.ValidateRequest(req.Context(), in)

	resp, err := vt.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))

	rin := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	rin.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(req.Context(), rin); err != nil {
		t.Errorf("%s %s → %d does not match the OpenAPI document: %v\nheaders: %v\nbody: %s",
			req.Method, req.URL.RequestURI(), resp.StatusCode, err, resp.Header, Truncate(body))
	}
	// A request the document refuses must not succeed.
	if reqErr != nil && resp.StatusCode < 400 {
		t.Errorf("%s %s: the document refuses this request (%v) but the server answered %d",
			req.Method, req.URL.RequestURI(), reqErr, resp.StatusCode)
	}
	vt.mu.Lock()
	vt.seen = append(vt.seen, Exchange{Method: req.Method, Route: route.Path, Status: resp.StatusCode})
	vt.mu.Unlock()
	return resp, nil
}

func (vt *ValidatingTransport) Exchanges() []Exchange {
	vt.mu.Lock()
	defer vt.mu.Unlock()
	return slices.Clone(vt.seen)
}

func Truncate(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "…"
	}
	return string(b)
}

// ---- the test environment ----

// SyncBuffer collects log output from concurrent handlers.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Env is the whole HTTP layer served over real HTTP, with a validating
// client and an admin API key.
type Env struct {
	DB      *models.DB
	Store   *models.Store
	Handler *handlers.Server
	Srv     *httptest.Server
	HTTP    *http.Client // validates every exchange (ValidatingTransport)
	VT      *ValidatingTransport
	Logs    *SyncBuffer
	Config  Config // what NewServer was given

	Admin   string // an admin API key
	AdminID string // its id (key_...)
}

// APIKey is the answer of POST /api/v1/clients/{id}/api-keys.
type APIKey struct {
	ID       string `json:"id"`
	Key      string `json:"key"`
	Prefix   string `json:"prefix"`
	ClientID string `json:"client_id"`
	Name     string `json:"name"`
}

// NewAPI serves the whole HTTP layer (NewServer) on db over real HTTP.
// opts may change the Config.
func NewAPI(t *testing.T, db *models.DB, opts ...func(*Config)) *Env {
	t.Helper()
	_, router := LoadSpec(t)
	store := models.NewStore(db, nil)
	logs := &SyncBuffer{}
	cfg := Config{Config: handlers.Config{
		Store:   store,
		Logger:  slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Version: "test-version",
	}}
	for _, o := range opts {
		o(&cfg)
	}
	h, err := NewServer(cfg)
	if err != nil {
		t.Fatalf("handlers.New: %v", err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	vt := &ValidatingTransport{base: srv.Client().Transport, router: router}
	key, k, err := store.CreateAPIKey(context.Background(), models.RoleAdmin, "", "test admin")
	if err != nil {
		t.Fatalf("create admin key: %v", err)
	}
	return &Env{DB: db, Store: store, Handler: h, Srv: srv, HTTP: &http.Client{Transport: vt}, VT: vt,
		Logs: logs, Config: cfg, Admin: key, AdminID: k.ID}
}

// Reply is a response as the tests see it.
type Reply struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r Reply) String() string { return fmt.Sprintf("%d %s", r.Status, Truncate(r.Body)) }

// do sends a request. key "" sends no Authorization header; body nil sends
// no body, a string or []byte is sent as is, anything else as JSON. hdr is
// pairs of header names and values (an "Authorization" pair overrides key).
func (e *Env) Do(t *testing.T, method, path, key string, body any, hdr ...string) Reply {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("marshal body: %v", err)
		}
		rd = bytes.NewReader(j)
	}
	ctx := context.WithValue(t.Context(), testingTKey{}, t)
	req, err := http.NewRequestWithContext(ctx, method, e.Srv.URL+path, rd)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := e.HTTP.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return Reply{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// want fails unless the Reply has the status.
func (r Reply) Want(t *testing.T, status int) Reply {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body: %s", r.Status, status, Truncate(r.Body))
	}
	return r
}

// Decode unmarshals a Reply's body.
func Decode[T any](t *testing.T, r Reply) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("decode %T from %s: %v", v, Truncate(r.Body), err)
	}
	return v
}

// WantProblem checks a problem+json Reply: its status, its code (unless
// ""), and, when fields is not nil, exactly the named fields in any order.
func WantProblem(t *testing.T, r Reply, status int, code string, fields ...string) handlers.Problem {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d (%s); body: %s", r.Status, status, code, Truncate(r.Body))
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q, want application/problem+json", ct)
	}
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	p := Decode[handlers.Problem](t, r)
	if p.Status != status {
		t.Errorf("problem status %d, want %d", p.Status, status)
	}
	if p.Title != http.StatusText(status) {
		t.Errorf("problem title %q, want %q", p.Title, http.StatusText(status))
	}
	if code != "" {
		if p.Code != code {
			t.Fatalf("problem code %q, want %q; body: %s", p.Code, code, Truncate(r.Body))
		}
		if p.Type != "urn:linkgate:problem:"+code {
			t.Errorf("problem type %q, want urn:linkgate:problem:%s", p.Type, code)
		}
	}
	if fields != nil {
		var got []string
		for _, f := range p.Errors {
			got = append(got, f.Field)
			if strings.TrimSpace(f.Message) == "" {
				t.Errorf("field error %q has no message", f.Field)
			}
		}
		slices.Sort(got)
		want := slices.Sorted(slices.Values(fields))
		if !slices.Equal(got, want) {
			t.Fatalf("problem names fields %v, want %v; body: %s", got, want, Truncate(r.Body))
		}
	}
	return p
}

// ---- API shortcuts ----

func (e *Env) CreateClient(t *testing.T, name, email string) models.ClientView {
	t.Helper()
	r := e.Do(t, "POST", "/api/v1/clients", e.Admin, map[string]any{"name": name, "email": email}).Want(t, http.StatusCreated)
	return Decode[models.ClientView](t, r)
}

// clientKey creates a client API key through the API and returns it.
func (e *Env) ClientKey(t *testing.T, clientID string) APIKey {
	t.Helper()
	r := e.Do(t, "POST", "/api/v1/clients/"+clientID+"/api-keys", e.Admin, map[string]any{"name": "test"}).Want(t, http.StatusCreated)
	return Decode[APIKey](t, r)
}

func (e *Env) CreateDomain(t *testing.T, key, clientID string, body map[string]any) models.DomainView {
	t.Helper()
	r := e.Do(t, "POST", "/api/v1/clients/"+clientID+"/domains", key, body).Want(t, http.StatusCreated)
	return Decode[models.DomainView](t, r)
}

func (e *Env) ListDomains(t *testing.T, key, path string) handlers.List[models.DomainView] {
	t.Helper()
	return Decode[handlers.List[models.DomainView]](t, e.Do(t, "GET", path, key, nil).Want(t, http.StatusOK))
}

func DomainIDs(ds []models.DomainView) []string {
	ids := make([]string, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	return ids
}

func DiscardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func MustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// StreamLines reads a streamed body (Server-Sent Events) line by line
// into a channel, closed when the body ends.
func StreamLines(body io.Reader) <-chan string {
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	return lines
}
