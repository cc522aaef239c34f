package handlers

import (
	"bytes"
	"errors"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/models"
)

// The page plumbing of the HTML audiences (console, registration pages):
// security headers, rendering a page set, error and message pages,
// redirects and the gates in front of the pages.

// PageCSP allows the pages' own stylesheet and script and nothing else;
// no framing, forms post only here.
const PageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// DefaultPlatformName is shown on the pages when no platform name is
// configured.
const DefaultPlatformName = "linkgate"

// PageHeaders are sent with every response of a page audience: never
// cached, never framed, nothing but the pages' own assets. referrer is
// the Referrer-Policy ("no-referrer" where URLs carry secrets).
func PageHeaders(referrer string) gin.HandlerFunc {
	return func(c *gin.Context) {
		hd := c.Writer.Header()
		hd.Set("Referrer-Policy", referrer)
		hd.Set("Cache-Control", "no-store")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Content-Security-Policy", PageCSP)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Cross-Origin-Resource-Policy", "same-origin")
		c.Next()
	}
}

// Message is a page that only says something (errors, 404, 410, 429).
type Message struct {
	Heading    string
	Paragraphs []string
	Link       string
	LinkText   string
}

// PagesConfig describes an audience's pages to NewPages.
type PagesConfig struct {
	// Kind names the pages in logs: "page", "console page".
	Kind string
	// Sets are the parsed page sets (TemplateSets.Parse); one is
	// "message".
	Sets map[string]*template.Template
	// Message makes the "message" page's data (the audience's layout
	// around m). Required.
	Message func(c *gin.Context, m Message) any
	// Explain puts an error in words; nil: Explain.
	Explain func(e *models.Error) Message
}

// Pages renders an audience's page sets and shows errors as its pages.
type Pages struct{ cfg PagesConfig }

// NewPages checks cfg and makes the audience's Pages.
func NewPages(cfg PagesConfig) (*Pages, error) {
	if cfg.Sets["message"] == nil || cfg.Message == nil {
		return nil, errors.New("handlers: " + cfg.Kind + "s need a message page")
	}
	if cfg.Explain == nil {
		cfg.Explain = Explain
	}
	return &Pages{cfg: cfg}, nil
}

// Render writes a page; a template that fails is a logged 500.
func (p *Pages) Render(c *gin.Context, status int, page string, data any) {
	var buf bytes.Buffer
	if err := p.cfg.Sets[page].ExecuteTemplate(&buf, "layout", data); err != nil {
		Logger(c).ErrorContext(c.Request.Context(), "render "+p.cfg.Kind, "page", page, "error", err.Error())
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("Something went wrong on our side. Please try again later.\n"))
		c.Abort()
		return
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// Message writes the message page.
func (p *Pages) Message(c *gin.Context, status int, m Message) {
	p.Render(c, status, "message", p.cfg.Message(c, m))
}

// Fail shows err as a page (or as problem+json to a caller that asked
// for JSON) and stops the chain. Faults are logged with the route
// pattern, never the URL (it may hold a token), and shown as a 500 page.
func (p *Pages) Fail(c *gin.Context, err error) {
	if WantsJSON(c) {
		Fail(c, err)
		return
	}
	var e *models.Error
	if !errors.As(err, &e) || e.Kind == models.KindInternal {
		Logger(c).ErrorContext(c.Request.Context(), p.cfg.Kind+" failed", "route", c.FullPath(), "error", err.Error())
		e = &models.Error{Kind: models.KindInternal}
	}
	p.Message(c, StatusOf(e, http.StatusInternalServerError), p.cfg.Explain(e))
	c.Abort()
}

// TooMany answers a request over a rate limit: 429 with Retry-After, as
// problem+json or as the message page.
func (p *Pages) TooMany(c *gin.Context, wait time.Duration) {
	c.Header("Retry-After", RetryAfterSeconds(wait))
	if WantsJSON(c) {
		c.Header("Content-Type", "application/problem+json")
		c.AbortWithStatusJSON(http.StatusTooManyRequests, NewProblem(http.StatusTooManyRequests, "rate_limited",
			"too many requests; try again in "+RetryAfterSeconds(wait)+" seconds"))
		return
	}
	p.Message(c, http.StatusTooManyRequests, Message{Heading: "Too many requests",
		Paragraphs: []string{"This page was asked for too often. Wait " + RetryAfterSeconds(wait) + " seconds, then reload it."}})
	c.Abort()
}

// Explain puts an error in words for a message page; audiences handle
// the kinds they word differently (not found, gone) and leave the rest
// to it.
func Explain(e *models.Error) Message {
	switch e.Kind {
	case models.KindInternal:
		return Message{Heading: "Something went wrong", Paragraphs: []string{
			"Something went wrong on our side; it has been logged. Please try again in a few minutes."}}
	case models.KindForbidden:
		return Message{Heading: "Please try again", Paragraphs: []string{Sentence(e.Detail),
			"If this keeps happening, check that your browser accepts cookies from this site."}}
	case models.KindUnavailable:
		return Message{Heading: "Please try again shortly", Paragraphs: []string{
			"A service we depend on did not answer. Nothing was lost: go back and try again in a minute."}}
	}
	return Message{Heading: "This did not work", Paragraphs: []string{Sentence(e.Detail)}}
}

// PageRateLimit applies the per-address limit to every request it
// guards and the per-link limit to those naming a link (:token); over a
// limit, p answers.
func (s *Server) PageRateLimit(p *Pages) gin.HandlerFunc {
	return func(c *gin.Context) {
		now := time.Now()
		if ok, wait := s.ip.Allow(ipKey(s.clientIP(c)), now); !ok {
			p.TooMany(c, wait)
			return
		}
		if tok := c.Param("token"); tok != "" {
			if ok, wait := s.token.Allow(models.HashKey(tok), now); !ok {
				p.TooMany(c, wait)
				return
			}
		}
		c.Next()
	}
}

// ErrWorkflowsUnavailable answers what needs the workflow engine when it
// does not run.
var ErrWorkflowsUnavailable = &models.Error{Kind: models.KindUnavailable, Code: "workflows_unavailable",
	Detail: "the workflow engine is not running"}

// NeedWorkflows guards routes that need the workflow engine: when it
// does not run (running false), fail answers ErrWorkflowsUnavailable.
// fail is Fail for the JSON API, Pages.Fail for pages.
func NeedWorkflows(running bool, fail func(*gin.Context, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !running {
			fail(c, ErrWorkflowsUnavailable)
			c.Abort()
			return
		}
		c.Next()
	}
}

// WantsJSON reports whether the caller asked for JSON (the pages'
// scripts do for live status).
func WantsJSON(c *gin.Context) bool {
	return strings.Contains(c.GetHeader("Accept"), "application/json")
}

// Redirect answers a form post or a page that must be seen elsewhere
// (POST-redirect-GET, 303). Locations are paths: never built from Host.
func Redirect(c *gin.Context, path string) {
	c.Redirect(http.StatusSeeOther, path)
	c.Abort()
}

// SeeOther redirects a form post to its page (POST-redirect-GET), with
// an optional notice key (?done=).
func SeeOther(c *gin.Context, path, notice string) {
	if notice != "" {
		path += "?done=" + notice
	}
	Redirect(c, path)
}

// Sentence capitalizes a detail and ends it with a full stop.
func Sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}
