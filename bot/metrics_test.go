package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/citebot/citebot/answer"
	"github.com/citebot/citebot/bot/discordtest"
)

// countingMetrics is a Metrics that counts every call by name and label.
type countingMetrics struct {
	mu     sync.Mutex
	counts map[string]int
	depths []int
}

func (m *countingMetrics) add(key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.counts == nil {
		m.counts = map[string]int{}
	}
	m.counts[key]++
}

func (m *countingMetrics) get(key string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.counts[key]
}

func (m *countingMetrics) Question(source string) { m.add("question:" + source) }
func (m *countingMetrics) Answer(outcome string)  { m.add("answer:" + outcome) }
func (m *countingMetrics) Latency(stage string, d time.Duration) {
	if d < 0 {
		m.add("negative latency:" + stage)
	}
	m.add("latency:" + stage)
}
func (m *countingMetrics) Tokens(n int)      { m.add(fmt.Sprintf("tokens:%d", n)) }
func (m *countingMetrics) RateLimited()      { m.add("rate limited") }
func (m *countingMetrics) Feedback(vote int) { m.add(fmt.Sprintf("feedback:%+d", vote)) }
func (m *countingMetrics) GatewayReconnect() { m.add("reconnect") }
func (m *countingMetrics) RESTRateLimited()  { m.add("rest 429") }
func (m *countingMetrics) Queue(depth int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.depths = append(m.depths, depth)
}

func (m *countingMetrics) queueDepths() []int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]int(nil), m.depths...)
}

// Every kind of job reports its source and outcome, with the stage
// latencies and tokens of the answer.
func TestMetricsCountQuestionsAndOutcomes(t *testing.T) {
	t.Parallel()
	m := &countingMetrics{}
	eng := newFakeEngine()
	h := startBot(t, Config{Engine: eng, Metrics: m}, discordtest.Options{})
	user := guildActor("u1", "c1")

	eng.setAsk(func(ctx context.Context, q string, _ []answer.Turn, _ answer.DeltaFunc) (answer.Answer, error) {
		switch {
		case strings.Contains(q, "refuse"):
			return answer.Answer{Text: "The articles do not say.", Refused: true}, nil
		case strings.Contains(q, "unsupported"):
			a := citedAnswer("Something not in the passage [1].")
			a.Grounded = false
			return a, nil
		case strings.Contains(q, "fail"):
			return answer.Answer{}, errors.New("index on fire")
		}
		a := citedAnswer("Austin urged a ceasefire [1].")
		a.Usage = answer.Usage{PromptTokens: 30, CompletionTokens: 12, TotalTokens: 42}
		a.Timings = answer.Timings{Retrieval: time.Millisecond, LLM: 2 * time.Millisecond, Total: 3 * time.Millisecond}
		return a, nil
	})
	for _, q := range []string{"What did Austin urge?", "Please refuse", "Something unsupported", "Now fail"} {
		h.waitJob(h.fake.SlashCommand(user, "ask", discordtest.String("question", q)).ID)
	}
	h.waitAnswer(h.fake.SlashCommand(user, "summarize", discordtest.String("article", seedArticle.ID)))
	msg, _ := h.fake.SendMessage(user, discordtest.MessageSpec{Content: h.fake.Mention() + " what did Austin urge?"})
	h.waitJob(msg.ID)

	want := map[string]int{
		"question:slash": 5, "question:mention": 1,
		"answer:answered": 3, "answer:refused": 1, "answer:ungrounded": 1, "answer:error": 1,
		"latency:retrieval": 5, "latency:llm": 5, "latency:total": 5, "tokens:42": 2,
	}
	for key, n := range want {
		if got := m.get(key); got != n {
			t.Errorf("%s recorded %d times, want %d", key, got, n)
		}
	}
}

// Rate-limit refusals, votes and Discord's 429s are counted.
func TestMetricsCountRateLimitsVotesAnd429s(t *testing.T) {
	t.Parallel()
	m := &countingMetrics{}
	h := startBot(t, Config{Engine: newFakeEngine(), Metrics: m, RatePerMinute: 1, Feedback: &feedbackSink{}}, discordtest.Options{})
	user := guildActor("u1", "c1")
	h.fake.FailNext("PATCH", "/messages/@original", 1, 10*time.Millisecond)
	orig, _ := h.waitAnswer(h.fake.SlashCommand(user, "ask", discordtest.String("question", "What did Austin urge?")))
	h.callback(h.fake.SlashCommand(user, "ask", discordtest.String("question", "And again?")))
	up, _ := feedbackIDs(t, orig)
	h.callback(h.fake.ClickButton(guildActor("voter", "c1"), orig.ID, up))
	waitUntil(t, func() bool { return m.get("feedback:+1") == 1 })
	if got := m.get("rate limited"); got != 1 {
		t.Errorf("rate limited counted %d times, want 1", got)
	}
	if got := m.get("rest 429"); got != 1 {
		t.Errorf("REST 429s counted %d times, want 1", got)
	}
}

// The queue reports its depth as jobs wait and leave.
func TestMetricsReportQueueDepth(t *testing.T) {
	t.Parallel()
	m := &countingMetrics{}
	eng := newFakeEngine()
	release := make(chan struct{})
	eng.setAsk(func(ctx context.Context, q string, _ []answer.Turn, _ answer.DeltaFunc) (answer.Answer, error) {
		<-release
		return citedAnswer("Austin urged a ceasefire [1]."), nil
	})
	h := startBot(t, Config{Engine: eng, Metrics: m, MaxConcurrent: 1}, discordtest.Options{})
	first := h.fake.SlashCommand(guildActor("u1", "c1"), "ask", discordtest.String("question", "One?"))
	waitUntil(t, func() bool { return len(eng.askCalls()) == 1 })
	second := h.fake.SlashCommand(guildActor("u2", "c1"), "ask", discordtest.String("question", "Two?"))
	waitUntil(t, func() bool { d := m.queueDepths(); return len(d) > 0 && d[len(d)-1] == 1 })
	close(release)
	h.waitJob(first.ID)
	h.waitJob(second.ID)
	if d := m.queueDepths(); d[len(d)-1] != 0 {
		t.Errorf("queue depths %v, want to end at 0", d)
	}
}

// Health is an error until the bot is online, nil while it is, an error
// while the gateway is down; a resumed session counts as a reconnect.
func TestHealthFollowsTheGateway(t *testing.T) {
	t.Parallel()
	b, err := New(Config{Token: "x", Engine: newFakeEngine(), FeedbackSalt: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Health(); err == nil || !strings.Contains(err.Error(), "not connected") {
		t.Errorf("Health before Run = %v", err)
	}

	m := &countingMetrics{}
	h := startBot(t, Config{Engine: newFakeEngine(), Metrics: m}, discordtest.Options{})
	waitUntil(t, func() bool { return h.bot.Health() == nil })
	h.fake.Drop()
	waitUntil(t, func() bool { return h.bot.Health() != nil })
	if err := h.fake.WaitResumes(h.ctx(), 1); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, func() bool { return h.bot.Health() == nil })
	waitUntil(t, func() bool { return m.get("reconnect") == 1 }) // handlers run asynchronously
	h.stop()
	if err := h.bot.Health(); err == nil {
		t.Error("Health after shutdown is nil")
	}
}
