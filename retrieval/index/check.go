package index

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/store"
)

// CheckOptions says how much a check reads.
type CheckOptions struct {
	// Vectors checks every stored vector too: the expensive part, since
	// all of them pass through memory once. Without it a check reads the
	// articles and their chunk texts only.
	Vectors bool
}

// Damage is what a check found wrong with one stored article, one
// problem per entry, chunks named by ordinal. Damage comes from outside
// the program (a disk, a copy, an editor that opened the file): every
// write keeps articles and chunks consistent, so the only cure is to
// rebuild the article (see store.Store.MarkPending).
type Damage struct {
	ID       string   `json:"id"`
	Problems []string `json:"problems"`
}

// String is the damage as one line: "ID: problem; problem".
func (d Damage) String() string { return d.ID + ": " + strings.Join(d.Problems, "; ") }

// CheckReport is what a check read and found.
type CheckReport struct {
	Articles int `json:"articles"`
	Chunks   int `json:"chunks"`
	// Pending counts articles waiting for new chunks (an interrupted
	// re-embed or repair): the next ingest builds them, so they are not
	// damage.
	Pending int      `json:"pending,omitempty"`
	Damaged []Damage `json:"damaged"`
}

// DamagedIDs lists the IDs of the damaged articles.
func (r CheckReport) DamagedIDs() []string {
	ids := make([]string, len(r.Damaged))
	for i, d := range r.Damaged {
		ids[i] = d.ID
	}
	return ids
}

// Check reads the index's store and reports damage (see CheckStore).
func (ix *Index) Check(ctx context.Context, opts CheckOptions) (CheckReport, error) {
	return CheckStore(ctx, ix.st, opts)
}

// CheckQuick is the cheap part of Check for a process that starts to
// serve: every article against its chunks, no vectors. It logs one warning
// per damaged article and returns them; answers from such an article may
// quote text it does not hold until `citebot check --repair` rebuilds it.
func (ix *Index) CheckQuick(ctx context.Context) ([]Damage, error) {
	rep, err := CheckStore(ctx, ix.st, CheckOptions{})
	if err != nil {
		return nil, fmt.Errorf("check the store: %w", err)
	}
	for _, d := range rep.Damaged {
		ix.log.Warn("stored article is damaged; run `citebot check --repair`",
			"article", d.ID, "problems", strings.Join(d.Problems, "; "))
	}
	return rep.Damaged, nil
}

// checkBatch is how many articles' chunks one query reads.
const checkBatch = 64

// CheckStore reads every stored article with its body and chunks from one
// snapshot and reports each article whose stored parts disagree: the
// stored hash must be retrieval.HashArticle of the stored fields; the
// chunks must be numbered 0..n-1, be valid UTF-8 and equal the body at
// their offsets; with opts.Vectors every vector must have the manifest's
// dimension, finite values and unit length. It never writes.
func CheckStore(ctx context.Context, st store.Store, opts CheckOptions) (CheckReport, error) {
	rep := CheckReport{Damaged: []Damage{}}
	err := st.Read(ctx, func(snap store.Snapshot) error {
		metas := map[string]retrieval.Article{}
		if err := snap.Articles(ctx, nil, func(a retrieval.Article) error {
			metas[a.ID] = a
			return nil
		}); err != nil {
			return err
		}
		total, err := snap.ChunkCount(ctx)
		if err != nil {
			return err
		}
		rep.Articles, rep.Chunks = len(metas), total
		ids := slices.Sorted(maps.Keys(metas))
		v := vectorCheck{on: opts.Vectors, dim: snap.Manifest().Dimension}
		seen := 0
		for batch := range slices.Chunk(ids, checkBatch) {
			chunks, err := readCheckChunks(ctx, snap, batch, v)
			if err != nil {
				return err
			}
			for _, id := range batch {
				seen += len(chunks[id])
				d, pending, err := checkArticle(ctx, st, metas[id], chunks[id])
				if err != nil {
					return err
				}
				if pending {
					rep.Pending++
				}
				if len(d.Problems) > 0 {
					rep.Damaged = append(rep.Damaged, d)
				}
			}
		}
		if seen == total {
			return nil
		}
		orphans, err := orphanChunks(ctx, snap, metas)
		rep.Damaged = append(rep.Damaged, orphans...)
		return err
	})
	if err != nil {
		return CheckReport{}, err
	}
	return rep, nil
}

// checkedChunk is a chunk as read for a check, with what was wrong with
// its vector (found while the raw bytes were at hand).
type checkedChunk struct {
	chunk     retrieval.Chunk
	vectorBad string
}

// readCheckChunks reads the chunks of ids, checking their vectors when v
// is on, grouped by article and sorted by ordinal.
func readCheckChunks(ctx context.Context, snap store.Snapshot, ids []string, v vectorCheck) (map[string][]checkedChunk, error) {
	out := map[string][]checkedChunk{}
	err := snap.Chunks(ctx, ids, v.on, func(sc store.StoredChunk) error {
		c := checkedChunk{chunk: sc.Chunk}
		if v.on {
			c.vectorBad = v.problem(sc.Vector)
		}
		out[sc.Chunk.ArticleID] = append(out[sc.Chunk.ArticleID], c)
		return nil
	})
	for _, cs := range out {
		slices.SortFunc(cs, func(a, b checkedChunk) int { return a.chunk.Ordinal - b.chunk.Ordinal })
	}
	return out, err
}

// checkArticle compares one article's stored body and hash with its
// chunks. It reports pending for an article that waits for new chunks.
// The body is read outside the snapshot: an article another process
// replaced meanwhile (its hash changed) is left for the next check.
func checkArticle(ctx context.Context, st store.Store, meta retrieval.Article, chunks []checkedChunk) (Damage, bool, error) {
	d := Damage{ID: meta.ID}
	if meta.Hash == "" {
		return d, true, nil
	}
	a, err := st.Article(ctx, meta.ID)
	if errors.Is(err, store.ErrNotFound) {
		return d, false, nil
	}
	if err != nil {
		return d, false, err
	}
	if a.Hash != meta.Hash {
		return d, false, nil
	}
	if !utf8.ValidString(a.Body) {
		d.Problems = append(d.Problems, "body is not valid UTF-8")
	}
	if retrieval.HashArticle(a) != a.Hash {
		d.Problems = append(d.Problems, "stored text does not match its hash (the body or metadata changed after it was stored)")
	}
	if len(chunks) == 0 && strings.TrimSpace(a.Body) != "" {
		d.Problems = append(d.Problems, "has no chunks")
	}
	if p := numbering(chunks); p != "" {
		d.Problems = append(d.Problems, p)
	}
	var bad chunkProblems
	for _, c := range chunks {
		ch := c.chunk
		switch {
		case !utf8.ValidString(ch.Text):
			bad.add(ch.Ordinal, "text is not valid UTF-8")
		case ch.Start < 0 || ch.End < ch.Start || ch.End > len(a.Body):
			bad.add(ch.Ordinal, "offsets lie outside the body")
		case a.Body[ch.Start:ch.End] != ch.Text:
			bad.add(ch.Ordinal, "text differs from the body at its offsets")
		}
		if c.vectorBad != "" {
			bad.add(ch.Ordinal, c.vectorBad)
		}
	}
	d.Problems = append(d.Problems, bad.lines()...)
	return d, false, nil
}

// numbering says how the chunks' ordinals (sorted) differ from 0..n-1, or
// "" when they do not.
func numbering(chunks []checkedChunk) string {
	ok := true
	ords := make([]string, 0, len(chunks))
	for i, c := range chunks {
		ok = ok && c.chunk.Ordinal == i
		if i < 8 {
			ords = append(ords, fmt.Sprint(c.chunk.Ordinal))
		}
	}
	if ok {
		return ""
	}
	if len(chunks) > 8 {
		ords = append(ords, "...")
	}
	return fmt.Sprintf("chunks are numbered %s, not 0..%d", strings.Join(ords, ", "), len(chunks)-1)
}

// orphanChunks finds chunks filed under an article the store does not
// hold (a damaged article ID on either side).
func orphanChunks(ctx context.Context, snap store.Snapshot, metas map[string]retrieval.Article) ([]Damage, error) {
	byID := map[string]*chunkProblems{}
	var order []string
	err := snap.Chunks(ctx, nil, false, func(sc store.StoredChunk) error {
		id := sc.Chunk.ArticleID
		if _, ok := metas[id]; ok {
			return nil
		}
		if byID[id] == nil {
			byID[id] = &chunkProblems{}
			order = append(order, id)
		}
		byID[id].add(sc.Chunk.Ordinal, "belong to no stored article")
		return nil
	})
	out := make([]Damage, 0, len(order))
	for _, id := range order {
		out = append(out, Damage{ID: id, Problems: byID[id].lines()})
	}
	return out, err
}

// unitTolerance is how far from 1 a stored vector's norm may be. Every
// embedder citebot ships returns unit vectors (the local embedder
// normalizes its output; the OpenAI-compatible client rescales whatever
// the server returns), and chromem's cosine similarity is a plain dot
// product that relies on it, so a vector of another length was changed
// after it was stored. Float32 rounding moves a norm by about 1e-6; 0.01
// leaves room for that and still catches a changed exponent or a
// zeroed or scribbled run of bytes. A flipped sign or a low mantissa bit
// keeps the length and goes unseen: it shifts one similarity slightly.
const unitTolerance = 0.01

// vectorCheck checks raw stored vectors against the manifest.
type vectorCheck struct {
	on  bool
	dim int // the manifest's; 0 = unknown (the next ingest re-embeds)
	buf []float32
}

// problem says what is wrong with the raw vector b, or "".
func (v *vectorCheck) problem(b []byte) string {
	if v.dim > 0 && len(b) != 4*v.dim {
		return fmt.Sprintf("vector does not have the store's %d dimensions", v.dim)
	}
	if len(b)%4 != 0 || len(b) == 0 {
		return "vector is not a whole number of float32 values"
	}
	n := len(b) / 4
	if cap(v.buf) < n {
		v.buf = make([]float32, n)
	}
	vec := v.buf[:n]
	store.DecodeVector(vec, b)
	var sum float64
	for _, x := range vec {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return "vector holds values that are not finite numbers"
		}
		sum += float64(x) * float64(x)
	}
	if math.Abs(math.Sqrt(sum)-1) > unitTolerance {
		return "vector is not of unit length"
	}
	return ""
}

// chunkProblems collects problems by kind, with the chunks that have each,
// so that an article with many bad chunks still reads as a few lines.
type chunkProblems struct {
	kinds    []string
	ordinals map[string][]int
}

func (p *chunkProblems) add(ordinal int, kind string) {
	if p.ordinals == nil {
		p.ordinals = map[string][]int{}
	}
	if _, ok := p.ordinals[kind]; !ok {
		p.kinds = append(p.kinds, kind)
	}
	p.ordinals[kind] = append(p.ordinals[kind], ordinal)
}

// lines renders "chunk 3: kind" or "chunks 3, 4, 9 and 2 more: kind".
func (p *chunkProblems) lines() []string {
	const shown = 5
	out := make([]string, 0, len(p.kinds))
	for _, kind := range p.kinds {
		ords := p.ordinals[kind]
		if len(ords) == 1 {
			out = append(out, fmt.Sprintf("chunk %d: %s", ords[0], kind))
			continue
		}
		names := make([]string, 0, shown)
		for _, o := range ords[:min(len(ords), shown)] {
			names = append(names, fmt.Sprint(o))
		}
		list := strings.Join(names, ", ")
		if len(ords) > shown {
			list += fmt.Sprintf(" and %d more", len(ords)-shown)
		}
		out = append(out, fmt.Sprintf("chunks %s: %s", list, kind))
	}
	return out
}
