package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/answer"
)

type jobKind int

const (
	jobAsk jobKind = iota
	jobSummary
)

func (k jobKind) String() string {
	if k == jobSummary {
		return "summary"
	}
	return "ask"
}

// job is one question (or summary) to answer on some surface.
type job struct {
	kind jobKind
	// question is the question, or for a summary the article reference.
	question string
	length   answer.Length
	history  []answer.Turn
	// echo shows the question on the answer's first line.
	echo                       bool
	guildID, channelID, userID string
	// origin is the interaction or message the job answers (logs, tests).
	origin string
}

// surface is where an answer appears: an interaction response or a
// channel message, plus continuation messages after it.
type surface interface {
	// edit replaces the live (first) message.
	edit(ctx context.Context, m outMessage, opts ...discordgo.RequestOption) (*discordgo.Message, error)
	// send posts a continuation after the last message.
	send(ctx context.Context, m outMessage, opts ...discordgo.RequestOption) (*discordgo.Message, error)
	// ids are the messages shown so far, first first.
	ids() []string
}

// answerRecord is a delivered answer: what feedback stores and what a
// reply to any of its messages continues from.
type answerRecord struct {
	id                 string
	question           string
	answer             string
	citations          []string // article IDs, in citation order
	guildID, channelID string
}

// runJob waits for a slot in the LLM queue (showing the place in line),
// streams the answer into the live message with throttled edits, then
// sends the final rendering (continuations as further messages). It
// returns the record of a delivered answer, or nil.
func (b *Bot) runJob(ctx context.Context, sf surface, j job) *answerRecord {
	if b.jobDone != nil {
		defer b.jobDone(j.origin)
	}
	echo := ""
	if j.echo {
		echo = j.question
		if j.kind == jobSummary {
			echo = ""
		}
	}
	live := startLive(ctx, b.cfg.EditInterval, func(ctx context.Context, m outMessage, final bool) error {
		retries := 0 // interim edits are best effort
		if final {
			retries = b.cfg.RateLimitRetries
		}
		return b.restN(ctx, "edit answer", retries, func(opts ...discordgo.RequestOption) error {
			_, err := sf.edit(ctx, m, opts...)
			return err
		})
	})
	defer live.stop()

	var (
		final []outMessage
		rec   *answerRecord
	)
	var queued, started atomic.Bool
	release, err := b.queue.acquire(ctx, func(pos int) {
		if started.Load() {
			return // a stale position update racing the hand-over
		}
		queued.Store(true)
		live.set(outMessage{Content: fmt.Sprintf("%sYou're #%d in line. I'll start on your question shortly.", markThinking, pos)})
	})
	if err != nil {
		final = []outMessage{errorMessage(b.jobErrorText(err, j))}
	} else {
		var (
			mu  sync.Mutex
			raw strings.Builder
		)
		started.Store(true)
		if queued.Load() {
			live.set(outMessage{Content: markThinking + "Thinking…"})
		}
		onDelta := func(d string) {
			mu.Lock()
			raw.WriteString(d)
			text := raw.String()
			mu.Unlock()
			live.set(streamingMessage(echo, text))
		}
		var ans answer.Answer
		func() {
			defer release()
			switch j.kind {
			case jobSummary:
				ans, err = b.engine.Summarize(ctx, j.question, j.length, onDelta)
			default:
				ans, err = b.engine.Ask(ctx, j.question, j.history, onDelta)
			}
		}()
		if err != nil {
			final = []outMessage{errorMessage(b.jobErrorText(err, j))}
		} else {
			rec = &answerRecord{
				id: randomHex(8), question: j.question, answer: ans.Text,
				guildID: j.guildID, channelID: j.channelID,
			}
			if j.kind == jobSummary {
				rec.question = "Summarize " + b.summaryTitle(ctx, ans, j.question)
			}
			for _, c := range ans.Citations {
				rec.citations = append(rec.citations, c.Article.ID)
			}
			opts := renderOpts{Question: echo, FeedbackID: rec.id}
			if j.kind == jobSummary {
				opts.Title = b.summaryHeading(ctx, ans, j)
			}
			final = renderAnswer(ans, opts)
		}
	}

	fctx, cancel := b.finalContext()
	defer cancel()
	if err := live.finish(fctx, final[0]); err != nil {
		b.log.Error("final answer edit failed", "channel", j.channelID, "err", err)
		return nil
	}
	for _, m := range final[1:] {
		err := b.rest(fctx, "send continuation", func(opts ...discordgo.RequestOption) error {
			_, err := sf.send(fctx, m, opts...)
			return err
		})
		if err != nil {
			b.log.Error("continuation message failed", "channel", j.channelID, "err", err)
			return nil
		}
	}
	if rec != nil {
		b.records.put(rec.id, rec)
		for _, id := range sf.ids() {
			b.turns.put(id, rec)
		}
	}
	b.log.Info("answered", "kind", j.kind, "channel", j.channelID, "messages", len(final), "streamed_edits", live.interimEdits(), "ok", rec != nil)
	return rec
}

// jobErrorText turns an engine error into one clear sentence for the
// user; unexpected errors get a reference that matches the log line.
func (b *Bot) jobErrorText(err error, j job) string {
	var amb *answer.AmbiguousArticleError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "⌛ That took too long and I gave up. Please try again in a moment."
	case errors.Is(err, context.Canceled):
		return "I was restarted before I could finish this answer. Please ask again in a minute."
	case errors.Is(err, answer.ErrEmptyQuestion):
		return "Please include a question."
	case errors.As(err, &amb):
		var titles []string
		for i, a := range amb.Candidates {
			if i == 5 {
				break
			}
			titles = append(titles, "*"+escapeMarkdown(a.Title)+"*")
		}
		return fmt.Sprintf("“%s” matches several articles: %s. Pick one from the list as you type.", escapeMarkdown(truncate(j.question, 100)), strings.Join(titles, ", "))
	case errors.Is(err, answer.ErrUnknownArticle):
		return fmt.Sprintf("I don't know an article called “%s”. Try /articles for the list.", escapeMarkdown(truncate(j.question, 100)))
	}
	ref := randomHex(4)
	b.log.Error("answer failed", "ref", ref, "err", b.redact(err))
	var llm *answer.ModelError
	if errors.As(err, &llm) {
		return fmt.Sprintf("⚠️ I couldn't answer: the language model is not responding right now (ref: %s). Please try again in a few minutes.", ref)
	}
	return fmt.Sprintf("⚠️ I couldn't answer right now: something failed while looking it up (ref: %s). Please try again in a few minutes.", ref)
}

// summaryTitle is the article a summary is about, for records.
func (b *Bot) summaryTitle(ctx context.Context, ans answer.Answer, ref string) string {
	if len(ans.Citations) > 0 && ans.Citations[0].Article.Title != "" {
		return ans.Citations[0].Article.Title
	}
	if a, ok := b.articleByID(ctx, ref); ok && a.Title != "" {
		return a.Title
	}
	return ref
}

// summaryHeading is the first line of a summary.
func (b *Bot) summaryHeading(ctx context.Context, ans answer.Answer, j job) string {
	title := escapeLinkText(truncate(b.summaryTitle(ctx, ans, j.question), 200))
	src := ""
	if len(ans.Citations) > 0 {
		src = safeURL(ans.Citations[0].Article.Source)
	} else if a, ok := b.articleByID(ctx, j.question); ok {
		src = safeURL(a.Source)
	}
	if src != "" {
		title = "[" + title + "](" + src + ")"
	}
	length := string(j.length)
	if length == "" {
		length = string(answer.Medium)
	}
	return fmt.Sprintf("📰 **Summary of %s** (%s)", title, length)
}

// interactionSurface shows an answer as the interaction's response and
// follow-ups.
type interactionSurface struct {
	r         *responder
	ephemeral bool

	mu       sync.Mutex
	original string
	extra    []string
}

func (s *interactionSurface) edit(ctx context.Context, m outMessage, opts ...discordgo.RequestOption) (*discordgo.Message, error) {
	msg, err := s.r.editOriginal(ctx, m, opts...)
	if err == nil && msg != nil {
		s.mu.Lock()
		s.original = msg.ID
		s.mu.Unlock()
	}
	return msg, err
}

func (s *interactionSurface) send(ctx context.Context, m outMessage, opts ...discordgo.RequestOption) (*discordgo.Message, error) {
	msg, err := s.r.followup(ctx, m, s.ephemeral, opts...)
	if err == nil && msg != nil {
		s.mu.Lock()
		s.extra = append(s.extra, msg.ID)
		s.mu.Unlock()
	}
	return msg, err
}

func (s *interactionSurface) ids() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	if s.original != "" {
		out = append(out, s.original)
	}
	return append(out, s.extra...)
}

// channelSurface shows an answer as a channel message (a reply to the
// question, or the first message in a thread) and continuations, each a
// reply to the part before it so the reply chain stays linear.
type channelSurface struct {
	b         *Bot
	channelID string

	mu    sync.Mutex
	first *discordgo.Message
	parts []string
}

// start posts the placeholder the answer will be edited into.
func (s *channelSurface) start(ctx context.Context, m outMessage, replyTo *discordgo.Message) error {
	send := &discordgo.MessageSend{Content: m.Content, AllowedMentions: noMentions()}
	if replyTo != nil {
		no := false
		send.Reference = &discordgo.MessageReference{MessageID: replyTo.ID, ChannelID: replyTo.ChannelID, GuildID: replyTo.GuildID, FailIfNotExists: &no}
	}
	var msg *discordgo.Message
	err := s.b.rest(ctx, "post answer", func(opts ...discordgo.RequestOption) error {
		var err error
		msg, err = s.b.s.ChannelMessageSendComplex(s.channelID, send, opts...)
		return err
	})
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.first = msg
	s.parts = []string{msg.ID}
	s.mu.Unlock()
	return nil
}

func (s *channelSurface) edit(ctx context.Context, m outMessage, opts ...discordgo.RequestOption) (*discordgo.Message, error) {
	s.mu.Lock()
	id := s.first.ID
	s.mu.Unlock()
	content, embeds, comps := m.replacement()
	return s.b.s.ChannelMessageEditComplex(&discordgo.MessageEdit{
		ID: id, Channel: s.channelID, Content: &content, Embeds: &embeds, Components: &comps, AllowedMentions: noMentions(),
	}, opts...)
}

func (s *channelSurface) send(ctx context.Context, m outMessage, opts ...discordgo.RequestOption) (*discordgo.Message, error) {
	s.mu.Lock()
	prev := s.parts[len(s.parts)-1]
	s.mu.Unlock()
	no := false
	msg, err := s.b.s.ChannelMessageSendComplex(s.channelID, &discordgo.MessageSend{
		Content: m.Content, Embeds: m.Embeds, Components: m.Components, AllowedMentions: noMentions(),
		Reference: &discordgo.MessageReference{MessageID: prev, ChannelID: s.channelID, FailIfNotExists: &no},
	}, opts...)
	if err == nil && msg != nil {
		s.mu.Lock()
		s.parts = append(s.parts, msg.ID)
		s.mu.Unlock()
	}
	return msg, err
}

func (s *channelSurface) ids() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.parts...)
}
