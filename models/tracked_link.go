package models

// Tracked links (API.md "Tracked links", DESIGN §10): linkgate's own short
// links. A client's tracking settings say which links of a message are
// shortened (all, or only @-marked ones), with which word in front of the
// host and on which tracking host (a configured url_tracking domain of the
// client, or the platform's LINKGATE_TRACKING_DOMAIN). Every short link is
// a row (ref -> URL, the host it was made for, the campaign message when
// there is one); the redirector finds refs in batches and writes the
// clicks it answers in one transaction per batch (RecordLinkClicks).

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"maps"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"
	"gorm.io/gorm"

	"github.com/linkgate/linkgate/shortlink"
)

// PrefixLinkClick is the id prefix of a redirector click.
const PrefixLinkClick = "lck_"

// TrackedLink is one short link (table tracked_links).
type TrackedLink struct {
	Ref         string `gorm:"primaryKey"`
	ClientID    string `gorm:"not null"`
	Host        string `gorm:"not null"` // the host it was made for, prefix included
	URL         string `gorm:"not null"`
	CampaignID  *string
	RecipientID *string
	CreatedAt   time.Time `gorm:"not null"`
}

// LinkClickRow is one click the redirector answered (table link_clicks).
type LinkClickRow struct {
	ID          string `gorm:"primaryKey"`
	Ref         string `gorm:"not null"`
	ClientID    string `gorm:"not null"`
	CampaignID  *string
	RecipientID *string
	Kind        ClickKind `gorm:"not null"`
	Method      string    `gorm:"not null"`
	UserAgent   string    `gorm:"not null"`
	ClickedAt   time.Time `gorm:"not null"`
}

// TableName is link_clicks.
func (LinkClickRow) TableName() string { return "link_clicks" }

// TrackingSettings are a client's tracking settings (PUT
// /clients/{id}/tracking).
type TrackingSettings struct {
	Mode     Tracking `json:"mode"`
	Prefix   *string  `json:"prefix"`
	DomainID *string  `json:"domain_id"`
}

// trackingOf is c's settings.
func trackingOf(c *Client) TrackingSettings {
	t := TrackingSettings{Mode: c.TrackingMode, DomainID: c.TrackingDomainID}
	if t.Mode == "" {
		t.Mode = TrackingOff
	}
	if c.TrackingPrefix != "" {
		p := c.TrackingPrefix
		t.Prefix = &p
	}
	return t
}

// SetTrackingDomain sets the platform's tracking host
// (LINKGATE_TRACKING_DOMAIN): the host of clients that have no tracking
// domain of their own. Call it before the store is used.
func (s *Store) SetTrackingDomain(host string) {
	s.trackingHost = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(host), "."))
}

// TrackingDomain is the platform's tracking host ("" when none).
func (s *Store) TrackingDomain() string { return s.trackingHost }

// GetTracking returns the client's tracking settings.
func (s *Store) GetTracking(ctx context.Context, sc Scope, clientID string) (TrackingSettings, error) {
	c, err := s.GetClient(ctx, sc, clientID)
	if err != nil {
		return TrackingSettings{}, err
	}
	return trackingOf(c), nil
}

// SetTracking replaces the client's tracking settings: mode off, all or
// marked; prefix null or one word (a-z, 0-9, inner hyphens); domain_id
// null or a configured url_tracking domain of this client. Invalid
// settings change nothing.
func (s *Store) SetTracking(ctx context.Context, sc Scope, clientID string, in TrackingSettings) (TrackingSettings, error) {
	c, err := s.GetClient(ctx, sc, clientID)
	if err != nil {
		return TrackingSettings{}, err
	}
	var fields []FieldError
	if !in.Mode.Valid() {
		fields = append(fields, FieldError{"mode", "must be off, all or marked"})
	}
	prefix := ""
	if in.Prefix != nil {
		prefix = strings.TrimSpace(*in.Prefix)
		if prefix != "" && !shortlink.ValidPrefix(prefix) {
			fields = append(fields, FieldError{"prefix", "must be one word of a-z, 0-9 and inner hyphens, at most 63 characters"})
		}
	}
	var domainID *string
	if in.DomainID != nil && strings.TrimSpace(*in.DomainID) != "" {
		id := strings.TrimSpace(*in.DomainID)
		if _, err := s.trackingDomainHost(s.gorm(ctx), c.ID, id); err != nil {
			if !errors.Is(err, ErrNotFound) {
				return TrackingSettings{}, err
			}
			fields = append(fields, FieldError{"domain_id", "must be a configured url_tracking domain of this client"})
		}
		domainID = &id
	}
	if err := invalidFields("invalid_tracking", fields); err != nil {
		return TrackingSettings{}, err
	}
	c.TrackingMode, c.TrackingPrefix, c.TrackingDomainID, c.UpdatedAt = in.Mode, prefix, domainID, s.Now()
	err = s.gorm(ctx).Model(c).Select("tracking_mode", "tracking_prefix", "tracking_domain_id", "updated_at").Updates(c).Error
	if err != nil {
		return TrackingSettings{}, internal("update tracking", err)
	}
	return trackingOf(c), nil
}

// trackingDomainHost is the host of the client's configured url_tracking
// domain id (ErrNotFound when it is not one), read through db (inside a
// transaction, its tx: SQLite has one connection).
func (s *Store) trackingDomainHost(db *gorm.DB, clientID, id string) (string, error) {
	var hosts []string
	err := db.Model(&Domain{}).Where("id = ? AND client_id = ? AND purpose = ? AND status = ?",
		id, clientID, PurposeURLTracking, StatusConfigured).Limit(1).Pluck("host", &hosts).Error
	if err != nil {
		return "", internal("find tracking domain", err)
	}
	if len(hosts) == 0 {
		return "", ErrNotFound
	}
	return hosts[0], nil
}

// trackingHostOf is the host the client's short links are made on: its
// tracking domain (while configured) or the platform's, with its prefix.
// db reads the domain (the caller's transaction, when it is in one).
func (s *Store) trackingHostOf(db *gorm.DB, c *Client) (string, error) {
	host := s.trackingHost
	if c.TrackingDomainID != nil {
		h, err := s.trackingDomainHost(db, c.ID, *c.TrackingDomainID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return "", err
		}
		if h != "" {
			host = h
		}
	}
	if host == "" {
		return "", Invalid("no_tracking_domain", "domain_id",
			"the client has no configured tracking domain and the platform has none (LINKGATE_TRACKING_DOMAIN)")
	}
	if c.TrackingPrefix != "" {
		host = c.TrackingPrefix + "." + host
	}
	return host, nil
}

// MessageToTrack is one message whose links are to be tracked.
type MessageToTrack struct {
	Body        string
	CampaignID  *string
	RecipientID *string
}

// RewriteInput is POST /links/rewrite.
type RewriteInput struct {
	ClientID   string
	Body       string
	CampaignID string // optional: the campaign's tracking mode, and its message to To
	To         string // optional: the recipient (with CampaignID)
}

// Rewrite rewrites one message as it will be sent and stores its links
// (API.md: POST /links/rewrite). The mode is the campaign's when one is
// named and its tracking is on, the client's otherwise; off rewrites
// nothing.
func (s *Store) Rewrite(ctx context.Context, sc Scope, in RewriteInput) (shortlink.Rewritten, error) {
	var fields []FieldError
	if strings.TrimSpace(in.ClientID) == "" {
		fields = append(fields, FieldError{"client_id", "is required"})
	}
	if strings.TrimSpace(in.Body) == "" {
		fields = append(fields, FieldError{"body", "is required"})
	} else if n := len([]rune(in.Body)); n > MaxVariantBodyLength {
		fields = append(fields, FieldError{"body", "must be at most 1600 characters"})
	}
	if err := invalidFields("invalid_rewrite", fields); err != nil {
		return shortlink.Rewritten{}, err
	}
	c, err := s.GetClient(ctx, sc, in.ClientID)
	if err != nil {
		return shortlink.Rewritten{}, err
	}
	mode := c.TrackingMode
	msg := MessageToTrack{Body: in.Body}
	if in.CampaignID != "" {
		cp, err := s.GetCampaign(ctx, sc, in.CampaignID)
		if err != nil {
			if errors.Is(err, ErrNotFound) {
				return shortlink.Rewritten{}, Invalid("unknown_campaign", "campaign_id", "not a campaign of this client")
			}
			return shortlink.Rewritten{}, err
		}
		if cp.ClientID != c.ID {
			return shortlink.Rewritten{}, Invalid("unknown_campaign", "campaign_id", "not a campaign of this client")
		}
		if cp.Tracking != TrackingOff {
			mode = cp.Tracking
		}
		msg.CampaignID = &cp.ID
		if in.To != "" {
			var ids []string
			if err := s.gorm(ctx).Model(&CampaignRecipient{}).Where("campaign_id = ? AND phone = ?", cp.ID, in.To).
				Limit(1).Pluck("id", &ids).Error; err != nil {
				return shortlink.Rewritten{}, internal("find recipient", err)
			}
			if len(ids) == 1 {
				msg.RecipientID = &ids[0]
			}
		}
	}
	if mode == TrackingOff || mode == "" {
		return shortlink.Rewritten{Body: in.Body, Links: []shortlink.Link{}}, nil
	}
	var out []shortlink.Rewritten
	var links []TrackedLink
	err = s.Tx(ctx, func(tx *gorm.DB, _ *sql.Tx) error {
		out, links, err = s.trackMessagesTx(ctx, tx, c, mode, []MessageToTrack{msg})
		return err
	})
	if err != nil {
		return shortlink.Rewritten{}, err
	}
	s.links.remember(links)
	return out[0], nil
}

// PreviewRewrite shows how the client's settings would rewrite body,
// with sample refs of the length a real one has; nothing is stored (the
// console's live preview).
func (s *Store) PreviewRewrite(ctx context.Context, sc Scope, clientID string, settings TrackingSettings, body string) (shortlink.Rewritten, error) {
	c, err := s.GetClient(ctx, sc, clientID)
	if err != nil {
		return shortlink.Rewritten{}, err
	}
	preview := *c
	preview.TrackingMode, preview.TrackingDomainID, preview.TrackingPrefix = settings.Mode, settings.DomainID, ""
	if settings.Prefix != nil && shortlink.ValidPrefix(*settings.Prefix) {
		preview.TrackingPrefix = *settings.Prefix
	}
	p := shortlink.Prepare(body, settings.Mode == TrackingMarked)
	if settings.Mode != TrackingAll && settings.Mode != TrackingMarked {
		return shortlink.Rewritten{Body: body, Links: []shortlink.Link{}}, nil
	}
	host, err := s.trackingHostOf(s.gorm(ctx), &preview)
	if err != nil {
		return shortlink.Rewritten{}, err
	}
	refs := make([]string, len(p.URLs))
	for i := range refs {
		refs[i] = shortlink.NewRef(shortlink.RefLength)
	}
	return p.Apply(host, refs)
}

// TrackMessages rewrites the client's messages in mode and stores their
// links in one transaction (trackMessagesTx); once it commits, the links
// go into the cache of fresh links (link_cache.go).
func (s *Store) TrackMessages(ctx context.Context, clientID string, mode Tracking, msgs []MessageToTrack) ([]shortlink.Rewritten, error) {
	c, err := s.GetClient(ctx, Scope{}, clientID)
	if err != nil {
		return nil, err
	}
	var out []shortlink.Rewritten
	var links []TrackedLink
	err = s.Tx(ctx, func(tx *gorm.DB, _ *sql.Tx) error {
		out, links, err = s.trackMessagesTx(ctx, tx, c, mode, msgs)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.links.remember(links)
	return out, nil
}

// trackMessagesTx rewrites the messages of the client's (mode all or
// marked) and stores their links in tx: each message gets its own refs.
func (s *Store) trackMessagesTx(ctx context.Context, tx *gorm.DB, c *Client, mode Tracking, msgs []MessageToTrack) ([]shortlink.Rewritten, []TrackedLink, error) {
	host, err := s.trackingHostOf(tx.WithContext(ctx), c)
	if err != nil {
		return nil, nil, err
	}
	plans := make([]shortlink.Plan, len(msgs))
	var rows []TrackedLink
	now := s.Now()
	for i, m := range msgs {
		plans[i] = shortlink.Prepare(m.Body, mode == TrackingMarked)
		for _, u := range plans[i].URLs {
			rows = append(rows, TrackedLink{ClientID: c.ID, Host: host, URL: u, CampaignID: m.CampaignID,
				RecipientID: m.RecipientID, CreatedAt: now})
		}
	}
	if err := s.insertLinksTx(ctx, tx, rows); err != nil {
		return nil, nil, err
	}
	out := make([]shortlink.Rewritten, len(msgs))
	next := 0
	for i, p := range plans {
		refs := make([]string, len(p.URLs))
		for j := range refs {
			refs[j] = rows[next].Ref
			next++
		}
		if out[i], err = p.Apply(host, refs); err != nil {
			return nil, nil, internal("rewrite", err)
		}
	}
	return out, rows, nil
}

// linksInsert stores links; a ref already taken is skipped and not
// returned.
var linksInsert = rowsInsert{table: "tracked_links",
	cols:    []string{"ref", "client_id", "host", "url", "campaign_id", "recipient_id", "created_at"},
	pgTypes: []string{"text", "text", "text", "text", "text", "text", "timestamptz"},
	suffix:  " ON CONFLICT (ref) DO NOTHING RETURNING ref"}

// insertLinksTx stores the links with new random refs; a ref already
// taken is drawn again (one character longer after two tries), so a ref
// is unique however full the table gets.
func (s *Store) insertLinksTx(ctx context.Context, tx *gorm.DB, rows []TrackedLink) error {
	sqlTx, err := sqlTxOf(tx)
	if err != nil {
		return internal("store links", err)
	}
	pending := make([]int, len(rows))
	for i := range pending {
		pending[i] = i
	}
	values := make([][]any, 0, len(rows))
	ok := make(map[string]bool, len(rows))
	for try := 0; len(pending) > 0; try++ {
		if try == 8 {
			return internal("store links", errors.New("could not draw free refs"))
		}
		values = values[:0]
		for _, i := range pending {
			r := &rows[i]
			r.Ref = shortlink.NewRef(shortlink.RefLength + try/2)
			values = append(values, []any{r.Ref, r.ClientID, r.Host, r.URL, r.CampaignID, r.RecipientID, r.CreatedAt})
		}
		clear(ok)
		err := linksInsert.runTx(ctx, s.db, sqlTx, values, func(rs *sql.Rows) error {
			var ref string
			if err := rs.Scan(&ref); err != nil {
				return err
			}
			ok[ref] = true
			return nil
		})
		if err != nil {
			return internal("store links", err)
		}
		left := pending[:0]
		for _, i := range pending {
			if !ok[rows[i].Ref] {
				left = append(left, i)
			}
		}
		pending = left
	}
	return nil
}

// LinkTarget is what the redirector needs of a ref.
type LinkTarget struct {
	Ref, ClientID, Host, URL string
	CampaignID, RecipientID  *string
	// The campaign message's, when the link belongs to one.
	Phone       *string
	DomainID    *string
	DeliveredAt *time.Time
}

// linkRoutesQuery finds n refs' links, without their messages (a hot
// statement: the redirector's lookup).
func linkRoutesQuery(db *DB, n int) string {
	return db.placeholders(`SELECT ref, client_id, host, url, campaign_id, recipient_id FROM tracked_links
WHERE ref IN (` + strings.Repeat("?, ", n-1) + `?)`)
}

// linkTargetsQuery finds n refs with their messages (a hot statement:
// storing clicks on links not in the cache).
func linkTargetsQuery(db *DB, n int) string {
	return db.placeholders(`SELECT l.ref, l.client_id, l.host, l.url, l.campaign_id, l.recipient_id,
  r.phone, r.domain_id, r.delivered_at
FROM tracked_links l LEFT JOIN campaign_recipients r ON r.id = l.recipient_id
WHERE l.ref IN (` + strings.Repeat("?, ", n-1) + `?)`)
}

// LinkTargets finds the refs' links with their campaign messages (refs
// not found are missing from the map), in one query per 64 refs.
func (s *Store) LinkTargets(ctx context.Context, refs []string) (map[string]LinkTarget, error) {
	out, err := s.linkTargets(ctx, nil, refs)
	if err != nil {
		return nil, internal("find links", err)
	}
	return out, nil
}

// LookupLinks is the redirector's lookup of refs not in the cache of
// fresh links: it finds their links (refs not found are missing from the
// map) in one query per 64 refs, without their campaign messages (Phone,
// DomainID and DeliveredAt are nil; storing a click reads them), and puts
// them into that cache, so that the clicks about to be answered are
// stored without reading the links again (StoreLinkVisits), and the next
// taps on them (a scanner's, then the person's) are answered from memory.
func (s *Store) LookupLinks(ctx context.Context, refs []string) (map[string]LinkTarget, error) {
	out := make(map[string]LinkTarget, len(refs))
	err := s.hotIn(ctx, nil, refs, func(n int) string { return linkRoutesQuery(s.db, n) }, func(rs *sql.Rows) error {
		return scanLinkTargets(rs, out, false)
	})
	if err != nil {
		return nil, internal("find links", err)
	}
	links := make([]TrackedLink, 0, len(out))
	for _, t := range out {
		links = append(links, TrackedLink{Ref: t.Ref, ClientID: t.ClientID, Host: t.Host, URL: t.URL,
			CampaignID: t.CampaignID, RecipientID: t.RecipientID})
	}
	s.links.remember(links)
	return out, nil
}

// linkTargets finds the refs' links, in tx when it is not nil.
func (s *Store) linkTargets(ctx context.Context, tx *sql.Tx, refs []string) (map[string]LinkTarget, error) {
	out := make(map[string]LinkTarget, len(refs))
	err := s.hotIn(ctx, tx, refs, func(n int) string { return linkTargetsQuery(s.db, n) }, func(rs *sql.Rows) error {
		return scanLinkTargets(rs, out, true)
	})
	return out, err
}

// hotIn runs the hot statement query(n) (keys in an IN list of n
// placeholders) for keys, in tx when it is not nil: one statement per
// hotMaxRows keys, n rounded up to a power of two by repeating a key (few
// statement texts). scan reads each statement's rows and closes them.
func (s *Store) hotIn(ctx context.Context, tx *sql.Tx, keys []string, query func(n int) string, scan func(*sql.Rows) error) error {
	args := make([]any, 0, min(len(keys), hotMaxRows))
	for len(keys) > 0 {
		n := min(len(keys), hotMaxRows)
		size := chunk(n)
		if size < n {
			size *= 2
		}
		args = args[:0]
		for i := range size {
			args = append(args, keys[min(i, n-1)])
		}
		var rs *sql.Rows
		var err error
		if tx == nil {
			rs, err = s.db.hotQuery(ctx, query(size), args...)
		} else {
			rs, err = s.db.hotQueryTx(ctx, tx, query(size), args...)
		}
		if err != nil {
			return err
		}
		if err := scan(rs); err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}

// clickMessagesQuery reads, for n campaign messages, what their clicks
// need that may change after the link was made (a hot statement).
func clickMessagesQuery(db *DB, n int) string {
	return db.placeholders(`SELECT id, phone, domain_id, delivered_at FROM campaign_recipients
WHERE id IN (` + strings.Repeat("?, ", n-1) + `?)`)
}

// fillClickMessages reads the campaign messages of targets (phone,
// domain, delivery time) into them, in tx.
func (s *Store) fillClickMessages(ctx context.Context, tx *sql.Tx, targets map[string]LinkTarget, refs []string) error {
	ids := make([]string, 0, len(refs))
	seen := make(map[string]bool, len(refs))
	for _, ref := range refs {
		if t := targets[ref]; t.RecipientID != nil && !seen[*t.RecipientID] {
			seen[*t.RecipientID] = true
			ids = append(ids, *t.RecipientID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	type message struct {
		phone, domain *string
		delivered     *time.Time
	}
	msgs := make(map[string]message, len(ids))
	err := s.hotIn(ctx, tx, ids, func(n int) string { return clickMessagesQuery(s.db, n) }, func(rs *sql.Rows) error {
		defer rs.Close()
		for rs.Next() {
			var id string
			var m message
			if err := rs.Scan(&id, &m.phone, &m.domain, &m.delivered); err != nil {
				return err
			}
			msgs[id] = m
		}
		return rs.Err()
	})
	if err != nil {
		return err
	}
	for _, ref := range refs {
		t := targets[ref]
		if t.RecipientID == nil {
			continue
		}
		if m, ok := msgs[*t.RecipientID]; ok {
			t.Phone, t.DomainID, t.DeliveredAt = m.phone, m.domain, m.delivered
			targets[ref] = t
		}
	}
	return nil
}

// scanLinkTargets reads the rows of linkTargetsQuery (withMessages) or
// linkRoutesQuery into out and closes them.
func scanLinkTargets(rs *sql.Rows, out map[string]LinkTarget, withMessages bool) error {
	defer rs.Close()
	for rs.Next() {
		var t LinkTarget
		dest := []any{&t.Ref, &t.ClientID, &t.Host, &t.URL, &t.CampaignID, &t.RecipientID}
		if withMessages {
			dest = append(dest, &t.Phone, &t.DomainID, &t.DeliveredAt)
		}
		if err := rs.Scan(dest...); err != nil {
			return err
		}
		out[t.Ref] = t
	}
	return rs.Err()
}

// LinkVisit is one redirect the redirector answered: its click, about
// to be stored.
type LinkVisit struct {
	ID        string // the click's id (NewLinkClickID), given before the answer
	Ref, Host string // Host in lower case, prefix included
	Method    string // GET or HEAD
	UserAgent string
	At        time.Time
	// Slot is where the cache of fresh links held the link when the
	// redirector answered (CachedLinkSlot), or zero.
	Slot LinkSlot
}

// NewLinkClickID returns a new redirector click id for a click at at: a
// prefixed ULID of that millisecond with 80 random bits. Unlike newIDAt's,
// ids of one millisecond are not in the order they were made (no lock, one
// allocation: it runs for every redirect); they sort, and are cut by the
// retention job, by their millisecond all the same.
func NewLinkClickID(at time.Time) string {
	var id ulid.ULID
	_ = id.SetTime(ulid.Timestamp(at)) // an error only past the year 10889
	binary.BigEndian.PutUint64(id[6:], rand.Uint64())
	binary.BigEndian.PutUint16(id[14:], uint16(rand.Uint32()))
	var text [ulid.EncodedSize]byte
	_ = id.MarshalTextTo(text[:])
	var b strings.Builder
	b.Grow(len(PrefixLinkClick) + len(text))
	b.WriteString(PrefixLinkClick)
	b.Write(text[:])
	return b.String()
}

// StoreLinkVisits stores the clicks of visits whose ref was made for
// their host, in one transaction: each click's row, its link.clicked
// event and its campaign's stats (recordLinkClicksTx). With again (the
// redirector's journal replayed after a crash: some may be stored), a
// visit whose id is stored already is skipped with everything it would
// count, so each click counts once. It returns how many clicks it stored.
// A link in the cache of fresh links (link_cache.go) is not read again:
// only its campaign message's phone, domain and delivery time are.
//
// On PostgreSQL the click rows go in with COPY unless again. COPY cannot
// skip a row whose id is taken: should a batch hold one anyway, the batch
// is stored again as a replay is, skipping it.
func (s *Store) StoreLinkVisits(ctx context.Context, visits []LinkVisit, window time.Duration, again bool) (int, error) {
	stored, err := s.storeLinkVisits(ctx, visits, window, again)
	if err != nil && !again && isUniqueViolation(err) {
		return s.storeLinkVisits(ctx, visits, window, true)
	}
	return stored, err
}

func (s *Store) storeLinkVisits(ctx context.Context, visits []LinkVisit, window time.Duration, again bool) (stored int, err error) {
	refs := make([]string, 0, len(visits))
	slots := make([]LinkSlot, 0, len(visits)) // where the redirector found refs[i]
	seen := make(map[string]bool, len(visits))
	for _, v := range visits {
		if !seen[v.Ref] {
			seen[v.Ref] = true
			refs, slots = append(refs, v.Ref), append(slots, v.Slot)
		}
	}
	err = s.txWithCopy(ctx, func(tx *gorm.DB, sqlTx *sql.Tx, cp copyRows) error {
		// The links this process made lately are in the cache (all but
		// their messages' delivery); the others are read whole.
		targets := make(map[string]LinkTarget, len(refs))
		var cached, missing []string
		for i, ref := range refs {
			if t, ok := s.cachedTarget(ref, slots[i]); ok {
				targets[ref] = t
				cached = append(cached, ref)
			} else {
				missing = append(missing, ref)
			}
		}
		if err := s.fillClickMessages(ctx, sqlTx, targets, cached); err != nil {
			return internal("find links", err)
		}
		read, err := s.linkTargets(ctx, sqlTx, missing)
		if err != nil {
			return internal("find links", err)
		}
		maps.Copy(targets, read)
		clicks := make([]LinkClick, 0, len(visits))
		for _, v := range visits {
			// A ref answers only on the host it was made for.
			if t, ok := targets[v.Ref]; ok && strings.EqualFold(t.Host, v.Host) {
				clicks = append(clicks, LinkClick{ID: v.ID, Target: t, Method: v.Method, UserAgent: v.UserAgent, At: v.At})
			}
		}
		// Read in this transaction, once a batch: whether anyone would
		// receive their events.
		l, err := s.clientsListeningTx(ctx, sqlTx)
		if err != nil {
			return err
		}
		listening := func(t *LinkTarget) bool { return l.all || l.clients[t.ClientID] }
		if again {
			cp = nil // a replay's rows may be stored: INSERT skips those
		}
		n, err := s.recordLinkClicksTx(ctx, tx, cp, clicks, window, again, listening)
		stored = n
		return err
	})
	if err != nil {
		return 0, err
	}
	return stored, nil
}

// PrepareHot prepares the statements the redirector and the link writer
// run many times a second (prepared.go). Call it once the database is
// migrated; without it they still run, parsed on every call on SQLite.
func (s *Store) PrepareHot(ctx context.Context) error {
	hot := []rowsInsert{linksInsert, linkClicksInsert}
	if s.db.Dialect == SQLite {
		for _, ins := range clickShapes {
			hot = append(hot, ins)
		}
	}
	for _, ins := range hot {
		if err := ins.prepareAll(ctx, s.db); err != nil {
			return internal("prepare statements", err)
		}
	}
	// Read once per batch of clicks stored (clientsListeningTx).
	if _, err := s.db.prepared(ctx, listenersQuery, false); err != nil {
		return internal("prepare statements", err)
	}
	for n := 1; n <= hotMaxRows; n *= 2 {
		for _, q := range []string{linkRoutesQuery(s.db, n), linkTargetsQuery(s.db, n), clickMessagesQuery(s.db, n)} {
			if _, err := s.db.prepared(ctx, q, false); err != nil {
				return internal("prepare statements", err)
			}
		}
	}
	return nil
}

// LinkClick is one click the redirector is about to answer.
type LinkClick struct {
	ID        string // the click's id; empty: a new one
	Target    LinkTarget
	Method    string // GET or HEAD
	UserAgent string
	At        time.Time
}

// LinkClickKind classifies a redirector click as ClassifyClick does a
// Twilio one; HEAD requests are automated.
func LinkClickKind(method, userAgent string, at time.Time, deliveredAt *time.Time, window time.Duration) ClickKind {
	if method == "HEAD" {
		return ClickAutomated
	}
	return ClassifyClick(ClickEventClick, userAgent, at, deliveredAt, window)
}

// RecordLinkClicks writes the clicks in one transaction: each click's
// row and link.clicked event, and for a campaign's message its stats as
// a Twilio click counts them (RecordClick). window is the scan window
// (ClassifyClick). Either all are stored or none.
func (s *Store) RecordLinkClicks(ctx context.Context, clicks []LinkClick, window time.Duration) error {
	return s.Tx(ctx, func(tx *gorm.DB, sqlTx *sql.Tx) error {
		l, err := s.clientsListeningTx(ctx, sqlTx)
		if err != nil {
			return err
		}
		_, err = s.recordLinkClicksTx(ctx, tx, nil, clicks, window, false, func(t *LinkTarget) bool { return l.all || l.clients[t.ClientID] })
		return err
	})
}

// recordLinkClicksTx is RecordLinkClicks in tx; listening says whether a
// link's click event would reach any webhook endpoint (one that would
// not is not written to the outbox). With again, a click whose id is
// stored already is skipped. cp, when not nil, writes the click rows
// (COPY: a taken id fails it); else a multi-row INSERT does, skipping a
// taken id. It returns how many it stored.
func (s *Store) recordLinkClicksTx(ctx context.Context, tx *gorm.DB, cp copyRows, clicks []LinkClick, window time.Duration, again bool, listening func(*LinkTarget) bool) (int, error) {
	sqlTx, err := sqlTxOf(tx)
	if err != nil {
		return 0, internal("store link clicks", err)
	}
	if len(clicks) == 0 {
		return 0, nil
	}
	rows := make([]LinkClickRow, len(clicks))
	for i, c := range clicks {
		t := c.Target
		kind := LinkClickKind(c.Method, c.UserAgent, c.At, t.DeliveredAt, window)
		at := c.At.UTC().Truncate(time.Microsecond)
		id := c.ID
		if id == "" {
			id = newIDAt(PrefixLinkClick, at)
		}
		rows[i] = LinkClickRow{ID: id, Ref: t.Ref, ClientID: t.ClientID, CampaignID: t.CampaignID,
			RecipientID: t.RecipientID, Kind: kind, Method: c.Method, UserAgent: cleanText(c.UserAgent, 1024),
			ClickedAt: at}
	}
	if again {
		// Some may be stored already (a replay): counted then, not again.
		// (Asked first: on SQLite a RETURNING clause on the insert costs
		// each row a statement journal.)
		ids := make([]string, len(rows))
		for i, r := range rows {
			ids[i] = r.ID
		}
		have, err := s.storedClickIDs(ctx, sqlTx, ids)
		if err != nil {
			return 0, internal("store link clicks", err)
		}
		if len(have) > 0 {
			kept, keptClicks := rows[:0], clicks[:0:0]
			for i, r := range rows {
				if !have[r.ID] {
					kept, keptClicks = append(kept, r), append(keptClicks, clicks[i])
				}
			}
			rows, clicks = kept, keptClicks
		}
	}
	switch {
	case cp != nil:
		err = cp(ctx, linkClicksInsert.table, linkClicksInsert.cols, clickValues(rows))
	case s.db.Dialect == SQLite:
		err = insertClickShapes(ctx, s.db, sqlTx, rows)
	default:
		err = linkClicksInsert.runTx(ctx, s.db, sqlTx, clickValues(rows), nil)
	}
	if err != nil {
		return 0, internal("store link clicks", err)
	}
	events := make([]*WebhookEvent, 0, len(rows))
	stats := map[string]*StatsDelta{}
	type campaignDomain struct{ campaign, domain string }
	byDomain := map[campaignDomain]int64{}
	for i, r := range rows {
		t := clicks[i].Target
		data := LinkClickedData{Link: t.URL, Kind: r.Kind, DomainID: t.DomainID, ClickedAt: r.ClickedAt, Ref: t.Ref}
		if t.CampaignID != nil && t.RecipientID != nil {
			data.CampaignID, data.MessageID = *t.CampaignID, *t.RecipientID
			if t.Phone != nil {
				data.To = *t.Phone
			}
			d := stats[*t.CampaignID]
			if d == nil {
				d = &StatsDelta{}
				stats[*t.CampaignID] = d
			}
			if r.Kind == ClickHuman {
				first := tx.Model(&CampaignRecipient{}).Where("id = ? AND first_clicked_at IS NULL", *t.RecipientID).
					Update("first_clicked_at", r.ClickedAt)
				if first.Error != nil {
					return 0, internal("first click", first.Error)
				}
				d.Clicks++
				d.UniqueClicks += first.RowsAffected
				if t.DomainID != nil {
					byDomain[campaignDomain{*t.CampaignID, *t.DomainID}]++
				}
			} else {
				d.AutomatedClicks++
			}
		}
		if !listening(&t) {
			continue // no endpoint would receive it
		}
		ev, err := s.newWebhookEvent(EventLinkClicked, t.ClientID, data)
		if err != nil {
			return 0, err
		}
		events = append(events, ev)
	}
	for id, d := range stats {
		if err := s.bumpCampaignStatsTx(tx, id, *d); err != nil {
			return 0, err
		}
	}
	for k, n := range byDomain {
		if err := s.bumpCampaignDomainStatsTx(tx, k.campaign, k.domain, 0, n); err != nil {
			return 0, err
		}
	}
	if len(events) > 0 {
		if err := tx.CreateInBatches(events, 200).Error; err != nil {
			return 0, internal("write webhook events", err)
		}
	}
	return len(rows), nil
}

// listeners says whose events some webhook endpoint would receive.
type listeners struct {
	all     bool // a platform endpoint (no client) receives every client's
	clients map[string]bool
}

const listenersQuery = `SELECT DISTINCT client_id FROM webhook_endpoints`

// clientsListeningTx reads which clients have webhook endpoints: a click
// nobody would be told of is not written to the outbox.
func (s *Store) clientsListeningTx(ctx context.Context, tx *sql.Tx) (listeners, error) {
	rs, err := s.db.hotQueryTx(ctx, tx, listenersQuery)
	if err != nil {
		return listeners{}, internal("find webhook endpoints", err)
	}
	defer rs.Close()
	l := listeners{clients: map[string]bool{}}
	for rs.Next() {
		var id *string
		if err := rs.Scan(&id); err != nil {
			return listeners{}, internal("find webhook endpoints", err)
		}
		if id == nil {
			l.all = true
		} else {
			l.clients[*id] = true
		}
	}
	if err := rs.Err(); err != nil {
		return listeners{}, internal("find webhook endpoints", err)
	}
	return l, nil
}

// linkClicksInsert stores clicks.
var linkClicksInsert = rowsInsert{table: "link_clicks",
	cols:     []string{"id", "ref", "client_id", "campaign_id", "recipient_id", "kind", "method", "user_agent", "clicked_at"},
	pgTypes:  []string{"text", "text", "text", "text", "text", "text", "text", "text", "timestamptz"},
	suffix:   " ON CONFLICT (id) DO NOTHING",
	orIgnore: true,
	// 8 rows of 9 values: the redirector's ingest stores a click in
	// 15–18 % less time than in statements of 64 rows
	// (BenchmarkStoreLinkVisits), and under load the redirector answers
	// more (cmd/lgredirect).
	maxRows: 8}

// clickValues are rows as linkClicksInsert's values.
func clickValues(rows []LinkClickRow) [][]any {
	values := make([][]any, len(rows))
	for i, r := range rows {
		values[i] = clickRowValues(r)
	}
	return values
}

// clickRowValues is one row as linkClicksInsert's values.
func clickRowValues(r LinkClickRow) []any {
	return []any{r.ID, r.Ref, r.ClientID, r.CampaignID, r.RecipientID, string(r.Kind), r.Method, r.UserAgent, r.ClickedAt}
}

// nullable is *p, or an untyped nil for NULL (which database/sql passes
// on without reflection).
func nullable(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

// clickShape is what the rows of one SQLite INSERT of clicks share, and
// the statement writes as SQL literals rather than parameters: the kind,
// the method (GET or HEAD; any other takes linkClicksInsert) and, for
// clicks that are not a campaign message's, NULL campaign and message.
// modernc.org/sqlite finds each parameter by scanning the arguments from
// the first, so binding costs grow with the square of a statement's
// values: with 5 values a click instead of 9, BenchmarkStoreLinkVisits
// (SQLite) stores a click in 10.3 µs against 10.9 (medians of 6 runs in
// turns), and in 13–18 % less time without a user agent to classify.
type clickShape struct {
	kind     ClickKind
	method   string
	campaign bool // campaign_id and recipient_id are bound (else NULL)
}

// clickShapes are the INSERTs of each shape.
var clickShapes = func() map[clickShape]rowsInsert {
	m := map[clickShape]rowsInsert{}
	for _, kind := range []ClickKind{ClickHuman, ClickAutomated} {
		for _, method := range []string{"GET", "HEAD"} {
			for _, campaign := range []bool{false, true} {
				ins := linkClicksInsert
				ids := "NULL, NULL"
				if campaign {
					ids = "?, ?"
				}
				// kind and method come from the lists above: nothing to quote.
				ins.row = "(?, ?, ?, " + ids + ", '" + string(kind) + "', '" + method + "', ?, ?)"
				m[clickShape{kind: kind, method: method, campaign: campaign}] = ins
			}
		}
	}
	return m
}()

// insertClickShapes writes rows on SQLite: each shape's rows (in their
// order) with that shape's INSERT, a row of no shape with
// linkClicksInsert.
func insertClickShapes(ctx context.Context, db *DB, tx *sql.Tx, rows []LinkClickRow) error {
	type group struct {
		ins    rowsInsert
		values [][]any
	}
	var groups []*group // in the order first met
	byShape := map[clickShape]*group{}
	var other [][]any
	for _, r := range rows {
		sh := clickShape{kind: r.Kind, method: r.Method, campaign: r.CampaignID != nil || r.RecipientID != nil}
		ins, ok := clickShapes[sh]
		if !ok {
			other = append(other, clickRowValues(r))
			continue
		}
		g := byShape[sh]
		if g == nil {
			g = &group{ins: ins}
			byShape[sh] = g
			groups = append(groups, g)
		}
		if sh.campaign {
			g.values = append(g.values, []any{r.ID, r.Ref, r.ClientID, nullable(r.CampaignID), nullable(r.RecipientID), r.UserAgent, r.ClickedAt})
		} else {
			g.values = append(g.values, []any{r.ID, r.Ref, r.ClientID, r.UserAgent, r.ClickedAt})
		}
	}
	for _, g := range groups {
		if err := g.ins.runTx(ctx, db, tx, g.values, nil); err != nil {
			return err
		}
	}
	if len(other) > 0 {
		return linkClicksInsert.runTx(ctx, db, tx, other, nil)
	}
	return nil
}

// FallbackURL is where an unknown ref on host goes: the fallback URL of
// the client whose configured tracking domain host is (with or without
// a prefix); "" for the platform's host or a client without one.
func (s *Store) FallbackURL(ctx context.Context, host string) (string, error) {
	host = strings.ToLower(host)
	candidates := []string{host}
	if _, rest, ok := strings.Cut(host, "."); ok {
		candidates = append(candidates, rest)
	}
	var urls []string
	err := s.gorm(ctx).Table("domains AS d").Joins("JOIN clients c ON c.id = d.client_id").
		Where("d.host IN ? AND d.purpose = ? AND d.status = ?", candidates, PurposeURLTracking, StatusConfigured).
		Order("length(d.host) DESC").Limit(1).Pluck("c.fallback_url", &urls).Error
	if err != nil {
		return "", internal("find fallback", err)
	}
	if len(urls) == 0 {
		return "", nil
	}
	return urls[0], nil
}

// TrackingHosts lists the hosts of every configured url_tracking domain.
func (s *Store) TrackingHosts(ctx context.Context) ([]string, error) {
	var hosts []string
	err := s.gorm(ctx).Model(&Domain{}).Where("purpose = ? AND status = ?", PurposeURLTracking, StatusConfigured).
		Order("host").Pluck("host", &hosts).Error
	if err != nil {
		return nil, internal("list tracking hosts", err)
	}
	return hosts, nil
}

// IsTrackingHost reports whether host is served by the redirector: the
// platform's tracking host or a configured url_tracking domain, either
// alone or behind one prefix word (offers.dyn.co) — what a fronting
// proxy may get a certificate for (GET /tls/ask).
func (s *Store) IsTrackingHost(ctx context.Context, host string) (bool, error) {
	host = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(host), "."))
	if host == "" {
		return false, nil
	}
	candidates := []string{host}
	if word, rest, ok := strings.Cut(host, "."); ok && shortlink.ValidPrefix(word) {
		candidates = append(candidates, rest)
	}
	for _, h := range candidates {
		if s.trackingHost != "" && h == s.trackingHost {
			return true, nil
		}
	}
	var n int64
	err := s.gorm(ctx).Model(&Domain{}).Where("host IN ? AND purpose = ? AND status = ?", candidates,
		PurposeURLTracking, StatusConfigured).Count(&n).Error
	if err != nil {
		return false, internal("find tracking host", err)
	}
	return n > 0, nil
}

// DeleteExpiredLinks deletes up to batch links made before cutoff and up
// to batch clicks made before it; it returns how many rows went.
func (s *Store) DeleteExpiredLinks(ctx context.Context, cutoff time.Time, batch int) (int64, error) {
	var total int64
	// A click's id is a ULID of its time: the primary key finds old ones.
	for _, q := range []struct {
		sql string
		arg any
	}{
		{"DELETE FROM link_clicks WHERE id IN (SELECT id FROM link_clicks WHERE id < ? ORDER BY id LIMIT ?)", idBefore(PrefixLinkClick, cutoff)},
		{"DELETE FROM tracked_links WHERE ref IN (SELECT ref FROM tracked_links WHERE created_at < ? LIMIT ?)", cutoff},
	} {
		res := s.gorm(ctx).Exec(q.sql, q.arg, batch)
		if res.Error != nil {
			return total, internal("delete expired links", res.Error)
		}
		total += res.RowsAffected
	}
	if total > 0 {
		s.links.forget() // a cached link must not outlive its row
	}
	return total, nil
}

// storedClickIDs returns which of ids are stored clicks.
func (s *Store) storedClickIDs(ctx context.Context, tx *sql.Tx, ids []string) (map[string]bool, error) {
	have := map[string]bool{}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := make([]any, n)
		for i, id := range ids[:n] {
			args[i] = id
		}
		rs, err := tx.QueryContext(ctx, s.db.placeholders("SELECT id FROM link_clicks WHERE id IN (?"+strings.Repeat(", ?", n-1)+")"), args...)
		if err != nil {
			return nil, err
		}
		for rs.Next() {
			var id string
			if err := rs.Scan(&id); err != nil {
				_ = rs.Close()
				return nil, err
			}
			have[id] = true
		}
		if err := rs.Close(); err != nil {
			return nil, err
		}
		if err := rs.Err(); err != nil {
			return nil, err
		}
		ids = ids[n:]
	}
	return have, nil
}

// CampaignLinkStat is one tracked URL of a campaign with its clicks.
type CampaignLinkStat struct {
	URL             string `json:"url"`
	Links           int64  `json:"links"`
	Clicks          int64  `json:"clicks"`
	AutomatedClicks int64  `json:"automated_clicks"`
}

// CampaignLinkStats sums a campaign's tracked links by URL: how many
// short links were made for it and how often they were clicked.
func (s *Store) CampaignLinkStats(ctx context.Context, sc Scope, campaignID string) ([]CampaignLinkStat, error) {
	if _, err := s.GetCampaign(ctx, sc, campaignID); err != nil {
		return nil, err
	}
	out := []CampaignLinkStat{}
	err := s.gorm(ctx).Raw(`SELECT l.url AS url, COUNT(DISTINCT l.ref) AS links,
  COUNT(k.id) FILTER (WHERE k.kind = ?) AS clicks,
  COUNT(k.id) FILTER (WHERE k.kind <> ?) AS automated_clicks
FROM tracked_links l LEFT JOIN link_clicks k ON k.ref = l.ref AND k.campaign_id = ?
WHERE l.campaign_id = ?
GROUP BY l.url ORDER BY clicks DESC, l.url`, ClickHuman, ClickHuman, campaignID, campaignID).Scan(&out).Error
	if err != nil {
		return nil, internal("campaign link stats", err)
	}
	return out, nil
}
