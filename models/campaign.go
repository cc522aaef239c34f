package models

// Campaigns (API.md "Campaigns", DESIGN §10): a client's bulk SMS send.
// This file holds the rows, the view, validation and create/get/update/
// list; campaign_transition.go moves the status, campaign_recipients.go
// stores recipients and campaign_submit.go runs the content checks.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// ID prefixes of campaigns and their parts.
const (
	PrefixCampaign        = "cmp_"
	PrefixCampaignVariant = "var_"
	PrefixMessage         = "msg_"
)

// Campaign limits.
const (
	MaxCampaignNameLength = 200
	MaxCampaignTags       = 20
	MaxCampaignTagLength  = 50
	MaxCampaignVariants   = 10
	MaxVariantBodyLength  = 1600
	MaxCampaignDomainIDs  = 1000
)

// messagingServiceSIDPattern is a Twilio Messaging Service SID.
var messagingServiceSIDPattern = regexp.MustCompile(`^MG[0-9a-fA-F]{32}$`)

// Campaign is a campaign row. Tags and DomainIDs are JSON arrays of
// strings; DomainIDs keeps the order the client gave.
type Campaign struct {
	ID                  string         `gorm:"primaryKey"`
	ClientID            string         `gorm:"not null"`
	Name                string         `gorm:"not null"`
	Tags                string         `gorm:"not null"`
	Status              CampaignStatus `gorm:"not null"`
	StatusReason        string         `gorm:"not null"`
	MessagingServiceSID string         `gorm:"column:messaging_service_sid;not null"`
	OriginatorID        *string
	PoolID              *string
	DomainIDs           string `gorm:"not null"`
	ActiveDomainID      *string
	LinkShortening      bool     `gorm:"not null"`
	Tracking            Tracking `gorm:"not null"`
	ScheduledAt         *time.Time
	RecipientCount      int64     `gorm:"not null"`
	CreatedAt           time.Time `gorm:"not null"`
	UpdatedAt           time.Time `gorm:"not null"`
	StartedAt           *time.Time
	FinishedAt          *time.Time
	Version             int64 `gorm:"not null"`

	// Variants is read from campaign_variants, in position order.
	Variants []CampaignVariant `gorm:"-"`
}

// CampaignVariant is one message body of a campaign and the share of
// recipients (percent) that get it.
type CampaignVariant struct {
	ID         string `gorm:"primaryKey"`
	CampaignID string `gorm:"not null"`
	Body       string `gorm:"not null"`
	Ratio      int    `gorm:"not null"`
	Position   int    `gorm:"not null"`
}

// CampaignEvent is one entry of a campaign's timeline.
type CampaignEvent struct {
	ID         string         `gorm:"primaryKey"`
	CampaignID string         `gorm:"not null"`
	From       CampaignStatus `gorm:"column:from_status;not null"`
	To         CampaignStatus `gorm:"column:to_status;not null"`
	Reason     string         `gorm:"not null"`
	Actor      string         `gorm:"not null"`
	At         time.Time      `gorm:"not null"`
}

// CampaignVariantView is a variant as the API shows it, with its encoding
// and segment count.
type CampaignVariantView struct {
	ID       string `json:"id"`
	Body     string `json:"body"`
	Ratio    int    `json:"ratio"`
	Segments int    `json:"segments"`
	Encoding string `json:"encoding"`
}

// CampaignDomainsView is a campaign's domains: a pool and/or a list.
type CampaignDomainsView struct {
	PoolID    *string  `json:"pool_id"`
	DomainIDs []string `json:"domain_ids"`
}

// CampaignView is the API representation of a campaign.
type CampaignView struct {
	ID                  string                `json:"id"`
	ClientID            string                `json:"client_id"`
	Name                string                `json:"name"`
	Tags                []string              `json:"tags"`
	Status              CampaignStatus        `json:"status"`
	StatusReason        string                `json:"status_reason"`
	MessagingServiceSID string                `json:"messaging_service_sid"`
	OriginatorID        *string               `json:"originator_id"`
	Variants            []CampaignVariantView `json:"variants"`
	Domains             CampaignDomainsView   `json:"domains"`
	ActiveDomainID      *string               `json:"active_domain_id"`
	LinkShortening      bool                  `json:"link_shortening"`
	Tracking            Tracking              `json:"tracking"`
	ScheduledAt         *time.Time            `json:"scheduled_at"`
	RecipientCount      int64                 `json:"recipient_count"`
	CreatedAt           time.Time             `json:"created_at"`
	UpdatedAt           time.Time             `json:"updated_at"`
	StartedAt           *time.Time            `json:"started_at"`
	FinishedAt          *time.Time            `json:"finished_at"`
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// TagList returns the campaign's tags.
func (c *Campaign) TagList() []string { return decodeStrings(c.Tags) }

// DomainIDList returns the campaign's own list of domains, in order.
func (c *Campaign) DomainIDList() []string { return decodeStrings(c.DomainIDs) }

// View returns the API representation.
func (c *Campaign) View() CampaignView {
	v := CampaignView{ID: c.ID, ClientID: c.ClientID, Name: c.Name, Tags: c.TagList(), Status: c.Status,
		StatusReason: c.StatusReason, MessagingServiceSID: c.MessagingServiceSID, OriginatorID: c.OriginatorID,
		Variants:       make([]CampaignVariantView, len(c.Variants)),
		Domains:        CampaignDomainsView{PoolID: c.PoolID, DomainIDs: c.DomainIDList()},
		ActiveDomainID: c.ActiveDomainID, LinkShortening: c.LinkShortening, Tracking: c.Tracking,
		ScheduledAt: utcPtr(c.ScheduledAt), RecipientCount: c.RecipientCount,
		CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC(),
		StartedAt: utcPtr(c.StartedAt), FinishedAt: utcPtr(c.FinishedAt)}
	for i, va := range c.Variants {
		enc, seg := SMSSegments(va.Body)
		v.Variants[i] = CampaignVariantView{ID: va.ID, Body: va.Body, Ratio: va.Ratio, Segments: seg, Encoding: enc}
	}
	return v
}

// encodeJSON encodes v without HTML escaping, so that what is stored and
// what a filter looks for are spelled alike.
func encodeJSON(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // strings and maps of strings always encode
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func decodeStrings(s string) []string {
	out := []string{}
	_ = json.Unmarshal([]byte(s), &out)
	if out == nil {
		out = []string{}
	}
	return out
}

// VariantInput is one variant of a create or update. ID names an existing
// variant in an update of a running campaign (only its ratio may change);
// Ratio may be left out when there is one variant (it is then 100).
type VariantInput struct {
	ID    string
	Body  *string
	Ratio *int
}

// CampaignDomainsInput is the campaign's domains: a pool of the client
// and/or the client's domains in order.
type CampaignDomainsInput struct {
	PoolID    *string
	DomainIDs []string
}

// CampaignInput creates a campaign; nil fields take their defaults
// (link_shortening true, tracking off).
type CampaignInput struct {
	Name                string
	Tags                []string
	MessagingServiceSID string
	OriginatorID        *string
	Variants            []VariantInput
	Domains             *CampaignDomainsInput
	LinkShortening      *bool
	Tracking            *Tracking
	ScheduledAt         *time.Time
}

// CampaignPatch changes a campaign; nil (or unset) fields stay as they
// are. Variants is the whole new list.
type CampaignPatch struct {
	Name                *string
	Tags                *[]string
	MessagingServiceSID *string
	OriginatorID        Optional[string]
	Variants            *[]VariantInput
	Domains             *CampaignDomainsInput
	LinkShortening      *bool
	Tracking            *Tracking
	ScheduledAt         Optional[time.Time]
}

func validateCampaignName(name string, fields *[]FieldError) string {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		*fields = append(*fields, FieldError{"name", "is required"})
	case utf8.RuneCountInString(name) > MaxCampaignNameLength:
		*fields = append(*fields, FieldError{"name", fmt.Sprintf("must be at most %d characters", MaxCampaignNameLength)})
	}
	return name
}

func validateTags(tags []string, fields *[]FieldError) []string {
	if len(tags) > MaxCampaignTags {
		*fields = append(*fields, FieldError{"tags", fmt.Sprintf("must have at most %d tags", MaxCampaignTags)})
		return nil
	}
	out := make([]string, 0, len(tags))
	seen := map[string]bool{}
	for i, t := range tags {
		t = strings.TrimSpace(t)
		switch {
		case t == "":
			*fields = append(*fields, FieldError{fmt.Sprintf("tags[%d]", i), "must not be empty"})
		case utf8.RuneCountInString(t) > MaxCampaignTagLength:
			*fields = append(*fields, FieldError{fmt.Sprintf("tags[%d]", i), fmt.Sprintf("must be at most %d characters", MaxCampaignTagLength)})
		case !seen[t]:
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

func validateMessagingServiceSID(sid string, fields *[]FieldError) {
	if sid != "" && !messagingServiceSIDPattern.MatchString(sid) {
		*fields = append(*fields, FieldError{"messaging_service_sid", "must be a Messaging Service SID: MG followed by 32 hexadecimal digits"})
	}
}

// validateVariants checks new variants: each has a body, and the ratios
// are integers from 0 to 100 summing to 100 (a lone variant without a
// ratio gets 100). Every problem names "variants".
func validateVariants(in []VariantInput, fields *[]FieldError) []CampaignVariant {
	bad := func(msg string) { *fields = append(*fields, FieldError{"variants", msg}) }
	if len(in) > MaxCampaignVariants {
		bad(fmt.Sprintf("must have at most %d variants", MaxCampaignVariants))
		return nil
	}
	out := make([]CampaignVariant, len(in))
	sum := 0
	for i, v := range in {
		if v.Body == nil || strings.TrimSpace(*v.Body) == "" {
			bad(fmt.Sprintf("variant %d has no body", i+1))
			return nil
		}
		if utf8.RuneCountInString(*v.Body) > MaxVariantBodyLength {
			bad(fmt.Sprintf("variant %d's body is longer than %d characters", i+1, MaxVariantBodyLength))
			return nil
		}
		ratio := 100
		if v.Ratio != nil {
			ratio = *v.Ratio
		} else if len(in) > 1 {
			bad(fmt.Sprintf("variant %d has no ratio", i+1))
			return nil
		}
		if ratio < 0 || ratio > 100 {
			bad(fmt.Sprintf("variant %d's ratio must be between 0 and 100", i+1))
			return nil
		}
		sum += ratio
		out[i] = CampaignVariant{Body: *v.Body, Ratio: ratio, Position: i}
	}
	if len(in) > 0 && sum != 100 {
		bad(fmt.Sprintf("the ratios must add up to 100, not %d", sum))
		return nil
	}
	return out
}

func (s *Store) validateScheduledAt(at *time.Time, fields *[]FieldError) *time.Time {
	if at == nil {
		return nil
	}
	if at.Before(s.Now()) {
		*fields = append(*fields, FieldError{"scheduled_at", "must not be in the past"})
		return nil
	}
	u := at.UTC().Truncate(time.Microsecond)
	return &u
}

// checkCampaignDomainsTx checks that the pool and the domains are the
// client's own, naming domains.pool_id or domains.domain_ids.
func checkCampaignDomainsTx(tx *gorm.DB, clientID string, in *CampaignDomainsInput) error {
	if in == nil {
		return nil
	}
	if in.PoolID != nil {
		var n int64
		if err := tx.Model(&Pool{}).Where("id = ? AND client_id = ?", *in.PoolID, clientID).Count(&n).Error; err != nil {
			return internal("check campaign pool", err)
		}
		if n == 0 {
			return Invalid("unknown_pool", "domains.pool_id", "not a pool of the campaign's client")
		}
	}
	if err := clientDomainsTx(tx, clientID, "domains.domain_ids", in.DomainIDs); err != nil {
		var e *Error
		if errors.As(err, &e) && e.Kind == KindInvalid {
			return Invalid("unknown_domain", "domains.domain_ids", "not domains of the campaign's client: "+
				strings.TrimPrefix(e.Detail, "not domains of the pool's client: "))
		}
		return err
	}
	return nil
}

// checkOriginatorTx checks that the originator (when one is named) is
// the campaign's client's own, naming originator_id.
func checkOriginatorTx(tx *gorm.DB, clientID string, id *string) error {
	if id == nil {
		return nil
	}
	var n int64
	if err := tx.Model(&Originator{}).Where("id = ? AND client_id = ?", *id, clientID).Count(&n).Error; err != nil {
		return internal("check campaign originator", err)
	}
	if n == 0 {
		return Invalid("unknown_originator", "originator_id", "not an originator of the campaign's client")
	}
	return nil
}

func validateTracking(t *Tracking, fields *[]FieldError) {
	if t != nil && !t.Valid() {
		*fields = append(*fields, FieldError{"tracking", "must be off, all or marked"})
	}
}

// checkShorteningTracking refuses Twilio's link shortening and linkgate's
// tracking together: both would shorten the same links.
func checkShorteningTracking(linkShortening bool, t Tracking, fields *[]FieldError) {
	if linkShortening && t != TrackingOff && t.Valid() {
		*fields = append(*fields, FieldError{"tracking", "linkgate's tracking and Twilio's link_shortening cannot be on together: set link_shortening to false"})
	}
}

func checkDomainsInput(in *CampaignDomainsInput, fields *[]FieldError) {
	if in != nil {
		checkIDList("domains.domain_ids", in.DomainIDs, MaxCampaignDomainIDs, fields)
	}
}

// CreateCampaign validates and stores a draft campaign of the client.
func (s *Store) CreateCampaign(ctx context.Context, sc Scope, clientID string, in CampaignInput) (*Campaign, error) {
	if _, err := s.GetClient(ctx, sc, clientID); err != nil {
		return nil, err
	}
	var fields []FieldError
	now := s.Now()
	c := &Campaign{ID: NewID(PrefixCampaign), ClientID: clientID, Status: CampaignDraft,
		MessagingServiceSID: in.MessagingServiceSID, OriginatorID: in.OriginatorID,
		LinkShortening: true, Tracking: TrackingOff, CreatedAt: now, UpdatedAt: now, DomainIDs: "[]"}
	c.Name = validateCampaignName(in.Name, &fields)
	c.Tags = encodeJSON(validateTags(in.Tags, &fields))
	validateMessagingServiceSID(in.MessagingServiceSID, &fields)
	variants := validateVariants(in.Variants, &fields)
	checkDomainsInput(in.Domains, &fields)
	if in.LinkShortening != nil {
		c.LinkShortening = *in.LinkShortening
	}
	validateTracking(in.Tracking, &fields)
	if in.Tracking != nil {
		c.Tracking = *in.Tracking
		if in.LinkShortening == nil && c.Tracking != TrackingOff {
			c.LinkShortening = false // linkgate tracks the links: Twilio must not shorten them too
		}
	}
	checkShorteningTracking(c.LinkShortening, c.Tracking, &fields)
	c.ScheduledAt = s.validateScheduledAt(in.ScheduledAt, &fields)
	if err := invalidFields("invalid_campaign", fields); err != nil {
		return nil, err
	}
	if in.Domains != nil {
		c.PoolID = in.Domains.PoolID
		c.DomainIDs = encodeJSON(nonNil(in.Domains.DomainIDs))
	}
	err := s.gorm(ctx).Transaction(func(tx *gorm.DB) error {
		if err := checkCampaignDomainsTx(tx, clientID, in.Domains); err != nil {
			return err
		}
		if err := checkOriginatorTx(tx, clientID, in.OriginatorID); err != nil {
			return err
		}
		if err := tx.Create(c).Error; err != nil {
			return err
		}
		if err := replaceVariantsTx(tx, c, variants); err != nil {
			return err
		}
		return s.campaignChangedTx(tx, c.ID)
	})
	if isForeignKeyViolation(err) {
		return nil, NotFound("client")
	}
	if err != nil {
		return nil, internal("create campaign", err)
	}
	return c, nil
}

func nonNil(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}

// replaceVariantsTx replaces the campaign's variants with vs (new ids).
func replaceVariantsTx(tx *gorm.DB, c *Campaign, vs []CampaignVariant) error {
	if err := tx.Where("campaign_id = ?", c.ID).Delete(&CampaignVariant{}).Error; err != nil {
		return internal("replace variants", err)
	}
	for i := range vs {
		vs[i].ID = NewID(PrefixCampaignVariant)
		vs[i].CampaignID = c.ID
		vs[i].Position = i
	}
	if len(vs) > 0 {
		if err := tx.Create(&vs).Error; err != nil {
			return internal("replace variants", err)
		}
	}
	c.Variants = vs
	return nil
}

// GetCampaign returns one campaign visible in scope, with its variants.
func (s *Store) GetCampaign(ctx context.Context, sc Scope, id string) (*Campaign, error) {
	return s.campaignTx(s.gorm(ctx), sc, id)
}

func (s *Store) campaignTx(tx *gorm.DB, sc Scope, id string) (*Campaign, error) {
	var c Campaign
	q := tx.Where("id = ?", id)
	if !sc.Admin() {
		q = q.Where("client_id = ?", sc.ClientID)
	}
	err := q.Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, NotFound("campaign")
	}
	if err != nil {
		return nil, internal("get campaign", err)
	}
	if err := fillVariantsTx(tx, []*Campaign{&c}); err != nil {
		return nil, err
	}
	return &c, nil
}

func fillVariantsTx(tx *gorm.DB, cs []*Campaign) error {
	if len(cs) == 0 {
		return nil
	}
	ids := make([]string, len(cs))
	by := make(map[string]*Campaign, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
		by[c.ID] = c
		c.Variants = []CampaignVariant{}
	}
	var rows []CampaignVariant
	if err := tx.Where("campaign_id IN ?", ids).Order("campaign_id, position").Find(&rows).Error; err != nil {
		return internal("campaign variants", err)
	}
	for _, r := range rows {
		by[r.CampaignID].Variants = append(by[r.CampaignID].Variants, r)
	}
	return nil
}

// UpdateCampaign changes a campaign: any field while draft, ready or
// scheduled; only name, tags and variants' ratios while it runs (started,
// sending, paused, suspended); nothing once it ended. Another field of a
// running campaign is 409 invalid_state.
func (s *Store) UpdateCampaign(ctx context.Context, sc Scope, id string, in CampaignPatch) (*Campaign, error) {
	var out *Campaign
	err := s.gorm(ctx).Transaction(func(tx *gorm.DB) error {
		c, err := s.campaignTx(tx, sc, id)
		if err != nil {
			return err
		}
		running := CampaignRunning.Has(c.Status)
		if !running {
			if err := CampaignEditable.Check(c.Status, "changed"); err != nil {
				return err
			}
		} else {
			var locked []string
			if in.MessagingServiceSID != nil {
				locked = append(locked, "messaging_service_sid")
			}
			if in.OriginatorID.Set {
				locked = append(locked, "originator_id")
			}
			if in.Domains != nil {
				locked = append(locked, "domains")
			}
			if in.LinkShortening != nil {
				locked = append(locked, "link_shortening")
			}
			if in.Tracking != nil {
				locked = append(locked, "tracking")
			}
			if in.ScheduledAt.Set {
				locked = append(locked, "scheduled_at")
			}
			if len(locked) > 0 {
				e := &Error{Kind: KindConflict, Code: "invalid_state",
					Detail: fmt.Sprintf("the campaign is %s; only name, tags and the variants' ratios may change", c.Status)}
				for _, f := range locked {
					e.Fields = append(e.Fields, FieldError{f, "cannot change once the campaign has started"})
				}
				return e
			}
		}
		var fields []FieldError
		upd := map[string]any{}
		if in.Name != nil {
			upd["name"] = validateCampaignName(*in.Name, &fields)
		}
		if in.Tags != nil {
			upd["tags"] = encodeJSON(validateTags(*in.Tags, &fields))
		}
		if in.MessagingServiceSID != nil {
			validateMessagingServiceSID(*in.MessagingServiceSID, &fields)
			upd["messaging_service_sid"] = *in.MessagingServiceSID
		}
		if in.OriginatorID.Set {
			if err := checkOriginatorTx(tx, c.ClientID, in.OriginatorID.Value); err != nil {
				return err
			}
			upd["originator_id"] = in.OriginatorID.Value
		}
		var variants []CampaignVariant
		if in.Variants != nil {
			if running {
				if err := ratiosOnly(c, *in.Variants, &fields); err != nil {
					return err
				}
			} else {
				variants = validateVariants(*in.Variants, &fields)
			}
		}
		checkDomainsInput(in.Domains, &fields)
		if in.Domains != nil {
			upd["pool_id"] = in.Domains.PoolID
			upd["domain_ids"] = encodeJSON(nonNil(in.Domains.DomainIDs))
		}
		if in.LinkShortening != nil {
			upd["link_shortening"] = *in.LinkShortening
		}
		validateTracking(in.Tracking, &fields)
		ls, tr := c.LinkShortening, c.Tracking
		if in.LinkShortening != nil {
			ls = *in.LinkShortening
		}
		if in.Tracking != nil {
			upd["tracking"] = *in.Tracking
			tr = *in.Tracking
			if in.LinkShortening == nil && tr != TrackingOff {
				ls = false
				upd["link_shortening"] = false
			}
		}
		checkShorteningTracking(ls, tr, &fields)
		if in.ScheduledAt.Set {
			upd["scheduled_at"] = s.validateScheduledAt(in.ScheduledAt.Value, &fields)
		}
		if err := invalidFields("invalid_campaign", fields); err != nil {
			return err
		}
		if err := checkCampaignDomainsTx(tx, c.ClientID, in.Domains); err != nil {
			return err
		}
		upd["updated_at"] = s.Now()
		upd["version"] = gorm.Expr("version + 1")
		res := tx.Model(&Campaign{}).Where("id = ? AND version = ?", c.ID, c.Version).Updates(upd)
		if res.Error != nil {
			return internal("update campaign", res.Error)
		}
		if res.RowsAffected == 0 {
			return &Error{Kind: KindConflict, Code: "invalid_state", Detail: "the campaign changed meanwhile; try again", Err: ErrStale}
		}
		if in.Variants != nil {
			if running {
				for _, v := range c.Variants {
					if err := tx.Model(&CampaignVariant{}).Where("id = ?", v.ID).Update("ratio", v.Ratio).Error; err != nil {
						return internal("update variant", err)
					}
				}
			} else if err := replaceVariantsTx(tx, c, variants); err != nil {
				return err
			}
		}
		if out, err = s.campaignTx(tx, Scope{}, c.ID); err != nil {
			return err
		}
		if err := s.campaignChangedTx(tx, c.ID); err != nil {
			return err
		}
		return s.restatusAfterEditTx(tx, out, in)
	})
	if err != nil {
		return nil, internal("update campaign", err)
	}
	return out, nil
}

// restatusAfterEditTx moves a checked campaign (ready or scheduled) after
// an edit: new variants send it back to draft, to be submitted and
// checked again; otherwise setting scheduled_at makes a ready campaign
// scheduled and clearing it makes a scheduled one ready.
func (s *Store) restatusAfterEditTx(tx *gorm.DB, c *Campaign, in CampaignPatch) error {
	if c.Status != CampaignReady && c.Status != CampaignScheduled {
		return nil
	}
	ch := CampaignChange{Actor: "linkgate"}
	switch {
	case in.Variants != nil:
		ch.To, ch.Reason = CampaignDraft, "the message variants changed; submit the campaign again"
	case in.ScheduledAt.Set && in.ScheduledAt.Value != nil && c.Status == CampaignReady:
		ch.To, ch.Reason = CampaignScheduled, "scheduled"
	case in.ScheduledAt.Set && in.ScheduledAt.Value == nil && c.Status == CampaignScheduled:
		ch.To, ch.Reason = CampaignReady, "no longer scheduled"
	default:
		return nil
	}
	return s.ApplyCampaignTx(tx, c, ch)
}

// ratiosOnly applies new ratios to a running campaign's variants (in
// c.Variants): the list matches the existing one by id, or by position
// when ids are left out; a new body is 409 invalid_state, bad ratios are
// field errors naming variants.
func ratiosOnly(c *Campaign, in []VariantInput, fields *[]FieldError) error {
	conflict := &Error{Kind: KindConflict, Code: "invalid_state",
		Detail: fmt.Sprintf("the campaign is %s; only the variants' ratios may change", c.Status),
		Fields: []FieldError{{"variants", "bodies cannot change and variants cannot be added or removed once the campaign has started"}}}
	if len(in) != len(c.Variants) {
		return conflict
	}
	sum := 0
	for i, v := range in {
		j := i
		if v.ID != "" {
			j = -1
			for k, cur := range c.Variants {
				if cur.ID == v.ID {
					j = k
				}
			}
			if j < 0 {
				return conflict
			}
		}
		if v.Body != nil && *v.Body != c.Variants[j].Body {
			return conflict
		}
		if v.Ratio == nil || *v.Ratio < 0 || *v.Ratio > 100 {
			*fields = append(*fields, FieldError{"variants", fmt.Sprintf("variant %d needs a ratio between 0 and 100", i+1)})
			return nil
		}
		c.Variants[j].Ratio = *v.Ratio
		sum += *v.Ratio
	}
	if sum != 100 {
		*fields = append(*fields, FieldError{"variants", fmt.Sprintf("the ratios must add up to 100, not %d", sum)})
	}
	return nil
}

// CampaignQuery lists campaigns: of one client (required for a client
// scope's own listing, optional for an admin), by status, by a name
// substring (Q) and by tag.
type CampaignQuery struct {
	ClientID string
	Status   string
	Q        string
	Tag      string
	Active   bool // only campaigns that have not ended (not terminal)
	PageQuery
}

// CampaignPage is one page of campaigns; Next is "" on the last page.
type CampaignPage struct {
	Campaigns []*Campaign
	Next      string
}

// campaignFilter is the campaigns visible in scope that match q's
// filters (client, status, active, name, tag), as the list and the live
// stream read them; a client id outside the scope is not found and an
// unknown status is invalid.
func (s *Store) campaignFilter(ctx context.Context, sc Scope, q CampaignQuery) (*gorm.DB, error) {
	if q.ClientID != "" {
		if _, err := s.GetClient(ctx, sc, q.ClientID); err != nil {
			return nil, err
		}
	}
	tx := s.gorm(ctx).Model(&Campaign{})
	if !sc.Admin() {
		tx = tx.Where("client_id = ?", sc.ClientID)
	}
	if q.ClientID != "" {
		tx = tx.Where("client_id = ?", q.ClientID)
	}
	if q.Status != "" {
		if !CampaignStatus(q.Status).Valid() {
			return nil, Invalid("invalid_status", "status", "not a campaign status")
		}
		tx = tx.Where("status = ?", q.Status)
	}
	if q.Active {
		tx = tx.Where("status NOT IN ?", campaignEnded())
	}
	if q.Q = strings.TrimSpace(q.Q); q.Q != "" {
		tx = tx.Where(`lower(name) LIKE ? ESCAPE '\'`, likePattern(q.Q))
	}
	if q.Tag = strings.TrimSpace(q.Tag); q.Tag != "" {
		tx = tx.Where(`lower(tags) LIKE ? ESCAPE '\'`, likePattern(encodeJSON(q.Tag)))
	}
	return tx, nil
}

// ListCampaigns returns campaigns newest first, a keyset page at a time.
// A client scope sees only its own; a client id outside the scope is not
// found.
func (s *Store) ListCampaigns(ctx context.Context, sc Scope, q CampaignQuery) (CampaignPage, error) {
	limit, err := q.limit()
	if err != nil {
		return CampaignPage{}, err
	}
	tx, err := s.campaignFilter(ctx, sc, q)
	if err != nil {
		return CampaignPage{}, err
	}
	if q.Cursor != "" {
		after, err := decodeCursor(PrefixCampaign, q.Cursor)
		if err != nil {
			return CampaignPage{}, err
		}
		tx = tx.Where("id < ?", after)
	}
	var rows []*Campaign
	if err := tx.Order("id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return CampaignPage{}, internal("list campaigns", err)
	}
	page := CampaignPage{Campaigns: rows}
	if len(rows) > limit {
		page.Campaigns = rows[:limit]
		page.Next = encodeCursor(rows[limit-1].ID)
	}
	if err := fillVariantsTx(s.gorm(ctx), page.Campaigns); err != nil {
		return CampaignPage{}, err
	}
	return page, nil
}

// CampaignEvents returns a campaign's timeline, oldest first.
func (s *Store) CampaignEvents(ctx context.Context, sc Scope, id string) ([]CampaignEvent, error) {
	if _, err := s.GetCampaign(ctx, sc, id); err != nil {
		return nil, err
	}
	var evs []CampaignEvent
	if err := s.gorm(ctx).Where("campaign_id = ?", id).Order("id ASC").Find(&evs).Error; err != nil {
		return nil, internal("campaign events", err)
	}
	return evs, nil
}
