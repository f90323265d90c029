package bot

import (
	"time"

	"github.com/citebot/citebot/answer"
)

// Metrics receives what the bot does, for monitoring. Each method is one
// event or reading, called where it happens, so the recorder decides how
// to count it and the bot needs no metrics library (cmd/citebot passes
// internal/metrics'). Methods are called concurrently from gateway
// handlers and must not block.
type Metrics interface {
	// Question counts a question or summary request taken up, by where
	// it came from: "slash" (/ask, /summarize), "mention", "reply" (to
	// one of the bot's answers), "thread" (a follow-up in a thread the
	// bot opened), "dm" or "channel" (an ask channel).
	Question(source string)
	// Answer counts a finished job by outcome: "answered", "refused"
	// (the articles do not hold it), "ungrounded" (shown with a warning:
	// a claim lacks support) or "error" (also when the model failed and
	// the engine answered offline instead, Answer.Fallback).
	Answer(outcome string)
	// Latency observes how long a stage of an answer took: "retrieval",
	// "llm", "verify" or "total".
	Latency(stage string, d time.Duration)
	// Tokens counts LLM tokens an answer used (prompt and completion).
	Tokens(n int)
	// Queue reports how many jobs wait for a free slot, on every change.
	Queue(depth int)
	// RateLimited counts a question refused by the per-user rate limit.
	RateLimited()
	// Feedback counts a 👍 (+1) or 👎 (-1) vote.
	Feedback(vote int)
	// GatewayReconnect counts a gateway session resumed or identified
	// again after the first.
	GatewayReconnect()
	// RESTRateLimited counts a Discord REST call answered with 429.
	RESTRateLimited()
}

// noMetrics records nothing: the Metrics of a Config without one.
type noMetrics struct{}

func (noMetrics) Question(string)               {}
func (noMetrics) Answer(string)                 {}
func (noMetrics) Latency(string, time.Duration) {}
func (noMetrics) Tokens(int)                    {}
func (noMetrics) Queue(int)                     {}
func (noMetrics) RateLimited()                  {}
func (noMetrics) Feedback(int)                  {}
func (noMetrics) GatewayReconnect()             {}
func (noMetrics) RESTRateLimited()              {}

// Job sources, as Metrics.Question receives them.
const (
	sourceSlash   = "slash"
	sourceMention = "mention"
	sourceReply   = "reply"
	sourceThread  = "thread"
	sourceDM      = "dm"
	sourceChannel = "channel"
)

// source is the Metrics name of what made a message a question.
func (t trigger) source() string {
	switch t {
	case trigDM:
		return sourceDM
	case trigReply:
		return sourceReply
	case trigThread:
		return sourceThread
	case trigAsk, trigForum:
		return sourceChannel
	}
	return sourceMention
}

// recordAnswer reports a finished job: its outcome and, when the engine
// answered, the time of each stage and the tokens used.
func (b *Bot) recordAnswer(ans answer.Answer, err error) {
	m := b.cfg.Metrics
	switch {
	case err != nil:
		m.Answer("error")
		return
	case ans.Fallback:
		m.Answer("error")
	case ans.Refused:
		m.Answer("refused")
	case !ans.Grounded:
		m.Answer("ungrounded")
	default:
		m.Answer("answered")
	}
	t := ans.Timings
	m.Latency("retrieval", t.Retrieval)
	if !ans.Extractive || t.LLM > 0 {
		m.Latency("llm", t.LLM) // an offline answer asks no model
	}
	if t.Verify > 0 {
		m.Latency("verify", t.Verify)
	}
	m.Latency("total", t.Total)
	if ans.Usage.TotalTokens > 0 {
		m.Tokens(ans.Usage.TotalTokens)
	}
}
