package bot

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/citebot/citebot/answer"
	"github.com/citebot/citebot/bot/discordtest"
	"github.com/citebot/citebot/retrieval"
)

// scopeLog hands out views of one fake engine and records, for each
// engine call, the scope of the view it went to.
type scopeLog struct {
	eng *fakeEngine

	mu    sync.Mutex
	calls map[string][]retrieval.Scope // method → scopes, in call order
}

func (l *scopeLog) engineFor(scope retrieval.Scope) Engine { return scopedEngine{log: l, scope: scope} }

func (l *scopeLog) note(method string, scope retrieval.Scope) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.calls == nil {
		l.calls = map[string][]retrieval.Scope{}
	}
	l.calls[method] = append(l.calls[method], scope)
}

func (l *scopeLog) scopes(method string) []retrieval.Scope {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.calls[method])
}

// scopedEngine is the view EngineFor returned for one scope.
type scopedEngine struct {
	log   *scopeLog
	scope retrieval.Scope
}

func (e scopedEngine) Ask(ctx context.Context, q string, history []answer.Turn, onDelta answer.DeltaFunc) (answer.Answer, error) {
	e.log.note("Ask", e.scope)
	return e.log.eng.Ask(ctx, q, history, onDelta)
}

func (e scopedEngine) Summarize(ctx context.Context, ref string, length answer.Length, onDelta answer.DeltaFunc) (answer.Answer, error) {
	e.log.note("Summarize", e.scope)
	return e.log.eng.Summarize(ctx, ref, length, onDelta)
}

func (e scopedEngine) Search(ctx context.Context, q string, k int) ([]retrieval.Passage, error) {
	e.log.note("Search", e.scope)
	return e.log.eng.Search(ctx, q, k)
}

func (e scopedEngine) Articles(ctx context.Context) ([]retrieval.Article, error) {
	e.log.note("Articles", e.scope)
	return e.log.eng.Articles(ctx)
}

// TestRequestsCarryTheirScope checks that every engine call is made on
// the view of where the request came from: the server's for a guild, the
// shared library for a DM.
func TestRequestsCarryTheirScope(t *testing.T) {
	t.Parallel()
	log := &scopeLog{eng: newFakeEngine()}
	h := startBot(t, Config{EngineFor: log.engineFor}, discordtest.Options{})
	guild := guildActor("u1", "c1") // in guild g1
	dm := discordtest.Actor{UserID: "u2", Username: "dmuser", ChannelID: "dm-u2"}
	g1 := retrieval.GuildScope("g1")
	shared := retrieval.Shared
	responded := func(sent discordtest.Sent) {
		t.Helper()
		_, err := h.fake.WaitCall(h.ctx(), func(c discordtest.Call) bool {
			return c.Method == "PATCH" && strings.Contains(c.Path, "/"+sent.Token+"/messages/@original")
		})
		if err != nil {
			t.Fatalf("no response to %s: %v", sent.ID, err)
		}
	}

	// /ask, in a server and in a DM.
	h.waitAnswer(h.fake.SlashCommand(guild, "ask", discordtest.String("question", "What did Austin urge?")))
	h.waitAnswer(h.fake.SlashCommand(dm, "ask", discordtest.String("question", "What did Austin urge?")))
	// A mention in a server, then a plain DM.
	q, _ := h.fake.SendMessage(guild, discordtest.MessageSpec{Content: h.fake.Mention() + " what did Austin urge?"})
	h.waitJob(q.ID)
	q, _ = h.fake.SendMessage(dm, discordtest.MessageSpec{Content: "what did Austin urge?"})
	h.waitJob(q.ID)
	// /search.
	responded(h.fake.SlashCommand(guild, "search", discordtest.String("query", "ceasefire")))
	responded(h.fake.SlashCommand(dm, "search", discordtest.String("query", "ceasefire")))
	// /summarize autocomplete: the article list is cached per scope, so
	// the DM asks the shared view again rather than reusing the server's.
	h.callback(h.fake.Autocomplete(guild, "summarize", discordtest.Focused("article", "aus")))
	h.callback(h.fake.Autocomplete(dm, "summarize", discordtest.Focused("article", "aus")))
	// /summarize itself, and /articles in another server.
	h.waitAnswer(h.fake.SlashCommand(guild, "summarize", discordtest.String("article", seedArticle.ID)))
	g2 := guildActor("u3", "c9")
	g2.GuildID = "g2"
	responded(h.fake.SlashCommand(g2, "articles"))

	for method, want := range map[string][]retrieval.Scope{
		"Ask":       {g1, shared, g1, shared},
		"Search":    {g1, shared},
		"Articles":  {g1, shared, retrieval.GuildScope("g2")},
		"Summarize": {g1},
	} {
		if got := log.scopes(method); !slices.Equal(got, want) {
			t.Errorf("%s called from scopes %q, want %q", method, got, want)
		}
	}
	h.checkHygiene()
}
