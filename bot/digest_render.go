package bot

import (
	"fmt"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/answer"
)

// digestOpts shape a digest's messages.
type digestOpts struct {
	// Heading is the first line, e.g. "📰 **Digest of the last 24 hours**".
	Heading string
	// FeedbackID adds 👍/👎 buttons ("" = none).
	FeedbackID string
	// Filtered: the digest had a topic or feed, which an empty one
	// names as a reason.
	Filtered bool
}

// renderDigest lays a digest out as messages: the heading, what it
// covers and the notices, then one paragraph per story under its bold
// title, each statement the articles do not support marked ⚠. Stories
// are packed whole into messages where they fit, and split only where
// splitText may cut (never inside or before a [n]). The Sources list
// names each article once with its date, in as many embeds as it needs,
// never cutting a line; the first goes on the last text message, the
// rest follow one a message.
func renderDigest(d answer.Digest, o digestOpts) []outMessage {
	head := []string{o.Heading}
	if emptyDigest(d) {
		return []outMessage{{Content: truncate(o.Heading+"\n\n"+emptyDigestText(d, o.Filtered), maxContent)}}
	}
	if line := digestCoverage(d); line != "" {
		head = append(head, line)
	}
	head = append(head, notices(d.Answer)...)
	blocks := append([]string{strings.Join(head, "\n")}, storyBlocks(d)...)
	parts := packBlocks(blocks, maxContent)
	msgs := make([]outMessage, len(parts))
	for i, p := range parts {
		msgs[i].Content = p
	}
	if embeds := digestSources(d.Answer); len(embeds) > 0 {
		msgs[len(msgs)-1].Embeds = embeds[:1]
		for _, e := range embeds[1:] {
			msgs = append(msgs, outMessage{Embeds: []*discordgo.MessageEmbed{e}})
		}
	}
	if o.FeedbackID != "" {
		msgs[len(msgs)-1].Components = feedbackButtons(o.FeedbackID)
	}
	return msgs
}

// emptyDigest reports a digest with nothing to show: no article matched.
func emptyDigest(d answer.Digest) bool {
	return strings.TrimSpace(d.Text) == "" && len(d.Stories) == 0
}

// emptyDigestText says why a digest is empty: no article matched the
// window (and topic or feed), or, rarely, none could be summarized.
func emptyDigestText(d answer.Digest, filtered bool) string {
	switch {
	case d.Considered > 0:
		return "I found articles in that window but could not summarize them. Please try again with a shorter window or a topic."
	case filtered:
		return "No article of that window matches the topic or feed. Try a longer `since:`, another `topic:` or no `feed:`."
	}
	return "No articles were published in that window. Try a longer `since:`."
}

// digestCoverage is "3 stories from 12 articles." and, when the cap left
// articles out, how many and how to narrow it.
func digestCoverage(d answer.Digest) string {
	used := d.Considered - d.LeftOut
	if used <= 0 {
		used = len(d.Citations)
	}
	line := fmt.Sprintf("%d stor%s from %s", len(d.Stories), plural(len(d.Stories), "y", "ies"), countArticles(used))
	if d.LeftOut > 0 {
		line = fmt.Sprintf("%d stor%s from the %d newest of %s; add `topic:` or `feed:` to narrow it",
			len(d.Stories), plural(len(d.Stories), "y", "ies"), used, countArticles(d.Considered))
	}
	return "*" + line + ".*"
}

// storyBlocks are the stories, each "**Title** · n articles" over its
// marked sentences; a digest without stories is one block of its text.
func storyBlocks(d answer.Digest) []string {
	var out []string
	for _, st := range d.Stories {
		text, ok := storyText(d, st)
		if !ok {
			return []string{strings.TrimSpace(answer.MarkText(d.Answer, "⚠"))}
		}
		title := "**" + escapeMarkdown(truncate(strings.TrimSpace(st.Title), 200)) + "**"
		if n := len(st.Articles); n > 1 {
			title += " · " + countArticles(n)
		}
		out = append(out, title+"\n"+text)
	}
	if len(out) == 0 {
		out = append(out, strings.TrimSpace(answer.MarkText(d.Answer, "⚠")))
	}
	return out
}

// storyText is the story's span of the digest text with ⚠ after each
// flagged claim in it; false when the span is not a valid one.
func storyText(d answer.Digest, st answer.Story) (string, bool) {
	if st.Start < 0 || st.End > len(d.Text) || st.Start >= st.End {
		return "", false
	}
	sub := d.Answer
	sub.Text = d.Text[st.Start:st.End]
	sub.Claims = nil
	for _, c := range d.Claims {
		if c.Start >= st.Start && c.End <= st.End {
			c.Start, c.End = c.Start-st.Start, c.End-st.Start
			sub.Claims = append(sub.Claims, c)
		}
	}
	return strings.TrimSpace(answer.MarkText(sub, "⚠")), true
}

// packBlocks joins blocks (paragraphs) into parts of at most limit units,
// a blank line between blocks, never splitting a block that fits in one
// part; a longer block is split by splitText.
func packBlocks(blocks []string, limit int) []string {
	var parts []string
	cur := ""
	for _, bl := range blocks {
		bl = strings.TrimSpace(bl)
		switch {
		case bl == "":
			continue
		case cur != "" && textLen(cur)+2+textLen(bl) <= limit:
			cur += "\n\n" + bl
			continue
		}
		if cur != "" {
			parts = append(parts, cur)
		}
		pieces := splitText(bl, limit)
		parts = append(parts, pieces[:len(pieces)-1]...)
		cur = pieces[len(pieces)-1]
	}
	if cur != "" || len(parts) == 0 {
		parts = append(parts, cur)
	}
	return parts
}

// digestSources lists the cited articles, one line each (title link,
// author, publisher, date; no quotes: a digest cites many articles), in
// embeds of whole lines within the description limit. The last carries
// how many statements were confirmed.
func digestSources(a answer.Answer) []*discordgo.MessageEmbed {
	if len(a.Citations) == 0 {
		return nil
	}
	var descs []string
	cur := ""
	for _, c := range a.Citations {
		line := truncate(citationLine(c, 0), maxEmbedDescription)
		if cur != "" && textLen(cur)+1+textLen(line) > maxEmbedDescription {
			descs = append(descs, cur)
			cur = ""
		}
		if cur != "" {
			cur += "\n"
		}
		cur += line
	}
	descs = append(descs, cur)
	out := make([]*discordgo.MessageEmbed, len(descs))
	for i, desc := range descs {
		title := "Sources"
		if i > 0 {
			title = "Sources (continued)"
		}
		out[i] = &discordgo.MessageEmbed{Title: title, Description: desc, Color: embedColor}
	}
	if footer := checkedFooter(a); footer != "" {
		out[len(out)-1].Footer = &discordgo.MessageEmbedFooter{Text: footer}
	}
	return out
}

// digestWhat names what a digest covers: "the last 24 hours", plus
// "about “topic”" and "from Feed" when set.
func digestWhat(req answer.DigestRequest, feedTitle string) string {
	return windowPhrase(req.Since, req.Until) + digestFilters(req, feedTitle)
}

// digestFilters is " about “topic” from Feed", the parts that are set.
func digestFilters(req answer.DigestRequest, feedTitle string) string {
	what := ""
	if req.Topic != "" {
		what += " about “" + truncate(req.Topic, 100) + "”"
	}
	if req.Feed != "" {
		name := feedTitle
		if name == "" {
			name = req.Feed
		}
		what += " from " + truncate(name, 100)
	}
	return what
}

// digestHeading is the first line of a digest: label ("Digest",
// "Daily digest") and what it covers.
func digestHeading(label string, req answer.DigestRequest, feedTitle string) string {
	return "📰 **" + label + " of " + escapeMarkdown(digestWhat(req, feedTitle)) + "**"
}

// windowPhrase is a window as people say it: "the last 24 hours", "the
// last 7 days", or "since 1 May 2026".
func windowPhrase(since, until time.Time) string {
	d := until.Sub(since)
	days := int((d + 12*time.Hour) / (24 * time.Hour))
	switch {
	case d == 24*time.Hour:
		return "the last 24 hours"
	case d > 0 && d < 72*time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("the last %d hours", d/time.Hour)
	case days > 0 && days <= 90 && since.Equal(until.AddDate(0, 0, -days)):
		return fmt.Sprintf("the last %d days", days)
	case since.UTC().Format("15:04") == "00:00":
		return "since " + since.UTC().Format("2 Jan 2006")
	}
	return "since " + since.UTC().Format("2 Jan 2006 15:04") + " UTC"
}
