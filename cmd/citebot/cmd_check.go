package main

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/citebot/citebot/retrieval/index"
	"github.com/citebot/citebot/retrieval/store"
	"github.com/citebot/citebot/retrieval/store/sqlite"
)

func (a *app) checkCommand() *cobra.Command {
	var f checkFlags
	cmd := &cobra.Command{
		Use:   "check [--repair] [--json]",
		Short: "Find stored articles whose text, chunks or vectors were damaged",
		Long: `Check the store for damage that happened outside citebot (a failing disk, a
bad copy): SQLite's quick_check on the file, then every stored article against
its chunks (offsets, numbering, valid UTF-8, the stored hash) and every vector
(dimension, finite values, unit length), and the index segments in
DATA/segments (framing, checksum, offsets). Prints one line per damaged
article or segment and exits 1 when there is any. The check itself changes
nothing.

With --repair the damaged articles are re-chunked and re-embedded from their
files (a file that is gone takes its article out, as at every sync), and a
damaged store file is moved aside and rebuilt from the articles with its
feedback kept, and damaged segments are dropped (they are derived from the
store and rebuilt at the next start); then the check runs again.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runCheck(cmd.Context(), f)
		},
	}
	cmd.Flags().BoolVar(&f.repair, "repair", false, "rebuild the damaged articles (or the whole store) and check again")
	cmd.Flags().BoolVar(&f.json, "json", false, "print the result as JSON")
	return cmd
}

type checkFlags struct{ repair, json bool }

// checkResult is `check --json`: what the check found and, with --repair,
// what the repair rebuilt and what is still wrong after it.
type checkResult struct {
	// Store lists damage in the store file itself: no article in it can be
	// trusted, so a repair rebuilds all of them.
	Store []string `json:"store,omitempty"`
	index.CheckReport
	Rebuilt   []string       `json:"rebuilt,omitempty"`
	Removed   []string       `json:"removed,omitempty"`
	Remaining []index.Damage `json:"remaining,omitempty"`
	// Segments is what the check found of the index segments (derived
	// data: a repair drops the damaged ones, nothing is lost).
	Segments index.SegmentReport `json:"segments"`
	// StillPending counts articles the repair could not rebuild yet.
	StillPending int  `json:"still_pending,omitempty"`
	Repaired     bool `json:"repaired,omitempty"`
	// unreadable is a store whose rows SQLite could not decode although
	// quick_check passed: a repair drops the derived data.
	unreadable error
}

func (a *app) runCheck(ctx context.Context, f checkFlags) error {
	res, err := a.checkStore(ctx)
	if err != nil {
		return err
	}
	damaged := len(res.Store) > 0 || len(res.Damaged) > 0
	segDamage := len(res.Segments.Damaged) > 0
	if f.repair && segDamage {
		if err := index.RepairSegments(ctx, a.cfg.DataDir); err != nil {
			return err
		}
		if res.Segments, err = index.CheckSegments(ctx, a.cfg.DataDir); err != nil {
			return err
		}
		segDamage = len(res.Segments.Damaged) > 0
		res.Repaired = !damaged && !segDamage
	}
	if f.repair && damaged {
		if err := a.repairStore(ctx, &res); err != nil {
			return err
		}
	}
	if f.json {
		if err := writeJSON(a.stdout, res); err != nil {
			return err
		}
	} else {
		a.printCheck(res)
	}
	switch {
	case !damaged && segDamage:
		return fmt.Errorf("%d damaged index %s found; run `citebot check --repair` to drop them (nothing is lost: they are rebuilt from the store)",
			len(res.Segments.Damaged), plural(len(res.Segments.Damaged), "segment"))
	case !damaged:
		return nil
	case !f.repair && len(res.Store) > 0:
		return errors.New("the store file is damaged; run `citebot check --repair` to rebuild it from the articles")
	case !f.repair:
		return fmt.Errorf("%d damaged %s found; run `citebot check --repair` to rebuild them", len(res.Damaged), plural(len(res.Damaged), "article"))
	case len(res.Remaining) > 0:
		return fmt.Errorf("%d %s still damaged after the repair", len(res.Remaining), plural(len(res.Remaining), "article is", "articles are"))
	case res.StillPending > 0:
		return fmt.Errorf("%d %s still to be rebuilt; run `citebot ingest`", res.StillPending, plural(res.StillPending, "article is", "articles are"))
	}
	return nil
}

// checkStore checks the store file and then its contents, without
// changing either: a file quick_check rejects is reported, not opened
// (opening it would move it aside).
func (a *app) checkStore(ctx context.Context) (checkResult, error) {
	res := checkResult{CheckReport: index.CheckReport{Damaged: []index.Damage{}}}
	segs, err := index.CheckSegments(ctx, a.cfg.DataDir)
	if err != nil {
		return res, err
	}
	res.Segments = segs
	problems, err := sqlite.QuickCheck(ctx, a.cfg.DataDir)
	if err != nil || len(problems) > 0 {
		res.Store = problems
		return res, err
	}
	st, err := sqlite.Open(ctx, a.cfg.DataDir, a.logger)
	if err != nil {
		return res, err
	}
	defer st.Close()
	rep, err := index.CheckStore(ctx, st, index.CheckOptions{Vectors: true})
	if errors.Is(err, store.ErrCorrupt) {
		res.Store, res.unreadable = []string{err.Error()}, err
		return res, nil
	}
	if err != nil {
		return res, err
	}
	res.CheckReport = rep
	return res, nil
}

// printSegments says what the check found of the index segments.
func (a *app) printSegments(r index.SegmentReport) {
	for _, d := range r.Damaged {
		fmt.Fprintf(a.stdout, "index segment %s\n", d)
	}
	if len(r.Damaged) > 0 {
		fmt.Fprintf(a.stdout, "index segments: %d %s, %d damaged\n", r.Files, plural(r.Files, "file"), len(r.Damaged))
	}
}

// repairStore marks the damaged articles for rebuilding (or drops what
// cannot be read), lets the normal start-of-command sync rebuild them from
// their files, and checks again.
func (a *app) repairStore(ctx context.Context, res *checkResult) error {
	if len(res.Store) == 0 || res.unreadable != nil {
		st, err := sqlite.Open(ctx, a.cfg.DataDir, a.logger)
		if err != nil {
			return err
		}
		if res.unreadable != nil {
			err = st.DropDerived(ctx, res.unreadable)
		} else {
			err = st.MarkPending(ctx, res.DamagedIDs())
		}
		st.Close()
		if err != nil {
			return fmt.Errorf("repair: %w", err)
		}
	}
	// Open moves a file quick_check rejects aside (feedback kept); the
	// sync then embeds every article that is pending or missing.
	_, ix, rep, err := a.openLibrary(ctx, readOnly)
	if err != nil {
		return fmt.Errorf("repair: %w", err)
	}
	defer ix.Close()
	res.Rebuilt = slices.Sorted(slices.Values(append(slices.Clone(rep.IDs.Added), rep.IDs.Updated...)))
	res.Removed = rep.IDs.Removed
	after, err := ix.Check(ctx, index.CheckOptions{Vectors: true})
	if err != nil {
		return fmt.Errorf("check after the repair: %w", err)
	}
	res.Remaining, res.StillPending = after.Damaged, after.Pending
	res.Repaired = len(after.Damaged) == 0 && after.Pending == 0
	return nil
}

// printCheck prints a line per problem, then a summary.
func (a *app) printCheck(r checkResult) {
	for _, p := range r.Store {
		fmt.Fprintf(a.stdout, "%s: %s\n", sqlite.FileName, p)
	}
	for _, d := range r.Damaged {
		fmt.Fprintln(a.stdout, d.String())
	}
	switch {
	case len(r.Store) > 0:
		fmt.Fprintf(a.stdout, "the store file in %s is damaged\n", a.cfg.DataDir)
	case len(r.Damaged) > 0:
		fmt.Fprintf(a.stdout, "checked %d articles, %d chunks: %d damaged\n", r.Articles, r.Chunks, len(r.Damaged))
	case len(r.Segments.Damaged) > 0:
		fmt.Fprintf(a.stdout, "checked %d articles, %d chunks: no damaged article\n", r.Articles, r.Chunks)
	default:
		fmt.Fprintf(a.stdout, "checked %d articles, %d chunks: no damage found\n", r.Articles, r.Chunks)
	}
	if len(r.Rebuilt)+len(r.Removed) > 0 {
		fmt.Fprintf(a.stdout, "repair: rebuilt %d %s, removed %d whose files are gone\n",
			len(r.Rebuilt), plural(len(r.Rebuilt), "article"), len(r.Removed))
	}
	for _, d := range r.Remaining {
		fmt.Fprintf(a.stdout, "still damaged: %s\n", d.String())
	}
	a.printSegments(r.Segments)
	if r.Repaired {
		fmt.Fprintln(a.stdout, "checked again: no damage found")
	}
}

// plural picks the singular for n == 1; with one form it adds "s".
func plural(n int, forms ...string) string {
	if n == 1 {
		return forms[0]
	}
	if len(forms) > 1 {
		return forms[1]
	}
	return forms[0] + "s"
}
