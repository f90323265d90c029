package bot

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/answer"
)

// DigestSchedules keeps the channels subscribed to a daily digest. Like
// FeedbackStore, the bot defines what it hands over (DigestSchedule) and
// the caller adapts its store. The day claim is what makes each digest go
// out once: the scheduler claims a day before posting it, so neither a
// restart nor a second process on the same store posts it again.
type DigestSchedules interface {
	// DigestSchedules lists one server's schedules ("" = every server's).
	DigestSchedules(ctx context.Context, guildID string) ([]DigestSchedule, error)
	// PutDigestSchedule adds s or replaces its channel's schedule
	// (replaced), keeping the later LastDay of the two.
	PutDigestSchedule(ctx context.Context, s DigestSchedule) (stored DigestSchedule, replaced bool, err error)
	// RemoveDigestSchedule removes a channel's schedule and returns it,
	// or an error wrapping ErrNoDigestSchedule.
	RemoveDigestSchedule(ctx context.Context, guildID, channelID string) (DigestSchedule, error)
	// ClaimDigestDay moves LastDay to day if it is earlier, atomically;
	// true means this caller posts that day's digest.
	ClaimDigestDay(ctx context.Context, guildID, channelID, day string) (bool, error)
	// ReleaseDigestDay gives back a claimed day whose digest could not be
	// posted at all (LastDay back to previous, if it is still day).
	ReleaseDigestDay(ctx context.Context, guildID, channelID, day, previous string) error
}

// ErrNoDigestSchedule is what RemoveDigestSchedule wraps for a channel
// without a schedule.
var ErrNoDigestSchedule = errors.New("no digest schedule for that channel")

// DigestSchedule is one channel's daily digest.
type DigestSchedule struct {
	GuildID, ChannelID string
	// At is the time of day it is posted, in minutes after midnight in
	// TZ.
	At int
	// TZ is the IANA time zone of At and of LastDay ("" = UTC).
	TZ string
	// Topic and Feed narrow the digest ("" = all articles); Length sets
	// its size.
	Topic, Feed string
	Length      answer.Length
	// Added is when it was made or last changed.
	Added time.Time
	// LastDay is the newest day (YYYY-MM-DD in TZ) claimed for posting.
	LastDay string
}

// The schedule: modes.
const (
	scheduleDaily = "daily"
	scheduleOff   = "off"
	scheduleList  = "list"
	// actionDigestSchedule is the curation action of schedule changes.
	actionDigestSchedule = "digest schedule"
	digestInDMText       = "Digests can only be scheduled in a server."
	maxSchedulesListed   = 20
)

// digestScheduleOptions are /digest's schedule options; only curators
// may use them, which cmdDigestSchedule checks.
func digestScheduleOptions() []*discordgo.ApplicationCommandOption {
	modes := []*discordgo.ApplicationCommandOptionChoice{
		{Name: "daily: post a digest of the last 24 hours every day (curators)", Value: scheduleDaily},
		{Name: "off: stop the daily digest in a channel (curators)", Value: scheduleOff},
		{Name: "list: the daily digests of this server (curators)", Value: scheduleList},
	}
	return []*discordgo.ApplicationCommandOption{
		{Type: discordgo.ApplicationCommandOptionString, Name: "schedule", Description: "Post this digest in a channel every day, or stop it (curators only)", Choices: modes},
		{Type: discordgo.ApplicationCommandOptionString, Name: "at", Description: "With schedule:daily, the time of day, 24-hour (08:00)", MaxLength: 5},
		{Type: discordgo.ApplicationCommandOptionChannel, Name: "channel", Description: "With schedule:, the channel (default: this one)",
			ChannelTypes: []discordgo.ChannelType{discordgo.ChannelTypeGuildText, discordgo.ChannelTypeGuildNews}},
		{Type: discordgo.ApplicationCommandOptionString, Name: "tz", Description: "With schedule:daily, the time zone of at: (default UTC), e.g. Europe/Paris", MaxLength: 64},
	}
}

// cmdDigestSchedule runs /digest schedule:…: privately, in a server, for
// curators only (like /feeds).
func (b *Bot) cmdDigestSchedule(ctx context.Context, r *responder, opts []*discordgo.ApplicationCommandInteractionDataOption, mode string) {
	if b.cfg.DigestSchedules == nil {
		_ = r.reply(ctx, errorMessage("Scheduled digests are not set up on this bot."), true)
		return
	}
	c, ok := b.startCuration(ctx, r, actionDigestSchedule)
	if !ok {
		return
	}
	channel := optString(opts, "channel")
	if channel == "" {
		channel = r.i.ChannelID
	}
	var text string
	switch mode {
	case scheduleDaily:
		text = b.scheduleDaily(ctx, c, r.i.GuildID, channel, opts)
	case scheduleOff:
		text = b.scheduleOff(ctx, c, r.i.GuildID, channel)
	case scheduleList:
		text = b.scheduleList(ctx, c, r.i.GuildID)
	default:
		text = "Use schedule:daily (with at: and channel:), schedule:off or schedule:list."
	}
	b.finishCuration(r, text)
}

// clockRE reads at: as H, HH, H:MM or HH:MM (24-hour).
var clockRE = regexp.MustCompile(`^(\d{1,2})(?::(\d{2}))?$`)

// parseClock reads at: into minutes after midnight.
func parseClock(s string) (int, bool) {
	m := clockRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, false
	}
	h, _ := strconv.Atoi(m[1])
	mins := 0
	if m[2] != "" {
		mins, _ = strconv.Atoi(m[2])
	}
	if h > 23 || mins > 59 {
		return 0, false
	}
	return h*60 + mins, true
}

// clockText is minutes after midnight as "08:00".
func clockText(at int) string { return fmt.Sprintf("%02d:%02d", at/60, at%60) }

// loadZone reads tz: ("" or "UTC" = UTC); "Local" is refused, as it
// would mean the server's zone, which nobody in Discord can see.
func loadZone(tz string) (*time.Location, error) {
	tz = strings.TrimSpace(tz)
	if tz == "" || strings.EqualFold(tz, "UTC") {
		return time.UTC, nil
	}
	if strings.EqualFold(tz, "local") {
		return nil, errors.New("the zone Local is the server's, not yours")
	}
	return time.LoadLocation(tz)
}

// zoneName is a schedule's zone as shown: "UTC" for "".
func zoneName(tz string) string {
	if tz == "" {
		return "UTC"
	}
	return tz
}

// scheduleDaily subscribes channel to the daily digest described by
// opts. A schedule made after today's hour starts tomorrow: its LastDay
// is today, so it is not posted at once.
func (b *Bot) scheduleDaily(ctx context.Context, c curation, guildID, channel string, opts []*discordgo.ApplicationCommandInteractionDataOption) string {
	at, ok := parseClock(optString(opts, "at"))
	if !ok {
		return "Give at: as a time of day in 24-hour form, like 08:00 or 17:30."
	}
	tz := strings.TrimSpace(optString(opts, "tz"))
	loc, err := loadZone(tz)
	if err != nil {
		return "I don't know the time zone “" + escapeMarkdown(truncate(tz, 64)) + "”: use a name like Europe/Paris or America/New_York, or leave tz: out for UTC."
	}
	if strings.EqualFold(tz, "UTC") {
		tz = ""
	}
	if len(b.allowedChannels) > 0 && !b.allowedChannels[channel] {
		return "I'm not enabled in <#" + channel + ">, so I can't post digests there."
	}
	dj, refusal := b.digestRequest(ctx, c.scope, opts, b.cfg.Now())
	if refusal != "" {
		return refusal
	}
	now := b.cfg.Now().In(loc)
	s := DigestSchedule{GuildID: guildID, ChannelID: channel, At: at, TZ: tz, Topic: dj.req.Topic, Feed: dj.req.Feed, Length: dj.req.Length, Added: b.cfg.Now()}
	if first := postTime(now, at, loc); !now.Before(first) {
		s.LastDay = now.Format(time.DateOnly)
	}
	c.action = "digest schedule daily"
	stored, replaced, err := b.cfg.DigestSchedules.PutDigestSchedule(ctx, s)
	if err != nil {
		return b.curationFailure(c, "schedule", err)
	}
	b.log.Info("digest scheduled", "scope", string(c.scope), "channel", channel, "at", clockText(at), "tz", zoneName(tz), "user", c.user, "replaced", replaced)
	next := nextPost(stored, b.cfg.Now(), loc)
	verb := "I'll post"
	if replaced {
		verb = "Changed: I'll now post"
	}
	return fmt.Sprintf("%s a digest of the last 24 hours%s in <#%s> every day at %s %s. The next one goes out <t:%d:F> (<t:%d:R>), without pings.",
		verb, digestFilters(dj.req, dj.feedTitle), channel, clockText(at), zoneName(tz), next.Unix(), next.Unix())
}

// scheduleOff removes channel's daily digest.
func (b *Bot) scheduleOff(ctx context.Context, c curation, guildID, channel string) string {
	c.action = "digest schedule off"
	s, err := b.cfg.DigestSchedules.RemoveDigestSchedule(ctx, guildID, channel)
	if errors.Is(err, ErrNoDigestSchedule) {
		return "<#" + channel + "> gets no daily digest. See them all with schedule:list."
	}
	if err != nil {
		return b.curationFailure(c, "stop", err)
	}
	b.log.Info("digest unscheduled", "scope", string(c.scope), "channel", channel, "user", c.user)
	return fmt.Sprintf("Stopped the daily digest in <#%s> (it went out at %s %s).", channel, clockText(s.At), zoneName(s.TZ))
}

// scheduleList lists this server's daily digests.
func (b *Bot) scheduleList(ctx context.Context, c curation, guildID string) string {
	list, err := b.cfg.DigestSchedules.DigestSchedules(ctx, guildID)
	if err != nil {
		return b.curationFailure(c, "list", err)
	}
	if len(list) == 0 {
		return "No channel of this server gets a daily digest. Start one with /digest schedule:daily at:08:00 channel:#news."
	}
	lines := []string{fmt.Sprintf("%d channel%s get%s a daily digest:", len(list), plural(len(list), "", "s"), plural(len(list), "s", ""))}
	for i, s := range list {
		if i == maxSchedulesListed {
			lines = append(lines, fmt.Sprintf("…and %d more.", len(list)-i))
			break
		}
		line := fmt.Sprintf("• <#%s> at %s %s, %s", s.ChannelID, clockText(s.At), zoneName(s.TZ), summaryLength(string(s.Length)))
		if s.Topic != "" {
			line += ", about “" + escapeMarkdown(truncate(s.Topic, 80)) + "”"
		}
		if s.Feed != "" {
			line += ", feed " + codeID(s.Feed)
		}
		if loc, err := loadZone(s.TZ); err == nil {
			line += fmt.Sprintf("; next <t:%d:R>", nextPost(s, b.cfg.Now(), loc).Unix())
		}
		lines = append(lines, line)
	}
	return truncate(strings.Join(lines, "\n"), 1900)
}
