package main

import (
	"context"
	"errors"
	"fmt"
	"time"
	// Zone data in the binary: /digest schedule:daily tz:Europe/Paris must
	// work in a container image without /usr/share/zoneinfo.
	_ "time/tzdata"

	"github.com/citebot/citebot/answer"
	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/store"
)

// digestClock and digestCheckEvery are the digest scheduler's clock and
// how often it looks for due digests; tests move the clock a day at a
// time and look often.
var (
	digestClock      = time.Now
	digestCheckEvery = bot.DefaultDigestCheckEvery
)

// digesterFor hands the bot the engine's view of each scope as its
// Digester, as EngineFor does for answers, capped at max articles
// (CITEBOT_DIGEST_MAX_ARTICLES) like `citebot digest`.
func digesterFor(eng *answer.Engine, max int) func(retrieval.Scope) bot.Digester {
	return func(s retrieval.Scope) bot.Digester { return cappedDigester{eng: eng.In(s), max: max} }
}

// cappedDigester fills in the article cap of the bot's requests, which
// never set one.
type cappedDigester struct {
	eng *answer.Engine
	max int
}

// Digest makes the digest with the configured cap.
func (d cappedDigester) Digest(ctx context.Context, req answer.DigestRequest, onDelta answer.DeltaFunc) (answer.Digest, error) {
	if req.MaxArticles <= 0 {
		req.MaxArticles = d.max
	}
	return d.eng.Digest(ctx, req, onDelta)
}

// digestSchedules keeps the bot's daily digests in the store's
// digest_schedules table. The bot hands over its own bot.DigestSchedule so
// it need not know the store; this is the one place that converts (a
// server is the schedule's scope).
type digestSchedules struct{ st store.Store }

var _ bot.DigestSchedules = digestSchedules{}

// DigestSchedules lists one server's schedules ("" = all).
func (d digestSchedules) DigestSchedules(ctx context.Context, guildID string) ([]bot.DigestSchedule, error) {
	scope := ""
	if guildID != "" {
		scope = string(retrieval.GuildScope(guildID))
	}
	list, err := d.st.DigestSchedules(ctx, scope)
	if err != nil {
		return nil, err
	}
	out := make([]bot.DigestSchedule, 0, len(list))
	for _, s := range list {
		if retrieval.Scope(s.Scope).IsShared() {
			continue // schedules are made in servers only
		}
		out = append(out, botSchedule(s))
	}
	return out, nil
}

// PutDigestSchedule adds or replaces a channel's schedule.
func (d digestSchedules) PutDigestSchedule(ctx context.Context, s bot.DigestSchedule) (bot.DigestSchedule, bool, error) {
	stored, replaced, err := d.st.PutDigestSchedule(ctx, store.DigestSchedule{
		Scope: string(retrieval.GuildScope(s.GuildID)), Channel: s.ChannelID, Minute: s.At, Location: s.TZ,
		Topic: s.Topic, Feed: s.Feed, Length: string(s.Length), Added: s.Added, LastDay: s.LastDay,
	})
	if err != nil {
		return bot.DigestSchedule{}, false, err
	}
	return botSchedule(stored), replaced, nil
}

// RemoveDigestSchedule removes a channel's schedule; a channel without
// one is bot.ErrNoDigestSchedule.
func (d digestSchedules) RemoveDigestSchedule(ctx context.Context, guildID, channelID string) (bot.DigestSchedule, error) {
	s, err := d.st.RemoveDigestSchedule(ctx, string(retrieval.GuildScope(guildID)), channelID)
	if errors.Is(err, store.ErrDigestScheduleNotFound) {
		return bot.DigestSchedule{}, fmt.Errorf("channel %s: %w", channelID, bot.ErrNoDigestSchedule)
	}
	if err != nil {
		return bot.DigestSchedule{}, err
	}
	return botSchedule(s), nil
}

// ClaimDigestDay claims a day's digest in the store, atomically.
func (d digestSchedules) ClaimDigestDay(ctx context.Context, guildID, channelID, day string) (bool, error) {
	return d.st.ClaimDigestDay(ctx, string(retrieval.GuildScope(guildID)), channelID, day)
}

// ReleaseDigestDay gives a claimed day back.
func (d digestSchedules) ReleaseDigestDay(ctx context.Context, guildID, channelID, day, previous string) error {
	return d.st.ReleaseDigestDay(ctx, string(retrieval.GuildScope(guildID)), channelID, day, previous)
}

// botSchedule is a stored schedule as the bot sees it.
func botSchedule(s store.DigestSchedule) bot.DigestSchedule {
	return bot.DigestSchedule{
		GuildID: s.Scope, ChannelID: s.Channel, At: s.Minute, TZ: s.Location,
		Topic: s.Topic, Feed: s.Feed, Length: answer.Length(s.Length), Added: s.Added, LastDay: s.LastDay,
	}
}
