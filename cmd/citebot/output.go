package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/citebot/citebot/retrieval"
)

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}

// articleRef is the article as shown beside a passage or citation.
type articleRef struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Source    string `json:"source"`
	Author    string `json:"author,omitempty"`
	Publisher string `json:"publisher,omitempty"`
	// Published is the publication date as the article states it (RFC
	// 3339 for feed items), "" when unknown; always present.
	Published string `json:"published"`
}

func refOf(art retrieval.Article) articleRef {
	return articleRef{ID: art.ID, Title: art.Title, Source: art.Source, Author: art.Author, Publisher: art.Publisher, Published: art.Published}
}

// passageJSON is the documented shape of one passage in `search --json`
// and `ask --json`.
type passageJSON struct {
	Rank    int        `json:"rank"`
	Score   float64    `json:"score"`
	Article articleRef `json:"article"`
	Chunk   int        `json:"chunk"`
	Start   int        `json:"start"`
	End     int        `json:"end"`
	Text    string     `json:"text"`
}

func passagesJSON(list []retrieval.Passage) []passageJSON {
	out := make([]passageJSON, 0, len(list))
	for i, p := range list {
		out = append(out, passageJSON{
			Rank:    i + 1,
			Score:   p.Score,
			Article: refOf(p.Article),
			Chunk:   p.Chunk.Ordinal,
			Start:   p.Chunk.Start,
			End:     p.Chunk.End,
			Text:    p.Chunk.Text,
		})
	}
	return out
}

// byline is "Author, Publisher · 13 May 2022" with the parts that are
// known.
func byline(art retrieval.Article) string {
	s := ""
	for _, part := range []string{art.Author, art.Publisher} {
		if part == "" {
			continue
		}
		if s != "" {
			s += ", "
		}
		s += part
	}
	if date := art.DisplayDate(); date != "" {
		if s != "" {
			s += " · "
		}
		s += date
	}
	return s
}
