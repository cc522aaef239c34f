package mocks

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/linkgate/linkgate/providers"
)

// Outbox limits and names.
const (
	// OutboxPersistName is the Persister name the outbox is kept under.
	OutboxPersistName = "outbox"
	// OutboxMax is how many messages the outbox keeps; older ones go.
	OutboxMax = 500
)

// OutboxConfig configures an Outbox.
type OutboxConfig struct {
	// Persister keeps the messages between runs; nil keeps them in
	// memory only.
	Persister Persister
	// Now stamps SentAt; time.Now if nil.
	Now func() time.Time
}

// OutboxMessage is a message the outbox accepted (GET /_sandbox/outbox).
type OutboxMessage struct {
	To      string    `json:"to"`
	Subject string    `json:"subject"`
	Text    string    `json:"text"`
	HTML    string    `json:"html"`
	SentAt  time.Time `json:"sent_at"`
}

// Outbox is the sandbox's mail server: a providers.Mailer that keeps what
// it is sent instead of delivering it, for the console to show. It refuses
// what the SMTP adapter refuses (a malformed recipient, a multi-line
// subject, no body) with the same permanent errors, and FailNext makes it
// fail on demand. Safe for concurrent use.
type Outbox struct {
	persister Persister
	now       func() time.Time

	mu       sync.Mutex
	msgs     []OutboxMessage
	failures []error
}

var _ providers.Mailer = (*Outbox)(nil)

type outboxState struct {
	Messages []OutboxMessage `json:"messages"`
}

// NewOutbox returns an outbox holding the messages cfg.Persister saved, if
// any.
func NewOutbox(cfg OutboxConfig) (*Outbox, error) {
	o := &Outbox{persister: cfg.Persister, now: cfg.Now}
	if o.now == nil {
		o.now = time.Now
	}
	var st outboxState
	if err := loadState(o.persister, OutboxPersistName, &st); err != nil {
		return nil, err
	}
	o.msgs = st.Messages
	return o, nil
}

// Send implements providers.Mailer: it stores m, stamped with the time.
func (o *Outbox) Send(ctx context.Context, m providers.Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.failures) > 0 {
		err := o.failures[0]
		o.failures = o.failures[1:]
		return err
	}
	if err := ctx.Err(); err != nil {
		return &providers.Error{Provider: "smtp", Op: "send", Transient: true, Err: err}
	}
	if _, err := mail.ParseAddress(m.To); err != nil || strings.ContainsAny(m.To, "\r\n") {
		return &providers.Error{Provider: "smtp", Op: "send", Message: fmt.Sprintf("invalid recipient address %q", m.To)}
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return &providers.Error{Provider: "smtp", Op: "send", Message: "the subject must be one line"}
	}
	if m.Text == "" && m.HTML == "" {
		return &providers.Error{Provider: "smtp", Op: "send", Message: "the message has no body"}
	}

	before := o.msgs
	o.msgs = append(o.msgs[:len(o.msgs):len(o.msgs)], OutboxMessage{
		To: m.To, Subject: m.Subject, Text: m.Text, HTML: m.HTML, SentAt: o.now().UTC(),
	})
	if len(o.msgs) > OutboxMax {
		o.msgs = o.msgs[len(o.msgs)-OutboxMax:]
	}
	if err := saveState(ctx, o.persister, OutboxPersistName, outboxState{Messages: o.msgs}); err != nil {
		o.msgs = before
		return &providers.Error{Provider: "smtp", Op: "send", Transient: true, Message: "the outbox could not be saved", Err: err}
	}
	return nil
}

// Messages returns the messages accepted, oldest first.
func (o *Outbox) Messages() []OutboxMessage {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]OutboxMessage(nil), o.msgs...)
}

// FailNext makes the next Send return err and store nothing (nil: a
// transient "451 try again later"). Calls queue up.
func (o *Outbox) FailNext(err error) {
	if err == nil {
		err = &providers.Error{Provider: "smtp", Op: "send", Transient: true, Code: 451, Message: "451 4.3.0 try again later (injected failure)"}
	}
	o.mu.Lock()
	o.failures = append(o.failures, err)
	o.mu.Unlock()
}
