package main

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/library"
)

func (a *app) ingestCommand() *cobra.Command {
	var opts ingestFlags
	cmd := &cobra.Command{
		Use:   "ingest [PATH|URL ...]",
		Short: "Add or update articles (default: sync the library)",
		Long: `Add or update articles. With no arguments, brings the index in step with the
library: the seeds directory, the articles saved earlier and every registered
folder. A directory is registered as a library source: its files are indexed
where they are, and a running ` + "`citebot serve`" + ` follows their changes. A file
(.md, .markdown, .txt, .html, .htm) is copied as Markdown under DATA/articles;
a URL (http or https) is fetched through the guarded fetcher and saved the
same way. With --guild the articles join that Discord server's library
instead of the shared one. Only ingest changes how the store is built: when
the embedding or chunking settings differ from the store's, it re-embeds.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			a.allowPrivate = opts.allowPrivate
			return a.runIngest(cmd.Context(), args, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, "print the result as JSON")
	cmd.Flags().StringVar(&opts.guild, "guild", "", "add to this Discord server's library (server ID) instead of the shared one")
	cmd.Flags().BoolVar(&opts.reembed, "reembed", false, "re-chunk and re-embed every article")
	cmd.Flags().BoolVar(&opts.allowPrivate, "allow-private", false, "let URLs reach private and loopback addresses (you trust them)")
	return cmd
}

type ingestFlags struct {
	json, reembed, allowPrivate bool
	guild                       string
}

// ingestResult is `ingest --json`: article IDs by what happened to them.
type ingestResult struct {
	Added      []string          `json:"added"`
	Updated    []string          `json:"updated"`
	Unchanged  []string          `json:"unchanged"`
	Removed    []string          `json:"removed"`
	Skipped    []library.Skipped `json:"skipped"`
	Renamed    []library.Renamed `json:"renamed,omitempty"`
	Saved      []string          `json:"saved,omitempty"`
	Registered []string          `json:"registered,omitempty"`
	Articles   int               `json:"articles"`
	Chunks     int               `json:"chunks"`
}

func (a *app) runIngest(ctx context.Context, args []string, f ingestFlags) error {
	scope, err := guildScope(f.guild)
	if err != nil {
		return err
	}
	mode := rebuild
	if f.reembed {
		mode = reembed
	}
	lib, ix, syncRep, err := a.openLibrary(ctx, mode)
	if err != nil {
		return err
	}
	defer ix.Close()
	res := ingestResult{}
	res.merge(syncRep)
	for _, arg := range args {
		bar := newProgress(a.stderr, a.logger)
		added, err := lib.Add(ctx, arg, library.AddOptions{Scope: scope, Progress: bar.update})
		bar.finish()
		if errors.Is(err, library.ErrNotURL) {
			return usageError{err}
		}
		if err != nil {
			return err
		}
		res.merge(added.Report)
		res.Saved = append(res.Saved, added.Saved...)
		if added.Registered != "" {
			res.Registered = append(res.Registered, added.Registered)
		}
	}
	list, err := ix.Articles(ctx)
	if err != nil {
		return err
	}
	res.Articles, res.Chunks = len(list), ix.Count()
	if f.json {
		return writeJSON(a.stdout, res)
	}
	a.printIngest(res)
	return nil
}

// merge folds one report into the result: an article keeps the strongest
// thing that happened to it (added, then updated, then unchanged).
func (r *ingestResult) merge(rep library.Report) {
	has := func(id string) bool {
		return slices.Contains(r.Added, id) || slices.Contains(r.Updated, id)
	}
	for _, id := range rep.IDs.Added {
		if !has(id) {
			r.Added = append(r.Added, id)
		}
	}
	for _, id := range rep.IDs.Updated {
		if !has(id) {
			r.Updated = append(r.Updated, id)
		}
	}
	for _, id := range rep.IDs.Unchanged {
		if !has(id) && !slices.Contains(r.Unchanged, id) {
			r.Unchanged = append(r.Unchanged, id)
		}
	}
	r.Unchanged = slices.DeleteFunc(r.Unchanged, has)
	r.Removed = append(r.Removed, rep.IDs.Removed...)
	r.Skipped = append(r.Skipped, rep.Skipped...)
	for _, rn := range rep.Renamed {
		if !slices.Contains(r.Renamed, rn) {
			r.Renamed = append(r.Renamed, rn)
		}
	}
	for _, p := range []*[]string{&r.Added, &r.Updated, &r.Unchanged, &r.Removed} {
		if *p == nil {
			*p = []string{}
		}
	}
	if r.Skipped == nil {
		r.Skipped = []library.Skipped{}
	}
}

// printIngest prints one summary line, then only what needs attention.
func (a *app) printIngest(r ingestResult) {
	for _, d := range r.Registered {
		fmt.Fprintf(a.stdout, "registered folder %s: its files are indexed where they are and followed while citebot serve runs\n", d)
	}
	for _, p := range r.Saved {
		fmt.Fprintf(a.stdout, "saved %s\n", p)
	}
	for _, rn := range r.Renamed {
		fmt.Fprintf(a.stdout, "%s is indexed as %s: another source already uses its name\n", rn.Path, rn.ID)
	}
	for _, s := range r.Skipped {
		fmt.Fprintf(a.stdout, "skipped %s: %s\n", s.Path, s.Reason)
	}
	fmt.Fprintf(a.stdout, "added %d, updated %d, unchanged %d, removed %d, skipped %d (%d articles, %d chunks in %s)\n",
		len(r.Added), len(r.Updated), len(r.Unchanged), len(r.Removed), len(r.Skipped), r.Articles, r.Chunks, a.cfg.DataDir)
}

// guildScope turns a --guild flag into a scope: "" is the shared library.
func guildScope(guild string) (retrieval.Scope, error) {
	if guild == "" {
		return retrieval.Shared, nil
	}
	for _, r := range guild {
		if r < '0' || r > '9' {
			return "", usageError{fmt.Errorf("--guild takes a Discord server ID (digits), not %q", guild)}
		}
	}
	return retrieval.GuildScope(guild), nil
}
