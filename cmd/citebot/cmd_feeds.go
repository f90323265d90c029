package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/feeds"
	"github.com/citebot/citebot/retrieval/library"
)

func (a *app) feedsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "feeds",
		Short: "Follow news feeds (RSS, Atom, JSON Feed): add, list, remove, poll",
		Long: `Follow news feeds so the library stays current. Each new item of a feed
becomes a dated article under DATA/articles/feeds/<feed ID>/ (with --guild,
in that server's library), indexed at once. ` + "`citebot serve`" + ` polls every feed
at its interval; ` + "`citebot feeds poll`" + ` polls the due ones once, for cron or a
systemd timer. Items older than CITEBOT_FEED_KEEP (90 days) are removed.`,
		Args: exactArgs(0, "a subcommand: add, list, remove or poll"),
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(a.feedsAddCommand(), a.feedsListCommand(), a.feedsRemoveCommand(), a.feedsPollCommand())
	return cmd
}

// withFeeds opens the library and its feed poller for one command.
func (a *app) withFeeds(ctx context.Context, fn func(*library.Library, *feeds.Poller) error) error {
	lib, ix, _, err := a.openLibrary(ctx, readOnly)
	if err != nil {
		return err
	}
	defer ix.Close()
	p, err := a.newPoller(lib, ix)
	if err != nil {
		return err
	}
	defer p.Close()
	return fn(lib, p)
}

// pollAndSync polls (the feeds in ids, or the due ones) and indexes what
// the poll wrote.
func (a *app) pollAndSync(ctx context.Context, lib *library.Library, p *feeds.Poller, ids []string) (feeds.Result, library.Report, error) {
	res, err := p.Poll(ctx, feeds.PollOptions{IDs: ids})
	if err != nil {
		return res, library.Report{}, err
	}
	var rep library.Report
	if res.Changed() {
		rep, err = a.sync(ctx, lib, readOnly)
	}
	return res, rep, err
}

func (a *app) feedsAddCommand() *cobra.Command {
	var (
		guild  string
		every  time.Duration
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "add URL",
		Short: "Follow a feed and poll it once now",
		Args:  exactArgs(1, "a feed URL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			scope, err := guildScope(guild)
			if err != nil {
				return err
			}
			if _, err := feeds.NormalizeURL(args[0]); err != nil {
				return usageError{err}
			}
			if every != 0 && every < feeds.MinInterval {
				return usageError{fmt.Errorf("--every must be at least %s: polling more often is not polite to the publisher", shortDuration(feeds.MinInterval))}
			}
			return a.withFeeds(cmd.Context(), func(lib *library.Library, p *feeds.Poller) error {
				return a.addFeed(cmd.Context(), lib, p, args[0], scope, every, asJSON)
			})
		},
	}
	cmd.Flags().StringVar(&guild, "guild", "", "add the feed's items to this Discord server's library (server ID)")
	cmd.Flags().DurationVar(&every, "every", 0, "poll interval (default "+shortDuration(feeds.DefaultInterval)+", at least "+shortDuration(feeds.MinInterval)+")")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the feed as JSON")
	return cmd
}

// addFeed follows a feed and polls it once. A first poll that shows the
// URL is no feed citebot can follow (not a feed, refused, not found)
// unfollows it again and fails; a server that is down for now leaves it
// followed, with a warning.
func (a *app) addFeed(ctx context.Context, lib *library.Library, p *feeds.Poller, url string, scope retrieval.Scope, every time.Duration, asJSON bool) error {
	f, added, err := p.Add(ctx, url, scope, every)
	if err != nil {
		return err
	}
	res, _, err := a.pollAndSync(ctx, lib, p, []string{f.ID})
	if err != nil {
		return err
	}
	o := feeds.Outcome{Feed: f}
	for _, got := range res.Feeds {
		if got.Feed.ID == f.ID {
			o = got
		}
	}
	if o.Status == feeds.Failed && added && permanentFeedError(o.Err) {
		if _, rerr := p.Remove(ctx, f.ID, scope); rerr != nil {
			a.logger.Warn("could not unfollow the feed again", "feed", f.ID, "err", rerr.Error())
		}
		return fmt.Errorf("not following %s: %w", f.URL, o.Err)
	}
	if asJSON {
		return writeJSON(a.stdout, map[string]any{"feed": toFeedJSON(o.Feed), "added": added, "poll": toOutcomeJSON(o)})
	}
	verb := "following"
	if !added {
		verb = "already following"
	}
	fmt.Fprintf(a.stdout, "%s feed %s %s (%s, every %s): %s\n", verb, o.Feed.ID, o.Feed.URL, scopeName(o.Feed.Scope),
		shortDuration(o.Feed.Interval), describeOutcome(o))
	if o.Status == feeds.Failed {
		fmt.Fprintf(a.stderr, "warning: the first poll failed (%v); citebot tries again %s\n", o.Err, o.Feed.NextDue.Local().Format("2006-01-02 15:04"))
	}
	return nil
}

func (a *app) feedsRemoveCommand() *cobra.Command {
	var (
		guild  string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "remove FEED",
		Short: "Stop following a feed (ID or URL); its items leave the library and their files are deleted",
		Args:  exactArgs(1, "a feed ID or URL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			scope, err := guildScope(guild)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			return a.withFeeds(ctx, func(lib *library.Library, p *feeds.Poller) error {
				f, err := p.Remove(ctx, args[0], scope)
				if err != nil {
					return err
				}
				rep, err := a.sync(ctx, lib, readOnly)
				if err != nil {
					return err
				}
				removed := append([]string{}, rep.IDs.Removed...)
				if asJSON {
					return writeJSON(a.stdout, map[string]any{"feed": toFeedJSON(f), "removed": removed})
				}
				fmt.Fprintf(a.stdout, "removed feed %s %s (%d articles removed)\n", f.ID, f.URL, len(removed))
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&guild, "guild", "", "the Discord server (ID) whose feed it is, when the URL is followed in several libraries")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}

func (a *app) feedsPollCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "poll",
		Short: "Poll every feed that is due once, index the new items, and exit (for cron or a systemd timer)",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			return a.withFeeds(ctx, func(lib *library.Library, p *feeds.Poller) error {
				res, _, err := a.pollAndSync(ctx, lib, p, nil)
				if err != nil {
					return err
				}
				return a.printPoll(ctx, p, res, asJSON)
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print each feed's outcome as JSON")
	return cmd
}
