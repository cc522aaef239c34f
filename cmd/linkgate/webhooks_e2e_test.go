package main

// Webhooks through the whole service: an admin-wide endpoint pointed at a
// loopback receiver (allowed in sandbox mode) receives every domain event
// of the onboarding scenario, each verified with the official Standard
// Webhooks library.

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

type hookReceiver struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []hookRequest
}

type hookRequest struct {
	header http.Header
	body   []byte
}

func newHookReceiver(t *testing.T) *hookReceiver {
	t.Helper()
	h := &hookReceiver{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.reqs = append(h.reqs, hookRequest{header: r.Header.Clone(), body: body})
		h.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.Close)
	return h
}

// subscribe creates an admin-wide endpoint for domain events and returns
// its secret.
func (a *lgAPI) subscribe(url string) string {
	a.t.Helper()
	r := a.want(201, "POST", "/api/v1/webhooks/endpoints", `{"url":"`+url+`","events":["domain.*"]}`)
	return r.body["secret"].(string)
}

// domainEvents waits until the receiver has the types for domainID (in any
// order: delivery is unordered) and checks every request's signature.
func (h *hookReceiver) domainEvents(t *testing.T, secret, domainID string, want ...string) {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		h.mu.Lock()
		reqs := append([]hookRequest(nil), h.reqs...)
		h.mu.Unlock()
		var got []string
		for _, r := range reqs {
			if err := wh.Verify(r.body, r.header); err != nil {
				t.Fatalf("signature: %v", err)
			}
			var p struct {
				Type string `json:"type"`
				Data struct {
					Domain struct {
						ID string `json:"id"`
					} `json:"domain"`
				} `json:"data"`
			}
			if err := json.Unmarshal(r.body, &p); err != nil {
				t.Fatal(err)
			}
			if p.Data.Domain.ID == domainID {
				got = append(got, p.Type)
			}
		}
		missing := false
		for _, w := range want {
			if !slices.Contains(got, w) {
				missing = true
			}
		}
		if !missing {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("webhooks for %s: got %v, want all of %v", domainID, got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestWebhookDeliverySurvivesCrash: a "linkgate serve" subprocess is
// killed with SIGKILL while a delivery's request hangs at the receiver;
// restarted on the same SQLite database, it delivers the event again, with
// the same webhook-id and a valid signature (at least once).
func TestWebhookDeliverySurvivesCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	bin := linkgateBinary(t)
	var hits atomic.Int64
	var firstID atomic.Value
	hooks := &hookReceiver{}
	hooks.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if hits.Add(1) == 1 {
			firstID.Store(r.Header.Get("webhook-id"))
			select { // hang until the process dies
			case <-r.Context().Done():
			case <-time.After(time.Minute):
			}
			return
		}
		hooks.mu.Lock()
		hooks.reqs = append(hooks.reqs, hookRequest{header: r.Header.Clone(), body: body})
		hooks.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(hooks.Close)

	dir := t.TempDir()
	p := startProc(t, bin, dir, "")
	secret := p.api.subscribe(hooks.URL + "/in")
	id := p.api.newDomain("acme.com")
	waitUntil(t, "the first delivery to reach the receiver", flowDeadline, func() bool { return hits.Load() >= 1 })
	p.kill()

	p2 := startProc(t, bin, dir, "")
	hooks.domainEvents(t, secret, id, "domain.created")
	hooks.mu.Lock()
	again := hooks.reqs[0].header.Get("webhook-id")
	hooks.mu.Unlock()
	if again != firstID.Load().(string) {
		t.Fatalf("webhook-id after the restart %q, before %q", again, firstID.Load())
	}
	l := p2.api.want(200, "GET", "/api/v1/webhooks/deliveries?status=succeeded", "")
	if data, _ := l.body["data"].([]any); len(data) != 1 {
		t.Fatalf("deliveries after the restart: %s", l.raw)
	}
}
