package workflows

import (
	"context"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/linkgate/linkgate/models"
)

// Auto-archive (API.md "Domain management"): a periodic job archives, as
// the system, configured domains not used to send for AutoArchiveAfter
// (counted from the last message, else from when the domain became
// configured). models.ArchiveWarning before, the client is e-mailed once
// and domain.archive_warning is emitted; a domain is archived only once
// its client has had that warning for models.ArchiveWarning, so nobody
// loses a domain unwarned. Using the domain again clears the warning.

const kindAutoArchive = "domain_auto_archive"

// autoArchiveBatch bounds the domains warned and archived per run.
const autoArchiveBatch = 500

// AutoArchiveArgs runs one auto-archive pass (a periodic job).
type AutoArchiveArgs struct{}

// Kind implements river.JobArgs.
func (AutoArchiveArgs) Kind() string { return kindAutoArchive }

// AutoArchiveResult counts what one pass did.
type AutoArchiveResult struct {
	Warned   int
	Archived int
}

// AutoArchive runs one pass on the store's clock: warns the clients of
// domains due within models.ArchiveWarning, then archives the domains that
// are due and were warned long enough ago. It does nothing when
// auto-archive is off.
func (e *Engine) AutoArchive(ctx context.Context) (AutoArchiveResult, error) {
	var res AutoArchiveResult
	after := e.cfg.AutoArchiveAfter
	if after <= 0 {
		return res, nil
	}
	now := e.store.Now()
	warnSince := now.Add(-(after - models.ArchiveWarning))
	toWarn, err := e.store.DomainsToWarn(ctx, warnSince, autoArchiveBatch)
	if err != nil {
		return res, err
	}
	for _, d := range toWarn {
		archiveAt := d.LastUse().Add(after)
		if earliest := now.Add(models.ArchiveWarning); archiveAt.Before(earliest) {
			archiveAt = earliest
		}
		err := e.store.Tx(ctx, func(tx *gorm.DB, sqlTx *sqlTxAlias) error {
			ok, err := e.store.WarnArchiveTx(tx, d, warnSince, archiveAt)
			if err != nil || !ok {
				return err
			}
			res.Warned++
			return e.noticeTx(ctx, sqlTx, DomainNoticeArgs{Notice: NoticeArchiveWarning, ClientID: d.ClientID, DomainID: d.ID,
				Host: d.Host, ArchiveAt: &archiveAt})
		})
		if err != nil {
			return res, err
		}
	}
	unusedSince := now.Add(-after)
	toArchive, err := e.store.DomainsToArchive(ctx, unusedSince, now.Add(-models.ArchiveWarning), autoArchiveBatch)
	if err != nil {
		return res, err
	}
	for _, d := range toArchive {
		err := e.store.Tx(ctx, func(tx *gorm.DB, _ *sqlTxAlias) error {
			ok, err := e.store.AutoArchiveTx(tx, d, unusedSince)
			if ok {
				res.Archived++
			}
			return err
		})
		if err != nil {
			return res, err
		}
	}
	if res.Warned+res.Archived > 0 {
		e.log.InfoContext(ctx, "auto-archive", "warned", res.Warned, "archived", res.Archived)
	}
	return res, nil
}

type autoArchiveWorker struct {
	river.WorkerDefaults[AutoArchiveArgs]
	e *Engine
}

func (w *autoArchiveWorker) Work(ctx context.Context, _ *river.Job[AutoArchiveArgs]) error {
	_, err := w.e.AutoArchive(ctx)
	return err
}
