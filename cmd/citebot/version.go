package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// buildInfo is what a binary knows about its own build, from the module
// and VCS stamps the go command records: enough to tell which code a bug
// report or a running bot is on.
type buildInfo struct {
	// Version is the module version: a tag for `go install …@v1.2.3`,
	// "(devel)" for a build from a checkout.
	Version string `json:"version"`
	// Revision, Time and Modified are the VCS commit, its time and
	// whether the tree had uncommitted changes (builds from a checkout).
	Revision string `json:"revision,omitempty"`
	Time     string `json:"time,omitempty"`
	Modified bool   `json:"modified"`
	Go       string `json:"go"`
	Platform string `json:"platform"`
}

// readBuildInfo is this binary's buildInfo.
func readBuildInfo() buildInfo {
	info, _ := debug.ReadBuildInfo()
	return buildInfoFrom(info)
}

// buildInfoFrom reads info (nil when the binary has none).
func buildInfoFrom(info *debug.BuildInfo) buildInfo {
	b := buildInfo{Version: "(devel)", Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if info == nil {
		return b
	}
	if v := info.Main.Version; v != "" {
		b.Version = v
	}
	if info.GoVersion != "" {
		b.Go = info.GoVersion
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = s.Value
		case "vcs.time":
			b.Time = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

// String is the human form, one fact a line.
func (b buildInfo) String() string {
	var s strings.Builder
	fmt.Fprintf(&s, "citebot %s\n", b.Version)
	if b.Revision != "" {
		rev := b.Revision
		if b.Modified {
			rev += " (modified)"
		}
		fmt.Fprintf(&s, "revision %s\n", rev)
	}
	if b.Time != "" {
		fmt.Fprintf(&s, "committed %s\n", b.Time)
	}
	fmt.Fprintf(&s, "built with %s for %s\n", b.Go, b.Platform)
	return s.String()
}

// versionCommand is `citebot version`; it also sets up `citebot
// --version` on root, which prints the same.
func (a *app) versionCommand(root *cobra.Command) *cobra.Command {
	info := readBuildInfo()
	root.Version = info.Version
	root.SetVersionTemplate(info.String())
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, VCS revision and Go version of this binary",
		Args:  exactArgs(0, "no arguments"),
		// No configuration is read: the version must print even when the
		// settings are broken.
		PersistentPreRunE: func(*cobra.Command, []string) error { return nil },
		RunE: func(cmd *cobra.Command, _ []string) error {
			if asJSON {
				return writeJSON(a.stdout, info)
			}
			_, err := fmt.Fprint(a.stdout, info.String())
			return err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON (version, revision, time, modified, go, platform)")
	return cmd
}
