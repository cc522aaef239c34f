package smtp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/textproto"
	"strings"

	gomail "github.com/wneessen/go-mail"
	gomailsmtp "github.com/wneessen/go-mail/smtp"

	"github.com/linkgate/linkgate/providers"
)

// causeError carries go-mail's error with the password removed from its
// text; Unwrap still reaches the original for errors.As.
type causeError struct {
	msg   string
	cause error
}

func (e *causeError) Error() string { return e.msg }
func (e *causeError) Unwrap() error { return e.cause }

// permanentCauses are go-mail errors that retrying will not cure: the
// configuration or the server's offer must change.
var permanentCauses = []error{
	gomailsmtp.ErrUnencrypted,
	gomailsmtp.ErrWrongHostname,
	gomail.ErrNoSupportedAuthDiscovered,
	gomail.ErrPlainAuthNotSupported,
	gomail.ErrLoginAuthNotSupported,
	gomail.ErrCramMD5AuthNotSupported,
	gomail.ErrSCRAMSHA1AuthNotSupported,
	gomail.ErrSCRAMSHA256AuthNotSupported,
	gomail.ErrServerNoUnencoded,
}

// classify turns a go-mail error into a *providers.Error:
//
//   - an SMTP reply 4xx is transient, 5xx permanent; 530/534/535 during AUTH
//     wrap providers.ErrInvalidCredentials;
//   - timeouts, cancellations and connection failures are transient;
//   - certificate errors, a required STARTTLS the server lacks, and no
//     usable authentication mechanism are permanent;
//   - anything else is transient.
func (m *Mailer) classify(err error) error {
	if err == nil {
		return nil
	}
	e := &providers.Error{
		Provider:  "smtp",
		Op:        "send",
		Transient: true,
		Err:       &causeError{msg: m.redact(err.Error()), cause: err},
	}
	if code := replyCode(err); code != 0 {
		e.Code = code
		e.Transient = code < 500
		if !e.Transient && isAuthFailure(code, err) {
			e.Message = e.Err.Error()
			e.Err = providers.ErrInvalidCredentials
		}
		return e
	}
	var (
		netErr  net.Error
		certErr *tls.CertificateVerificationError
		unkAuth x509.UnknownAuthorityError
		hostErr x509.HostnameError
		invErr  x509.CertificateInvalidError
	)
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		e.Transient = true
	case errors.As(err, &certErr), errors.As(err, &unkAuth), errors.As(err, &hostErr), errors.As(err, &invErr):
		e.Transient = false
	case errors.As(err, &netErr):
		e.Transient = true
	case isOneOf(err, permanentCauses), strings.Contains(err.Error(), "does not support STARTTLS"),
		strings.Contains(err.Error(), "server does not support SMTP AUTH"):
		e.Transient = false
	}
	return e
}

// replyCode returns the SMTP reply code (4xx or 5xx) that err carries, or 0.
func replyCode(err error) int {
	var tp *textproto.Error
	if errors.As(err, &tp) && tp.Code >= 400 && tp.Code < 600 {
		return tp.Code
	}
	var se *gomail.SendError
	if errors.As(err, &se) {
		if c := se.ErrorCode(); c >= 400 && c < 600 {
			return c
		}
	}
	return 0
}

// isAuthFailure reports whether a 5xx reply refused our credentials.
func isAuthFailure(code int, err error) bool {
	switch code {
	case 530, 534, 535:
		return strings.Contains(err.Error(), "AUTH")
	}
	return false
}

func isOneOf(err error, targets []error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}
