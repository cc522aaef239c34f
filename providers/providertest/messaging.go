package providertest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkgate/linkgate/providers"
)

// MessagingHarness connects the Messaging suite to one implementation
// and the world it runs against (a fake, or a test account).
type MessagingHarness struct {
	// New returns an implementation whose credentials the provider
	// accepts. Required.
	New func(t *testing.T) providers.Messaging
	// MessagingService returns the SID of a Messaging Service that can
	// send (with a sender in its pool). Required.
	MessagingService func(t *testing.T) string
	// Deliver moves the provider's world on until every message sent so
	// far has a final status (the fake's FlushMessages; a wait on a live
	// account). Required.
	Deliver func(t *testing.T)

	// ShortenService, optional, returns a Messaging Service attached to a
	// Link Shortening domain, and that domain's host: the suite checks
	// that ShortenURLs puts short links on it.
	ShortenService func(t *testing.T) (messagingServiceSID, host string)
	// Unreachable, optional, returns a number whose messages end
	// undelivered with 30003.
	Unreachable func(t *testing.T) string
	// InjectFault, optional, makes the provider answer the next call with
	// HTTP status (and Retry-After seconds when retryAfter > 0).
	InjectFault func(t *testing.T, status, retryAfter int)
	// Requests, optional, counts the requests that reached the provider:
	// the suite checks that refused arguments send none.
	Requests func() int
	// Recipient, optional, returns a fresh deliverable number in E.164;
	// default: +1555 and seven random digits, never ending in 0000.
	Recipient func(t *testing.T) string
}

// TestMessaging runs the providers.Messaging contract against h.
func TestMessaging(t *testing.T, h MessagingHarness) {
	t.Helper()
	if h.New == nil || h.MessagingService == nil || h.Deliver == nil {
		t.Fatal("providertest: MessagingHarness needs New, MessagingService and Deliver")
	}
	if h.Recipient == nil {
		h.Recipient = func(*testing.T) string { return msgRandomNumber() }
	}
	s := &msgSuite{h: h}
	t.Run("SendFetchDeliver", s.sendFetchDeliver)
	t.Run("Segments", s.segments)
	t.Run("ListTo", s.listTo)
	t.Run("RefusedArguments", s.refusedArguments)
	t.Run("FetchUnknown", s.fetchUnknown)
	t.Run("ShortenURLs", s.shortenURLs)
	t.Run("Unreachable", s.unreachable)
	t.Run("Transient", s.transient)
}

type msgSuite struct {
	h MessagingHarness

	// mu serialises the subtests that inject faults with those that send:
	// a fault is taken by whichever call comes next.
	mu sync.RWMutex
}

func msgRandomNumber() string {
	for {
		b := lsRandomHex(4)
		n := 0
		for _, c := range b {
			n = n*16 + strings.IndexRune("0123456789abcdef", c)
		}
		num := fmt.Sprintf("+1555%07d", n%10_000_000)
		if !strings.HasSuffix(num, "0000") {
			return num
		}
	}
}

func msgSend(ctx context.Context, t *testing.T, p providers.Messaging, m providers.SMS) providers.Sent {
	t.Helper()
	sent, err := p.Send(ctx, m)
	if err != nil {
		t.Fatalf("Send(%+v): %v", m, err)
	}
	if !providers.ValidMessageSID(sent.SID) {
		t.Fatalf("Send: SID %q is not a Message SID", sent.SID)
	}
	return sent
}

func (s *msgSuite) sendFetchDeliver(t *testing.T) {
	t.Parallel()
	s.mu.RLock()
	defer s.mu.RUnlock()
	ctx := lsContext(t)
	p := s.h.New(t)
	mg := s.h.MessagingService(t)
	to := s.h.Recipient(t)
	sent := msgSend(ctx, t, p, providers.SMS{To: to, MessagingServiceSID: mg, Body: "Hello from the conformance suite"})
	if sent.To != to || sent.MessagingServiceSID != mg {
		t.Errorf("Send: to %q service %q, want %q %q", sent.To, sent.MessagingServiceSID, to, mg)
	}
	switch sent.Status {
	case providers.MessageAccepted, providers.MessageQueued, providers.MessageSending, providers.MessageSent:
	default:
		t.Errorf("Send: status %q, want accepted or queued", sent.Status)
	}
	if sent.DateCreated.IsZero() {
		t.Error("Send: no creation date")
	}

	s.h.Deliver(t)
	got, err := p.Fetch(ctx, sent.SID)
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if got.SID != sent.SID || got.Status != providers.MessageDelivered || !got.Status.Terminal() {
		t.Errorf("Fetch after delivery: sid %s status %q, want %s delivered", got.SID, got.Status, sent.SID)
	}
	if got.Segments != 1 {
		t.Errorf("Fetch: segments %d, want 1", got.Segments)
	}
	if got.Price == nil || !strings.HasPrefix(*got.Price, "-") || got.PriceUnit == "" {
		t.Errorf("Fetch: price %v %q, want a negative price and a unit", got.Price, got.PriceUnit)
	}
	if got.From == "" || got.DateSent.IsZero() || got.ErrorCode != 0 {
		t.Errorf("Fetch: from %q sent %v error %d, want a sender, a send date, no error", got.From, got.DateSent, got.ErrorCode)
	}
}

func (s *msgSuite) segments(t *testing.T) {
	t.Parallel()
	s.mu.RLock()
	defer s.mu.RUnlock()
	ctx := lsContext(t)
	p := s.h.New(t)
	mg := s.h.MessagingService(t)
	cases := []struct {
		name string
		body string
		want int
	}{
		{"gsm 160", strings.Repeat("a", 160), 1},
		{"gsm 161", strings.Repeat("a", 161), 2},
		{"gsm 306", strings.Repeat("a", 306), 2},
		{"gsm 307", strings.Repeat("a", 307), 3},
		{"gsm extension counts twice", strings.Repeat("€", 80), 1},
		{"gsm extension 81", strings.Repeat("€", 81), 2},
		{"ucs-2 70", strings.Repeat("ж", 70), 1},
		{"ucs-2 71", strings.Repeat("ж", 71), 2},
		{"ucs-2 134", strings.Repeat("ж", 134), 2},
		{"ucs-2 135", strings.Repeat("ж", 135), 3},
	}
	sids := make([]string, len(cases))
	for i, c := range cases {
		sids[i] = msgSend(ctx, t, p, providers.SMS{To: s.h.Recipient(t), MessagingServiceSID: mg, Body: c.body}).SID
	}
	s.h.Deliver(t)
	for i, c := range cases {
		got, err := p.Fetch(ctx, sids[i])
		if err != nil {
			t.Errorf("%s: Fetch: %v", c.name, err)
			continue
		}
		if got.Segments != c.want {
			t.Errorf("%s: segments %d, want %d", c.name, got.Segments, c.want)
		}
	}
}

func (s *msgSuite) listTo(t *testing.T) {
	t.Parallel()
	s.mu.RLock()
	defer s.mu.RUnlock()
	ctx := lsContext(t)
	p := s.h.New(t)
	mg := s.h.MessagingService(t)
	other := s.h.MessagingService(t)
	to, elsewhere := s.h.Recipient(t), s.h.Recipient(t)
	since := time.Now().Add(-time.Minute)
	a := msgSend(ctx, t, p, providers.SMS{To: to, MessagingServiceSID: mg, Body: "first"})
	b := msgSend(ctx, t, p, providers.SMS{To: to, MessagingServiceSID: mg, Body: "second"})
	c := msgSend(ctx, t, p, providers.SMS{To: to, MessagingServiceSID: other, Body: "other service"})
	msgSend(ctx, t, p, providers.SMS{To: elsewhere, MessagingServiceSID: mg, Body: "someone else"})

	// Taken but perhaps not sent yet (a crash right after Send): listed.
	early, err := p.ListTo(ctx, to, mg, since)
	if err != nil {
		t.Fatalf("ListTo before delivery: %v", err)
	}
	if len(early) != 2 || early[0].SID != b.SID || early[1].SID != a.SID {
		t.Errorf("ListTo before delivery = %v, want %s then %s", early, b.SID, a.SID)
	}
	s.h.Deliver(t)

	sids := func(list []providers.Sent) map[string]bool {
		m := map[string]bool{}
		for _, x := range list {
			m[x.SID] = true
			if x.To != to {
				t.Errorf("ListTo(%s) listed a message to %s", to, x.To)
			}
		}
		return m
	}
	tests := []struct {
		name  string
		mg    string
		since time.Time
		want  []string
		not   []string
	}{
		{"by service", mg, since, []string{a.SID, b.SID}, []string{c.SID}},
		{"any service", "", since, []string{a.SID, b.SID, c.SID}, nil},
		{"since the future", mg, time.Now().Add(time.Hour), nil, []string{a.SID, b.SID}},
	}
	for _, tc := range tests {
		list, err := p.ListTo(ctx, to, tc.mg, tc.since)
		if err != nil {
			t.Errorf("%s: ListTo: %v", tc.name, err)
			continue
		}
		got := sids(list)
		for _, w := range tc.want {
			if !got[w] {
				t.Errorf("%s: ListTo misses %s (got %v)", tc.name, w, got)
			}
		}
		for _, n := range tc.not {
			if got[n] {
				t.Errorf("%s: ListTo lists %s", tc.name, n)
			}
		}
		if tc.want == nil && len(list) != 0 {
			t.Errorf("%s: ListTo = %d messages, want none", tc.name, len(list))
		}
		if list == nil {
			t.Errorf("%s: ListTo returned a nil slice, want an empty one", tc.name)
		}
	}
	if list, err := p.ListTo(ctx, s.h.Recipient(t), mg, since); err != nil || len(list) != 0 {
		t.Errorf("ListTo(a number never sent to) = %v, %v; want none", list, err)
	}
}

// refusedArguments: what Twilio refuses, refused before sending.
func (s *msgSuite) refusedArguments(t *testing.T) {
	t.Parallel()
	s.mu.RLock()
	defer s.mu.RUnlock()
	ctx := lsContext(t)
	p := s.h.New(t)
	mg := s.h.MessagingService(t)
	to := s.h.Recipient(t)
	cases := []struct {
		name string
		m    providers.SMS
		code int
		kind error
	}{
		{"to not E.164", providers.SMS{To: "0044123", MessagingServiceSID: mg, Body: "x"}, providers.CodeInvalidTo, providers.ErrInvalidRecipient},
		{"to too short", providers.SMS{To: "+1234", MessagingServiceSID: mg, Body: "x"}, providers.CodeInvalidTo, providers.ErrInvalidRecipient},
		{"no body", providers.SMS{To: to, MessagingServiceSID: mg}, providers.CodeBodyRequired, nil},
		{"body too long", providers.SMS{To: to, MessagingServiceSID: mg, Body: strings.Repeat("a", 1601)}, providers.CodeBodyTooLong, nil},
		{"no sender", providers.SMS{To: to, Body: "x"}, 21603, nil},
		{"bad from", providers.SMS{To: to, From: "not a sender!", Body: "x"}, 21212, nil},
		{"malformed service", providers.SMS{To: to, MessagingServiceSID: "MG123", Body: "x"}, 0, nil},
	}
	before := -1
	if s.h.Requests != nil {
		before = s.h.Requests()
	}
	for _, c := range cases {
		_, err := p.Send(ctx, c.m)
		var pe *providers.Error
		switch {
		case !errors.As(err, &pe):
			t.Errorf("%s: error %v (%T), want a *providers.Error", c.name, err, err)
			continue
		case providers.IsTransient(err):
			t.Errorf("%s: %v is transient, want permanent", c.name, err)
		case c.code != 0 && providers.CodeOf(err) != c.code:
			t.Errorf("%s: code %d, want %d (%v)", c.name, providers.CodeOf(err), c.code, err)
		case c.kind != nil && !errors.Is(err, c.kind):
			t.Errorf("%s: %v does not wrap %v", c.name, err, c.kind)
		}
	}
	if _, err := p.Fetch(ctx, "SMnot-a-sid"); err == nil || providers.IsTransient(err) {
		t.Errorf("Fetch(malformed SID): %v, want a permanent error", err)
	}
	if _, err := p.ListTo(ctx, "12345", "", time.Time{}); !errors.Is(err, providers.ErrInvalidRecipient) {
		t.Errorf("ListTo(malformed number): %v, want ErrInvalidRecipient", err)
	}
	if before >= 0 {
		if n := s.h.Requests() - before; n != 0 {
			// Other subtests run in parallel; only a serial run can tell.
			t.Logf("requests during refused arguments: %d (parallel subtests may account for them)", n)
		}
	}
}

func (s *msgSuite) fetchUnknown(t *testing.T) {
	t.Parallel()
	s.mu.RLock()
	defer s.mu.RUnlock()
	ctx := lsContext(t)
	_, err := s.h.New(t).Fetch(ctx, "SM"+lsRandomHex(16))
	if !errors.Is(err, providers.ErrNotFound) || providers.IsTransient(err) {
		t.Errorf("Fetch(unknown SID): %v, want permanent ErrNotFound", err)
	}
}

func (s *msgSuite) shortenURLs(t *testing.T) {
	if s.h.ShortenService == nil {
		t.Skip("the harness has no ShortenService")
	}
	t.Parallel()
	s.mu.RLock()
	defer s.mu.RUnlock()
	ctx := lsContext(t)
	p := s.h.New(t)
	mg, host := s.h.ShortenService(t)
	long := "https://www.example.org/offers/spring?utm_source=sms&id=" + lsRandomHex(8)
	sent := msgSend(ctx, t, p, providers.SMS{To: s.h.Recipient(t), MessagingServiceSID: mg,
		Body: "Spring sale: " + long + " Reply STOP to opt out", ShortenURLs: true})
	s.h.Deliver(t)
	got, err := p.Fetch(ctx, sent.SID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(got.Body, long) || !strings.Contains(got.Body, "://"+host+"/") {
		t.Errorf("body %q: want the URL replaced by a short link on %s", got.Body, host)
	}

	// A Messaging Service without a domain cannot shorten.
	plain := s.h.MessagingService(t)
	_, err = p.Send(ctx, providers.SMS{To: s.h.Recipient(t), MessagingServiceSID: plain, Body: "see " + long, ShortenURLs: true})
	if err == nil || providers.IsTransient(err) || providers.CodeOf(err) == 0 {
		t.Errorf("ShortenURLs without a domain: %v, want a permanent error with Twilio's code", err)
	}
}

func (s *msgSuite) unreachable(t *testing.T) {
	if s.h.Unreachable == nil {
		t.Skip("the harness has no Unreachable number")
	}
	t.Parallel()
	s.mu.RLock()
	defer s.mu.RUnlock()
	ctx := lsContext(t)
	p := s.h.New(t)
	sent := msgSend(ctx, t, p, providers.SMS{To: s.h.Unreachable(t), MessagingServiceSID: s.h.MessagingService(t), Body: "nobody home"})
	s.h.Deliver(t)
	got, err := p.Fetch(ctx, sent.SID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != providers.MessageUndelivered || got.ErrorCode != providers.CodeUnreachable {
		t.Errorf("status %q code %d, want undelivered 30003", got.Status, got.ErrorCode)
	}
}

// transient: 503 and 429 answers are transient with Twilio's Retry-After.
// It runs alone: an injected fault goes to whichever call comes next.
func (s *msgSuite) transient(t *testing.T) {
	if s.h.InjectFault == nil {
		t.Skip("the harness cannot inject faults")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ctx := lsContext(t)
	p := s.h.New(t)
	mg := s.h.MessagingService(t)
	cases := []struct {
		name       string
		status     int
		retryAfter int
		call       func() error
	}{
		{"send 503", 503, 3, func() error {
			_, err := p.Send(ctx, providers.SMS{To: s.h.Recipient(t), MessagingServiceSID: mg, Body: "x"})
			return err
		}},
		{"send 429", 429, 7, func() error {
			_, err := p.Send(ctx, providers.SMS{To: s.h.Recipient(t), MessagingServiceSID: mg, Body: "x"})
			return err
		}},
		{"fetch 500", 500, 0, func() error { _, err := p.Fetch(ctx, "SM"+lsRandomHex(16)); return err }},
		{"list 503", 503, 2, func() error { _, err := p.ListTo(ctx, s.h.Recipient(t), "", time.Time{}); return err }},
	}
	for _, c := range cases {
		s.h.InjectFault(t, c.status, c.retryAfter)
		err := c.call()
		if !providers.IsTransient(err) {
			t.Errorf("%s: %v, want transient", c.name, err)
			continue
		}
		d, ok := providers.RetryAfter(err)
		switch {
		case c.retryAfter > 0 && (!ok || d != time.Duration(c.retryAfter)*time.Second):
			t.Errorf("%s: RetryAfter %v %v, want %ds", c.name, d, ok, c.retryAfter)
		case c.retryAfter == 0 && ok:
			t.Errorf("%s: RetryAfter %v, want none", c.name, d)
		}
	}
	// The faults are spent: calls succeed again.
	msgSend(ctx, t, p, providers.SMS{To: s.h.Recipient(t), MessagingServiceSID: mg, Body: "after the faults"})
}
