package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/citebot/citebot/answer"
)

func (a *app) digestCommand() *cobra.Command {
	var (
		asJSON bool
		window dateWindow
		req    answer.DigestRequest
		length string
	)
	cmd := &cobra.Command{
		Use:   "digest [--since 24h|DATE] [--until DATE] [--topic TEXT] [--feed FEED] [--length short|medium|long]",
		Short: "Summarize the news of a period (a topic, a feed) as cited stories",
		Long: `digest groups the articles published in a period into stories and
summarizes each in one to three sentences, every sentence citing the
articles it comes from and checked against them. --topic keeps the articles
about a subject, --feed the items of one feed (its ID, as feeds list shows
it). At most CITEBOT_DIGEST_MAX_ARTICLES articles (the newest) are covered.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			l, err := answer.ParseLength(length)
			if err != nil {
				return usageError{fmt.Errorf("--length: %w", err)}
			}
			now := time.Now()
			if req.Since, req.Until, err = window.parse(now); err != nil {
				return err
			}
			if req.Until.IsZero() {
				req.Until = now
			}
			if req.Since.IsZero() {
				req.Since = req.Until.Add(-24 * time.Hour)
			}
			req.Length, req.MaxArticles = l, a.cfg.DigestMaxArticles
			ctx := cmd.Context()
			eng, ix, err := a.openEngine(ctx)
			if err != nil {
				return err
			}
			defer ix.Close()
			live := !asJSON && isTerminal(a.stdout)
			s := &streamer{w: a.stdout, live: live}
			if live {
				fmt.Fprintf(a.stdout, "Digest %s\n\n", digestPeriod(req))
			}
			d, err := eng.Digest(ctx, req, s.delta)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(a.stdout, toDigestJSON(d, req, length))
			}
			if !live {
				fmt.Fprintf(a.stdout, "Digest %s\n\n", digestPeriod(req))
			}
			s.finish(shownText(d.Answer))
			printDigestCounts(a.stdout, d)
			printSources(a.stdout, d.Answer)
			return nil
		},
	}
	cmd.Flags().StringVar(&window.since, "since", "", "articles published since this date (YYYY-MM-DD) or this long ago (24h, 7d, 2w); default 24 hours before --until")
	cmd.Flags().StringVar(&window.until, "until", "", "articles published up to this date (YYYY-MM-DD, inclusive) or this long ago; default now")
	cmd.Flags().StringVar(&req.Topic, "topic", "", "only the articles about this topic")
	cmd.Flags().StringVar(&req.Feed, "feed", "", "only the items of this feed (its ID)")
	cmd.Flags().StringVar(&length, "length", "medium", "digest length: short (5 stories, 1 sentence each), medium (8, 2) or long (12, 3)")
	a.addGuildFlag(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the digest as JSON")
	return cmd
}

// digestPeriod says what a digest covers: "from 8 March 2026 to 14
// March 2026" (a bound that is not midnight shows its time), with the
// topic and the feed.
func digestPeriod(req answer.DigestRequest) string {
	show := func(t time.Time) string {
		if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
			return t.Format("2 January 2006")
		}
		return t.Format("2 January 2006 15:04")
	}
	last := req.Until
	if last.Hour() == 0 && last.Minute() == 0 && last.Second() == 0 {
		last = last.AddDate(0, 0, -1) // until is exclusive
	}
	s := "from " + show(req.Since) + " to " + show(last)
	if req.Topic != "" {
		s += fmt.Sprintf(" about %q", req.Topic)
	}
	if req.Feed != "" {
		s += " from feed " + req.Feed
	}
	return s
}

// printDigestCounts says how many articles and stories the digest covers
// and what the caps left out.
func printDigestCounts(w io.Writer, d answer.Digest) {
	covered := d.Considered - d.LeftOut
	line := fmt.Sprintf("%d %s from %d %s", len(d.Stories), plural(len(d.Stories), "story", "stories"),
		covered, plural(covered, "article", "articles"))
	var notes []string
	if d.LeftOut > 0 {
		notes = append(notes, fmt.Sprintf("%d older %s left out (CITEBOT_DIGEST_MAX_ARTICLES)", d.LeftOut, plural(d.LeftOut, "article", "articles")))
	}
	if d.StoriesLeftOut > 0 {
		notes = append(notes, fmt.Sprintf("%d smaller %s left out (--length long shows more)", d.StoriesLeftOut, plural(d.StoriesLeftOut, "story", "stories")))
	}
	if len(notes) > 0 {
		line += "; " + strings.Join(notes, "; ")
	}
	fmt.Fprintf(w, "\n%s.\n", line)
}

// digestJSON is the documented shape of `digest --json` (docs/json.md):
// the answer fields of ask, plus the window, the stories and the counts.
type digestJSON struct {
	answerJSON
	Since          time.Time      `json:"since"`
	Until          time.Time      `json:"until"`
	Topic          string         `json:"topic,omitempty"`
	Feed           string         `json:"feed,omitempty"`
	Stories        []answer.Story `json:"stories"`
	Considered     int            `json:"considered"`
	LeftOut        int            `json:"left_out"`
	StoriesLeftOut int            `json:"stories_left_out"`
	Requests       int            `json:"requests"`
}

func toDigestJSON(d answer.Digest, req answer.DigestRequest, length string) digestJSON {
	out := digestJSON{
		answerJSON: toAnswerJSON("", d.Answer),
		Since:      d.Since, Until: d.Until, Topic: req.Topic, Feed: req.Feed,
		Stories:    nonNil(d.Stories),
		Considered: d.Considered, LeftOut: d.LeftOut, StoriesLeftOut: d.StoriesLeftOut, Requests: d.Requests,
	}
	out.Length = length
	return out
}
