package main

import (
	"github.com/spf13/cobra"
)

func (a *app) configCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Print the effective configuration as JSON, secrets redacted",
		Long: `Print the effective configuration (environment, .env file and defaults) as
JSON. Keys, tokens and the feedback salt are redacted, and so are credentials
inside base URLs (user:password@ and query values). The output is always JSON;
--json is accepted for symmetry with the other commands.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return writeJSON(a.stdout, a.cfg.redacted())
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", true, "print as JSON (the only format)")
	return cmd
}
