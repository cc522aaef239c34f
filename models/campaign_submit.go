package models

// Submitting a campaign: draft → processing, then the content checks
// (run synchronously for now: a River job can take checkCampaignContentTx
// later), then rejected with the reason, or ready, or scheduled when
// scheduled_at is set.

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"gorm.io/gorm"
)

// PublicShorteners are the public link shorteners a campaign's messages
// may not link to: the recipient cannot see where such a link goes, and
// carriers filter them.
var PublicShorteners = []string{"bit.ly", "tinyurl.com", "t.co", "goo.gl", "ow.ly", "is.gd", "buff.ly",
	"rebrand.ly", "cutt.ly", "shorturl.at"}

// placeholderPattern finds {{name}} placeholders in a body.
var placeholderPattern = regexp.MustCompile(`\{\{\s*([^{}\s]*)\s*\}\}`)

// hostPattern finds the hosts of links in a body, with or without a
// scheme ("bit.ly/x", "https://t.co/y").
var hostPattern = regexp.MustCompile(`(?i)(?:https?://)?((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,})(?:[/:?#]|\b)`)

// builtinVars are the placeholders every recipient has.
var builtinVars = []string{"phone"}

// contentProblem returns why the campaign's content is refused, or "".
// vars are the recipients' variable names (lowercase).
func contentProblem(c *Campaign, vars map[string]bool) string {
	for i, v := range c.Variants {
		var unknown []string
		for _, m := range placeholderPattern.FindAllStringSubmatch(v.Body, -1) {
			name := strings.ToLower(m[1])
			if !vars[name] && !slices.Contains(builtinVars, name) && !slices.Contains(unknown, m[1]) {
				unknown = append(unknown, m[1])
			}
		}
		if len(unknown) > 0 {
			sort.Strings(unknown)
			return fmt.Sprintf("variant %d uses placeholders that no recipient column gives: %s", i+1, strings.Join(unknown, ", "))
		}
		for _, m := range hostPattern.FindAllStringSubmatch(v.Body, -1) {
			host := strings.ToLower(m[1])
			for _, sh := range PublicShorteners {
				if host == sh || strings.HasSuffix(host, "."+sh) {
					return fmt.Sprintf("variant %d links to the public link shortener %s", i+1, sh)
				}
			}
		}
	}
	return ""
}

// SubmitCampaign runs a draft campaign's content checks: it needs
// recipients (422 no_recipients) and a variant (422 no_variants); it
// becomes processing, then rejected (status_reason says why), ready, or
// scheduled when scheduled_at is set. The checks run synchronously for
// now, in the same transaction, so that a campaign is never left in
// processing by a failure; both steps are on its timeline.
func (s *Store) SubmitCampaign(ctx context.Context, sc Scope, id, actor string, then ...CampaignTxHook) (*Campaign, error) {
	return s.SubmitCampaignScreened(ctx, sc, id, actor, nil, then...)
}

// LinkScreen says why a campaign whose bodies link to hosts is refused
// ("" when it is not): the reputation sources' verdict, asked before the
// submit's transaction.
type LinkScreen func(hosts []string) string

// CampaignLinkHosts returns the distinct hosts the campaign's bodies link
// to, lower-case, in order of appearance.
func (c *Campaign) CampaignLinkHosts() []string {
	var out []string
	for _, v := range c.Variants {
		for _, m := range hostPattern.FindAllStringSubmatch(v.Body, -1) {
			if h := strings.ToLower(m[1]); !slices.Contains(out, h) {
				out = append(out, h)
			}
		}
	}
	return out
}

// SubmitCampaignScreened is SubmitCampaign with the links' hosts also
// screened: by the client's own domains that are flagged (under_review,
// declined, blocked) and by screen when given.
func (s *Store) SubmitCampaignScreened(ctx context.Context, sc Scope, id, actor string, screen LinkScreen, then ...CampaignTxHook) (*Campaign, error) {
	var out *Campaign
	err := s.Tx(ctx, func(tx *gorm.DB, sqlTx *sql.Tx) error {
		c, err := s.campaignTx(tx, sc, id)
		if err != nil {
			return err
		}
		if err := CampaignSubmittable.Check(c.Status, "submitted"); err != nil {
			return err
		}
		if len(c.Variants) == 0 {
			return Invalid("no_variants", "variants", "the campaign has no message variant")
		}
		if c.RecipientCount == 0 {
			return &Error{Kind: KindInvalid, Code: "no_recipients", Detail: "the campaign has no recipients"}
		}
		clear := ""
		if err := s.ApplyCampaignTx(tx, c, CampaignChange{To: CampaignProcessing, Reason: "submitted", Actor: actor,
			StatusReason: &clear}); err != nil {
			return err
		}
		if err := s.checkCampaignContentTx(tx, c, screen); err != nil {
			return err
		}
		for _, h := range then {
			if err := h(sqlTx, c); err != nil {
				return err
			}
		}
		out = c
		return nil
	})
	if err != nil {
		return nil, internal("submit campaign", err)
	}
	return out, nil
}

// checkCampaignContentTx moves a processing campaign on from its content
// checks.
func (s *Store) checkCampaignContentTx(tx *gorm.DB, c *Campaign, screen LinkScreen) error {
	vars, err := recipientVarNames(tx, c.ID)
	if err != nil {
		return err
	}
	ch := CampaignChange{To: CampaignReady, Reason: "content checks passed", Actor: "linkgate"}
	problem := contentProblem(c, vars)
	if problem == "" {
		if problem, err = flaggedLinkTx(tx, c); err != nil {
			return err
		}
	}
	if problem == "" && screen != nil {
		problem = screen(c.CampaignLinkHosts())
	}
	if problem != "" {
		ch = CampaignChange{To: CampaignRejected, Reason: problem, Actor: "linkgate", StatusReason: &problem}
	} else if c.ScheduledAt != nil {
		ch.To = CampaignScheduled
	}
	return s.ApplyCampaignTx(tx, c, ch)
}

// flaggedLinkTx says which link of the campaign goes to a domain linkgate
// knows as flagged (under review, declined or blocked), or "".
func flaggedLinkTx(tx *gorm.DB, c *Campaign) (string, error) {
	hosts := c.CampaignLinkHosts()
	if len(hosts) == 0 {
		return "", nil
	}
	var d Domain
	err := tx.Select("host, status").Where("host IN ? AND status IN ?", hosts,
		[]Status{StatusUnderReview, StatusDeclined, StatusBlocked}).Limit(1).Find(&d).Error
	if err != nil {
		return "", internal("flagged links", err)
	}
	if d.Host == "" {
		return "", nil
	}
	why := map[Status]string{StatusUnderReview: "under review for its reputation", StatusDeclined: "declined after a reputation review",
		StatusBlocked: "blocked: carriers filter its messages"}[d.Status]
	return fmt.Sprintf("a message links to %s, which is %s", d.Host, why), nil
}
