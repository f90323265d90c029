package bot

import (
	"context"
	"path"
	"strings"
	"testing"

	"github.com/citebot/citebot/bot/discordtest"
	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/article"
	"github.com/citebot/citebot/retrieval/index"
)

// indexLibrary is a Library over the real index, as the adapter in
// cmd/citebot is over the real library: an added file is parsed and
// ingested in the server's scope, so the engine sees it at once.
type indexLibrary struct{ ix *index.Index }

func (l indexLibrary) AddURL(context.Context, retrieval.Scope, string) (Added, error) {
	return Added{}, UserError{Message: "Links are not fetched in this test."}
}

func (l indexLibrary) AddFile(ctx context.Context, scope retrieval.Scope, name string, data []byte) (Added, error) {
	a, err := article.ParseArticle(strings.TrimSuffix(name, path.Ext(name)), data, article.LoadOptions{})
	if err != nil {
		return Added{}, UserError{Message: "That file is not an article I can read."}
	}
	a.Scope = scope
	rep, err := l.ix.Ingest(ctx, []retrieval.Article{a}, index.IngestOptions{})
	if err != nil {
		return Added{}, err
	}
	return Added{Article: retrieval.Article{ID: a.ID, Title: a.Title, Source: a.Source, Scope: scope}, Passages: rep.Chunks, Duplicate: rep.Unchanged == 1}, nil
}

func (l indexLibrary) Forget(context.Context, retrieval.Scope, string) (retrieval.Article, error) {
	return retrieval.Article{}, UserError{Message: "Nothing is removed in this test."}
}

const zebraArticle = `---
title: Zebra migration in the Okavango
source: https://example.org/okavango-zebras
---

Every winter the zebras of the Okavango Delta set out on a long journey.

Researchers who collared the herds found that the Okavango zebras migrate about 500 kilometres each winter, the longest known land migration in Africa.
`

// TestEndToEndIngestIsSeenOnlyInItsServer adds a file in server A through
// /ingest, with the real engine over the real index: /ask in A cites it,
// /ask in server B and in a DM do not, and /forget in A offers it.
func TestEndToEndIngestIsSeenOnlyInItsServer(t *testing.T) {
	t.Parallel()
	llm := newFakeLLM(t)
	eng, ix := openRealEngineIndex(t, llm)
	t.Cleanup(func() { ix.Close() })
	h := startBot(t, Config{
		EngineFor: func(s retrieval.Scope) Engine { return eng.In(s) },
		Library:   indexLibrary{ix},
	}, discordtest.Options{})

	curator := manager("u1") // in server g1
	att := h.fake.Attach("c1", discordtest.AttachmentSpec{Filename: "okavango-zebras.md", ContentType: "text/markdown", Data: []byte(zebraArticle)})
	reply := h.curationReply(h.fake.SlashCommand(curator, "ingest", discordtest.Attachment("file", att)))
	if !strings.HasPrefix(reply, "Added **Zebra migration in the Okavango** (`okavango-zebras`, ") || !strings.HasSuffix(reply, "You can ask about it now.") {
		t.Fatalf("ingest reply %q", reply)
	}

	const q = "How far do the Okavango zebras migrate?"
	cites := func(a discordtest.Actor) (string, bool) {
		orig, _ := h.waitAnswer(h.fake.SlashCommand(a, "ask", discordtest.String("question", q)))
		sources := ""
		for _, e := range orig.Embeds {
			sources += e.Description
		}
		return orig.Content, strings.Contains(sources, "Zebra migration in the Okavango")
	}
	if text, ok := cites(guildActor("u2", "c1")); !ok || !strings.Contains(text, "500 kilometres") || !strings.Contains(text, "[1]") {
		t.Errorf("server A: %q, cites the new article: %v", text, ok)
	}
	other := guildActor("u3", "c9")
	other.GuildID = "g2"
	dm := discordtest.Actor{UserID: "u4", ChannelID: "dm-u4"}
	for name, a := range map[string]discordtest.Actor{"server B": other, "DM": dm} {
		text, ok := cites(a)
		t.Logf("%s answered: %q", name, text)
		if ok || strings.Contains(text, "500 kilometres") || strings.Contains(text, "Zebra migration") {
			t.Errorf("%s sees the article: %q", name, text)
		}
	}

	got := choices(t, h.callback(h.fake.Autocomplete(curator, "forget", discordtest.Focused("article", ""))))
	if len(got) != 1 || got[0]["value"] != "okavango-zebras" {
		t.Errorf("/forget offered %v, want only the article added in this server", got)
	}
	h.checkHygiene()
}
