// Package deploy holds the deployment kit's checks: the Dockerfile,
// .dockerignore, docker-compose.yml and the systemd unit must keep the
// properties the README promises (static, non-root, /data volume,
// hardened unit). These run with `go test ./...` everywhere, also where
// no Docker engine or systemd is available to try the files for real.
package deploy

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.FromSlash(path))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	cmd  string // upper case
	args string
	line int
}

var dockerInstructions = []string{"ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK",
	"LABEL", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"}

// parseDockerfile splits a Dockerfile into instructions, failing on an
// unknown one or a dangling continuation.
func parseDockerfile(t *testing.T, text string) []instruction {
	t.Helper()
	var out []instruction
	var cur strings.Builder
	start := 0
	for i, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if cur.Len() == 0 {
			start = i + 1
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur.WriteString(strings.TrimSuffix(trimmed, "\\") + " ")
			continue
		}
		cur.WriteString(trimmed)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		cmd = strings.ToUpper(cmd)
		if !slices.Contains(dockerInstructions, cmd) {
			t.Errorf("Dockerfile line %d: unknown instruction %q", start, cmd)
		}
		out = append(out, instruction{cmd: cmd, args: strings.TrimSpace(args), line: start})
		cur.Reset()
	}
	if cur.Len() > 0 {
		t.Errorf("Dockerfile ends inside a continued line")
	}
	return out
}

func TestDockerfile(t *testing.T) {
	ins := parseDockerfile(t, read(t, "../Dockerfile"))
	stages := map[string]bool{}
	var last []instruction // the final stage
	for _, in := range ins {
		if in.cmd == "FROM" {
			f := strings.Fields(in.args)
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				stages[f[2]] = true
			}
			last = nil
		}
		if in.cmd == "COPY" && strings.Contains(in.args, "--from=") {
			from := strings.Fields(strings.SplitN(in.args, "--from=", 2)[1])[0]
			if !stages[from] {
				t.Errorf("line %d copies from stage %q, which is not defined before it", in.line, from)
			}
		}
		last = append(last, in)
	}
	if len(stages) == 0 {
		t.Error("not a multi-stage build")
	}
	build := joined(ins, "RUN")
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "./cmd/citebot"} {
		if !strings.Contains(build, want) {
			t.Errorf("the build does not use %s", want)
		}
	}
	final := map[string]string{}
	for _, in := range last {
		final[in.cmd] = in.args
	}
	if u := final["USER"]; u == "" || strings.HasPrefix(u, "root") || strings.HasPrefix(u, "0") {
		t.Errorf("the image runs as %q, want a non-root user", u)
	}
	checks := map[string]string{"VOLUME": `["/data"]`, "ENTRYPOINT": `["citebot"]`, "CMD": `["serve"]`}
	for cmd, want := range checks {
		if final[cmd] != want {
			t.Errorf("final %s = %q, want %s", cmd, final[cmd], want)
		}
	}
	if !strings.Contains(joined(last, "ENV"), "CITEBOT_DATA_DIR=/data") {
		t.Error("CITEBOT_DATA_DIR is not /data")
	}
	if !strings.Contains(joined(last, "COPY"), "/usr/local/bin/citebot") {
		t.Error("the binary is not installed on PATH as citebot")
	}
}

func joined(ins []instruction, cmd string) string {
	var b strings.Builder
	for _, in := range ins {
		if in.cmd == cmd {
			b.WriteString(in.args + "\n")
		}
	}
	return b.String()
}

// The build context keeps what `go build` needs and leaves out the store,
// secrets and VCS data.
func TestDockerignore(t *testing.T) {
	var patterns []string
	for _, line := range strings.Split(read(t, "../.dockerignore"), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			patterns = append(patterns, line)
		}
	}
	for _, want := range []string{".git", ".env", "data"} {
		if !slices.Contains(patterns, want) {
			t.Errorf(".dockerignore does not leave out %s", want)
		}
	}
	for _, needed := range []string{"go.mod", "go.sum", "cmd", "seeds", "prompts", "retrieval", "bot", "answer", "internal"} {
		for _, p := range patterns {
			if p == needed || p == "/"+needed || p == needed+"/" {
				t.Errorf(".dockerignore leaves out %s, which the build needs", needed)
			}
		}
	}
}

func TestCompose(t *testing.T) {
	c := read(t, "../docker-compose.yml")
	for _, want := range []string{"  ollama:\n", "  citebot:\n", "OPENAI_BASE_URL: http://ollama:11434/v1",
		"CITEBOT_EMBED_PROVIDER: openai", "- citebot-data:/data", "\nvolumes:\n  citebot-data:\n"} {
		if !strings.Contains(c, want) {
			t.Errorf("docker-compose.yml lacks %q", want)
		}
	}
	if strings.Contains(c, "\t") {
		t.Error("docker-compose.yml has a tab (YAML indents with spaces)")
	}
}

// unit reads a systemd unit: section → key → values (a key may repeat).
func unit(t *testing.T, text string) map[string]map[string][]string {
	t.Helper()
	out := map[string]map[string][]string{}
	section := ""
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.Trim(line, "[]")
			out[section] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Errorf("citebot.service line %d is not key=value in a section: %q", i+1, line)
				continue
			}
			out[section][k] = append(out[section][k], v)
		}
	}
	return out
}

func TestSystemdUnit(t *testing.T) {
	u := unit(t, read(t, "citebot.service"))
	svc := u["Service"]
	want := map[string]string{
		"Restart": "on-failure", "DynamicUser": "yes", "StateDirectory": "citebot", "ProtectSystem": "strict",
		"ProtectHome": "yes", "NoNewPrivileges": "yes", "PrivateTmp": "yes",
		"RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
	}
	for k, v := range want {
		if got := svc[k]; len(got) == 0 || got[len(got)-1] != v {
			t.Errorf("%s=%v, want %s", k, got, v)
		}
	}
	if len(svc["EnvironmentFile"]) == 0 {
		t.Error("no EnvironmentFile for the secrets")
	}
	if exec := svc["ExecStart"]; len(exec) != 1 || !strings.HasPrefix(exec[0], "/") || !strings.HasSuffix(exec[0], " serve") {
		t.Errorf("ExecStart=%v", exec)
	}
	dataDir := ""
	for _, e := range svc["Environment"] {
		if v, ok := strings.CutPrefix(e, "CITEBOT_DATA_DIR="); ok {
			dataDir = v
		}
	}
	if dataDir != "/var/lib/citebot" {
		t.Errorf("CITEBOT_DATA_DIR=%q, want the StateDirectory /var/lib/citebot", dataDir)
	}
	if got := u["Install"]["WantedBy"]; len(got) == 0 {
		t.Error("no [Install] WantedBy: systemctl enable would do nothing")
	}
}
