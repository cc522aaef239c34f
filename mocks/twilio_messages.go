package mocks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/linkgate/linkgate/providers"
)

// The fake Twilio's Messages API (https://api.twilio.com/2010-04-01/...).
//
// A message moves through Twilio's statuses one step per AdvanceMessages
// call (or per TwilioConfig.DeliveryInterval in sandbox mode):
//
//	with a Messaging Service: accepted → queued → sent → delivered
//	with From alone:          queued → sent → delivered
//
// and each step is posted to its StatusCallback, signed as Twilio signs.
// A recipient whose number ends in 0000 ends undelivered with 30003; a
// message whose body names a blocked domain (BlockDomain) ends undelivered
// with 30007. The sender is chosen, and the segments counted, at queued;
// the price is set at sent.

// TwilioMessagesStateName is the name the fake Twilio saves its Messages
// API state (messages, Messaging Services, blocked domains, opt-outs)
// under.
const TwilioMessagesStateName = "twilio_messages"

// Operations of the Messages API, as counted by (*Twilio).Calls. The sid
// counted is the To number for TwilioOpCreateMessage and
// TwilioOpListMessages, the Message SID for TwilioOpFetchMessage.
const (
	TwilioOpCreateMessage = "CreateMessage" // POST /2010-04-01/Accounts/{AC}/Messages.json
	TwilioOpFetchMessage  = "FetchMessage"  // GET /2010-04-01/Accounts/{AC}/Messages/{SM}.json
	TwilioOpListMessages  = "ListMessages"  // GET /2010-04-01/Accounts/{AC}/Messages.json
)

// TwilioPricePerSegment is the fake's price of one outbound segment, in
// USD, as Twilio writes prices (negative: a charge).
const TwilioPricePerSegment = "-0.00790"

const (
	twilioAPIPrefix  = "/2010-04-01/"
	twilioAPIVersion = "2010-04-01"
	twilioAPIBaseURL = "https://api.twilio.com"
	twilioRFC2822    = "Mon, 02 Jan 2006 15:04:05 -0700"
	twilioPriceUnits = 790 // TwilioPricePerSegment in 1e-5 USD
	twilioMaxBody    = 1600
	twilioPageSize   = 50
)

// Twilio error codes of the Messages API the fake answers with.
const (
	twilioCodeInvalidTo         = 21211 // Invalid 'To' Phone Number
	twilioCodeInvalidFrom       = 21212 // Invalid 'From' Number
	twilioCodeBodyRequired      = 21602 // Message body is required
	twilioCodeFromRequired      = 21603 // A 'From' or 'MessagingServiceSid' parameter is required
	twilioCodeFromNotCapable    = 21606 // The 'From' number is not a valid message-capable number for this destination
	twilioCodeUnsubscribed      = 21610 // Attempt to send to unsubscribed recipient
	twilioCodeBodyTooLong       = 21617 // The concatenated message body exceeds the 1600 character limit
	twilioCodeShortenNoDomain   = 21626 // ShortenUrls without a Link Shortening domain (see providers.CodeShortenNeedsDomain)
	twilioCodeServiceNotFound   = 21701 // The Messaging Service does not exist
	twilioCodeUnreachable       = 30003 // Unreachable destination handset
	twilioCodeFiltered          = 30007 // Message filtered
	twilioCodeInvalidParameter2 = 21201 // invalid parameter of the list (dates)
)

var (
	twilioE164Pattern      = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	twilioShortCodePattern = regexp.MustCompile(`^[0-9]{3,8}$`)
	twilioAlphaPattern     = regexp.MustCompile(`^[0-9A-Za-z _.\-]{2,11}$`)
	twilioURLPattern       = regexp.MustCompile(`https?://[^\s<>"]+`)
	twilioMessagePath      = regexp.MustCompile(`^/2010-04-01/Accounts/([^/]+)/Messages(?:/([^/]+))?\.json$`)
)

// twilioMsgState is saved in parts, so that a send saves a bounded
// amount whatever the number of messages: the header (services, blocked
// domains, opt-outs, the sequence) under TwilioMessagesStateName, and the
// messages in shards of twilioShardSize by sequence number, under
// TwilioMessagesStateName + ".<shard>". Sends is counted again on load.
type twilioMsgState struct {
	Messages map[string]*twilioMessage `json:"-"` // by SID
	// Services: Messaging Services created with CreateMessagingService,
	// MG → sender number.
	Services map[string]*twilioService `json:"services"`
	Blocked  map[string]bool           `json:"blocked_domains,omitempty"` // hosts
	OptOuts  map[string]bool           `json:"opt_outs,omitempty"`        // numbers that replied STOP
	Sends    map[string]int            `json:"-"`                         // messages created, per To
	Seq      int64                     `json:"seq"`
}

type twilioService struct {
	FriendlyName string `json:"friendly_name"`
	Sender       string `json:"sender"`
}

type twilioMessage struct {
	SID            string       `json:"sid"`
	Seq            int64        `json:"seq"`
	Direction      string       `json:"direction"` // outbound-api, inbound
	To             string       `json:"to"`
	From           string       `json:"from,omitempty"`
	Service        string       `json:"service,omitempty"`
	Body           string       `json:"body"`
	Status         string       `json:"status"`
	Segments       int          `json:"segments"`
	Price          string       `json:"price,omitempty"`
	ErrorCode      int          `json:"error_code,omitempty"`
	ErrorMessage   string       `json:"error_message,omitempty"`
	StatusCallback string       `json:"status_callback,omitempty"`
	DomainSID      string       `json:"domain_sid,omitempty"` // the Link Shortening domain of its short links
	Links          []twilioLink `json:"links,omitempty"`
	Created        time.Time    `json:"created"`
	Sent           *time.Time   `json:"sent,omitempty"`
	Updated        time.Time    `json:"updated"`
}

type twilioLink struct {
	Short string `json:"short"`
	Long  string `json:"long"`
}

// TwilioMessage is a message of the fake, as tests see it.
type TwilioMessage struct {
	SID                 string
	Direction           string // "outbound-api" or "inbound"
	To, From            string
	MessagingServiceSID string
	Body                string // as sent: short links in place of the URLs
	Status              string
	Segments            int
	Price               string
	ErrorCode           int
	StatusCallback      string
	// ShortLinks maps each short link put in the body to the URL it
	// replaced.
	ShortLinks map[string]string
}

// twilioShardSize is how many messages (by sequence number) one saved
// shard holds.
const twilioShardSize = 100

func twilioShardName(seq int64) string {
	return TwilioMessagesStateName + "." + strconv.FormatInt((seq-1)/twilioShardSize, 10)
}

func (t *Twilio) initMessages() error {
	t.inURL = t.cfg.InboundURL
	if err := loadState(t.cfg.Persister, TwilioMessagesStateName, &t.msgs); err != nil {
		return err
	}
	m := &t.msgs
	m.Messages = map[string]*twilioMessage{}
	m.Sends = map[string]int{}
	for seq := int64(1); seq <= m.Seq; seq += twilioShardSize {
		shard := map[string]*twilioMessage{}
		if err := loadState(t.cfg.Persister, twilioShardName(seq), &shard); err != nil {
			return err
		}
		for sid, msg := range shard {
			m.Messages[sid] = msg
			if msg.Direction == "outbound-api" {
				m.Sends[msg.To]++
			}
		}
	}
	if m.Services == nil {
		m.Services = map[string]*twilioService{}
	}
	if m.Blocked == nil {
		m.Blocked = map[string]bool{}
	}
	if m.OptOuts == nil {
		m.OptOuts = map[string]bool{}
	}
	if t.cfg.CallbackClient == nil {
		t.cfg.CallbackClient = &http.Client{
			Timeout:       10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if d := t.cfg.DeliveryInterval; d > 0 {
		// Messages a previous run left on the way go on.
		for sid, msg := range m.Messages {
			if msg.Direction == "outbound-api" && !twilioFinal(msg.Status) {
				t.scheduleDelivery(sid, d)
			}
		}
	}
	return nil
}

// mutateMsgs is mutate for the Messages API's state: fn may change the
// header and the messages named by sids (existing or to create), and
// nothing else. The header and those messages' shards are saved; if fn
// fails or saving does, all of it is undone.
func (t *Twilio) mutateMsgs(ctx context.Context, sids []string, fn func(*twilioMsgState) (bool, error)) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := &t.msgs
	header, err := json.Marshal(s)
	if err != nil {
		return err
	}
	before := make(map[string]*twilioMessage, len(sids))
	for _, sid := range sids {
		if m, ok := s.Messages[sid]; ok {
			c := *m
			c.Links = append([]twilioLink(nil), m.Links...)
			before[sid] = &c
		} else {
			before[sid] = nil
		}
	}
	restore := func() {
		var old twilioMsgState
		if json.Unmarshal(header, &old) == nil {
			s.Services, s.Blocked, s.OptOuts, s.Seq = old.Services, old.Blocked, old.OptOuts, old.Seq
		}
		for sid, b := range before {
			if cur, ok := s.Messages[sid]; ok && b == nil {
				if cur.Direction == "outbound-api" {
					s.Sends[cur.To]--
				}
				delete(s.Messages, sid)
			} else if b != nil {
				s.Messages[sid] = b
			}
		}
	}
	changed, err := fn(s)
	if err != nil {
		restore()
		return err
	}
	if !changed {
		return nil
	}
	if err := t.saveMsgs(ctx, sids); err != nil {
		restore()
		return err
	}
	return nil
}

// saveMsgs saves the header and the shards holding sids; t.mu held.
func (t *Twilio) saveMsgs(ctx context.Context, sids []string) error {
	p := t.cfg.Persister
	if p == nil {
		return nil
	}
	if err := saveState(ctx, p, TwilioMessagesStateName, &t.msgs); err != nil {
		return err
	}
	shards := map[string]bool{}
	for _, sid := range sids {
		if m, ok := t.msgs.Messages[sid]; ok {
			shards[twilioShardName(m.Seq)] = true
		}
	}
	for name := range shards {
		shard := map[string]*twilioMessage{}
		for sid, m := range t.msgs.Messages {
			if twilioShardName(m.Seq) == name {
				shard[sid] = m
			}
		}
		if err := saveState(ctx, p, name, shard); err != nil {
			return err
		}
	}
	return nil
}

// CreateMessagingService creates a Messaging Service with one sender
// number in its pool (what the Twilio Console does) and returns its SID.
func (t *Twilio) CreateMessagingService(ctx context.Context, friendlyName string) (string, error) {
	sid := twilioNewSID("MG")
	err := t.mutateMsgs(ctx, nil, func(s *twilioMsgState) (bool, error) {
		s.Services[sid] = &twilioService{FriendlyName: friendlyName, Sender: twilioSenderFor(sid)}
		return true, nil
	})
	if err != nil {
		return "", err
	}
	return sid, nil
}

// twilioSenderFor is the pool number of a Messaging Service: +1555 and
// seven digits drawn from its SID.
func twilioSenderFor(mg string) string {
	n := new(big.Int)
	n.SetString(strings.TrimPrefix(mg, "MG"), 16)
	n.Mod(n, big.NewInt(10_000_000))
	return fmt.Sprintf("+1555%07d", n.Int64())
}

// MessagingServiceNumber returns the number a Messaging Service sends
// from (and receives at: the To of Inbound), "" for a service the fake
// does not know.
func (t *Twilio) MessagingServiceNumber(mg string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, created := t.msgs.Services[mg]
	_, attached := t.state.MessagingServices[mg]
	if !created && !attached {
		return ""
	}
	return t.senderOf(mg)
}

// BlockDomain makes the messages whose body names host (a short link's
// domain or a linked site) end undelivered with 30007, as carriers filter
// a flagged domain.
func (t *Twilio) BlockDomain(ctx context.Context, host string) error {
	host = providers.NormalizeHost(host)
	if host == "" {
		return errors.New("mocks: twilio: a host is required")
	}
	return t.mutateMsgs(ctx, nil, func(s *twilioMsgState) (bool, error) {
		if s.Blocked[host] {
			return false, nil
		}
		s.Blocked[host] = true
		return true, nil
	})
}

// SetInboundURL changes where Inbound posts incoming messages.
func (t *Twilio) SetInboundURL(u string) {
	t.mu.Lock()
	t.inURL = u
	t.mu.Unlock()
}

// Sends returns how many messages were created to the number (E.164).
// The counts are saved with the state.
func (t *Twilio) Sends(to string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.msgs.Sends[to]
}

// AllSends returns Sends for every number sent to.
func (t *Twilio) AllSends() map[string]int {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[string]int, len(t.msgs.Sends))
	for k, v := range t.msgs.Sends {
		out[k] = v
	}
	return out
}

// OptedOut reports whether the number replied STOP (and not START since).
func (t *Twilio) OptedOut(number string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.msgs.OptOuts[number]
}

// Message returns a message of the fake.
func (t *Twilio) Message(sid string) (TwilioMessage, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	m, ok := t.msgs.Messages[sid]
	if !ok {
		return TwilioMessage{}, false
	}
	return m.view(), true
}

// Messages returns the fake's messages, oldest first.
func (t *Twilio) Messages() []TwilioMessage {
	t.mu.Lock()
	defer t.mu.Unlock()
	sorted := t.sortedMessages() // newest first
	out := make([]TwilioMessage, 0, len(sorted))
	for i := len(sorted) - 1; i >= 0; i-- {
		out = append(out, sorted[i].view())
	}
	return out
}

func (m *twilioMessage) view() TwilioMessage {
	v := TwilioMessage{SID: m.SID, Direction: m.Direction, To: m.To, From: m.From, MessagingServiceSID: m.Service,
		Body: m.Body, Status: m.Status, Segments: m.Segments, Price: m.Price, ErrorCode: m.ErrorCode, StatusCallback: m.StatusCallback}
	if len(m.Links) > 0 {
		v.ShortLinks = map[string]string{}
		for _, l := range m.Links {
			v.ShortLinks[l.Short] = l.Long
		}
	}
	return v
}

// sortedMessages returns the messages newest first; t.mu must be held.
func (t *Twilio) sortedMessages() []*twilioMessage {
	out := make([]*twilioMessage, 0, len(t.msgs.Messages))
	for _, m := range t.msgs.Messages {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq > out[j].Seq })
	return out
}

// serveMessages answers the Messages API; path starts at /2010-04-01/.
// Credentials were checked.
func (t *Twilio) serveMessages(w http.ResponseWriter, r *http.Request, path string) {
	m := twilioMessagePath.FindStringSubmatch(path)
	if m == nil {
		twilioWriteNotFound(w, path)
		return
	}
	if m[1] != t.cfg.AccountSID {
		twilioWriteNotFound(w, path)
		return
	}
	method := func(allowed ...string) bool { return twilioAllow(w, r, allowed...) }
	switch {
	case m[2] == "" && method(http.MethodPost, http.MethodGet):
		if r.Method == http.MethodPost {
			t.createMessage(w, r)
		} else {
			t.listMessages(w, r)
		}
	case m[2] != "" && method(http.MethodGet):
		t.fetchMessage(w, path, m[2])
	}
}

// createMessage: POST Messages.json (form-encoded), validated as Twilio
// does.
func (t *Twilio) createMessage(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		twilioWriteError(w, http.StatusBadRequest, twilioCodeInvalidParameter, "Unable to parse the request body")
		return
	}
	f := r.PostForm
	to, from, mg, body := f.Get("To"), f.Get("From"), f.Get("MessagingServiceSid"), f.Get("Body")
	shorten := false
	if v := f.Get("ShortenUrls"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			twilioWriteError(w, http.StatusBadRequest, twilioCodeInvalidParameter, fmt.Sprintf("Invalid parameter ShortenUrls: %q", v))
			return
		}
		shorten = b
	}
	callback := f.Get("StatusCallback")
	t.countLocked(TwilioOpCreateMessage, to)

	refuse := func(code int, msg string) {
		twilioWriteError(w, http.StatusBadRequest, code, msg)
	}
	switch {
	case to == "":
		refuse(21604, "A 'To' phone number is required.")
		return
	case !twilioE164Pattern.MatchString(to) || (strings.HasPrefix(to, "+1") && len(to) != 12):
		refuse(twilioCodeInvalidTo, fmt.Sprintf("Invalid 'To' Phone Number: %s", to))
		return
	case from == "" && mg == "":
		refuse(twilioCodeFromRequired, "A 'From' or 'MessagingServiceSid' parameter is required to send a message")
		return
	case from != "" && !twilioValidSender(from):
		refuse(twilioCodeInvalidFrom, fmt.Sprintf("Invalid From Number (caller ID): %s", from))
		return
	case from != "" && !twilioE164Pattern.MatchString(from) && !twilioShortCodePattern.MatchString(from) && strings.HasPrefix(to, "+1"):
		// Alphanumeric sender IDs cannot send to the US and Canada.
		refuse(twilioCodeFromNotCapable, fmt.Sprintf("Message cannot be sent with the current combination of 'To' (%s) and/or 'From' (%s) parameters", to, from))
		return
	case body == "":
		refuse(twilioCodeBodyRequired, "Message body is required.")
		return
	case utf8.RuneCountInString(body) > twilioMaxBody:
		refuse(twilioCodeBodyTooLong, "The concatenated message body exceeds the 1600 character limit.")
		return
	case callback != "" && !twilioValidURL(callback):
		refuse(twilioCodeInvalidURL, fmt.Sprintf("The StatusCallback URL %s is not a valid URL.", callback))
		return
	}

	var (
		out     map[string]any
		failure func()
	)
	sid := twilioNewSID("SM")
	err := t.mutateMsgs(r.Context(), []string{sid}, func(s *twilioMsgState) (bool, error) {
		var domain *twilioDomain
		if mg != "" {
			_, created := s.Services[mg]
			dn, attached := t.state.MessagingServices[mg]
			if !created && !attached {
				failure = func() {
					twilioWriteError(w, http.StatusBadRequest, twilioCodeServiceNotFound,
						fmt.Sprintf("The Messaging Service %s does not exist.", mg))
				}
				return false, nil
			}
			if attached {
				domain = t.state.Domains[dn]
			}
		}
		if shorten && domain == nil {
			failure = func() {
				refuse(twilioCodeShortenNoDomain, "ShortenUrls is true but the Messaging Service has no Link Shortening domain.")
			}
			return false, nil
		}
		if s.OptOuts[to] {
			failure = func() { refuse(twilioCodeUnsubscribed, "Attempt to send to unsubscribed recipient") }
			return false, nil
		}
		now := t.now()
		msg := &twilioMessage{
			SID: sid, Direction: "outbound-api", To: to, From: from, Service: mg,
			Body: body, Status: "queued", StatusCallback: callback, Created: now, Updated: now,
		}
		if mg != "" {
			msg.Status = "accepted"
		} else {
			msg.Segments = twilioSegments(body)
		}
		if shorten {
			msg.DomainSID = domain.SID
			scheme := "https"
			if domain.Config != nil && domain.Config.DisableHTTPS {
				scheme = "http"
			}
			msg.Body = twilioURLPattern.ReplaceAllStringFunc(body, func(long string) string {
				short := scheme + "://" + domain.Name + "/" + twilioShortCode()
				msg.Links = append(msg.Links, twilioLink{Short: short, Long: long})
				return short
			})
			if utf8.RuneCountInString(msg.Body) > twilioMaxBody {
				failure = func() {
					refuse(twilioCodeBodyTooLong, "The concatenated message body exceeds the 1600 character limit.")
				}
				return false, nil
			}
		}
		s.Seq++
		msg.Seq = s.Seq
		s.Messages[msg.SID] = msg
		s.Sends[to]++
		out = t.messageBody(msg)
		return true, nil
	})
	switch {
	case err != nil:
		twilioWriteSaveError(w)
	case failure != nil:
		failure()
	default:
		twilioWriteJSON(w, http.StatusCreated, out)
		if d := t.cfg.DeliveryInterval; d > 0 {
			t.scheduleDelivery(sid, d)
		}
	}
}

// scheduleDelivery moves the message on one step every d until it is
// final (sandbox mode).
func (t *Twilio) scheduleDelivery(sid string, d time.Duration) {
	time.AfterFunc(d, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		moved, _, _ := t.advance(ctx, sid)
		if moved {
			t.scheduleDelivery(sid, d)
		}
	})
}

func twilioValidSender(s string) bool {
	if twilioE164Pattern.MatchString(s) || twilioShortCodePattern.MatchString(s) {
		return true
	}
	return twilioAlphaPattern.MatchString(s) && strings.ContainsAny(strings.ToLower(s), "abcdefghijklmnopqrstuvwxyz")
}

const twilioShortAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// twilioShortCode returns the path of a short link: 6 to 10 random
// letters and digits.
func twilioShortCode() string {
	var b [11]byte
	_, _ = rand.Read(b[:])
	n := 6 + int(b[0])%5
	out := make([]byte, n)
	for i := range out {
		out[i] = twilioShortAlphabet[int(b[i+1])%len(twilioShortAlphabet)]
	}
	return string(out)
}

// The GSM 03.38 alphabet: the basic set, and the extension set whose
// characters take two septets.
const (
	gsm7Basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsm7Ext   = "\f^{}\\[~]|€"
)

// twilioSegments counts the SMS segments of body: GSM-7 160 septets in
// one segment, 153 per segment when concatenated; otherwise UCS-2, 70
// UTF-16 units in one, 67 per segment.
func twilioSegments(body string) int {
	septets, gsm := 0, true
	for _, r := range body {
		switch {
		case strings.ContainsRune(gsm7Basic, r):
			septets++
		case strings.ContainsRune(gsm7Ext, r):
			septets += 2
		default:
			gsm = false
		}
	}
	if gsm {
		if septets <= 160 {
			return 1
		}
		return (septets + 152) / 153
	}
	units := len(utf16.Encode([]rune(body)))
	if units <= 70 {
		return 1
	}
	return (units + 66) / 67
}

// twilioPrice is the price of n segments, as Twilio writes it.
func twilioPrice(n int) string {
	u := twilioPriceUnits * n
	return fmt.Sprintf("-%d.%05d", u/100000, u%100000)
}

// messageBody is the Message resource; t.mu must be held.
func (t *Twilio) messageBody(m *twilioMessage) map[string]any {
	uri := "/2010-04-01/Accounts/" + t.cfg.AccountSID + "/Messages/" + m.SID
	b := map[string]any{
		"account_sid":           t.cfg.AccountSID,
		"api_version":           twilioAPIVersion,
		"body":                  m.Body,
		"date_created":          m.Created.UTC().Format(twilioRFC2822),
		"date_sent":             nil,
		"date_updated":          m.Updated.UTC().Format(twilioRFC2822),
		"direction":             m.Direction,
		"error_code":            nil,
		"error_message":         nil,
		"from":                  nil,
		"messaging_service_sid": nil,
		"num_media":             "0",
		"num_segments":          strconv.Itoa(m.Segments),
		"price":                 nil,
		"price_unit":            "USD",
		"sid":                   m.SID,
		"status":                m.Status,
		"subresource_uris": map[string]any{
			"media":    uri + "/Media.json",
			"feedback": uri + "/Feedback.json",
		},
		"to":  m.To,
		"uri": uri + ".json",
	}
	if m.Sent != nil {
		b["date_sent"] = m.Sent.UTC().Format(twilioRFC2822)
	}
	if m.ErrorCode != 0 {
		b["error_code"] = m.ErrorCode
		b["error_message"] = m.ErrorMessage
	}
	if m.From != "" {
		b["from"] = m.From
	}
	if m.Service != "" {
		b["messaging_service_sid"] = m.Service
	}
	if m.Price != "" {
		b["price"] = m.Price
	}
	return b
}

// fetchMessage: GET Messages/{Sid}.json.
func (t *Twilio) fetchMessage(w http.ResponseWriter, path, sid string) {
	t.mu.Lock()
	t.count(TwilioOpFetchMessage, sid)
	var body map[string]any
	if m, ok := t.msgs.Messages[sid]; ok {
		body = t.messageBody(m)
	}
	t.mu.Unlock()
	if body == nil {
		twilioWriteNotFound(w, path)
		return
	}
	twilioWriteJSON(w, http.StatusOK, body)
}

// listMessages: GET Messages.json with To, From, DateSent, DateSent<,
// DateSent> (on or after: the "DateSent>=" of Twilio's docs), PageSize
// (1..1000, default 50), Page and PageToken; newest first.
func (t *Twilio) listMessages(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	to, from := q.Get("To"), q.Get("From")
	var on, before, after *time.Time
	for _, p := range []struct {
		name string
		dst  **time.Time
	}{{"DateSent", &on}, {"DateSent<", &before}, {"DateSent>", &after}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		tm, err := twilioParseDate(v)
		if err != nil {
			twilioWriteError(w, http.StatusBadRequest, twilioCodeInvalidParameter2, fmt.Sprintf("Invalid %s: %q", p.name, v))
			return
		}
		*p.dst = &tm
	}
	size, page := twilioPageSize, 0
	if v := q.Get("PageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			twilioWriteError(w, http.StatusBadRequest, twilioCodeInvalidParameter, fmt.Sprintf("Invalid PageSize: %q", v))
			return
		}
		size = n
	}
	if v := q.Get("Page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			twilioWriteError(w, http.StatusBadRequest, twilioCodeInvalidParameter, fmt.Sprintf("Invalid Page: %q", v))
			return
		}
		page = n
	}
	token := q.Get("PageToken")

	t.mu.Lock()
	t.count(TwilioOpListMessages, to)
	var after64 int64 = -1 // the page token: continue after this Seq
	if token != "" {
		if m, ok := t.msgs.Messages["SM"+strings.TrimPrefix(token, "PASM")]; ok && strings.HasPrefix(token, "PASM") {
			after64 = m.Seq
		} else {
			t.mu.Unlock()
			twilioWriteError(w, http.StatusBadRequest, twilioCodeInvalidParameter, "Invalid PageToken")
			return
		}
	}
	var items []map[string]any
	more := false
	var last string
	for _, m := range t.sortedMessages() {
		if after64 >= 0 && m.Seq >= after64 {
			continue
		}
		if (to != "" && m.To != to) || (from != "" && m.From != from) {
			continue
		}
		if on != nil || before != nil || after != nil {
			if m.Sent == nil {
				continue
			}
			sent := m.Sent.UTC()
			day := sent.Truncate(24 * time.Hour)
			switch {
			case on != nil && !day.Equal(on.Truncate(24*time.Hour)):
				continue
			case before != nil && sent.After(*before):
				continue
			case after != nil && sent.Before(*after):
				continue
			}
		}
		if len(items) == size {
			more = true
			break
		}
		items = append(items, t.messageBody(m))
		last = m.SID
	}
	t.mu.Unlock()

	base := "/2010-04-01/Accounts/" + t.cfg.AccountSID + "/Messages.json"
	keep := url.Values{}
	for _, k := range []string{"To", "From", "DateSent", "DateSent<", "DateSent>"} {
		if v := q.Get(k); v != "" {
			keep.Set(k, v)
		}
	}
	pageURI := func(p int, tok string) string {
		v := url.Values{}
		for k, vs := range keep {
			v[k] = vs
		}
		v.Set("PageSize", strconv.Itoa(size))
		v.Set("Page", strconv.Itoa(p))
		if tok != "" {
			v.Set("PageToken", tok)
		}
		return base + "?" + v.Encode()
	}
	if items == nil {
		items = []map[string]any{}
	}
	body := map[string]any{
		"messages":          items,
		"page":              page,
		"page_size":         size,
		"start":             page * size,
		"end":               page*size + len(items) - 1,
		"uri":               pageURI(page, token),
		"first_page_uri":    pageURI(0, ""),
		"next_page_uri":     nil,
		"previous_page_uri": nil,
	}
	if len(items) == 0 {
		body["end"] = page * size
	}
	if more {
		body["next_page_uri"] = pageURI(page+1, "PA"+last)
	}
	if page > 0 {
		body["previous_page_uri"] = pageURI(page-1, "")
	}
	twilioWriteJSON(w, http.StatusOK, body)
}

func twilioParseDate(v string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if tm, err := time.Parse(layout, v); err == nil {
			return tm.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not a date: %q", v)
}

// twilioCallback is one signed POST the fake owes linkgate.
type twilioCallback struct {
	url  string
	form url.Values // form-encoded, or
	json []byte     // a JSON body (signed with bodySHA256)
}

// AdvanceMessages moves every outbound message that is not final one
// status on (accepted → queued → sent → delivered, or undelivered) and
// posts each change to the message's StatusCallback. It returns how many
// messages moved; the error joins the callbacks that failed (the
// messages moved anyway, as Twilio's do).
func (t *Twilio) AdvanceMessages(ctx context.Context) (int, error) {
	t.mu.Lock()
	var sids []string
	sorted := t.sortedMessages()
	for i := len(sorted) - 1; i >= 0; i-- { // oldest first, as Twilio's queue
		if m := sorted[i]; m.Direction == "outbound-api" && !twilioFinal(m.Status) {
			sids = append(sids, m.SID)
		}
	}
	t.mu.Unlock()
	moved := 0
	var errs []error
	for _, sid := range sids {
		ok, _, err := t.advance(ctx, sid)
		if ok {
			moved++
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return moved, errors.Join(errs...)
}

// FlushMessages calls AdvanceMessages until every outbound message is
// final, and returns the status changes made.
func (t *Twilio) FlushMessages(ctx context.Context) (int, error) {
	total := 0
	var errs []error
	for {
		n, err := t.AdvanceMessages(ctx)
		if err != nil {
			errs = append(errs, err)
		}
		if n == 0 || ctx.Err() != nil {
			return total, errors.Join(errs...)
		}
		total += n
	}
}

func twilioFinal(status string) bool {
	switch status {
	case "delivered", "undelivered", "failed", "canceled", "received":
		return true
	}
	return false
}

// advance moves one message on one status and posts its callback. It
// reports whether the message moved and its new status.
func (t *Twilio) advance(ctx context.Context, sid string) (bool, string, error) {
	var cb *twilioCallback
	var status string
	err := t.mutateMsgs(ctx, []string{sid}, func(s *twilioMsgState) (bool, error) {
		m, ok := s.Messages[sid]
		if !ok || m.Direction != "outbound-api" || twilioFinal(m.Status) {
			return false, nil
		}
		now := t.now()
		switch m.Status {
		case "accepted":
			m.Status = "queued"
			if m.From == "" {
				m.From = t.senderOf(m.Service)
			}
			m.Segments = twilioSegments(m.Body)
		case "queued", "sending":
			m.Status = "sent"
			m.Sent = &now
			m.Price = twilioPrice(m.Segments)
		case "sent":
			switch {
			case strings.HasSuffix(m.To, "0000"):
				m.Status, m.ErrorCode, m.ErrorMessage = "undelivered", twilioCodeUnreachable, "Unreachable destination handset"
			case t.blockedIn(s, m):
				m.Status, m.ErrorCode, m.ErrorMessage = "undelivered", twilioCodeFiltered, "Message filtered"
			default:
				m.Status = "delivered"
			}
		}
		m.Updated = now
		status = m.Status
		if m.StatusCallback != "" {
			cb = &twilioCallback{url: m.StatusCallback, form: t.statusForm(m)}
		}
		return true, nil
	})
	if err != nil || status == "" {
		return false, status, err
	}
	if cb != nil {
		if err := t.post(ctx, cb); err != nil {
			return true, status, fmt.Errorf("mocks: twilio: status callback of %s (%s): %w", sid, status, err)
		}
	}
	return true, status, nil
}

// senderOf is the number a Messaging Service sends from; t.mu held.
func (t *Twilio) senderOf(mg string) string {
	if s, ok := t.msgs.Services[mg]; ok && s.Sender != "" {
		return s.Sender
	}
	return twilioSenderFor(mg)
}

// blockedIn reports whether the message's body, or one of the URLs its
// short links replaced, names a blocked host; t.mu held.
func (t *Twilio) blockedIn(s *twilioMsgState, m *twilioMessage) bool {
	if len(s.Blocked) == 0 {
		return false
	}
	urls := twilioURLPattern.FindAllString(m.Body, -1)
	for _, l := range m.Links {
		urls = append(urls, l.Long)
	}
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil {
			continue
		}
		host := providers.NormalizeHost(u.Hostname())
		for blocked := range s.Blocked {
			if host == blocked || strings.HasSuffix(host, "."+blocked) {
				return true
			}
		}
	}
	return false
}

// statusForm is the form Twilio posts to a StatusCallback.
func (t *Twilio) statusForm(m *twilioMessage) url.Values {
	f := url.Values{}
	f.Set("AccountSid", t.cfg.AccountSID)
	f.Set("ApiVersion", twilioAPIVersion)
	f.Set("From", m.From)
	f.Set("MessageSid", m.SID)
	f.Set("MessageStatus", m.Status)
	f.Set("SmsSid", m.SID)
	f.Set("SmsStatus", m.Status)
	f.Set("To", m.To)
	if m.Service != "" {
		f.Set("MessagingServiceSid", m.Service)
	}
	if m.ErrorCode != 0 {
		f.Set("ErrorCode", strconv.Itoa(m.ErrorCode))
	}
	if m.Status == "delivered" || m.Status == "undelivered" {
		f.Set("RawDlrDoneDate", m.Updated.UTC().Format("0601021504"))
	}
	return f
}

// post sends a callback signed as Twilio signs: X-Twilio-Signature =
// base64(HMAC-SHA1(auth token, URL + each form key and value, keys
// sorted)); a JSON body gets a bodySHA256 query parameter (hex SHA-256 of
// the body) and the URL with it is signed with no parameters.
func (t *Twilio) post(ctx context.Context, cb *twilioCallback) error {
	target := cb.url
	var body []byte
	ctype := "application/x-www-form-urlencoded"
	params := map[string]string{}
	if cb.json != nil {
		sum := sha256.Sum256(cb.json)
		sep := "?"
		if strings.Contains(target, "?") {
			sep = "&"
		}
		target += sep + "bodySHA256=" + hex.EncodeToString(sum[:])
		body, ctype = cb.json, "application/json"
	} else {
		body = []byte(cb.form.Encode())
		for k, v := range cb.form {
			params[k] = v[0]
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	req.Header.Set("X-Twilio-Signature", TwilioSignature(t.cfg.AuthToken, target, params))
	resp, err := t.cfg.CallbackClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		return fmt.Errorf("%s answered %d", cb.url, resp.StatusCode)
	}
	return nil
}

// TwilioSignature is the X-Twilio-Signature of a request to fullURL with
// the POST parameters params: base64(HMAC-SHA1(authToken, fullURL +
// key1 + value1 + key2 + value2..., keys sorted)).
func TwilioSignature(authToken, fullURL string, params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(fullURL)
	for _, k := range keys {
		b.WriteString(k)
		b.WriteString(params[k])
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Click event types of Link Shortening.
const (
	TwilioClickEvent   = "click"   // a person opened the short link
	TwilioPreviewEvent = "preview" // a device or app fetched it for a preview
)

// ErrNoClickCallback: the message's domain has no click callback URL
// configured (Config CallbackUrl), so Twilio reports no clicks.
var ErrNoClickCallback = errors.New("mocks: twilio: the domain has no click callback URL")

// Click is a recipient opening the message's first short link: the fake
// posts Link Shortening's click event (JSON: event_type, sms_sid, to,
// from, link, click_time, messaging_service_sid, account_sid, user_agent)
// to the domain config's CallbackUrl, signed with bodySHA256. eventType is
// "click" or "preview".
func (t *Twilio) Click(ctx context.Context, messageSID, userAgent, eventType string) error {
	if eventType != TwilioClickEvent && eventType != TwilioPreviewEvent {
		return fmt.Errorf("mocks: twilio: event type %q: want click or preview", eventType)
	}
	t.mu.Lock()
	m, ok := t.msgs.Messages[messageSID]
	var cb *twilioCallback
	var err error
	switch {
	case !ok:
		err = fmt.Errorf("mocks: twilio: no message %s", messageSID)
	case len(m.Links) == 0:
		err = fmt.Errorf("mocks: twilio: message %s has no short link", messageSID)
	default:
		d := t.state.Domains[m.DomainSID]
		if d == nil || d.Config == nil || d.Config.CallbackURL == "" {
			err = ErrNoClickCallback
			break
		}
		ev := map[string]any{
			"event_type":            eventType,
			"sms_sid":               m.SID,
			"to":                    m.To,
			"from":                  m.From,
			"link":                  m.Links[0].Long,
			"click_time":            t.cfg.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
			"messaging_service_sid": m.Service,
			"account_sid":           t.cfg.AccountSID,
			"user_agent":            userAgent,
		}
		b, _ := json.Marshal(ev)
		cb = &twilioCallback{url: d.Config.CallbackURL, json: b}
	}
	t.mu.Unlock()
	if err != nil {
		return err
	}
	return t.post(ctx, cb)
}

// Opt-out keywords Twilio handles itself (Advanced Opt-Out defaults).
var (
	twilioStopWords  = map[string]bool{"STOP": true, "STOPALL": true, "UNSUBSCRIBE": true, "CANCEL": true, "END": true, "QUIT": true}
	twilioStartWords = map[string]bool{"START": true, "YES": true, "UNSTOP": true}
)

// ErrNoInboundURL: no inbound URL is configured (TwilioConfig.InboundURL,
// SetInboundURL).
var ErrNoInboundURL = errors.New("mocks: twilio: no inbound URL configured")

// Inbound is an SMS from a handset (from) to one of the account's numbers
// (to): the fake stores it, handles STOP/START as Twilio does (a STOP
// makes later messages to from fail with 21610), and posts Twilio's
// incoming-message form (MessageSid, SmsSid, SmsMessageSid, AccountSid,
// MessagingServiceSid, From, To, Body, NumMedia, NumSegments, SmsStatus,
// ApiVersion, OptOutType for keywords) signed, to the inbound URL. It
// returns the message's SID.
func (t *Twilio) Inbound(ctx context.Context, from, to, body string) (string, error) {
	if !twilioE164Pattern.MatchString(from) {
		return "", fmt.Errorf("mocks: twilio: from %q is not in E.164", from)
	}
	if !twilioValidSender(to) {
		return "", fmt.Errorf("mocks: twilio: to %q is not a number of the account", to)
	}
	t.mu.Lock()
	target := t.inURL
	t.mu.Unlock()
	if target == "" {
		return "", ErrNoInboundURL
	}
	word := strings.ToUpper(strings.TrimSpace(body))
	var form url.Values
	sid := twilioNewSID("SM")
	err := t.mutateMsgs(ctx, []string{sid}, func(s *twilioMsgState) (bool, error) {
		mg := ""
		for id, svc := range s.Services {
			if svc.Sender == to {
				mg = id
			}
		}
		for id := range t.state.MessagingServices {
			if mg == "" && twilioSenderFor(id) == to {
				mg = id
			}
		}
		now := t.now()
		s.Seq++
		s.Messages[sid] = &twilioMessage{SID: sid, Seq: s.Seq, Direction: "inbound", To: to, From: from, Service: mg,
			Body: body, Status: "received", Segments: twilioSegments(body), Created: now, Sent: &now, Updated: now}
		switch {
		case twilioStopWords[word]:
			s.OptOuts[from] = true
		case twilioStartWords[word]:
			delete(s.OptOuts, from)
		}
		form = url.Values{}
		for k, v := range map[string]string{
			"AccountSid": t.cfg.AccountSID, "ApiVersion": twilioAPIVersion, "Body": body, "From": from, "To": to,
			"MessageSid": sid, "SmsMessageSid": sid, "SmsSid": sid, "SmsStatus": "received",
			"NumMedia": "0", "NumSegments": strconv.Itoa(twilioSegments(body)),
		} {
			form.Set(k, v)
		}
		if mg != "" {
			form.Set("MessagingServiceSid", mg)
		}
		switch {
		case twilioStopWords[word]:
			form.Set("OptOutType", "STOP")
		case twilioStartWords[word]:
			form.Set("OptOutType", "START")
		case word == "HELP" || word == "INFO":
			form.Set("OptOutType", "HELP")
		}
		return true, nil
	})
	if err != nil {
		return "", err
	}
	return sid, t.post(ctx, &twilioCallback{url: target, form: form})
}
