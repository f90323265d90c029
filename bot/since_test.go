package bot

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/citebot/citebot/answer"
	"github.com/citebot/citebot/bot/discordtest"
	"github.com/citebot/citebot/retrieval"
)

// sinceRetriever records the window of every search and finds nothing.
type sinceRetriever struct {
	mu    sync.Mutex
	since []time.Time
}

func (s *sinceRetriever) Search(ctx context.Context, q string, o retrieval.SearchOptions) ([]retrieval.Passage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.since = append(s.since, o.Since)
	return nil, nil
}
func (s *sinceRetriever) Article(context.Context, string) (retrieval.Article, error) {
	return retrieval.Article{}, nil
}
func (s *sinceRetriever) Articles(context.Context) ([]retrieval.Article, error) { return nil, nil }

func TestAskSinceOption(t *testing.T) {
	t.Parallel()
	r := &sinceRetriever{}
	eng, err := answer.NewEngine(answer.Config{Retriever: r})
	if err != nil {
		t.Fatal(err)
	}
	h := startBot(t, Config{EngineFor: func(s retrieval.Scope) Engine { return eng.In(s) }}, discordtest.Options{})
	sent := h.fake.SlashCommand(guildActor("u1", "c1"), "ask",
		discordtest.String("question", "What did Austin urge?"), discordtest.String("since", "2026-05-01"))
	h.waitAnswer(sent)
	r.mu.Lock()
	got := append([]time.Time(nil), r.since...)
	r.mu.Unlock()
	if want := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC); len(got) == 0 || !got[len(got)-1].Equal(want) {
		t.Errorf("searched with since %v, want %v", got, want)
	}

	bad := h.fake.SlashCommand(guildActor("u1", "c1"), "ask",
		discordtest.String("question", "What did Austin urge?"), discordtest.String("since", "soonish"))
	cb := h.callback(bad)
	if !strings.Contains(bodyContent(cb), "since") || bodyFlags(cb)&64 == 0 {
		t.Errorf("bad since: reply %q flags %d", bodyContent(cb), bodyFlags(cb))
	}
}
