package speccheck

import (
	"bytes"
	"io"
	"net/http"
	"sync"
)

// The parts every checking transport shares: reading a request's and a
// response's body while leaving them readable, and the record of the
// exchanges checked.

// recorder keeps the exchanges a transport checked.
type recorder struct {
	mu   sync.Mutex
	seen []Exchange
}

func (r *recorder) record(e Exchange) {
	r.mu.Lock()
	r.seen = append(r.seen, e)
	r.mu.Unlock()
}

// Seen returns the exchanges checked so far.
func (r *recorder) Seen() []Exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Exchange(nil), r.seen...)
}

func baseOf(rt http.RoundTripper) http.RoundTripper {
	if rt == nil {
		return http.DefaultTransport
	}
	return rt
}

// captureRequest reads req's body and puts back a reader of the same
// bytes.
func captureRequest(req *http.Request) ([]byte, error) {
	if req.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(req.Body)
	_ = req.Body.Close()
	if err != nil {
		return nil, err
	}
	req.Body = io.NopCloser(bytes.NewReader(b))
	return b, nil
}

// captureResponse sends req through base and reads the answer's body,
// leaving a reader of the same bytes in the response.
func captureResponse(base http.RoundTripper, req *http.Request) (*http.Response, []byte, error) {
	resp, err := baseOf(base).RoundTrip(req)
	if err != nil {
		return nil, nil, err
	}
	b, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, b, nil
}
