package workflows

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	texttemplate "text/template"

	"github.com/riverqueue/river"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/providers"
)

// Console password resets. Asking for a link only enqueues a job with the
// address typed, whether or not an account has it, so the request takes
// the same path and time either way (no account enumeration); the job
// looks the account up, makes the link (models.CreatePasswordReset, which
// revokes the user's earlier links) and mails it, or does nothing.

var resetMailText = texttemplate.Must(texttemplate.ParseFS(templateFS, "templates/password_reset.txt.tmpl"))

const kindSendPasswordReset = "password_reset_send"

// ResetPath is where a password reset link points: ResetPath + "/" + token
// under the public URL.
const ResetPath = "/console/reset"

// SendPasswordResetArgs mails a reset link to the account with this
// address, if there is one.
type SendPasswordResetArgs struct {
	Email string `json:"email" river:"unique"`
}

// Kind implements river.JobArgs.
func (SendPasswordResetArgs) Kind() string { return kindSendPasswordReset }

// ErrMailUnavailable is returned when no mailer is configured.
var ErrMailUnavailable = &models.Error{Kind: models.KindUnavailable, Code: "mail_unavailable", Detail: "no mailer is configured"}

// RequestPasswordReset queues a reset link for the account with this
// e-mail. It answers the same for an address that has no account: a
// malformed address is KindInvalid on field "email", no mailer is
// ErrMailUnavailable, and otherwise nil. A second request while one is
// still queued for the address is absorbed by it.
func (e *Engine) RequestPasswordReset(ctx context.Context, email string) error {
	if e.cfg.Mailer == nil {
		return ErrMailUnavailable
	}
	var fields []models.FieldError
	email = models.NormalizeEmail("email", email, &fields)
	if len(fields) > 0 {
		return &models.Error{Kind: models.KindInvalid, Code: "invalid_email", Detail: fields[0].Message, Fields: fields}
	}
	if err := e.enqueue(ctx, nil, river.InsertManyParams{Args: SendPasswordResetArgs{Email: email}, InsertOpts: &river.InsertOpts{UniqueOpts: uniqueStep}}); err != nil {
		return &models.Error{Kind: models.KindInternal, Code: "internal", Detail: "enqueue " + kindSendPasswordReset, Err: err}
	}
	return nil
}

// PasswordResetLink is the link of a reset token.
func (e *Engine) PasswordResetLink(token string) string {
	return strings.TrimRight(e.cfg.PublicURL, "/") + ResetPath + "/" + token
}

type sendPasswordResetWorker struct {
	river.WorkerDefaults[SendPasswordResetArgs]
	e *Engine
}

// Work makes a link and mails it. A retry after a transient mail failure
// makes a new link (revoking the one that may not have arrived).
func (w *sendPasswordResetWorker) Work(ctx context.Context, job *river.Job[SendPasswordResetArgs]) error {
	e := w.e
	u, err := e.store.UserByEmail(ctx, job.Args.Email)
	if errors.Is(err, models.ErrNotFound) {
		// The address is not logged: it may be anybody's typo.
		e.log.InfoContext(ctx, "password reset asked for an address with no account")
		return nil
	}
	if err != nil {
		return err
	}
	r, token, err := e.store.CreatePasswordReset(ctx, u.ID, models.PasswordResetTTL)
	if errors.Is(err, models.ErrNotFound) {
		return nil // the user was deleted meanwhile
	}
	if err != nil {
		return err
	}
	data := map[string]any{
		"Platform": e.cfg.PlatformName, "Email": u.Email, "Link": e.PasswordResetLink(token),
		"Minutes": strconv.Itoa(int(models.PasswordResetTTL.Minutes())),
		"Expires": r.ExpiresAt.UTC().Format("15:04 UTC on Monday 2 January 2006"),
	}
	var text bytes.Buffer
	if err := resetMailText.Execute(&text, data); err != nil {
		return err
	}
	msg := providers.Message{To: u.Email, Subject: "Reset your " + e.cfg.PlatformName + " console password", Text: text.String()}
	if err := e.cfg.Mailer.Send(ctx, msg); err != nil {
		if providers.IsTransient(err) && job.Attempt < job.MaxAttempts {
			return err
		}
		e.log.WarnContext(ctx, "password reset e-mail not delivered", "user_id", u.ID, "error", err.Error())
		return river.JobCancel(err)
	}
	e.log.InfoContext(ctx, "password reset link sent", "user_id", u.ID, "password_reset_id", r.ID)
	return nil
}
