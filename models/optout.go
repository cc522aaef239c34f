package models

// Opt-outs (API.md "Twilio callbacks"): the numbers that replied STOP to
// one of a client's senders. A client never messages them until they
// reply START; campaigns skip them when recipients are uploaded.

import (
	"context"
	"encoding/base64"
	"errors"
	"regexp"
	"strings"
	"time"

	"gorm.io/gorm/clause"
)

// optedOutChunk bounds the IN list of one OptedOut query (both engines
// limit the bound parameters of a statement).
const optedOutChunk = 5000

// OptOut is a number that asked one client to stop messaging it.
type OptOut struct {
	ClientID  string    `gorm:"primaryKey"`
	Phone     string    `gorm:"primaryKey"`
	CreatedAt time.Time `gorm:"not null"`
}

// OptOutView is the API representation of an opt-out.
type OptOutView struct {
	ClientID  string    `json:"client_id"`
	Phone     string    `json:"phone"`
	CreatedAt time.Time `json:"created_at"`
}

// View returns the API representation.
func (o *OptOut) View() OptOutView {
	return OptOutView{ClientID: o.ClientID, Phone: o.Phone, CreatedAt: o.CreatedAt.UTC()}
}

// e164 is the shape of an E.164 number, valid or not.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// optOutPhone returns phone as an opt-out keeps it: a valid number in
// E.164 (NormalizePhone), or, as Twilio sent it, any number in E.164's
// shape (a new range libphonenumber does not know yet must still be
// able to opt out).
func optOutPhone(phone string) (string, error) {
	n, err := NormalizePhone(phone, "")
	if err == nil {
		return n, nil
	}
	if p := strings.TrimSpace(phone); e164.MatchString(p) {
		return p, nil
	}
	return "", err
}

// AddOptOut records that phone asked the client to stop; adding it again
// changes nothing (its first date stays).
func (s *Store) AddOptOut(ctx context.Context, clientID, phone string) error {
	p, err := optOutPhone(phone)
	if err != nil {
		return err
	}
	err = s.gorm(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&OptOut{ClientID: clientID, Phone: p, CreatedAt: s.Now()}).Error
	if isForeignKeyViolation(err) {
		return NotFound("client")
	}
	return internal("add opt-out", err)
}

// RemoveOptOut lets phone be messaged by the client again (a START reply,
// or a person). A number that was not opted out is a NotFound.
func (s *Store) RemoveOptOut(ctx context.Context, clientID, phone string) error {
	p, err := optOutPhone(phone)
	if err != nil {
		return NotFound("opt-out")
	}
	res := s.gorm(ctx).Where("client_id = ? AND phone = ?", clientID, p).Delete(&OptOut{})
	if res.Error != nil {
		return internal("remove opt-out", res.Error)
	}
	if res.RowsAffected == 0 {
		return NotFound("opt-out")
	}
	return nil
}

// DeleteOptOut is RemoveOptOut for a caller in scope: the client must be
// visible to it.
func (s *Store) DeleteOptOut(ctx context.Context, sc Scope, clientID, phone string) error {
	if _, err := s.GetClient(ctx, sc, clientID); err != nil {
		return err
	}
	return s.RemoveOptOut(ctx, clientID, phone)
}

// OptedOut reports which of phones (E.164, as stored) opted out of the
// client's messages: the map holds only those that did. It reads them
// with one query per 5,000 numbers.
func (s *Store) OptedOut(ctx context.Context, clientID string, phones []string) (map[string]bool, error) {
	out := map[string]bool{}
	for start := 0; start < len(phones); start += optedOutChunk {
		chunk := phones[start:min(start+optedOutChunk, len(phones))]
		var found []string
		err := s.gorm(ctx).Model(&OptOut{}).Where("client_id = ? AND phone IN ?", clientID, chunk).Pluck("phone", &found).Error
		if err != nil {
			return nil, internal("read opt-outs", err)
		}
		for _, p := range found {
			out[p] = true
		}
	}
	return out, nil
}

// OptOutQuery lists one client's opt-outs.
type OptOutQuery struct {
	ClientID string
	PageQuery
}

// OptOutPage is one page of opt-outs; Next is "" on the last page.
type OptOutPage struct {
	OptOuts []*OptOut
	Next    string
}

// ListOptOuts returns a client's opt-outs in the order of their numbers,
// a keyset page at a time.
func (s *Store) ListOptOuts(ctx context.Context, sc Scope, q OptOutQuery) (OptOutPage, error) {
	if _, err := s.GetClient(ctx, sc, q.ClientID); err != nil {
		return OptOutPage{}, err
	}
	limit, err := q.limit()
	if err != nil {
		return OptOutPage{}, err
	}
	tx := s.gorm(ctx).Where("client_id = ?", q.ClientID)
	if q.Cursor != "" {
		after, err := decodePhoneCursor(q.Cursor)
		if err != nil {
			return OptOutPage{}, err
		}
		tx = tx.Where("phone > ?", after)
	}
	var rows []*OptOut
	if err := tx.Order("phone").Limit(limit + 1).Find(&rows).Error; err != nil {
		return OptOutPage{}, internal("list opt-outs", err)
	}
	page := OptOutPage{OptOuts: rows}
	if len(rows) > limit {
		page.OptOuts = rows[:limit]
		page.Next = encodeCursor(rows[limit-1].Phone)
	}
	return page, nil
}

// decodePhoneCursor is decodeCursor for lists in the order of phone
// numbers.
func decodePhoneCursor(c string) (string, error) {
	bad := &Error{Kind: KindBadRequest, Code: "invalid_cursor", Detail: "cursor is not one this API returned",
		Fields: []FieldError{{Field: "cursor", Message: "not a cursor returned by this list"}}}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", bad
	}
	p, ok := strings.CutPrefix(string(raw), cursorVersion)
	if !ok || !e164.MatchString(p) {
		return "", bad
	}
	return p, nil
}

// The replies that opt a number out of a client's messages or back in
// (Twilio's default opt-out and opt-in keywords).
var (
	stopWords  = map[string]bool{"STOP": true, "STOPALL": true, "UNSUBSCRIBE": true, "CANCEL": true, "END": true, "QUIT": true}
	startWords = map[string]bool{"START": true, "UNSTOP": true, "YES": true}
)

// InboundMessage is an SMS a handset sent to one of the senders linkgate
// sends from (Twilio's incoming-message webhook).
type InboundMessage struct {
	MessagingServiceSID string
	From, To, Body      string
	// OptOutType is what Twilio's Advanced Opt-Out made of the message
	// ("STOP", "START", "HELP"; "" without it): it also knows the
	// Messaging Service's own keywords.
	OptOutType string
}

// InboundAction is what an inbound message did.
type InboundAction string

// The inbound actions.
const (
	InboundIgnored  InboundAction = "ignored"   // not a keyword, or From is no phone number
	InboundOptOut   InboundAction = "opt_out"   // From was added to the client's opt-outs
	InboundOptIn    InboundAction = "opt_in"    // From was removed from them
	InboundNoClient InboundAction = "no_client" // no client has the sender
)

// InboundResult says for which client an inbound message was and what it
// did.
type InboundResult struct {
	ClientID string
	Action   InboundAction
}

// InboundReply handles an incoming SMS: a STOP, STOPALL, UNSUBSCRIBE,
// CANCEL, END or QUIT (trimmed, any case) opts From out of the messages of
// the client the message was for (InboundClient); START, UNSTOP or YES
// opts it back in, and so does what Twilio's OptOutType says. Anything else, a message for no known client or from
// something that is not a phone number changes nothing. Handling the same message twice is harmless.
func (s *Store) InboundReply(ctx context.Context, m InboundMessage) (InboundResult, error) {
	word := strings.ToUpper(strings.TrimSpace(m.Body))
	kind := strings.ToUpper(m.OptOutType)
	stop := stopWords[word] || kind == "STOP"
	start := !stop && (startWords[word] || kind == "START")
	from, err := optOutPhone(m.From)
	if (!stop && !start) || err != nil {
		return InboundResult{Action: InboundIgnored}, nil
	}
	clientID, err := s.InboundClient(ctx, m.MessagingServiceSID, m.To)
	if errors.Is(err, ErrNotFound) {
		return InboundResult{Action: InboundNoClient}, nil
	}
	if err != nil {
		return InboundResult{}, err
	}
	res := InboundResult{ClientID: clientID, Action: InboundOptOut}
	if stop {
		return res, s.AddOptOut(ctx, clientID, from)
	}
	res.Action = InboundOptIn
	if err := s.RemoveOptOut(ctx, clientID, from); err != nil && !errors.Is(err, ErrNotFound) {
		return InboundResult{}, err
	}
	return res, nil
}
