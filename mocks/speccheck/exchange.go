package speccheck

import (
	"bytes"
	"io"
	"net/http"
	"sync"
)

// What every checking transport (Transport, DiscoveryTransport) shares:
// the transport it sends through, the bodies it reads for checking and
// puts back, how it reports a mismatch, and its log of the exchanges it
// checked.

// baseOf is the transport a checker sends through: base, or
// http.DefaultTransport if nil.
func baseOf(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		return http.DefaultTransport
	}
	return base
}

// readBody reads the body *rc (a request's or a response's; nil: none)
// and closes it, then puts back a reader of the same bytes so that the
// exchange goes on as if it had not been read.
func readBody(rc *io.ReadCloser) ([]byte, error) {
	if *rc == nil {
		return nil, nil
	}
	b, err := io.ReadAll(*rc)
	_ = (*rc).Close()
	if err != nil {
		return nil, err
	}
	*rc = io.NopCloser(bytes.NewReader(b))
	return b, nil
}

// reportRequest reports that a request does not match what the document
// (doc: its name, and the operation if the name is not enough) says.
func reportRequest(errorf func(string, ...any), method, path, doc string, problem any, body []byte) {
	errorf("speccheck: request %s %s does not match %s: %v\nbody: %s", method, path, doc, problem, clip(body))
}

// reportResponse reports that a response does not match the document.
func reportResponse(errorf func(string, ...any), method, path string, status int, doc string, problem any, body []byte) {
	errorf("speccheck: response to %s %s (%d) does not match %s: %v\nbody: %s", method, path, status, doc, problem, clip(body))
}

// clip is a body as reports quote it: its first 1,500 bytes.
func clip(b []byte) string {
	if len(b) > 1500 {
		return string(b[:1500]) + "…"
	}
	return string(b)
}

// exchangeLog is a checker's log of the exchanges it checked, embedded
// for Seen. Safe for concurrent use.
type exchangeLog struct {
	mu   sync.Mutex
	seen []Exchange
}

// Seen returns the exchanges checked so far.
func (l *exchangeLog) Seen() []Exchange {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Exchange(nil), l.seen...)
}

// record adds a checked exchange to the log.
func (l *exchangeLog) record(e Exchange) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seen = append(l.seen, e)
}

// docCache holds the documents of one kind, each read from specs/ and
// parsed once per process. Safe for concurrent use.
type docCache[D any] struct {
	mu   sync.Mutex
	docs map[string]D
}

// get returns the named document, parsing specs/<name>.json with parse
// the first time.
func (c *docCache[D]) get(name string, parse func(data []byte) (D, error)) (D, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d, ok := c.docs[name]; ok {
		return d, nil
	}
	var zero D
	data, err := specFS.ReadFile("specs/" + name + ".json")
	if err != nil {
		return zero, err
	}
	d, err := parse(data)
	if err != nil {
		return zero, err
	}
	if c.docs == nil {
		c.docs = map[string]D{}
	}
	c.docs[name] = d
	return d, nil
}
