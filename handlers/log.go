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
func (s *Server) requestLog() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		id := c.GetHeader("X-Request-Id")
		if !requestIDPattern.MatchString(id) {
			id = models.NewID("req_")
		}
		c.Header("X-Request-Id", id)
		l := s.cfg.Logger.With(slog.String("request_id", id))
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
		if v, ok := c.Get(actorKey); ok {
			attrs = append(attrs, slog.String("actor", v.(string)))
		}
		l.LogAttrs(c.Request.Context(), slog.LevelInfo, "request", attrs...)
	}
}

// actorKey holds who made the request, named as in timelines.
const actorKey = "linkgate.actor"

// SetActor names who makes the request (an API key, a signed-in user)
// for its log line.
func SetActor(c *gin.Context, actor string) { c.Set(actorKey, actor) }

// recoverFault turns a panic into a logged 500 problem.
func recoverFault(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			Fail(c, fmt.Errorf("panic: %v", r))
		}
	}()
	c.Next()
}

// Logger returns the request's logger.
func Logger(c *gin.Context) *slog.Logger {
	if l, ok := c.Request.Context().Value(loggerKey{}).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}
