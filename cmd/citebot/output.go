package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"reflect"
	"time"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/store"
)

// round4 rounds a score to 4 decimals for JSON output: more digits are
// noise (0.19999999999999998).
func round4(f float64) float64 { return math.Round(f*1e4) / 1e4 }

// msOf is a duration in milliseconds, to the microsecond, so a stage
// that took less than a millisecond does not read as 0.
func msOf(d time.Duration) float64 { return math.Round(float64(d.Microseconds())) / 1e3 }

// The documented shapes of the commands whose output is a list (see
// docs/json.md). Every list is [] when empty, never null.
type (
	articlesJSON struct {
		Articles []articleRef `json:"articles"`
	}
	searchJSON struct {
		Query    string        `json:"query"`
		Passages []passageJSON `json:"passages"`
	}
	sourcesJSON struct {
		Sources []store.Source `json:"sources"`
	}
	forgetJSON struct {
		// Source is the folder unregistered, "" when articles were
		// forgotten by ID or URL.
		Source  string   `json:"source"`
		Removed []string `json:"removed"`
	}
	feedbackJSON struct {
		Feedback []store.Feedback `json:"feedback"`
	}
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

// articleRef is the article wherever JSON output names one (beside a
// passage or citation, in `articles --json`, in `summarize --json`): every
// field is always present, "" when unknown.
type articleRef struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Source    string `json:"source"`
	Author    string `json:"author"`
	Publisher string `json:"publisher"`
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
			Score:   round4(p.Score),
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

// nonNil is list, or [] for nil, so JSON shows an empty list as [].
func nonNil[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}

// feedbackList is list with every citations list [] rather than null.
func feedbackList(list []store.Feedback) []store.Feedback {
	out := make([]store.Feedback, 0, len(list))
	for _, f := range list {
		f.Citations = nonNil(f.Citations)
		out = append(out, f)
	}
	return out
}

// feedsJSON is the documented shape of `feeds list --json`.
type feedsJSON struct {
	Feeds []feedJSON `json:"feeds"`
}

// roundFloats rounds every float field reachable from v (a pointer to a
// struct, through nested structs and slices) to 4 decimals, for reports
// whose types live in other packages (eval's).
func roundFloats(v any) {
	var walk func(reflect.Value)
	walk = func(x reflect.Value) {
		switch x.Kind() {
		case reflect.Pointer:
			if !x.IsNil() {
				walk(x.Elem())
			}
		case reflect.Struct:
			for i := 0; i < x.NumField(); i++ {
				if f := x.Field(i); f.CanSet() || f.Kind() == reflect.Slice {
					walk(f)
				}
			}
		case reflect.Slice:
			for i := 0; i < x.Len(); i++ {
				walk(x.Index(i))
			}
		case reflect.Float32, reflect.Float64:
			if x.CanSet() {
				x.SetFloat(round4(x.Float()))
			}
		}
	}
	walk(reflect.ValueOf(v))
}
