package bot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// maxRetryAfter is the longest 429 wait the bot sits out; a longer one
// fails the call rather than hold a user's answer hostage.
const maxRetryAfter = 30 * time.Second

// newSession builds the discordgo session: our HTTP client, discordgo's
// unbounded 429 retry switched off (rest retries, bounded and
// context-aware), and the intents the features need.
func newSession(cfg Config) *discordgo.Session {
	tok := cfg.Token
	if !strings.HasPrefix(tok, "Bot ") {
		tok = "Bot " + tok
	}
	s, _ := discordgo.New(tok) // New cannot fail
	if cfg.HTTPClient != nil {
		s.Client = cfg.HTTPClient
	} else {
		s.Client = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone(), Timeout: 2 * cfg.RESTTimeout}
	}
	s.ShouldRetryOnRateLimit = false
	s.MaxRestRetries = 1 // discordgo retries 502 this many times
	s.Identify.Intents = intents(cfg)
	s.StateEnabled = true
	s.State.MaxMessageCount = 0
	s.State.TrackMembers = false
	s.State.TrackPresences = false
	s.State.TrackVoice = false
	s.LogLevel = discordgo.LogError // never LogDebug: it prints the IDENTIFY payload, token included
	return s
}

// intents are the gateway intents: guilds (channels and threads),
// guild and direct messages (mentions, replies, DMs) and, unless switched
// off, the privileged message content intent (ask channels, thread
// follow-ups without a mention).
func intents(cfg Config) discordgo.Intent {
	in := discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentsDirectMessages
	if !cfg.NoMessageContent {
		in |= discordgo.IntentMessageContent
	}
	return in
}

// rest runs one Discord REST call under a deadline, retrying a 429 at
// most cfg.RateLimitRetries times after the wait Discord asks for.
func (b *Bot) rest(ctx context.Context, what string, call func(opts ...discordgo.RequestOption) error) error {
	return b.restN(ctx, what, b.cfg.RateLimitRetries, call)
}

func (b *Bot) restN(ctx context.Context, what string, retries int, call func(opts ...discordgo.RequestOption) error) error {
	for attempt := 0; ; attempt++ {
		cctx, cancel := context.WithTimeout(ctx, b.cfg.RESTTimeout)
		err := call(discordgo.WithContext(cctx))
		cancel()
		var rl *discordgo.RateLimitError
		if !errors.As(err, &rl) {
			if err != nil {
				return &redactedError{msg: what + ": " + b.redact(err), err: err}
			}
			return nil
		}
		b.cfg.Metrics.RESTRateLimited()
		wait := rl.RetryAfter
		if attempt >= retries || wait > maxRetryAfter {
			return fmt.Errorf("%s: rate limited by Discord (retry after %v)", what, wait)
		}
		b.log.Info("discord rate limit, retrying", "call", what, "retry_after", wait, "attempt", attempt+1)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%s: %w", what, ctx.Err())
		}
	}
}

// Interaction and webhook URLs carry tokens; these patterns blank them in
// anything logged.
var (
	webhookTokenRE     = regexp.MustCompile(`(webhooks/\d+/)[^/\s"?]+`)
	interactionTokenRE = regexp.MustCompile(`(interactions/\d+/)[^/\s"?]+`)
)

// redact renders an error for logs and messages without the bot token or
// interaction tokens (net/http errors quote the URL).
func (b *Bot) redact(err error) string {
	if err == nil {
		return ""
	}
	s := err.Error()
	if tok := strings.TrimPrefix(b.cfg.Token, "Bot "); tok != "" {
		s = strings.ReplaceAll(s, tok, "[token]")
	}
	s = webhookTokenRE.ReplaceAllString(s, "${1}[token]")
	s = interactionTokenRE.ReplaceAllString(s, "${1}[token]")
	return s
}

// redactedError keeps the original error for errors.As/Is while its
// message has every token blanked.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// restStatus returns the HTTP status of a discordgo REST error, or 0.
func restStatus(err error) int {
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Response != nil {
		return re.Response.StatusCode
	}
	return 0
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// replyRef makes a message a reply to messageID; a reply whose target
// was deleted meanwhile is still sent, as a plain message.
func replyRef(messageID, channelID, guildID string) *discordgo.MessageReference {
	no := false
	return &discordgo.MessageReference{MessageID: messageID, ChannelID: channelID, GuildID: guildID, FailIfNotExists: &no}
}

// noMentions is attached to every message the bot sends: generated text
// must never ping @everyone, roles or users.
func noMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}
