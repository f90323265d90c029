package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/index"
	"github.com/citebot/citebot/retrieval/library"
	"github.com/citebot/citebot/retrieval/store"
)

func (a *app) serveCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run the Discord bot (needs DISCORD_TOKEN)",
		Long: `Run the Discord bot: /ask, /summarize, /digest, /articles, /search and
/help, answers to mentions and replies, feedback buttons, and the daily
digests curators schedule (posted at their hour, once a day, also across
restarts). Needs DISCORD_TOKEN; see the README section "Run it on your
Discord server". The library stays live: articles
that other processes ingest or forget, and edits in the library's folders,
reach the answers within seconds. Stops cleanly on Ctrl-C or SIGTERM, letting
answers in flight finish.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			// Fail before the index sync: a missing token is the most
			// common first-run mistake and needs no work to detect.
			if a.cfg.DiscordToken == "" {
				return bot.ErrNoToken
			}
			ctx, stop := context.WithCancel(cmd.Context())
			defer stop()
			lib, eng, ix, err := a.openEngineLibrary(ctx)
			if err != nil {
				return err
			}
			defer ix.Close()
			// The cheap half of `citebot check`: every stored article
			// against its chunks; damage is logged, one line an article.
			if _, err := ix.CheckQuick(ctx); err != nil {
				a.logger.Warn("could not check the store at start", "err", err.Error())
			}
			ops, err := a.startOps(ix)
			if err != nil {
				return err
			}
			defer ops.close()
			a.followLibrary(ctx, lib, ix, ops.syncHook())
			b, err := bot.New(bot.Config{
				Token:            a.cfg.DiscordToken,
				GuildID:          a.cfg.DiscordGuildID,
				EngineFor:        func(s retrieval.Scope) bot.Engine { return eng.In(s) },
				Feedback:         feedbackStore{ix.Store()},
				Library:          curator{lib},
				Feeds:            a.feedsBot(ctx, lib, ix),
				Digester:         digesterFor(eng, a.cfg.DigestMaxArticles),
				DigestSchedules:  digestSchedules{ix.Store()},
				DigestCheckEvery: digestCheckEvery,
				Now:              digestClock,
				LibraryVersion:   ix.Generation,
				CuratorRoles:     a.cfg.DiscordCuratorRoles,
				MaxArticleBytes:  a.cfg.MaxArticleBytes,
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
				Metrics:          ops.botMetrics(),
			})
			if err != nil {
				return err
			}
			a.setAnnouncer(b)
			ops.attach(b.Health)
			return b.Run(ctx)
		},
	}
}

// feedbackStore keeps the bot's votes in the store's feedback table. The
// bot hands over its own bot.Feedback so it need not know where votes
// live; this is the one place that converts (a server is the vote's scope,
// a channel its place).
type feedbackStore struct{ st store.Store }

var _ bot.FeedbackStore = feedbackStore{}

// AddFeedback stores f in the index (whose error already says "store
// feedback").
func (s feedbackStore) AddFeedback(ctx context.Context, f bot.Feedback) error {
	return s.st.AddFeedback(ctx, store.Feedback{
		Time:      f.Time,
		Scope:     f.GuildID,
		Place:     f.ChannelID,
		UserHash:  f.UserHash,
		Question:  f.Question,
		Answer:    f.Answer,
		Citations: f.Citations,
		Vote:      f.Vote,
		Comment:   f.Comment,
		AnswerID:  f.AnswerID,
	})
}

// followLibrary keeps a running bot's library live until ctx ends: it
// applies what other processes commit to the store (every
// CITEBOT_SYNC_INTERVAL, each sync reported to onSync) and re-syncs the
// library's folders when their files change (with a rescan every
// CITEBOT_RESCAN_INTERVAL).
func (a *app) followLibrary(ctx context.Context, lib *library.Library, ix *index.Index, onSync func(error)) {
	go ix.Follow(ctx, a.cfg.SyncInterval, onSync)
	go a.pollFeeds(ctx, lib, ix)
	go func() {
		if err := lib.Watch(ctx, library.WatchOptions{Rescan: a.cfg.RescanInterval, Sources: a.cfg.SyncInterval}); err != nil {
			a.logger.Warn("not following the library's folders; they are synced at start only", "err", err.Error())
		}
	}()
}
