package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/citebot/citebot/answer"
)

// dateWindow holds the --since and --until flags of ask and search.
type dateWindow struct {
	since, until string
}

func (w *dateWindow) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&w.since, "since", "", "only articles published since this date (YYYY-MM-DD) or this long ago (24h, 7d, 2w)")
	cmd.Flags().StringVar(&w.until, "until", "", "only articles published up to this date (YYYY-MM-DD, inclusive) or this long ago (7d)")
}

// parse reads the flags relative to now: since inclusive, until exclusive
// (a date given to --until includes that whole day). Zero times are open.
func (w dateWindow) parse(now time.Time) (since, until time.Time, err error) {
	if since, err = answer.ParseSince(w.since, now); err != nil {
		return since, until, fmt.Errorf("--since: %w", err)
	}
	if until, err = answer.ParseSince(w.until, now); err != nil {
		return since, until, fmt.Errorf("--until: %w", err)
	}
	if _, perr := time.Parse("2006-01-02", w.until); perr == nil {
		until = until.AddDate(0, 0, 1)
	}
	if !since.IsZero() && !until.IsZero() && !since.Before(until) {
		return since, until, fmt.Errorf("--since %s is not before --until %s", w.since, w.until)
	}
	return since, until, nil
}
