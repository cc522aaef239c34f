package models

import (
	"context"
	"errors"
	"net/mail"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Client is a customer of the SMS platform whose domains linkgate manages.
type Client struct {
	ID    string `gorm:"primaryKey"`
	Name  string `gorm:"not null"`
	Email string `gorm:"not null"`
	Plan  Plan   `gorm:"not null"`
	// FallbackURL is where a broken short link sends people (Twilio's
	// domain config); "" means none.
	FallbackURL string `gorm:"not null"`
	// DomainLimit is how many messages one of its domains may send (nil:
	// no limit); a domain that reaches it becomes reached_limit.
	DomainLimit *int64
	// Rotation is what a campaign does when its domain reaches the limit:
	// move to the next domain (on_limit) or suspend (off).
	Rotation Rotation `gorm:"not null;default:on_limit"`
	// Tracking settings (API.md "Tracked links"): which links of a
	// message linkgate shortens itself, the word in front of the host and
	// the client's url_tracking domain (nil: the platform's host).
	TrackingMode     Tracking `gorm:"not null;default:off"`
	TrackingPrefix   string   `gorm:"not null;default:''"`
	TrackingDomainID *string
	CreatedAt        time.Time `gorm:"not null"`
	UpdatedAt        time.Time `gorm:"not null"`

	// DomainCount is computed on read, not stored.
	DomainCount int64 `gorm:"-"`
	// DomainStatuses counts its domains by status, in the order of
	// Statuses, only those with some (computed on read with DomainCount;
	// not part of the API's client).
	DomainStatuses []StatusCount `gorm:"-" json:"-"`
}

// StatusCount is how many of a client's domains have a status.
type StatusCount struct {
	Status Status
	N      int64
}

// ClientInput creates a client. Plan "" means basic.
type ClientInput struct {
	Name        string
	Email       string
	Plan        Plan
	FallbackURL string
}

// ClientPatch changes a client; nil fields stay as they are.
type ClientPatch struct {
	Name        *string
	Email       *string
	Plan        *Plan
	FallbackURL *string
	// DomainLimit changes the limit when Set (Value nil: no limit).
	DomainLimit Optional[int64]
	// Rotation changes the rotation policy.
	Rotation *Rotation
}

// MaxDomainLimit is the largest per-domain messaging limit.
const MaxDomainLimit = 1_000_000_000

func validateDomainLimit(v *int64, fields *[]FieldError) {
	if v != nil && (*v < 1 || *v > MaxDomainLimit) {
		*fields = append(*fields, FieldError{"domain_limit", "must be null (no limit) or an integer from 1 to 1000000000"})
	}
}

func validateName(name string, fields *[]FieldError) string {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		*fields = append(*fields, FieldError{"name", "is required"})
	case utf8.RuneCountInString(name) > 200:
		*fields = append(*fields, FieldError{"name", "must be at most 200 characters"})
	}
	return name
}

// NormalizeEmail validates a bare e-mail address and returns it lower-cased.
func NormalizeEmail(field, email string, fields *[]FieldError) string {
	email = strings.TrimSpace(email)
	if email == "" {
		*fields = append(*fields, FieldError{field, "is required"})
		return ""
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" || len(email) > 254 ||
		!strings.Contains(email[strings.LastIndexByte(email, '@')+1:], ".") {
		*fields = append(*fields, FieldError{field, "must be an e-mail address such as owner@acme.com"})
		return ""
	}
	return strings.ToLower(email)
}

// validateFallbackURL accepts "" (none) or an absolute https URL.
func validateFallbackURL(raw string, fields *[]FieldError) string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || len(raw) > 2048 {
		*fields = append(*fields, FieldError{"fallback_url", "must be an absolute https URL such as https://acme.com/"})
		return ""
	}
	return raw
}

func validatePlan(p Plan, fields *[]FieldError) {
	if !p.Valid() {
		*fields = append(*fields, FieldError{"plan", "must be one of basic, premium, enterprise"})
	}
}

func invalidFields(code string, fields []FieldError) error {
	if len(fields) == 0 {
		return nil
	}
	return &Error{Kind: KindInvalid, Code: code, Detail: "the request has invalid fields", Fields: fields}
}

// CreateClient validates and stores a new client. A duplicate e-mail is a
// conflict ("email_taken").
func (s *Store) CreateClient(ctx context.Context, in ClientInput) (*Client, error) {
	var fields []FieldError
	c := &Client{ID: NewID(PrefixClient), Plan: in.Plan, Rotation: RotationOnLimit, TrackingMode: TrackingOff}
	c.Name = validateName(in.Name, &fields)
	c.Email = NormalizeEmail("email", in.Email, &fields)
	if c.Plan == "" {
		c.Plan = PlanBasic
	}
	validatePlan(c.Plan, &fields)
	c.FallbackURL = validateFallbackURL(in.FallbackURL, &fields)
	if err := invalidFields("invalid_client", fields); err != nil {
		return nil, err
	}
	if err := s.gorm(ctx).Create(c).Error; err != nil {
		if isUniqueViolation(err) {
			return nil, Conflict("email_taken", "email", "a client with this e-mail already exists")
		}
		return nil, internal("create client", err)
	}
	return c, nil
}

// GetClient returns one client visible in scope, with its domain count.
func (s *Store) GetClient(ctx context.Context, sc Scope, id string) (*Client, error) {
	if !sc.Admin() && sc.ClientID != id {
		return nil, NotFound("client")
	}
	var c Client
	err := s.gorm(ctx).Where("id = ?", id).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, NotFound("client")
	}
	if err != nil {
		return nil, internal("get client", err)
	}
	if err := s.fillDomainCounts(ctx, []*Client{&c}); err != nil {
		return nil, err
	}
	return &c, nil
}

// ClientQuery filters the client list. Q matches name or e-mail,
// case-insensitively.
type ClientQuery struct {
	Q string
	PageQuery
}

// ClientPage is one page of clients; Next is "" on the last page.
type ClientPage struct {
	Clients []*Client
	Next    string
}

// ListClients returns clients newest first, a keyset page at a time.
func (s *Store) ListClients(ctx context.Context, sc Scope, q ClientQuery) (ClientPage, error) {
	limit, err := q.limit()
	if err != nil {
		return ClientPage{}, err
	}
	tx := s.gorm(ctx).Model(&Client{})
	if !sc.Admin() {
		tx = tx.Where("id = ?", sc.ClientID)
	}
	if q.Cursor != "" {
		after, err := decodeCursor(PrefixClient, q.Cursor)
		if err != nil {
			return ClientPage{}, err
		}
		tx = tx.Where("id < ?", after)
	}
	if q.Q = strings.TrimSpace(q.Q); q.Q != "" {
		p := likePattern(q.Q)
		tx = tx.Where(`(lower(name) LIKE ? ESCAPE '\' OR email LIKE ? ESCAPE '\')`, p, p)
	}
	var rows []*Client
	if err := tx.Order("id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return ClientPage{}, internal("list clients", err)
	}
	page := ClientPage{Clients: rows}
	if len(rows) > limit {
		page.Clients = rows[:limit]
		page.Next = encodeCursor(rows[limit-1].ID)
	}
	if err := s.fillDomainCounts(ctx, page.Clients); err != nil {
		return ClientPage{}, err
	}
	return page, nil
}

func (s *Store) fillDomainCounts(ctx context.Context, cs []*Client) error {
	if len(cs) == 0 {
		return nil
	}
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	var counts []struct {
		ClientID string
		Status   Status
		N        int64
	}
	err := s.gorm(ctx).Model(&Domain{}).Select("client_id, status, count(*) AS n").
		Where("client_id IN ?", ids).Group("client_id, status").Scan(&counts).Error
	if err != nil {
		return internal("count domains", err)
	}
	byID := make(map[string]map[Status]int64, len(cs))
	for _, c := range counts {
		if byID[c.ClientID] == nil {
			byID[c.ClientID] = map[Status]int64{}
		}
		byID[c.ClientID][c.Status] = c.N
	}
	for _, c := range cs {
		c.DomainCount, c.DomainStatuses = 0, nil
		for _, st := range Statuses {
			if n := byID[c.ID][st]; n > 0 {
				c.DomainCount += n
				c.DomainStatuses = append(c.DomainStatuses, StatusCount{Status: st, N: n})
			}
		}
	}
	return nil
}

// UpdateClient applies a patch. Only admins may change clients.
func (s *Store) UpdateClient(ctx context.Context, sc Scope, id string, p ClientPatch) (*Client, error) {
	c, err := s.GetClient(ctx, sc, id)
	if err != nil {
		return nil, err
	}
	if !sc.Admin() {
		return nil, &Error{Kind: KindForbidden, Code: "forbidden", Detail: "only an admin may change a client"}
	}
	var fields []FieldError
	if p.Name != nil {
		c.Name = validateName(*p.Name, &fields)
	}
	if p.Email != nil {
		c.Email = NormalizeEmail("email", *p.Email, &fields)
	}
	if p.Plan != nil {
		c.Plan = *p.Plan
		validatePlan(c.Plan, &fields)
	}
	if p.FallbackURL != nil {
		c.FallbackURL = validateFallbackURL(*p.FallbackURL, &fields)
	}
	if p.DomainLimit.Set {
		validateDomainLimit(p.DomainLimit.Value, &fields)
		c.DomainLimit = p.DomainLimit.Value
	}
	if p.Rotation != nil {
		if !p.Rotation.Valid() {
			fields = append(fields, FieldError{"rotation", "must be on_limit or off"})
		}
		c.Rotation = *p.Rotation
	}
	if err := invalidFields("invalid_client", fields); err != nil {
		return nil, err
	}
	err = s.gorm(ctx).Model(c).Select("name", "email", "plan", "fallback_url", "domain_limit", "rotation", "updated_at").Updates(c).Error
	if err != nil {
		if isUniqueViolation(err) {
			return nil, Conflict("email_taken", "email", "a client with this e-mail already exists")
		}
		return nil, internal("update client", err)
	}
	return c, nil
}

// DeleteClient removes a client with its keys and users. A client that
// still has domains is a conflict: delete the domains first, so that no
// DNS record is forgotten.
func (s *Store) DeleteClient(ctx context.Context, sc Scope, id string) error {
	c, err := s.GetClient(ctx, sc, id)
	if err != nil {
		return err
	}
	if !sc.Admin() {
		return &Error{Kind: KindForbidden, Code: "forbidden", Detail: "only an admin may delete a client"}
	}
	if c.DomainCount > 0 {
		return Conflict("client_has_domains", "", "the client still has domains; delete them first")
	}
	err = s.gorm(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Where("id = ?", id).Delete(&Client{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return NotFound("client")
		}
		return s.keysChangedTx(tx) // its keys went with it
	})
	s.keysChanged()
	if isForeignKeyViolation(err) {
		return Conflict("client_has_domains", "", "the client still has domains; delete them first")
	}
	return internal("delete client", err)
}

// ClientFallbackURL returns the client's fallback URL ("" for none).
func (s *Store) ClientFallbackURL(ctx context.Context, clientID string) (string, error) {
	var c Client
	if err := s.gorm(ctx).Select("fallback_url").Where("id = ?", clientID).Take(&c).Error; err != nil {
		return "", internal("client fallback url", err)
	}
	return c.FallbackURL, nil
}
