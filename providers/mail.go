package providers

import "context"

// Message is an e-mail with an HTML and a plain-text part.
type Message struct {
	To      string
	Subject string
	Text    string
	HTML    string
}

// Mailer sends e-mail. Send returns once the message is accepted for
// delivery; a refused recipient is permanent, a server that cannot be
// reached or answers 4xx is transient. Safe for concurrent use.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}
