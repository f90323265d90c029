package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/citebot/citebot/retrieval/feeds"
)

// feedSettings are the settings only the feed commands and serve's
// poller read (see .env.example).
type feedSettings struct {
	// keep is CITEBOT_FEED_KEEP: how long feed items stay; negative keeps
	// them for ever.
	keep time.Duration
	// maxBytes is CITEBOT_FEED_MAX_BYTES: the cap on one feed download.
	maxBytes int64
}

// feedSettings reads the feed settings from the environment and the .env
// file, the way every other setting is read.
func (a *app) feedSettings() (feedSettings, error) {
	e, err := loadEnv(a.getenv, a.envFile)
	if err != nil {
		return feedSettings{}, err
	}
	p := &parser{env: e}
	s := feedSettings{
		keep:     p.keep("CITEBOT_FEED_KEEP", feeds.DefaultKeep),
		maxBytes: int64(p.int("CITEBOT_FEED_MAX_BYTES", feeds.DefaultMaxFeedBytes)),
	}
	if p.err != nil {
		return s, usageError{p.err}
	}
	return s, nil
}

// keep reads a retention: days ("90d"), a Go duration ("720h"), or "0",
// "off" or "forever" to keep items for ever (returned as -1).
func (p *parser) keep(key string, def time.Duration) time.Duration {
	v := strings.ToLower(p.get(key))
	switch v {
	case "":
		return def
	case "0", "off", "forever", "never":
		return -1
	}
	if days, ok := strings.CutSuffix(v, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n > 0 {
			return time.Duration(n) * 24 * time.Hour
		}
	} else if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return d
	}
	p.fail(key, v, "a number of days such as 90d, a duration such as 720h, or off")
	return def
}

// shortDuration prints an interval the way people write it: 15m, 1h,
// 1h30m, 90d.
func shortDuration(d time.Duration) string {
	if d > 0 && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
