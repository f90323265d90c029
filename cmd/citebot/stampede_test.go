package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/citebot/citebot/internal/openai/openaitest"
)

// Processes started together on an empty data dir build the index once:
// one embeds every article while the others wait for the store's build
// lock and then find the articles stored. The embedder is a fake OpenAI
// server that takes 150 ms per request, so that every process is still
// embedding when the last one starts (the local embedder is too quick to
// make them overlap).
func TestColdStartStampedeBuildsOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 8 processes")
	}
	srv := openaitest.NewServer()
	t.Cleanup(srv.Close)
	srv.Delay = 150 * time.Millisecond
	env := offlineEnv(t)
	env["CITEBOT_SEEDS_DIR"] = t.TempDir()
	const articles, procs = 24, 8
	generatedSeeds(t, env["CITEBOT_SEEDS_DIR"], articles, "v1")
	env["CITEBOT_EMBED_PROVIDER"] = "openai"
	env["CITEBOT_EMBED_BASE_URL"] = srv.URL()
	env["CITEBOT_EMBED_API_KEY"] = "test-key"
	env["CITEBOT_EMBED_BATCH_SIZE"] = "4"
	env["CITEBOT_EMBED_CONCURRENCY"] = "1"

	results := make([]ingestResult, procs)
	var wg sync.WaitGroup
	for i := range procs {
		wg.Go(func() {
			out, err := helperProcess(env, "ingest", "--json")
			if err != nil {
				t.Errorf("process %d: %v\n%s", i, err, out)
				return
			}
			if err := json.Unmarshal(out, &results[i]); err != nil {
				t.Errorf("process %d: ingest --json: %v\n%s", i, err, out)
			}
		})
	}
	wg.Wait()
	added, texts := 0, 0
	for _, r := range results {
		added += len(r.Added)
	}
	for _, req := range srv.EmbeddingRequests() {
		texts += len(req.Input)
	}
	if added != articles {
		t.Errorf("%d processes reported %d articles added in all; want each of the %d added once", procs, added, articles)
	}
	if chunks := results[0].Chunks; texts != chunks {
		t.Errorf("the embedder saw %d texts for %d chunks; want each embedded once", texts, chunks)
	}
}

// helperProcess runs citebot with args in a child process (the test
// binary as TestHelperCitebot) and returns its standard output.
func helperProcess(env map[string]string, args ...string) ([]byte, error) {
	raw, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperCitebot$")
	cmd.Env = []string{"CITEBOT_HELPER_ARGS=" + string(raw), "HOME=" + os.Getenv("HOME"), "PATH=" + os.Getenv("PATH")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return append(out, stderr.Bytes()...), err
	}
	return out, nil
}
