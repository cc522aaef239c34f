package twilio

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"

	apiv2010 "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/linkgate/linkgate/providers"
)

// Provider also implements providers.Messaging on the 2010-04-01
// Messages API (https://api.twilio.com).
var _ providers.Messaging = (*Provider)(nil)

// MaxBodyLength is the longest body Twilio accepts (characters).
const MaxBodyLength = 1600

// listPageSize is the page size ListTo asks for.
const listPageSize = 100

var (
	shortCodePattern = regexp.MustCompile(`^[0-9]{3,8}$`)
	alphaPattern     = regexp.MustCompile(`^[0-9A-Za-z _.\-]{1,11}$`)
	letterPattern    = regexp.MustCompile(`[A-Za-z]`)
)

// Twilio's codes for refused arguments (the adapter refuses them first).
const (
	codeInvalidFrom = 21212 // Invalid 'From' number
	codeFromOrMG    = 21603 // A 'From' or 'MessagingServiceSid' parameter is required
)

// apiSession is one call's connection to the Messages API, built like
// session: the call's context on a recording transport.
func (p *Provider) apiSession(ctx context.Context) (*apiv2010.ApiService, *session, context.CancelFunc) {
	c, rec, cancel := p.sdkClient(ctx)
	return apiv2010.NewApiServiceWithClient(c), &session{rec: rec}, cancel
}

// Send creates the message (POST /2010-04-01/Accounts/{AccountSid}/Messages.json)
// with To, Body, MessagingServiceSid, From, ShortenUrls and StatusCallback
// as given. See providers.Messaging.
func (p *Provider) Send(ctx context.Context, m providers.SMS) (providers.Sent, error) {
	const op = "send message"
	if err := checkSMS(op, m); err != nil {
		return providers.Sent{}, err
	}
	if err := ctx.Err(); err != nil {
		return providers.Sent{}, canceled(op, err)
	}
	params := &apiv2010.CreateMessageParams{}
	params.SetTo(m.To)
	params.SetBody(m.Body)
	if m.MessagingServiceSID != "" {
		params.SetMessagingServiceSid(m.MessagingServiceSID)
	}
	if m.From != "" {
		params.SetFrom(m.From)
	}
	if m.ShortenURLs {
		params.SetShortenUrls(true)
	}
	if m.StatusCallback != "" {
		params.SetStatusCallback(m.StatusCallback)
	}
	api, s, done := p.apiSession(ctx)
	defer done()
	res, err := api.CreateMessage(params)
	if err != nil {
		return providers.Sent{}, messageFail(p.fail(op, s, err))
	}
	return sentFrom(res), nil
}

// Fetch returns the message (GET /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json).
func (p *Provider) Fetch(ctx context.Context, sid string) (providers.Sent, error) {
	const op = "fetch message"
	if !providers.ValidMessageSID(sid) {
		return providers.Sent{}, &providers.Error{Provider: providerName, Op: op,
			Message: fmt.Sprintf("malformed message SID %s: want SM followed by 32 hexadecimal digits", quoteSID(sid))}
	}
	if err := ctx.Err(); err != nil {
		return providers.Sent{}, canceled(op, err)
	}
	api, s, done := p.apiSession(ctx)
	defer done()
	res, err := api.FetchMessage(sid, nil)
	if err != nil {
		return providers.Sent{}, messageFail(p.fail(op, s, err))
	}
	return sentFrom(res), nil
}

// maxListPages bounds the pages ListTo reads (100 messages each).
const maxListPages = 50

// ListTo lists the outbound messages to the number created on or after
// since (GET /2010-04-01/Accounts/{AccountSid}/Messages.json?To=), newest
// first, filtered by Messaging Service when one is given. It filters on
// the creation date itself rather than asking Twilio for DateSent>=, so
// that a message Twilio has taken but not sent yet (accepted, queued: no
// send date) is found too: the case of a send interrupted by a crash.
// Twilio lists newest first, so paging stops at the first page that
// reaches back before since (or after maxListPages pages).
func (p *Provider) ListTo(ctx context.Context, to, messagingServiceSID string, since time.Time) ([]providers.Sent, error) {
	const op = "list messages"
	if !providers.ValidE164(to) {
		return nil, invalidTo(op, to)
	}
	if messagingServiceSID != "" {
		if err := checkMessagingServiceSID(op, messagingServiceSID); err != nil {
			return nil, err
		}
	}
	since = since.UTC().Truncate(time.Second) // Twilio's dates have seconds
	params := &apiv2010.ListMessageParams{}
	params.SetTo(to)
	params.SetPageSize(listPageSize)
	out := []providers.Sent{}
	token, page := "", ""
	for n := 0; n < maxListPages; n++ {
		if err := ctx.Err(); err != nil {
			return nil, canceled(op, err)
		}
		api, s, done := p.apiSession(ctx)
		res, err := api.PageMessage(params, token, page)
		done()
		if err != nil {
			return nil, messageFail(p.fail(op, s, err))
		}
		older := false
		for i := range res.Messages {
			m := sentFrom(&res.Messages[i])
			if !m.DateCreated.IsZero() && m.DateCreated.Before(since) {
				older = true
				continue
			}
			if deref(res.Messages[i].Direction) == "inbound" || m.To != to {
				continue
			}
			if messagingServiceSID != "" && m.MessagingServiceSID != messagingServiceSID {
				continue
			}
			out = append(out, m)
		}
		if older || res.NextPageUri == nil || *res.NextPageUri == "" {
			break
		}
		next, err := url.Parse(*res.NextPageUri)
		if err != nil {
			return nil, &providers.Error{Provider: providerName, Op: op, Transient: true,
				Message: "unreadable next page URI: " + err.Error()}
		}
		token, page = next.Query().Get("PageToken"), next.Query().Get("Page")
		if token == "" && page == "" {
			break
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].DateCreated.After(out[j].DateCreated) })
	return out, nil
}

// checkSMS refuses, before anything is sent, what Twilio would refuse,
// with Twilio's code (and no HTTP status: nothing was sent).
func checkSMS(op string, m providers.SMS) error {
	refuse := func(code int, msg string) error {
		return &providers.Error{Provider: providerName, Op: op, Code: code, Message: msg}
	}
	switch {
	case !providers.ValidE164(m.To):
		return invalidTo(op, m.To)
	case m.MessagingServiceSID == "" && m.From == "":
		return refuse(codeFromOrMG, "a From or a MessagingServiceSid is required")
	case m.MessagingServiceSID != "" && !providers.ValidMessagingServiceSID(m.MessagingServiceSID):
		return checkMessagingServiceSID(op, m.MessagingServiceSID)
	case m.From != "" && !validSender(m.From):
		return refuse(codeInvalidFrom, fmt.Sprintf("invalid From %s: want a number in E.164, a short code or an alphanumeric sender ID", quoteSID(m.From)))
	case m.Body == "":
		return refuse(providers.CodeBodyRequired, "the message body is required")
	case utf8.RuneCountInString(m.Body) > MaxBodyLength:
		return refuse(providers.CodeBodyTooLong, "the message body exceeds the 1600 character limit")
	case m.ShortenURLs && m.MessagingServiceSID == "":
		return refuse(providers.CodeShortenNeedsDomain, "ShortenUrls needs a MessagingServiceSid")
	}
	return nil
}

func invalidTo(op, to string) error {
	return &providers.Error{Provider: providerName, Op: op, Code: providers.CodeInvalidTo,
		Err: providers.ErrInvalidRecipient, Message: fmt.Sprintf("invalid To %s: want a number in E.164 (+447123123123)", quoteSID(to))}
}

// validSender accepts an E.164 number, a short code or an alphanumeric
// sender ID (with a letter).
func validSender(s string) bool {
	return providers.ValidE164(s) || shortCodePattern.MatchString(s) ||
		(alphaPattern.MatchString(s) && letterPattern.MatchString(s) && len(s) >= 2)
}

// messageFail adds the Messages API's own classification to a failure:
// the recipient errors and the transient queue overflow.
func messageFail(e *providers.Error) *providers.Error {
	switch e.Code {
	case providers.CodeInvalidTo, providers.CodeNotMobile, 21612, 21408:
		e.Err = providers.ErrInvalidRecipient
	case providers.CodeUnsubscribed:
		e.Err = providers.ErrOptedOut
	case providers.CodeQueueOverflow:
		e.Transient = true
	}
	return e
}

// sentFrom converts twilio-go's message.
func sentFrom(m *apiv2010.ApiV2010Message) providers.Sent {
	s := providers.Sent{
		SID:                 deref(m.Sid),
		To:                  deref(m.To),
		From:                deref(m.From),
		MessagingServiceSID: deref(m.MessagingServiceSid),
		Body:                deref(m.Body),
		Status:              providers.MessageStatus(deref(m.Status)),
		Price:               m.Price,
		PriceUnit:           deref(m.PriceUnit),
		ErrorMessage:        deref(m.ErrorMessage),
		DateCreated:         parseRFC2822(m.DateCreated),
		DateSent:            parseRFC2822(m.DateSent),
		DateUpdated:         parseRFC2822(m.DateUpdated),
	}
	if s.Price != nil && *s.Price == "" {
		s.Price = nil
	}
	if m.ErrorCode != nil {
		s.ErrorCode = *m.ErrorCode
	}
	if n, err := strconv.Atoi(deref(m.NumSegments)); err == nil {
		s.Segments = n
	}
	return s
}

// parseRFC2822 reads Twilio's 2010 API dates ("Fri, 24 May 2019 17:44:46
// +0000"); zero when absent or unreadable.
func parseRFC2822(v *string) time.Time {
	if v == nil || *v == "" {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC1123Z, time.RFC1123, time.RFC3339} {
		if t, err := time.Parse(layout, *v); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
