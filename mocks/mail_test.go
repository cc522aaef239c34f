package mocks_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/providers"
	"github.com/linkgate/linkgate/providers/providertest"
)

func newTestOutbox(t *testing.T, cfg mocks.OutboxConfig) *mocks.Outbox {
	t.Helper()
	o, err := mocks.NewOutbox(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestOutboxMailerConformance(t *testing.T) {
	var mu sync.Mutex
	boxes := map[*testing.T]*mocks.Outbox{}
	providertest.TestMailer(t, providertest.MailerHarness{
		New: func(t *testing.T) providers.Mailer {
			o := newTestOutbox(t, mocks.OutboxConfig{Persister: &memPersister{}})
			mu.Lock()
			boxes[t] = o
			mu.Unlock()
			return o
		},
		Received: func(t *testing.T) []providers.Message {
			mu.Lock()
			o := boxes[t]
			mu.Unlock()
			var out []providers.Message
			for _, m := range o.Messages() {
				out = append(out, providers.Message{To: m.To, Subject: m.Subject, Text: m.Text, HTML: m.HTML})
			}
			return out
		},
	})
}

func TestOutboxStoresAndPersists(t *testing.T) {
	now := time.Date(2025, 3, 4, 5, 6, 7, 0, time.FixedZone("CET", 3600))
	p := &memPersister{}
	o := newTestOutbox(t, mocks.OutboxConfig{Persister: p, Now: func() time.Time { return now }})
	msg := providers.Message{To: "Ana <ana@acme.com>", Subject: "Welcome", Text: "hi", HTML: "<p>hi</p>"}
	if err := o.Send(t.Context(), msg); err != nil {
		t.Fatal(err)
	}
	want := mocks.OutboxMessage{To: msg.To, Subject: "Welcome", Text: "hi", HTML: "<p>hi</p>", SentAt: now.UTC()}
	if got := o.Messages(); len(got) != 1 || got[0] != want {
		t.Fatalf("Messages = %+v, want [%+v]", got, want)
	}

	b, err := json.Marshal(o.Messages()[0])
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"to":"Ana \u003cana@acme.com\u003e","subject":"Welcome","text":"hi","html":"\u003cp\u003ehi\u003c/p\u003e","sent_at":"2025-03-04T04:06:07Z"}` {
		t.Errorf("JSON = %s", b)
	}

	// A restart finds the outbox as it was.
	o2 := newTestOutbox(t, mocks.OutboxConfig{Persister: p})
	if got := o2.Messages(); len(got) != 1 || got[0] != want {
		t.Errorf("after restart: %+v", got)
	}

	// A failed save stores nothing and is transient.
	p.failSave = errors.New("disk full")
	err = o2.Send(t.Context(), msg)
	if !providers.IsTransient(err) || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Send with a failing persister: %v", err)
	}
	if n := len(o2.Messages()); n != 1 {
		t.Errorf("%d messages after a failed save, want 1", n)
	}

	p.failLoad = errors.New("db down")
	if _, err := mocks.NewOutbox(mocks.OutboxConfig{Persister: p}); err == nil || !strings.Contains(err.Error(), "db down") {
		t.Errorf("NewOutbox with a failing Load: %v", err)
	}
	p.failLoad = nil
	p.data[mocks.OutboxPersistName] = []byte("[")
	if _, err := mocks.NewOutbox(mocks.OutboxConfig{Persister: p}); err == nil {
		t.Error("NewOutbox with corrupt state: no error")
	}
}

func TestOutboxFailNext(t *testing.T) {
	o := newTestOutbox(t, mocks.OutboxConfig{})
	msg := providers.Message{To: "ana@acme.com", Subject: "s", Text: "t"}
	o.FailNext(nil)
	permanent := &providers.Error{Provider: "smtp", Op: "send", Code: 550, Message: "550 5.1.1 no such user"}
	o.FailNext(permanent)

	err := o.Send(t.Context(), msg)
	var pe *providers.Error
	if !errors.As(err, &pe) || !providers.IsTransient(err) || pe.Code != 451 {
		t.Errorf("first Send: %v, want a transient 451", err)
	}
	if err := o.Send(t.Context(), msg); !errors.Is(err, providers.ErrPermanent) || !errors.As(err, &pe) || pe != permanent {
		t.Errorf("second Send: %v, want the injected error", err)
	}
	if n := len(o.Messages()); n != 0 {
		t.Errorf("%d messages stored by failed sends", n)
	}
	if err := o.Send(t.Context(), msg); err != nil {
		t.Errorf("third Send: %v", err)
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := o.Send(ctx, msg); !providers.IsTransient(err) || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Send: %v", err)
	}
}

func TestOutboxRefusesWhatSMTPRefuses(t *testing.T) {
	o := newTestOutbox(t, mocks.OutboxConfig{})
	for _, m := range []providers.Message{
		{To: "ana@acme.com", Subject: "two\r\nlines", Text: "t"},
		{To: "ana@acme.com", Subject: "no body"},
	} {
		if err := o.Send(t.Context(), m); !errors.Is(err, providers.ErrPermanent) || !strings.HasPrefix(err.Error(), "smtp: ") {
			t.Errorf("Send(%+v) = %v, want a permanent smtp error", m, err)
		}
	}
}

func TestOutboxKeepsTheLatest(t *testing.T) {
	o := newTestOutbox(t, mocks.OutboxConfig{})
	for i := range mocks.OutboxMax + 5 {
		if err := o.Send(t.Context(), providers.Message{To: "a@acme.com", Subject: fmt.Sprint(i), Text: "t"}); err != nil {
			t.Fatal(err)
		}
	}
	got := o.Messages()
	if len(got) != mocks.OutboxMax || got[0].Subject != "5" || got[len(got)-1].Subject != fmt.Sprint(mocks.OutboxMax+4) {
		t.Errorf("kept %d, first %q, last %q", len(got), got[0].Subject, got[len(got)-1].Subject)
	}
}
