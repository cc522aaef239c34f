package workflows

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/providers"
)

// E-mail notifications (issue 17): the client's address, and the admins
// of Config.NotifyAdmins, are e-mailed when a domain fails, when a live
// domain's certificate will expire within models.CertExpiryNotice and
// when a registration link expired unused, each with a link to the
// console page that fixes it. A periodic pass (Notify) finds the events
// nobody was told about (models.NotificationsDue); for each, one
// transaction records it (models.RecordNotificationTx) and enqueues one
// e-mail job per recipient, so each event is mailed once, and only if
// the record is committed.

const (
	kindNotifyPass  = "notify_pass"
	kindNotifyEmail = "notify_email"
	// notifyBatch bounds the events of each kind one pass handles.
	notifyBatch = 200
	// DefaultNotifyInterval is how often the pass runs.
	DefaultNotifyInterval = time.Minute
)

var notifyText = map[models.NotificationKind]*texttemplate.Template{
	models.NotifyDomainFailed:        texttemplate.Must(texttemplate.ParseFS(templateFS, "templates/notify_domain_failed.txt.tmpl")),
	models.NotifyCertExpiring:        texttemplate.Must(texttemplate.ParseFS(templateFS, "templates/notify_cert_expiring.txt.tmpl")),
	models.NotifyRegistrationExpired: texttemplate.Must(texttemplate.ParseFS(templateFS, "templates/notify_registration_expired.txt.tmpl")),
}

var notifySubject = map[models.NotificationKind]string{
	models.NotifyDomainFailed:        "The setup of %s failed",
	models.NotifyCertExpiring:        "The certificate of %s expires soon",
	models.NotifyRegistrationExpired: "The registration link for %s expired unused",
}

// NotifyPassArgs runs one notification pass (a periodic job).
type NotifyPassArgs struct{}

// Kind implements river.JobArgs.
func (NotifyPassArgs) Kind() string { return kindNotifyPass }

// NotifyEmailArgs e-mails one notification to one recipient; what it says
// travels in the args (the domain may be gone by then).
type NotifyEmailArgs struct {
	Notice     models.NotificationKind `json:"notice" river:"unique"`
	SubjectKey string                  `json:"subject_key" river:"unique"`
	To         string                  `json:"to" river:"unique"`
	Admin      bool                    `json:"admin,omitempty"`
	ClientID   string                  `json:"client_id"`
	DomainID   string                  `json:"domain_id"`
	Host       string                  `json:"host"`
	Reason     string                  `json:"reason,omitempty"`
	At         time.Time               `json:"at"`
}

// Kind implements river.JobArgs.
func (NotifyEmailArgs) Kind() string { return kindNotifyEmail }

// Notify runs one pass on the store's clock and returns how many events
// it told about. Without a mailer it does nothing (and records nothing).
func (e *Engine) Notify(ctx context.Context) (int, error) {
	if e.cfg.Mailer == nil {
		return 0, nil
	}
	due, err := e.store.NotificationsDue(ctx, e.store.Now(), notifyBatch)
	if err != nil {
		return 0, err
	}
	told := 0
	for _, n := range due {
		err := e.store.Tx(ctx, func(tx *gorm.DB, sqlTx *sqlTxAlias) error {
			ok, err := e.store.RecordNotificationTx(tx, n)
			if err != nil || !ok {
				return err
			}
			var c models.Client
			if err := tx.Select("email").Where("id = ?", n.ClientID).Take(&c).Error; err != nil {
				if errors.Is(err, gorm.ErrRecordNotFound) {
					return nil // the client is gone: nobody to tell
				}
				return err
			}
			args := NotifyEmailArgs{Notice: n.Kind, SubjectKey: n.SubjectKey, ClientID: n.ClientID, DomainID: n.DomainID,
				Host: n.Host, Reason: n.Reason, At: n.At}
			sent := map[string]bool{}
			for i, to := range append([]string{c.Email}, e.cfg.NotifyAdmins...) {
				if sent[to] {
					continue
				}
				sent[to] = true
				args.To, args.Admin = to, i > 0
				if err := e.insertTx(ctx, sqlTx, args); err != nil {
					return err
				}
			}
			told++
			return nil
		})
		if err != nil {
			return told, err
		}
	}
	if told > 0 {
		e.log.InfoContext(ctx, "notifications queued", "events", told)
	}
	return told, nil
}

// DomainPageURL is the console page of a domain.
func (e *Engine) DomainPageURL(domainID string) string {
	return strings.TrimRight(e.cfg.PublicURL, "/") + "/console/domains/" + domainID
}

type notifyPassWorker struct {
	river.WorkerDefaults[NotifyPassArgs]
	e *Engine
}

func (w *notifyPassWorker) Work(ctx context.Context, _ *river.Job[NotifyPassArgs]) error {
	_, err := w.e.Notify(ctx)
	return err
}

type notifyEmailWorker struct {
	river.WorkerDefaults[NotifyEmailArgs]
	e *Engine
}

func (w *notifyEmailWorker) Work(ctx context.Context, job *river.Job[NotifyEmailArgs]) error {
	e := w.e
	a := job.Args
	tmpl, ok := notifyText[a.Notice]
	if !ok {
		return river.JobCancel(errors.New("unknown notification " + string(a.Notice)))
	}
	c, err := e.store.GetClient(ctx, models.Scope{}, a.ClientID)
	if errors.Is(err, models.ErrNotFound) {
		return nil // the client is gone: nothing left to fix
	}
	if err != nil {
		return err
	}
	data := map[string]any{"Platform": e.cfg.PlatformName, "Client": c.Name, "Admin": a.Admin, "Host": a.Host,
		"Reason": a.Reason, "When": a.At.UTC().Format("2 January 2006 at 15:04 UTC"), "Link": e.DomainPageURL(a.DomainID)}
	if a.Notice == models.NotifyCertExpiring {
		data["Days"] = max(0, int(a.At.Sub(e.store.Now()).Hours()/24))
	}
	var text bytes.Buffer
	if err := tmpl.Execute(&text, data); err != nil {
		return river.JobCancel(err)
	}
	msg := providers.Message{To: a.To, Subject: fmt.Sprintf(notifySubject[a.Notice], a.Host), Text: text.String()}
	if err := e.cfg.Mailer.Send(ctx, msg); err != nil {
		if providers.IsTransient(err) && job.Attempt < job.MaxAttempts {
			return err
		}
		e.log.WarnContext(ctx, "notification not delivered", "notice", a.Notice, "domain_id", a.DomainID, "error", err.Error())
		return river.JobCancel(err)
	}
	e.log.InfoContext(ctx, "notification sent", "notice", a.Notice, "client_id", a.ClientID, "domain_id", a.DomainID, "admin", a.Admin)
	return nil
}
