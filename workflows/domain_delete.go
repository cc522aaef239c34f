package workflows

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/providers"
)

// dnsRecordComment marks the CNAMEs linkgate creates, so that deleting a
// domain removes only a record that is linkgate's.
const dnsRecordComment = "managed by linkgate"

// DNSCleanup says what became of a deleted domain's DNS record.
type DNSCleanup string

// The outcomes.
const (
	// DNSCleanupNone: no record was ever set up for the domain.
	DNSCleanupNone DNSCleanup = ""
	// DNSCleanupRemoved: linkgate deleted the CNAME it had created.
	DNSCleanupRemoved DNSCleanup = "removed"
	// DNSCleanupClientMustRemove: the client must delete the record
	// (linkgate did not create it, or no longer holds credentials); the
	// client was e-mailed the records.
	DNSCleanupClientMustRemove DNSCleanup = "client_must_remove"
)

// DeleteResult is what DeleteDomain did.
type DeleteResult struct {
	Domain     *models.Domain // as it was
	DNSCleanup DNSCleanup
	Records    []models.DNSRecordView // the records the domain had
}

// DeleteDomain deletes a domain visible in scope: its Messaging Services
// are detached at Twilio first (each under its lock), then its CNAME is
// removed where linkgate created it and still holds the DNS credentials;
// the row goes with domain.deleted and, when the client must remove the
// record, the e-mail that says so, in one transaction. A provider outage
// is 503 and deletes nothing more (a Messaging Service already detached
// stays detached, as the timeline says).
func (e *Engine) DeleteDomain(ctx context.Context, sc models.Scope, domainID, actor string) (DeleteResult, error) {
	d, err := e.store.GetDomain(ctx, sc, domainID)
	if err != nil {
		return DeleteResult{}, err
	}
	for _, sid := range d.MessagingServiceSIDs {
		err := e.DetachMessagingService(ctx, sc, d.ID, sid, actor)
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return DeleteResult{}, err
		}
	}
	res := DeleteResult{Domain: d, Records: d.View().DNSRecords}
	if d.DNSStatus != models.DNSNotStarted {
		res.DNSCleanup = DNSCleanupClientMustRemove
		removed, err := e.removeCNAME(ctx, d)
		if err != nil {
			return DeleteResult{}, err
		}
		if removed {
			res.DNSCleanup = DNSCleanupRemoved
		}
	}
	err = e.store.Tx(ctx, func(tx *gorm.DB, sqlTx *sqlTxAlias) error {
		var extra map[string]any
		if res.DNSCleanup != DNSCleanupNone {
			extra = map[string]any{"dns_cleanup": res.DNSCleanup}
		}
		if err := e.store.DeleteDomainTx(tx, d, actor, extra); err != nil {
			return err
		}
		if res.DNSCleanup != DNSCleanupClientMustRemove {
			return nil
		}
		return e.noticeTx(ctx, sqlTx, DomainNoticeArgs{Notice: NoticeDeleted, ClientID: d.ClientID, DomainID: d.ID,
			Host: d.Host, Records: res.Records})
	})
	if err != nil {
		return DeleteResult{}, err
	}
	return res, nil
}

// removeCNAME deletes the domain's CNAME when it is linkgate's and the
// credentials are still stored (they are usually forgotten once DNS is
// verified). It reports false, with no error, whenever the client must
// remove the record; a transient provider error is 503.
func (e *Engine) removeCNAME(ctx context.Context, d *models.Domain) (bool, error) {
	if d.SetupMode != models.SetupSelf {
		return false, nil
	}
	giveUp := func(what string, err error) (bool, error) {
		if providers.IsTransient(err) {
			return false, unavailable(err)
		}
		e.log.InfoContext(ctx, "deleted domain's CNAME left to the client", "domain_id", d.ID, "step", what, "error", err.Error())
		return false, nil
	}
	dns, zone, err := e.dnsFor(ctx, d)
	if errors.Is(err, models.ErrNotFound) {
		return false, nil // no credentials any more
	}
	if err != nil {
		return giveUp("connect", err)
	}
	// Look the record up the one way the contract offers: EnsureCNAME
	// returns the record that is there (and makes it if it was already
	// gone, which the delete below undoes).
	rec, created, err := dns.EnsureCNAME(ctx, zone, providers.CNAME{Name: d.Host, Target: d.CNAMETarget, TTL: d.CNAMETTL, Comment: dnsRecordComment})
	if err != nil {
		return giveUp("look up", err)
	}
	if !created && rec.Comment != dnsRecordComment {
		return false, nil // the client's own record: theirs to remove
	}
	if err := dns.DeleteRecord(ctx, zone, rec.ID); err != nil {
		return giveUp("delete", err)
	}
	return true, nil
}
