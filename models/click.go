package models

// Clicks on a message's links, as Twilio's Link Shortening reports them
// (POST /twilio/clicks). A click is human or automated (DESIGN §10:
// preview events, link-preview and scanner user agents, clicks within
// seconds of delivery); both are kept, only human clicks make the click
// rate. A click is stored once (event_key), counted in its campaign's
// stats and its domain's line in that transaction, with its link.clicked
// event.

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// PrefixClick is the id prefix of a click.
const PrefixClick = "clk_"

// ClickKind says who clicked.
type ClickKind string

// The click kinds.
const (
	ClickHuman     ClickKind = "human"
	ClickAutomated ClickKind = "automated" // a preview, a scanner, a bot
)

// Link Shortening's click event types.
const (
	ClickEventClick   = "click"
	ClickEventPreview = "preview"
)

// ClickAfterDelivery is, by default, how soon after its message's
// delivery a click is taken for a scanner's (a carrier's or a handset's
// link check) rather than a person's (ClickEvent.ScanWindow).
const ClickAfterDelivery = 5 * time.Second

// Click is one reported click (table clicks).
type Click struct {
	ID          string `gorm:"primaryKey"`
	CampaignID  string `gorm:"not null"`
	RecipientID string `gorm:"not null"`
	DomainID    *string
	Kind        ClickKind `gorm:"not null"`
	EventType   string    `gorm:"not null"`
	Link        string    `gorm:"not null"`
	UserAgent   string    `gorm:"not null"`
	EventKey    string    `gorm:"not null"` // SHA-256 of the event: a repeat is the same key
	ClickedAt   time.Time `gorm:"not null"`
	CreatedAt   time.Time `gorm:"not null"`
}

// automatedAgents are (lower-case) fragments of the user agents of link
// previewers, scanners, crawlers and HTTP libraries.
var automatedAgents = []string{
	// Link previewers of messaging and social apps.
	"facebookexternalhit", "facebookcatalog", "meta-externalagent", "slackbot", "slack-imgproxy", "twitterbot",
	"whatsapp", "telegrambot", "discordbot", "skypeuripreview", "linkedinbot", "redditbot", "iframely",
	"embedly", "vkshare", "bingpreview", "microsoftpreview", "google-pagerenderer", "googleimageproxy",
	// Security scanners (mail and SMS link checks).
	"google-safety", "safelinks", "barracuda", "proofpoint", "mimecast", "zscaler", "forcepoint",
	// Bots, crawlers and spiders generally, headless browsers.
	"bot", "crawl", "spider", "scanner", "preview", "headless", "phantomjs", "lighthouse",
	// HTTP libraries and command-line tools.
	"curl/", "wget/", "python-requests", "python-urllib", "aiohttp", "httpx", "go-http-client", "okhttp",
	"java/", "apache-httpclient", "libwww-perl", "node-fetch", "axios/", "undici", "postmanruntime", "guzzlehttp",
}

// AutomatedUserAgent reports whether ua is a link previewer's, a
// scanner's, a crawler's or an HTTP library's. An empty user agent is a
// program's too.
func AutomatedUserAgent(ua string) bool {
	ua = strings.ToLower(strings.TrimSpace(ua))
	if ua == "" {
		return true
	}
	for _, a := range automatedAgents {
		if strings.Contains(ua, a) {
			return true
		}
	}
	return false
}

// ClassifyClick says whether a click was a person's: a preview event, an
// automated user agent or a click within window of the message's
// delivery (or before the delivery, when Twilio had reported it) is
// automated. A window of 0 or less turns the delivery rule off.
func ClassifyClick(eventType, userAgent string, clickedAt time.Time, deliveredAt *time.Time, window time.Duration) ClickKind {
	if strings.EqualFold(strings.TrimSpace(eventType), ClickEventPreview) || AutomatedUserAgent(userAgent) {
		return ClickAutomated
	}
	if window > 0 && deliveredAt != nil && clickedAt.Sub(*deliveredAt) < window {
		return ClickAutomated
	}
	return ClickHuman
}

// ClickEvent is one click Twilio reported.
type ClickEvent struct {
	SID       string // sms_sid
	EventType string // click or preview
	Link      string
	UserAgent string
	ClickTime string // click_time as sent (RFC 3339); "" = now
	To        string // the recipient, as Twilio says (the stored phone is used)
	// ScanWindow: a click this soon after the delivery is a scanner's
	// (ClassifyClick; 0 or less: the rule is off).
	ScanWindow time.Duration
}

// key is the event's identity: the same event reported twice has the
// same key.
func (ev ClickEvent) key() string {
	h := sha256.New()
	for _, s := range []string{ev.SID, ev.EventType, ev.Link, ev.ClickTime, ev.UserAgent} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ClickResult says what RecordClick did.
type ClickResult struct {
	Found      bool // a campaign's message has this SID
	Stored     bool // a new click (false for a repeat)
	Kind       ClickKind
	Unique     bool // the message's first human click
	ClickID    string
	CampaignID string
}

// LinkClickedData is the data of a link.clicked event.
type LinkClickedData struct {
	CampaignID string    `json:"campaign_id"`
	MessageID  string    `json:"message_id"`
	To         string    `json:"to"`
	Link       string    `json:"link"`
	Kind       ClickKind `json:"kind"`
	DomainID   *string   `json:"domain_id"`
	ClickedAt  time.Time `json:"clicked_at"`
	// Ref is the tracked link's ref (linkgate's own short links only).
	Ref string `json:"ref,omitempty"`
}

// RecordClick stores a click on the campaign message with the event's
// SID (unknown SID: nothing, Found false), classified (ClassifyClick),
// once: a repeat of the same event stores and counts nothing. A human
// click counts in the campaign's clicks (and unique_clicks for the
// message's first) and its domain's clicks; an automated one in
// automated_clicks. link.clicked is emitted in the same transaction.
func (s *Store) RecordClick(ctx context.Context, ev ClickEvent) (ClickResult, error) {
	var res ClickResult
	if !plausibleSID(ev.SID) {
		return res, nil
	}
	var row struct {
		ID          string
		CampaignID  string
		ClientID    string
		Phone       string
		DomainID    *string
		DeliveredAt *time.Time
	}
	err := s.gorm(ctx).Table("campaign_recipients AS r").
		Select("r.id, r.campaign_id, c.client_id, r.phone, r.domain_id, r.delivered_at").
		Joins("JOIN campaigns c ON c.id = r.campaign_id").
		Where("r.twilio_sid = ?", ev.SID).Limit(1).Scan(&row).Error
	if err != nil {
		return res, internal("find message by sid", err)
	}
	if row.ID == "" {
		return res, nil
	}
	now := s.Now()
	clickedAt := now
	if t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(ev.ClickTime)); err == nil {
		clickedAt = t.UTC().Truncate(time.Microsecond)
	}
	// Twilio's fields are signed but not checked: stored as valid UTF-8
	// without control characters (PostgreSQL refuses NUL), bounded.
	ev.EventType, ev.Link, ev.UserAgent = cleanText(ev.EventType, 32), cleanText(ev.Link, 4096), cleanText(ev.UserAgent, 1024)
	kind := ClassifyClick(ev.EventType, ev.UserAgent, clickedAt, row.DeliveredAt, ev.ScanWindow)
	res = ClickResult{Found: true, Kind: kind, CampaignID: row.CampaignID}
	c := Click{ID: NewID(PrefixClick), CampaignID: row.CampaignID, RecipientID: row.ID, DomainID: row.DomainID,
		Kind: kind, EventType: ev.EventType, Link: ev.Link, UserAgent: ev.UserAgent, EventKey: ev.key(),
		ClickedAt: clickedAt, CreatedAt: now}
	err = s.Tx(ctx, func(tx *gorm.DB, _ *sql.Tx) error {
		ins := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "event_key"}}, DoNothing: true}).Create(&c)
		if ins.Error != nil {
			return internal("store click", ins.Error)
		}
		if ins.RowsAffected == 0 {
			return nil // reported before
		}
		res.Stored, res.ClickID = true, c.ID
		var d StatsDelta
		if kind == ClickHuman {
			first := tx.Model(&CampaignRecipient{}).Where("id = ? AND first_clicked_at IS NULL", row.ID).
				Update("first_clicked_at", clickedAt)
			if first.Error != nil {
				return internal("first click", first.Error)
			}
			res.Unique = first.RowsAffected == 1
			d.Clicks = 1
			if res.Unique {
				d.UniqueClicks = 1
			}
			if row.DomainID != nil {
				if err := s.bumpCampaignDomainStatsTx(tx, row.CampaignID, *row.DomainID, 0, 1); err != nil {
					return err
				}
			}
		} else {
			d.AutomatedClicks = 1
		}
		if err := s.bumpCampaignStatsTx(tx, row.CampaignID, d); err != nil {
			return err
		}
		return s.EmitTx(tx, EventLinkClicked, row.ClientID, LinkClickedData{CampaignID: row.CampaignID, MessageID: row.ID,
			To: row.Phone, Link: ev.Link, Kind: kind, DomainID: row.DomainID, ClickedAt: clickedAt})
	})
	if err != nil {
		return ClickResult{}, err
	}
	return res, nil
}

// cleanText makes a callback's string storable: valid UTF-8, control
// characters dropped, at most max bytes (cut at a character boundary).
func cleanText(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	for len(s) > max {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}
