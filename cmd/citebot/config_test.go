package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func configSettings(t *testing.T, r result) map[string]setting {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("config: exit %d: %s", r.code, r.stderr)
	}
	var out configJSON
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("config --json: %v\n%s", err, r.stdout)
	}
	m := map[string]setting{}
	for _, s := range out.Settings {
		m[s.Key] = s
	}
	return m
}

func TestConfigShowsKeysOriginsAndEffectiveDefaults(t *testing.T) {
	dir := t.TempDir()
	envFile := filepath.Join(dir, "x.env")
	writeFile(t, envFile, "CITEBOT_K=7\n")
	env := offlineEnv(t)
	env["CITEBOT_CHAT_MODEL"] = "m"
	r := runCLI(t, env, "--env-file", envFile, "--seeds", dir, "config", "--json")
	got := configSettings(t, r)
	for key, want := range map[string]setting{
		"CITEBOT_K":             {Value: "7", Origin: ".env"},
		"CITEBOT_CHAT_MODEL":    {Value: "m", Origin: "environment"},
		"CITEBOT_SEEDS_DIR":     {Value: dir, Origin: "flag"},
		"CITEBOT_LLM_TIMEOUT":   {Value: "2m0s", Origin: "default"},
		"CITEBOT_SYNC_INTERVAL": {Value: "2s", Origin: "default"},
		"CITEBOT_VERIFIER":      {Value: "lexical", Origin: "default"},
	} {
		want.Key = key
		if got[key] != want {
			t.Errorf("%s = %+v, want %+v", key, got[key], want)
		}
	}
	for _, s := range got {
		if s.Origin == "default" && s.Key == "CITEBOT_REFUSAL_FLOOR" && s.Value == "" {
			t.Errorf("CITEBOT_REFUSAL_FLOOR shows no effective default")
		}
	}
	// The text form names the same keys.
	text := runCLI(t, env, "--env-file", envFile, "config").stdout
	if !regexp.MustCompile(`(?m)^CITEBOT_K +7 +\.env$`).MatchString(text) {
		t.Errorf("text config lacks the CITEBOT_K line:\n%s", text)
	}
}

func TestConfigRedactsSaltAndEmbedKey(t *testing.T) {
	env := offlineEnv(t)
	env["CITEBOT_FEEDBACK_SALT"] = "salt-secret-1"
	env["CITEBOT_EMBED_API_KEY"] = "embed-secret-2"
	env["CITEBOT_EMBED_BASE_URL"] = "https://u:embed-pw@example.com/v1"
	r := runCLI(t, env, "config", "--json")
	for _, secret := range []string{"salt-secret-1", "embed-secret-2", "embed-pw"} {
		if strings.Contains(r.stdout+r.stderr, secret) {
			t.Errorf("config leaks %q:\n%s", secret, r.stdout)
		}
	}
}

// Every key documented in .env.example is one citebot reads and shows,
// and the other way round.
func TestEnvExampleDocumentsEveryKey(t *testing.T) {
	f, err := os.Open("../../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	documented := map[string]bool{}
	keyRE := regexp.MustCompile(`^#? ?([A-Z][A-Z0-9_]+)=`)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := keyRE.FindStringSubmatch(sc.Text()); m != nil {
			documented[m[1]] = true
			if !strings.HasPrefix(sc.Text(), "#") {
				t.Errorf(".env.example sets %s: defaults must be commented out", m[1])
			}
		}
	}
	for _, d := range settingDefs {
		if !documented[d.key] {
			t.Errorf("%s is not documented in .env.example", d.key)
		}
		delete(documented, d.key)
	}
	for k := range documented {
		t.Errorf(".env.example documents %s, which citebot does not read", k)
	}
}

// Copying .env.example to .env changes nothing: the built-in seeds stay.
func TestEnvExampleCopiedChangesNothing(t *testing.T) {
	example, err := os.ReadFile("../../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	envFile := filepath.Join(t.TempDir(), ".env")
	writeFile(t, envFile, string(example))
	env := offlineEnv(t)
	with := configSettings(t, runCLI(t, env, "--env-file", envFile, "config", "--json"))
	without := configSettings(t, runCLI(t, env, "config", "--json"))
	for k, s := range without {
		if with[k] != s {
			t.Errorf("with .env.example as .env, %s = %+v, want %+v", k, with[k], s)
		}
	}
	if r := runCLI(t, env, "--env-file", envFile, "articles"); r.code != 0 || !strings.Contains(r.stdout, "austin-shoigu-call") {
		t.Errorf("articles with .env.example as .env: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
}

func TestUnknownKeysWarnWithClosestKey(t *testing.T) {
	e := env{
		getenv: func(k string) string {
			return map[string]string{"CITEBOT_SEED_DIR": "x", "DISCORD_TOKN": "y", "HOME": "/"}[k]
		},
		environ: []string{"CITEBOT_SEED_DIR", "DISCORD_TOKN", "HOME"},
		file:    map[string]string{"CITEBOT_TEMPRATURE": "1"},
	}
	got := strings.Join(unknownKeys(e), "\n")
	for _, want := range []string{
		"CITEBOT_SEED_DIR in the environment; did you mean CITEBOT_SEEDS_DIR?",
		"DISCORD_TOKN in the environment; did you mean DISCORD_TOKEN?",
		"CITEBOT_TEMPRATURE in the .env file; did you mean CITEBOT_TEMPERATURE?",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("warnings %q lack %q", got, want)
		}
	}
	if strings.Contains(got, "HOME") {
		t.Errorf("warned about HOME: %q", got)
	}
	// Through the CLI, from a .env file.
	envFile := filepath.Join(t.TempDir(), "x.env")
	writeFile(t, envFile, "CITEBOT_KK=3\n")
	r := runCLI(t, offlineEnv(t), "--env-file", envFile, "config")
	if r.code != 0 || !strings.Contains(r.stderr, "citebot: warning: unknown setting CITEBOT_KK in the .env file; did you mean CITEBOT_K?") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestOutOfRangeSettingsAreErrors(t *testing.T) {
	for _, tt := range []struct{ key, value string }{
		{"CITEBOT_VECTOR_WEIGHT", "-1"},
		{"CITEBOT_LEXICAL_WEIGHT", "-0.5"},
		{"CITEBOT_REFUSAL_FLOOR", "1.5"},
		{"CITEBOT_SUPPORT_THRESHOLD", "2"},
		{"CITEBOT_TEMPERATURE", "2.5"},
		{"CITEBOT_TEMPERATURE", "-1"},
		{"CITEBOT_SYNC_INTERVAL", "-5s"},
		{"CITEBOT_RESCAN_INTERVAL", "-1m"},
		{"CITEBOT_K", "0"},
		{"CITEBOT_K", "101"},
		{"CITEBOT_K", "abc"},
	} {
		env := offlineEnv(t)
		env[tt.key] = tt.value
		r := runCLI(t, env, "config")
		if r.code != 2 || !strings.Contains(r.stderr, tt.key) || strings.Contains(r.stderr, "--help") {
			t.Errorf("%s=%s: exit %d, stderr %q; want 2 naming the key, without --help", tt.key, tt.value, r.code, r.stderr)
		}
	}
	env := offlineEnv(t)
	env["CITEBOT_TEMPERATURE"] = "2"
	env["CITEBOT_REFUSAL_FLOOR"] = "1"
	if r := runCLI(t, env, "config"); r.code != 0 {
		t.Errorf("bounds themselves are valid: exit %d, %q", r.code, r.stderr)
	}
}

func TestExplicitEnvFileMustExist(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.env")
	r := runCLI(t, offlineEnv(t), "--env-file", missing, "config")
	if r.code == 0 || !strings.Contains(r.stderr, missing) {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	// The default .env may be missing (the package directory has none).
	if r := runCLI(t, offlineEnv(t), "config"); r.code != 0 {
		t.Errorf("without .env: exit %d, %q", r.code, r.stderr)
	}
}

// Every key the code reads is shown by config (and so documented and
// known to the unknown-key warning): a key added to loadConfig without a
// settingDefs entry fails here.
func TestEveryReadKeyIsASetting(t *testing.T) {
	known := map[string]bool{}
	for _, d := range settingDefs {
		known[d.key] = true
	}
	keyRE := regexp.MustCompile(`p\.\w+\("((?:CITEBOT|DISCORD)_[A-Z0-9_]+)"`)
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyRE.FindAllStringSubmatch(string(src), -1) {
			if !known[m[1]] && !devKeys[m[1]] {
				t.Errorf("%s reads %s, which settingDefs (config.go) lacks", f, m[1])
			}
		}
	}
}
