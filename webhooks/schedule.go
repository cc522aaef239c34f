package webhooks

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Schedule is the delay before each retry: Schedule[0] follows the first
// failed attempt, and so on; after len(Schedule) retries (len(Schedule)+1
// attempts in all, about 76 hours) delivery gives up. Callers must not
// modify it.
var Schedule = []time.Duration{
	5 * time.Second,
	5 * time.Minute,
	30 * time.Minute,
	2 * time.Hour,
	5 * time.Hour,
	10 * time.Hour,
	14 * time.Hour,
	20 * time.Hour,
	24 * time.Hour,
}

// Jitter is the relative spread applied to each scheduled delay (±10%).
const Jitter = 0.10

// NextDelay returns the delay before the next attempt after attempt failed
// attempts (1 after the first failure; values below 1 count as 1), spread by
// ±Jitter using rnd (a source of floats in [0, 1); nil means math/rand/v2).
// It returns false when the schedule is exhausted.
func NextDelay(attempt int, rnd func() float64) (time.Duration, bool) {
	return ScheduleDelay(Schedule, attempt, rnd)
}

// ScheduleDelay is NextDelay on another schedule (tests and sandbox mode
// use shorter ones).
func ScheduleDelay(schedule []time.Duration, attempt int, rnd func() float64) (time.Duration, bool) {
	if attempt < 1 {
		attempt = 1
	}
	if attempt > len(schedule) {
		return 0, false
	}
	if rnd == nil {
		rnd = rand.Float64
	}
	base := schedule[attempt-1]
	r := rnd()
	if r < 0 {
		r = 0
	} else if r > 1 {
		r = 1
	}
	factor := 1 + Jitter*(2*r-1)
	return time.Duration(float64(base) * factor), true
}

// RetryAfter parses a Retry-After header, either delay-seconds or an
// HTTP-date (relative to now; a date in the past gives 0). It returns false
// when the header is absent or malformed.
func RetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		const maxSecs = int64((1<<63 - 1) / int64(time.Second))
		if secs > maxSecs {
			secs = maxSecs
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	d := t.Sub(now)
	if d < 0 {
		d = 0
	}
	return d, true
}

// Outcome is what a delivery attempt's HTTP status means.
type Outcome int

const (
	// OutcomeSuccess: 2xx, delivered.
	OutcomeSuccess Outcome = iota + 1
	// OutcomeRetry: any other status (3xx included, redirects are not
	// followed): retry on the schedule.
	OutcomeRetry
	// OutcomeRetryAfter: 429 or 503: retry, honouring Retry-After when
	// present (else the schedule).
	OutcomeRetryAfter
	// OutcomeDisable: 410 Gone: the receiver asks to stop; disable the
	// endpoint and do not retry.
	OutcomeDisable
)

func (o Outcome) String() string {
	switch o {
	case OutcomeSuccess:
		return "success"
	case OutcomeRetry:
		return "retry"
	case OutcomeRetryAfter:
		return "retry_after"
	case OutcomeDisable:
		return "disable"
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}

// Classify maps a receiver's HTTP status to an Outcome.
func Classify(status int) Outcome {
	switch {
	case status >= 200 && status <= 299:
		return OutcomeSuccess
	case status == http.StatusGone:
		return OutcomeDisable
	case status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable:
		return OutcomeRetryAfter
	}
	return OutcomeRetry
}
