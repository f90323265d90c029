package retrieval

import (
	"context"
	"fmt"
	"strings"
	"unicode"
)

// maxQueryTerms bounds the FTS query built from a question, so that a
// pasted page of text costs no more than a long question.
const maxQueryTerms = 64

// stopwords are dropped from lexical queries: they occur in nearly every
// chunk, so they add cost and noise to BM25 but no evidence. Question words
// (what, which, how...) are here too: passages rarely contain them in the
// sense the question uses them.
var stopwords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an and are as at be been but by can could did do does
		for from had has have he her his how i if in into is it its me my of on or our
		she so than that the their them then there these they this those to us was we
		were what when where which while who whom whose why will with would you your
		s t`) {
		m[w] = true
	}
	return m
}()

// queryTerms splits text into lowercased words (runs of letters, digits
// and marks, the same notion of a word as FTS5's unicode61 tokenizer),
// without stopwords and duplicates, at most maxQueryTerms of them.
func queryTerms(text string) []string {
	var terms []string
	seen := map[string]bool{}
	for _, w := range strings.FieldsFunc(text, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r)
	}) {
		w = strings.ToLower(w)
		if stopwords[w] || seen[w] {
			continue
		}
		seen[w] = true
		terms = append(terms, w)
		if len(terms) == maxQueryTerms {
			break
		}
	}
	return terms
}

// ftsQuery turns user text into an FTS5 query that cannot be a syntax
// error: every term is a quoted string (FTS5 syntax inside quotes is plain
// text, and terms never contain a quote), joined by OR. It returns "" when
// the text has no searchable word.
func ftsQuery(text string) string {
	terms := queryTerms(text)
	if len(terms) == 0 {
		return ""
	}
	var b strings.Builder
	for i, t := range terms {
		if i > 0 {
			b.WriteString(" OR ")
		}
		b.WriteByte('"')
		b.WriteString(strings.ReplaceAll(t, `"`, `""`))
		b.WriteByte('"')
	}
	return b.String()
}

// Column weights for BM25 over (title, text). Every chunk of an article
// carries the title, so a title match says "right article" but not "right
// passage"; it weighs less than the text (chosen on the SQuAD dev set, see
// eval_corpus_test.go).
const (
	titleWeight = 0.5
	textWeight  = 1.0
)

// lexHit is one BM25 result: the chunk's rowid and its score (higher is
// better).
type lexHit struct {
	rowid int64
	score float64
}

// lexicalSearch returns up to n chunks ranked by BM25 for the question
// text, optionally only chunks of one article.
func (ix *Index) lexicalSearch(ctx context.Context, text string, n int, articleID string) ([]lexHit, error) {
	q := ftsQuery(text)
	if q == "" || n <= 0 {
		return nil, nil
	}
	rank := fmt.Sprintf("bm25(%g, %g)", titleWeight, textWeight)
	var (
		stmt string
		args []any
	)
	if articleID == "" {
		stmt = `SELECT rowid, rank FROM chunks_fts WHERE chunks_fts MATCH ? AND rank MATCH ? ORDER BY rank LIMIT ?`
		args = []any{q, rank, n}
	} else {
		stmt = `SELECT f.rowid, f.rank FROM chunks_fts f JOIN chunks c ON c.id = f.rowid
			WHERE chunks_fts MATCH ? AND rank MATCH ? AND c.article_id = ? ORDER BY f.rank LIMIT ?`
		args = []any{q, rank, articleID, n}
	}
	rows, err := ix.db.QueryContext(ctx, stmt, args...)
	if err != nil {
		return nil, fmt.Errorf("lexical search: %w", err)
	}
	defer rows.Close()
	hits := make([]lexHit, 0, n)
	for rows.Next() {
		var h lexHit
		if err := rows.Scan(&h.rowid, &h.score); err != nil {
			return nil, fmt.Errorf("lexical search: %w", err)
		}
		h.score = -h.score // FTS5's bm25 is negative, lower is better
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("lexical search: %w", err)
	}
	return hits, nil
}
