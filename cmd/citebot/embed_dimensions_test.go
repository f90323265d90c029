package main

import (
	"strings"
	"testing"

	"github.com/citebot/citebot/internal/openai/openaitest"
	"github.com/citebot/citebot/retrieval"
)

// CITEBOT_EMBED_DIMENSIONS reaches the OpenAI-compatible server as
// "dimensions" when set, and is not sent at its default 0.
func TestEmbedDimensionsSentToServer(t *testing.T) {
	for _, tc := range []struct {
		set  string
		want int
	}{{"", 0}, {"256", 256}} {
		srv := openaitest.NewServer()
		t.Cleanup(srv.Close)
		env := offlineEnv(t)
		env["CITEBOT_SEEDS_DIR"] = t.TempDir()
		generatedSeeds(t, env["CITEBOT_SEEDS_DIR"], 3, "v1")
		env["CITEBOT_EMBED_PROVIDER"] = "openai"
		env["CITEBOT_EMBED_BASE_URL"] = srv.URL()
		env["CITEBOT_EMBED_API_KEY"] = "test-key"
		if tc.set != "" {
			env["CITEBOT_EMBED_DIMENSIONS"] = tc.set
		}
		if r := runCLI(t, env, "search", "--json", "paragraph"); r.code != 0 {
			t.Fatalf("dimensions %q: search: exit %d: %s", tc.set, r.code, r.stderr)
		}
		reqs := srv.EmbeddingRequests()
		if len(reqs) < 2 {
			t.Fatalf("dimensions %q: %d embedding requests; want the documents' and the query's", tc.set, len(reqs))
		}
		for i, req := range reqs {
			if req.Dimensions != tc.want {
				t.Errorf("dimensions %q: request %d sent dimensions %d, want %d", tc.set, i, req.Dimensions, tc.want)
			}
		}
		for _, raw := range srv.Requests() {
			if strings.Contains(string(raw.Body), `"dimensions"`) != (tc.want > 0) {
				t.Errorf("dimensions %q: body %s", tc.set, raw.Body)
			}
		}
	}
}

// With the local embedder the setting is the vector dimension.
func TestEmbedDimensionsLocal(t *testing.T) {
	for set, want := range map[string]int{"": retrieval.DefaultLocalDim, "384": 384} {
		a := &app{getenv: func(k string) string {
			if k == "CITEBOT_EMBED_DIMENSIONS" {
				return set
			}
			return ""
		}}
		if err := a.setup(); err != nil {
			t.Fatal(err)
		}
		emb, err := a.embedder()
		if err != nil {
			t.Fatal(err)
		}
		local, ok := emb.(*retrieval.LocalEmbedder)
		if !ok || local.Dim() != want {
			t.Errorf("CITEBOT_EMBED_DIMENSIONS=%q: embedder %T %q, want local with %d dimensions", set, emb, emb.Model(), want)
		}
	}
}

func TestEmbedDimensionsShownAndChecked(t *testing.T) {
	env := offlineEnv(t)
	if got := configSettings(t, runCLI(t, env, "config", "--json"))["CITEBOT_EMBED_DIMENSIONS"]; got.Origin != "default" || !strings.HasPrefix(got.Value, "0") {
		t.Errorf("default: %+v", got)
	}
	env["CITEBOT_EMBED_DIMENSIONS"] = "512"
	if got := configSettings(t, runCLI(t, env, "config", "--json"))["CITEBOT_EMBED_DIMENSIONS"]; got.Value != "512" || got.Origin != "environment" {
		t.Errorf("set: %+v", got)
	}
	env["CITEBOT_EMBED_DIMENSIONS"] = "-3"
	if r := runCLI(t, env, "config"); r.code == 0 || !strings.Contains(r.stderr, "CITEBOT_EMBED_DIMENSIONS") {
		t.Errorf("negative: exit %d, %q", r.code, r.stderr)
	}
}
