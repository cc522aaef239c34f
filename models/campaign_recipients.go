package models

// A campaign's recipients, one row per phone number (UNIQUE (campaign_id,
// phone)); the row later carries the message's delivery, which is why the
// API lists them as messages. Uploads are streamed: rows are read one at
// a time and stored RecipientBatchSize at a time, each batch in its own
// transaction, so that an upload of any size holds one batch in memory.

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Recipient upload limits.
const (
	// RecipientBatchSize is how many recipients one insert stores.
	RecipientBatchSize = 1000
	// MaxRejectedReported bounds the rejected lines an upload's answer
	// lists (the rest are rejected all the same).
	MaxRejectedReported = 1000
	// MaxRecipientVars bounds the variables of one recipient.
	MaxRecipientVars = 50
	// MaxRecipientVarName bounds a variable's name (characters).
	MaxRecipientVarName = 64
	// MaxRecipientVarLength bounds one variable's value (characters).
	MaxRecipientVarLength = 500
)

// CampaignRecipient is one recipient of a campaign and, once sent, its
// message.
type CampaignRecipient struct {
	ID         string `gorm:"primaryKey"`
	CampaignID string `gorm:"not null"`
	Phone      string `gorm:"not null"`
	Vars       string `gorm:"not null"` // JSON object of strings
	VariantID  *string
	Status     MessageStatus `gorm:"not null"`
	DomainID   *string
	TwilioSID  string `gorm:"column:twilio_sid;not null"`
	ErrorCode  string `gorm:"not null"`
	Segments   int    `gorm:"not null"`
	Price      string `gorm:"not null"`
	SentAt     *time.Time
	// AttemptedAt is when the row became sending: a send interrupted by
	// a crash is looked for at Twilio from then on.
	AttemptedAt *time.Time
	// DeliveredAt is when Twilio reported the message delivered;
	// FirstClickedAt when a person first clicked its link (clicks.go).
	DeliveredAt    *time.Time
	FirstClickedAt *time.Time
	CreatedAt      time.Time `gorm:"not null"`
	UpdatedAt      time.Time `gorm:"not null"`
}

// MessageView is a recipient as GET /campaigns/{id}/messages shows it.
type MessageView struct {
	ID        string        `json:"id"`
	To        string        `json:"to"`
	Status    MessageStatus `json:"status"`
	TwilioSID *string       `json:"twilio_sid"`
	DomainID  *string       `json:"domain_id"`
	ErrorCode *string       `json:"error_code"`
	Segments  int           `json:"segments"`
	Price     *string       `json:"price"`
	SentAt    *time.Time    `json:"sent_at"`
	UpdatedAt time.Time     `json:"updated_at"`
}

func emptyNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// View returns the API representation.
func (r *CampaignRecipient) View() MessageView {
	return MessageView{ID: r.ID, To: r.Phone, Status: r.Status, TwilioSID: emptyNil(r.TwilioSID), DomainID: r.DomainID,
		ErrorCode: emptyNil(r.ErrorCode), Segments: r.Segments, Price: emptyNil(r.Price), SentAt: utcPtr(r.SentAt),
		UpdatedAt: r.UpdatedAt.UTC()}
}

// RecipientRow is one recipient as an upload gives it. Line is where it
// is in the upload (the CSV line, or the 1-based position in a JSON
// list); Problem, when set, rejects the row as it is read (a CSV row
// whose text breaks the rules).
type RecipientRow struct {
	Line    int
	Phone   string
	Vars    map[string]string
	Problem string
}

// RecipientReader yields an upload's rows one at a time; Next returns
// io.EOF after the last. Any other error ends the upload (an *Error is
// answered as it is).
type RecipientReader interface {
	Next() (RecipientRow, error)
}

// SliceRecipients reads rows from memory (a JSON upload).
type SliceRecipients struct {
	Rows []RecipientRow
	i    int
}

// Next implements RecipientReader.
func (s *SliceRecipients) Next() (RecipientRow, error) {
	if s.i >= len(s.Rows) {
		return RecipientRow{}, io.EOF
	}
	s.i++
	return s.Rows[s.i-1], nil
}

// OptedOutFunc reports which of a client's phone numbers (E.164) have
// opted out (STOP replies); they are skipped and counted as opted_out.
type OptedOutFunc func(ctx context.Context, clientID string, phones []string) (map[string]bool, error)

// RejectedRecipient is a row an upload refused, and why.
type RejectedRecipient struct {
	Line  int    `json:"line"`
	Phone string `json:"phone"`
	Error string `json:"error"`
}

// RecipientResult is what an upload did. Rejected lists at most
// MaxRejectedReported rows.
type RecipientResult struct {
	Accepted   int                 `json:"accepted"`
	Duplicates int                 `json:"duplicates"`
	OptedOut   int                 `json:"opted_out"`
	Rejected   []RejectedRecipient `json:"rejected"`
}

func (res *RecipientResult) reject(line int, phone, problem string) {
	if len(res.Rejected) < MaxRejectedReported {
		res.Rejected = append(res.Rejected, RejectedRecipient{Line: line, Phone: phone, Error: problem})
	}
}

// checkVars returns a problem with a row's variables, or "".
func checkVars(vars map[string]string) string {
	if len(vars) > MaxRecipientVars {
		return "has more than 50 variables"
	}
	for k, v := range vars {
		if k == "" || len([]rune(k)) > MaxRecipientVarName || strings.ContainsAny(k, "{}") {
			return "variable names must be 1 to 64 characters without braces"
		}
		if len([]rune(v)) > MaxRecipientVarLength {
			return "variable " + k + " is longer than 500 characters"
		}
	}
	return ""
}

// AddRecipients stores an upload's recipients in a draft campaign: each
// phone number normalised to E.164 (a bad one is rejected with its line),
// opted-out numbers skipped (optedOut, when not nil), numbers already in
// the campaign or earlier in the upload counted as duplicates. Rows are
// stored RecipientBatchSize at a time; a batch is stored only while the
// campaign is still a draft (otherwise 409 invalid_state, and the
// batches before it stay).
func (s *Store) AddRecipients(ctx context.Context, sc Scope, campaignID string, rows RecipientReader, optedOut OptedOutFunc) (RecipientResult, error) {
	res := RecipientResult{Rejected: []RejectedRecipient{}}
	c, err := s.GetCampaign(ctx, sc, campaignID)
	if err != nil {
		return res, err
	}
	if err := CampaignAcceptsRecipients.Check(c.Status, "given recipients"); err != nil {
		return res, err
	}
	batch := make([]CampaignRecipient, 0, RecipientBatchSize)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := s.storeRecipientBatch(ctx, c, batch, optedOut, &res)
		batch = batch[:0]
		return err
	}
	for {
		row, err := rows.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return res, internal("read recipients", err)
		}
		if row.Problem != "" {
			res.reject(row.Line, row.Phone, row.Problem)
			continue
		}
		phone, problem := ParsePhoneE164(row.Phone)
		if problem == "" {
			problem = checkVars(row.Vars)
		}
		if problem != "" {
			res.reject(row.Line, row.Phone, problem)
			continue
		}
		vars := row.Vars
		if vars == nil {
			vars = map[string]string{}
		}
		now := s.Now()
		batch = append(batch, CampaignRecipient{ID: NewID(PrefixMessage), CampaignID: c.ID, Phone: phone,
			Vars: encodeJSON(vars), Status: MessagePending, CreatedAt: now, UpdatedAt: now})
		if len(batch) == RecipientBatchSize {
			if err := flush(); err != nil {
				return res, err
			}
		}
	}
	return res, flush()
}

func (s *Store) storeRecipientBatch(ctx context.Context, c *Campaign, batch []CampaignRecipient, optedOut OptedOutFunc, res *RecipientResult) error {
	if optedOut != nil {
		phones := make([]string, len(batch))
		for i, r := range batch {
			phones[i] = r.Phone
		}
		out, err := optedOut(ctx, c.ClientID, phones)
		if err != nil {
			return internal("opted-out numbers", err)
		}
		kept := batch[:0]
		for _, r := range batch {
			if out[r.Phone] {
				res.OptedOut++
				continue
			}
			kept = append(kept, r)
		}
		batch = kept
	}
	if len(batch) == 0 {
		return nil
	}
	return s.gorm(ctx).Transaction(func(tx *gorm.DB) error {
		// The campaign row first: it must still take recipients, and
		// locking it serialises uploads to one campaign.
		lock := tx.Model(&Campaign{}).Where("id = ? AND status IN ?", c.ID, CampaignAcceptsRecipients).
			Update("updated_at", s.Now())
		if lock.Error != nil {
			return internal("lock campaign", lock.Error)
		}
		if lock.RowsAffected == 0 {
			return &Error{Kind: KindConflict, Code: "invalid_state",
				Detail: "the campaign stopped taking recipients during the upload (submitted or aborted meanwhile)"}
		}
		ins := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "campaign_id"}, {Name: "phone"}}, DoNothing: true}).
			Create(&batch)
		if ins.Error != nil {
			return internal("store recipients", ins.Error)
		}
		n := int(ins.RowsAffected)
		if n > 0 {
			if err := tx.Model(&Campaign{}).Where("id = ?", c.ID).
				Update("recipient_count", gorm.Expr("recipient_count + ?", n)).Error; err != nil {
				return internal("count recipients", err)
			}
		}
		res.Accepted += n
		res.Duplicates += len(batch) - n
		return nil
	})
}

// MessageQuery lists a campaign's messages, optionally of one status.
type MessageQuery struct {
	Status string
	PageQuery
}

// MessagePage is one page of messages; Next is "" on the last page.
type MessagePage struct {
	Messages []*CampaignRecipient
	Next     string
}

// ListCampaignMessages returns a campaign's recipients as messages,
// newest first, a keyset page at a time.
func (s *Store) ListCampaignMessages(ctx context.Context, sc Scope, campaignID string, q MessageQuery) (MessagePage, error) {
	if _, err := s.GetCampaign(ctx, sc, campaignID); err != nil {
		return MessagePage{}, err
	}
	limit, err := q.limit()
	if err != nil {
		return MessagePage{}, err
	}
	tx := s.gorm(ctx).Where("campaign_id = ?", campaignID)
	if q.Status != "" {
		valid := false
		for _, st := range MessageStatuses {
			valid = valid || string(st) == q.Status
		}
		if !valid {
			return MessagePage{}, Invalid("invalid_status", "status", "not a message status")
		}
		tx = tx.Where("status = ?", q.Status)
	}
	if q.Cursor != "" {
		after, err := decodeCursor(PrefixMessage, q.Cursor)
		if err != nil {
			return MessagePage{}, err
		}
		tx = tx.Where("id < ?", after)
	}
	var rows []*CampaignRecipient
	if err := tx.Order("id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return MessagePage{}, internal("list messages", err)
	}
	page := MessagePage{Messages: rows}
	if len(rows) > limit {
		page.Messages = rows[:limit]
		page.Next = encodeCursor(rows[limit-1].ID)
	}
	return page, nil
}

// recipientVarNames returns the union of the campaign's recipients'
// variable names, reading the rows a chunk at a time.
func recipientVarNames(tx *gorm.DB, campaignID string) (map[string]bool, error) {
	names := map[string]bool{}
	after := ""
	for {
		var chunk []CampaignRecipient
		if err := tx.Select("id, vars").Where("campaign_id = ? AND id > ?", campaignID, after).
			Order("id").Limit(5000).Find(&chunk).Error; err != nil {
			return nil, internal("recipient variables", err)
		}
		for _, r := range chunk {
			if r.Vars == "{}" {
				continue
			}
			var vars map[string]string
			if err := json.Unmarshal([]byte(r.Vars), &vars); err != nil {
				return nil, internal("recipient variables", err)
			}
			for k := range vars {
				names[strings.ToLower(k)] = true
			}
		}
		if len(chunk) < 5000 {
			return names, nil
		}
		after = chunk[len(chunk)-1].ID
	}
}

// CampaignHasRecipientsIn reports whether any recipient of the campaign
// has a number starting with prefix (E.164, such as "+1" for the US and
// Canada): the console warns when such a campaign's client rotates
// domains (US carriers call it URL cycling).
func (s *Store) CampaignHasRecipientsIn(ctx context.Context, sc Scope, campaignID, prefix string) (bool, error) {
	c, err := s.GetCampaign(ctx, sc, campaignID)
	if err != nil {
		return false, err
	}
	var ids []string
	if err := s.gorm(ctx).Model(&CampaignRecipient{}).Where(`campaign_id = ? AND phone LIKE ? ESCAPE '\'`, c.ID, likePrefix(prefix)).
		Limit(1).Pluck("id", &ids).Error; err != nil {
		return false, internal("campaign recipients by prefix", err)
	}
	return len(ids) > 0, nil
}
