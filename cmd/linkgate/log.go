package main

import (
	"io"
	"log/slog"
	"strings"
)

// secretAttrs are attribute names whose values are never logged.
var secretAttrNames = map[string]bool{
	"authorization": true, "api_key": true, "key": true, "token": true, "api_token": true,
	"secret": true, "password": true, "credentials": true, "cookie": true, "auth_token": true,
	"database_url": true, "dsn": true, "secret_access_key": true, "session_token": true,
}

// secretValuePrefixes mark values that are secrets whatever their name.
var secretValuePrefixes = []string{"lgk_admin_", "lgk_cli_", "whsec_", "Bearer "}

// newLogger returns the JSON logger with secrets redacted.
func newLogger(w io.Writer, level string) *slog.Logger {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		lv = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: lv, ReplaceAttr: redact}))
}

func redact(_ []string, a slog.Attr) slog.Attr {
	if secretAttrNames[strings.ToLower(a.Key)] {
		return slog.String(a.Key, "[redacted]")
	}
	if a.Value.Kind() == slog.KindString {
		s := a.Value.String()
		for _, p := range secretValuePrefixes {
			if strings.Contains(s, p) {
				return slog.String(a.Key, "[redacted]")
			}
		}
	}
	return a
}
