package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

// configJSON is the documented shape of `citebot config --json`.
type configJSON struct {
	// EnvFile is the .env file read ("" when none was found).
	EnvFile  string    `json:"env_file"`
	Settings []setting `json:"settings"`
	// Warnings name unknown CITEBOT_* / DISCORD_* keys; [] when none.
	Warnings []string `json:"warnings"`
}

func (a *app) configCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Print the effective configuration, secrets redacted",
		Long: `Print the effective configuration: every environment key citebot reads, its
value after defaults, and where the value came from (default, .env,
environment or flag). Durations are shown as Go prints them (2m0s).
Keys, tokens and the feedback salt are redacted, and so are credentials
inside base URLs (user:password@ and query values), so the output can be
pasted into a bug report.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := configJSON{EnvFile: a.loadedEnvFile(), Settings: a.cfg.settings(), Warnings: a.cfg.warnings}
			if out.Warnings == nil {
				out.Warnings = []string{}
			}
			if asJSON {
				return writeJSON(a.stdout, out)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "KEY\tVALUE\tORIGIN")
			for _, s := range out.Settings {
				v := s.Value
				if v == "" {
					v = "-"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Key, v, s.Origin)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}
