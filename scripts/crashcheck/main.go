// Command crashcheck is the Go half of scripts/crashloop: it writes the
// generated articles, seeds a feedback vote, and after each kill verifies
// the store straight from SQLite (no sync, so it sees exactly what the
// killed ingest left):
//
//	crashcheck gen DIR N TAG   write N articles with TAG in every paragraph
//	crashcheck vote DATA       store the feedback vote verify looks for
//	crashcheck verify DATA N   exit 1 unless the store is sound
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/index"
	"github.com/citebot/citebot/retrieval/store"
	"github.com/citebot/citebot/retrieval/store/sqlite"
)

// voteQuestion marks the seeded vote.
const voteQuestion = "crashloop: is this vote still here?"

func main() {
	if err := run(context.Background(), os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "crashcheck:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) < 2 {
		return errors.New("usage: crashcheck gen DIR N TAG | vote DATA | verify DATA N")
	}
	switch args[0] {
	case "gen":
		if len(args) != 4 {
			return errors.New("usage: crashcheck gen DIR N TAG")
		}
		n, err := strconv.Atoi(args[2])
		if err != nil {
			return err
		}
		return generate(args[1], n, args[3])
	case "vote":
		return vote(ctx, args[1])
	case "verify":
		if len(args) != 3 {
			return errors.New("usage: crashcheck verify DATA N")
		}
		n, err := strconv.Atoi(args[2])
		if err != nil {
			return err
		}
		return verify(ctx, args[1], n)
	}
	return fmt.Errorf("unknown command %q", args[0])
}

// generate writes n articles of ten paragraphs, each paragraph carrying
// tag, each file replaced atomically (so a concurrent sync never reads
// half a file and the only mix to catch is one in the store).
func generate(dir string, n int, tag string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i := range n {
		var b strings.Builder
		fmt.Fprintf(&b, "# Report %d\n\n", i)
		for p := range 10 {
			fmt.Fprintf(&b, "Paragraph %d of report %d, revision %s. The council of town%d met about the harbour%d "+
				"and the bridge%d over the river; residents asked about ferries, tolls and the timetable for day %d. "+
				"Minutes were kept by clerk%d and published the following week.\n\n", p, i, tag, i, p, i+p, p*i, i%7)
		}
		path := filepath.Join(dir, fmt.Sprintf("report-%04d.md", i))
		if err := os.WriteFile(path+".new", []byte(b.String()), 0o644); err != nil {
			return err
		}
		if err := os.Rename(path+".new", path); err != nil {
			return err
		}
	}
	return nil
}

func openStore(ctx context.Context, data string) (*sqlite.Store, error) {
	return sqlite.Open(ctx, data, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
}

func vote(ctx context.Context, data string) error {
	st, err := openStore(ctx, data)
	if err != nil {
		return err
	}
	defer st.Close()
	return st.AddFeedback(ctx, store.Feedback{Scope: "crashloop", Place: "script", UserHash: "h",
		Question: voteQuestion, Answer: "yes", Citations: []string{"report-0000"}, Vote: 1})
}

// revision finds the version tags in a text.
var revision = regexp.MustCompile(`revision (\w+)\.`)

// verify checks, from one look at the store: SQLite finds the file sound;
// citebot's own check finds no damage; all n articles are there, each
// wholly one revision (body and every chunk); the vote is kept; and the
// index a command opens from the segments holds what the store holds.
func verify(ctx context.Context, data string, n int) error {
	if problems, err := sqlite.QuickCheck(ctx, data); err != nil || len(problems) > 0 {
		return fmt.Errorf("quick_check: %v %v", problems, err)
	}
	st, err := openStore(ctx, data)
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := index.CheckStore(ctx, st, index.CheckOptions{Vectors: true})
	if err != nil {
		return err
	}
	if len(rep.Damaged) > 0 {
		return fmt.Errorf("check found damage: %v", rep.Damaged)
	}
	tags, err := articleRevisions(ctx, st)
	if err != nil {
		return err
	}
	if len(tags) != n {
		return fmt.Errorf("%d articles stored, want %d", len(tags), n)
	}
	count := map[string]int{}
	for id, ts := range tags {
		if len(ts) != 1 {
			return fmt.Errorf("article %s mixes revisions %v", id, ts)
		}
		for t := range ts {
			count[t]++
		}
	}
	fb, err := st.RecentFeedback(ctx, 1000)
	if err != nil {
		return err
	}
	votes := 0
	for _, f := range fb {
		if f.Question == voteQuestion && f.Vote == 1 && len(f.Citations) == 1 {
			votes++
		}
	}
	if votes != 1 {
		return fmt.Errorf("%d seeded votes found, want 1", votes)
	}
	if err := verifyIndex(ctx, data, st); err != nil {
		return err
	}
	fmt.Printf("ok: %d articles %v, %d chunks, %d pending, vote kept\n", len(tags), count, rep.Chunks, rep.Pending)
	return nil
}

// articleRevisions returns the revision tags in each article's body and
// chunks, read from one snapshot (bodies outside it, then matched by hash).
func articleRevisions(ctx context.Context, st store.Store) (map[string]map[string]bool, error) {
	tags := map[string]map[string]bool{}
	add := func(id, text string) {
		for _, m := range revision.FindAllStringSubmatch(text, -1) {
			tags[id][m[1]] = true
		}
	}
	hashes := map[string]string{}
	err := st.Read(ctx, func(snap store.Snapshot) error {
		if err := snap.Articles(ctx, nil, func(a retrieval.Article) error {
			tags[a.ID], hashes[a.ID] = map[string]bool{}, a.Hash
			return nil
		}); err != nil {
			return err
		}
		return snap.Chunks(ctx, nil, false, func(c store.StoredChunk) error {
			add(c.Chunk.ArticleID, c.Chunk.Text)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	for id, h := range hashes {
		a, err := st.Article(ctx, id)
		if err != nil {
			return nil, err
		}
		if a.Hash == h {
			add(id, a.Body) // else a reader replaced it since: its chunks were read above
		}
	}
	return tags, nil
}
