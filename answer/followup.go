package answer

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/citebot/citebot/internal/attribution"
	"github.com/citebot/citebot/prompts"
)

// query is what Ask retrieves with and scores against.
type query struct {
	// Text is the standalone search query.
	Text string
	// Focus holds the content words the evidence floor and the extractive
	// scorer weigh most: the new question's own words, or the rewritten
	// query's when an LLM resolved "it" and "he" into names.
	Focus []string
	// Context holds the remaining content words of Text (from earlier
	// turns), which count for less.
	Context []string
	// Question is the user's latest question as asked.
	Question string
	// Rewritten is true when an LLM produced Text.
	Rewritten bool
	Usage     Usage
}

// maxRewriteBytes bounds a rewritten query: a model that answers instead of
// rewriting produces paragraphs, which make poor queries.
const maxRewriteBytes = 500

// standaloneQuery condenses a follow-up question and its history into a
// query that retrieval can use alone. Without history the question is the
// query. With an LLM, the rewrite prompt asks for one standalone question;
// on any error (or an unusable reply) it falls back, like the offline mode,
// to the previous question followed by the new one, which keeps the
// subject ("How long did it last?" after a question about the call).
func (e *Engine) standaloneQuery(ctx context.Context, question string, history []Turn) query {
	q := query{Text: question, Question: question, Focus: contentTerms(question)}
	prev := lastQuestion(history)
	if prev == "" {
		return q
	}
	if e.cfg.LLM != nil && e.cfg.Prompts != nil {
		text, usage, err := e.rewrite(ctx, question, history)
		q.Usage = usage
		if err == nil {
			q.Text, q.Rewritten = text, true
			q.Focus = contentTerms(text)
			return q
		}
		if ctx.Err() == nil {
			e.log.Warn("follow-up rewrite failed; using the previous question", "err", err)
		}
	}
	q.Text = prev + " " + question
	focus := termSet(question)
	if names := referentNames(question, prev, history); names != "" {
		// "How many sacks did he record?" after an answer naming Von
		// Miller: the pronoun stands for the name, which takes the earlier
		// question's place.
		q.Text = names + " " + question
		q.Focus = attribution.Unique(append(contentTerms(names), q.Focus...))
		return q
	}
	for _, t := range attribution.Unique(contentTerms(prev)) {
		if !focus[t] {
			q.Context = append(q.Context, t)
		}
	}
	if len(q.Focus) == 0 {
		// "Why?" has no words of its own: the earlier question is all.
		q.Focus, q.Context = q.Context, nil
	}
	return q
}

// pronouns that refer back to someone or something named before.
var pronouns = map[string]bool{
	"he": true, "she": true, "him": true, "his": true, "her": true, "hers": true,
	"they": true, "them": true, "their": true, "it": true, "its": true,
}

// referentNames returns, when question refers back with a pronoun, the
// names the last answer gave that the last question did not: runs of
// capitalized words ("Von Miller"), preferring runs of two or more words
// (a person's or a team's full name) over single ones. It returns "" when
// there is no pronoun or no such name.
func referentNames(question, prev string, history []Turn) string {
	refers := false
	for _, w := range strings.FieldsFunc(strings.ToLower(question), func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' }) {
		if pronouns[w] {
			refers = true
			break
		}
	}
	if !refers || len(history) == 0 {
		return ""
	}
	known := termSet(prev)
	var runs [][]string
	var cur []string
	end := func() {
		if len(cur) > 0 {
			runs = append(runs, cur)
			cur = nil
		}
	}
	for _, w := range strings.Fields(history[len(history)-1].Answer) {
		word := strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		r, _ := utf8.DecodeRuneInString(word)
		if word == "" || !unicode.IsUpper(r) {
			end()
			continue
		}
		terms := contentTerms(word)
		if len(terms) == 0 || known[terms[0]] {
			end()
		} else {
			cur = append(cur, word)
		}
		if strings.ContainsAny(w[len(w)-1:], ".,;:!?)") {
			end()
		}
	}
	end()
	var long, short []string
	for _, run := range runs {
		if len(run) > 1 {
			long = append(long, strings.Join(run, " "))
		} else {
			short = append(short, run[0])
		}
	}
	if len(long) > 0 {
		return strings.Join(attribution.Unique(long), " ")
	}
	return strings.Join(attribution.Unique(short), " ")
}

// lastQuestion returns the most recent non-empty question of history.
func lastQuestion(history []Turn) string {
	for i := len(history) - 1; i >= 0; i-- {
		if q := strings.TrimSpace(history[i].Question); q != "" {
			return q
		}
	}
	return ""
}

// rewrite asks the LLM for a standalone query.
func (e *Engine) rewrite(ctx context.Context, question string, history []Turn) (string, Usage, error) {
	msgs, err := e.cfg.Prompts.Rewrite(prompts.RewriteData{Question: question, History: promptTurns(history)})
	if err != nil {
		return "", Usage{}, err
	}
	out, usage, err := e.complete(ctx, msgs)
	if err != nil {
		return "", usage, err
	}
	text := cleanRewrite(out)
	if text == "" || len(text) > maxRewriteBytes {
		return "", usage, errUnusableRewrite
	}
	return text, usage, nil
}

// cleanRewrite keeps the first non-empty line of a rewrite reply, without
// a "Query:" label or surrounding quotes.
func cleanRewrite(s string) string {
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		for _, label := range []string{"standalone question:", "standalone query:", "search query:", "query:", "question:"} {
			if len(line) >= len(label) && strings.EqualFold(line[:len(label)], label) {
				line = strings.TrimSpace(line[len(label):])
				break
			}
		}
		return strings.TrimSpace(strings.Trim(line, "\"'`“”"))
	}
	return ""
}

// promptTurns converts history for the prompt templates.
func promptTurns(history []Turn) []prompts.Turn {
	out := make([]prompts.Turn, 0, len(history))
	for _, t := range history {
		out = append(out, prompts.Turn{Question: t.Question, Answer: t.Answer})
	}
	return out
}
