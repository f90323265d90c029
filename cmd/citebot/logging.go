package main

import (
	"io"
	"log/slog"
)

// newLogger is the process's logger at cfg's level: text lines for a
// person at a terminal, or one JSON object a line (CITEBOT_LOG_FORMAT=json)
// for a log collector such as journald's or a container runtime's.
func newLogger(w io.Writer, cfg Config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
