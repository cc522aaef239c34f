package providertest

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/linkgate/linkgate/providers"
)

// MailerHarness plugs a providers.Mailer into TestMailer.
type MailerHarness struct {
	// New returns a Mailer that delivers to a fresh, empty server (or
	// outbox) belonging to t.
	New func(t *testing.T) providers.Mailer
	// Received returns, in arrival order, the messages accepted by the
	// server behind the Mailer that New(t) returned for the same t, with
	// the subject and both bodies decoded (transfer encodings undone; line
	// endings may be CRLF).
	Received func(t *testing.T) []providers.Message
}

// TestMailer checks the providers.Mailer contract: a sent message arrives
// whole (recipient, subject, plain-text and HTML parts, non-ASCII text, long
// lines), concurrent sends all arrive, and a malformed recipient is a
// permanent error that sends nothing.
func TestMailer(t *testing.T, h MailerHarness) {
	t.Helper()
	if h.New == nil || h.Received == nil {
		t.Fatal("providertest: MailerHarness needs New and Received")
	}

	t.Run("Send", func(t *testing.T) {
		m := h.New(t)
		longURL := "https://linkgate.example/register/" + strings.Repeat("a1B2", 300)
		want := providers.Message{
			To:      "client@acme.example",
			Subject: "Finish setting up ls.acme.example — déjà vu",
			Text:    "Hello Ana,\n\nOpen this link to finish: " + longURL + "\n\nThanks,\nlinkgate",
			HTML:    `<p>Hello Ana,</p><p><a href="` + longURL + `">Finish the setup</a> — ünïcode</p>`,
		}
		if err := m.Send(t.Context(), want); err != nil {
			t.Fatalf("Send: %v", err)
		}
		got := h.Received(t)
		if len(got) != 1 {
			t.Fatalf("received %d messages, want 1", len(got))
		}
		assertMailMessage(t, got[0], want)
	})

	t.Run("Concurrent", func(t *testing.T) {
		m := h.New(t)
		const n = 10
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = m.Send(t.Context(), providers.Message{
					To:      fmt.Sprintf("user%d@acme.example", i),
					Subject: fmt.Sprintf("message %d", i),
					Text:    fmt.Sprintf("text %d", i),
					HTML:    fmt.Sprintf("<p>html %d</p>", i),
				})
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("Send %d: %v", i, err)
			}
		}
		got := h.Received(t)
		if len(got) != n {
			t.Fatalf("received %d messages, want %d", len(got), n)
		}
		sort.Slice(got, func(a, b int) bool { return got[a].Subject < got[b].Subject })
		for i := range n {
			assertMailMessage(t, got[i], providers.Message{
				To:      fmt.Sprintf("user%d@acme.example", i),
				Subject: fmt.Sprintf("message %d", i),
				Text:    fmt.Sprintf("text %d", i),
				HTML:    fmt.Sprintf("<p>html %d</p>", i),
			})
		}
	})

	t.Run("InvalidRecipient", func(t *testing.T) {
		m := h.New(t)
		for _, to := range []string{"", "not an address", "a@b.example\r\nBcc: evil@example.com"} {
			err := m.Send(t.Context(), providers.Message{To: to, Subject: "s", Text: "t", HTML: "<p>h</p>"})
			if err == nil {
				t.Fatalf("Send to %q: no error", to)
			}
			var pe *providers.Error
			if !errors.As(err, &pe) || !errors.Is(err, providers.ErrPermanent) {
				t.Errorf("Send to %q: %v (%T), want a permanent *providers.Error", to, err, err)
			}
		}
		if got := h.Received(t); len(got) != 0 {
			t.Errorf("received %d messages, want none", len(got))
		}
	})
}

// assertMailMessage compares a received message with the one sent, ignoring
// CRLF versus LF and trailing line breaks.
func assertMailMessage(t *testing.T, got, want providers.Message) {
	t.Helper()
	norm := func(s string) string {
		return strings.TrimRight(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	}
	if !strings.EqualFold(strings.Trim(got.To, "<>"), want.To) {
		t.Errorf("To = %q, want %q", got.To, want.To)
	}
	if got.Subject != want.Subject {
		t.Errorf("Subject = %q, want %q", got.Subject, want.Subject)
	}
	if norm(got.Text) != norm(want.Text) {
		t.Errorf("Text = %q, want %q", got.Text, want.Text)
	}
	if norm(got.HTML) != norm(want.HTML) {
		t.Errorf("HTML = %q, want %q", got.HTML, want.HTML)
	}
}
