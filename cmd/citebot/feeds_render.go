package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/citebot/citebot/retrieval/feeds"
	"github.com/citebot/citebot/retrieval/store"
)

func (a *app) feedsListCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the feeds: URL, scope, interval, last success, failures, last error, items",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, closeStore, err := a.openFeedStore(ctx)
			if err != nil {
				return err
			}
			defer closeStore()
			list, err := st.Feeds(ctx)
			if err != nil {
				return err
			}
			if asJSON {
				out := make([]feedJSON, 0, len(list))
				for _, f := range list {
					out = append(out, toFeedJSON(f))
				}
				return writeJSON(a.stdout, map[string]any{"feeds": out})
			}
			a.printFeeds(list)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the feeds as JSON")
	return cmd
}

// openFeedStore opens the index for reading the feeds' state.
func (a *app) openFeedStore(ctx context.Context) (store.FeedStore, func(), error) {
	ix, err := a.openIndex(ctx)
	if err != nil {
		return nil, nil, err
	}
	return ix.Store(), func() { ix.Close() }, nil
}

// printFeeds is the `feeds list` table: one line per feed, its last error
// last so that a failing feed reads as one sentence.
func (a *app) printFeeds(list []store.Feed) {
	if len(list) == 0 {
		fmt.Fprintln(a.stdout, "No feeds: `citebot feeds add URL` follows one.")
		return
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tURL\tSCOPE\tEVERY\tITEMS\tLAST SUCCESS\tNEXT\tFAILURES\tLAST ERROR")
	for _, f := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%d\t%s\n", f.ID, f.URL, scopeName(f.Scope), shortDuration(f.Interval),
			f.Items, when(f.LastSuccess), when(f.NextDue), f.Failures, cmpOr(oneLine(f.LastError, 200), "-"))
	}
	tw.Flush()
}

// printPoll reports one `feeds poll`: a line per feed polled and a
// summary, or when the next feed is due.
func (a *app) printPoll(ctx context.Context, p *feeds.Poller, res feeds.Result, asJSON bool) error {
	if asJSON {
		out := make([]outcomeJSON, 0, len(res.Feeds))
		for _, o := range res.Feeds {
			out = append(out, toOutcomeJSON(o))
		}
		return writeJSON(a.stdout, map[string]any{"feeds": out, "added": res.Added, "updated": res.Updated, "pruned": res.Pruned})
	}
	if len(res.Feeds) == 0 {
		next := "no feeds are followed"
		if list, err := p.List(ctx); err == nil && len(list) > 0 {
			first := list[0]
			for _, f := range list[1:] {
				if f.NextDue.Before(first.NextDue) {
					first = f
				}
			}
			next = fmt.Sprintf("the next is %s at %s", first.ID, when(first.NextDue))
		}
		fmt.Fprintf(a.stdout, "no feed is due (%s); pruned %d expired items\n", next, res.Pruned)
		return nil
	}
	failed := 0
	for _, o := range res.Feeds {
		if o.Status == feeds.Failed {
			failed++
		}
		fmt.Fprintf(a.stdout, "%s %s: %s\n", o.Feed.ID, o.Feed.URL, describeOutcome(o))
	}
	fmt.Fprintf(a.stdout, "polled %d feeds (%d failed): added %d, updated %d, pruned %d articles\n",
		len(res.Feeds), failed, res.Added, res.Updated, res.Pruned)
	return nil
}

// describeOutcome says in a few words what one poll did.
func describeOutcome(o feeds.Outcome) string {
	switch o.Status {
	case feeds.Failed:
		return "failed: " + oneLine(fmt.Sprint(o.Err), 200)
	case feeds.NewItems, feeds.Unchanged:
		s := fmt.Sprintf("%d new, %d updated articles", o.Added, o.Updated)
		if o.TooOld > 0 {
			s += fmt.Sprintf(" (%d items older than CITEBOT_FEED_KEEP left out)", o.TooOld)
		}
		return s
	case "":
		return "not polled (another citebot is polling it right now)"
	}
	return string(o.Status)
}

// scopeName is a feed's library as people say it.
func scopeName(scope string) string {
	if scope == "" {
		return "shared"
	}
	return "server " + scope
}

// when is a time in the table, "-" for never.
func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04")
}

func cmpOr(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

// feedJSON is one feed in `feeds list --json` (times RFC 3339, "" for never).
type feedJSON struct {
	ID              string `json:"id"`
	URL             string `json:"url"`
	Title           string `json:"title"`
	Scope           string `json:"scope"`
	Interval        string `json:"interval"`
	IntervalSeconds int64  `json:"interval_seconds"`
	Items           int    `json:"items"`
	Added           string `json:"added"`
	LastAttempt     string `json:"last_attempt"`
	LastSuccess     string `json:"last_success"`
	NextDue         string `json:"next_due"`
	Failures        int    `json:"failures"`
	LastError       string `json:"last_error"`
	// Channel is the Discord channel that announces new items ("" = none).
	Channel string `json:"channel,omitempty"`
}

func toFeedJSON(f store.Feed) feedJSON {
	return feedJSON{
		ID: f.ID, URL: f.URL, Title: f.Title, Scope: f.Scope, Interval: shortDuration(f.Interval),
		IntervalSeconds: int64(f.Interval / time.Second), Items: f.Items, Added: rfc3339(f.Added),
		LastAttempt: rfc3339(f.LastAttempt), LastSuccess: rfc3339(f.LastSuccess), NextDue: rfc3339(f.NextDue),
		Failures: f.Failures, LastError: f.LastError, Channel: f.Channel,
	}
}

// outcomeJSON is one feed's poll in `feeds poll --json`.
type outcomeJSON struct {
	Feed    feedJSON `json:"feed"`
	Status  string   `json:"status"`
	Added   int      `json:"added"`
	Updated int      `json:"updated"`
	TooOld  int      `json:"too_old"`
	Error   string   `json:"error,omitempty"`
}

func toOutcomeJSON(o feeds.Outcome) outcomeJSON {
	out := outcomeJSON{Feed: toFeedJSON(o.Feed), Status: string(o.Status), Added: o.Added, Updated: o.Updated, TooOld: o.TooOld}
	if o.Err != nil {
		out.Error = o.Err.Error()
	}
	return out
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
