package answer

import (
	"context"
	"strings"

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
