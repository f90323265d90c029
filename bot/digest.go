package bot

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/answer"
	"github.com/citebot/citebot/retrieval"
)

// Digester makes digests: cited summaries of many articles, grouped into
// stories. *answer.Engine (a view from In) satisfies it; the bot asks
// Config.Digester for the one of each request's scope, so a server's
// private articles appear in its own digests only.
type Digester interface {
	Digest(ctx context.Context, req answer.DigestRequest, onDelta answer.DeltaFunc) (answer.Digest, error)
}

const (
	cmdDigest = "digest"
	// maxDigestTopic bounds topic:, which is a search, not a question.
	maxDigestTopic = 200
	// defaultDigestWindow is the window of a /digest without since: and
	// of every scheduled digest.
	defaultDigestWindow = 24 * time.Hour
)

// digestSinceChoices are offered as since: is typed; anything else that
// reads as a date or a duration works too.
var digestSinceChoices = []struct{ name, value string }{
	{"Last 24 hours", "24h"},
	{"Last 3 days", "3d"},
	{"Last 7 days", "7d"},
	{"Last 30 days", "30d"},
}

// digestCommand is /digest: for everyone, in servers and DMs; with
// schedules, its schedule: options too (checked for curators on use).
func digestCommand(cfg Config) *discordgo.ApplicationCommand {
	opts := []*discordgo.ApplicationCommandOption{
		{Type: discordgo.ApplicationCommandOptionString, Name: "since", Description: "How far back: pick one, or type a date (2026-05-01) or a duration (48h, 2w)", MaxLength: 32, Autocomplete: true},
		{Type: discordgo.ApplicationCommandOptionString, Name: "topic", Description: "Only the articles about this", MaxLength: maxDigestTopic},
		{Type: discordgo.ApplicationCommandOptionString, Name: "feed", Description: "Only the articles of one news feed (start typing its title)", Autocomplete: true, MaxLength: 100},
		{Type: discordgo.ApplicationCommandOptionString, Name: "length", Description: "How many stories, and how long each", Choices: lengthChoices()},
		{Type: discordgo.ApplicationCommandOptionBoolean, Name: "private", Description: "Only you see the digest"},
	}
	if cfg.DigestSchedules != nil {
		opts = append(opts, digestScheduleOptions()...)
	}
	return &discordgo.ApplicationCommand{
		Name:        cmdDigest,
		Description: "What happened: the stories of recent articles, each sentence cited",
		Options:     opts,
	}
}

// digestJob is a /digest (or scheduled) job's request and, once the
// engine returned, its result, which rendering needs beyond the Answer.
type digestJob struct {
	req answer.DigestRequest
	// feedTitle names req.Feed in the heading ("" = its ID).
	feedTitle string
	result    answer.Digest
}

// cmdDigest runs /digest: a schedule change for curators when schedule:
// is given, else a digest streamed like an /ask answer.
func (b *Bot) cmdDigest(ctx context.Context, r *responder, data discordgo.ApplicationCommandInteractionData) {
	if mode := optString(data.Options, "schedule"); mode != "" {
		b.cmdDigestSchedule(ctx, r, data.Options, mode)
		return
	}
	dj, refusal := b.digestRequest(ctx, r.scope(), data.Options, b.cfg.Now())
	if refusal != "" {
		_ = r.reply(ctx, errorMessage(refusal), true)
		return
	}
	if !b.admitQuestion(ctx, r, "/digest "+dj.req.Topic, "") {
		return
	}
	private := optBool(data.Options, "private")
	if r.deferReply(ctx, private) != nil {
		return
	}
	b.runJob(ctx, &interactionSurface{r: r, ephemeral: private}, job{
		kind: jobDigest, question: "Digest of " + digestWhat(dj.req, dj.feedTitle), digest: dj,
		guildID: r.i.GuildID, channelID: r.i.ChannelID, origin: r.i.ID, source: sourceSlash,
	})
}

// digestRequest reads /digest's options into a job for the window
// ending now, or returns the sentence that says what is wrong.
func (b *Bot) digestRequest(ctx context.Context, scope retrieval.Scope, opts []*discordgo.ApplicationCommandInteractionDataOption, now time.Time) (*digestJob, string) {
	since, err := parseDigestSince(optString(opts, "since"), now)
	if err != nil {
		return nil, "I couldn't read since: pick one from the list, or use a date like 2026-05-01 or a duration like 24h, 3d, 2w."
	}
	if !since.Before(now) {
		return nil, "since: must be in the past."
	}
	req := answer.DigestRequest{
		Since: since, Until: now,
		Topic:  strings.Join(strings.Fields(optString(opts, "topic")), " "),
		Length: summaryLength(optString(opts, "length")),
	}
	dj := &digestJob{req: req}
	if ref := strings.TrimSpace(optString(opts, "feed")); ref != "" {
		f, refusal := b.resolveFeed(ctx, scope, ref)
		if refusal != "" {
			return nil, refusal
		}
		dj.req.Feed, dj.feedTitle = f.ID, f.Title
	}
	return dj, ""
}

// digestDurationRE reads "3 days", "24 hours", "2 weeks" as ParseSince's
// 3d, 24h, 2w.
var digestDurationRE = regexp.MustCompile(`^(\d{1,5})\s*(hour|day|week|month|year)s?$`)

// parseDigestSince reads since: ("" = the last 24 hours) as a date or a
// duration back from now, in ParseSince's spellings or in words.
func parseDigestSince(s string, now time.Time) (time.Time, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return now.Add(-defaultDigestWindow), nil
	}
	if m := digestDurationRE.FindStringSubmatch(s); m != nil {
		s = m[1] + m[2][:1]
	}
	return answer.ParseSince(s, now)
}

// generateDigest runs a digest job on the engine of its scope, keeping
// the whole result for rendering.
func (b *Bot) generateDigest(ctx context.Context, j job, onDelta answer.DeltaFunc) (answer.Answer, error) {
	d, err := b.cfg.Digester(j.scope()).Digest(ctx, j.digest.req, onDelta)
	if errors.Is(err, answer.ErrNoDigestArticles) {
		// No news is an answer, not a failure: renderDigest says so.
		j.digest.result = answer.Digest{Since: j.digest.req.Since, Until: j.digest.req.Until}
		return answer.Answer{Refused: true}, nil
	}
	if err != nil {
		return answer.Answer{}, fmt.Errorf("digest: %w", err)
	}
	j.digest.result = d
	return d.Answer, nil
}

// digestChoices are the autocomplete choices of /digest's since: (the
// usual windows, and what was typed once it reads as one) and feed:.
func (b *Bot) digestChoices(ctx context.Context, r *responder, focused *discordgo.ApplicationCommandInteractionDataOption) []*discordgo.ApplicationCommandOptionChoice {
	if focused == nil {
		return nil
	}
	typed, _ := focused.Value.(string)
	typed = strings.TrimSpace(typed)
	switch focused.Name {
	case "since":
		return sinceChoices(typed, b.cfg.Now())
	case "feed":
		return b.visibleFeedChoices(ctx, r.scope(), typed)
	}
	return nil
}

// sinceChoices offers the usual windows that match typed, after typed
// itself when it reads as a date or duration.
func sinceChoices(typed string, now time.Time) []*discordgo.ApplicationCommandOptionChoice {
	var out []*discordgo.ApplicationCommandOptionChoice
	if typed != "" {
		if t, err := parseDigestSince(typed, now); err == nil && t.Before(now) {
			name := truncate(typed, 60) + " (since " + t.UTC().Format("2 Jan 2006 15:04") + " UTC)"
			out = append(out, &discordgo.ApplicationCommandOptionChoice{Name: name, Value: truncate(typed, maxChoiceValue)})
		}
	}
	low := strings.ToLower(typed)
	for _, c := range digestSinceChoices {
		if low == "" || strings.Contains(strings.ToLower(c.name), low) || strings.HasPrefix(c.value, low) {
			if len(out) == 0 || out[0].Value != c.value {
				out = append(out, &discordgo.ApplicationCommandOptionChoice{Name: c.name, Value: c.value})
			}
		}
	}
	return out
}
