package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// result is what one in-process run of the binary produced.
type result struct {
	stdout, stderr string
	code           int
}

// runCLI runs the whole binary in-process with only the given environment,
// as a user would from a shell, and returns its output and exit status.
func runCLI(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	return runCLIInput(t, env, "", args...)
}

func runCLIInput(t *testing.T, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	getenv := func(k string) string { return env[k] }
	err := runWithInput(context.Background(), args, getenv, strings.NewReader(stdin), &out, &errOut)
	code := exitCode(err, &errOut)
	return result{stdout: out.String(), stderr: errOut.String(), code: code}
}

// offlineEnv points the data dir at a temp dir and uses the built-in seeds
// (no ./seeds exists in the package directory).
func offlineEnv(t *testing.T) map[string]string {
	t.Helper()
	return map[string]string{"CITEBOT_DATA_DIR": t.TempDir(), "CITEBOT_LOG_LEVEL": "warn"}
}

func TestSearchRanksSeedPassageFirst(t *testing.T) {
	env := offlineEnv(t)
	r := runCLI(t, env, "search", "--json", "How long did the call between Austin and Shoigu last?")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr: %s", r.code, r.stderr)
	}
	var got struct {
		Query    string `json:"query"`
		Passages []struct {
			Rank    int     `json:"rank"`
			Score   float64 `json:"score"`
			Article struct {
				ID, Title, Source string
			} `json:"article"`
			Chunk int    `json:"chunk"`
			Start int    `json:"start"`
			End   int    `json:"end"`
			Text  string `json:"text"`
		} `json:"passages"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("search --json is not JSON: %v\n%s", err, r.stdout)
	}
	if len(got.Passages) == 0 {
		t.Fatal("no passages")
	}
	top := got.Passages[0]
	if !strings.Contains(top.Text, "about an hour") || top.Rank != 1 || top.Article.ID != "austin-shoigu-call" {
		t.Fatalf("top passage = %+v, want the seed passage with \"about an hour\"", top)
	}
	if top.End-top.Start != len(top.Text) {
		t.Errorf("offsets %d..%d do not match text length %d", top.Start, top.End, len(top.Text))
	}
}

func TestGlobalFlagsBeforeOrAfterCommand(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"CITEBOT_LOG_LEVEL": "warn"}
	for _, args := range [][]string{
		{"--data", data, "search", "-k", "2", "ceasefire"},
		{"search", "--data", data, "-k", "2", "ceasefire"},
	} {
		r := runCLI(t, env, args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
		}
		if strings.Count(r.stdout, "score ") != 2 {
			t.Errorf("%v: want 2 passages, got:\n%s", args, r.stdout)
		}
	}
	if _, err := os.Stat(filepath.Join(data, "citebot.db")); err != nil {
		t.Errorf("store not created in --data dir: %v", err)
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	env := offlineEnv(t)
	for _, args := range [][]string{
		{"nosuchcommand"},
		{"search"},
		{"search", "--nosuchflag", "x"},
		{"search", "-k", "0", "x"},
		{"summarize", "--length", "huge", "x"},
	} {
		r := runCLI(t, env, args...)
		if r.code != 2 {
			t.Errorf("%v: exit %d, want 2 (stderr %q)", args, r.code, r.stderr)
		}
		if !strings.HasPrefix(r.stderr, "citebot: ") {
			t.Errorf("%v: stderr %q does not start with the error sentence", args, r.stderr)
		}
	}
}

func TestBadSettingIsUsageError(t *testing.T) {
	env := offlineEnv(t)
	env["CITEBOT_K"] = "many"
	r := runCLI(t, env, "search", "x")
	if r.code != 2 || !strings.Contains(r.stderr, "CITEBOT_K") {
		t.Fatalf("exit %d, stderr %q; want 2 naming CITEBOT_K", r.code, r.stderr)
	}
}

func TestMissingSeedsDirIsFailure(t *testing.T) {
	env := offlineEnv(t)
	r := runCLI(t, env, "--seeds", filepath.Join(t.TempDir(), "nope"), "articles")
	if r.code != 1 || !strings.Contains(r.stderr, "does not exist") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestConfigRedactsSecrets(t *testing.T) {
	env := offlineEnv(t)
	env["OPENAI_API_KEY"] = "sk-secret-123"
	env["DISCORD_TOKEN"] = "discord-secret-456"
	r := runCLI(t, env, "config")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, secret := range []string{"sk-secret-123", "discord-secret-456"} {
		if strings.Contains(r.stdout+r.stderr, secret) {
			t.Errorf("config output leaks %q:\n%s", secret, r.stdout)
		}
	}
	if !strings.Contains(r.stdout, "[redacted]") {
		t.Errorf("config output does not show redaction:\n%s", r.stdout)
	}
}

// Credentials inside base URLs are secrets too.
func TestConfigRedactsCredentialsInURLs(t *testing.T) {
	env := offlineEnv(t)
	env["OPENAI_BASE_URL"] = "http://alice:PW-hunter2@127.0.0.1:9/v1?api-key=K-topsecret"
	for _, args := range [][]string{{"config"}, {"config", "--json"}} {
		r := runCLI(t, env, args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
		}
		for _, secret := range []string{"PW-hunter2", "K-topsecret", "alice"} {
			if strings.Contains(r.stdout+r.stderr, secret) {
				t.Errorf("%v leaks %q:\n%s", args, secret, r.stdout)
			}
		}
		if !strings.Contains(r.stdout, "127.0.0.1:9/v1") {
			t.Errorf("%v hides the host too:\n%s", args, r.stdout)
		}
	}
}

func TestEnvFileIsReadAndEnvironmentWins(t *testing.T) {
	dir := t.TempDir()
	envFile := filepath.Join(dir, "settings.env")
	if err := os.WriteFile(envFile, []byte("CITEBOT_K=7\nCITEBOT_CHAT_MODEL=from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := offlineEnv(t)
	env["CITEBOT_CHAT_MODEL"] = "from-env"
	r := runCLI(t, env, "--env-file", envFile, "config", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var cfg configJSON
	if err := json.Unmarshal([]byte(r.stdout), &cfg); err != nil {
		t.Fatal(err)
	}
	got := map[string]setting{}
	for _, s := range cfg.Settings {
		got[s.Key] = s
	}
	if k, m := got["CITEBOT_K"], got["CITEBOT_CHAT_MODEL"]; k.Value != "7" || m.Value != "from-env" {
		t.Fatalf("CITEBOT_K=%q CITEBOT_CHAT_MODEL=%q; want 7 from the file and from-env from the environment", k.Value, m.Value)
	}
}

func TestSearchUsesConfiguredK(t *testing.T) {
	env := offlineEnv(t)
	env["CITEBOT_K"] = "2"
	for _, tt := range []struct {
		args []string
		want int
	}{
		{[]string{"search", "ceasefire"}, 2},            // CITEBOT_K
		{[]string{"search", "-k", "3", "ceasefire"}, 3}, // the flag wins
	} {
		r := runCLI(t, env, tt.args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d: %s", tt.args, r.code, r.stderr)
		}
		if n := strings.Count(r.stdout, "score "); n != tt.want {
			t.Errorf("%v with CITEBOT_K=2: %d passages, want %d:\n%s", tt.args, n, tt.want, r.stdout)
		}
	}
	r := runCLI(t, env, "ask", "--json", "What did Lloyd Austin urge during his call with Sergei Shoigu?")
	var got struct {
		Passages []json.RawMessage `json:"passages"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || len(got.Passages) != 2 {
		t.Errorf("ask with CITEBOT_K=2: %d passages (%v), want 2", len(got.Passages), err)
	}
}

func TestKIsCapped(t *testing.T) {
	env := offlineEnv(t)
	for _, k := range []string{"0", "101", "100000"} {
		r := runCLI(t, env, "search", "-k", k, "ceasefire")
		if r.code != 2 || !strings.Contains(r.stderr, "-k must be from 1 to 100") {
			t.Errorf("-k %s: exit %d, %q", k, r.code, r.stderr)
		}
	}
}

func TestFeedbackJSONIsAnEmptyListNotNull(t *testing.T) {
	r := runCLI(t, offlineEnv(t), "feedback", "--json")
	if r.code != 0 || !strings.Contains(r.stdout, `"feedback": []`) {
		t.Errorf("feedback --json on a fresh store: exit %d, %q", r.code, r.stdout)
	}
}
