// Package mocks holds stateful fakes of the services linkgate talks to —
// Twilio Link Shortening, Cloudflare DNS, DNS resolution and mail — that
// behave like the real ones down to their error codes, plus helpers that
// route an SDK to them. Tests use them, and so does sandbox mode, where
// cmd/linkgate serves them under /_sandbox/. Production code never imports
// this package except that sandbox wiring.
//
// Every fake can be made to fail on demand (Faults) and can keep its state
// through a Persister, so that a sandbox restart finds the same zones,
// records, Twilio domains and outbox.
package mocks

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Persister keeps a fake's state between runs. Load reports found=false
// when nothing was saved yet.
type Persister interface {
	Load(ctx context.Context, name string) (data []byte, found bool, err error)
	Save(ctx context.Context, name string, data []byte) error
}

// mutateState changes *st with fn and saves it under name (nil Persister:
// nothing to save). A change that fn refuses (an error) or that cannot be
// saved is undone from a snapshot taken before fn, so a fake never keeps
// what its store did not. fn reports whether it changed anything; nothing
// is saved otherwise. The caller holds the fake's lock.
func mutateState[S any](ctx context.Context, p Persister, name string, st *S, fn func() (changed bool, err error)) error {
	before, err := json.Marshal(st)
	if err != nil {
		return err
	}
	restore := func() {
		var old S
		if json.Unmarshal(before, &old) == nil {
			*st = old
		}
	}
	changed, err := fn()
	if err != nil {
		restore()
		return err
	}
	if !changed {
		return nil
	}
	if err := saveState(ctx, p, name, st); err != nil {
		restore()
		return err
	}
	return nil
}

// changeState is mutateState for an fn that cannot fail (it reports
// whether it changed anything): with nothing persisted (p nil) there is
// nothing to undo, so no snapshot is taken. A snapshot encodes the whole
// state: taken on every change of a large fake it cost the onboarding
// benchmark half of its CPU (1,000 Twilio domains encoded per call).
func changeState[S any](ctx context.Context, p Persister, name string, st *S, fn func() (changed bool)) error {
	if p == nil {
		fn()
		return nil
	}
	return mutateState(ctx, p, name, st, func() (bool, error) { return fn(), nil })
}

// loadState decodes the state saved under name into v (nil Persister or
// nothing saved: v stays as it is).
func loadState(p Persister, name string, v any) error {
	if p == nil {
		return nil
	}
	data, found, err := p.Load(context.Background(), name)
	if err != nil {
		return fmt.Errorf("mocks: %s: load state: %w", name, err)
	}
	if !found {
		return nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("mocks: %s: decode state: %w", name, err)
	}
	return nil
}

// saveState encodes v and saves it under name (nil Persister: nothing to
// do).
func saveState(ctx context.Context, p Persister, name string, v any) error {
	if p == nil {
		return nil
	}
	data, err := json.Marshal(v)
	if err == nil {
		err = p.Save(ctx, name, data)
	}
	if err != nil {
		return fmt.Errorf("mocks: %s: save state: %w", name, err)
	}
	return nil
}

// Fault is one injected failure: the next Count calls are answered with
// Status (after Delay), carrying Retry-After when RetryAfter > 0, with an
// HTML body when HTML is set (like a load balancer in trouble) and with
// the vendor's JSON error body otherwise.
type Fault struct {
	Status     int           `json:"status"`
	RetryAfter int           `json:"retry_after,omitempty"` // seconds
	Count      int           `json:"count"`
	HTML       bool          `json:"html,omitempty"`
	Delay      time.Duration `json:"-"`
	DelayMS    int           `json:"delay_ms,omitempty"`
}

// Faults is a queue of injected failures for one fake. The zero value is
// ready to use and safe for concurrent use.
type Faults struct {
	mu      sync.Mutex
	pending []Fault
}

// Inject queues a fault. Count 0 means 1.
func (f *Faults) Inject(fl Fault) {
	if fl.Count <= 0 {
		fl.Count = 1
	}
	if fl.Delay == 0 && fl.DelayMS > 0 {
		fl.Delay = time.Duration(fl.DelayMS) * time.Millisecond
	}
	f.mu.Lock()
	f.pending = append(f.pending, fl)
	f.mu.Unlock()
}

// Clear drops every pending fault.
func (f *Faults) Clear() {
	f.mu.Lock()
	f.pending = nil
	f.mu.Unlock()
}

// Pending returns how many calls the queued faults will still answer.
func (f *Faults) Pending() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, fl := range f.pending {
		n += fl.Count
	}
	return n
}

// take returns the fault for this call, if any.
func (f *Faults) take() (Fault, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.pending) == 0 {
		return Fault{}, false
	}
	fl := f.pending[0]
	f.pending[0].Count--
	if f.pending[0].Count <= 0 {
		f.pending = f.pending[1:]
	}
	return fl, true
}

// Wrap returns a handler that answers with the next pending fault, if any,
// and otherwise calls next. jsonBody renders the vendor's error body for a
// status. A fault with only a Delay (Status 0) delays and then calls next.
func (f *Faults) Wrap(next http.Handler, jsonBody func(status int) []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fl, ok := f.take()
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		if fl.Delay > 0 {
			select {
			case <-time.After(fl.Delay):
			case <-r.Context().Done():
				return
			}
		}
		if fl.Status == 0 {
			next.ServeHTTP(w, r)
			return
		}
		if fl.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(fl.RetryAfter))
		}
		if fl.HTML {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(fl.Status)
			_, _ = w.Write([]byte("<html><head><title>" + strconv.Itoa(fl.Status) + " " + http.StatusText(fl.Status) +
				"</title></head><body><center><h1>" + http.StatusText(fl.Status) + "</h1></center><hr><center>nginx</center></body></html>\n"))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(fl.Status)
		_, _ = w.Write(jsonBody(fl.Status))
	})
}

// HandlerTransport is an http.RoundTripper that serves requests with a
// handler in-process, whatever their host: it routes an SDK with a fixed
// base URL (twilio-go) to a fake.
type HandlerTransport struct {
	Handler http.Handler
}

// RoundTrip implements http.RoundTripper.
func (t HandlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	rec := newRecorder()
	t.Handler.ServeHTTP(rec, req)
	// Like a real connection: a caller that gave up gets its context's
	// error, not whatever the handler wrote meanwhile.
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	return rec.result(req), nil
}
