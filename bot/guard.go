package bot

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"golang.org/x/time/rate"
)

// userLimiter is a token bucket per user: RatePerMinute questions a
// minute, with a burst of the same size. Idle buckets are swept so the map
// stays small.
type userLimiter struct {
	mu        sync.Mutex
	every     time.Duration
	burst     int
	users     map[string]*userBucket
	lastSweep time.Time
}

type userBucket struct {
	lim  *rate.Limiter
	last time.Time
}

func newUserLimiter(perMinute int) *userLimiter {
	return &userLimiter{every: time.Minute / time.Duration(perMinute), burst: perMinute, users: map[string]*userBucket{}}
}

// allow takes one token for user, or reports how long until one is free.
func (l *userLimiter) allow(user string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) > time.Minute {
		full := l.every * time.Duration(l.burst)
		for id, b := range l.users {
			if now.Sub(b.last) > full {
				delete(l.users, id) // refilled anyway: forget it
			}
		}
		l.lastSweep = now
	}
	b, ok := l.users[user]
	if !ok {
		b = &userBucket{lim: rate.NewLimiter(rate.Every(l.every), l.burst)}
		l.users[user] = b
	}
	r := b.lim.ReserveN(now, 1)
	if !r.OK() {
		return false, l.every
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	b.last = now
	return true, 0
}

// rateLimitText is the friendly refusal, in whole seconds.
func rateLimitText(wait time.Duration) string {
	secs := int(math.Ceil(wait.Seconds()))
	if secs < 1 {
		secs = 1
	}
	unit := "seconds"
	if secs == 1 {
		unit = "second"
	}
	return fmt.Sprintf("⏱️ You're asking faster than I can keep up. Please try again in %d %s.", secs, unit)
}

func tooLongText(n, max int) string {
	return fmt.Sprintf("That question is %d characters long; the limit is %d. Please shorten it.", n, max)
}

func set(list []string) map[string]bool {
	m := make(map[string]bool, len(list))
	for _, s := range list {
		m[s] = true
	}
	return m
}

// accessRefusal applies the channel and role guard rails to a request
// from member in channelID. It returns the notice to show, or "" when the
// request may go ahead. Each surface decides whether to show it: slash
// commands answer privately, messages are ignored silently.
func (b *Bot) accessRefusal(ctx context.Context, guildID, channelID string, member *discordgo.Member) string {
	if !b.channelAllowed(ctx, guildID, channelID) {
		return "I'm not enabled in this channel."
	}
	if !b.rolesAllowed(guildID, member) {
		return "You need one of the allowed roles to use me here."
	}
	return ""
}

// questionRefusal applies the guard rails every question passes, whatever
// the surface (/ask, /summarize, /search, a message): not empty, not
// longer than MaxQuestion, within userID's rate. It returns the notice to
// show, or "" when the question may go ahead. ifEmpty is the notice for a
// blank question, which each surface words for itself. A question refused
// for its length costs no rate token.
func (b *Bot) questionRefusal(q, userID, ifEmpty string) string {
	if q == "" {
		return ifEmpty
	}
	if n := textLen(q); n > b.cfg.MaxQuestion {
		return tooLongText(n, b.cfg.MaxQuestion)
	}
	if ok, wait := b.limiter.allow(userID, time.Now()); !ok {
		b.cfg.Metrics.RateLimited()
		return rateLimitText(wait)
	}
	return ""
}

// channelAllowed reports whether the bot may answer in channelID (a
// thread counts as its parent).
func (b *Bot) channelAllowed(ctx context.Context, guildID, channelID string) bool {
	if len(b.allowedChannels) == 0 && len(b.allowedRoles) == 0 {
		return true
	}
	if guildID == "" {
		return false // DMs: roles cannot be checked, channels are not listed
	}
	if len(b.allowedChannels) == 0 || b.allowedChannels[channelID] {
		return true
	}
	parent := b.parentOf(ctx, channelID)
	return parent != "" && b.allowedChannels[parent]
}

// rolesAllowed reports whether a member holds one of the allowed roles.
func (b *Bot) rolesAllowed(guildID string, member *discordgo.Member) bool {
	if len(b.allowedRoles) == 0 {
		return true
	}
	if guildID == "" || member == nil {
		return false
	}
	for _, r := range member.Roles {
		if b.allowedRoles[r] {
			return true
		}
	}
	return false
}

// parentOf returns a thread's parent channel ID ("" for a non-thread or
// unknown channel), from the gateway state or, failing that, REST
// (cached).
func (b *Bot) parentOf(ctx context.Context, channelID string) string {
	if p, ok := b.parents.get(channelID); ok {
		return p
	}
	parent := ""
	if ch, err := b.s.State.Channel(channelID); err == nil && ch != nil {
		if ch.IsThread() {
			parent = ch.ParentID
		}
	} else {
		var ch *discordgo.Channel
		err := b.rest(ctx, "get channel", func(opts ...discordgo.RequestOption) error {
			var err error
			ch, err = b.s.Channel(channelID, opts...)
			return err
		})
		if err != nil {
			if restStatus(err) != 404 {
				b.log.Warn("look up channel", "channel", channelID, "err", err)
				return "" // not cached: try again next time
			}
			ch = &discordgo.Channel{ID: channelID} // unknown: treat as no thread
		}
		if ch.IsThread() {
			parent = ch.ParentID
		}
	}
	b.parents.put(channelID, parent)
	return parent
}
