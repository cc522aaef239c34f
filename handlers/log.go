package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/models"
)

type loggerKey struct{}

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// requestLog gives every request an id (the caller's X-Request-Id when it
// is sane), a logger carrying it, and one log line when it ends. It logs
// the route pattern, never the raw path or query, which may carry tokens.
func (h *Handler) requestLog() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		id := c.GetHeader("X-Request-Id")
		if !requestIDPattern.MatchString(id) {
			id = models.NewID("req_")
		}
		c.Header("X-Request-Id", id)
		l := h.cfg.Logger.With(slog.String("request_id", id))
		c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), loggerKey{}, l))
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		attrs := []slog.Attr{
			slog.String("method", c.Request.Method),
			slog.String("route", route),
			slog.Int("status", c.Writer.Status()),
			slog.Int("bytes", c.Writer.Size()),
			slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
		}
		if v, ok := c.Get(keyContextKey); ok {
			attrs = append(attrs, slog.String("actor", v.(*models.APIKey).Actor()))
		}
		if v, ok := c.Get(consoleUserKey); ok {
			attrs = append(attrs, slog.String("actor", v.(*consoleSignedIn).actor()))
		}
		l.LogAttrs(c.Request.Context(), slog.LevelInfo, "request", attrs...)
	}
}

// recoverFault turns a panic into a logged 500 problem.
func (h *Handler) recoverFault() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				fail(c, fmt.Errorf("panic: %v", r))
			}
		}()
		c.Next()
	}
}

// logger returns the request's logger.
func logger(c *gin.Context) *slog.Logger {
	if l, ok := c.Request.Context().Value(loggerKey{}).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}
