package providers

import (
	"context"
	"errors"
	"regexp"
	"time"
)

// MessageStatus is a message's status as Twilio reports it.
type MessageStatus string

// Message statuses (Twilio's message_enum_status, the ones linkgate meets).
const (
	MessageAccepted    MessageStatus = "accepted"    // taken by a Messaging Service, no sender chosen yet
	MessageQueued      MessageStatus = "queued"      // waiting to go out
	MessageSending     MessageStatus = "sending"     // being sent to the carrier
	MessageSent        MessageStatus = "sent"        // the carrier took it
	MessageDelivered   MessageStatus = "delivered"   // the handset got it (terminal)
	MessageUndelivered MessageStatus = "undelivered" // the carrier could not deliver it (terminal, ErrorCode says why)
	MessageFailed      MessageStatus = "failed"      // never left Twilio (terminal, ErrorCode says why)
	MessageReceived    MessageStatus = "received"    // an inbound message
	MessageCanceled    MessageStatus = "canceled"    // a scheduled message cancelled (terminal)
)

// Terminal reports whether the status will not change any more.
func (s MessageStatus) Terminal() bool {
	switch s {
	case MessageDelivered, MessageUndelivered, MessageFailed, MessageCanceled, MessageReceived:
		return true
	}
	return false
}

// SMS is one text message to send (Message is the e-mail of Mailer).
type SMS struct {
	// To is the recipient in E.164 ("+447123123123"). Required.
	To string
	// MessagingServiceSID (MG + 32 hex) sends through a Messaging
	// Service: its sender pool, its Link Shortening domain. Required
	// unless From is set; both may be given (From then picks the sender).
	MessagingServiceSID string
	// From, optional: a phone number in E.164, a short code (3..8 digits)
	// or an alphanumeric sender ID (up to 11 characters, a letter at
	// least).
	From string
	// Body is the text, at most 1600 characters. Required.
	Body string
	// ShortenURLs asks Twilio to replace the body's http(s) URLs with
	// short links on the Messaging Service's Link Shortening domain. It
	// needs MessagingServiceSID, and that service attached to a domain.
	ShortenURLs bool
	// StatusCallback, optional, is where Twilio posts the message's
	// status changes (form-encoded, signed with X-Twilio-Signature).
	StatusCallback string
}

// Sent is a message as Twilio holds it.
type Sent struct {
	SID                 string // "SM" + 32 hex
	To                  string
	From                string // the sender; "" while a Messaging Service has not chosen one
	MessagingServiceSID string
	Body                string // as sent: with short links when Twilio shortened them
	Status              MessageStatus
	// Segments is how many SMS the body takes (NumSegments). For a
	// message sent through a Messaging Service it is 0 until Twilio has
	// chosen a sender (status accepted); Fetch it again later.
	Segments int
	// Price is what Twilio charged, negative, in PriceUnit ("-0.00790",
	// "USD"); nil until Twilio knows it (usually once sent).
	Price     *string
	PriceUnit string
	// ErrorCode is Twilio's error code for a failed or undelivered
	// message (30003 unreachable handset, 30007 filtered...), 0 if none.
	ErrorCode    int
	ErrorMessage string
	DateCreated  time.Time
	DateSent     time.Time // zero until sent
	DateUpdated  time.Time
}

// Twilio error codes of the Messages API that callers act on; CodeOf
// returns them.
const (
	CodeInvalidTo          = 21211 // the To number is not a valid phone number
	CodeUnsubscribed       = 21610 // the recipient replied STOP: never send again
	CodeNotMobile          = 21614 // the To number is not a mobile number
	CodeFromInvalid        = 21606 // From cannot send to this destination
	CodeBodyRequired       = 21602 // no body
	CodeBodyTooLong        = 21617 // the body is over 1600 characters
	CodeQueueOverflow      = 21611 // the sender's queue is full (transient)
	CodeTooManyRequests    = 20429 // too many concurrent requests (transient)
	CodeUnreachable        = 30003 // delivery: unreachable handset
	CodeFiltered           = 30007 // delivery: filtered by the carrier
	CodeShortenNeedsDomain = 21626 // ShortenUrls without a Link Shortening domain on the Messaging Service (the fake's choice)
)

// Errors of the Messages API callers act on. They are wrapped in *Error
// (permanent), whose Code says Twilio's exact code.
var (
	// ErrInvalidRecipient: the To number cannot receive this message
	// (21211 invalid number, 21614 not a mobile, 21612 unreachable route):
	// mark the recipient failed, do not retry.
	ErrInvalidRecipient = errors.New("invalid recipient")
	// ErrOptedOut: the recipient unsubscribed (replied STOP; 21610).
	ErrOptedOut = errors.New("recipient opted out")
)

// CodeOf returns the vendor error code carried by err (a *Error in its
// chain), 0 if none.
func CodeOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

// Messaging is Twilio's Programmable Messaging (the 2010-04-01 Messages
// API) for one account. Implementations are safe for concurrent use.
//
// Errors are *Error, classified as for every provider: 429, code 20429,
// 21611, 5xx, timeouts and network failures are transient (RetryAfter
// says the wait Twilio asked for); everything else is permanent, with
// Twilio's code in Code (CodeOf). Permanent errors about the recipient
// wrap ErrInvalidRecipient or ErrOptedOut. A malformed argument (To not
// in E.164, a malformed SID, an empty or too long body) is refused before
// anything is sent, as a permanent *Error with Twilio's code for it.
type Messaging interface {
	// Send creates the message. Success means Twilio took it (status
	// accepted or queued): delivery is reported later to
	// SMS.StatusCallback and by Fetch. Send is not idempotent: a
	// transient error may hide a message that was created; before
	// sending again after an unclear failure, look with ListTo.
	Send(ctx context.Context, m SMS) (Sent, error)

	// Fetch returns the message with its current status, price and error
	// code. An unknown SID: *Error wrapping ErrNotFound.
	Fetch(ctx context.Context, sid string) (Sent, error)

	// ListTo returns the outbound messages to the number (E.164)
	// created on or after since (to the second), newest first, whatever
	// their status (one Twilio has taken but not sent yet included); only
	// those of the Messaging Service when messagingServiceSID is not "".
	// None: an empty slice and no error. This is how a send interrupted by
	// a crash is resolved before sending again.
	ListTo(ctx context.Context, to, messagingServiceSID string, since time.Time) ([]Sent, error)
}

var e164Pattern = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// ValidE164 reports whether s is a phone number in E.164: "+", a country
// code not starting with 0, 7 to 15 digits in all.
func ValidE164(s string) bool { return e164Pattern.MatchString(s) }

var messageSIDPattern = regexp.MustCompile(`^(SM|MM)[0-9a-fA-F]{32}$`)

// ValidMessageSID reports whether s is a Message SID (SM or MM + 32 hex).
func ValidMessageSID(s string) bool { return messageSIDPattern.MatchString(s) }
