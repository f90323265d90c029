package bot

import (
	"context"
	"fmt"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/citebot/citebot/answer"
	"github.com/citebot/citebot/bot/discordtest"
	"github.com/citebot/citebot/internal/openai"
	"github.com/citebot/citebot/internal/openai/openaitest"
	"github.com/citebot/citebot/prompts"
	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/article"
	"github.com/citebot/citebot/retrieval/index"
	"github.com/citebot/citebot/seeds"
)

// seedTitle is the title of the seed article, from its front matter.
const seedTitle = "U.S. Defense Secretary Lloyd Austin Speaks With Russia Defense Minister for First Time Since Start of Ukraine War"

var passageRE = regexp.MustCompile(`(?s)<(?:passage|paragraph) n="(\d+)"[^>]*>(.*?)</(?:passage|paragraph)>`)

// fakeModel answers like a well-behaved model: it cites the passage that
// holds the fact it states, rewrites follow-ups into standalone queries,
// and summarizes with paragraph citations.
func fakeModel(req openaitest.ChatRequest) string {
	user := req.Messages[len(req.Messages)-1].Content
	find := func(word string) string {
		for _, m := range passageRE.FindAllStringSubmatch(user, -1) {
			if strings.Contains(m[2], word) {
				return m[1]
			}
		}
		return ""
	}
	switch {
	case strings.Contains(user, "Okavango"):
		if n := find("500 kilometres"); n != "" {
			return fmt.Sprintf("The Okavango zebras migrate about 500 kilometres each winter [%s].", n)
		}
	case strings.Contains(user, "Standalone search query"):
		return "How long did the call between Lloyd Austin and Sergei Shoigu last?"
	case strings.Contains(user, "<paragraph"):
		return fmt.Sprintf("Austin and Shoigu held their first talks since the war began [%s]. Austin urged an immediate ceasefire in Ukraine [%s].", find("first talks"), find("ceasefire"))
	case strings.Contains(strings.ToLower(user), "how long"):
		if n := find("lasted about an hour"); n != "" {
			return fmt.Sprintf("The call between the two leaders lasted about an hour [%s].", n)
		}
	default:
		if n := find("immediate ceasefire"); n != "" {
			return fmt.Sprintf("According to the Department of Defense, Austin urged an immediate ceasefire in Ukraine [%s].", n)
		}
	}
	return "I couldn't find that in the articles."
}

// realEngine is the real answer engine over the seed articles with the
// local embedder and a fake OpenAI-compatible chat server.
func realEngine(t *testing.T, llm *openaitest.Server) *answer.Engine {
	t.Helper()
	eng, closeIx := openRealEngine(t, llm)
	t.Cleanup(closeIx)
	return eng
}

// openRealEngine is realEngine with the index closed by the caller.
func openRealEngine(t *testing.T, llm *openaitest.Server) (*answer.Engine, func()) {
	t.Helper()
	eng, ix := openRealEngineIndex(t, llm)
	return eng, func() { ix.Close() }
}

// openRealEngineIndex is the real engine and the index under it, which
// the caller closes.
func openRealEngineIndex(t *testing.T, llm *openaitest.Server) (*answer.Engine, *index.Index) {
	t.Helper()
	ctx := context.Background()
	ix, err := index.Open(ctx, index.Config{DataDir: t.TempDir(), Embedder: retrieval.NewLocalEmbedder()})
	if err != nil {
		t.Fatal(err)
	}
	arts, err := article.LoadFS(seeds.FS, article.LoadOptions{}, func(p string, err error) { t.Errorf("seed %s: %v", p, err) })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Ingest(ctx, arts, index.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	p := openai.ChatPolicy()
	p.MaxRetries, p.AttemptTimeout = 1, 10*time.Second
	chat, err := openai.NewChat(openai.ChatConfig{BaseURL: llm.URL(), APIKey: "sk-test-secret", Model: "fake-model", Policy: &p})
	if err != nil {
		t.Fatal(err)
	}
	client := chatLLM{chat}
	pr, err := prompts.New("")
	if err != nil {
		t.Fatal(err)
	}
	eng, err := answer.NewEngine(answer.Config{Retriever: ix, LLM: client, Prompts: pr})
	if err != nil {
		t.Fatal(err)
	}
	return eng, ix
}

// chatLLM adapts the OpenAI-compatible client to answer.LLM, as
// cmd/citebot does.
type chatLLM struct{ *openai.Chat }

func (c chatLLM) Stream(ctx context.Context, msgs []prompts.Message, onDelta answer.DeltaFunc) (string, answer.Usage, error) {
	text, u, err := c.Chat.Stream(ctx, msgs, onDelta)
	return text, answer.Usage(u), err
}

func (c chatLLM) Complete(ctx context.Context, msgs []prompts.Message) (string, answer.Usage, error) {
	text, u, err := c.Chat.Complete(ctx, msgs)
	return text, answer.Usage(u), err
}

func newFakeLLM(t *testing.T) *openaitest.Server {
	llm := openaitest.NewServer()
	t.Cleanup(llm.Close)
	llm.ChatFunc = fakeModel
	llm.WordsPerDelta = 2
	llm.DeltaDelay = 15 * time.Millisecond
	return llm
}

func TestEndToEndAskWithRealEngine(t *testing.T) {
	t.Parallel()
	llm := newFakeLLM(t)
	h := startBot(t, Config{Engine: realEngine(t, llm)}, discordtest.Options{})
	sent := h.fake.SlashCommand(guildActor("u1", "c1"), "ask", discordtest.String("question", "What did Austin urge in his call with Shoigu?"))
	cb := h.callback(sent)
	_, ackAt, _ := h.fake.Interaction(sent.ID)
	t.Logf("deferred callback %v after INTERACTION_CREATE (Discord allows 3 s)", ackAt.Sub(sent.At).Round(time.Microsecond))
	if bodyType(cb) != 5 {
		t.Errorf("first response type %d, want 5 (deferred)", bodyType(cb))
	}
	if lat := ackAt.Sub(sent.At); lat > 2*time.Second {
		t.Errorf("acknowledged after %v", lat)
	}
	orig, _ := h.waitAnswer(sent)
	streamed := 0
	for _, e := range h.originalEdits(sent) {
		if strings.HasSuffix(bodyContent(e), streamCursor) {
			streamed++
		}
	}
	t.Logf("%d streamed edits, final: %q", streamed, orig.Content)
	if streamed < 2 {
		t.Errorf("%d streamed edits, want ≥ 2", streamed)
	}
	if !strings.Contains(orig.Content, "immediate ceasefire") || !strings.Contains(orig.Content, "[1]") {
		t.Errorf("final content = %q", orig.Content)
	}
	if len(orig.Embeds) != 1 || !strings.Contains(orig.Embeds[0].Description, seedTitle) || !strings.Contains(orig.Embeds[0].Description, "Mary Webber") {
		t.Errorf("sources = %+v", orig.Embeds)
	}
	h.checkHygiene()
	if strings.Contains(h.logs.String(), "sk-test-secret") {
		t.Error("API key in logs")
	}
}

func TestEndToEndSummarizeAutocomplete(t *testing.T) {
	t.Parallel()
	llm := newFakeLLM(t)
	h := startBot(t, Config{Engine: realEngine(t, llm)}, discordtest.Options{})
	user := guildActor("u1", "c1")
	sent := h.fake.Autocomplete(user, "summarize", discordtest.Focused("article", "aus"))
	got := choices(t, h.callback(sent))
	if len(got) != 1 || got[0]["value"] != "austin-shoigu-call" || !strings.HasPrefix(got[0]["name"].(string), "U.S. Defense Secretary") {
		t.Fatalf("autocomplete offered %v", got)
	}
	sent = h.fake.SlashCommand(user, "summarize", discordtest.String("article", got[0]["value"].(string)), discordtest.String("length", "short"))
	orig, _ := h.waitAnswer(sent)
	if !strings.Contains(orig.Content, "Summary of U.S. Defense Secretary") || !strings.Contains(orig.Content, "[1]") || !strings.Contains(orig.Content, "(short)") || len(orig.Embeds) != 1 {
		t.Errorf("summary = %q", orig.Content)
	}
	h.checkHygiene()
}

func TestEndToEndMentionReplyFollowUp(t *testing.T) {
	t.Parallel()
	llm := newFakeLLM(t)
	h := startBot(t, Config{Engine: realEngine(t, llm)}, discordtest.Options{})
	user := guildActor("u1", "c1")
	q1, _ := h.fake.SendMessage(user, discordtest.MessageSpec{Content: h.fake.Mention() + " What did Austin urge in his call with Shoigu?"})
	h.waitJob(q1.ID)
	a1 := h.botReplyTo("c1", q1.ID)
	if !strings.Contains(a1.Content, "[1]") {
		t.Fatalf("mention answer = %q", a1.Content)
	}
	before := len(llm.ChatRequests())
	q2, _ := h.fake.SendMessage(user, discordtest.MessageSpec{Content: "How long did it last?", ReplyTo: a1.ID})
	h.waitJob(q2.ID)
	a2 := h.botReplyTo("c1", q2.ID)
	if !strings.Contains(a2.Content, "about an hour") || !strings.Contains(a2.Content, "[1]") {
		t.Errorf("follow-up answer = %q", a2.Content)
	}
	// The model saw the earlier turn.
	carried := false
	for _, req := range llm.ChatRequests()[before:] {
		for _, m := range req.Messages {
			if strings.Contains(m.Content, "What did Austin urge in his call with Shoigu?") && strings.Contains(m.Content, "immediate ceasefire") {
				carried = true
			}
		}
	}
	if !carried {
		t.Error("no LLM request after the reply carries the earlier question and answer")
	}
	h.checkHygiene()
}

func TestEndToEndLLMDownThenRecovers(t *testing.T) {
	t.Parallel()
	llm := newFakeLLM(t)
	h := startBot(t, Config{Engine: realEngine(t, llm)}, discordtest.Options{})
	llm.FailNext(2, 503, "", "") // the first try and its one retry
	sent := h.fake.SlashCommand(guildActor("u1", "c1"), "ask", discordtest.String("question", "What did Austin urge in his call with Shoigu?"))
	orig, _ := h.waitAnswer(sent)
	// The engine answers offline instead, and the bot says so.
	if !strings.Contains(orig.Content, fallbackText) || !strings.Contains(orig.Content, "[1]") || len(orig.Embeds) == 0 {
		t.Errorf("LLM down shown as %q (%d embeds)", orig.Content, len(orig.Embeds))
	}
	sent = h.fake.SlashCommand(guildActor("u1", "c1"), "ask", discordtest.String("question", "What did Austin urge in his call with Shoigu?"))
	if orig, _ := h.waitAnswer(sent); !strings.Contains(orig.Content, "[1]") {
		t.Errorf("not answered once the LLM is back: %q", orig.Content)
	}
	h.checkHygiene()
}

// TestBurst50Asks sends 50 /ask at once through the gateway to the real
// engine: every one acknowledged well inside Discord's 3 s, every one
// answered, and no goroutine left behind. Not parallel: it counts
// goroutines.
func TestBurst50Asks(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		llm := newFakeLLM(t)
		llm.DeltaDelay = 2 * time.Millisecond
		eng, closeIx := openRealEngine(t, llm)
		defer closeIx()
		defer llm.Close()
		h := startBot(t, Config{Engine: eng, MaxConcurrent: 4}, discordtest.Options{})
		const n = 50
		sent := make([]discordtest.Sent, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sent[i] = h.fake.SlashCommand(guildActor(fmt.Sprintf("burst%d", i), "c1"), "ask",
					discordtest.String("question", "What did Austin urge in his call with Shoigu?"))
			}()
		}
		wg.Wait()
		var lat []time.Duration
		for _, s := range sent {
			h.callback(s)
			typ, at, ok := h.fake.Interaction(s.ID)
			if !ok || typ != 5 {
				t.Errorf("interaction %s: response type %d", s.ID, typ)
			}
			lat = append(lat, at.Sub(s.At))
		}
		for _, s := range sent {
			orig, _ := h.waitAnswer(s)
			if !strings.Contains(orig.Content, "[1]") || len(orig.Embeds) != 1 {
				t.Errorf("interaction %s answered %q", s.ID, orig.Content)
			}
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		p := func(q float64) time.Duration { return lat[min(len(lat)-1, int(q*float64(len(lat))))] }
		t.Logf("ack latency over %d concurrent /ask: p50 %v, p99 %v, max %v", n, p(0.50), p(0.99), lat[len(lat)-1])
		if lat[len(lat)-1] >= 3*time.Second {
			t.Errorf("slowest acknowledgement %v, Discord allows 3 s", lat[len(lat)-1])
		}
		queued := len(h.fake.CallsMatching(func(c discordtest.Call) bool { return strings.Contains(bodyContent(c), "in line") }))
		t.Logf("%d queue-position edits while %d answers waited for 4 slots", queued, n-4)
		h.checkHygiene()
		if err := h.stop(); err != nil {
			t.Fatal(err)
		}
		h.fake.Close()
	}()
	// Let everything wind down: idle HTTP connections, websocket readers.
	var after int
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC()
		after = runtime.NumGoroutine()
		if after <= before+2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("goroutines: %d before, %d after", before, after)
	if after > before+2 {
		buf := make([]byte, 1<<20)
		t.Errorf("goroutine leak: %d before, %d after\n%s", before, after, buf[:runtime.Stack(buf, true)])
	}
}
