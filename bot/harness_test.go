package bot

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/answer"
	"github.com/citebot/citebot/bot/discordtest"
	"github.com/citebot/citebot/retrieval"
)

// waitTimeout bounds every wait in the tests; nothing should take near it.
const waitTimeout = 20 * time.Second

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// harness is a bot running against a fake Discord.
type harness struct {
	t      *testing.T
	fake   *discordtest.Server
	bot    *Bot
	logs   *syncBuffer
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
	runErr error

	jobMu    sync.Mutex
	jobs     map[string]chan struct{}
	jobEnded map[string]bool
}

// startBot runs a bot with cfg (Token, HTTPClient and Logger filled in)
// against a new fake Discord and waits until it is ready.
func startBot(t *testing.T, cfg Config, fopts discordtest.Options) *harness {
	t.Helper()
	fake := discordtest.NewServer(fopts)
	h := &harness{t: t, fake: fake, logs: &syncBuffer{}, done: make(chan error, 1)}
	if cfg.Token == "" {
		cfg.Token = fake.Token()
	}
	cfg.HTTPClient = fake.Client()
	cfg.Logger = slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if cfg.EditInterval == 0 {
		cfg.EditInterval = 20 * time.Millisecond
	}
	if cfg.RESTTimeout == 0 {
		cfg.RESTTimeout = 5 * time.Second
	}
	if cfg.ShutdownTimeout == 0 {
		cfg.ShutdownTimeout = 5 * time.Second
	}
	if cfg.FeedbackSalt == "" {
		cfg.FeedbackSalt = "test-salt"
	}
	b, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h.bot = b
	b.jobDone = h.markDone
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.done <- b.Run(ctx) }()
	t.Cleanup(func() {
		// discordgo's Close sleeps a second; shut down in the background
		// so the next parallel test can start (the burst test, which
		// counts goroutines, runs before any parallel test).
		go func() {
			h.stop()
			fake.Close()
		}()
	})
	select {
	case <-b.Ready():
	case err := <-h.done:
		h.once.Do(func() { h.runErr = err })
		t.Fatalf("bot stopped before ready: %v\nlogs:\n%s", err, h.logs.String())
	case <-time.After(waitTimeout):
		t.Fatalf("bot not ready in time\nlogs:\n%s", h.logs.String())
	}
	return h
}

// stop shuts the bot down and returns Run's error.
func (h *harness) stop() error {
	h.once.Do(func() {
		h.cancel()
		select {
		case h.runErr = <-h.done:
		case <-time.After(waitTimeout):
			h.runErr = errors.New("bot did not stop in time")
		}
	})
	return h.runErr
}

func (h *harness) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	h.t.Cleanup(cancel)
	return ctx
}

// guildActor is a user in the test guild.
func guildActor(user, channel string) discordtest.Actor {
	return discordtest.Actor{UserID: user, Username: "user" + user, GuildID: "g1", ChannelID: channel}
}

// markDone is the bot's jobDone hook.
func (h *harness) markDone(origin string) {
	h.jobMu.Lock()
	defer h.jobMu.Unlock()
	h.jobChan(origin)
	if !h.jobEnded[origin] {
		h.jobEnded[origin] = true
		close(h.jobs[origin])
	}
}

// jobChan returns the channel closed when origin's job ends. Callers hold
// jobMu.
func (h *harness) jobChan(origin string) chan struct{} {
	if h.jobs == nil {
		h.jobs, h.jobEnded = map[string]chan struct{}{}, map[string]bool{}
	}
	ch, ok := h.jobs[origin]
	if !ok {
		ch = make(chan struct{})
		h.jobs[origin] = ch
	}
	return ch
}

// waitJob waits until the answer to origin (an interaction or message ID)
// has been delivered (or failed).
func (h *harness) waitJob(origin string) {
	h.t.Helper()
	h.jobMu.Lock()
	ch := h.jobChan(origin)
	h.jobMu.Unlock()
	select {
	case <-ch:
	case <-time.After(waitTimeout):
		h.t.Fatalf("no answer to %s within %v\ncalls:\n%s\nlogs:\n%s", origin, waitTimeout, h.callList(), h.logs.String())
	}
}

// waitAnswer waits for the answer to an interaction and returns the
// response and its follow-ups as the fake stored them.
func (h *harness) waitAnswer(sent discordtest.Sent) (discordgo.Message, []discordgo.Message) {
	h.t.Helper()
	h.waitJob(sent.ID)
	orig, ok := h.fake.OriginalResponse(sent.ID)
	if !ok {
		h.t.Fatalf("interaction %s has no response\n%s", sent.ID, h.callList())
	}
	return orig, h.fake.Followups(sent.ID)
}

// waitUntil polls cond (cheap, local state) until true.
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v", waitTimeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (h *harness) callList() string {
	var b strings.Builder
	for _, c := range h.fake.Calls() {
		b.WriteString(c.String())
		if s, ok := c.Body["content"].(string); ok {
			b.WriteString("  " + strings.ReplaceAll(truncate(s, 100), "\n", "⏎"))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// checkHygiene asserts what must hold after any session: every message
// call suppressed mentions, the fake saw no protocol or limit problem,
// and no secret reached the logs.
func (h *harness) checkHygiene() {
	h.t.Helper()
	n := 0
	for _, c := range h.fake.Calls() {
		if discordtest.IsMessageCall(c) {
			n++
			if !discordtest.MentionsSuppressed(c) {
				h.t.Errorf("message call without empty allowed_mentions: %s %s", c, c.Raw)
			}
		}
	}
	if n == 0 {
		h.t.Errorf("no message calls at all")
	}
	if p := h.fake.Problems(); len(p) > 0 {
		h.t.Errorf("fake Discord saw problems:\n%s", strings.Join(p, "\n"))
	}
	logs := h.logs.String()
	if strings.Contains(logs, h.fake.Token()) {
		h.t.Errorf("the bot token appears in the logs")
	}
	if strings.Contains(logs, "itok-") {
		h.t.Errorf("an interaction token appears in the logs")
	}
}

// fakeEngine is a scripted engine.
type fakeEngine struct {
	mu       sync.Mutex
	ask      func(ctx context.Context, q string, history []answer.Turn, onDelta answer.DeltaFunc) (answer.Answer, error)
	asks     []askCall
	articles []retrieval.Article
	search   []retrieval.Passage
}

type askCall struct {
	Question string
	History  []answer.Turn
}

var seedArticle = retrieval.Article{
	ID:        "austin-shoigu-call",
	Title:     "U.S. Defense Secretary Lloyd Austin Speaks With Russia Defense Minister for First Time Since Start of Ukraine War",
	Source:    "https://www.latinpost.com/articles/155960/20220514/us-defense-secretary-lloyd-austin-speaks-with-russia-defense-minister.htm",
	Author:    "Mary Webber",
	Published: "2022-05-14",
}

// citedAnswer is an answer citing the seed article once.
func citedAnswer(text string) answer.Answer {
	return answer.Answer{
		Text:     text,
		Grounded: true,
		Citations: []answer.Citation{{
			N: 1, Article: seedArticle,
			Quote: `According to the U.S. Department of Defense, Austin urged an "immediate ceasefire" in Ukraine.`,
		}},
	}
}

// streamWords sends text in word deltas with a pause between them; it
// stops early when ctx ends.
func streamWords(ctx context.Context, onDelta answer.DeltaFunc, text string, pause time.Duration) error {
	for _, w := range strings.SplitAfter(text, " ") {
		if onDelta != nil {
			onDelta(w)
		}
		select {
		case <-time.After(pause):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func newFakeEngine() *fakeEngine {
	e := &fakeEngine{articles: []retrieval.Article{seedArticle}}
	e.ask = func(ctx context.Context, q string, _ []answer.Turn, onDelta answer.DeltaFunc) (answer.Answer, error) {
		text := "Austin urged an immediate ceasefire in Ukraine during the call [1]."
		if err := streamWords(ctx, onDelta, text, 10*time.Millisecond); err != nil {
			return answer.Answer{}, err
		}
		return citedAnswer(text), nil
	}
	return e
}

func (e *fakeEngine) Ask(ctx context.Context, q string, history []answer.Turn, onDelta answer.DeltaFunc) (answer.Answer, error) {
	e.mu.Lock()
	e.asks = append(e.asks, askCall{Question: q, History: append([]answer.Turn(nil), history...)})
	f := e.ask
	e.mu.Unlock()
	return f(ctx, q, history, onDelta)
}

func (e *fakeEngine) Summarize(ctx context.Context, ref string, length answer.Length, onDelta answer.DeltaFunc) (answer.Answer, error) {
	if ref != seedArticle.ID {
		return answer.Answer{}, answer.ErrUnknownArticle
	}
	text := "Austin and Shoigu spoke for about an hour [1]. Austin urged an immediate ceasefire [1]."
	if err := streamWords(ctx, onDelta, text, 5*time.Millisecond); err != nil {
		return answer.Answer{}, err
	}
	return citedAnswer(text), nil
}

func (e *fakeEngine) Search(ctx context.Context, q string, k int) ([]retrieval.Passage, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.search) > k {
		return e.search[:k], nil
	}
	return e.search, nil
}

func (e *fakeEngine) Articles(ctx context.Context) ([]retrieval.Article, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]retrieval.Article(nil), e.articles...), nil
}

func (e *fakeEngine) askCalls() []askCall {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]askCall(nil), e.asks...)
}

func (e *fakeEngine) setAsk(f func(ctx context.Context, q string, history []answer.Turn, onDelta answer.DeltaFunc) (answer.Answer, error)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ask = f
}

// feedbackSink records stored feedback.
type feedbackSink struct {
	mu   sync.Mutex
	list []Feedback
}

func (f *feedbackSink) AddFeedback(_ context.Context, fb Feedback) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.list = append(f.list, fb)
	return nil
}

func (f *feedbackSink) all() []Feedback {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Feedback(nil), f.list...)
}

// callback waits for an interaction's first response and returns it.
func (h *harness) callback(sent discordtest.Sent) discordtest.Call {
	h.t.Helper()
	c, err := h.fake.WaitCall(h.ctx(), func(c discordtest.Call) bool {
		return c.Method == "POST" && strings.HasSuffix(c.Path, "/interactions/"+sent.ID+"/"+sent.Token+"/callback")
	})
	if err != nil {
		h.t.Fatalf("no callback for %s: %v\n%s", sent.ID, err, h.callList())
	}
	return c
}

func bodyType(c discordtest.Call) int {
	f, _ := c.Body["type"].(float64)
	return int(f)
}

func bodyFlags(c discordtest.Call) int {
	d, _ := c.Body["data"].(map[string]any)
	f, _ := d["flags"].(float64)
	return int(f)
}

func bodyContent(c discordtest.Call) string {
	if d, ok := c.Body["data"].(map[string]any); ok {
		s, _ := d["content"].(string)
		return s
	}
	s, _ := c.Body["content"].(string)
	return s
}

// Short aliases for scripted engines.
type (
	answerTurn  = answer.Turn
	answerDelta = answer.DeltaFunc
	answerT     = answer.Answer
)

// isFinalBody reports whether an edit body is a final rendering (no
// streaming cursor, no queue or thinking status).
func isFinalBody(body map[string]any) bool {
	c, _ := body["content"].(string)
	return !strings.HasSuffix(c, streamCursor) && !strings.HasPrefix(c, markThinking)
}
