package main

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

// `citebot version` and `citebot --version` print the same facts, even
// with settings that would stop every other command.
func TestVersionCommand(t *testing.T) {
	env := offlineEnv(t)
	env["CITEBOT_K"] = "lots" // broken: version must not read it
	long := runCLI(t, env, "version")
	flag := runCLI(t, env, "--version")
	if long.code != 0 || flag.code != 0 {
		t.Fatalf("exit %d / %d: %s %s", long.code, flag.code, long.stderr, flag.stderr)
	}
	if long.stdout != flag.stdout || !strings.HasPrefix(long.stdout, "citebot ") || !strings.Contains(long.stdout, "built with go") {
		t.Errorf("version = %q, --version = %q", long.stdout, flag.stdout)
	}
	js := runCLI(t, env, "version", "--json")
	var got buildInfo
	if err := json.Unmarshal([]byte(js.stdout), &got); err != nil || got.Version == "" || got.Go == "" {
		t.Errorf("version --json = %q (%v)", js.stdout, err)
	}
}

func TestBuildInfoFrom(t *testing.T) {
	info := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/citebot/citebot", Version: "(devel)"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "4ec097e"}, {Key: "vcs.time", Value: "2026-11-30T10:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	got := buildInfoFrom(info).String()
	for _, want := range []string{"citebot (devel)\n", "revision 4ec097e (modified)\n", "committed 2026-11-30T10:00:00Z\n", "built with go1.26.8 for "} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if b := buildInfoFrom(nil); b.Version != "(devel)" || b.Revision != "" {
		t.Errorf("no build info = %+v", b)
	}
	tagged := buildInfoFrom(&debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}})
	if !strings.HasPrefix(tagged.String(), "citebot v1.2.3\n") || strings.Contains(tagged.String(), "revision") {
		t.Errorf("go install …@v1.2.3 = %q", tagged.String())
	}
}

// A binary built from the checkout names its commit.
func TestVersionOfABuildFromTheCheckout(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "citebot")
	// -buildvcs=true: a GOFLAGS=-buildvcs=false on the machine would
	// leave the stamp out.
	if out, err := exec.Command("go", "build", "-buildvcs=true", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := "revision " + strings.TrimSpace(string(head)); !strings.Contains(string(out), want) {
		t.Errorf("--version = %q, want it to name %q", out, want)
	}
}
