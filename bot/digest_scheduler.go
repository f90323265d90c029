package bot

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/answer"
)

// The scheduler posts each channel's daily digest once a day:
//
//   - A digest is due once its hour has passed on a day (in its zone)
//     that is not claimed yet. So a bot that was down at the hour posts
//     when it is back the same day; a day that ended while it was down is
//     skipped (a digest of the last 24 hours a day late is no news).
//   - Before posting, the day is claimed in the store (ClaimDigestDay, one
//     atomic update): after a restart, or in a second process on the same
//     store, the day is taken and nothing is posted twice. A crash between
//     the claim and the post loses that day's digest rather than risking
//     a second one.
//   - A digest that could not be made or sent at all gives its day back
//     and is tried again after a pause, at most maxDigestAttempts times a
//     day; one that was partly sent, or whose channel is gone or closed to
//     the bot (403, 404), is not retried.
const (
	maxDigestAttempts = 3
	digestRetryPause  = 5 * time.Minute
)

// digestScheduler is the state of the schedule loop: retry pauses after
// failures and the time zones read so far.
type digestScheduler struct {
	b *Bot

	mu       sync.Mutex
	failures map[string]digestFailure // guild/channel/day → failures so far
	zones    map[string]*time.Location
}

type digestFailure struct {
	attempts int
	retryAt  time.Time
}

// runDigestSchedule checks for due digests at once and then every
// DigestCheckEvery until ctx ends.
func (b *Bot) runDigestSchedule(ctx context.Context) {
	s := &digestScheduler{b: b, failures: map[string]digestFailure{}, zones: map[string]*time.Location{}}
	t := time.NewTicker(b.cfg.DigestCheckEvery)
	defer t.Stop()
	for {
		now := b.cfg.Now()
		s.postDue(ctx, now)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// postDue claims and posts, each in its own handler, every digest due at
// now.
func (s *digestScheduler) postDue(ctx context.Context, now time.Time) {
	b := s.b
	list, err := b.cfg.DigestSchedules.DigestSchedules(ctx, "")
	if err != nil {
		if ctx.Err() == nil {
			b.log.Warn("could not read the digest schedules", "err", err)
		}
		return
	}
	for _, sch := range list {
		loc, err := s.zone(sch.TZ)
		if err != nil {
			b.log.Warn("digest schedule with an unknown time zone", "channel", sch.ChannelID, "tz", sch.TZ, "err", err)
			continue
		}
		day, due := dueDay(sch, now, loc)
		if !due || s.pausing(digestKey(sch, day), now) {
			continue
		}
		ok, err := b.cfg.DigestSchedules.ClaimDigestDay(ctx, sch.GuildID, sch.ChannelID, day)
		if err != nil {
			b.log.Warn("could not claim a digest day", "channel", sch.ChannelID, "day", day, "err", err)
			continue
		}
		if !ok {
			continue // posted already, here before a restart or by another process
		}
		go s.post(sch, day, now)
	}
}

// post makes and sends one claimed digest in a handler (counted in
// flight, so shutdown waits for it), and settles the claim on failure.
func (s *digestScheduler) post(sch DigestSchedule, day string, now time.Time) {
	b := s.b
	var sent int
	var err error
	started := b.serve("digest schedule", func(context.Context, string) {}, func(ctx context.Context) {
		sent, err = b.postScheduledDigest(ctx, sch, now)
	})
	key := digestKey(sch, day)
	switch {
	case !started:
		err = fmt.Errorf("shutting down")
	case err == nil:
		s.forget(key)
		return
	}
	if sent == 0 && !permanentPostError(err) && s.retryLater(key, now) {
		b.log.Warn("scheduled digest failed; trying again later", "channel", sch.ChannelID, "day", day, "err", err)
		rctx, cancel := b.finalContext()
		defer cancel()
		if rerr := b.cfg.DigestSchedules.ReleaseDigestDay(rctx, sch.GuildID, sch.ChannelID, day, sch.LastDay); rerr != nil {
			b.log.Warn("could not give back a digest day", "channel", sch.ChannelID, "day", day, "err", rerr)
		}
		return
	}
	b.log.Error("scheduled digest not posted today", "channel", sch.ChannelID, "day", day, "messages_sent", sent, "err", err)
}

// permanentPostError: the channel is gone or closed to the bot, which a
// retry the same day will not change.
func permanentPostError(err error) bool {
	st := restStatus(err)
	return st == 403 || st == 404
}

// pausing reports whether key failed lately and waits for its retry.
func (s *digestScheduler) pausing(key string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.failures[key]
	return ok && now.Before(f.retryAt)
}

// retryLater counts a failure of key; false once it failed too often.
func (s *digestScheduler) retryLater(key string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.failures[key]
	f.attempts++
	f.retryAt = now.Add(time.Duration(f.attempts) * digestRetryPause)
	s.failures[key] = f
	return f.attempts < maxDigestAttempts
}

func (s *digestScheduler) forget(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.failures, key)
}

// zone reads a schedule's time zone once.
func (s *digestScheduler) zone(tz string) (*time.Location, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if loc, ok := s.zones[tz]; ok {
		return loc, nil
	}
	loc, err := loadZone(tz)
	if err == nil {
		s.zones[tz] = loc
	}
	return loc, err
}

func digestKey(s DigestSchedule, day string) string {
	return s.GuildID + "/" + s.ChannelID + "/" + day
}

// postTime is the moment, on the day of now in loc, at which a digest of
// at minutes after midnight goes out.
func postTime(now time.Time, at int, loc *time.Location) time.Time {
	l := now.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), at/60, at%60, 0, 0, loc)
}

// dueDay is the day (YYYY-MM-DD in loc) of now, and whether s owes its
// digest: the hour has passed and the day is not claimed.
func dueDay(s DigestSchedule, now time.Time, loc *time.Location) (string, bool) {
	l := now.In(loc)
	day := l.Format(time.DateOnly)
	return day, !l.Before(postTime(l, s.At, loc)) && s.LastDay < day
}

// nextPost is when s posts next as of now: now if it is due, else its
// hour today or tomorrow.
func nextPost(s DigestSchedule, now time.Time, loc *time.Location) time.Time {
	l := now.In(loc)
	if _, due := dueDay(s, now, loc); due {
		return now
	}
	if today := postTime(l, s.At, loc); l.Before(today) && s.LastDay < l.Format(time.DateOnly) {
		return today
	}
	tomorrow := time.Date(l.Year(), l.Month(), l.Day()+1, 12, 0, 0, 0, loc)
	return postTime(tomorrow, s.At, loc)
}

// postScheduledDigest makes the digest of the 24 hours before now for sch
// (from its server's library, with its topic, feed and length) and posts
// it in its channel without pings. It returns how many messages went
// out. An empty window posts nothing.
func (b *Bot) postScheduledDigest(ctx context.Context, sch DigestSchedule, now time.Time) (int, error) {
	req := answer.DigestRequest{Since: now.Add(-defaultDigestWindow), Until: now, Topic: sch.Topic, Feed: sch.Feed, Length: summaryLength(string(sch.Length))}
	release, err := b.queue.acquire(ctx, func(int) {})
	if err != nil {
		return 0, err
	}
	d, err := b.cfg.Digester(scopeOf(sch.GuildID)).Digest(ctx, req, nil)
	release()
	if errors.Is(err, answer.ErrNoDigestArticles) {
		b.log.Info("scheduled digest: no articles in the window; nothing posted", "channel", sch.ChannelID)
		return 0, nil
	}
	b.recordAnswer(d.Answer, err)
	if err != nil {
		return 0, fmt.Errorf("make the digest: %w", err)
	}
	if emptyDigest(d) {
		b.log.Info("scheduled digest: no articles in the window; nothing posted", "channel", sch.ChannelID)
		return 0, nil
	}
	rec := &answerRecord{id: randomHex(8), question: "Daily digest of " + digestWhat(req, ""), answer: d.Text}
	for _, c := range d.Citations {
		rec.citations = append(rec.citations, c.Article.ID)
	}
	heading := digestHeading("Daily digest", req, b.feedTitle(ctx, sch))
	msgs := renderDigest(d, digestOpts{Heading: heading, FeedbackID: rec.id})
	sent, err := b.sendToChannel(ctx, sch.ChannelID, msgs, rec)
	if err != nil {
		return sent, err
	}
	b.records.put(rec.id, rec)
	b.log.Info("scheduled digest posted", "channel", sch.ChannelID, "stories", len(d.Stories), "articles", len(d.Citations), "messages", sent)
	return sent, nil
}

// sendToChannel posts msgs in order, without pings, filing each under
// rec so a reply to any of them continues from the digest.
func (b *Bot) sendToChannel(ctx context.Context, channelID string, msgs []outMessage, rec *answerRecord) (int, error) {
	for i, m := range msgs {
		send := &discordgo.MessageSend{Content: m.Content, Embeds: m.Embeds, Components: m.Components, AllowedMentions: noMentions()}
		var msg *discordgo.Message
		err := b.rest(ctx, "post scheduled digest", func(opts ...discordgo.RequestOption) error {
			var err error
			msg, err = b.s.ChannelMessageSendComplex(channelID, send, opts...)
			return err
		})
		if err != nil {
			return i, fmt.Errorf("post digest message %d of %d in %s: %w", i+1, len(msgs), channelID, err)
		}
		b.turns.put(msg.ID, rec)
	}
	return len(msgs), nil
}

// feedTitle is the title of a schedule's feed, for its heading ("" when
// it has none or the feed is not found).
func (b *Bot) feedTitle(ctx context.Context, sch DigestSchedule) string {
	if sch.Feed == "" {
		return ""
	}
	list, err := b.visibleFeeds(ctx, scopeOf(sch.GuildID))
	if err != nil {
		return ""
	}
	for _, f := range list {
		if f.ID == sch.Feed {
			return feedTitle(f)
		}
	}
	return ""
}
