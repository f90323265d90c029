package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/citebot/citebot/answer"
)

const (
	extractiveNote = "(Offline extractive answer: sentences quoted from the articles. Set OPENAI_API_KEY or OPENAI_BASE_URL for written answers.)"
	ungroundedNote = "Warning: this answer is not grounded in the articles; treat it with care."
)

// streamer prints answer text as it arrives when stdout is a terminal, and
// remembers what it printed so the final, checked text is shown again only
// if it differs. Text is word-wrapped to width, or when width is 0 to the
// terminal's width if w is a terminal (piped output is not wrapped).
type streamer struct {
	w       io.Writer
	live    bool
	width   int
	printed strings.Builder
	wrap    *wrapStream
	sized   bool
}

// cols is the width to wrap to (0: none).
func (s *streamer) cols() int {
	if !s.sized {
		if s.width == 0 {
			s.width = termWidth(s.w)
		}
		s.sized = true
	}
	return s.width
}

func (s *streamer) delta(text string) {
	if !s.live {
		return
	}
	s.printed.WriteString(text)
	if width := s.cols(); width > 0 {
		if s.wrap == nil {
			s.wrap = &wrapStream{w: s.w, width: width}
		}
		s.wrap.WriteString(text)
		return
	}
	fmt.Fprint(s.w, text)
}

// finish prints the final answer text: after a live stream only when the
// citation check changed it, otherwise in full.
func (s *streamer) finish(final string) {
	if s.wrap != nil {
		s.wrap.Flush()
	}
	streamed := s.printed.String()
	switch {
	case s.live && strings.TrimSpace(streamed) == strings.TrimSpace(final):
		fmt.Fprintln(s.w)
	case s.live && streamed != "":
		fmt.Fprintf(s.w, "\n\nChecked answer:\n%s\n", wrapText(final, s.cols(), ""))
	default:
		fmt.Fprintln(s.w, wrapText(final, s.cols(), ""))
	}
}

// printSources writes the notes and the numbered source list after an
// answer or summary, wrapped to the terminal's width when w is one.
func printSources(w io.Writer, ans answer.Answer) {
	printSourcesWith(w, ans, sourcesOptions{width: termWidth(w)})
}

// sourcesOptions adjust printSources: the width to wrap to (0: none), and
// whether the extractive notice was already shown (chat shows it once).
type sourcesOptions struct {
	width              int
	skipExtractiveNote bool
}

func printSourcesWith(w io.Writer, ans answer.Answer, opt sourcesOptions) {
	wrap := func(text, indent string) string { return wrapText(text, opt.width, indent) }
	if ans.Refused {
		if len(ans.Suggestions) > 0 {
			fmt.Fprintf(w, "\nClosest articles: %s\n", wrap(strings.Join(ans.Suggestions, "; "), "  "))
		}
		return
	}
	if ans.Extractive && !opt.skipExtractiveNote {
		fmt.Fprintf(w, "\n%s\n", wrap(extractiveNote, ""))
	}
	if note := answer.FlaggedNote(ans); note != "" {
		fmt.Fprintf(w, "\n%s\n", wrap(note, ""))
	} else if !ans.Grounded {
		fmt.Fprintf(w, "\n%s\n", wrap(ungroundedNote, ""))
	}
	if len(ans.Citations) == 0 {
		return
	}
	fmt.Fprintln(w, "\nSources:")
	if oneArticle(ans.Citations) && len(ans.Citations) > 1 {
		// A summary cites paragraphs of one article: name it once.
		art := ans.Citations[0].Article
		head := art.Title
		if by := byline(art); by != "" {
			head += " (" + by + ")"
		}
		fmt.Fprintln(w, wrap(head, "  "))
		if art.Source != "" {
			fmt.Fprintf(w, "%s\n", art.Source)
		}
		for _, c := range ans.Citations {
			fmt.Fprintln(w, wrap(fmt.Sprintf("[%d] “%s”", c.N, oneLine(c.Quote, 300)), "    "))
		}
		return
	}
	for _, c := range ans.Citations {
		head := fmt.Sprintf("[%d] %s", c.N, c.Article.Title)
		if by := byline(c.Article); by != "" {
			head += " (" + by + ")"
		}
		fmt.Fprintln(w, wrap(head, "    "))
		if c.Article.Source != "" {
			fmt.Fprintf(w, "    %s\n", c.Article.Source)
		}
		if c.Quote != "" {
			fmt.Fprintf(w, "    %s\n", wrap("“"+oneLine(c.Quote, 300)+"”", "    "))
		}
	}
}

// oneArticle reports whether every citation points into the same article.
func oneArticle(cs []answer.Citation) bool {
	for _, c := range cs[1:] {
		if c.Article.ID != cs[0].Article.ID {
			return false
		}
	}
	return true
}

// oneLine folds whitespace and shortens text to at most max runes.
func oneLine(text string, max int) string {
	s := strings.Join(strings.Fields(text), " ")
	r := []rune(s)
	if len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
}

// citationJSON is the documented shape of one citation in `ask --json`.
type citationJSON struct {
	N       int        `json:"n"`
	Article articleRef `json:"article"`
	Quote   string     `json:"quote"`
	Passage string     `json:"passage"`
	Start   int        `json:"start"`
	End     int        `json:"end"`
}

// answerJSON is the documented shape of `ask --json` and `summarize
// --json` (docs/json.md): ask carries the question, summarize the article
// and the length.
type answerJSON struct {
	Question   string      `json:"question,omitempty"`
	Article    *articleRef `json:"article,omitempty"`
	Length     string      `json:"length,omitempty"`
	Answer     string      `json:"answer"`
	Grounded   bool        `json:"grounded"`
	Refused    bool        `json:"refused"`
	Extractive bool        `json:"extractive"`
	// Fallback is set when the chat model failed and the answer was made
	// offline from the passages instead; FallbackError says why.
	Fallback      bool           `json:"fallback"`
	FallbackError string         `json:"fallback_error,omitempty"`
	Suggestions   []string       `json:"suggestions,omitempty"`
	Citations     []citationJSON `json:"citations"`
	Claims        []answer.Claim `json:"claims"`
	Passages      []passageJSON  `json:"passages"`
	Usage         answer.Usage   `json:"usage"`
	TimingsMS     timingsJSON    `json:"timings_ms"`
}

func toAnswerJSON(question string, ans answer.Answer) answerJSON {
	out := answerJSON{
		Question:      question,
		Answer:        ans.Text,
		Grounded:      ans.Grounded,
		Refused:       ans.Refused,
		Extractive:    ans.Extractive,
		Fallback:      ans.Fallback,
		FallbackError: ans.FallbackError,
		Suggestions:   ans.Suggestions,
		Citations:     make([]citationJSON, 0, len(ans.Citations)),
		Passages:      passagesJSON(ans.Passages),
		Usage:         ans.Usage,
		Claims:        claimsJSON(ans.Claims),
		TimingsMS: timingsJSON{
			Retrieval: msOf(ans.Timings.Retrieval),
			LLM:       msOf(ans.Timings.LLM),
			Verify:    msOf(ans.Timings.Verify),
			Total:     msOf(ans.Timings.Total),
		},
	}
	for _, c := range ans.Citations {
		out.Citations = append(out.Citations, citationJSON{
			N: c.N, Article: refOf(c.Article), Quote: c.Quote, Passage: c.Passage, Start: c.Start, End: c.End,
		})
	}
	return out
}

// timingsJSON is where an answer's time went, in milliseconds (to the
// microsecond); a stage that did not run (llm offline) is 0.
type timingsJSON struct {
	Retrieval float64 `json:"retrieval"`
	LLM       float64 `json:"llm"`
	Verify    float64 `json:"verify"`
	Total     float64 `json:"total"`
}

// claimsJSON is never null: an answer without claims has [], a claim
// without citations cited: [], and scores have 4 decimals.
func claimsJSON(cs []answer.Claim) []answer.Claim {
	out := make([]answer.Claim, 0, len(cs))
	for _, c := range cs {
		if c.Cited == nil {
			c.Cited = []int{}
		}
		c.Score = round4(c.Score)
		out = append(out, c)
	}
	return out
}

// shownText is the answer text as a person reads it: each statement the
// sources do not support is followed by ⚠.
func shownText(ans answer.Answer) string { return answer.MarkText(ans, "⚠") }
