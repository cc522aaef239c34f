package models

// Originators (API.md "Originators"): who a client's SMS is from. A
// client names each of its senders once (client, type, value); deleting
// the client deletes them (ON DELETE CASCADE).

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"
)

// OriginatorType is the kind of sender an originator is.
type OriginatorType string

// The originator types.
const (
	// OriginatorMobile is a phone number, stored in E.164.
	OriginatorMobile OriginatorType = "mobile"
	// OriginatorShortCode is 3 to 8 digits.
	OriginatorShortCode OriginatorType = "short_code"
	// OriginatorAlpha is an alphanumeric sender id: 2 to 11 characters of
	// 0-9 a-z A-Z - _ . and space, with at least one letter.
	OriginatorAlpha OriginatorType = "alpha"
)

// OriginatorTypes lists every type, in the API's order.
var OriginatorTypes = []OriginatorType{OriginatorMobile, OriginatorShortCode, OriginatorAlpha}

// Valid reports whether t is one of OriginatorTypes.
func (t OriginatorType) Valid() bool {
	for _, v := range OriginatorTypes {
		if t == v {
			return true
		}
	}
	return false
}

// Originator is one of a client's senders.
type Originator struct {
	ID        string         `gorm:"primaryKey"`
	ClientID  string         `gorm:"not null"`
	Type      OriginatorType `gorm:"not null"`
	Value     string         `gorm:"not null"`
	CreatedAt time.Time      `gorm:"not null"`
}

// OriginatorView is the API representation of an originator.
type OriginatorView struct {
	ID        string         `json:"id"`
	ClientID  string         `json:"client_id"`
	Type      OriginatorType `json:"type"`
	Value     string         `json:"value"`
	CreatedAt time.Time      `json:"created_at"`
}

// View returns the API representation.
func (o *Originator) View() OriginatorView {
	return OriginatorView{ID: o.ID, ClientID: o.ClientID, Type: o.Type, Value: o.Value, CreatedAt: o.CreatedAt.UTC()}
}

// OriginatorInput creates an originator.
type OriginatorInput struct {
	Type  OriginatorType
	Value string
}

// NormalizeOriginator checks value against the rules of typ and returns it
// as stored: a mobile number in E.164 (written with or without its "+":
// without, it is read as international), a short code or an alpha sender
// id as given, less surrounding spaces. An unknown type is an Error
// naming "type", a bad value one naming "value".
func NormalizeOriginator(typ OriginatorType, value string) (string, error) {
	const code = "invalid_originator"
	switch typ {
	case OriginatorMobile:
		n, err := NormalizePhone(value, "")
		if err != nil {
			return "", Invalid(code, "value", "must be a valid mobile number in E.164, such as +447123123123")
		}
		return n, nil
	case OriginatorShortCode:
		v := strings.TrimSpace(value)
		if len(v) < 3 || len(v) > 8 || strings.Trim(v, "0123456789") != "" {
			return "", Invalid(code, "value", "a short code must be 3 to 8 digits")
		}
		return v, nil
	case OriginatorAlpha:
		v := strings.TrimSpace(value)
		letters := 0
		for _, r := range v {
			switch {
			case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
				letters++
			case r >= '0' && r <= '9', r == '-', r == '_', r == '.', r == ' ':
			default:
				return "", Invalid(code, "value", "an alphanumeric sender id may only have 0-9 a-z A-Z - _ . and space")
			}
		}
		if len(v) < 2 || len(v) > 11 || letters == 0 {
			return "", Invalid(code, "value", "an alphanumeric sender id must be 2 to 11 characters with at least one letter")
		}
		return v, nil
	}
	return "", Invalid(code, "type", "must be one of mobile, short_code, alpha")
}

// CreateOriginator validates and stores a sender of the client; the same
// type and value twice for one client is a conflict ("duplicate", naming
// "value").
func (s *Store) CreateOriginator(ctx context.Context, sc Scope, clientID string, in OriginatorInput) (*Originator, error) {
	if _, err := s.GetClient(ctx, sc, clientID); err != nil {
		return nil, err
	}
	v, err := NormalizeOriginator(in.Type, in.Value)
	if err != nil {
		return nil, err
	}
	o := &Originator{ID: NewID(PrefixOrig), ClientID: clientID, Type: in.Type, Value: v, CreatedAt: s.Now()}
	err = s.gorm(ctx).Create(o).Error
	switch {
	case isUniqueViolation(err):
		return nil, Conflict("duplicate", "value", "the client already has this originator")
	case isForeignKeyViolation(err):
		return nil, NotFound("client")
	case err != nil:
		return nil, internal("create originator", err)
	}
	return o, nil
}

// GetOriginator returns one originator visible in scope.
func (s *Store) GetOriginator(ctx context.Context, sc Scope, id string) (*Originator, error) {
	var o Originator
	q := s.gorm(ctx).Where("id = ?", id)
	if !sc.Admin() {
		q = q.Where("client_id = ?", sc.ClientID)
	}
	err := q.Take(&o).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, NotFound("originator")
	}
	if err != nil {
		return nil, internal("get originator", err)
	}
	return &o, nil
}

// OriginatorQuery lists one client's originators.
type OriginatorQuery struct {
	ClientID string
	PageQuery
}

// OriginatorPage is one page of originators; Next is "" on the last page.
type OriginatorPage struct {
	Originators []*Originator
	Next        string
}

// ListOriginators returns a client's originators newest first, a keyset
// page at a time.
func (s *Store) ListOriginators(ctx context.Context, sc Scope, q OriginatorQuery) (OriginatorPage, error) {
	if _, err := s.GetClient(ctx, sc, q.ClientID); err != nil {
		return OriginatorPage{}, err
	}
	limit, err := q.limit()
	if err != nil {
		return OriginatorPage{}, err
	}
	tx := s.gorm(ctx).Where("client_id = ?", q.ClientID)
	if q.Cursor != "" {
		after, err := decodeCursor(PrefixOrig, q.Cursor)
		if err != nil {
			return OriginatorPage{}, err
		}
		tx = tx.Where("id < ?", after)
	}
	var rows []*Originator
	if err := tx.Order("id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return OriginatorPage{}, internal("list originators", err)
	}
	page := OriginatorPage{Originators: rows}
	if len(rows) > limit {
		page.Originators = rows[:limit]
		page.Next = encodeCursor(rows[limit-1].ID)
	}
	return page, nil
}

// DeleteOriginator removes one originator visible in scope.
func (s *Store) DeleteOriginator(ctx context.Context, sc Scope, id string) error {
	q := s.gorm(ctx).Where("id = ?", id)
	if !sc.Admin() {
		q = q.Where("client_id = ?", sc.ClientID)
	}
	res := q.Delete(&Originator{})
	if res.Error != nil {
		return internal("delete originator", res.Error)
	}
	if res.RowsAffected == 0 {
		return NotFound("originator")
	}
	return nil
}

// ErrAmbiguousSender is the not-found InboundClient answers when several
// clients have an originator with the same value and no Messaging
// Service says which of them a message was for.
var ErrAmbiguousSender = &Error{Kind: KindNotFound, Code: "ambiguous_sender", Detail: "several clients have this originator"}

// InboundClient returns the id of the client an inbound message is for:
// the client of the domain its Messaging Service is attached to, or else
// the one client with an originator whose value is to. No such client is
// a NotFound (ErrAmbiguousSender when several clients have to).
func (s *Store) InboundClient(ctx context.Context, messagingServiceSID, to string) (string, error) {
	if messagingServiceSID != "" {
		d, err := s.MessagingServiceOwner(ctx, messagingServiceSID)
		if err == nil {
			return d.ClientID, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return "", err
		}
	}
	if to == "" {
		return "", NotFound("sender")
	}
	var ids []string
	if err := s.gorm(ctx).Model(&Originator{}).Where("value = ?", to).Distinct("client_id").Limit(2).Pluck("client_id", &ids).Error; err != nil {
		return "", internal("find originator", err)
	}
	switch len(ids) {
	case 0:
		return "", NotFound("sender")
	case 1:
		return ids[0], nil
	}
	return "", ErrAmbiguousSender
}
