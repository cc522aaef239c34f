package webhooks

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/linkgate/linkgate/models"
)

// MaxKeptBody is how much of a receiver's answer an attempt keeps (what
// the delivery log stores).
const MaxKeptBody = models.MaxAttemptBody

// Message is one signed delivery: its id (the webhook-id, the same on
// every attempt and replay), the JSON body and the secrets that sign it.
type Message struct {
	URL     string
	ID      string
	Body    []byte
	Secrets []string
	// UserAgent is sent as User-Agent (default "linkgate-webhooks").
	UserAgent string
}

// Result is what one attempt got.
type Result struct {
	StatusCode int           // 0 when there was no answer
	Header     http.Header   // the answer's headers (nil without one)
	Body       []byte        // at most MaxKeptBody bytes of the answer
	Latency    time.Duration // request start to the end of reading
	Err        error         // transport error, timeout, refused address
}

// Outcome classifies the attempt: no answer is OutcomeRetry, otherwise
// Classify of the status.
func (r Result) Outcome() Outcome {
	if r.Err != nil || r.StatusCode == 0 {
		return OutcomeRetry
	}
	return Classify(r.StatusCode)
}

// Send makes one attempt: a POST of m.Body signed at ts (webhook-timestamp
// is the attempt's time, as receivers compare it with their clock) through
// client (see NewClient). It never follows a redirect and reads at most
// MaxKeptBody bytes of the answer (and discards up to 64 KiB more so the
// connection can be reused).
func Send(ctx context.Context, client *http.Client, m Message, ts time.Time) Result {
	h, err := Headers(m.Secrets, m.ID, ts, m.Body)
	if err != nil {
		return Result{Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.URL, bytes.NewReader(m.Body))
	if err != nil {
		return Result{Err: errors.Join(ErrInvalidURL, err)}
	}
	req.Header = h
	req.Header.Set("Content-Type", "application/json")
	ua := m.UserAgent
	if ua == "" {
		ua = "linkgate-webhooks"
	}
	req.Header.Set("User-Agent", ua)
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return Result{Err: err, Latency: time.Since(start)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxKeptBody))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	res := Result{StatusCode: resp.StatusCode, Header: resp.Header, Body: body, Latency: time.Since(start)}
	if err != nil && Classify(resp.StatusCode) == OutcomeSuccess {
		// A 2xx whose body broke off still counts as delivered: the
		// receiver answered.
		err = nil
	}
	res.Err = err
	return res
}
