package callbacks

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	twclient "github.com/twilio/twilio-go/client"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// Config is what the callbacks need. Store is required.
type Config struct {
	Store *models.Store
	// AuthToken is the Twilio account's auth token, which signs every
	// callback (in sandbox mode the fake account's). Without it every
	// callback is refused: nothing can be checked.
	AuthToken string
	// PublicURL is linkgate's public base URL, the one Twilio was given
	// (LINKGATE_PUBLIC_URL): signatures are over it and the path.
	PublicURL string
	// Prices, optional, enqueues the fetch of a message's price in the
	// transaction in which the message reached a final status (the
	// workflow engine's EnqueueMessagePriceTx); nil: prices are not
	// fetched.
	Prices models.EnqueueTxFunc
	// ClickScanWindow: a click this soon after its message's delivery is
	// a scanner's (automated). 0: models.ClickAfterDelivery; negative:
	// the rule is off (sandbox mode's default, where deliveries are
	// simulated a second apart and a person tests by hand).
	ClickScanWindow time.Duration
}

// Handler serves /twilio/...; mount it on the kit with handlers.New.
type Handler struct {
	cfg Config
}

// New validates the configuration.
func New(cfg Config) (*Handler, error) {
	if cfg.Store == nil {
		return nil, errors.New("callbacks: Store is required")
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if cfg.ClickScanWindow == 0 {
		cfg.ClickScanWindow = models.ClickAfterDelivery
	}
	return &Handler{cfg: cfg}, nil
}

// Mount adds the /twilio routes.
func (h *Handler) Mount(s *handlers.Server) error {
	tw := s.Router().Group("/twilio")
	tw.POST("/inbound", h.verifyForm, h.inbound)
	tw.POST("/status", h.verifyForm, h.status)
	tw.POST("/clicks", h.verifyBody, h.clicks)
	return nil
}

// errBadSignature answers a callback Twilio did not sign.
var errBadSignature = &models.Error{Kind: models.KindForbidden, Code: "invalid_signature",
	Detail: "X-Twilio-Signature is missing or does not sign this request"}

// verifyForm reads the form body and lets the request through only when
// X-Twilio-Signature signs it (twilio-go's RequestValidator over the
// public URL, the path and query, and the form's parameters).
func (h *Handler) verifyForm(c *gin.Context) {
	if err := c.Request.ParseForm(); err != nil {
		failRead(c, err, "malformed_form", "the body is not a form")
		return
	}
	sig := c.GetHeader("X-Twilio-Signature")
	if h.cfg.AuthToken == "" || h.cfg.PublicURL == "" || sig == "" {
		handlers.Fail(c, errBadSignature)
		return
	}
	params := make(map[string]string, len(c.Request.PostForm))
	for k, v := range c.Request.PostForm {
		params[k] = v[0]
	}
	v := twclient.NewRequestValidator(h.cfg.AuthToken)
	if !v.Validate(h.cfg.PublicURL+c.Request.URL.RequestURI(), params, sig) {
		handlers.Fail(c, errBadSignature)
		return
	}
	c.Next()
}

// verifyBody reads the whole body and lets the request through only when
// X-Twilio-Signature signs it: a JSON body by its bodySHA256 query
// parameter (the SHA-256 of the body, over which, with the URL, the
// signature is made), a form body by its parameters (twilio-go's
// RequestValidator.ValidateBody). The body is kept for the handler
// (rawBody).
func (h *Handler) verifyBody(c *gin.Context) {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		failRead(c, err, "malformed_body", "the body could not be read")
		return
	}
	sig := c.GetHeader("X-Twilio-Signature")
	if h.cfg.AuthToken == "" || h.cfg.PublicURL == "" || sig == "" {
		handlers.Fail(c, errBadSignature)
		return
	}
	v := twclient.NewRequestValidator(h.cfg.AuthToken)
	if !v.ValidateBody(h.cfg.PublicURL+c.Request.URL.RequestURI(), body, sig) {
		handlers.Fail(c, errBadSignature)
		return
	}
	c.Set(rawBodyKey, body)
	c.Next()
}

const rawBodyKey = "callbacks.body"

// rawBody is the body verifyBody read.
func rawBody(c *gin.Context) []byte {
	b, _ := c.Get(rawBodyKey)
	body, _ := b.([]byte)
	return body
}

// emptyTwiML is the answer that makes Twilio do nothing more.
const emptyTwiML = `<?xml version="1.0" encoding="UTF-8"?><Response/>`

// twiml answers 200 with an empty TwiML response.
func twiml(c *gin.Context) {
	c.Data(http.StatusOK, "text/xml; charset=utf-8", []byte(emptyTwiML))
}

// failRead answers a body that could not be read: 413 when it is too
// large, otherwise 400 with code and detail.
func failRead(c *gin.Context, err error, code, detail string) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		handlers.Fail(c, &models.Error{Kind: models.KindTooLarge, Code: "body_too_large", Detail: "the request body is too large"})
		return
	}
	handlers.Fail(c, &models.Error{Kind: models.KindBadRequest, Code: code, Detail: detail, Err: err})
}
