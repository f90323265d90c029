package main

import (
	"github.com/spf13/cobra"

	"github.com/citebot/citebot/bot"
)

func (a *app) serveCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run the Discord bot (needs DISCORD_TOKEN)",
		Long: `Run the Discord bot: /ask, /summarize, /articles, /search and /help, answers
to mentions and replies, feedback buttons. Needs DISCORD_TOKEN; see the
README section "Run it on your Discord server". Stops cleanly on Ctrl-C or
SIGTERM, letting answers in flight finish.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			// Fail before the index sync: a missing token is the most
			// common first-run mistake and needs no work to detect.
			if a.cfg.DiscordToken == "" {
				return bot.ErrNoToken
			}
			ctx := cmd.Context()
			eng, ix, err := a.openEngine(ctx)
			if err != nil {
				return err
			}
			defer ix.Close()
			return bot.Run(ctx, bot.Config{
				Token:            a.cfg.DiscordToken,
				GuildID:          a.cfg.DiscordGuildID,
				Engine:           eng,
				Feedback:         ix,
				FeedbackSalt:     a.cfg.FeedbackSalt,
				AllowedChannels:  a.cfg.DiscordAllowedChannels,
				AllowedRoles:     a.cfg.DiscordAllowedRoles,
				AskChannels:      a.cfg.DiscordAskChannels,
				AutoThread:       a.cfg.DiscordAutoThread,
				NoMessageContent: !a.cfg.DiscordMessageContent,
				RatePerMinute:    a.cfg.DiscordRatePerMinute,
				MaxQuestion:      a.cfg.DiscordMaxQuestion,
				MaxConcurrent:    a.cfg.DiscordMaxConcurrent,
				HTTPClient:       a.discordClient,
				Logger:           a.logger,
			})
		},
	}
}
