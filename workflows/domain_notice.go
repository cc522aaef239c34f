package workflows

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	texttemplate "text/template"
	"time"

	"github.com/riverqueue/river"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/providers"
)

// Notices to a client about one of its domains, e-mailed to the client's
// address by a job enqueued in the transaction of the change they report
// (so a notice goes out if and only if the change is committed).

const kindDomainNotice = "domain_notice_email"

// The notices.
const (
	NoticeDeleted        = "deleted"         // the domain was deleted; remove its DNS record
	NoticeArchiveWarning = "archive_warning" // the domain will be archived for lack of use
	// NoticeCampaignSuspended: a campaign stopped sending (every domain
	// spent). DomainID carries the campaign's id, Host its name.
	NoticeCampaignSuspended = "campaign_suspended"
)

var noticeText = map[string]*texttemplate.Template{
	NoticeDeleted:           texttemplate.Must(texttemplate.ParseFS(templateFS, "templates/domain_deleted.txt.tmpl")),
	NoticeArchiveWarning:    texttemplate.Must(texttemplate.ParseFS(templateFS, "templates/domain_archive_warning.txt.tmpl")),
	NoticeCampaignSuspended: texttemplate.Must(texttemplate.ParseFS(templateFS, "templates/campaign_suspended.txt.tmpl")),
}

var noticeSubject = map[string]string{
	NoticeDeleted:           "Remove the DNS record of %s",
	NoticeArchiveWarning:    "%s will be archived for lack of use",
	NoticeCampaignSuspended: "Campaign %s is suspended",
}

// DomainNoticeArgs e-mails a notice about a domain to its client. The
// domain may be gone (deleted), so what the mail says travels in the args.
type DomainNoticeArgs struct {
	Notice    string                 `json:"notice" river:"unique"`
	ClientID  string                 `json:"client_id"`
	DomainID  string                 `json:"domain_id" river:"unique"`
	Host      string                 `json:"host"`
	Records   []models.DNSRecordView `json:"records,omitempty"`
	ArchiveAt *time.Time             `json:"archive_at,omitempty"`
	Reason    string                 `json:"reason,omitempty"`
}

// Kind implements river.JobArgs.
func (DomainNoticeArgs) Kind() string { return kindDomainNotice }

// noticeTx enqueues a notice in the caller's transaction; without a
// mailer it is only logged.
func (e *Engine) noticeTx(ctx context.Context, tx *sqlTxAlias, args DomainNoticeArgs) error {
	if e.cfg.Mailer == nil {
		e.log.WarnContext(ctx, "no mailer: domain notice not sent", "notice", args.Notice, "domain_id", args.DomainID)
		return nil
	}
	return e.insertTx(ctx, tx, args)
}

type domainNoticeWorker struct {
	river.WorkerDefaults[DomainNoticeArgs]
	e *Engine
}

func (w *domainNoticeWorker) Work(ctx context.Context, job *river.Job[DomainNoticeArgs]) error {
	e := w.e
	a := job.Args
	tmpl, ok := noticeText[a.Notice]
	if !ok {
		return river.JobCancel(errors.New("unknown domain notice " + a.Notice))
	}
	c, err := e.store.GetClient(ctx, models.Scope{}, a.ClientID)
	if errors.Is(err, models.ErrNotFound) {
		return nil // the client is gone: nobody to tell
	}
	if err != nil {
		return err
	}
	data := map[string]any{"Platform": e.cfg.PlatformName, "Client": c.Name, "Host": a.Host, "Records": a.Records,
		"Reason": a.Reason}
	if a.ArchiveAt != nil {
		data["ArchiveAt"] = a.ArchiveAt.UTC().Format("2 January 2006 at 15:04 UTC")
	}
	var text bytes.Buffer
	if err := tmpl.Execute(&text, data); err != nil {
		return river.JobCancel(err)
	}
	msg := providers.Message{To: c.Email, Subject: fmt.Sprintf(noticeSubject[a.Notice], a.Host), Text: text.String()}
	if err := e.cfg.Mailer.Send(ctx, msg); err != nil {
		if providers.IsTransient(err) && job.Attempt < job.MaxAttempts {
			return err
		}
		e.log.WarnContext(ctx, "domain notice not delivered", "notice", a.Notice, "client_id", a.ClientID, "error", err.Error())
		return river.JobCancel(err)
	}
	e.log.InfoContext(ctx, "domain notice sent", "notice", a.Notice, "client_id", a.ClientID, "domain_id", a.DomainID)
	return nil
}
