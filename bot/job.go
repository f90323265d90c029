package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/answer"
	"github.com/citebot/citebot/retrieval"
)

type jobKind int

const (
	jobAsk jobKind = iota
	jobSummary
	jobDigest
)

func (k jobKind) String() string {
	switch k {
	case jobSummary:
		return "summary"
	case jobDigest:
		return "digest"
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
	echo bool
	// guildID is where the job was asked ("" in a DM), which decides the
	// library it is answered from; channelID is where the answer goes.
	guildID, channelID string
	// origin is the interaction or message the job answers (logs, tests).
	origin string
	// source is where the question came from, for Metrics.Question.
	source string
	// since bounds the articles /ask answers from (since:, zero = all).
	since time.Time
	// digest is a digest job's request and, once made, its result.
	digest *digestJob
}

// windower is an Engine that can answer from the articles of a date
// window (*answer.Engine); other engines ignore since:.
type windower interface {
	Window(since, until time.Time) *answer.Engine
}

// answerRecord is a delivered answer: what feedback stores and what a
// reply to any of its messages continues from.
type answerRecord struct {
	id        string
	question  string
	answer    string
	citations []string // article IDs, in citation order
}

// runJob answers one job on sf, step by step: wait for a slot in the LLM
// queue (showing the place in line), stream the answer into the live
// message, render the result, deliver it (the live message's final edit,
// then continuations) and remember it for feedback and follow-ups. It
// returns the record of a delivered answer, or nil.
func (b *Bot) runJob(ctx context.Context, sf surface, j job) *answerRecord {
	if b.jobDone != nil {
		defer b.jobDone(j.origin)
	}
	b.cfg.Metrics.Question(j.source)
	live := b.liveEdits(ctx, sf)
	defer live.stop()

	var rec *answerRecord
	var final []outMessage
	ans, err := b.generate(ctx, live, j)
	b.recordAnswer(ans, err)
	if err != nil {
		final = []outMessage{errorMessage(b.jobErrorText(err, j))}
		if is, ok := sf.(*interactionSurface); ok && is.r.publicPlaceholder() {
			// Only the asker hears of a failure: the public "thinking"
			// placeholder goes, the notice follows privately.
			live.stop()
			fctx, cancel := b.finalContext()
			defer cancel()
			is.r.failPrivately(fctx, final[0])
			b.log.Info("answered", "kind", j.kind, "channel", j.channelID, "ok", false, "private_failure", true)
			return nil
		}
	} else {
		rec = b.newRecord(ctx, j, ans)
		final = b.renderJob(ctx, j, ans, rec)
	}
	if !b.deliver(sf, live, final, j.channelID) {
		return nil
	}
	b.remember(rec, sf)
	b.log.Info("answered", "kind", j.kind, "channel", j.channelID, "messages", len(final), "streamed_edits", live.interimEdits(), "ok", rec != nil)
	return rec
}

// scope is the library view the job is answered from: the server it was
// asked in, or the shared library for a DM.
func (j job) scope() retrieval.Scope { return scopeOf(j.guildID) }

// echoed is the question shown on the answer's first line, or "": slash
// commands echo it (Discord shows only the command name), summaries never.
func (j job) echoed() string {
	if !j.echo || j.kind != jobAsk {
		return ""
	}
	return j.question
}

// liveEdits edits sf's live message as the answer streams: interim edits
// are best effort, the final one is retried on 429.
func (b *Bot) liveEdits(ctx context.Context, sf surface) *liveMessage {
	return startLive(ctx, b.cfg.EditInterval, func(ctx context.Context, m outMessage, final bool) error {
		retries := 0
		if final {
			retries = b.cfg.RateLimitRetries
		}
		return b.restN(ctx, "edit answer", retries, func(opts ...discordgo.RequestOption) error {
			_, err := sf.edit(ctx, m, opts...)
			return err
		})
	})
}

// generate waits for a slot in the LLM queue, then runs the job on the
// engine with the answer streamed into live. The slot is freed as soon
// as the engine returns.
func (b *Bot) generate(ctx context.Context, live *liveMessage, j job) (answer.Answer, error) {
	release, err := b.waitTurn(ctx, live)
	if err != nil {
		return answer.Answer{}, err
	}
	defer release()
	onDelta := streamInto(live, j.echoed())
	if j.kind == jobDigest {
		return b.generateDigest(ctx, j, onDelta)
	}
	eng := b.engineFor(j.scope())
	if w, ok := eng.(windower); ok && !j.since.IsZero() {
		eng = w.Window(j.since, time.Time{})
	}
	if j.kind == jobSummary {
		return eng.Summarize(ctx, j.question, j.length, onDelta)
	}
	return eng.Ask(ctx, j.question, j.history, onDelta)
}

// waitTurn takes a slot in the LLM queue. While the job waits, the live
// message shows its place in line, and "Thinking…" again once its turn
// comes.
func (b *Bot) waitTurn(ctx context.Context, live *liveMessage) (release func(), err error) {
	var queued, started atomic.Bool
	release, err = b.queue.acquire(ctx, func(pos int) {
		if started.Load() {
			return // a stale position update racing the hand-over
		}
		queued.Store(true)
		live.set(outMessage{Content: fmt.Sprintf("%sYou're #%d in line. I'll start on your question shortly.", markThinking, pos)})
	})
	if err != nil {
		return nil, err
	}
	started.Store(true)
	if queued.Load() {
		live.set(outMessage{Content: thinkingText})
	}
	return release, nil
}

// streamInto is the engine's onDelta for a job: it gathers the raw text
// and shows it, under the echoed question, as live's newest state.
func streamInto(live *liveMessage, echo string) answer.DeltaFunc {
	var (
		mu  sync.Mutex
		raw strings.Builder
	)
	return func(d string) {
		mu.Lock()
		raw.WriteString(d)
		text := raw.String()
		mu.Unlock()
		live.set(streamingMessage(echo, text))
	}
}

// newRecord is what the bot keeps of an answer: the question (for a
// summary, which article), the text and the cited articles.
func (b *Bot) newRecord(ctx context.Context, j job, ans answer.Answer) *answerRecord {
	rec := &answerRecord{
		id: randomHex(8), question: j.question, answer: ans.Text,
	}
	if j.kind == jobSummary {
		rec.question = "Summarize " + b.summaryTitle(ctx, ans, j)
	}
	for _, c := range ans.Citations {
		rec.citations = append(rec.citations, c.Article.ID)
	}
	return rec
}

// renderJob lays the answer out as messages, with feedback buttons for
// rec.
func (b *Bot) renderJob(ctx context.Context, j job, ans answer.Answer, rec *answerRecord) []outMessage {
	if j.kind == jobDigest {
		req := j.digest.req
		return renderDigest(j.digest.result, digestOpts{Heading: digestHeading("Digest", req, j.digest.feedTitle), FeedbackID: rec.id, Filtered: req.Topic != "" || req.Feed != ""})
	}
	opts := renderOpts{Question: j.echoed(), FeedbackID: rec.id}
	if j.kind == jobSummary {
		opts.Title = b.summaryHeading(ctx, ans, j)
	}
	return renderAnswer(ans, opts)
}

// deliver sends the final rendering: final[0] as the live message's last
// edit, the rest as continuations. It reports whether every part went
// out. It runs on the final context: an answer cancelled at shutdown
// still tells its user.
func (b *Bot) deliver(sf surface, live *liveMessage, final []outMessage, channelID string) bool {
	fctx, cancel := b.finalContext()
	defer cancel()
	if err := live.finish(fctx, final[0]); err != nil {
		b.log.Error("final answer edit failed", "channel", channelID, "err", err)
		return false
	}
	for _, m := range final[1:] {
		err := b.rest(fctx, "send continuation", func(opts ...discordgo.RequestOption) error {
			_, err := sf.send(fctx, m, opts...)
			return err
		})
		if err != nil {
			b.log.Error("continuation message failed", "channel", channelID, "err", err)
			return false
		}
	}
	return true
}

// remember files a delivered answer (nil: none) under its feedback ID and
// under each of its messages, which a reply continues from.
func (b *Bot) remember(rec *answerRecord, sf surface) {
	if rec == nil {
		return
	}
	b.records.put(rec.id, rec)
	for _, id := range sf.ids() {
		b.turns.put(id, rec)
	}
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
	ref := b.logFailure("answer failed", err)
	var llm *answer.ModelError
	if errors.As(err, &llm) {
		return fmt.Sprintf("⚠️ I couldn't answer: the language model is not responding right now (ref: %s). Please try again in a few minutes.", ref)
	}
	return fmt.Sprintf("⚠️ I couldn't answer right now: something failed while looking it up (ref: %s). Please try again in a few minutes.", ref)
}

// summaryTitle is the article a summary job is about, for records.
func (b *Bot) summaryTitle(ctx context.Context, ans answer.Answer, j job) string {
	if len(ans.Citations) > 0 && ans.Citations[0].Article.Title != "" {
		return ans.Citations[0].Article.Title
	}
	if a, ok := b.articleByID(ctx, j.scope(), j.question); ok && a.Title != "" {
		return a.Title
	}
	return j.question
}

// summaryHeading is the first line of a summary.
func (b *Bot) summaryHeading(ctx context.Context, ans answer.Answer, j job) string {
	title := escapeLinkText(truncate(b.summaryTitle(ctx, ans, j), 200))
	src := ""
	if len(ans.Citations) > 0 {
		src = safeURL(ans.Citations[0].Article.Source)
	} else if a, ok := b.articleByID(ctx, j.scope(), j.question); ok {
		src = safeURL(a.Source)
	}
	if src != "" {
		title = "[" + title + "](" + src + ")"
	}
	return fmt.Sprintf("📰 **Summary of %s** (%s)", title, summaryLength(string(j.length)))
}
