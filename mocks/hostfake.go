package mocks

import (
	"context"
	"maps"
	"net/http"
	"strings"
	"sync"
)

// hostFake is what the stateful fakes of DNS hosts (Cloudflare, Route 53,
// DigitalOcean, Google Cloud DNS) have in common; each embeds one. It
// holds the fake's state S under one lock, mu; changes go through
// mutateLocked, which saves the state with the Persister, if any, under
// the fake's persist name, and leaves it as it was if the change or the
// save fails. It counts the requests the fake was sent, by method and
// path (the part after the API's prefix), for Calls.
type hostFake[S hostState] struct {
	persister   Persister
	persistName string

	mu    sync.Mutex
	st    S
	calls map[hostCall]int
}

// hostState is a DNS host fake's state: it counts, per record name, the
// records (or record sets) created through the API — the side effect
// linkgate must cause once per domain, whatever its retries and crashes.
type hostState interface {
	createdCounts() map[string]int
}

type hostCall struct{ method, path string }

// load readies the core and loads the state saved under name, if any.
// The fake fills what the saved state lacks after.
func (f *hostFake[S]) load(p Persister, name string) error {
	f.persister, f.persistName = p, name
	f.calls = map[hostCall]int{}
	return loadState(p, name, &f.st)
}

// mutateLocked applies fn and saves the state; if fn or the save fails,
// the state is left as it was. f.mu must be held.
func (f *hostFake[S]) mutateLocked(ctx context.Context, fn func() error) error {
	return mutateState(ctx, f.persister, f.persistName, &f.st, func() (bool, error) { return true, fn() })
}

// changeLocked is mutateLocked for an fn that cannot fail (no snapshot
// when nothing is persisted: changeState). f.mu must be held.
func (f *hostFake[S]) changeLocked(ctx context.Context, fn func()) error {
	return changeState(ctx, f.persister, f.persistName, &f.st, func() bool { fn(); return true })
}

// mustMutateLocked is mutateLocked for control methods: it panics if fn
// or the save fails.
func (f *hostFake[S]) mustMutateLocked(fn func() error) {
	if err := f.mutateLocked(context.Background(), fn); err != nil {
		panic(err)
	}
}

// mustMutate is mustMutateLocked taking the lock.
func (f *hostFake[S]) mustMutate(fn func() error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mustMutateLocked(fn)
}

// countCall counts a request received.
func (f *hostFake[S]) countCall(method, path string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.countCallLocked(method, path)
}

func (f *hostFake[S]) countCallLocked(method, path string) {
	f.calls[hostCall{method: method, path: path}]++
}

// Calls counts the requests received (faulted ones included) with this
// method ("" for any) whose path, after the API's prefix, ends with
// pathSuffix: Calls("POST", "/dns_records") is the number of Cloudflare
// record creates.
func (f *hostFake[S]) Calls(method, pathSuffix string) int {
	return f.callsWhere(method, func(path string) bool { return strings.HasSuffix(path, pathSuffix) })
}

// callsWhere counts the requests received with this method ("" for any)
// whose path matches.
func (f *hostFake[S]) callsWhere(method string, match func(path string) bool) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for call, count := range f.calls {
		if (method == "" || call.method == method) && match(call.path) {
			n += count
		}
	}
	return n
}

// RecordsCreated returns, per record name, how many records (record sets,
// at hosts that keep sets) were created through the API; AddRecord does
// not count. The counts are part of the persisted state, so they survive
// a sandbox restart.
func (f *hostFake[S]) RecordsCreated() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	created := f.st.createdCounts()
	out := make(map[string]int, len(created))
	maps.Copy(out, created)
	return out
}

// guarded wraps a fake's handler with its holds and faults (either may be
// nil), faults outermost: a faulted request is answered with body(status)
// and never served.
func guarded(h http.Handler, holds *Holds, faults *Faults, body func(status int) []byte) http.Handler {
	if holds != nil {
		h = holds.Wrap(h)
	}
	if faults != nil {
		h = faults.Wrap(h, body)
	}
	return h
}
