package bot

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/answer"
)

// outMessage is one Discord message as the bot wants it to look.
type outMessage struct {
	Content    string
	Embeds     []*discordgo.MessageEmbed
	Components []discordgo.MessageComponent
}

// Visible markers. The history reader strips lines starting with these,
// so they never leak into the conversation the model sees.
const (
	markQuestion   = "> "
	markUngrounded = "⚠️ "
	markExtractive = "📄 "
	markThinking   = "⏳ "
	thinkingText   = markThinking + "Thinking…"
	streamCursor   = " ▌"
	embedColor     = 0x5865F2
)

// fallbackText marks the offline answer given when the model failed.
const fallbackText = "The language model is not responding; here are the most relevant passages instead."

// renderOpts shape an answer's messages.
type renderOpts struct {
	// Question is echoed on the first line (slash commands, where Discord
	// shows only the command name).
	Question string
	// Title heads a summary, e.g. the article title.
	Title string
	// FeedbackID adds 👍/👎 buttons ("" = none).
	FeedbackID string
}

// questionLine is the echo of a question on an answer's first line.
func questionLine(q string) string {
	q = strings.Join(strings.Fields(q), " ")
	return markQuestion + "**" + escapeMarkdown(truncate(q, 300)) + "**"
}

// notices are the visible labels an answer must carry.
func notices(a answer.Answer) []string {
	var out []string
	if !a.Refused && !a.Grounded {
		what := "not every statement in this answer is supported by the articles (marked ⚠)"
		if _, checked := answer.CheckedClaims(a); checked == 0 || answer.FlaggedNote(a) == "" {
			what = "no statement in this answer could be checked against the articles"
		}
		out = append(out, markUngrounded+"**Unverified:** "+what+". Treat it with care.")
	}
	switch {
	case a.Fallback:
		out = append(out, markExtractive+"*"+fallbackText+"*")
	case a.Extractive && !a.Refused:
		out = append(out, markExtractive+"*Extractive answer: sentences quoted from the articles, no language model.*")
	}
	return out
}

// renderAnswer lays an answer out as one or more messages: the text split
// within the content limit, then the Sources embed and the feedback
// buttons on the last message. Refusals show no sources.
func renderAnswer(a answer.Answer, o renderOpts) []outMessage {
	var head []string
	if o.Question != "" {
		head = append(head, questionLine(o.Question))
	}
	if o.Title != "" {
		head = append(head, o.Title)
	}
	head = append(head, notices(a)...)
	// Each statement the sources do not support carries ⚠ where it stands.
	body := strings.TrimSpace(answer.MarkText(a, "⚠"))
	if body == "" {
		body = "I have no answer to that."
	}
	if a.Refused && len(a.Suggestions) > 0 {
		var titles []string
		for _, s := range a.Suggestions {
			titles = append(titles, "*"+escapeMarkdown(s)+"*")
		}
		body += "\n\nClosest articles: " + strings.Join(titles, ", ") + "."
	}
	full := body
	if len(head) > 0 {
		full = strings.Join(head, "\n") + "\n\n" + body
	}
	parts := splitText(full, maxContent)
	msgs := make([]outMessage, len(parts))
	for i, p := range parts {
		msgs[i].Content = p
	}
	last := &msgs[len(msgs)-1]
	if !a.Refused && len(a.Citations) > 0 {
		last.Embeds = sourcesEmbeds(a.Citations)
		if footer := checkedFooter(a); footer != "" {
			last.Embeds[len(last.Embeds)-1].Footer = &discordgo.MessageEmbedFooter{Text: footer}
		}
	}
	if o.FeedbackID != "" {
		last.Components = feedbackButtons(o.FeedbackID)
	}
	return msgs
}

// checkedFooter says how many statements the verifier confirmed, e.g.
// "2 of 3 statements confirmed in the sources" ("" with nothing checked).
func checkedFooter(a answer.Answer) string {
	confirmed, checked := answer.CheckedClaims(a)
	switch {
	case checked == 0:
		return ""
	case checked == 1 && confirmed == 1:
		return "The statement was confirmed in the sources"
	case confirmed == checked:
		return fmt.Sprintf("All %d statements confirmed in the sources", checked)
	}
	noun := "statements"
	if checked == 1 {
		noun = "statement"
	}
	return fmt.Sprintf("%d of %d %s confirmed in the sources", confirmed, checked, noun)
}

// errorMessage is a plain notice in place of an answer.
func errorMessage(text string) outMessage {
	return outMessage{Content: truncate(text, maxContent)}
}

// streamingMessage is the interim view while an answer streams: the raw
// text so far with a cursor, cut to fit one message.
func streamingMessage(question, raw string) outMessage {
	text := strings.TrimSpace(raw)
	if question != "" {
		text = questionLine(question) + "\n\n" + text
	}
	limit := maxContent - textLen(streamCursor) - 2
	if textLen(text) > limit {
		text = splitText(text, limit)[0] + " …"
	}
	return outMessage{Content: text + streamCursor}
}

// sourcesEmbeds renders the citations as one embed per (up to) 4096
// description characters, quotes shortened until they fit, within the
// 6000-character total.
func sourcesEmbeds(cites []answer.Citation) []*discordgo.MessageEmbed {
	for _, quoteMax := range []int{280, 180, 100, 0} {
		var lines []string
		for _, c := range cites {
			lines = append(lines, citationLine(c, quoteMax))
		}
		desc := strings.Join(lines, "\n")
		if textLen(desc) <= maxEmbedDescription {
			return []*discordgo.MessageEmbed{{Title: "Sources", Description: desc, Color: embedColor}}
		}
	}
	// Very many sources: keep as many whole lines as fit.
	var b strings.Builder
	for i, c := range cites {
		line := citationLine(c, 0)
		more := fmt.Sprintf("\n…and %d more", len(cites)-i)
		if textLen(b.String())+textLen(line)+1+textLen(more) > maxEmbedDescription {
			b.WriteString(more)
			break
		}
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(line)
	}
	return []*discordgo.MessageEmbed{{Title: "Sources", Description: b.String(), Color: embedColor}}
}

// citationLine is "**[n]** [Title](url) — Author · Publisher · 13 May
// 2022" (the parts that are known) and, when quoteMax > 0, the supporting
// quote on the next line.
func citationLine(c answer.Citation, quoteMax int) string {
	art := c.Article
	line := fmt.Sprintf("**[%d]** ", c.N) + titleLink(truncate(displayTitle(art), 200), art.Source)
	var meta []string
	for _, part := range []string{art.Author, art.Publisher} {
		if part != "" {
			meta = append(meta, escapeMarkdown(truncate(part, 100)))
		}
	}
	if date := art.DisplayDate(); date != "" {
		meta = append(meta, escapeMarkdown(truncate(date, 40)))
	}
	if len(meta) > 0 {
		line += " — " + strings.Join(meta, " · ")
	}
	if q := strings.Join(strings.Fields(c.Quote), " "); q != "" && quoteMax > 0 {
		line += "\n> " + escapeMarkdown(truncate(q, quoteMax))
	}
	return line
}

// titleLink shows an article title as a link to its source, or in bold
// when the source is not a usable URL.
func titleLink(title, source string) string {
	title = escapeLinkText(title)
	if u := safeURL(source); u != "" {
		return "[" + title + "](" + u + ")"
	}
	return "**" + title + "**"
}

// safeURL returns an http(s) URL safe inside Markdown link parentheses,
// or "".
func safeURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	s := u.String()
	s = strings.NewReplacer("(", "%28", ")", "%29", " ", "%20").Replace(s)
	if len(s) > 512 {
		return ""
	}
	return s
}

var mdEscaper = strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "~", `\~`, "`", "\\`", "|", `\|`, ">", `\>`, "#", `\#`)

// escapeMarkdown keeps titles and quotes from turning into formatting.
func escapeMarkdown(s string) string { return mdEscaper.Replace(s) }

// escapeLinkText also escapes brackets, which would end a link early.
func escapeLinkText(s string) string {
	return strings.NewReplacer("[", `\[`, "]", `\]`).Replace(escapeMarkdown(s))
}

// feedbackButtons are the 👍/👎 row; the custom IDs carry the answer
// record's ID.
func feedbackButtons(id string) []discordgo.MessageComponent {
	return []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
		discordgo.Button{Label: "Helpful", Style: discordgo.SecondaryButton, CustomID: feedbackPrefix + "+:" + id, Emoji: &discordgo.ComponentEmoji{Name: "👍"}},
		discordgo.Button{Label: "Not helpful", Style: discordgo.SecondaryButton, CustomID: feedbackPrefix + "-:" + id, Emoji: &discordgo.ComponentEmoji{Name: "👎"}},
	}}}
}
